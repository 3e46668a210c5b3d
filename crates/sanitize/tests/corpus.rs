//! Sanitizes every line of the shared corpora: prints the redactions and
//! neutralizations per corpus (with the first findings, to review for
//! over-redaction), and asserts that known-clean lines copied from the
//! corpora come back unchanged.

use sightline_sanitize::Sanitizer;
use std::path::{Path, PathBuf};

mod common;

fn log_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            log_files(&p, out);
        } else {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            // Descriptions of the corpus, not logs.
            let meta = matches!(
                name,
                "ground_truth.jsonl" | "MANIFEST.json" | "README.md" | "SESSION_NAME"
            ) || name.ends_with(".py");
            if !meta {
                out.push(p);
            }
        }
    }
    out.sort();
}

#[test]
fn corpus_scan_counts_redactions() {
    let Some(root) = common::shared_corpus("") else {
        return;
    };
    let s = Sanitizer::default();
    for corpus in ["ray", "mesos", "milvus", "mlx"] {
        let mut files = Vec::new();
        log_files(&root.join(corpus).join("dev"), &mut files);
        let (mut lines, mut bytes, mut redactions, mut neutralized) = (0u64, 0u64, 0u64, 0u64);
        let mut samples = Vec::new();
        for f in &files {
            let Ok(raw) = std::fs::read(f) else { continue };
            let text = String::from_utf8_lossy(&raw);
            for line in text.lines() {
                lines += 1;
                bytes += line.len() as u64;
                let (out, rep) = s.sanitize_text(line);
                redactions += u64::from(rep.redactions);
                neutralized += u64::from(rep.neutralized);
                if rep.redactions > 0 && samples.len() < 10 {
                    samples.push(format!(
                        "{}: {}",
                        f.display(),
                        out.chars().take(300).collect::<String>()
                    ));
                }
            }
        }
        println!(
            "{corpus}: {} files, {lines} lines, {bytes} bytes: {redactions} redactions, {neutralized} characters neutralized",
            files.len()
        );
        for sample in samples {
            println!("  {sample}");
        }
    }
}

/// Lines copied verbatim from the corpora that hold no secret, chosen for
/// the words and shapes that lure naive patterns: password, token(s), key,
/// secret, credential, auth, hashes, URLs with `@`, flags with paths.
const KNOWN_CLEAN: &[&str] = &[
    // ray
    "2026-11-22 12:37:21,673\tINFO web_log.py:229 -- 127.0.0.1 [22/Nov/2026:12:37:21 +0000] 'GET /api/version HTTP/1.1' 200 318 bytes 2835 us '-' 'curl/7.88.1'",
    "2026-11-22 12:37:43,209\tINFO web_log.py:229 -- 127.0.0.1 [22/Nov/2026:12:37:43 +0000] 'GET /api/jobs/ HTTP/1.1' 401 205 bytes 447 us '-' 'curl/7.88.1'",
    "[2026-11-22 12:38:02,908 W 9688 9688] gcs_client.cc:210: Failed to get cluster ID from GCS server: Unauthenticated: RPC error: InvalidAuthToken: Authentication token is missing or incorrect",
    // mesos
    "I1120 07:58:42.629345 13622 master.cpp:9807] Authentication of scheduler-b430590b-c1fa-4cf2-895d-faca94c40225@10.20.17.203:37420 was unsuccessful: Invalid credentials",
    "W1120 07:58:42.623101 13619 authenticator.cpp:332] Authentication failure: authentication failure",
    "I1120 06:00:01.100200  2210 slave.cpp:314] Agent using credential for: mesos-agent",
    "I1120 06:00:00.512000  1990 credentials.hpp:37] Loading credentials for authentication from '/etc/mesos/credentials.json'",
    " --jwt_secret_key=\"/etc/mesos/executor-secret.key\" --http_credentials=\"/etc/mesos/agent-http-credentials.json\" --credential=\"/etc/mesos/agent-credential.json\"",
    "I1120 06:00:00.500000  1990 group.cpp:395] Authenticating with ZooKeeper using digest",
    // milvus
    "[2026/03/09 07:53:21.402 +00:00] [WARN] [proxy/authentication_interceptor.go:96] [\"fail to verify password\"] [username=root]",
    "[2026/03/09 07:53:19.333 +00:00] [ACCESS] <root: tcp-103.214.6.12:51234> Connect [status: GrpcUnauthenticated] [code: 65535] [sdk: Python-2.4.3] [msg: rpc error: code = Unauthenticated desc = auth check failure, please check username and password are correct] [traceID: f60d06106fbe5b06f6229f8ce352a29e] [timeCost: 308.881µs]",
    "{\"level\":\"ERROR\",\"time\":\"2026/03/09 09:24:36.906 +00:00\",\"caller\":\"proxy/util.go:1094\",\"message\":\"Verify password failed\",\"error\":\"crypto/bcrypt: hashedPassword is not the hash of the given password\"}",
    "{\"level\":\"WARN\",\"caller\":\"proxy/authentication_interceptor.go:96\",\"message\":\"fail to verify password\",\"username\":\"feature_store\"}",
    "I20261122 13:10:00.309123 1 proxy.cpp:222] [SERVER][Search][grpcpp_sync_ser][]Can not find secrets's schema",
    // mlx
    "{\"schema\":\"sightline.mlx/1\",\"event\":\"mlx.inference\",\"api\":\"stream_generate\",\"input_tokens\":412,\"input_chars\":1893,\"input_digest\":\"hmac-sha256:0f4c1e2d3b4a59687766554433221100\",\"max_tokens\":1024,\"temperature\":0.7}",
    "{\"latency_ms\":812.4,\"ttft_ms\":61.2,\"output_tokens\":128,\"finish_reason\":\"stop\",\"generation_tps\":41.3,\"peak_memory_bytes\":4831838208}",
    "{\"model_source\":{\"type\":\"local\",\"path\":\"/tmp/.hf_cache/q7b-instruct-4bit\"},\"format\":\"safetensors\"}",
];

#[test]
fn known_clean_corpus_lines_are_untouched() {
    let s = Sanitizer::default();
    for line in KNOWN_CLEAN {
        let (out, rep) = s.sanitize_text(line);
        assert_eq!(rep.redactions, 0, "over-redacted: {out}");
        assert_eq!(&out, line);
    }
}
