use clap::{Args, ValueEnum};
use sightline_event::field::SCHEMA;
use std::io::Write;
use std::process::ExitCode;

#[derive(Args)]
pub struct SchemaArgs {
    /// Output format
    #[arg(long, short, value_enum, default_value_t = SchemaFormat::Table)]
    format: SchemaFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaFormat {
    /// Aligned columns for reading in a terminal
    Table,
    /// A Markdown table (what docs/schema.md is made from)
    Markdown,
    /// One JSON object per field
    Jsonl,
}

/// Prints the catalogue of event fields: name, type, meaning.
pub fn run(args: SchemaArgs) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let width = SCHEMA.iter().map(|s| s.name.len()).max().unwrap_or(10);
    if let SchemaFormat::Markdown = args.format {
        writeln!(out, "| field | type | meaning |\n|---|---|---|")?;
    }
    for spec in SCHEMA {
        match args.format {
            SchemaFormat::Table => writeln!(
                out,
                "{:<width$}  {:<10} {}",
                spec.name,
                spec.ty.name(),
                spec.description
            )?,
            SchemaFormat::Markdown => writeln!(
                out,
                "| `{}` | {} | {} |",
                spec.name,
                spec.ty.name(),
                spec.description.replace('|', "\\|")
            )?,
            SchemaFormat::Jsonl => writeln!(
                out,
                "{}",
                serde_json::json!({"name": spec.name, "type": spec.ty.name(), "description": spec.description})
            )?,
        }
    }
    Ok(ExitCode::SUCCESS)
}
