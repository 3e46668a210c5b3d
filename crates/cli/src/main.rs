//! `sightline`: the command-line entry point. Thin by design: each
//! subcommand parses its arguments and calls into the library crates.

mod cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "sightline",
    version,
    about = "Security monitoring for Ray, Mesos, Milvus and MLX infrastructure",
    long_about = "Sightline collects the logs of Ray clusters, Apache Mesos, Milvus and MLX services, \
                  turns them into normalized security events, detects attacks and keeps the evidence.\n\n\
                  Start with `sightline parse DIR` to see the events a log directory yields, and \
                  `sightline hunt DIR` to see what the bundled rules detect in it."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode log files into normalized security events (one JSON object per line on stdout)
    Parse(cmd::parse::ParseArgs),
    /// Run detection rules over log files (retrospective hunting); alerts as JSON lines, a table or CSV
    Hunt(cmd::hunt::HuntArgs),
    /// Test, lint or list detection rules
    Rules(cmd::rules::RulesArgs),
    /// List every event field with its type and meaning (the event schema)
    Schema(cmd::schema::SchemaArgs),
    /// Run the server: receivers, store, streaming detection and the API
    Server(cmd::server::ServerArgs),
    /// Search stored events (a running server, or a stopped server's data directory)
    Search(cmd::search::SearchArgs),
    /// List and triage alerts on a running server
    Alerts(cmd::alerts::AlertsArgs),
    /// Create, list and expire silences on a running server
    Silences(cmd::silences::SilencesArgs),
    /// Test where a sample alert is routed (receivers, groups, timers, mutes)
    Routes(cmd::routes::RoutesArgs),
    /// Check the store's hash chains and signatures; names the first altered record
    Verify(cmd::verify::VerifyArgs),
    /// Check a configuration file
    Config(cmd::server::ConfigArgs),
    /// Create, list and delete API tokens
    Token(cmd::token::TokenArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Parse(args) => cmd::parse::run(args),
        Command::Hunt(args) => cmd::hunt::run(args),
        Command::Rules(args) => cmd::rules::run(args),
        Command::Schema(args) => cmd::schema::run(args),
        Command::Server(args) => cmd::server::run(args),
        Command::Search(args) => cmd::search::run(args),
        Command::Alerts(args) => cmd::alerts::run(args),
        Command::Silences(args) => cmd::silences::run(args),
        Command::Routes(args) => cmd::routes::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Config(args) => cmd::server::config(args),
        Command::Token(args) => cmd::token::run(args),
    };
    match result {
        Ok(code) => code,
        // `sightline parse ... | head` closing the pipe early is not an error.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("sightline: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
