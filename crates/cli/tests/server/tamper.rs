//! The tamper suite: a store written by a real server that is killed with
//! SIGKILL several times under load, then altered the ways an intruder with
//! write access to the data directory would. `sightline verify` must pass on
//! the honest store after every kill, and fail on every alteration, naming
//! the records concerned. Checkpoints go to a file witness and a UDP syslog
//! witness, and are checked with `verify --anchors`.

use super::support::*;
use sightline_store::chain::link;
use sightline_store::format::{
    self, BLOCK_HEADER_LEN, BlockHeader, SEGMENT_HEADER_LEN, SegmentHeader,
};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Run {
    dir: tempfile::TempDir,
    config: PathBuf,
    data: PathBuf,
    witness: PathBuf,
    public_key: PathBuf,
}

fn config(dir: &Path, udp_witness: Option<u16>) -> String {
    let syslog = udp_witness
        .map(|p| format!("\n[[integrity.witness]]\nsyslog = \"udp://127.0.0.1:{p}\"\n"))
        .unwrap_or_default();
    format!(
        "[server]\nlisten = \"127.0.0.1:0\"\ndata_dir = \"{data}\"\n\n\
         [store]\nkey_file = \"{key}\"\nsegment_size = \"48KiB\"\n\n\
         [integrity]\nepoch = \"1s\"\ncheckpoint_every = \"1s\"\n\n\
         [[integrity.witness]]\nfile = \"{witness}\"\n{syslog}",
        data = dir.join("data").display(),
        key = dir.join("keys/signing.key").display(),
        witness = dir.join("witness/checkpoints.jsonl").display(),
    )
}

fn spawn(run: &Run, log: &Path) -> (std::process::Child, String) {
    let ready = run.dir.path().join("ready.json");
    let _ = std::fs::remove_file(&ready);
    let child = Command::new(bin())
        .args(["server", "--config"])
        .arg(&run.config)
        .arg("--ready-file")
        .arg(&ready)
        .env("SIGHTLINE_ADMIN_TOKEN", ADMIN)
        .env("SIGHTLINE_LOG", "warn,sightline::checkpoint=info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("start sightline server");
    let started = Instant::now();
    while !ready.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(50));
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&ready).unwrap()).unwrap();
    (child, info["http"].as_str().unwrap().to_owned())
}

