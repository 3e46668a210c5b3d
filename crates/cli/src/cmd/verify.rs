//! `sightline verify`: check every hash chain and signature of a store, and
//! optionally the store against checkpoints collected by external witnesses.

use anyhow::Context as _;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
#[command(
    after_help = "Exit status: 0 when every record, chain link and signature checks out, 1 when a problem was found.\n\
    Each problem names the file and the records concerned (sequence numbers, event id when readable).\n\n\
    Checkpoints (--anchors) are read from any text that carries them: the JSON lines of a file witness, a\n\
    syslog receiver's log, the server's own log (plain or JSON). They vouch for the store as it was when they\n\
    were sent, so a cut of the newest records is named even if the intruder also put an older head back."
)]
pub struct VerifyArgs {
    /// The data directory
    #[arg(long, default_value = "sightline-data")]
    data_dir: PathBuf,

    /// The store's verification key (the root public key, 64 hex digits; default: DATA/signing.pub; pass a copy kept elsewhere to rule out a replaced key)
    #[arg(long, value_name = "FILE")]
    public_key: Option<PathBuf>,

    /// Files holding checkpoints collected outside the machine (repeatable)
    #[arg(long, value_name = "FILE")]
    anchors: Vec<PathBuf>,
}

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let mut anchors = Vec::new();
    for f in &args.anchors {
        let bytes = std::fs::read(f).with_context(|| format!("reading anchors {}", f.display()))?;
        let text = String::from_utf8_lossy(&bytes);
        let found = sightline_store::parse_anchors(&text, &f.display().to_string());
        if found.is_empty() {
            anyhow::bail!(
                "{} holds no Sightline checkpoint (lines with {{\"sightline\":\"checkpoint/1\",...}}); pass the file a witness wrote",
                f.display()
            );
        }
        anchors.extend(found);
    }
    let report =
        sightline_store::verify_with_anchors(&args.data_dir, args.public_key.as_deref(), &anchors)?;
    println!(
        "checked {} segments, {} blocks, {} records with {}",
        report.segments_checked, report.blocks_checked, report.records_checked, report.key_used
    );
    match &report.head {
        Some(h) => println!(
            "chain head: {h}; {} later epoch key(s) certified",
            report.epochs_certified
        ),
        None => println!("chain head: none that verifies"),
    }
    if report.records_deleted_by_retention > 0 {
        println!(
            "{} records were deleted by retention ({} recorded deletions)",
            report.records_deleted_by_retention, report.retention_records
        );
    }
    if !args.anchors.is_empty() {
        println!(
            "anchors: {} checkpoint(s) of this store checked{}",
            report.anchors_checked,
            if report.anchors_other_store > 0 {
                format!(", {} of other stores ignored", report.anchors_other_store)
            } else {
                String::new()
            }
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
