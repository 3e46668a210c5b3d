//! Lines of a task sandbox that are not glog records: the task's own
//! stdout/stderr, and what older command executors printed there in plain
//! text (`Starting task`, `sh -c '<command>'`, `Forked command at`...).
//!
//! Task output is free text, so it never fails to decode; it is where a
//! miner's pool URL or a reverse shell's command shows, so the decoder pulls
//! out the command being run (`process.command_line`) and the first URL
//! (`url.original`).

use crate::actions as a;
use crate::msg::{self, Line};
use crate::stream::StreamState;
use sightline_decode::{Context, Event, field, helpers};
use sightline_event::action;

/// Fills the event of one task output line.
pub fn decode(line: &str, ev: &mut Event, ctx: &Context<'_>, st: &mut StreamState) {
    ev.message = line.to_owned();
    if let Some(ts) = leading_timestamp(line, ctx) {
        ctx.stamp(ev, ts);
    }
    let text = line.trim();
    if is_executor_line(text) {
        // Same wording as the glog lines of newer executors.
        let l = Line {
            msg: text,
            full: text,
            file: "",
            level: 'I',
        };
        msg::classify(&l, ev, st);
        if ev.action.is_some() {
            return;
        }
    }
    if let Some(cmd) = shell_command(text) {
        msg::mark(ev, action::PROCESS_STARTED, &["process"], &["start"]);
        ev.set(field::PROCESS_COMMAND_LINE, cmd);
    } else {
        msg::mark(ev, a::TASK_OUTPUT, &["process"], &["info"]);
    }
    if let Some(url) = first_url(text) {
        ev.set(field::URL_ORIGINAL, url);
    }
}

/// Plain-text messages of the command executor (Mesos before 1.x glog).
fn is_executor_line(s: &str) -> bool {
    [
        "Registered executor on ",
        "Subscribed executor on ",
        "Starting task ",
        "Forked command at ",
        "Command exited with status ",
        "Command terminated with signal ",
        "Running '",
        "Executing pre-exec command ",
        "Received SUBSCRIBED event",
        "Received LAUNCH event",
        "Received KILL event",
        "Received SHUTDOWN event",
        "Received status update ",
    ]
    .iter()
    .any(|p| s.starts_with(p))
}

/// The command a line shows being run:
/// - `sh -c '<command>'` (the command executor before 1.0);
/// - `+ <command>` (a shell's `set -x` trace);
/// - `.../mesos-containerizer launch --command="{...,"value":"<command>"}" ...`.
fn shell_command(s: &str) -> Option<String> {
    if let Some(rest) = s
        .strip_prefix("sh -c '")
        .or_else(|| s.strip_prefix("/bin/sh -c '"))
    {
        let cmd = rest.strip_suffix('\'').unwrap_or(rest);
        return (!cmd.is_empty()).then(|| cmd.to_owned());
    }
    if let Some(rest) = s.strip_prefix("+ ") {
        let cmd = rest.trim();
        return (!cmd.is_empty()).then(|| cmd.to_owned());
    }
    if crate::text::contains(s, "mesos-containerizer launch") {
        return Some(command_of(s));
    }
    None
}

/// The task's command inside a launcher command line, else the text itself.
pub fn command_of(s: &str) -> String {
    if let Some(i) = crate::text::find(s, "--command=") {
        let v = &s[i + "--command=".len()..];
        let v = v.strip_prefix('"').unwrap_or(v);
        // The JSON ends at the last `}` of the flag value.
        let end = crate::text::find(v, "}\" --")
            .map(|e| e + 1)
            .or_else(|| v.rfind('}').map(|e| e + 1));
        if let Some(cmd) = end.and_then(|e| v.get(..e)).and_then(command_from_json) {
            return cmd;
        }
    }
    s.to_owned()
}

/// The command of a `CommandInfo` JSON: its `value`, or with `shell` false
/// its `arguments` joined.
pub fn command_from_json(json: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    let shell = v.get("shell").and_then(|s| s.as_bool()).unwrap_or(true);
    let args: Vec<&str> = v
        .get("arguments")
        .and_then(|a| a.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default();
    if !shell && !args.is_empty() {
        return Some(args.join(" "));
    }
    v.get("value").and_then(|x| x.as_str()).map(str::to_owned)
}

/// The first `scheme://...` token (http, https, ftp, stratum+tcp, s3, hdfs...).
fn first_url(s: &str) -> Option<&str> {
    let i = crate::text::find(s, "://")?;
    let b = s.as_bytes();
    let start = b[..i]
        .iter()
        .rposition(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-')))
        .map_or(0, |p| p + 1);
    if start == i {
        return None;
    }
    let end = b[i..]
        .iter()
        .position(|c| c.is_ascii_whitespace() || matches!(c, b'\'' | b'"' | b'<' | b'>' | b'`'))
        .map_or(s.len(), |p| i + p);
    let url = s.get(start..end)?;
    (url.len() > i - start + 3).then_some(url)
}

/// `[2026-11-20 09:52:15.797]`, `2026-11-20 09:52:15,123`, `2026-11-20T09:52:15.123Z` at the start.
fn leading_timestamp(line: &str, ctx: &Context<'_>) -> Option<sightline_event::Timestamp> {
    let s = line.trim_start().trim_start_matches('[');
    let head = s.get(..19)?;
    let b = head.as_bytes();
    if !(b[0].is_ascii_digit() && b[4] == b'-' && b[7] == b'-') {
        return None;
    }
    // Take the timestamp token up to `]` or whitespace after the time.
    let end = s
        .char_indices()
        .skip(19)
        .find(|&(_, c)| c == ']' || c == ' ')
        .map_or(s.len(), |(i, _)| i);
    let token = s.get(..end)?;
    helpers::parse_rfc3339(token).or_else(|| helpers::parse_local_datetime(token, ctx.options))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        assert_eq!(
            shell_command("sh -c '/bin/echo hello'").as_deref(),
            Some("/bin/echo hello")
        );
        assert_eq!(
            shell_command("+ curl -s http://x/y.sh").as_deref(),
            Some("curl -s http://x/y.sh")
        );
        assert_eq!(shell_command("hello").as_deref(), None);
        let l = r#"/usr/libexec/mesos/mesos-containerizer launch --command="{"environment":{"variables":[]},"shell":true,"user":"root","value":"python3 \/mnt\/x.py"}" --help="false""#;
        assert_eq!(shell_command(l).as_deref(), Some("python3 /mnt/x.py"));
        assert_eq!(
            command_from_json(
                r#"{"arguments":["mesos-containerizer","mount"],"shell":false,"value":"\/opt\/m"}"#
            )
            .as_deref(),
            Some("mesos-containerizer mount")
        );
    }

    #[test]
    fn urls() {
        assert_eq!(
            first_url(" * POOL #1      stratum+tcp://pool.supportxmr.example:3333 algo rx/0"),
            Some("stratum+tcp://pool.supportxmr.example:3333")
        );
        assert_eq!(
            first_url("get 'http://1.2.3.4/x.sh'"),
            Some("http://1.2.3.4/x.sh")
        );
        assert_eq!(first_url("://nothing"), None);
        assert_eq!(first_url("a :// b"), None);
        assert_eq!(first_url("http://"), None);
    }
}
