//! The tailer against real files in a temporary directory: the rotation,
//! truncation and checkpoint cases where other shippers lose or repeat lines.

use sightline_agent::tailer::{Record, TailOptions, Tailer};
use std::collections::{BTreeMap, HashSet};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Stands for the server: stores each (stream, offset, line) once, as the
/// event id does.
#[derive(Default)]
struct Store {
    ids: HashSet<(String, u64, String)>,
    lines: Vec<String>,
}

impl Store {
    fn take(&mut self, records: &[Record]) {
        for r in records {
            if self
                .ids
                .insert((r.stream.clone(), r.offset, r.line.clone()))
            {
                self.lines.push(r.line.clone());
            }
        }
    }

    fn counts(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for l in &self.lines {
            *m.entry(l.clone()).or_insert(0) += 1;
        }
        m
    }
}

struct Rig {
    logs: PathBuf,
    state: PathBuf,
    tailer: Tailer,
    store: Store,
    _dir: tempfile::TempDir,
}

impl Rig {
    fn new() -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        let state = dir.path().join("state");
        fs::create_dir_all(&logs).unwrap();
        let tailer = Tailer::open(&state, TailOptions::default()).unwrap().0;
        Rig {
            logs,
            state,
            tailer,
            store: Store::default(),
            _dir: dir,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.logs.join(name)
    }

    fn found(&self) -> Vec<(PathBuf, Option<String>)> {
        let mut v: Vec<_> = fs::read_dir(&self.logs)
            .unwrap()
            .map(|e| (e.unwrap().path(), None))
            .collect();
        v.sort();
        v
    }

    /// Scans and ships until nothing is left, committing each batch.
    fn drain(&mut self) {
        for _ in 0..3 {
            let found = self.found();
            self.tailer.scan(&found);
            loop {
                let b = self
                    .tailer
                    .read_batch(7, 4096, false, Instant::now())
                    .unwrap();
                if b.is_empty() {
                    break;
                }
                self.store.take(&b.records);
                self.tailer.commit(&b).unwrap();
            }
        }
    }

    /// Reads and ships a batch, then dies before the checkpoint is written.
    fn ship_then_crash(&mut self) {
        let found = self.found();
        self.tailer.scan(&found);
        let b = self
            .tailer
            .read_batch(3, 4096, false, Instant::now())
            .unwrap();
        self.store.take(&b.records);
        self.restart();
    }

    fn restart(&mut self) {
        self.tailer = Tailer::open(&self.state, TailOptions::default()).unwrap().0;
    }
}

fn append(path: &Path, lines: &[&str]) {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
}

fn rewrite(path: &Path, lines: &[&str]) {
    // Truncate in place (same inode), as `> file` or copytruncate does.
    let mut f = OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
}

fn expect(store: &Store, lines: &[&str]) {
    let mut want = BTreeMap::new();
    for l in lines {
        *want.entry(l.to_string()).or_insert(0) += 1;
    }
    assert_eq!(store.counts(), want);
}

#[test]
fn lines_are_shipped_once_and_in_order() {
    let mut rig = Rig::new();
    let p = rig.path("a.log");
    append(&p, &["1", "2", "3"]);
    rig.drain();
    append(&p, &["4", "5"]);
    rig.drain();
    rig.drain();
    assert_eq!(rig.store.lines, ["1", "2", "3", "4", "5"]);
}

#[test]
fn truncate_and_rewrite_in_place_is_read_again_without_duplicates() {
    // vector#23619: rewritten in place to more than the old size, with the
    // same first line; the old offset must not be trusted.
    let mut rig = Rig::new();
    let p = rig.path("a.log");
    append(&p, &["header", "old one", "old two"]);
    rig.drain();
    rewrite(
        &p,
        &["header", "new one", "new two", "new three", "new four"],
    );
    rig.drain();
    expect(
        &rig.store,
        &[
            "header",
            "old one",
            "old two",
            "header",
            "new one",
            "new two",
            "new three",
            "new four",
        ],
    );
    assert!(
        rig.tailer.notes.iter().any(|n| n.contains("rewritten")),
        "{:?}",
        rig.tailer.notes
    );
}

#[test]
fn a_file_truncated_to_less_is_read_from_its_start() {
    let mut rig = Rig::new();
    let p = rig.path("a.log");
    append(&p, &["aaaaaaaa", "bbbbbbbb"]);
    rig.drain();
    rewrite(&p, &["c"]);
    rig.drain();
    expect(&rig.store, &["aaaaaaaa", "bbbbbbbb", "c"]);
}

#[test]
fn nothing_is_lost_right_after_a_roll() {
    // vector#23076: lines written to the old file just before and after the
    // rename, and to the new file at once.
    let mut rig = Rig::new();
    let p = rig.path("a.log");
    append(&p, &["1", "2"]);
    rig.drain();
    append(&p, &["3"]);
    fs::rename(&p, rig.logs.join("a.log.1")).unwrap();
    append(&rig.logs.join("a.log.1"), &["4"]);
    append(&p, &["1", "5"]);
    rig.drain();
    expect(&rig.store, &["1", "2", "3", "4", "1", "5"]);
}

