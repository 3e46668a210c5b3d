//! The route table: every route of the API, each with the gate that admits
//! its callers ([`Gate`]: access, refusal shape, body limit). The router is
//! built from this table alone, each route wrapped in its own gate, so no
//! route is reachable without its declared access, and the table is what
//! tests check.

use super::Shared;
use crate::admission::{self, Access, Gate, Gated};
use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, any, on};
use std::sync::Arc;

/// The methods routes are declared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Also answers `HEAD` (Elasticsearch clients ping `HEAD /`).
    Get,
    Post,
    Put,
    Delete,
}

impl Verb {
    pub fn method(self) -> Method {
        match self {
            Verb::Get => Method::GET,
            Verb::Post => Method::POST,
            Verb::Put => Method::PUT,
            Verb::Delete => Method::DELETE,
        }
    }

    /// `handler` on this method.
    pub fn route<H, T>(self, handler: H) -> MethodRouter<Shared>
    where
        H: Handler<T, Shared>,
        T: 'static,
    {
        on(self.filter(), handler)
    }

    fn filter(self) -> MethodFilter {
        match self {
            Verb::Get => MethodFilter::GET,
            Verb::Post => MethodFilter::POST,
            Verb::Put => MethodFilter::PUT,
            Verb::Delete => MethodFilter::DELETE,
        }
    }
}

/// One route: method, path pattern (`{name}` for a parameter), its gate and handler.
pub struct Endpoint {
    pub verb: Verb,
    pub path: &'static str,
    pub gate: Gate,
    pub handler: MethodRouter<Shared>,
}

impl Endpoint {
    pub fn new<H, T>(verb: Verb, path: &'static str, gate: Gate, handler: H) -> Endpoint
    where
        H: Handler<T, Shared>,
        T: 'static,
    {
        Endpoint {
            verb,
            path,
            gate,
            handler: verb.route(handler),
        }
    }

    /// A route of our own API, answering refusals in our shape.
    pub fn native<H, T>(verb: Verb, path: &'static str, access: Access, handler: H) -> Endpoint
    where
        H: Handler<T, Shared>,
        T: 'static,
    {
        Endpoint::new(verb, path, Gate::native(access), handler)
    }
}

/// The router of `endpoints`, each behind its gate. Anything else needs a
/// token, then gets 404 (a caller without one learns nothing of which
/// paths exist); a known path with another method gets 405 once admitted
/// by that path's gate.
pub fn build(state: &Shared, endpoints: Vec<Endpoint>) -> Router<Shared> {
    let gated = |gate: Gate| {
        axum::middleware::from_fn_with_state(
            Gated {
                state: Arc::clone(state),
                gate: Arc::new(gate),
            },
            admission::admit,
        )
    };
    let mut router = Router::new();
    for e in endpoints {
        router = router.route(e.path, e.handler.layer(gated(e.gate)));
    }
    let unknown = any(not_found)
        .layer(gated(Gate::native(Access::Authenticated)))
        .with_state(Arc::clone(state));
    router.fallback_service(unknown)
}

async fn not_found() -> super::ApiError {
    super::ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "no such endpoint (see docs/operations.md for the API)",
    )
}
