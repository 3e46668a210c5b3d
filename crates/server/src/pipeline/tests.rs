//! The stages in-process, with test sources and sinks: order, exactly-once
//! storage, acknowledgement, and backpressure from a sink that stops.

use super::*;
use sightline_receive::Inbound;
use std::sync::atomic::Ordering;
use std::sync::mpsc;

struct Env {
    dir: tempfile::TempDir,
    store: Arc<Store>,
    metrics: Arc<Metrics>,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let cfg = sightline_store::StoreConfig::new(dir.path().join("data"), dir.path().join("key"));
    let store = Arc::new(Store::open(cfg).unwrap().0);
    Env {
        dir,
        store,
        metrics: Arc::new(Metrics::default()),
    }
}

fn parts(env: &Env, sinks: Vec<Box<dyn Sink>>, workers: usize) -> Parts {
    let sources = sightline_rules::Sources {
        rules: vec!["builtin".into()],
        tuning: None,
        indicators: None,
    };
    let detection = Detection::start(
        sources,
        5,
        &env.dir.path().join("data"),
        Duration::from_secs(60),
    )
    .unwrap();
    Parts {
        store: Arc::clone(&env.store),
        alerts: Arc::new(
            sightline_alerts::AlertStore::open(env.dir.path().join("alerts.db")).unwrap(),
        ),
        detection,
        pipeline: Arc::new(PipelineConfig::default()),
        metrics: Arc::clone(&env.metrics),
        retention_every: Duration::from_secs(3600),
        retention: Box::new(|_| {}),
        sinks,
        workers,
    }
}

/// `n` logfmt records of stream `stream`, from `offset` on.
fn records(stream: &str, offset: u64, n: u64) -> Payload {
    Payload::Records(
        (0..n)
            .map(|i| Inbound {
                stream: stream.into(),
                offset: (offset + i) * 100,
                line: format!(
                    "ts=2026-11-22T12:00:00Z level=info msg=\"{stream} {}\"",
                    offset + i
                ),
                ..Inbound::default()
            })
            .collect(),
    )
}

/// Counts events and remembers their order.
struct Recorder(mpsc::Sender<SinkItem>);

impl Sink for Recorder {
    fn name(&self) -> String {
        "recorder".into()
    }
    fn accept(&mut self, item: &SinkItem) {
        let _ = self.0.send(item.clone());
    }
}

/// Blocks in `accept` until the gate opens.
struct Gate(
    Arc<(Mutex<bool>, std::sync::Condvar)>,
    Arc<std::sync::atomic::AtomicU64>,
);

