//! The rest of `mlx_lm.server`'s stderr: Python logging lines
//! (`%(asctime)s - %(levelname)s - %(message)s`, local time), `warnings`
//! lines, socketserver's per-request exception frames and free text.
//! Access lines are in [`crate::access`].

use crate::json::{self, J};
use crate::shape::{self, EXC_OCCURRED, Shape};
use crate::vocab::*;
use crate::{access, traceback};
use sightline_decode::{Context, Event, Outcome, Record, Timestamp, field, helpers};

/// Decodes one record of an mlx_lm.server log. `plain_ok`: free text is a
/// normal part of this stream (false for SDK files, where it is garbage).
pub fn decode(record: &Record<'_>, ctx: &Context<'_>, plain_ok: bool) -> Event {
    let mut ev = ctx.new_event(record, "mlx", DS_LM_SERVER);
    let first = record.first_line();
    match shape::shape(first) {
        Shape::Access => {
            if let Some(a) = access::parse(first) {
                access::decode(&mut ev, ctx, a);
            }
        }
        Shape::LogHeader => log_line(&mut ev, ctx, record),
        Shape::WarningHeader => warning(&mut ev, first),
        Shape::Dashes | Shape::ExcOccurred => request_exception(&mut ev, record),
        _ => plain(&mut ev, record, plain_ok),
    }
    if record.lines > 1 && !ev.fields.contains_key(field::ERROR_STACK_TRACE) {
        traceback::apply(&mut ev, record.text);
    }
    ev
}

/// The parts of a logging line.
struct LogLine<'a> {
    time: Option<Timestamp>,
    level: Option<&'a str>,
    logger: Option<&'a str>,
    msg: &'a str,
}

fn parse_log_line<'a>(line: &'a str, ctx: &Context<'_>) -> Option<LogLine<'a>> {
    if let Some((level, logger, msg)) = shape::basic_level_split(line) {
        return Some(LogLine {
            time: None,
            level: Some(level),
            logger: Some(logger),
            msg,
        });
    }
    // `2026-11-20 05:49:53,790 - INFO - msg`, or with `%(name)s` before the
    // level, or with spaces instead of ` - `.
    let (stamp, rest) = match line.find(" - ") {
        Some(i) if i >= 19 => (line.get(..i)?, line.get(i + 3..)?),
        _ => {
            let cut = line.get(19..)?.find(' ').map(|i| i + 19)?;
            (line.get(..cut)?, line.get(cut + 1..)?)
        }
    };
    let time = helpers::parse_local_datetime(stamp, ctx.options);
    let (level, logger, msg) = match rest.split_once(" - ") {
        Some((a, m)) if shape::is_level_word(a) => (Some(a), None, m),
        Some((a, m)) => match m.split_once(" - ") {
            Some((l, m2)) if shape::is_level_word(l) => (Some(l), Some(a), m2),
            _ => (None, None, rest),
        },
        None => match rest.split_once(' ') {
            Some((l, m)) if shape::is_level_word(l) => (Some(l), None, m),
            _ => (None, None, rest),
        },
    };
    Some(LogLine {
        time,
        level,
        logger,
        msg,
    })
}

fn log_line(ev: &mut Event, ctx: &Context<'_>, record: &Record<'_>) {
    let first = record.first_line();
    let Some(l) = parse_log_line(first, ctx) else {
        plain(ev, record, true);
        return;
    };
    if let Some(ts) = l.time {
        ctx.stamp(ev, ts);
    }
    if let Some(level) = l.level {
        ev.level = Some(helpers::normalize_level(level).to_owned());
    }
    if let Some(logger) = l.logger {
        ev.set(field::LOG_LOGGER, logger);
    }
    // The message with its continuation lines (multi-line messages, dumps).
    let msg_start = first.len() - l.msg.len();
    let full = record.body().get(msg_start..).unwrap_or(l.msg);
    ev.message = full.to_owned();
    message(ev, l.msg, full);
    if matches!(ev.level.as_deref(), Some("error" | "critical" | "fatal")) {
        ev.add_type("error");
        if !ev.fields.contains_key(field::ERROR_MESSAGE) && !record.text.contains(shape::TRACEBACK)
        {
            ev.set(field::ERROR_MESSAGE, l.msg);
        }
    }
}

