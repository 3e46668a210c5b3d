//! Matching throughput with 50 vs 500 synthetic rules over synthetic events.
//! `cargo bench -p sightline-detect` prints events/s and MB/s (of raw lines).

use divan::counter::{BytesCount, ItemsCount};
use sightline_detect::{RuleSet, Scratch};
use sightline_event::{Event, EventId, Timestamp, Value};

fn main() {
    divan::main();
}

const DATASETS: &[(&str, &str)] = &[
    ("ray", "ray.dashboard"),
    ("ray", "ray.job"),
    ("mesos", "mesos.master"),
    ("milvus", "milvus.proxy"),
    ("mlx", "mlx.inference"),
];

/// Rules of the kinds a real pack has: literals in command lines and paths,
/// status/method selections, some regexes, some CIDR filters.
fn rules(n: usize) -> RuleSet {
    let mut text = String::new();
    for i in 0..n {
        let (product, dataset) = DATASETS[i % DATASETS.len()];
        let service = dataset.split_once('.').map(|x| x.1).unwrap_or("");
        let body = match i % 6 {
            0 => format!(
                "  sel:\n    process.command_line|contains|all: ['tool{i}', '--flag{i}']\n  condition: sel"
            ),
            1 => format!(
                "  sel:\n    url.path|startswith: '/api/v{i}/'\n    http.response.status_code: [401, 403]\n  filter:\n    source.ip|cidr: 10.{}.0.0/16\n  condition: sel and not filter",
                i % 250
            ),
            2 => format!(
                "  kw:\n    - 'signature-{i}-alpha'\n    - 'signature-{i}-beta'\n  condition: kw"
            ),
            3 => format!(
                "  sel:\n    user.name|endswith: '_svc{i}'\n    event.action: authentication-failed\n  condition: sel"
            ),
            4 => format!(
                "  sel:\n    process.command_line|re: 'payload{i}[0-9]+\\.sh'\n    event.action: job-submitted\n  condition: sel"
            ),
            _ => format!("  sel:\n    message|contains: 'marker {i} seen'\n  condition: sel"),
        };
        text.push_str(&format!(
            "---\ntitle: synthetic {i}\nid: syn-{i}\nlogsource:\n  product: {product}\n  service: {service}\ndetection:\n{body}\n"
        ));
    }
    RuleSet::from_texts([("bench.yml", text.as_str())]).expect("synthetic rules compile")
}

fn events() -> Vec<Event> {
    let ts: Timestamp = "2026-11-22T12:00:00Z".parse().expect("time");
    (0..2000)
        .map(|i| {
            let (module, dataset) = DATASETS[i % DATASETS.len()];
            let line = format!(
                "2026-11-22 12:00:00,{:03} INFO http_server_head.py:{} -- 10.0.{}.{} - \"POST /api/jobs/{} HTTP/1.1\" {} 512 \"-\" \"python-requests/2.31\"",
                i % 1000,
                i % 97,
                i % 250,
                i % 200,
                i,
                [200, 401, 404, 500][i % 4]
            );
            let mut ev = Event::new(EventId::derive("b", i as u64, line.as_bytes()), ts, module, dataset, line.clone());
            ev.message = line.get(40..).unwrap_or("").to_owned();
            ev.set_action(["http-request", "job-submitted", "authentication-failed"][i % 3]);
            ev.set("source.ip", format!("10.0.{}.{}", i % 250, i % 200))
                .set("url.path", format!("/api/jobs/{i}"))
                .set("http.request.method", "POST")
                .set("http.response.status_code", Value::Int([200, 401, 404, 500][i % 4]))
                .set("user.name", format!("user{}", i % 40))
                .set("process.command_line", format!("python train.py --epochs {} --lr 0.01", i % 10));
            ev
        })
        .collect()
}

#[divan::bench(args = [50, 500])]
fn match_events(bencher: divan::Bencher, n: usize) {
    let set = rules(n);
    let evs = events();
    let bytes: usize = evs.iter().map(|e| e.original.len()).sum();
    let mut scratch = Scratch::default();
    let mut out = Vec::new();
    bencher
        .counter(ItemsCount::new(evs.len()))
        .counter(BytesCount::new(bytes))
        .bench_local(|| {
            let mut hits = 0usize;
            for ev in &evs {
                set.matches(ev, &mut scratch, &mut out);
                hits += out.len();
            }
            divan::black_box(hits)
        });
}

/// The whole engine (matching, suppression, windows) on the same events.
#[divan::bench(args = [50, 500])]
fn engine_process(bencher: divan::Bencher, n: usize) {
    let set = std::sync::Arc::new(rules(n));
    let evs = events();
    let bytes: usize = evs.iter().map(|e| e.original.len()).sum();
    bencher
        .counter(ItemsCount::new(evs.len()))
        .counter(BytesCount::new(bytes))
        .bench_local(|| {
            let mut engine = sightline_detect::Engine::new(
                set.clone(),
                sightline_detect::EngineConfig::default(),
            );
            let mut out = Vec::new();
            for ev in &evs {
                engine.process(ev, &mut out);
            }
            engine.finish(&mut out);
            divan::black_box(out.len())
        });
}
