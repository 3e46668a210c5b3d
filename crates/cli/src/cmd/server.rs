//! `sightline server` and `sightline config check`.

use anyhow::Context as _;
use clap::{Args, Subcommand};
use sightline_server::config::Config;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
#[command(after_help = "Examples:\n  \
    sightline server --demo                      # stores under ./sightline-data, HTTPS on 127.0.0.1:8443, replays demo logs\n  \
    sightline server --config /etc/sightline/sightline.toml\n  \
    SIGHTLINE_ADMIN_TOKEN=... sightline server --listen 0.0.0.0:8443\n\n\
    On first start the server creates a self-signed certificate (DATA/tls/cert.pem) and prints an admin token once.\n\
    Every setting is in one TOML file: see docs/operations.md.")]
pub struct ServerArgs {
    /// The configuration file (TOML); without it, safe defaults
    #[arg(long, short, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Address to listen on (overrides server.listen)
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<SocketAddr>,

    /// Data directory (overrides server.data_dir)
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// File holding the bootstrap admin token (or set SIGHTLINE_ADMIN_TOKEN)
    #[arg(long, value_name = "FILE")]
    admin_token_file: Option<PathBuf>,

    /// Replay the bundled demo logs (./demo) as live traffic
    #[arg(long)]
    demo: bool,

    /// Replay this directory of logs instead of ./demo (implies --demo)
    #[arg(long, value_name = "DIR")]
    demo_dir: Option<PathBuf>,

    /// Write the bound addresses as JSON to this file once listening (for scripts)
    #[arg(long, value_name = "FILE", hide = true)]
    ready_file: Option<PathBuf>,

    /// Log format of the server's own logs
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    log_format: String,
}

pub fn run(args: ServerArgs) -> anyhow::Result<ExitCode> {
    init_logging(&args.log_format);
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    let demo = match (args.demo_dir, args.demo) {
        (Some(d), _) => Some(d),
        (None, true) => Some(demo_dir()?),
        (None, false) => None,
    };
    let admin_token = std::env::var("SIGHTLINE_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    sightline_server::run(sightline_server::ServerOptions {
        config,
        listen: args.listen,
        data_dir: args.data_dir,
        admin_token_file: args.admin_token_file,
        admin_token,
        demo,
        ready_file: args.ready_file,
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `./demo` when run from the repository, else beside the binary's repository.
fn demo_dir() -> anyhow::Result<PathBuf> {
    let candidates = [
        PathBuf::from("demo"),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../demo"),
    ];
    candidates
        .into_iter()
        .find(|p| p.is_dir())
        .context("no demo directory found (./demo); pass --demo-dir DIR with log files to replay")
}

fn init_logging(format: &str) {
    use tracing_subscriber::EnvFilter;
    let given = std::env::var("SIGHTLINE_LOG").unwrap_or_default();
    let mut filter =
        EnvFilter::try_from_env("SIGHTLINE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    // Integrity checkpoints are part of the log's job (shippers carry them
    // to a witness): kept whatever the level, unless named explicitly.
    if !given.contains("sightline::checkpoint")
        && let Ok(d) = "sightline::checkpoint=info".parse()
    {
        filter = filter.add_directive(d);
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal: never in a
        // redirected log, a journal or a pipe, and never with NO_COLOR.
        .with_ansi(colour_on_stderr());
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Whether stderr is a terminal and `NO_COLOR` (<https://no-color.org>) is unset or empty.
fn colour_on_stderr() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[derive(Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate a configuration file: every problem, naming its key
    Check {
        /// The TOML file
        file: PathBuf,
    },
}

pub fn config(args: ConfigArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        ConfigCommand::Check { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| {
                format!(
                    "{}: cannot read (check that the file exists and is readable)",
                    file.display()
                )
            })?;
            let problems = sightline_server::config::check::check(&text);
            if !problems.is_empty() {
                let n = problems.len();
                eprintln!(
                    "{}: invalid, {n} problem{}:",
                    file.display(),
                    if n == 1 { "" } else { "s" }
                );
                for p in &problems {
                    eprintln!("  {p}");
                }
                return Ok(ExitCode::from(1));
            }
            let config = Config::parse(&file, &text)?;
            let s = config.validate()?;
            println!(
                "{}: valid (listen {}, TLS {}, data {})",
                file.display(),
                s.listen,
                if config.tls.enabled { "on" } else { "off" },
                config.server.data_dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
