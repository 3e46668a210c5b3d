//! `sightline token create|list|delete|hash`.

use super::alerts::urlencode;
use super::client::{Client, ServerArgs};
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Args)]
#[command(after_help = "Examples:\n  \
    sightline token create shipper-1 --role ingest     # prints the new token once\n  \
    sightline token list\n  \
    sightline token hash                               # reads a token on stdin, prints blake3:<hex> for the config file\n\n\
    Roles: admin (everything), analyst (search, triage alerts), viewer (search, read alerts), ingest (send events only).")]
pub struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token on the server (admin)
    Create {
        name: String,
        #[arg(long, value_parser = ["admin", "analyst", "viewer", "ingest"])]
        role: String,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// List tokens (names and roles; never the secrets)
    List {
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Delete a token
    Delete {
        name: String,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Print the hash of a token read from standard input, for `[[tokens]]` in the config file
    Hash,
}

pub fn run(args: TokenArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        TokenCommand::Create { name, role, server } => {
            let v = Client::new(&server)?.post(
                "/api/v1/tokens",
                &serde_json::json!({"name": name, "role": role}),
            )?;
            eprintln!("token {name:?} ({role}) created; it is shown only now:");
            println!("{}", v["token"].as_str().unwrap_or(""));
        }
        TokenCommand::List { server } => {
            let v = Client::new(&server)?.get("/api/v1/tokens", &[])?;
            for t in v["tokens"].as_array().cloned().unwrap_or_default() {
                println!(
                    "{:<24} {:<8} {}",
                    t["name"].as_str().unwrap_or(""),
                    t["role"].as_str().unwrap_or(""),
                    if t["from_config"].as_bool() == Some(true) {
                        "(config file)".to_owned()
                    } else {
                        format!(
                            "created {} by {}",
                            t["created_at"].as_str().unwrap_or(""),
                            t["created_by"].as_str().unwrap_or("")
                        )
                    }
                );
            }
        }
        TokenCommand::Delete { name, server } => {
            Client::new(&server)?.delete(&format!("/api/v1/tokens/{}", urlencode(&name)))?;
            println!("token {name:?} deleted");
        }
        TokenCommand::Hash => {
            let mut token = String::new();
            std::io::stdin().read_line(&mut token)?;
            let h = sightline_server::auth::hash_token(token.trim());
            println!("{}", sightline_server::auth::format_token_hash(&h));
        }
    }
    Ok(ExitCode::SUCCESS)
}