fn verify(data: &Path, public_key: &Path, anchors: &[&Path]) -> (bool, String) {
    let mut cmd = Command::new(bin());
    cmd.args(["verify", "--data-dir"])
        .arg(data)
        .arg("--public-key")
        .arg(public_key);
    for a in anchors {
        cmd.arg("--anchors").arg(a);
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Ingests batches until the server dies; returns how many were acknowledged.
fn load_until_killed(url: &str, data: &Path, round: u64, pid: u32, after: Duration) -> u64 {
    let killer = std::thread::spawn(move || {
        std::thread::sleep(after);
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    });
    let c = client(data);
    let mut acked = 0;
    for b in 0..100_000u64 {
        let body: String = (0..40)
            .map(|i| format!("{{\"stream\":\"tamper-{round}\",\"offset\":{},\"line\":\"ts=2026-11-22T12:00:00Z level=info msg=\\\"round {round} batch {b} line {i}\\\" user=u{i}\"}}\n", b * 100 + i))
            .collect();
        match c.rt_try_post(&format!("{url}/api/v1/ingest"), ADMIN, body) {
            Some(200) => acked += 1,
            _ => break,
        }
    }
    killer.join().unwrap();
    acked
}

fn segments(data: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for day in std::fs::read_dir(data.join("segments")).unwrap().flatten() {
        for f in std::fs::read_dir(day.path()).unwrap().flatten() {
            if f.path().extension().is_some_and(|e| e == "seg") {
                out.push(f.path());
            }
        }
    }
    out.sort();
    out
}

fn blocks(path: &Path) -> Vec<(usize, BlockHeader)> {
    let bytes = std::fs::read(path).unwrap();
    let mut at = SEGMENT_HEADER_LEN;
    let mut out = Vec::new();
    while at + BLOCK_HEADER_LEN <= bytes.len() {
        let Ok(h) = BlockHeader::decode(&bytes[at..]) else {
            break;
        };
        let next = at + h.total_len() as usize;
        if next > bytes.len() {
            break;
        }
        out.push((at, h));
        at = next;
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else if e.file_name() != "LOCK" {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// Rewrites one record's JSON in `seg` and recomputes every later chain
/// hash and block checksum of the segment, as an intruder who knows the
/// format (but not the key) would.
fn edit_and_rechain(seg: &Path, target: u64) {
    let bytes = std::fs::read(seg).unwrap();
    let header = SegmentHeader::decode(&bytes).unwrap();
    let mut out = bytes[..SEGMENT_HEADER_LEN].to_vec();
    let mut h = header.prev_hash;
    for (at, bh) in blocks(seg) {
        let end = at + bh.total_len() as usize;
        let body = format::decode_block(&bh, &bytes[at + BLOCK_HEADER_LEN..end]).unwrap();
        let mut nb = Vec::new();
        for (i, r) in format::parse_records(&body).unwrap().iter().enumerate() {
            let seq = bh.first_seq + i as u64;
            let mut json = r.json.to_vec();
            if seq == target {
                json = String::from_utf8(json)
                    .unwrap()
                    .replace("user=u", "user=x")
                    .into_bytes();
            }
            h = link(&h, seq, &json);
            format::push_record(&mut nb, &h, &json);
        }
        out.extend(
            format::encode_block(bh.first_seq, bh.count, &nb, 3, bh.written_micros).unwrap(),
        );
    }
    std::fs::write(seg, out).unwrap();
}

fn truncate(path: &Path, len: u64) {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len)
        .unwrap();
}

/// What the signed head vouches for.
fn head_seq(data: &Path) -> u64 {
    let h: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("chain.json")).unwrap()).unwrap();
    h["seq"].as_u64().unwrap()
}

#[test]
fn tamper_suite_on_a_store_written_under_kill9() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("witness")).unwrap();
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let udp_port = udp.local_addr().unwrap().port();
    let cfg_path = dir.path().join("sightline.toml");
    std::fs::write(&cfg_path, config(dir.path(), Some(udp_port))).unwrap();
    let run = Run {
        config: cfg_path,
        data: dir.path().join("data"),
        witness: dir.path().join("witness/checkpoints.jsonl"),
        public_key: dir.path().join("verification.pub"),
        dir,
    };
    // The syslog witness: what a remote receiver logs, one datagram a line.
    let syslog_log = run.dir.path().join("witness/syslog.log");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let receiver = {
        let stop = std::sync::Arc::clone(&stop);
        let out = syslog_log.clone();
        std::thread::spawn(move || {
            let mut lines = String::new();
            let mut buf = [0u8; 4096];
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(n) = udp.recv(&mut buf) {
                    lines.push_str(&String::from_utf8_lossy(&buf[..n]));
                    lines.push('\n');
                }
            }
            std::fs::write(out, lines).unwrap();
        })
    };

    // Four rounds of load, each ended by SIGKILL at a different moment.
    let mut total_acked = 0;
    for round in 0..4u64 {
        let log = run.dir.path().join(format!("server-{round}.log"));
        let (child, url) = spawn(&run, &log);
        if round == 0 {
            std::fs::copy(run.data.join("signing.pub"), &run.public_key).unwrap();
        }
        let after = Duration::from_millis(1200 + 450 * round);
        total_acked += load_until_killed(&url, &run.data, round, child.id(), after);
        let mut child = child;
        let _ = child.wait();
        let (ok, report) = verify(&run.data, &run.public_key, &[]);
        assert!(
            ok,
            "an honest store after kill -9 (round {round}) must verify:\n{report}"
        );
    }
    assert!(
        total_acked > 20,
        "the load ran: {total_acked} batches acknowledged"
    );
    // A quiet round: small batches that the head comes to vouch for, a few
    // more after it, then SIGKILL, so the active segment holds both.
    {
        let (mut child, url) = spawn(&run, &run.dir.path().join("server-quiet.log"));
        let c = client(&run.data);
        let batch = |b: u64| -> String {
            (0..5)
                .map(|i| format!("{{\"stream\":\"quiet\",\"offset\":{},\"line\":\"level=info msg=\\\"quiet {b} {i}\\\" user=u{i}\"}}\n", b * 10 + i))
                .collect()
        };
        // Until a new segment begins, so the active one holds only this round.
        let before = segments(&run.data).len();
        let mut b = 0;
        while segments(&run.data).len() == before {
            assert_eq!(
                c.rt_try_post(&format!("{url}/api/v1/ingest"), ADMIN, batch(b)),
                Some(200)
            );
            b += 1;
            assert!(b < 10_000, "the segment never rolled");
        }
        for b in b..b + 6 {
            assert_eq!(
                c.rt_try_post(&format!("{url}/api/v1/ingest"), ADMIN, batch(b)),
                Some(200)
            );
        }
        std::thread::sleep(Duration::from_millis(1600));
        for b in 20_000..20_002 {
            assert_eq!(
                c.rt_try_post(&format!("{url}/api/v1/ingest"), ADMIN, batch(b)),
                Some(200)
            );
        }
        let _ = child.kill();
        let _ = child.wait();
        let (ok, report) = verify(&run.data, &run.public_key, &[]);
        assert!(
            ok,
            "an honest store after the quiet kill -9 must verify:\n{report}"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    receiver.join().unwrap();

    let data = run.data.clone();
    let segs = segments(&data);
    assert!(segs.len() >= 4, "several segments were sealed: {segs:?}");
    let witness = std::fs::read_to_string(&run.witness).unwrap();
    assert!(
        witness.lines().count() >= 3,
        "the file witness got checkpoints:\n{witness}"
    );
    let syslog = std::fs::read_to_string(&syslog_log).unwrap();
    assert!(
        syslog.contains("\"sightline\":\"checkpoint/1\""),
        "the syslog witness got checkpoints:\n{syslog}"
    );
    let server_log = run.dir.path().join("server-0.log");

    // The honest store also agrees with every checkpoint any witness holds.
    let (ok, report) = verify(
        &data,
        &run.public_key,
        &[&run.witness, &syslog_log, &server_log],
    );
    assert!(ok, "{report}");
    assert!(report.contains("anchors: "), "{report}");

    let cases = run.dir.path().join("cases");
    let case = |name: &str| -> PathBuf {
        let d = cases.join(name);
        copy_dir(&data, &d);
        d
    };
    let expect = |d: &Path, anchors: &[&Path], needles: &[&str], what: &str| {
        let (ok, report) = verify(d, &run.public_key, anchors);
        assert!(!ok, "{what}: verify must fail:\n{report}");
        for n in needles {
            assert!(report.contains(n), "{what}: expected {n:?} in:\n{report}");
        }
    };
    let active = |d: &Path| segments(d).pop().unwrap();
    let sealed = |d: &Path, i: usize| segments(d)[i].clone();

    // Flipped byte in a sealed segment.
    let d = case("flip");
    let s = sealed(&d, 1);
    let mut b = std::fs::read(&s).unwrap();
    let mid = b.len() / 2;
    b[mid] ^= 0x04;
    std::fs::write(&s, b).unwrap();
    expect(&d, &[], &["altered"], "flipped byte");

    // An edited sealed record with its block checksum recomputed.
    let d = case("edit-sealed");
    let s = sealed(&d, 0);
    let first = SegmentHeader::decode(&std::fs::read(&s).unwrap())
        .unwrap()
        .first_seq;
    edit_and_rechain(&s, first + 3);
    expect(
        &d,
        &[],
        &["altered"],
        "edited sealed record, chain recomputed",
    );

    // An edited record of the active segment, later chain hashes recomputed.
    let d = case("edit-active");
    let s = active(&d);
    let bs = blocks(&s);
    let target = bs[0].1.first_seq + 1;
    let vouched = head_seq(&d);
    assert!(
        target < vouched,
        "the head vouches for the active segment's first block"
    );
    edit_and_rechain(&s, target);
    expect(
        &d,
        &[],
        &["differs from what the chain head signed at"],
        "edited active record",
    );

    // The active segment cut at a block boundary, in half, to its header.
    for (name, cut) in [("cut-block", 0u8), ("cut-half", 1), ("cut-header", 2)] {
        let d = case(name);
        let s = active(&d);
        let bs = blocks(&s);
        let len = std::fs::metadata(&s).unwrap().len();
        let at = match cut {
            0 => bs[bs.len() / 2].0 as u64,
            1 => len / 2,
            _ => SEGMENT_HEADER_LEN as u64,
        };
        truncate(&s, at);
        let kept_end = blocks(&s).last().map_or_else(
            || {
                SegmentHeader::decode(&std::fs::read(&s).unwrap())
                    .unwrap()
                    .first_seq
            },
            |(_, h)| h.first_seq + u64::from(h.count),
        );
        let vouched = head_seq(&d);
        assert!(
            kept_end < vouched,
            "{name}: the cut removes records the head vouches for (kept {kept_end}, head {vouched}, blocks {:?})",
            bs.iter()
                .map(|(at, h)| (*at, h.first_seq, h.count))
                .collect::<Vec<_>>()
        );
        expect(
            &d,
            &[],
            &[
                &format!("records {kept_end}..{} are missing", vouched - 1),
                "cut from the end",
            ],
            name,
        );
    }

    // chain.json deleted.
    let d = case("no-head");
    std::fs::remove_file(d.join("chain.json")).unwrap();
    expect(
        &d,
        &[],
        &["chain.json (the signed chain head) is missing"],
        "head deleted",
    );

    // The newest segments deleted together with chain.json and the index:
    // consistent inside, named by the head's absence and by the witnesses.
    // At least two segments go, and as many more as it takes for the cut to
    // reach below the witness's newest checkpoint (records written after it
    // are vouched for by the head and the key log, not by that witness).
    let d = case("newest-gone");
    let witnessed = witness
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["seq"].as_u64())
        .max()
        .expect("the file witness holds checkpoints with a seq");
    let end_of = |seg: &Path| {
        blocks(seg)
            .last()
            .map_or(0, |(_, h)| h.first_seq + u64::from(h.count))
    };
    let mut removed = 0;
    loop {
        let segs = segments(&d);
        let newest = segs.last().expect("segments remain").clone();
        if removed >= 2 && end_of(&newest) < witnessed {
            break;
        }
        assert!(
            segs.len() > 1,
            "a cut below the witness's newest checkpoint ({witnessed}) leaves a segment"
        );
        std::fs::remove_file(&newest).unwrap();
        let _ = std::fs::remove_file(newest.with_extension("seal"));
        removed += 1;
    }
    assert!(removed >= 2, "the newest segments were deleted");
    std::fs::remove_file(d.join("chain.json")).unwrap();
    std::fs::remove_dir_all(d.join("index")).unwrap();
    expect(&d, &[], &["is missing"], "newest segments deleted");
    expect(
        &d,
        &[&run.witness],
        &["checkpoint signed at", "cut from the end"],
        "newest segments deleted, with anchors",
    );

    // A middle segment, its seal, or keys.log deleted; two segments swapped; a seal edited.
    let d = case("middle-gone");
    let s = sealed(&d, 1);
    std::fs::remove_file(&s).unwrap();
    std::fs::remove_file(s.with_extension("seal")).unwrap();
    expect(
        &d,
        &[],
        &["is missing and no retention record covers it"],
        "middle segment deleted",
    );

    let d = case("seal-gone");
    std::fs::remove_file(sealed(&d, 0).with_extension("seal")).unwrap();
    expect(&d, &[], &["its seal was removed"], "seal deleted");

    let d = case("swap");
    let (a, b) = (sealed(&d, 0), sealed(&d, 1));
    let (ba, bb) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    std::fs::write(&a, bb).unwrap();
    std::fs::write(&b, ba).unwrap();
    expect(&d, &[], &["renamed or moved"], "segments swapped");

    let d = case("seal-edited");
    let seal = sealed(&d, 0).with_extension("seal");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&seal).unwrap()).unwrap();
    v["count"] = serde_json::json!(v["count"].as_u64().unwrap() - 1);
    std::fs::write(&seal, serde_json::to_vec(&v).unwrap()).unwrap();
    expect(&d, &[], &["seal of segment 1"], "seal edited");

    let d = case("keys-gone");
    std::fs::remove_file(d.join("keys.log")).unwrap();
    expect(&d, &[], &["keys.log"], "keys.log deleted");

    // Restarting the server on a cut store does not launder the cut.
    let d = case("restart-after-cut");
    let s = active(&d);
    let bs = blocks(&s);
    truncate(&s, bs[0].0 as u64);
    let vouched = head_seq(&d);
    let cfg = run.dir.path().join("restart.toml");
    std::fs::write(
        &cfg,
        config(run.dir.path(), None)
            .replace(&run.data.display().to_string(), &d.display().to_string()),
    )
    .unwrap();
    let restart = Run {
        dir: tempfile::tempdir().unwrap(),
        config: cfg,
        data: d.clone(),
        witness: run.witness.clone(),
        public_key: run.public_key.clone(),
    };
    let (mut child, url) = spawn(&restart, &restart.dir.path().join("server.log"));
    let c = client(&d);
    let body =
        "{\"stream\":\"after\",\"offset\":0,\"line\":\"level=info msg=after\"}\n".to_string();
    assert_eq!(
        c.rt_try_post(&format!("{url}/api/v1/ingest"), ADMIN, body),
        Some(200)
    );
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
    expect(
        &d,
        &[],
        &["found by the writer", &format!("..{}", vouched - 1)],
        "cut, then restarted",
    );
}