/// The messages mlx_lm.server logs, by their documented wording.
fn message(ev: &mut Event, msg: &str, full: &str) {
    if let Some(rest) = msg.strip_prefix("Starting httpd at ") {
        server_started(ev, rest);
    } else if let Some(rest) = msg.strip_prefix("Prompt processing progress: ") {
        ev.set_action(ACT_PROMPT_PROGRESS);
        if let Some((done, total)) = rest.trim().split_once('/') {
            if let Ok(done) = done.parse::<i64>() {
                ev.set(field::MLX_PROMPT_PROCESSED, done);
            }
            if let Ok(total) = total.parse::<i64>() {
                ev.set(field::MLX_INPUT_TOKENS, total);
            }
        }
    } else if let Some(rest) = msg.strip_prefix("Prompt Cache: ") {
        prompt_cache(ev, None, rest);
    } else if let Some((entry, rest)) = msg.strip_prefix("- ").and_then(|m| m.split_once(": ")) {
        if rest.contains(" sequences, ") {
            prompt_cache(ev, Some(entry), rest);
        }
    } else if let Some(rest) = msg.strip_prefix("We have ") {
        // `We have 2 kv caches that take 0.41 GB`
        if let Some((n, gb)) = rest.split_once(" kv caches that take ") {
            prompt_cache(ev, None, &format!("{n} sequences, {gb}"));
        }
    } else if let Some(body) = full.strip_prefix("Incoming Request Body: ") {
        ev.set_action(ACT_REQUEST_RECEIVED);
        ev.add_category("web").add_type("info");
        request_body(ev, body);
    } else if let Some(body) = full.strip_prefix("Outgoing Response: ") {
        ev.set_action(ACT_RESPONSE_SENT);
        ev.add_category("web").add_type("info");
        response_body(ev, body);
    } else if let Some((_, err)) = msg.split_once("generation thread died: ") {
        ev.set_action(ACT_INFERENCE_FAILED);
        ev.add_category("api").add_type("error");
        ev.outcome = Outcome::Failure;
        error_text(ev, err);
    } else if let Some((ty, rest)) = error_prefix(msg) {
        // `JSONDecodeError: <what> - Raw body: <body>`: a request body that is not JSON.
        ev.set(field::ERROR_TYPE, ty);
        let (what, body) = rest.split_once(" - Raw body: ").unwrap_or((rest, ""));
        ev.set(field::ERROR_MESSAGE, what);
        if ty == "JSONDecodeError" {
            ev.set_action(ACT_REQUEST_INVALID);
            ev.add_category("web").add_type("error");
            ev.outcome = Outcome::Failure;
            let bytes = body
                .strip_prefix('<')
                .and_then(|b| b.strip_suffix(" bytes>"))
                .and_then(|n| n.parse::<i64>().ok())
                .unwrap_or(body.len() as i64);
            ev.set(field::HTTP_REQUEST_BODY_BYTES, bytes);
        }
    }
}

