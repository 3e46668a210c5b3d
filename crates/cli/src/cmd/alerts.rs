//! `sightline alerts list|show|ack|resolve`: triage against a running server.

use super::client::{Client, ServerArgs};
use clap::{Args, Subcommand, ValueEnum};
use std::process::ExitCode;

#[derive(Args)]
#[command(after_help = "Examples:\n  \
    sightline alerts list --state open --min-level high\n  \
    sightline alerts show 3f2a9c1e\n  \
    sightline alerts ack 3f2a9c1e --note \"looking into it\"\n  \
    sightline alerts resolve 3f2a9c1e --false-positive --note \"scheduled scan\"\n\n\
    Alert ids may be shortened to a unique prefix of 8 or more hex digits.")]
pub struct AlertsArgs {
    #[command(subcommand)]
    command: AlertsCommand,
    #[command(flatten)]
    server: ServerArgs,
}

#[derive(Subcommand)]
enum AlertsCommand {
    /// List alerts, newest first
    List {
        /// Only these states (repeat): open, acknowledged, resolved, false_positive
        #[arg(long)]
        state: Vec<String>,
        /// Only alerts at or above this level
        #[arg(long)]
        min_level: Option<String>,
        /// Only this rule
        #[arg(long)]
        rule: Option<String>,
        /// Only alerts first seen since (RFC 3339, a date or an age like 24h)
        #[arg(long)]
        since: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long, short, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One alert with its evidence and history
    Show { id: String },
    /// Acknowledge: someone is on it
    Ack {
        id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Resolve (or mark as a false positive)
    Resolve {
        id: String,
        #[arg(long)]
        note: Option<String>,
        /// Resolve as a false positive
        #[arg(long)]
        false_positive: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Jsonl,
}

pub fn run(args: AlertsArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args.server)?;
    match args.command {
        AlertsCommand::List {
            state,
            min_level,
            rule,
            since,
            limit,
            format,
        } => {
            let mut q = vec![("limit", limit.to_string())];
            if !state.is_empty() {
                q.push(("state", state.join(",")));
            }
            if let Some(l) = min_level {
                q.push(("min_level", l));
            }
            if let Some(r) = rule {
                q.push(("rule", r));
            }
            if let Some(s) = since {
                q.push(("since", s));
            }
            let v = client.get("/api/v1/alerts", &q)?;
            let alerts = v["alerts"].as_array().cloned().unwrap_or_default();
            match format {
                Format::Jsonl => {
                    for a in &alerts {
                        println!("{a}");
                    }
                }
                Format::Table => {
                    println!(
                        "{:<10} {:<20} {:<8} {:<14} {:>6}  rule",
                        "id", "first seen", "level", "state", "count"
                    );
                    for a in &alerts {
                        let s = |k: &str| a[k].as_str().unwrap_or("").to_owned();
                        let id = s("alert.id");
                        let first: String = s("@timestamp").chars().take(19).collect();
                        println!(
                            "{:<10} {:<20} {:<8} {:<14} {:>6}  {}",
                            id.get(..10).unwrap_or(&id),
                            first,
                            s("rule.level"),
                            s("alert.state"),
                            a["alert.count"].as_u64().unwrap_or(0),
                            s("rule.name")
                        );
                    }
                    eprintln!(
                        "{} of {} alerts",
                        alerts.len(),
                        v["total"].as_u64().unwrap_or(0)
                    );
                }
            }
        }
        AlertsCommand::Show { id } => {
            let v = client.get(&format!("/api/v1/alerts/{}", urlencode(&id)), &[])?;
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        AlertsCommand::Ack { id, note } => {
            change(&client, &id, "acknowledged", note)?;
        }
        AlertsCommand::Resolve {
            id,
            note,
            false_positive,
        } => {
            let state = if false_positive {
                "false_positive"
            } else {
                "resolved"
            };
            change(&client, &id, state, note)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn change(client: &Client, id: &str, state: &str, note: Option<String>) -> anyhow::Result<()> {
    let v = client.post(
        &format!("/api/v1/alerts/{}/state", urlencode(id)),
        &serde_json::json!({"state": state, "note": note}),
    )?;
    println!(
        "{} is now {}",
        v["alert.id"].as_str().unwrap_or(id),
        v["alert.state"].as_str().unwrap_or(state)
    );
    Ok(())
}

/// Ids are hex, but a user may type anything: keep the path well formed.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
