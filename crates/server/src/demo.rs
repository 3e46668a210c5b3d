//! `sightline server --demo`: replays a directory of real-format logs as
//! live traffic, so a new server has events, alerts and searches at once.
//!
//! Events are decoded as files are and shifted in time, one top-level
//! directory (one system's logs) at a time, so each system's last event lands
//! at the moment the replay starts: windows and thresholds see the original
//! spacing, and "the last 24 hours" holds the whole replay. Each
//! replay gets its own event ids (the stream name carries the start time), so
//! replaying again after a restart adds a fresh copy instead of duplicates.

use crate::pipeline::{Payload, Queue};
use sightline_decode::Event;
use sightline_event::EventId;
use sightline_parse::{Pipeline, PipelineConfig, SourceChoice, discover};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The replay takes about this long, whatever the span of the logs.
const REPLAY_SECONDS: f64 = 60.0;
const BATCH: usize = 500;

/// Decodes every log file under `dir` with the server's pipeline
/// configuration, shifted per top-level directory (see the module comment),
/// in time order.
pub fn load(
    dir: &Path,
    now: jiff::Timestamp,
    config: &PipelineConfig,
) -> anyhow::Result<Vec<Event>> {
    // The replay re-dates every event to end now, so the logs' own dates
    // are not "in the future" for it.
    let config = PipelineConfig {
        future_tolerance: None,
        ..config.clone()
    };
    let pipeline = Pipeline::with_config(SourceChoice::Auto, Arc::new(config));
    let found = discover(&[dir.to_path_buf()], pipeline.registry())?;
    let mut groups: std::collections::BTreeMap<PathBuf, Vec<Event>> = Default::default();
    for path in &found.files {
        if is_metadata(path) {
            continue;
        }
        let top = path
            .strip_prefix(dir)
            .ok()
            .and_then(|p| p.components().next())
            .map(|c| PathBuf::from(c.as_os_str()))
            .unwrap_or_default();
        let group = groups.entry(top).or_default();
        if let Err(e) = pipeline.read_file(path, |ev| group.push(ev)) {
            tracing::warn!("demo: {e}");
        }
    }
    let mut events = Vec::new();
    for (i, (_, mut group)) in groups.into_iter().enumerate() {
        shift(&mut group, now, i);
        events.append(&mut group);
    }
    events.sort_by_key(|e| e.timestamp);
    Ok(events)
}

/// Ground-truth and manifest files describe a corpus; they are not logs.
fn is_metadata(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n == "ground_truth.jsonl" || n == "MANIFEST.json" || n.ends_with(".md"))
}

/// Shifts event times so the newest is `now`, and gives the copy fresh ids.
pub fn shift(events: &mut [Event], now: jiff::Timestamp, group: usize) {
    // Lines that nothing dated were stamped with the file's modification
    // time (the checkout's); they would make "newest" meaningless.
    let timed = |e: &&Event| !e.has_tag(sightline_event::tags::TIMESTAMP_UNANCHORED);
    let newest = events.iter().filter(timed).map(|e| e.timestamp).max();
    let Some(last) = newest.or_else(|| events.iter().map(|e| e.timestamp).max()) else {
        return;
    };
    let delta = now.as_millisecond() - last.as_millisecond();
    let run = format!("demo:{}:{group}", now.as_millisecond());
    for (i, ev) in events.iter_mut().enumerate() {
        if let Ok(t) = jiff::Timestamp::from_millisecond(ev.timestamp.as_millisecond() + delta) {
            // Inferred times may lie after the newest real one: never in the future.
            ev.timestamp = t.min(now);
        }
        ev.id = EventId::derive(&run, i as u64, ev.original.as_bytes());
        ev.label("demo", "replay");
    }
}

/// Sends the events through the pipeline, paced so the whole replay takes
/// about a minute and keeps time order.
pub async fn replay(dir: PathBuf, queue: Queue, config: Arc<PipelineConfig>) {
    let loaded =
        tokio::task::spawn_blocking(move || load(&dir, jiff::Timestamp::now(), &config)).await;
    let events = match loaded {
        Ok(Ok(e)) => e,
        Ok(Err(e)) => {
            tracing::error!("demo: {e:#}");
            return;
        }
        Err(e) => {
            tracing::error!("demo: {e}");
            return;
        }
    };
    let total = events.len();
    tracing::info!("demo: replaying {total} events over about {REPLAY_SECONDS} s");
    let batches = total.div_ceil(BATCH).max(1);
    let pause = Duration::from_secs_f64(REPLAY_SECONDS / batches as f64);
    let mut sent = 0;
    let mut iter = events.into_iter().peekable();
    while iter.peek().is_some() {
        let batch: Vec<Event> = iter.by_ref().take(BATCH).collect();
        sent += batch.len();
        if let Err(e) = queue
            .submit("demo", Payload::Events(batch), Duration::from_secs(30))
            .await
        {
            tracing::error!("demo: batch not stored: {e}");
        }
        tokio::time::sleep(pause).await;
    }
    tracing::info!("demo: replay finished, {sent} events sent");
}
