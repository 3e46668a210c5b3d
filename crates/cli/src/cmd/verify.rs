//! `sightline verify`: check every hash chain and signature of a store.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
#[command(
    after_help = "Exit status: 0 when every record, chain link and signature checks out, 1 when a problem was found.\n\
    Each problem names the segment file and the first altered, removed or reordered record (sequence number and event id)."
)]
pub struct VerifyArgs {
    /// The data directory
    #[arg(long, default_value = "sightline-data")]
    data_dir: PathBuf,

    /// Ed25519 public key to check signatures with (default: DATA/signing.pub; pass a copy kept elsewhere to rule out a replaced key)
    #[arg(long, value_name = "FILE")]
    public_key: Option<PathBuf>,
}

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let report = sightline_store::verify(&args.data_dir, args.public_key.as_deref())?;
    println!(
        "checked {} segments, {} blocks, {} records with {}",
        report.segments_checked, report.blocks_checked, report.records_checked, report.key_used
    );
    if report.records_deleted_by_retention > 0 {
        println!(
            "{} records were deleted by retention ({} recorded deletions)",
            report.records_deleted_by_retention, report.retention_records
        );
    }
    for n in &report.notes {
        println!("note: {n}");
    }
    if report.is_ok() {
        println!("ok: every chain and signature verifies");
        return Ok(ExitCode::SUCCESS);
    }
    for p in &report.problems {
        println!("PROBLEM: {p}");
    }
    println!("FAILED: {} problem(s)", report.problems.len());
    Ok(ExitCode::from(1))
}
