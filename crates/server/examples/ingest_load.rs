//! Load generator for `scripts/bench`: posts native batches of Ray dashboard
//! lines (HTTP 401 job submissions from rotating addresses, so the
//! brute-force rules raise alerts) to a running server over HTTPS, as fast
//! as it takes them or at a given rate, and prints what it sent as JSON.
//! Written in Rust so that, on a small machine, the load costs the server
//! as little CPU as possible.
//!
//! ingest_load URL TOKEN CA SECONDS [RATE_EVENTS_PER_S] [NET] [CONNECTIONS]

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const BATCH: u64 = 1000;

fn body(net: u64, conn: u64, b: u64) -> String {
    let now = jiff::Timestamp::now();
    let head = now.strftime("%Y-%m-%d %H:%M:%S,%3f").to_string();
    let clf = now.strftime("%d/%b/%Y:%H:%M:%S +0000").to_string();
    let mut out = String::with_capacity(300 * BATCH as usize);
    for i in 0..BATCH {
        let ip = format!("10.{}.{}.{}", net + conn, (b / 250) % 250, b % 250);
        let _ = writeln!(
            out,
            "{{\"stream\":\"/bench/{net}-{conn}/dashboard.log\",\"offset\":{},\"line\":\"{head}\\tINFO web_log.py:206 -- {ip} [{clf}] \\\"POST /api/jobs/ HTTP/1.1\\\" 401 173 \\\"-\\\" \\\"curl/7.88.1\\\"\"}}",
            (b * BATCH + i) * 200
        );
    }
    out
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        anyhow::bail!("usage: ingest_load URL TOKEN CA SECONDS [RATE] [NET] [CONNECTIONS]");
    }
    let url = format!("{}/api/v1/ingest", args[1].trim_end_matches('/'));
    let token = args[2].clone();
    let ca = std::fs::read(&args[3])?;
    let seconds: f64 = args[4].parse()?;
    let rate: f64 = args.get(5).map_or(Ok(0.0), |r| r.parse())?;
    let net: u64 = args.get(6).map_or(Ok(0), |r| r.parse())?;
    let conns: u64 = args.get(7).map_or(Ok(4), |r| r.parse())?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca)?)
        .build()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let events = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for c in 0..conns {
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            let (events, bytes, refused) = (events.clone(), bytes.clone(), refused.clone());
            tasks.push(tokio::spawn(async move {
                let end = started + Duration::from_secs_f64(seconds);
                let mut b = 0u64;
                while Instant::now() < end {
                    if rate > 0.0 {
                        let due = started
                            + Duration::from_secs_f64((b * BATCH) as f64 / (rate / conns as f64));
                        if due > Instant::now() {
                            tokio::time::sleep_until(due.into()).await;
                        }
                    }
                    let body = body(net, c, b);
                    let len = body.len() as u64;
                    match client
                        .post(&url)
                        .bearer_auth(&token)
                        .body(body)
                        .send()
                        .await
                    {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            events.fetch_add(BATCH, Ordering::Relaxed);
                            bytes.fetch_add(len, Ordering::Relaxed);
                            b += 1;
                        }
                        Ok(r) => {
                            // 503 under saturation: the server asks to retry.
                            refused.fetch_add(1, Ordering::Relaxed);
                            let _ = r.bytes().await;
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    });
    println!(
        "{}",
        serde_json::json!({
            "events": events.load(Ordering::Relaxed),
            "bytes": bytes.load(Ordering::Relaxed),
            "refused": refused.load(Ordering::Relaxed),
            "seconds": started.elapsed().as_secs_f64(),
        })
    );
    Ok(())
}
