#![allow(dead_code)]
use sightline_event::{Event, EventId, Outcome, Timestamp};
use sightline_store::{Store, StoreConfig};
use std::path::{Path, PathBuf};

pub struct Env {
    pub dir: tempfile::TempDir,
    pub keys: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            keys: tempfile::tempdir().unwrap(),
        }
    }
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
    pub fn key(&self) -> PathBuf {
        self.keys.path().join("signing.pk8")
    }
    pub fn config(&self) -> StoreConfig {
        StoreConfig::new(self.data(), self.key())
    }
    pub fn open(&self) -> Store {
        Store::open(self.config()).unwrap().0
    }
}

pub const WORDS: &[&str] = &[
    "failed",
    "password",
    "login",
    "accepted",
    "request",
    "timeout",
    "Error",
    "job",
    "submitted",
    "query",
];
pub const DATASETS: &[&str] = &[
    "ray.dashboard",
    "milvus.access",
    "mesos.master",
    "mlx.server",
];

/// Deterministic varied events; `base` offsets ids so batches differ.
pub fn events(base: u64, n: u64) -> Vec<Event> {
    (base..base + n).map(event).collect()
}

pub fn event(i: u64) -> Event {
    let ts = Timestamp::from_second(1_780_000_000 + (i as i64) * 37).unwrap();
    let ds = DATASETS[(i % 4) as usize];
    let w1 = WORDS[(i % 10) as usize];
    let w2 = WORDS[((i / 3) % 10) as usize];
    let original = format!(
        "{ts} {w1} {w2} from 10.0.{}.{} user=u{}",
        i % 3,
        i % 7,
        i % 5
    );
    let mut ev = Event::new(
        EventId::derive("test", i, original.as_bytes()),
        ts,
        ds.split('.').next().unwrap().to_string(),
        ds,
        original,
    );
    ev.message = format!("{w1} {w2} #{i}");
    ev.outcome = if i.is_multiple_of(3) {
        Outcome::Failure
    } else {
        Outcome::Success
    };
    ev.set("source.ip", format!("10.0.{}.{}", i % 3, i % 7));
    if i % 5 != 4 {
        ev.set("user.name", format!("U{}", i % 5));
    }
    ev.set(
        "http.response.status_code",
        [200i64, 401, 404, 500][(i % 4) as usize],
    );
    ev.set("url.path", format!("/api/jobs/{}", i % 6));
    ev.set("duration", (i % 9) as f64 * 1.5);
    ev.set("port", format!("{}", 8000 + i % 4));
    ev.set("tls", i.is_multiple_of(2));
    if i % 4 == 1 {
        ev.set(
            "user.roles",
            vec!["admin".to_string(), "Viewer".to_string()],
        );
    }
    if i.is_multiple_of(6) {
        ev.label("cluster", "Prod-East");
    }
    if i % 50 == 7 {
        ev.set("error.message", "x".repeat(600) + " long value");
    }
    ev
}

pub fn segment_files(data: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for day in std::fs::read_dir(data.join("segments")).unwrap() {
        for f in std::fs::read_dir(day.unwrap().path()).unwrap() {
            let p = f.unwrap().path();
            if p.extension().is_some_and(|e| e == "seg") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

pub fn q(text: &str) -> sightline_query::Query {
    sightline_query::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}
