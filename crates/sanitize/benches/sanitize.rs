//! Throughput of sanitizing one string: clean lines (the common case, where
//! only the prefilter and the control-character scan run) against lines that
//! hold secrets or escapes. Run: `cargo bench -p sightline-sanitize`.

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use sightline_sanitize::Sanitizer;

fn main() {
    divan::main();
}

/// Clean lines of each corpus, verbatim shapes.
const CLEAN: &[&str] = &[
    "2026-11-22 12:37:21,673\tINFO web_log.py:229 -- 127.0.0.1 [22/Nov/2026:12:37:21 +0000] 'GET /api/version HTTP/1.1' 200 318 bytes 2835 us '-' 'curl/7.88.1'",
    "[2026-11-22 12:37:07,123 I 7821 7821] (raylet) node_manager.cc:412: Registering worker with pid 8918, worker_id 2a0a44b9956a42f6efcd5c3c9b30d107234458ae92964a0b45269bab",
    "I1120 07:58:42.629345 13622 master.cpp:9807] Authentication of scheduler-b430590b-c1fa-4cf2-895d-faca94c40225@10.20.17.203:37420 was unsuccessful: Invalid credentials",
    "[2026/03/09 07:53:19.333 +00:00] [ACCESS] <root: tcp-103.214.6.12:51234> Connect [status: GrpcUnauthenticated] [code: 65535] [sdk: Python-2.4.3] [msg: rpc error: code = Unauthenticated desc = auth check failure, please check username and password are correct] [traceID: f60d06106fbe5b06f6229f8ce352a29e] [timeCost: 308.881µs]",
    r#"{"schema":"sightline.mlx/1","event":"mlx.inference","ts":"2026-11-20T08:04:52.106Z","host":"mlx-inf-03","api":"stream_generate","input_tokens":412,"input_chars":1893,"input_digest":"hmac-sha256:0f4c1e2d3b4a59687766554433221100","max_tokens":1024,"temperature":0.7,"latency_ms":812.4,"ttft_ms":61.2,"output_tokens":128,"finish_reason":"stop","generation_tps":41.3}"#,
];

/// Lines with a secret or an escape in each.
const DIRTY: &[&str] = &[
    "2026-11-22 12:37:21,673\tINFO job_head.py:300 -- entrypoint: env RAY_AUTH_TOKEN=9f8e7d6c5b4a39281706f5e4d3c2b1a0 python train.py --password hunter2",
    "curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl' https://admin:s3cret@10.0.0.5:8265/api/jobs/",
    r#"{"level":"info","msg":"config","aws_access_key_id":"AKIAIOSFODNN7EXAMPLE","aws_secret_access_key":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","hf":"hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"}"#,
    "View the dashboard at \u{1b}[1m\u{1b}[32mhttp://127.0.0.1:8265 \u{1b}[39m\u{1b}[22m and MilvusClient(uri=\"http://h:19530\", token=\"root:Milvus\")",
];

fn total(lines: &[&str]) -> usize {
    lines.iter().map(|l| l.len()).sum()
}

#[divan::bench]
fn clean_lines(b: Bencher) {
    let s = Sanitizer::default();
    b.counter(BytesCount::new(total(CLEAN))).bench(|| {
        for line in CLEAN {
            let mut t = (*line).to_string();
            black_box(s.sanitize_in_place(&mut t, false, false));
        }
    });
}

#[divan::bench]
fn lines_with_secrets(b: Bencher) {
    let s = Sanitizer::default();
    b.counter(BytesCount::new(total(DIRTY))).bench(|| {
        for line in DIRTY {
            let mut t = (*line).to_string();
            black_box(s.sanitize_in_place(&mut t, false, false));
        }
    });
}

/// The cost of copying the line alone, to read the figures above against.
#[divan::bench]
fn copy_only(b: Bencher) {
    b.counter(BytesCount::new(total(CLEAN))).bench(|| {
        for line in CLEAN {
            black_box((*line).to_string());
        }
    });
}

/// Neutralization alone (the control-character scan every string gets).
#[divan::bench]
fn neutralize_only(b: Bencher) {
    b.counter(BytesCount::new(total(CLEAN))).bench(|| {
        for line in CLEAN {
            let mut t = (*line).to_string();
            black_box(sightline_sanitize::neutralize(&mut t, false));
        }
    });
}

/// Each clean line on its own, to see which shapes cost most.
#[divan::bench(args = [0, 1, 2, 3, 4])]
fn clean_line(b: Bencher, i: usize) {
    let s = Sanitizer::default();
    let line = CLEAN.get(i).copied().unwrap_or_default();
    b.counter(BytesCount::new(line.len())).bench(|| {
        let mut t = line.to_string();
        black_box(s.sanitize_in_place(&mut t, false, false));
    });
}
