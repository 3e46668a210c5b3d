//! Properties: the parser never panics, and neither does evaluating what it accepts.

use proptest::prelude::*;
use sightline_event::{Event, EventId, Timestamp};
use sightline_query::parse;

fn event() -> Event {
    let mut ev = Event::new(
        EventId::derive("s", 0, b"x"),
        Timestamp::UNIX_EPOCH,
        "ray",
        "ray.dashboard",
        "raw line 10.0.0.5",
    );
    ev.message = "Failed password for root".into();
    ev.set("source.ip", "10.0.0.5")
        .set("n", 5i64)
        .set("l", vec!["a".to_string()]);
    ev
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_any_text(s in any::<String>()) {
        if let Ok(q) = parse(&s) {
            let _ = q.filter.matches(&event());
        }
    }

    #[test]
    fn never_panics_on_query_like_text(
        s in r#"([a-z@_.]{1,6}:|[ ()"\\*?:\[\]{}<>=|!&,-]|AND |OR |NOT |TO |[0-9]{1,3}|[a-z]{1,4}| \| count by | \| top | \| timechart 5m)*"#
    ) {
        match parse(&s) {
            Ok(q) => { let _ = q.filter.matches(&event()); }
            Err(e) => prop_assert!(e.position <= s.len(), "{e} for {s:?}"),
        }
    }

    #[test]
    fn field_terms_round_trip(field in "[a-z][a-z._@-]{0,10}", value in "[a-zA-Z0-9][a-zA-Z0-9./-]{0,10}") {
        let q = parse(&format!("{field}:{value}")).unwrap();
        prop_assert_eq!(q.filter, sightline_query::Expr::Term { field: Some(field), value });
    }
}
