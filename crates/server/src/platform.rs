//! The platform's own records — the audit log (dataset `sightline.audit`)
//! and any other dataset `sightline.*`, all of module `sightline` — live in
//! the same hash-chained store as the monitored events, so `verify` covers
//! them. A search leaves them out unless its query names them: otherwise
//! every search would find the audit records of the searches before it (they
//! hold the query text), and `"Failed password"` would count 0, then 1,
//! then 2.
//!
//! The rule: a query names the platform's records when it has a term,
//! phrase or wildcard on `event.module` or `event.dataset` whose value
//! starts with `sightline` (`event.dataset:sightline.audit`,
//! `event.module:sightline`, `event.dataset:sightline.*`), anywhere in the
//! query, negated or not. Decoders never produce module `sightline`, so the
//! rule cannot hide monitored events.

use sightline_event::field;
use sightline_query::{Expr, Query};

/// `event.module` of every record the platform writes about itself.
pub const MODULE: &str = "sightline";

/// Whether the query names the platform's records (see the module comment).
pub fn names_platform(expr: &Expr) -> bool {
    let platform_field = |f: &Option<String>| {
        matches!(
            f.as_deref(),
            Some(field::EVENT_MODULE | field::EVENT_DATASET)
        )
    };
    let platform_value = |v: &str| {
        v.get(..MODULE.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(MODULE))
    };
    match expr {
        Expr::All | Expr::Range { .. } | Expr::Exists { .. } => false,
        Expr::And(items) | Expr::Or(items) => items.iter().any(names_platform),
        Expr::Not(inner) => names_platform(inner),
        Expr::Term { field, value } => platform_field(field) && platform_value(value),
        Expr::Phrase { field, text } => platform_field(field) && platform_value(text.trim()),
        Expr::Wildcard { field, pattern } => platform_field(field) && platform_value(pattern),
    }
}

/// The query as it is searched: unchanged when it names the platform's
/// records, else limited to the monitored events.
pub fn scoped(query: Query) -> Query {
    if names_platform(&query.filter) {
        return query;
    }
    let not_platform = Expr::Not(Box::new(Expr::Term {
        field: Some(field::EVENT_MODULE.to_owned()),
        value: MODULE.to_owned(),
    }));
    let filter = match query.filter {
        Expr::All => not_platform,
        Expr::And(mut items) => {
            items.push(not_platform);
            Expr::And(items)
        }
        other => Expr::And(vec![other, not_platform]),
    };
    Query { filter, ..query }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(q: &str) -> bool {
        names_platform(&sightline_query::parse(q).unwrap().filter)
    }

    #[test]
    fn which_queries_name_the_platform() {
        for q in [
            "event.dataset:sightline.audit",
            "event.module:sightline",
            "event.module:SIGHTLINE",
            "event.dataset:sightline.*",
            "user.name:admin AND event.dataset:sightline.audit",
            "NOT event.module:sightline",
            "* OR event.module:sightline",
        ] {
            assert!(names(q), "{q}");
        }
        for q in [
            "*",
            "\"Failed password\"",
            "sightline",
            "message:sightline",
            "event.module:ray",
            "event.dataset:*",
            "event.dataset:milvus.access | count by source.ip",
        ] {
            assert!(!names(q), "{q}");
        }
    }

    #[test]
    fn other_queries_leave_platform_records_out() {
        let mut audit = sightline_event::Event::new(
            sightline_event::EventId::derive("audit", 0, b"x"),
            jiff::Timestamp::UNIX_EPOCH,
            MODULE,
            "sightline.audit",
            r#"{"action":"search","details":{"query":"\"Failed password\""}}"#,
        );
        audit.message = "admin (admin) search \"Failed password\"".into();
        let q = |text: &str| scoped(sightline_query::parse(text).unwrap());
        assert!(!q("\"Failed password\"").filter.matches(&audit));
        assert!(!q("*").filter.matches(&audit));
        assert!(!q("search OR admin").filter.matches(&audit));
        assert!(q("event.dataset:sightline.audit").filter.matches(&audit));
        assert!(q("* OR event.module:sightline").filter.matches(&audit));
        let agg = q("| count");
        assert!(agg.aggregation.is_some(), "the aggregation is kept");
    }
}
