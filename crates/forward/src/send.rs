//! Sending one batch and reading what the destination said about it.

use crate::config::{Auth, Destination, Kind};
use std::time::Duration;

/// What became of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every record arrived.
    Accepted,
    /// Nothing is known to have arrived; try the whole batch again.
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// The destination refused the batch for good (a 4xx about the data).
    Reject { reason: String },
    /// Some records arrived; `retry` (indices) may go through later, `rejected` never will.
    Partial {
        retry: Vec<usize>,
        rejected: Vec<(usize, String)>,
    },
}

/// Something that delivers batches.
pub trait Deliver: std::marker::Send {
    fn send(&mut self, records: &[&[u8]]) -> Outcome;
}

/// Opens the sender a destination needs.
pub fn sender_for(dest: &Destination) -> Result<Box<dyn Deliver>, String> {
    match &dest.kind {
        Kind::Syslog { .. } => Ok(Box::new(crate::syslog::SyslogSender::new(dest)?)),
        _ => Ok(Box::new(HttpSender::new(dest)?)),
    }
}

/// HEC, Elasticsearch `_bulk` and NDJSON over HTTP(S).
pub struct HttpSender {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    url: String,
    kind: Kind,
    auth: Auth,
}

impl HttpSender {
    pub fn new(dest: &Destination) -> Result<HttpSender, String> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut b = reqwest::Client::builder()
            .tls_backend_rustls()
            .timeout(dest.timeout)
            .connect_timeout(dest.timeout)
            .user_agent(concat!("sightline/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &dest.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| format!("tls_ca_file: {e}"))?;
            b = b.tls_certs_only(certs);
        }
        let client = b
            .build()
            .map_err(|e| format!("building the HTTP client: {e}"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("starting the async runtime: {e}"))?;
        let url = match &dest.kind {
            Kind::SplunkHec { url, .. }
            | Kind::Elasticsearch { url, .. }
            | Kind::HttpJson { url } => url.clone(),
            Kind::Syslog { .. } => return Err("not an HTTP destination".into()),
        };
        Ok(HttpSender {
            runtime,
            client,
            url,
            kind: dest.kind.clone(),
            auth: dest.auth.clone(),
        })
    }
}

impl Deliver for HttpSender {
    fn send(&mut self, records: &[&[u8]]) -> Outcome {
        let body = records.concat();
        let (content_type, scheme) = match self.kind {
            Kind::SplunkHec { .. } => ("application/json", "Splunk"),
            Kind::Elasticsearch { .. } => ("application/x-ndjson", "ApiKey"),
            _ => ("application/x-ndjson", "Bearer"),
        };
        let mut req = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        match &self.auth {
            Auth::None => {}
            Auth::Token(t) => {
                let mut v =
                    reqwest::header::HeaderValue::from_str(&format!("{scheme} {}", t.expose()))
                        .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static(""));
                v.set_sensitive(true);
                req = req.header(reqwest::header::AUTHORIZATION, v);
            }
            Auth::Basic { username, password } => {
                req = req.basic_auth(username, Some(password.expose()));
            }
        }
        let result = self.runtime.block_on(async {
            let resp = req.send().await?;
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, jiff::Timestamp::now()));
            let body = resp.bytes().await?;
            Ok::<_, reqwest::Error>((status, retry_after, body))
        });
        let (status, retry_after, body) = match result {
            Ok(r) => r,
            // The error names the URL, never the headers.
            Err(e) => {
                return Outcome::Retry {
                    reason: error_chain(&e),
                    after: None,
                };
            }
        };
        match self.kind {
            Kind::SplunkHec { .. } => hec_outcome(status, retry_after, &body),
            Kind::Elasticsearch { .. } => bulk_outcome(status, retry_after, &body, records.len()),
            _ => status_outcome(status, retry_after, &body),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

/// Whether a status means "try again later": overload, server trouble, and
/// credentials refused (a configuration matter, not the data's fault — the
/// batch waits for the token to be fixed rather than being dead-lettered).
pub fn retryable(status: u16) -> bool {
    matches!(status, 401 | 403 | 408 | 429) || status >= 500
}

fn snippet(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    let s = s.trim();
    if s.len() > 300 {
        let mut end = 300;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    } else {
        s.to_owned()
    }
}

/// Plain HTTP: 2xx accepted, else by [`retryable`].
pub fn status_outcome(status: u16, after: Option<Duration>, body: &[u8]) -> Outcome {
    if (200..300).contains(&status) {
        return Outcome::Accepted;
    }
    let reason = format!("HTTP {status}: {}", snippet(body));
    if retryable(status) {
        Outcome::Retry { reason, after }
    } else {
        Outcome::Reject { reason }
    }
}

/// HEC answers `{"text": "...", "code": N}`; code 0 is success.
pub fn hec_outcome(status: u16, after: Option<Duration>, body: &[u8]) -> Outcome {
    let reply: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let code = reply
        .as_ref()
        .and_then(|r| r.get("code"))
        .and_then(|c| c.as_i64());
    let text = reply
        .as_ref()
        .and_then(|r| r.get("text"))
        .and_then(|t| t.as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| snippet(body));
    match (status, code) {
        (200..=299, Some(0) | None) => Outcome::Accepted,
        (200..=299, Some(c)) => Outcome::Reject {
            reason: format!("HEC code {c}: {text}"),
        },
        (s, c) => {
            let reason = match c {
                Some(c) => format!("HTTP {s}, HEC code {c}: {text}"),
                None => format!("HTTP {s}: {text}"),
            };
            if retryable(s) {
                Outcome::Retry { reason, after }
            } else {
                Outcome::Reject { reason }
            }
        }
    }
}

/// `_bulk`: with `errors: true`, each item says how it went. 409 on
/// `create` means the document is already there (a resend): accepted.
pub fn bulk_outcome(status: u16, after: Option<Duration>, body: &[u8], records: usize) -> Outcome {
    if !(200..300).contains(&status) {
        return status_outcome(status, after, body);
    }
    let Ok(reply) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Outcome::Retry {
            reason: format!(
                "_bulk answered HTTP {status} with no JSON: {}",
                snippet(body)
            ),
            after,
        };
    };
    if reply.get("errors").and_then(|e| e.as_bool()) == Some(false) {
        return Outcome::Accepted;
    }
    let items = reply.get("items").and_then(|i| i.as_array());
    let Some(items) = items.filter(|i| i.len() == records) else {
        return Outcome::Retry {
            reason: format!(
                "_bulk answer lists {} items for {records} documents",
                items.map_or(0, |i| i.len())
            ),
            after,
        };
    };
    let mut retry = Vec::new();
    let mut rejected = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some((op, result)) = item.as_object().and_then(|o| o.iter().next()) else {
            retry.push(i);
            continue;
        };
        let st = result.get("status").and_then(|s| s.as_u64()).unwrap_or(0) as u16;
        if (200..300).contains(&st) || (st == 409 && op == "create") {
            continue;
        }
        let err = result.get("error");
        let why = err
            .and_then(|e| e.get("reason").and_then(|r| r.as_str()))
            .or_else(|| err.and_then(|e| e.as_str()))
            .unwrap_or("");
        let ty = err
            .and_then(|e| e.get("type").and_then(|t| t.as_str()))
            .unwrap_or("error");
        if st == 429 || st >= 500 || st == 0 {
            retry.push(i);
        } else {
            rejected.push((i, format!("{op} {st} {ty}: {why}")));
        }
    }
    if retry.is_empty() && rejected.is_empty() {
        Outcome::Accepted
    } else {
        Outcome::Partial { retry, rejected }
    }
}