#[test]
fn a_file_renamed_out_of_sight_is_read_to_its_end() {
    let mut rig = Rig::new();
    let p = rig.path("a.log");
    append(&p, &["1"]);
    rig.drain();
    append(&p, &["2"]);
    let aside = rig._dir.path().join("rotated.log");
    fs::rename(&p, &aside).unwrap();
    append(&aside, &["3"]);
    append(&p, &["4"]);
    rig.drain();
    expect(&rig.store, &["1", "2", "3", "4"]);
}

#[test]
fn a_torn_checkpoint_repeats_nothing_at_the_server() {
    // vector#20753: the checkpoint file is empty after an OOM kill.
    let mut rig = Rig::new();
    let p = rig.path("a.log");
    append(&p, &["1", "2"]);
    rig.drain();
    append(&p, &["3"]);
    rig.drain();
    fs::write(rig.state.join("checkpoints"), b"").unwrap();
    let (tailer, loaded) = Tailer::open(&rig.state, TailOptions::default()).unwrap();
    assert!(format!("{loaded:?}").contains("Previous"), "{loaded:?}");
    rig.tailer = tailer;
    append(&p, &["4"]);
    rig.drain();
    expect(&rig.store, &["1", "2", "3", "4"]);
    // Both copies gone bad: everything is read again, the ids repeat, the
    // store keeps each line once; nothing starts at the end.
    fs::write(rig.state.join("checkpoints"), b"x").unwrap();
    fs::write(rig.state.join("checkpoints.prev"), b"").unwrap();
    rig.restart();
    append(&p, &["5"]);
    rig.drain();
    expect(&rig.store, &["1", "2", "3", "4", "5"]);
}

#[test]
fn copytruncate_with_a_stale_offset_loses_and_repeats_nothing() {
    // fluent-bit#375 (loss) and beats#39731 (the copy read in full again).
    let mut rig = Rig::new();
    let p = rig.path("a.log");
    append(&p, &["first", "2"]);
    rig.drain();
    append(&p, &["3", "4"]);
    fs::copy(&p, rig.logs.join("a.log.1")).unwrap();
    rewrite(&p, &["5"]);
    append(&p, &["6", "7", "8"]);
    rig.drain();
    expect(&rig.store, &["first", "2", "3", "4", "5", "6", "7", "8"]);
}

#[test]
fn rotated_files_are_not_read_again_after_a_restart() {
    // fluent-bit#1330.
    let mut rig = Rig::new();
    let p = rig.path("a.log");
    append(&p, &["1", "2"]);
    rig.drain();
    fs::rename(&p, rig.logs.join("a.log.1")).unwrap();
    append(&p, &["3"]);
    rig.drain();
    rig.restart();
    rig.drain();
    // The same check without the idempotent store: nothing is read at all.
    let found = rig.found();
    rig.tailer.scan(&found);
    let b = rig
        .tailer
        .read_batch(100, 1 << 16, true, Instant::now())
        .unwrap();
    assert!(b.is_empty(), "{:?}", b.records);
    expect(&rig.store, &["1", "2", "3"]);
}

#[test]
fn a_crash_before_the_checkpoint_repeats_the_same_ids() {
    let mut rig = Rig::new();
    let p = rig.path("a.log");
    append(&p, &["1", "2", "3", "4", "5"]);
    rig.ship_then_crash();
    rig.drain();
    assert_eq!(rig.store.lines, ["1", "2", "3", "4", "5"]);
}

#[test]
fn a_recreated_file_is_read_from_its_start_under_its_own_stream() {
    let mut rig = Rig::new();
    let p = rig.path("a.log");
    append(&p, &["same", "x"]);
    rig.drain();
    fs::rename(&p, rig.logs.join("a.log.1")).unwrap();
    append(&p, &["same", "y"]);
    rig.drain();
    expect(&rig.store, &["same", "x", "same", "y"]);
}

#[test]
fn a_partial_last_line_waits_for_its_newline_or_the_flush_delay() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.log");
    fs::write(&p, "whole\npart").unwrap();
    let opts = TailOptions {
        partial_flush: Duration::from_secs(5),
    };
    let (mut t, _) = Tailer::open(&dir.path().join("s"), opts).unwrap();
    t.scan(&[(p.clone(), None)]);
    let t0 = Instant::now();
    let b = t.read_batch(10, 4096, false, t0).unwrap();
    assert_eq!(
        b.records.iter().map(|r| &r.line[..]).collect::<Vec<_>>(),
        ["whole"]
    );
    t.commit(&b).unwrap();
    assert!(
        t.read_batch(10, 4096, false, t0 + Duration::from_secs(1))
            .unwrap()
            .is_empty()
    );
    let b = t
        .read_batch(10, 4096, false, t0 + Duration::from_secs(6))
        .unwrap();
    assert_eq!(b.records[0].line, "part");
    assert_eq!(b.records[0].offset, 6);
}

#[test]
fn a_batch_does_not_end_before_a_continuation_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.log");
    fs::write(&p, "a\nTraceback:\n  frame 1\n  frame 2\nb\n").unwrap();
    let (mut t, _) = Tailer::open(&dir.path().join("s"), TailOptions::default()).unwrap();
    t.scan(&[(p, None)]);
    let b = t.read_batch(3, 4096, false, Instant::now()).unwrap();
    let lines: Vec<_> = b.records.iter().map(|r| &r.line[..]).collect();
    assert_eq!(lines, ["a"]);
}
