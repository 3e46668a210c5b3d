//! The HTTP receivers. Each wire format is one [`HttpReceiver`]: it
//! declares its routes, the permission they need and its body rules, turns
//! a request's body and headers into records (pure: the parsing is in
//! `sightline-receive`), and answers in its protocol's shapes. One generic
//! handler ([`drive`]) runs any of them: admission from the declaration,
//! the body read within its limits and decoded, the parse, the pipeline
//! queue, the reply. The route table, the admission gates and the
//! per-receiver metrics are built from [`receivers`]: adding a receiver is
//! one impl and one line there.

mod drive;
mod es_bulk;
mod hec;
mod native;
mod otlp;
#[cfg(test)]
mod tests;

pub use drive::Registered;

use super::ApiError;
use super::Shared;
use super::routes::Verb;
use crate::admission::Access;
use crate::auth::Permission;
use crate::pipeline::BatchReport;
use axum::handler::Handler;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use sightline_receive::Inbound;
use std::net::SocketAddr;
use std::sync::Arc;

/// Every HTTP receiver the server runs.
pub fn receivers() -> Vec<Arc<dyn Registered>> {
    vec![
        Arc::new(native::Native),
        Arc::new(es_bulk::EsBulk),
        Arc::new(hec::HecEvents),
        Arc::new(hec::HecRaw),
        Arc::new(otlp::Otlp),
    ]
}

/// One wire format over HTTP.
pub trait HttpReceiver: Send + Sync + 'static {
    /// What the reply needs of a request besides the store's report (the
    /// bulk items to answer one by one, the encoding to answer in).
    type Pending: Send + 'static;
    /// Why a body was refused as a whole.
    type Error: Send + 'static;

    /// Its name, routes, permission and body rules.
    fn declaration(&self) -> Declaration;

    /// The records of one request. Pure: no I/O, no state.
    fn parse(&self, request: &Incoming<'_>) -> Result<Parsed<Self::Pending>, Self::Error>;

    /// The answer once the records are stored (`report` is empty when there
    /// were none to store).
    fn accepted(&self, pending: Self::Pending, report: &BatchReport) -> Response;

    /// The answer to a body [`HttpReceiver::parse`] refused.
    fn rejected(&self, error: Self::Error, headers: &HeaderMap) -> Response;

    /// Every other refusal (token, role, rate, body limits, encoding, a busy
    /// queue, a full disk) in this protocol's shape.
    fn refusal(&self, error: ApiError, headers: &HeaderMap) -> Response;

    /// Routes its clients call besides sending records (version checks,
    /// health probes), admitted by their own access and refused in this
    /// receiver's shape.
    fn probes(&self) -> Vec<Probe> {
        Vec::new()
    }
}

/// What a receiver is: its routes and what they ask.
#[derive(Debug, Clone, Copy)]
pub struct Declaration {
    /// Its name in the metrics (`sightline_events_received_total{receiver}`,
    /// `sightline_events_failed_total`, `sightline_requests_refused_total`)
    /// and in the queue. Receivers of one protocol may share it.
    pub name: &'static str,
    /// Method and path pattern of each route that carries records.
    pub routes: &'static [(Verb, &'static str)],
    /// What a token needs to send to it.
    pub permission: Permission,
    pub body: BodyRules,
}

/// Limits and encodings of a receiver's request bodies.
#[derive(Debug, Clone, Copy)]
pub struct BodyRules {
    /// Most bytes, on the wire and once decompressed; `None` (and never
    /// more than) `server.max_body`.
    pub max: Option<usize>,
    /// The `Content-Encoding`s undone; any other is refused with 415.
    pub encodings: &'static [&'static str],
}

impl BodyRules {
    /// Every encoding `sightline_receive::decode_body` undoes, up to `server.max_body`.
    pub const STANDARD: BodyRules = BodyRules {
        max: None,
        encodings: &["gzip", "x-gzip", "deflate", "zstd"],
    };

    /// The limit in bytes under `server_max` (`server.max_body`).
    pub fn limit(&self, server_max: usize) -> usize {
        self.max.map_or(server_max, |m| m.min(server_max))
    }
}

/// One request, as a receiver parses it.
pub struct Incoming<'a> {
    pub headers: &'a HeaderMap,
    pub uri: &'a Uri,
    /// The parameters of the matched route's path (`{index}`).
    pub params: &'a [(String, String)],
    /// The body, its `Content-Encoding` undone.
    pub body: &'a [u8],
    /// The name of the caller's token.
    pub token: &'a str,
    pub peer: SocketAddr,
}

impl Incoming<'_> {
    /// The path parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header as text, when it is.
    pub fn header(&self, name: axum::http::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The query string read into `T`.
    pub fn query<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        axum::extract::Query::<T>::try_from_uri(self.uri)
            .map(|q| q.0)
            .map_err(|e| e.body_text())
    }

    /// A stable name for the sender, for batch streams: the token's name and
    /// the peer's address (not its port, which changes between retries).
    pub fn sender(&self) -> String {
        format!("{}@{}", self.token, self.peer.ip())
    }
}

/// The records of one request.
pub struct Parsed<P> {
    pub records: Vec<Inbound>,
    /// Records refused one by one while the rest are stored (bulk items,
    /// OTLP records): counted as failures.
    pub rejected: u64,
    pub pending: P,
}

impl Parsed<()> {
    /// Records and nothing else to answer with.
    pub fn records(records: Vec<Inbound>) -> Parsed<()> {
        Parsed {
            records,
            rejected: 0,
            pending: (),
        }
    }
}

/// A route a receiver's clients call besides sending records.
pub struct Probe {
    pub verb: Verb,
    pub path: &'static str,
    pub access: Access,
    pub handler: axum::routing::MethodRouter<Shared>,
}

impl Probe {
    pub fn new<H, T>(verb: Verb, path: &'static str, access: Access, handler: H) -> Probe
    where
        H: Handler<T, Shared>,
        T: 'static,
    {
        Probe {
            verb,
            path,
            access,
            handler: verb.route(handler),
        }
    }
}
