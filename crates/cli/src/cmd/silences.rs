//! `sightline silences list|add|expire`: silences on a running server.

use super::alerts::urlencode;
use super::client::{Client, ServerArgs};
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Args)]
#[command(after_help = "Examples:\n  \
    sightline silences add --matcher 'host = \"gpu-node-7\"' --duration 2h --comment \"driver upgrade\"\n  \
    sightline silences add --matcher 'rule =~ \"Milvus.*\"' --matcher 'source.ip = \"10.0.0.9\"' \\\n      \
    --until 2026-12-08T09:00:00Z --comment \"scanner run by the red team\"\n  \
    sightline silences list\n  \
    sightline silences expire 5c1f0e2a9b7d4e6f8a0b1c2d3e4f5a6b\n\n\
    Matchers: NAME = \"v\", NAME != \"v\", NAME =~ \"regex\", NAME !~ \"regex\" over the alert's labels\n\
    (rule, rule_id, level, type, dataset, module, host, tags and the alert's group-by fields).\n\
    Creating and expiring need the analyst or admin role and are audited.")]
pub struct SilencesArgs {
    #[command(subcommand)]
    command: SilencesCommand,
    #[command(flatten)]
    server: ServerArgs,
}

#[derive(Subcommand)]
enum SilencesCommand {
    /// Every silence kept (active, pending, expired), newest first
    List {
        /// One JSON object per line instead of a table
        #[arg(long)]
        jsonl: bool,
    },
    /// Create a silence: matching alerts notify nobody until it ends
    Add {
        /// A label matcher (repeat: all must match)
        #[arg(long = "matcher", short, required = true)]
        matchers: Vec<String>,
        /// How long from the start (2h, 30m, 1d)
        #[arg(long, conflicts_with = "until", required_unless_present = "until")]
        duration: Option<String>,
        /// When it ends (RFC 3339 or a date)
        #[arg(long)]
        until: Option<String>,
        /// When it starts (default now)
        #[arg(long)]
        from: Option<String>,
        /// Why (kept for the audit trail)
        #[arg(long, required = true)]
        comment: String,
    },
    /// End a silence now (it is kept, as expired)
    Expire { id: String },
}

pub fn run(args: SilencesArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args.server)?;
    match args.command {
        SilencesCommand::List { jsonl } => {
            let v = client.get("/api/v1/silences", &[])?;
            let list = v["silences"].as_array().cloned().unwrap_or_default();
            if jsonl {
                for s in &list {
                    println!("{s}");
                }
            } else {
                println!(
                    "{:<34} {:<8} {:<20} {:<12} matchers / comment",
                    "id", "state", "ends", "by"
                );
                for s in &list {
                    let f = |k: &str| s[k].as_str().unwrap_or("").to_owned();
                    let ends: String = f("ends_at").chars().take(19).collect();
                    println!(
                        "{:<34} {:<8} {:<20} {:<12} {} / {}",
                        f("id"),
                        f("state"),
                        ends,
                        f("created_by"),
                        f("matchers_text"),
                        f("comment")
                    );
                }
                eprintln!("{} silences", list.len());
            }
        }
        SilencesCommand::Add {
            matchers,
            duration,
            until,
            from,
            comment,
        } => {
            let v = client.post(
                "/api/v1/silences",
                &serde_json::json!({
                    "matchers": matchers, "duration": duration, "ends_at": until,
                    "starts_at": from, "comment": comment,
                }),
            )?;
            println!(
                "silence {} until {}",
                v["id"].as_str().unwrap_or("?"),
                v["ends_at"].as_str().unwrap_or("?")
            );
        }
        SilencesCommand::Expire { id } => {
            let v = client.delete(&format!("/api/v1/silences/{}", urlencode(&id)))?;
            println!(
                "silence {} expired at {}",
                v["id"].as_str().unwrap_or(&id),
                v["ends_at"].as_str().unwrap_or("?")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
