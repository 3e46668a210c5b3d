//! Ingest and query benchmark for the store.
//!
//! `cargo run --release -p sightline-store --example store_bench -- --events 1000000 --data-dir /tmp/bench`

use sightline_event::{Event, EventId, Outcome, Timestamp};
use sightline_store::{FsyncPolicy, SearchOptions, Store, StoreConfig};
use std::time::Instant;

const WORDS: &[&str] = &[
    "request",
    "completed",
    "failed",
    "user",
    "login",
    "session",
    "token",
    "expired",
    "query",
    "vector",
    "collection",
    "insert",
    "search",
    "worker",
    "started",
    "stopped",
    "task",
    "scheduled",
    "agent",
    "offer",
    "declined",
    "framework",
    "registered",
    "model",
    "loaded",
    "generation",
    "timeout",
    "connection",
    "reset",
    "accepted",
    "denied",
    "permission",
    "dashboard",
    "job",
    "submitted",
    "node",
    "heartbeat",
    "memory",
    "disk",
];
const NEEDLE: &str = "quetzalcoatl";

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

fn event(i: u64, n: u64, rng: &mut Rng, t0: i64) -> Event {
    let ds = rng.pick(&[
        "ray.dashboard",
        "milvus.access",
        "mesos.master",
        "mlx.server",
    ]);
    let ip = format!(
        "10.{}.{}.{}",
        rng.next() % 4,
        rng.next() % 32,
        rng.next() % 250
    );
    let user = format!("user{}", rng.next() % 500);
    let path = format!(
        "/api/{}/{}",
        rng.pick(&["jobs", "collections", "tasks", "models"]),
        rng.next() % 1000
    );
    let status = [
        200i64, 200, 200, 201, 204, 301, 400, 401, 403, 404, 500, 503,
    ][(rng.next() % 12) as usize];
    let words: Vec<&str> = (0..6 + rng.next() % 8).map(|_| rng.pick(WORDS)).collect();
    let mut message = words.join(" ");
    if i == n / 2 {
        message.push(' ');
        message.push_str(NEEDLE);
    }
    let ts = Timestamp::from_microsecond(t0 + (i as i64) * 3_600_000_000 * 24 / n.max(1) as i64)
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let original = format!("{ts} {ds} {ip} {user} \"GET {path}\" {status} {message}");
    let mut ev = Event::new(
        EventId::derive("bench", i, original.as_bytes()),
        ts,
        ds.split('.').next().unwrap_or("x").to_string(),
        ds,
        original,
    );
    ev.message = message;
    ev.outcome = if status < 400 {
        Outcome::Success
    } else {
        Outcome::Failure
    };
    ev.set("source.ip", ip)
        .set("user.name", user)
        .set("url.path", path)
        .set("http.response.status_code", status)
        .set("sightline.log.offset", (i * 173) as i64);
    ev
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(0.0)
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.to_string())
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|x| x.parse().ok()))
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut n: u64 = 1_000_000;
    let mut data = std::env::temp_dir().join("sightline-store-bench");
    let mut commit_ms: Option<u64> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--events" => {
                n = args
                    .next()
                    .ok_or("--events needs a number")?
                    .replace('_', "")
                    .parse()?
            }
            "--data-dir" => data = args.next().ok_or("--data-dir needs a path")?.into(),
            "--commit-ms" => {
                commit_ms = Some(args.next().ok_or("--commit-ms needs a number")?.parse()?)
            }
            other => {
                return Err(format!(
                    "unknown argument {other}; use --events N --data-dir D [--commit-ms MS]"
                )
                .into());
            }
        }
    }
    let key = data.with_extension("key");
    let mut cfg = StoreConfig::new(&data, &key);
    cfg.fsync = FsyncPolicy::Always;
    // A bulk load commits rarely; `--commit-ms 1000` commits as the server does.
    cfg.index_commit_ms = commit_ms.unwrap_or(120_000);
    cfg.index_heap_bytes = 256 << 20;
    let (store, _) = Store::open(cfg)?;

    let mut rng = Rng(0x9e3779b97f4a7c15);
    let t0 = Timestamp::now().as_microsecond() - 86_400_000_000;
    let start = Instant::now();
    let mut raw = 0u64;
    let mut i = 0;
    let mut one_ip = String::new();
    while i < n {
        let batch: Vec<Event> = (i..(i + 1000).min(n))
            .map(|j| event(j, n, &mut rng, t0))
            .collect();
        raw += batch.iter().map(|e| e.to_json().len() as u64).sum::<u64>();
        if one_ip.is_empty() {
            one_ip = batch[0]
                .get_str("source.ip")
                .unwrap_or_default()
                .to_string();
        }
        store.append(&batch)?;
        i += batch.len() as u64;
    }
    store.flush()?;
    let secs = start.elapsed().as_secs_f64();
    let stats = store.stats();
    println!("events: {n}");
    println!("ingest events/s: {:.0}", n as f64 / secs);
    println!("ingest MB/s (raw JSON): {:.1}", raw as f64 / 1e6 / secs);
    println!("ingest seconds (incl. final index commit): {secs:.1}");
    println!("segments: {}", stats.segments);
    println!("bytes on disk: {}", stats.bytes_on_disk);
    println!("index bytes: {}", stats.index_bytes);
    println!("raw JSON bytes: {}", stats.raw_bytes);
    println!(
        "bytes on disk per raw byte: {:.3}",
        stats.bytes_on_disk as f64 / stats.raw_bytes.max(1) as f64
    );
    println!(
        "peak RSS MiB (after ingest): {:.0}",
        peak_rss_kb() as f64 / 1024.0
    );

    let queries = [
        ("needle free text", NEEDLE.to_string()),
        ("field source.ip", format!("source.ip:{one_ip}")),
        ("count over time 1h", "* | timechart 1h".to_string()),
    ];
    for (name, text) in queries {
        let query = sightline_query::parse(&text)?;
        let opts = SearchOptions {
            limit: 100,
            ..Default::default()
        };
        let mut ms = Vec::new();
        let mut total = 0;
        for _ in 0..50 {
            let t = Instant::now();
            total = store.search(&query, &opts)?.total;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(f64::total_cmp);
        println!("query {name} ({text}) matches: {total}");
        println!("query {name} p50 ms: {:.2}", percentile(&ms, 0.5));
        println!("query {name} p99 ms: {:.2}", percentile(&ms, 0.99));
    }
    println!("peak RSS MiB: {:.0}", peak_rss_kb() as f64 / 1024.0);
    Ok(())
}
