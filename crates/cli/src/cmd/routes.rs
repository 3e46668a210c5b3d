//! `sightline routes test`: where a sample alert would go, and why.

use super::client::{Client, ServerArgs};
use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use sightline_route::{Dispatcher, Labels, MemoryStore};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
#[command(after_help = "Examples:\n  \
    sightline routes test --config sightline.toml level=critical rule='Ray job with a miner entrypoint' host=gpu-7\n  \
    sightline routes test --live level=high dataset=milvus.access source.ip=10.0.0.9\n\n\
    With --config the file's [routing], [[inhibit]] and [risk] are read and nothing else is needed;\n\
    with --live a running server answers, taking its active silences and firing alerts into account.")]
pub struct RoutesArgs {
    #[command(subcommand)]
    command: RoutesCommand,
}

#[derive(Subcommand)]
enum RoutesCommand {
    /// Show the routes, receivers, groups and timers a sample alert reaches, and what mutes it
    Test {
        /// The alert's labels, as NAME=VALUE
        #[arg(required = true, value_name = "NAME=VALUE")]
        labels: Vec<String>,
        /// Read the routing tree from this configuration file
        #[arg(long, value_name = "FILE", required_unless_present = "live")]
        config: Option<PathBuf>,
        /// Ask the running server instead (its silences and inhibitions count)
        #[arg(long, conflicts_with = "config")]
        live: bool,
        /// The whole answer as JSON
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        server: ServerArgs,
    },
}

pub fn run(args: RoutesArgs) -> anyhow::Result<ExitCode> {
    let RoutesCommand::Test {
        labels,
        config,
        live,
        json,
        server,
    } = args.command;
    let labels = parse_labels(&labels)?;
    let answer = if live {
        Client::new(&server)?.post(
            "/api/v1/routes/test",
            &serde_json::json!({ "labels": labels }),
        )?
    } else {
        let path = config.context("--config FILE or --live is needed")?;
        let cfg = sightline_server::config::Config::load(&path)?;
        let settings = cfg.validate().with_context(|| {
            format!("{}: invalid (run `sightline config check`)", path.display())
        })?;
        let Some(routing) = settings.routing else {
            bail!(
                "{}: no [routing] table, so alerts reach nobody; see docs/routing.md",
                path.display()
            );
        };
        let d = Dispatcher::new(routing, MemoryStore::new())?;
        let e = d.explain(&labels, jiff::Timestamp::now());
        let mut v = serde_json::to_value(&e)?;
        v["text"] = e.text().into();
        v
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        print!("{}", answer["text"].as_str().unwrap_or(""));
        if answer["routes"].as_array().is_none_or(|r| r.is_empty()) {
            println!("(no route delivers it)");
        }
        if answer["muted"] == true {
            println!("notifications for it are held back now");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_labels(pairs: &[String]) -> anyhow::Result<Labels> {
    let mut labels = Labels::new();
    for p in pairs {
        let Some((k, v)) = p.split_once('=') else {
            bail!("{p:?}: write labels as NAME=VALUE, e.g. level=critical");
        };
        let k = k.trim();
        if k.is_empty() {
            bail!("{p:?}: the label name is empty");
        }
        labels.insert(k.to_owned(), v.to_owned());
    }
    Ok(labels)
}
