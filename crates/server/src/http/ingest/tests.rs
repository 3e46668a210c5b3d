//! The generic handler with a receiver of the tests' own, and the refusals
//! every receiver (ours and the real ones) gives before a body is read or
//! parsed, each in its own shape.

use super::*;
use crate::auth::Role;
use crate::http::testing::{Answer, Harness, call, request, sample_path};
use axum::body::{Body, Bytes};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// One record per line; at most 64 bytes, gzip only; answers carry
/// `x-shape: lines` so a test can tell whose shape an answer has.
struct Lines;

const LINES_MAX: usize = 64;

impl HttpReceiver for Lines {
    type Pending = usize;
    type Error = String;

    fn declaration(&self) -> Declaration {
        Declaration {
            name: "lines",
            routes: &[
                (Verb::Post, "/test/lines"),
                (Verb::Put, "/test/{topic}/lines"),
            ],
            permission: Permission::Ingest,
            body: BodyRules {
                max: Some(LINES_MAX),
                encodings: &["gzip"],
            },
        }
    }

    fn parse(&self, request: &Incoming<'_>) -> Result<Parsed<usize>, String> {
        let text = String::from_utf8_lossy(request.body);
        if text.contains("refuse me") {
            return Err("a line asked to be refused".into());
        }
        let stream = format!(
            "lines:{}:{}",
            request.sender(),
            request.param("topic").unwrap_or("none")
        );
        let records: Vec<Inbound> = text
            .lines()
            .enumerate()
            .map(|(i, line)| Inbound {
                stream: stream.clone(),
                offset: i as u64,
                line: line.to_owned(),
                ..Inbound::default()
            })
            .collect();
        let n = records.len();
        Ok(Parsed {
            records,
            rejected: 0,
            pending: n,
        })
    }

    fn accepted(&self, lines: usize, report: &BatchReport) -> Response {
        let body = serde_json::json!({"lines": lines, "stored": report.stored});
        shaped(StatusCode::OK, body.to_string())
    }

    fn rejected(&self, error: String, _: &HeaderMap) -> Response {
        shaped(StatusCode::UNPROCESSABLE_ENTITY, error)
    }

    fn refusal(&self, error: ApiError, _: &HeaderMap) -> Response {
        shaped(error.status, format!("lines refused: {}", error.message))
    }
}

fn shaped(status: StatusCode, body: String) -> Response {
    (status, [("x-shape", "lines")], body).into_response()
}

fn with_lines() -> Vec<Arc<dyn Registered>> {
    let mut all = receivers();
    all.push(Arc::new(Lines));
    all
}

/// Asserts `answer` is in the shape of receiver `name`.
fn assert_shape(name: &str, answer: &Answer, what: &str) {
    let json = answer.json();
    let content_type = answer
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match name {
        "lines" => assert_eq!(answer.headers.get("x-shape").unwrap(), "lines", "{what}"),
        "es_bulk" => {
            assert_eq!(
                answer.headers["x-elastic-product"], "Elasticsearch",
                "{what}"
            );
            assert!(json["error"]["type"].is_string(), "{what}: {json}");
        }
        "hec" => assert!(
            json["code"].is_u64() && json["text"].is_string(),
            "{what}: {json}"
        ),
        // A google.rpc.Status in protobuf (the request sent no JSON).
        "otlp" => assert_eq!(content_type, "application/x-protobuf", "{what}"),
        "http" => assert!(json["error"].is_string(), "{what}: {json}"),
        other => panic!("no shape known for {other}"),
    }
}

/// Each route that carries records, by receiver name, with a sample path.
fn ingest_routes() -> Vec<(&'static str, Verb, String)> {
    with_lines()
        .into_iter()
        .flat_map(|r| {
            let declared = r.declaration();
            declared
                .routes
                .iter()
                .map(move |&(verb, path)| (declared.name, verb, sample_path(path)))
        })
        .collect()
}

