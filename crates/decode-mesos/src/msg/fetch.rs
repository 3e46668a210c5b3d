//! `mesos-fetcher` (launcher/fetcher.cpp), which writes into the task
//! sandbox's stderr: what the task downloaded, from where, as whom.

use super::{Line, mark, mark_outcome, set_path_ids};
use crate::actions as a;
use crate::stream::StreamState;
use crate::text::quoted;
use sightline_decode::{Event, Outcome, field};
use sightline_event::action;

pub fn classify(word: &str, line: &Line<'_>, ev: &mut Event, _st: &mut StreamState) -> bool {
    let m = line.msg;
    match word {
        "Fetcher" => fetcher_info(m, ev),
        "Fetching" => fetching(m, ev),
        "Downloading" => downloading(m, ev),
        "Fetched" => fetched(m, ev),
        "Extracted" => extracted(m, ev),
        "Successfully" => all_fetched(m, ev),
        "Failed" => failed(m, ev),
        _ => false,
    }
}

/// `Fetcher Info: {"cache_directory":...,"items":[{"action":"BYPASS_CACHE","uri":{...,"value":"<URI>"}}],"sandbox_directory":"...","user":"<u>"}`
fn fetcher_info(m: &str, ev: &mut Event) -> bool {
    let Some(json) = m.strip_prefix("Fetcher Info: ") else {
        return false;
    };
    mark(ev, a::FETCH_PLANNED, &["file", "network"], &["info"]);
    let Ok(info) = serde_json::from_str::<serde_json::Value>(json.trim()) else {
        // Truncated or altered: still a fetch; keep what the text shows.
        if let Some(v) = crate::text::between(json, "\"value\":\"", "\"") {
            ev.set(field::URL_ORIGINAL, v);
        }
        return true;
    };
    let uris: Vec<String> = info
        .get("items")
        .and_then(|i| i.as_array())
        .into_iter()
        .flatten()
        .filter_map(|item| {
            item.get("uri")
                .and_then(|u| u.get("value"))
                .and_then(|v| v.as_str())
        })
        .map(str::to_owned)
        .collect();
    if let Some(first) = uris.first() {
        ev.set(field::URL_ORIGINAL, first.as_str());
    }
    if uris.len() > 1 {
        ev.set(field::MESOS_FETCH_URIS, uris);
    }
    if let Some(user) = info.get("user").and_then(|u| u.as_str()) {
        ev.set(field::USER_NAME, user);
        ev.set(field::MESOS_TASK_USER, user);
    }
    if let Some(dir) = info.get("sandbox_directory").and_then(|d| d.as_str()) {
        ev.set(field::FILE_PATH, dir);
        set_path_ids(ev, dir);
    }
    true
}

/// `Fetching URI '<uri>'` (one per URI), `Fetching '<uri>' directly into the sandbox directory`,
/// agent side `Fetching URIs using command '<cmd>'`.
fn fetching(m: &str, ev: &mut Event) -> bool {
    if let Some((uri, _)) = m.strip_prefix("Fetching URI ").and_then(quoted) {
        mark(
            ev,
            action::FILE_DOWNLOADED,
            &["file", "network"],
            &["start"],
        );
        ev.set(field::URL_ORIGINAL, uri);
        return true;
    }
    if let Some(rest) = m.strip_prefix("Fetching URIs using command ") {
        mark(ev, a::FETCH_PLANNED, &["file", "network"], &["info"]);
        if let Some((cmd, _)) = quoted(rest) {
            ev.label("fetcher_command", cmd);
        }
        return true;
    }
    if let Some((uri, rest)) = m.strip_prefix("Fetching ").and_then(quoted) {
        mark(ev, a::FETCH_DOWNLOAD, &["file", "network"], &["info"]);
        ev.set(field::URL_ORIGINAL, uri);
        if rest.contains("from cache") {
            ev.label("fetch_cache", "true");
        }
        return true;
    }
    false
}

/// `Downloading resource from '<uri>' to '<path>'`
fn downloading(m: &str, ev: &mut Event) -> bool {
    let Some((uri, rest)) = m
        .strip_prefix("Downloading resource from ")
        .and_then(quoted)
    else {
        return false;
    };
    mark(ev, a::FETCH_DOWNLOAD, &["file", "network"], &["creation"]);
    ev.set(field::URL_ORIGINAL, uri);
    if let Some((path, _)) = rest.strip_prefix(" to ").and_then(quoted) {
        ev.set(field::FILE_PATH, path);
    }
    true
}

/// `Fetched '<uri>' to '<path>'`
fn fetched(m: &str, ev: &mut Event) -> bool {
    let Some((uri, rest)) = m.strip_prefix("Fetched ").and_then(quoted) else {
        return false;
    };
    mark_outcome(
        ev,
        a::FETCH_COMPLETED,
        &["file", "network"],
        &["creation"],
        Outcome::Success,
    );
    ev.set(field::URL_ORIGINAL, uri);
    if let Some((path, _)) = rest.strip_prefix(" to ").and_then(quoted) {
        ev.set(field::FILE_PATH, path);
    }
    true
}

/// `Extracted '<archive>' into '<dir>'`
fn extracted(m: &str, ev: &mut Event) -> bool {
    let Some((archive, _)) = m.strip_prefix("Extracted ").and_then(quoted) else {
        return false;
    };
    mark_outcome(
        ev,
        a::FETCH_EXTRACTED,
        &["file"],
        &["creation"],
        Outcome::Success,
    );
    ev.set(field::FILE_PATH, archive);
    true
}

/// `Successfully fetched all URIs into '<dir>'`
fn all_fetched(m: &str, ev: &mut Event) -> bool {
    let Some((dir, _)) = m
        .strip_prefix("Successfully fetched all URIs into ")
        .and_then(quoted)
    else {
        return false;
    };
    mark_outcome(
        ev,
        a::FETCH_COMPLETED,
        &["file", "network"],
        &["info"],
        Outcome::Success,
    );
    ev.set(field::FILE_PATH, dir);
    set_path_ids(ev, dir);
    true
}

/// `Failed to fetch '<uri>': <error>` and the fetcher's other failures.
fn failed(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("Failed to fetch") else {
        return false;
    };
    mark_outcome(
        ev,
        a::FETCH_FAILED,
        &["file", "network"],
        &["error"],
        Outcome::Failure,
    );
    let rest = rest.trim_start_matches(['s', ' ', ':']);
    if let Some((uri, r)) = quoted(rest) {
        ev.set(field::URL_ORIGINAL, uri);
        let err = r.trim_start_matches(':').trim();
        if !err.is_empty() {
            ev.set(field::ERROR_MESSAGE, err);
        }
    } else {
        ev.set(field::ERROR_MESSAGE, rest);
    }
    true
}
