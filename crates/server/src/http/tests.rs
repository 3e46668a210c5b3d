//! The route table against the router built from it: every declared route
//! admits exactly the callers its access allows, and nothing undeclared is
//! routed.

use super::routes::Verb;
use super::testing::{Harness, ROLES, call, request, sample_path};
use super::{endpoints, ingest};
use crate::admission::Access;
use crate::auth::Permission::*;
use axum::body::Body;
use axum::http::StatusCode;

/// Every route and what it needs: a change here is a change to who may do what.
const EXPECTED: &[(Verb, &str, Access)] = &[
    (Verb::Get, "/health", Access::Public),
    (Verb::Get, "/metrics", Access::Need(Read)),
    (Verb::Get, "/api/v1/whoami", Access::Authenticated),
    (Verb::Get, "/api/v1/rules", Access::Need(Read)),
    (Verb::Post, "/api/v1/rules/reload", Access::Need(Admin)),
    (Verb::Get, "/api/v1/tokens", Access::Need(Admin)),
    (Verb::Post, "/api/v1/tokens", Access::Need(Admin)),
    (Verb::Delete, "/api/v1/tokens/{name}", Access::Need(Admin)),
    (Verb::Get, "/api/v1/search", Access::Need(Read)),
    (Verb::Get, "/api/v1/alerts", Access::Need(Read)),
    (Verb::Get, "/api/v1/alerts/{id}", Access::Need(Read)),
    (
        Verb::Post,
        "/api/v1/alerts/{id}/state",
        Access::Need(Triage),
    ),
    (Verb::Get, "/api/v1/silences", Access::Need(Read)),
    (Verb::Post, "/api/v1/silences", Access::Need(Triage)),
    (Verb::Delete, "/api/v1/silences/{id}", Access::Need(Triage)),
    (Verb::Post, "/api/v1/routes/test", Access::Need(Read)),
    (Verb::Get, "/api/v1/responses", Access::Need(Read)),
    (
        Verb::Post,
        "/api/v1/responses/{id}/approve",
        Access::Need(Triage),
    ),
    (
        Verb::Post,
        "/api/v1/responses/{id}/reject",
        Access::Need(Triage),
    ),
    (Verb::Post, "/api/v1/ingest", Access::Need(Ingest)),
    (Verb::Post, "/_bulk", Access::Need(Ingest)),
    (Verb::Put, "/_bulk", Access::Need(Ingest)),
    (Verb::Post, "/{index}/_bulk", Access::Need(Ingest)),
    (Verb::Put, "/{index}/_bulk", Access::Need(Ingest)),
    (Verb::Get, "/", Access::Need(Ingest)),
    (Verb::Post, "/services/collector", Access::Need(Ingest)),
    (
        Verb::Post,
        "/services/collector/event",
        Access::Need(Ingest),
    ),
    (
        Verb::Post,
        "/services/collector/event/1.0",
        Access::Need(Ingest),
    ),
    (Verb::Get, "/services/collector/health", Access::Public),
    (Verb::Get, "/services/collector/health/1.0", Access::Public),
    (Verb::Post, "/services/collector/raw", Access::Need(Ingest)),
    (
        Verb::Post,
        "/services/collector/raw/1.0",
        Access::Need(Ingest),
    ),
    (Verb::Post, "/v1/logs", Access::Need(Ingest)),
];

#[test]
fn the_route_table_is_what_we_mean_to_expose() {
    let mut declared: Vec<(Verb, &str, Access)> = endpoints(ingest::receivers())
        .iter()
        .map(|e| (e.verb, e.path, e.gate.access))
        .collect();
    let key = |r: &(Verb, &str, Access)| (r.1.to_owned(), r.0.method().to_string());
    declared.sort_by_key(key);
    let mut expected = EXPECTED.to_vec();
    expected.sort_by_key(key);
    assert_eq!(declared, expected);
}

#[tokio::test]
async fn every_declared_route_admits_its_declared_access_and_nothing_else_is_routed() {
    let h = Harness::new(1 << 20);
    let router = h.router(ingest::receivers());
    let table = endpoints(ingest::receivers());
    for e in &table {
        let path = sample_path(e.path);
        let what = format!("{} {path}", e.verb.method());
        let anonymous = call(
            &router,
            request(e.verb.method(), &path, None)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        if e.gate.access == Access::Public {
            assert_eq!(anonymous.status, StatusCode::OK, "{what}");
        } else {
            assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{what}");
        }
        for role in ROLES {
            let r = call(
                &router,
                request(e.verb.method(), &path, Some(h.token(role)))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
            let allowed = match e.gate.access {
                Access::Public | Access::Authenticated => true,
                Access::Need(p) => role.allows(p),
            };
            if allowed {
                assert!(
                    r.status != StatusCode::UNAUTHORIZED && r.status != StatusCode::FORBIDDEN,
                    "{what} as {role:?}: {}",
                    r.status
                );
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{what} as {role:?}");
            }
        }
        // The other methods on a declared path are not routed.
        for verb in [Verb::Get, Verb::Post, Verb::Put, Verb::Delete] {
            if table.iter().any(|o| o.path == e.path && o.verb == verb) {
                continue;
            }
            let r = call(
                &router,
                request(
                    verb.method(),
                    &path,
                    Some(h.token(crate::auth::Role::Admin)),
                )
                .body(Body::empty())
                .unwrap(),
            )
            .await;
            assert_eq!(
                r.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{} {path}",
                verb.method()
            );
        }
    }
    // Undeclared paths: a token first (a caller without one learns nothing), then 404.
    for path in [
        "/api/v1/nothing",
        "/api/v2/search",
        "/a/b/_bulk",
        "/api/v1/tokens/a/b",
        "/services/collector/other",
    ] {
        let r = call(
            &router,
            request(axum::http::Method::GET, path, None)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        let admin = h.token(crate::auth::Role::Admin);
        let r = call(
            &router,
            request(axum::http::Method::GET, path, Some(admin))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
}