/// A body that notes when it is first read.
fn watched_body(read: &Arc<AtomicBool>) -> Body {
    let read = Arc::clone(read);
    Body::from_stream(futures_util::stream::once(async move {
        read.store(true, Ordering::SeqCst);
        Ok::<_, std::io::Error>(Bytes::from_static(b"{ not a body anyone parses"))
    }))
}

#[tokio::test]
async fn callers_without_a_valid_token_or_role_are_refused_before_the_body_is_read() {
    let h = Harness::new(1 << 20);
    let router = h.router(with_lines());
    let routes = ingest_routes();
    assert!(routes.iter().any(|(n, ..)| *n == "lines"));
    let viewer = h.token(Role::Viewer).to_owned();
    for (name, verb, path) in &routes {
        for (token, want) in [
            (None, StatusCode::UNAUTHORIZED),
            (Some("sl_not_a_token"), StatusCode::UNAUTHORIZED),
            (Some(viewer.as_str()), StatusCode::FORBIDDEN),
        ] {
            let what = format!("{name} {} {path} with {token:?}", verb.method());
            // A client waiting for 100 Continue: answered, its body never read.
            let read = Arc::new(AtomicBool::new(false));
            let req = request(verb.method(), path, token)
                .header("expect", "100-continue")
                .header("content-length", "26")
                .body(watched_body(&read))
                .unwrap();
            let r = call(&router, req).await;
            let want = match (name, token) {
                // Splunk answers a well-formed unknown token with 403.
                (&"hec", Some("sl_not_a_token")) => StatusCode::FORBIDDEN,
                _ => want,
            };
            assert_eq!(r.status, want, "{what}");
            assert!(!read.load(Ordering::SeqCst), "{what}: the body was read");
            assert_shape(name, &r, &what);
            // A body in an encoding nobody speaks is not looked at either.
            let req = request(verb.method(), path, token)
                .header("content-encoding", "br")
                .body(Body::from("\u{0}garbage"))
                .unwrap();
            assert_eq!(call(&router, req).await.status, want, "{what}, sent");
        }
    }
    let refused = h.state.metrics.refused.get("lines");
    assert_eq!(
        refused,
        2 * 3 * 2,
        "every refusal counted under its receiver"
    );
    assert!(h.submitted().is_empty());
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_in_each_receivers_shape() {
    let h = Harness::new(1024);
    let router = h.router(with_lines());
    let ingest = h.token(Role::Ingest).to_owned();
    for (name, verb, path) in ingest_routes() {
        let what = format!("{name} {path}");
        let req = request(verb.method(), &path, Some(&ingest))
            .body(Body::from(vec![b'a'; 2048]))
            .unwrap();
        let r = call(&router, req).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{what}");
        assert_shape(name, &r, &what);
    }
    // The receiver's own limit, under the server's: on the wire, and once decompressed.
    let over = request(Method::POST, "/test/lines", Some(&ingest))
        .body(Body::from(vec![b'a'; LINES_MAX + 1]))
        .unwrap();
    let r = call(&router, over).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        String::from_utf8_lossy(&r.body).contains("limit of 64 bytes"),
        "{:?}",
        r.body
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&[b'a'; 10 * LINES_MAX]).unwrap();
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() <= LINES_MAX);
    let req = request(Method::POST, "/test/lines", Some(&ingest))
        .header("content-encoding", "gzip")
        .body(Body::from(bomb))
        .unwrap();
    let r = call(&router, req).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_shape("lines", &r, "decoded over the limit");
    assert!(h.submitted().is_empty());
}

#[tokio::test]
async fn encodings_a_receiver_does_not_declare_get_415_in_its_shape() {
    let h = Harness::new(1 << 20);
    let router = h.router(with_lines());
    let ingest = h.token(Role::Ingest).to_owned();
    for (name, verb, path) in ingest_routes() {
        let what = format!("{name} {path}");
        let req = request(verb.method(), &path, Some(&ingest))
            .header("content-encoding", "br")
            .body(Body::from("a line\n"))
            .unwrap();
        let r = call(&router, req).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{what}");
        assert_shape(name, &r, &what);
    }
    // zstd is one `decode_body` undoes, but this receiver did not declare
    // it: refused before anything is decompressed.
    let req = request(Method::POST, "/test/lines", Some(&ingest))
        .header("content-encoding", "zstd")
        .body(Body::from("one\n"))
        .unwrap();
    let r = call(&router, req).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        String::from_utf8_lossy(&r.body).contains("accepted: identity, gzip"),
        "{:?}",
        r.body
    );
    assert!(h.submitted().is_empty());
}

