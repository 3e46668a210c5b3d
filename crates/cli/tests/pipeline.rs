//! `sightline parse --config` and `sightline hunt --config` build the
//! server's pipeline from the same file: its `[redaction]` (custom patterns,
//! `enabled = false`), `[decode]` and `[detect]` settings apply to files as
//! they apply to what the server receives.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sightline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sightline"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("the sightline binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const SECRET: &str = "0123456789abcdef0123456789abcdef";

/// A log line with a custom secret, a built-in one and a terminal escape.
fn log_line() -> String {
    format!("login user=ray password=hunter2 url=/x?itk={SECRET} note=\u{1b}[31mred\n")
}

/// Rules that say which form of the line hunt saw.
const RULES: &str = r"title: custom secret redacted
id: saw-redacted
level: high
logsource: {product: logfmt}
detection:
    sel:
        event.original|contains: 'itk=[REDACTED:internal-token]'
    condition: sel
---
title: custom secret in clear
id: saw-clear
level: high
logsource: {product: logfmt}
detection:
    sel:
        event.original|contains|all:
            - 'itk=0123456789abcdef0123456789abcdef'
            - 'password=hunter2'
    condition: sel
---
title: terminal escape neutralized
id: saw-neutralized
level: low
logsource: {product: logfmt}
detection:
    sel:
        event.original|contains: '\x1b[31mred'
    condition: sel
";

/// A configuration with a custom pattern (and `enabled`, when given) and
/// the rules above as `[detect] rules`.
fn setup(dir: &Path, enabled: Option<bool>) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::write(dir.join("rules/r.yml"), RULES).unwrap();
    let log = dir.join("app.log");
    std::fs::write(&log, log_line()).unwrap();
    let enabled = enabled.map_or(String::new(), |e| format!("enabled = {e}\n"));
    let config = dir.join("sightline.toml");
    std::fs::write(
        &config,
        format!(
            "[detect]\nrules = [\"{rules}\"]\n\n[redaction]\n{enabled}\n[[redaction.patterns]]\nkind = \"internal-token\"\nregex = '''itk=(?P<secret>[0-9a-f]{{32}})'''\nanchors = [\"itk=\"]\n",
            rules = dir.join("rules").display()
        ),
    )
    .unwrap();
    (config, log)
}

fn parsed(config: &Path, log: &Path) -> serde_json::Value {
    let out = sightline(&[
        "parse",
        "-q",
        "--config",
        config.to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !out.stdout.contains(&0x1b),
        "no raw escape ever reaches the output"
    );
    serde_json::from_slice(&out.stdout).expect("one event")
}

fn hunted(config: &Path, log: &Path) -> Vec<String> {
    let out = sightline(&[
        "hunt",
        "-q",
        "--config",
        config.to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut rules: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| {
            let a: serde_json::Value = serde_json::from_str(l).unwrap();
            a["rule.id"].as_str().unwrap().to_owned()
        })
        .collect();
    rules.sort();
    rules
}

#[test]
fn parse_and_hunt_redact_with_the_configured_patterns() {
    let dir = tempfile::tempdir().unwrap();
    let (config, log) = setup(dir.path(), None);
    let ev = parsed(&config, &log);
    let original = ev["event.original"].as_str().unwrap();
    assert!(
        original.contains("itk=[REDACTED:internal-token]"),
        "{original}"
    );
    assert!(
        original.contains("password=[REDACTED:password]"),
        "{original}"
    );
    assert!(original.contains("\\x1b[31mred"), "{original}");
    assert_eq!(
        hunted(&config, &log),
        ["saw-neutralized", "saw-redacted"],
        "hunt sees the events parse prints"
    );
}

#[test]
fn parse_and_hunt_without_redaction_still_neutralize() {
    let dir = tempfile::tempdir().unwrap();
    let (config, log) = setup(dir.path(), Some(false));
    let ev = parsed(&config, &log);
    let original = ev["event.original"].as_str().unwrap();
    assert!(
        original.contains(&format!("itk={SECRET}")) && original.contains("password=hunter2"),
        "enabled = false: nothing is redacted: {original}"
    );
    assert!(
        original.contains("\\x1b[31mred"),
        "neutralization cannot be turned off: {original}"
    );
    assert!(
        ev["tags"]
            .as_array()
            .unwrap()
            .contains(&"neutralized".into())
    );
    assert_eq!(hunted(&config, &log), ["saw-clear", "saw-neutralized"]);
}

#[test]
fn flags_override_the_configuration_and_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("master.log");
    // glog: no year and no zone in the line.
    std::fs::write(
        &log,
        "I1120 09:19:21.864794  9869 master.cpp:8212] Registered agent\n",
    )
    .unwrap();
    let config = dir.path().join("sightline.toml");
    std::fs::write(
        &config,
        "[decode]\ntimezone = \"Europe/Berlin\"\nyear = 2025\n",
    )
    .unwrap();
    let time = |extra: &[&str]| {
        let mut args = vec![
            "parse",
            "-q",
            "--source",
            "mesos",
            "--config",
            config.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        args.push(log.to_str().unwrap());
        let out = sightline(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let ev: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        ev["@timestamp"].as_str().unwrap().to_owned()
    };
    assert_eq!(time(&[]), "2025-11-20T08:19:21.864794Z", "[decode] applies");
    assert_eq!(
        time(&["--timezone", "UTC", "--year", "2024"]),
        "2024-11-20T09:19:21.864794Z",
        "flags win"
    );

    std::fs::write(
        &config,
        "[decode]\ntimezone = 5\n[redaction]\ndisable = [\"nope\"]\n",
    )
    .unwrap();
    let out = sightline(&[
        "parse",
        "--config",
        config.to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("sightline.toml") && err.contains("decode.timezone: expected a string"),
        "{err}"
    );
}

#[test]
fn config_check_lists_every_problem_with_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sightline.toml");
    std::fs::write(
        &file,
        "[server]\nqueue_batches = \"64\"\nlisten = \"localhost\"\n\n[decode]\ntimezone = \"Mars/Olympus\"\n\n[tls]\nenabled = yes\n",
    )
    .unwrap();
    let out = sightline(&["config", "check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines[0].ends_with("invalid, 4 problems:"), "{err}");
    for expected in [
        "line 2, column 17: server.queue_batches: expected a whole number like 64, found a string (\"64\")",
        "line 3: server.listen: \"localhost\" is not an address",
        "line 6: decode.timezone: unknown time zone \"Mars/Olympus\"",
        "line 9, column 11: tls.enabled: ",
    ] {
        assert!(
            lines.iter().any(|l| l.trim_start().starts_with(expected)),
            "{expected:?} in:\n{err}"
        );
    }

    std::fs::write(&file, "[server]\nqueue_batches = 8\n").unwrap();
    let out = sightline(&["config", "check", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("valid"));
}
