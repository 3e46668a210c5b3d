//! `sightline rules test|lint|list`, and how every command loads rules
//! (`--rules builtin` or files and directories).

use anyhow::Context as _;
use clap::{Args, Subcommand};
use sightline_detect::tuning::Tuning;
use sightline_detect::{CompileOptions, RuleSet, RuleSetBuilder, ruletest};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

/// One error naming every `file:line: problem`.
fn listed(what: &str, errors: &[sightline_detect::RuleError]) -> anyhow::Error {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    anyhow::anyhow!("{what}:\n  {}", lines.join("\n  "))
}

/// Reads a tuning file and applies it to the rules loaded so far; its
/// warnings (expired exceptions, unknown rules) go to stderr.
pub fn tune(b: &mut RuleSetBuilder, file: Option<&Path>) -> anyhow::Result<()> {
    let Some(file) = file else { return Ok(()) };
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("reading the tuning file {}", file.display()))?;
    let tuning = Tuning::parse(&file.display().to_string(), &text)
        .map_err(|errors| listed("invalid tuning file", &errors))?;
    let applied = b.tune(&tuning, sightline_event::Timestamp::now());
    for w in &applied.warnings {
        eprintln!("sightline: tuning: {w}");
    }
    if !applied.disabled.is_empty() || applied.exceptions > 0 {
        eprintln!(
            "sightline: tuning: {} rule(s) disabled, {} exception(s) in force",
            applied.disabled.len(),
            applied.exceptions
        );
    }
    Ok(())
}

/// Where rules come from: `builtin` (the pack built into the binary) or a file or directory.
pub fn builder(sources: &[String]) -> RuleSetBuilder {
    builder_with(sources, CompileOptions::default())
}

/// Like [`builder`], with the `%name%` placeholders of `expand` taken from a
/// directory of indicator lists (one value per line, `NAME.txt` → `%NAME%`).
pub fn builder_with_indicators(
    sources: &[String],
    dir: Option<&Path>,
) -> anyhow::Result<RuleSetBuilder> {
    let mut options = CompileOptions::default();
    if let Some(dir) = dir {
        options.placeholders = sightline_detect::indicators::load_dir(dir)
            .map_err(|errors| listed("invalid indicator lists", &errors))?;
    }
    Ok(builder_with(sources, options))
}

fn builder_with(sources: &[String], options: CompileOptions) -> RuleSetBuilder {
    sightline_rules::builder(sources, options)
}

#[derive(Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Run the tests embedded in each rule (`tests:` with events and whether the rule must alert)
    Test(SourceArgs),
    /// Report invalid rules (with file and line), unknown fields and rules without tests
    Lint(SourceArgs),
    /// List the rules: key, kind, level, title
    List(SourceArgs),
}

#[derive(Args)]
struct SourceArgs {
    /// Rule files or directories, or `builtin` for the bundled pack
    #[arg(value_name = "RULES", default_value = "builtin")]
    rules: Vec<String>,

    /// Tuning file (disabled rules, level and suppression overrides, exceptions) applied first
    #[arg(long, value_name = "FILE")]
    tuning: Option<std::path::PathBuf>,

    /// Directory of indicator lists for `%name%` placeholders (`NAME.txt` or `NAME.list`, one value per line; docs/operations.md)
    #[arg(long, value_name = "DIR")]
    indicators: Option<std::path::PathBuf>,
}

pub fn run(args: RulesArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        RulesCommand::Test(a) => test(&a.rules, a.tuning.as_deref(), a.indicators.as_deref()),
        RulesCommand::Lint(a) => lint(&a.rules),
        RulesCommand::List(a) => list(&a.rules),
    }
}

fn test(
    sources: &[String],
    tuning: Option<&Path>,
    indicators: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let mut b = builder_with_indicators(sources, indicators)?;
    tune(&mut b, tuning)?;
    let (cases, case_errors) = ruletest::cases(b.docs());
    let (set, errors) = b.build();
    for e in &errors {
        eprintln!("error: {e}");
    }
    for e in &case_errors {
        eprintln!("error: {e}");
    }
    let outcomes = ruletest::run(&Arc::new(set), cases);
    let mut failed = 0;
    for o in &outcomes {
        if !o.passed {
            failed += 1;
            println!(
                "FAIL {} ({}) `{}`: expected {}, got {} alert(s)",
                o.case.rule,
                o.case.location,
                o.case.name,
                if o.case.alert { "an alert" } else { "no alert" },
                o.alerts
            );
        }
    }
    let passed = outcomes.len() - failed;
    let broken = errors.len() + case_errors.len();
    println!("{passed} passed, {failed} failed");
    if broken > 0 {
        println!(
            "{broken} rule or test error(s) above: fix them, the rules with errors were not tested"
        );
    }
    Ok(if failed + broken > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn lint(sources: &[String]) -> anyhow::Result<ExitCode> {
    let b = builder(sources);
    let untested: Vec<(String, String)> = b
        .docs()
        .iter()
        .filter(|d| !matches!(d, sightline_detect::RuleDoc::Filter(_)))
        .filter(|d| !d.meta().custom.contains_key("tests"))
        .map(|d| (d.meta().key().to_owned(), d.meta().location.to_string()))
        .collect();
    let (_, case_errors) = ruletest::cases(b.docs());
    let (set, errors) = b.build();
    // Input rules of correlations and anomaly rules are tested through them.
    let untested: Vec<String> = untested
        .into_iter()
        .filter(|(key, _)| !set.rules.iter().any(|r| !r.alerting && r.meta.key() == key))
        .map(|(key, at)| format!("{at}: rule `{key}` has no tests"))
        .collect();
    for e in &errors {
        println!("error: {e}");
    }
    for e in &case_errors {
        println!("error: {e}");
    }
    for w in &set.warnings {
        println!("warning: {w}");
    }
    for w in &untested {
        println!("warning: {w}");
    }
    let s = &set.stats;
    eprintln!(
        "{} detection, {} correlation, {} anomaly rules; {} error(s), {} warning(s)",
        s.detection_rules,
        s.correlation_rules,
        s.anomaly_rules,
        errors.len() + case_errors.len(),
        set.warnings.len() + untested.len()
    );
    Ok(if errors.is_empty() && case_errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn list(sources: &[String]) -> anyhow::Result<ExitCode> {
    let (set, errors) = builder(sources).build();
    for e in &errors {
        eprintln!("error: {e}");
    }
    print_list(&set);
    Ok(ExitCode::SUCCESS)
}

fn print_list(set: &RuleSet) {
    let rows = set
        .rules
        .iter()
        .filter(|r| r.alerting)
        .map(|r| (&r.meta, "detection"))
        .chain(set.correlations.iter().map(|c| (&c.meta, c.kind.as_str())))
        .chain(set.anomalies.iter().map(|a| (&a.meta, a.kind.as_str())));
    for (meta, kind) in rows {
        println!(
            "{:<38} {:<16} {:<13} {}",
            meta.key(),
            kind,
            meta.level.unwrap_or_default().as_str(),
            meta.title
        );
    }
}