#[tokio::test]
async fn an_admitted_request_is_decoded_parsed_queued_and_answered_by_its_receiver() {
    let h = Harness::new(1 << 20);
    let router = h.router(with_lines());
    let ingest = h.token(Role::Ingest).to_owned();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"first\nsecond\n").unwrap();
    let req = request(Method::PUT, "/test/alpha/lines", Some(&ingest))
        .header("content-encoding", "gzip")
        .body(Body::from(gz.finish().unwrap()))
        .unwrap();
    let r = call(&router, req).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.json(), serde_json::json!({"lines": 2, "stored": 2}));
    let submitted = h.submitted();
    assert_eq!(submitted.len(), 1);
    let (receiver, records) = &submitted[0];
    assert_eq!(*receiver, "lines");
    let lines: Vec<&str> = records.iter().map(|r| r.line.as_str()).collect();
    assert_eq!(lines, ["first", "second"]);
    assert_eq!(records[0].stream, "lines:test-ingest@127.0.0.1:alpha");

    // A body the receiver refuses: its own answer, counted, nothing queued.
    let req = request(Method::POST, "/test/lines", Some(&ingest))
        .body(Body::from("refuse me\n"))
        .unwrap();
    let r = call(&router, req).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_shape("lines", &r, "rejected");
    assert_eq!(h.submitted().len(), 1);
    let m = &h.state.metrics;
    assert_eq!((m.failed.get("lines"), m.refused.get("lines")), (1, 1));
    let text = m.render();
    for family in [
        "sightline_events_received_total",
        "sightline_events_failed_total",
        "sightline_requests_refused_total",
    ] {
        for name in ["lines", "http", "es_bulk", "hec", "otlp"] {
            let line = format!("{family}{{receiver=\"{name}\"}}");
            assert!(text.contains(&line), "{line} declared: {text}");
        }
    }
}

#[tokio::test]
async fn the_native_report_says_what_was_stored() {
    let h = Harness::new(1 << 20);
    let router = h.router(receivers());
    let req = request(Method::POST, "/api/v1/ingest", Some(h.token(Role::Ingest)))
        .body(Body::from("one line\nanother\n"))
        .unwrap();
    let r = call(&router, req).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        r.json(),
        serde_json::json!({"events": 2, "stored": 2, "duplicates": 0, "parse_failures": 0})
    );
    assert_eq!(h.submitted()[0].0, "http");
}

#[tokio::test]
async fn a_hec_403_for_an_unknown_token_is_audited_as_a_failed_authentication() {
    let h = Harness::new(1 << 20);
    let router = h.router(receivers());
    let req = request(Method::POST, "/services/collector/event", None)
        .header("authorization", "Splunk sl_not_a_token")
        .body(Body::from(r#"{"event":"x"}"#))
        .unwrap();
    let r = call(&router, req).await;
    assert_eq!(
        (r.status, r.json()["code"].as_u64()),
        (StatusCode::FORBIDDEN, Some(4))
    );
    let viewer = request(Method::POST, "/services/collector/event", None)
        .header("authorization", format!("Splunk {}", h.token(Role::Viewer)))
        .body(Body::from(r#"{"event":"x"}"#))
        .unwrap();
    assert_eq!(call(&router, viewer).await.status, StatusCode::FORBIDDEN);
    let audited = h.state.denials.take(std::time::Instant::now());
    let actions: Vec<_> = audited
        .iter()
        .map(|e| (e.action.as_deref(), e.get_i64("http.response.status_code")))
        .collect();
    assert_eq!(
        actions,
        [
            (Some("authentication-failed"), Some(403)),
            (Some("authorization-denied"), Some(403))
        ]
    );
}