/// `0.0.0.0 on port 8080...`: where the unauthenticated API listens.
fn server_started(ev: &mut Event, rest: &str) {
    ev.set_action(ACT_SERVER_STARTED);
    ev.add_category("process")
        .add_category("network")
        .add_type("start");
    ev.outcome = Outcome::Success;
    let (host, port) = rest.split_once(" on port ").unwrap_or((rest, ""));
    let host = host.trim();
    ev.set(field::SERVER_ADDRESS, host);
    let digits: &str = port
        .get(..port.bytes().take_while(u8::is_ascii_digit).count())
        .unwrap_or("");
    if let Ok(p) = digits.parse::<u16>() {
        ev.set(field::SERVER_PORT, p);
    }
    ev.set(field::MLX_SERVER_LOOPBACK, is_loopback(host));
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `1 sequences, 0.00 GB`
fn prompt_cache(ev: &mut Event, entry: Option<&str>, rest: &str) {
    ev.set_action(ACT_PROMPT_CACHE);
    ev.kind = "metric".into();
    if let Some(e) = entry {
        ev.set(field::MLX_PROMPT_CACHE_ENTRY, e);
    }
    let (n, size) = rest.split_once(" sequences, ").unwrap_or((rest, ""));
    if let Ok(n) = n.trim().parse::<i64>() {
        ev.set(field::MLX_PROMPT_CACHE_SEQUENCES, n);
    }
    if let Some(gb) = size
        .trim()
        .strip_suffix("GB")
        .and_then(|g| g.trim().parse::<f64>().ok())
    {
        ev.set(field::MLX_PROMPT_CACHE_GB, gb);
    }
}

/// `Type: message` at the start of a log message (`ValueError: ...`,
/// `JSONDecodeError: ...`). The type must look like an exception class.
fn error_prefix(msg: &str) -> Option<(&str, &str)> {
    let (ty, rest) = msg.split_once(": ")?;
    let name = ty.rsplit('.').next().unwrap_or(ty);
    let looks = ["Error", "Exception", "Exit", "Interrupt", "NotFound"]
        .iter()
        .any(|s| name.ends_with(s));
    (looks && shape::exception_line(msg).is_some()).then_some((ty, rest))
}

/// An error text: `[op] text`, `Type: text` or plain text.
fn error_text(ev: &mut Event, err: &str) {
    let err = err.trim();
    match error_prefix(err) {
        Some((ty, rest)) => {
            ev.set(field::ERROR_TYPE, ty);
            ev.set(field::ERROR_MESSAGE, rest);
        }
        None => {
            ev.set(field::ERROR_MESSAGE, err);
        }
    }
    if let Some(op) = crate::sdk::mlx_op(err) {
        ev.set(field::MLX_ERROR_OP, op);
    }
}

/// DEBUG `Incoming Request Body:` (a tab-indented JSON dump): the request
/// parameters that matter for detection, never the prompt.
fn request_body(ev: &mut Event, body: &str) {
    let Ok(members) = json::parse_object(body.trim()) else {
        return;
    };
    let obj = J::Obj(members);
    if let Some(m) = obj.get("model").and_then(J::as_str) {
        ev.set(field::MLX_REQUESTED_MODEL, m);
    }
    if let Some(m) = obj.get("draft_model").and_then(J::as_str) {
        ev.set(field::MLX_REQUESTED_DRAFT_MODEL, m);
    }
    if let Some(a) = obj.get("adapters").and_then(J::as_str) {
        ev.set(field::MLX_MODEL_ADAPTER_PATH, a);
    }
    let max = obj
        .get("max_completion_tokens")
        .or_else(|| obj.get("max_tokens"));
    if let Some(n) = max.and_then(J::as_i64) {
        ev.set(field::MLX_MAX_TOKENS, n);
    }
    if let Some(t) = obj.get("temperature").and_then(J::as_f64) {
        ev.set(field::MLX_TEMPERATURE, t);
    }
    if let Some(n) = obj.get("top_logprobs").and_then(J::as_i64) {
        ev.set(field::MLX_TOP_LOGPROBS, n);
    }
    if let Some(b) = obj.get("stream").and_then(J::as_bool) {
        ev.set(field::MLX_STREAM, b);
    }
}

/// DEBUG `Outgoing Response:`: token usage and finish reason.
fn response_body(ev: &mut Event, body: &str) {
    let Ok(members) = json::parse_object(body.trim()) else {
        return;
    };
    let obj = J::Obj(members);
    if let Some(m) = obj.get("model").and_then(J::as_str) {
        ev.set(field::MLX_REQUESTED_MODEL, m);
    }
    if let Some(id) = obj.get("id").and_then(J::as_str) {
        ev.set(field::MLX_REQUEST_ID, id);
    }
    if let Some(usage) = obj.get("usage") {
        if let Some(n) = usage.get("prompt_tokens").and_then(J::as_i64) {
            ev.set(field::MLX_INPUT_TOKENS, n);
        }
        if let Some(n) = usage.get("completion_tokens").and_then(J::as_i64) {
            ev.set(field::MLX_OUTPUT_TOKENS, n);
        }
    }
    if let Some(J::Arr(choices)) = obj.get("choices")
        && let Some(r) = choices
            .first()
            .and_then(|c| c.get("finish_reason"))
            .and_then(J::as_str)
    {
        ev.set(field::MLX_FINISH_REASON, r);
    }
}

/// `path.py:123: UserWarning: text`: a Python warning. Returns (file, line,
/// category, text).
pub fn parse_warning(line: &str) -> Option<(&str, &str, &str, &str)> {
    let (head, rest) = line.split_once(": ")?;
    let (path, lineno) = head.rsplit_once(':')?;
    if path.is_empty() || lineno.is_empty() || !lineno.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (category, text) = rest.split_once(": ")?;
    let ident = category
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
    (ident && category.ends_with("Warning")).then_some((path, lineno, category, text))
}

fn warning(ev: &mut Event, first: &str) {
    let Some((path, lineno, category, text)) = parse_warning(first) else {
        return;
    };
    ev.level = Some("warning".to_owned());
    ev.set(field::LOG_ORIGIN_FILE, path);
    if let Ok(n) = lineno.parse::<i64>() {
        ev.set(field::LOG_ORIGIN_LINE, n);
    }
    ev.set(field::MLX_WARNING_CATEGORY, category);
    ev.message = text.to_owned();
}

/// socketserver's `handle_error` frame: dashes, `Exception occurred during
/// processing of request from ('10.0.0.5', 33852)`, a traceback, dashes.
/// The request failed after its status line may already have been logged.
fn request_exception(ev: &mut Event, record: &Record<'_>) {
    ev.level = Some("error".to_owned());
    ev.add_category("web").add_type("error");
    ev.message = record
        .body()
        .trim_matches(|c| c == '-' || c == '\n')
        .to_owned();
    let Some(line) = record.text.lines().find(|l| l.starts_with(EXC_OCCURRED)) else {
        if record.lines == 1 {
            // A lone dash line (its block was cut by the size limit).
            ev.level = None;
            ev.message = record.body().to_owned();
        }
        return;
    };
    ev.set_action(ACT_REQUEST_FAILED);
    ev.outcome = Outcome::Failure;
    // `('10.0.0.5', 33852)` or `('::1', 33852, 0, 0)`
    let peer = line.get(EXC_OCCURRED.len()..).unwrap_or("");
    let mut parts = peer.trim_matches(|c| c == '(' || c == ')').split(", ");
    if let Some(ip) = parts.next().map(|s| s.trim_matches('\''))
        && ip.parse::<std::net::IpAddr>().is_ok()
    {
        ev.set(field::SOURCE_IP, ip);
    }
    if let Some(port) = parts.next().and_then(|p| p.parse::<u16>().ok()) {
        ev.set(field::SOURCE_PORT, port);
    }
    traceback::apply(ev, record.text);
}

/// Text that fits no known shape: prints, progress bars, uncaught
/// exceptions (`Exception in thread ...:` + traceback).
fn plain(ev: &mut Event, record: &Record<'_>, plain_ok: bool) {
    let body = record.body();
    ev.message = body.to_owned();
    if body
        .chars()
        .any(|c| c == '\u{fffd}' || (c.is_control() && c != '\t' && c != '\n' && c != '\r'))
    {
        ev.mark_parse_failure("binary or corrupted text, not an mlx_lm.server log line");
        return;
    }
    if !plain_ok && !body.contains(shape::TRACEBACK) {
        ev.mark_parse_failure("not a sightline.mlx JSON line");
        return;
    }
    if body.contains(shape::TRACEBACK) {
        ev.set_action(ACT_UNCAUGHT_EXCEPTION);
        ev.level = Some("error".to_owned());
        ev.add_category("process").add_type("error");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warning_lines() {
        let w = parse_warning(
            "/opt/venv/lib/python3.11/site-packages/mlx_lm/server.py:1894: UserWarning: mlx_lm.server is not recommended for production as it only implements basic security checks.",
        );
        assert_eq!(w.map(|w| (w.1, w.2)), Some(("1894", "UserWarning")));
        assert!(parse_warning("a: b: c").is_none());
        assert!(parse_warning("x.py:12: NotAWarnin: c").is_none());
    }

    #[test]
    fn loopback() {
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("::1"));
        assert!(is_loopback("localhost"));
        assert!(!is_loopback("0.0.0.0"));
        assert!(!is_loopback("10.0.0.1"));
    }
}