/// `Retry-After`: seconds, or an HTTP date.
pub fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = jiff::fmt::rfc2822::parse(v).ok()?.timestamp();
    let d = at.duration_since(now);
    Some(Duration::try_from(d).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 00:02:00 GMT", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 31 Dec 2025 00:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn statuses_are_classified() {
        assert_eq!(status_outcome(204, None, b""), Outcome::Accepted);
        for s in [401, 403, 408, 429, 500, 502, 503] {
            assert!(
                matches!(status_outcome(s, None, b""), Outcome::Retry { .. }),
                "{s}"
            );
        }
        for s in [400, 404, 413, 422] {
            assert!(
                matches!(status_outcome(s, None, b""), Outcome::Reject { .. }),
                "{s}"
            );
        }
        assert!(matches!(
            hec_outcome(200, None, br#"{"text":"Invalid data format","code":6}"#),
            Outcome::Reject { .. }
        ));
        assert!(matches!(
            hec_outcome(
                503,
                Some(Duration::from_secs(3)),
                br#"{"text":"Server is busy","code":9}"#
            ),
            Outcome::Retry { after: Some(_), .. }
        ));
    }

    #[test]
    fn bulk_answers_are_read_per_item() {
        let body = br#"{"errors":true,"items":[
            {"create":{"status":201}},
            {"create":{"status":409,"error":{"type":"version_conflict_engine_exception"}}},
            {"create":{"status":429,"error":{"type":"es_rejected_execution_exception"}}},
            {"index":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"bad"}}},
            {"create":{"status":503}}]}"#;
        let Outcome::Partial { retry, rejected } = bulk_outcome(200, None, body, 5) else {
            panic!("partial")
        };
        assert_eq!(retry, [2, 4]);
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].0, 3);
        assert!(rejected[0].1.contains("mapper_parsing_exception: bad"));
        assert!(
            matches!(bulk_outcome(200, None, body, 4), Outcome::Retry { .. }),
            "count mismatch"
        );
        assert_eq!(
            bulk_outcome(200, None, br#"{"errors":false,"items":[]}"#, 2),
            Outcome::Accepted
        );
    }
}