impl Sink for Gate {
    fn name(&self) -> String {
        "gate".into()
    }
    fn accept(&mut self, item: &SinkItem) {
        let (lock, cvar) = &*self.0;
        let mut open = lock.lock().unwrap();
        while !*open {
            open = cvar.wait(open).unwrap();
        }
        if let SinkItem::Events(e) = item {
            self.1.fetch_add(e.len() as u64, Ordering::Relaxed);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_batch_is_stored_once_in_intake_order_and_acknowledged() {
    let env = env();
    let (tx, rx) = mpsc::channel();
    let (queue, intake) = queue(8, Arc::clone(&env.metrics));
    let topology = Topology::start(parts(&env, vec![Box::new(Recorder(tx))], 3), intake).unwrap();
    // Four senders, each with its own stream, submitting in order.
    let mut tasks = Vec::new();
    for s in 0..4u64 {
        let q = queue.clone();
        tasks.push(tokio::spawn(async move {
            let mut stored = 0;
            for b in 0..25u64 {
                let r = q
                    .submit(
                        "test",
                        records(&format!("s{s}"), b * 10, 10),
                        Duration::from_secs(30),
                    )
                    .await
                    .unwrap();
                stored += r.stored;
            }
            // The same batches again: all duplicates.
            let again = q
                .submit(
                    "test",
                    records(&format!("s{s}"), 0, 10),
                    Duration::from_secs(30),
                )
                .await
                .unwrap();
            assert_eq!((again.stored, again.duplicates), (0, 10));
            stored
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(total, 1000);
    // 4 senders × 25 batches × 10 records, offsets 0..250 each.
    drop(queue);
    tokio::task::spawn_blocking(move || topology.stop())
        .await
        .unwrap();

    // Exactly once, and each sender's batches in the order it sent them.
    let res = env
        .store
        .search(
            &sightline_query::parse("*").unwrap(),
            &sightline_store::SearchOptions {
                limit: 10_000,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(res.total, 1000);
    let mut sunk: Vec<Event> = Vec::new();
    while let Ok(item) = rx.try_recv() {
        if let SinkItem::Events(e) = item {
            sunk.extend(e.iter().cloned());
        }
    }
    assert_eq!(sunk.len(), 1000, "the sink saw every stored event once");
    for s in 0..4 {
        let mine: Vec<u64> = sunk
            .iter()
            .filter_map(|e| {
                let msg = e.message.strip_prefix(&format!("s{s} "))?;
                msg.parse().ok()
            })
            .collect();
        assert_eq!(mine, (0..250).collect::<Vec<_>>(), "stream s{s} in order");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sink_that_stops_pushes_back_to_the_intake_and_loses_nothing() {
    let env = env();
    let gate = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    let seen = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let sink = Gate(Arc::clone(&gate), Arc::clone(&seen));
    let (queue, intake) = queue(2, Arc::clone(&env.metrics));
    let topology = Topology::start(parts(&env, vec![Box::new(sink)], 2), intake).unwrap();
    // With the sink stuck, acknowledged batches pile up in its queue, then
    // in the detect and append queues, until the intake refuses. Batches
    // admitted before that wait for their acknowledgement until the sink
    // resumes, so results are collected as they come, never awaited in turn.
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut handles = Vec::new();
    let mut results = Vec::new();
    for b in 0..4000u64 {
        let q = queue.clone();
        let done = done_tx.clone();
        handles.push(tokio::spawn(async move {
            let r = q
                .submit("test", records("bp", b * 5, 5), Duration::from_millis(50))
                .await;
            let _ = done.send(());
            r
        }));
        tokio::time::sleep(Duration::from_millis(1)).await;
        while done_rx.try_recv().is_ok() {}
        if env.metrics.backpressure_rejections.load(Ordering::Relaxed) > 0 {
            break;
        }
    }
    // The sink resumes: everything acknowledged reaches it, once.
    {
        let (lock, cvar) = &*gate;
        *lock.lock().unwrap() = true;
        cvar.notify_all();
    }
    for h in handles {
        results.push(h.await.unwrap());
    }
    let mut acked = 0u64;
    let mut busy = 0u64;
    for r in results {
        match r {
            Ok(r) => acked += r.stored as u64,
            Err(IngestError::Busy(_)) => busy += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(
        busy > 0,
        "the intake refused once every queue behind it was full"
    );
    assert!(env.metrics.backpressure_rejections.load(Ordering::Relaxed) >= busy);
    assert!(acked > 0);
    drop(queue);
    tokio::task::spawn_blocking(move || topology.stop())
        .await
        .unwrap();
    assert_eq!(seen.load(Ordering::Relaxed), acked);
    assert_eq!(env.store.stats().events, acked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_reach_the_sinks_and_reloads_are_answered_in_order() {
    let env = env();
    let (tx, rx) = mpsc::channel();
    let (queue, intake) = queue(8, Arc::clone(&env.metrics));
    let topology = Topology::start(parts(&env, vec![Box::new(Recorder(tx))], 2), intake).unwrap();
    // Twelve refused job submissions from one address: the brute-force rule.
    let lines = (0..12)
        .map(|i| Inbound {
            stream: "/tmp/ray/session_latest/logs/dashboard.log".into(),
            offset: i * 200,
            line: format!(
                "2026-11-22 12:37:{i:02},000\tINFO web_log.py:206 -- 10.9.8.7 [22/Nov/2026:12:37:{i:02} +0000] \"POST /api/jobs/ HTTP/1.1\" 401 173 \"-\" \"curl/7.88.1\""
            ),
            ..Inbound::default()
        })
        .collect();
    let r = queue
        .submit("test", Payload::Records(lines), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(r.stored, 12);
    let reload = queue
        .submit("test", Payload::ReloadRules, Duration::from_secs(30))
        .await
        .unwrap();
    assert!(reload.message.is_some_and(|m| !m.is_empty()));
    // The watermark releases the alert within a few ticks.
    let started = Instant::now();
    let mut raised = false;
    while !raised && started.elapsed() < Duration::from_secs(30) {
        if let Ok(SinkItem::Alerts(a)) = rx.recv_timeout(Duration::from_millis(200)) {
            raised = a.iter().any(|c| c.is_new);
        }
    }
    assert!(raised, "a new alert reached the sink");
    drop(queue);
    tokio::task::spawn_blocking(move || topology.stop())
        .await
        .unwrap();
}
