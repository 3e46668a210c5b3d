//! Forwarding throughput to a local sink that accepts everything.
//!
//! `cargo run --release -p sightline-forward --example forward_bench -- [EVENTS] [TYPE]`
//! (TYPE: splunk_hec (default), elasticsearch, http_json, syslog). Events are
//! enqueued in chunks of 1000 (one spool push, one fsync, as a pipeline sink
//! does); prints the enqueue rate and the end-to-end delivery rate.

use axum::body::Bytes;
use sightline_event::{Event, EventId, Timestamp};
use sightline_forward::{ForwardEntry, Forwarders};
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

fn event(i: u64) -> Event {
    let raw = format!(
        "2024-05-01 12:00:00,123\tINFO job_manager.py:123 -- Submitted job raysubmit_{i:08} from 10.0.{}.{} by user alice",
        (i / 256) % 256,
        i % 256
    );
    let mut ev = Event::new(
        EventId::derive("bench", i, raw.as_bytes()),
        Timestamp::from_second(1_714_564_800 + (i % 86_400) as i64)
            .unwrap_or(Timestamp::UNIX_EPOCH),
        "ray",
        "ray.job",
        raw.clone(),
    );
    ev.message = raw;
    ev.set("host.name", "node-1");
    ev.set("source.ip", format!("10.0.{}.{}", (i / 256) % 256, i % 256));
    ev.set("user.name", "alice");
    ev
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let kind = args.get(2).cloned().unwrap_or_else(|| "splunk_hec".into());
    let bytes = Arc::new(AtomicU64::new(0));
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    if kind == "syslog" {
        let b = Arc::clone(&bytes);
        std::thread::spawn(move || {
            while let Ok((mut s, _)) = listener.accept() {
                let mut buf = vec![0; 1 << 16];
                while let Ok(k) = s.read(&mut buf) {
                    if k == 0 {
                        break;
                    }
                    b.fetch_add(k as u64, Ordering::Relaxed);
                }
            }
        });
    } else {
        let b = Arc::clone(&bytes);
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async move {
                listener.set_nonblocking(true)?;
                let l = tokio::net::TcpListener::from_std(listener)?;
                let sink = move |body: Bytes| {
                    b.fetch_add(body.len() as u64, Ordering::Relaxed);
                    async { r#"{"text":"Success","code":0,"errors":false,"items":[]}"# }
                };
                let app = axum::Router::new().fallback(sink);
                axum::serve(l, app).await
            })?;
            anyhow::Ok(())
        });
    }
    let dir = tempfile::tempdir()?;
    let token = dir.path().join("token");
    std::fs::write(&token, "bench-token")?;
    let mut e = ForwardEntry {
        name: "bench".into(),
        kind: kind.clone(),
        batch_max_events: 1000,
        batch_max_delay: "100ms".into(),
        spool_budget: 4 << 30,
        ..ForwardEntry::default()
    };
    if kind == "syslog" {
        e.address = Some(addr.to_string());
    } else {
        e.url = Some(format!("http://{addr}"));
        e.token_file = Some(token);
        e.allow_insecure_http = true;
    }
    let f = Forwarders::compile(&[e])?;
    let h = f.start(dir.path())?;
    let events: Vec<Event> = (0..n).map(event).collect();
    let start = Instant::now();
    for chunk in events.chunks(1000) {
        h.enqueue_events(chunk);
    }
    let enqueued = start.elapsed().as_secs_f64();
    while h.stats()[0].sent < n {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let total = start.elapsed().as_secs_f64();
    let mb = bytes.load(Ordering::Relaxed) as f64 / 1e6;
    println!(
        "{kind}: {n} events, {mb:.1} MB on the wire; enqueue {:.0} events/s; delivered {:.0} events/s, {:.1} MB/s",
        n as f64 / enqueued,
        n as f64 / total,
        mb / total
    );
    h.shutdown();
    Ok(())
}
