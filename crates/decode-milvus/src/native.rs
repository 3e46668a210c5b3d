//! The C++ core's glog lines (segcore, knowhere; all of milvus-lite's
//! server output): the glog header, then Milvus's tags
//! `[MODULE][function][thread][trace]` (the trace tag is absent on
//! KNOWHERE lines), then the message.

use crate::methods;
use sightline_decode::glog::GlogLine;
use sightline_decode::{Event, Outcome, field, helpers};

/// Fills `ev` from a parsed glog line (timestamp excluded).
pub fn fill(ev: &mut Event, g: &GlogLine<'_>) {
    ev.level = Some(helpers::normalize_level(&g.level.to_string()).to_owned());
    if let Ok(t) = g.thread.parse::<i64>() {
        ev.set(field::PROCESS_THREAD_ID, t);
    }
    ev.set(field::LOG_ORIGIN_FILE, g.file);
    ev.set(field::LOG_ORIGIN_LINE, i64::from(g.line));
    let (tags, msg) = split_tags(g.message);
    ev.message = msg.to_owned();
    if let Some(m) = tags.first() {
        ev.label("module", *m);
    }
    if let Some(f) = tags.get(1).filter(|f| !f.is_empty()) {
        ev.label("function", *f);
        if methods::info(f).is_some() {
            ev.set(field::MILVUS_METHOD, *f);
        }
    }
    if let Some(t) = tags.get(2).filter(|t| !t.is_empty()) {
        ev.label("thread_name", *t);
    }
    if let Some(t) = tags.get(3).filter(|t| !t.is_empty()) {
        ev.set(field::TRACE_ID, *t);
        ev.set(field::MILVUS_TRACE_ID, *t);
    }
    if matches!(g.level, 'E' | 'F') {
        ev.outcome = Outcome::Failure;
        ev.set(field::ERROR_MESSAGE, msg);
    }
    meaning(ev, msg);
}

/// Up to four adjacent `[...]` tags at the start of the message.
fn split_tags(m: &str) -> (Vec<&str>, &str) {
    let mut tags = Vec::new();
    let mut rest = m;
    while tags.len() < 4 {
        let Some(inner) = rest.strip_prefix('[') else {
            break;
        };
        let Some(end) = inner.find(']') else { break };
        tags.push(&inner[..end]);
        rest = &inner[end + 1..];
    }
    (tags, rest.trim_start())
}

/// Request timings, missing collections and refused topK values.
fn meaning(ev: &mut Event, msg: &str) {
    // `uid: Search-haAKO3Nn TOTAL duration:10282 microseconds`
    if let Some(rest) = msg.strip_prefix("uid: ") {
        let mut words = rest.split_whitespace();
        if let Some(id) = words.next() {
            ev.set(field::MILVUS_REQUEST_ID, id);
            if let Some(m) = id.split('-').next().filter(|m| methods::info(m).is_some()) {
                ev.set(field::MILVUS_METHOD, m);
            }
        }
        if let Some(step) = words.next() {
            ev.label("step", step);
        }
        if let Some(ns) = timer_duration(rest) {
            ev.set(field::EVENT_DURATION, ns);
        }
        ev.add_category("database").add_type("info");
        return;
    }
    // milvus_proxy.cpp: `Can not find <collection>'s schema`
    if let Some(name) = msg
        .strip_prefix("Can not find ")
        .and_then(|r| r.strip_suffix("'s schema"))
    {
        ev.set(field::MILVUS_COLLECTION, name);
        ev.outcome = Outcome::Failure;
        return;
    }
    // milvus_local.cpp: `Collection <name> not existed`
    if let Some(name) = msg
        .strip_prefix("Collection ")
        .and_then(|r| r.strip_suffix(" not existed"))
    {
        ev.set(field::MILVUS_COLLECTION, name);
        ev.outcome = Outcome::Failure;
        return;
    }
    // search_task.cpp: `Topk should be in range [1, 16384], but got 100000`
    if msg.starts_with("Topk should be") {
        if let Some(k) = msg.rsplit(' ').next().and_then(|k| k.parse::<i64>().ok()) {
            ev.set(field::MILVUS_TOPK, k);
        }
        ev.outcome = Outcome::Failure;
        ev.add_category("database").add_type("denied");
        return;
    }
    if msg.starts_with("Start milvus-local success") {
        ev.set_action(crate::methods::act::SERVICE_STARTED);
        ev.add_category("process").add_type("start");
        ev.outcome = Outcome::Success;
    }
}

/// `... duration:10282 microseconds` / `Duration:136 microseconds`.
fn timer_duration(s: &str) -> Option<i64> {
    let i = s.find("uration:")?;
    let rest = s.get(i + "uration:".len()..)?.trim_start();
    let n_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let n: i64 = rest.get(..n_len)?.parse().ok()?;
    let unit = rest.get(n_len..)?.trim_start();
    let mult = if unit.starts_with("micro") || unit.starts_with("us") {
        1_000
    } else if unit.starts_with("milli") || unit.starts_with("ms") {
        1_000_000
    } else if unit.starts_with("nano") || unit.starts_with("ns") {
        1
    } else if unit.starts_with("sec") || unit.starts_with('s') {
        1_000_000_000
    } else {
        return None;
    };
    n.checked_mul(mult)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_timer() {
        let (t, m) = split_tags(
            "[SERVER][Print][grpcpp_sync_ser][]uid: Search-haAKO3Nn TOTAL duration:10282 microseconds ",
        );
        assert_eq!(t, ["SERVER", "Print", "grpcpp_sync_ser", ""]);
        assert_eq!(m, "uid: Search-haAKO3Nn TOTAL duration:10282 microseconds ");
        let (t, m) = split_tags("[KNOWHERE][Create][grpcpp_sync_ser] use key IVF_FLAT_CC_fp32");
        assert_eq!((t.len(), m), (3, "use key IVF_FLAT_CC_fp32"));
        let (t, m) = split_tags("[unterminated");
        assert_eq!((t.len(), m), (0, "[unterminated"));
        assert_eq!(
            timer_duration("Search-x DoSearch Duration:10126 microseconds "),
            Some(10_126_000)
        );
        assert_eq!(timer_duration("x duration:5 furlongs"), None);
        assert_eq!(timer_duration("x duration:99999999999999999999 us"), None);
    }
}
