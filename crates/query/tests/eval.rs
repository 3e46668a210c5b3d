//! Evaluation over hand-built events.

use sightline_event::{Event, EventId, Outcome, Timestamp};
use sightline_query::{Expr, Scalar, parse, tokenize};
use std::ops::Bound;

fn event() -> Event {
    let ts: Timestamp = "2026-01-02T10:30:00Z".parse().unwrap();
    let mut ev = Event::new(
        EventId::derive("s", 0, b"x"),
        ts,
        "ray",
        "ray.dashboard",
        "raw line: Failed password for root from 10.0.0.5 port 22",
    );
    ev.message = "Failed password for root from 10.0.0.5".into();
    ev.outcome = Outcome::Failure;
    ev.add_category("authentication");
    ev.set("source.ip", "10.0.0.5")
        .set("user.name", "Administrator")
        .set("http.response.status_code", 401i64)
        .set("http.request.method", "POST")
        .set("url.path", "/api/jobs/submit")
        .set("event.duration", 1.5f64)
        .set("tls.established", false)
        .set(
            "user.roles",
            vec!["admin".to_string(), "ops team".to_string()],
        )
        .set("empty.list", Vec::<String>::new())
        .set("event.created", "2026-01-02T10:29:00Z")
        .set("port.text", "443");
    ev.label("foo", "Bar baz");
    ev
}

#[track_caller]
fn yes(q: &str) {
    let ev = event();
    let e = parse(q).unwrap_or_else(|e| panic!("{q}: {e}")).filter;
    assert!(e.matches(&ev), "{q} should match: {e:?}");
}

#[track_caller]
fn no(q: &str) {
    let ev = event();
    let e = parse(q).unwrap_or_else(|e| panic!("{q}: {e}")).filter;
    assert!(!e.matches(&ev), "{q} should not match: {e:?}");
}

#[test]
fn field_terms_are_case_insensitive_equality() {
    yes("source.ip:10.0.0.5");
    no("source.ip:10.0.0.50");
    no("source.ip:10.0.0"); // equality, not containment
    yes("user.name:administrator");
    yes("user.name:ADMINISTRATOR");
    no("user.name:admin");
    yes("event.module:RAY");
    yes("event.dataset:ray.dashboard");
    yes("event.outcome:failure");
    yes("labels.foo:bar\\ BAZ");
    no("labels.foo:bar");
    no("no.such.field:x");
    yes("user.name:Administrator AND http.request.method:post");
}

#[test]
fn numbers_compare_numerically() {
    yes("http.response.status_code:401");
    yes("http.response.status_code:401.0");
    yes("http.response.status_code:4.01e2");
    no("http.response.status_code:403");
    no("http.response.status_code:abc");
    yes("event.duration:1.5");
    yes("event.duration:1.50");
    no("event.duration:1");
    // A string field compares as a string.
    yes("port.text:443");
    no("port.text:443.0");
}

#[test]
fn bools_and_lists() {
    yes("tls.established:false");
    yes("tls.established:FALSE");
    no("tls.established:true");
    yes("user.roles:admin");
    yes("user.roles:OPS\\ TEAM");
    no("user.roles:ops");
    yes("user.roles:\"team\"");
    yes("event.category:authentication");
    yes("user.roles:op*");
}

#[test]
fn wildcards_match_the_whole_value() {
    yes("user.name:adm*");
    yes("user.name:ADM*");
    yes("user.name:*strator");
    yes("user.name:a?ministrator");
    no("user.name:min*");
    no("user.name:a?ministrato");
    yes("url.path:/api/jobs*");
    yes("http.response.status_code:4*");
    no("http.response.status_code:5*");
    yes("@timestamp:2026-01-02*");
    no(r"user.name:adm\*");
}

#[test]
fn field_phrases_are_consecutive_words() {
    yes("message:\"password for root\"");
    yes("message:\"PASSWORD FOR\"");
    no("message:\"for password\"");
    no("message:\"password root\"");
    yes("url.path:\"api jobs\"");
    yes("source.ip:\"0.0.5\"");
}

#[test]
fn free_text_is_words_of_message_and_original() {
    yes("failed");
    yes("FAILED password");
    no("fail");
    yes("port"); // only in event.original
    yes("22");
    no("dashboard"); // free text is not every field
    yes("\"password for root\"");
    no("\"root for\"");
    // Phrases do not run across the two fields.
    no("\"5 raw\"");
    yes("10.0.0.5");
    yes("0.0.5");
    no("10.0.0.6");
    yes("pass*");
    yes("pass?ord");
    no("pass?");
    yes("*ail*");
}

#[test]
fn boolean_logic() {
    yes("failed AND root");
    no("failed AND nobody");
    yes("failed OR nobody");
    no("nobody OR nothing");
    yes("NOT nobody");
    no("-failed");
    yes("failed -nobody");
    yes("nobody OR failed root");
    no("(nobody OR failed) AND nothing");
    yes("NOT (nobody OR nothing)");
    yes("*");
    yes("");
    no("NOT *");
}

#[test]
fn ranges_on_numbers_text_and_time() {
    yes("http.response.status_code:[400 TO 499]");
    yes("http.response.status_code:[401 TO 401]");
    no("http.response.status_code:{401 TO 500]");
    no("http.response.status_code:[300 TO 401}");
    yes("http.response.status_code:>=401");
    no("http.response.status_code:>401");
    yes("http.response.status_code:<402");
    yes("http.response.status_code:[400 TO *]");
    no("http.response.status_code:[* TO 400]");
    yes("event.duration:{1 TO 2}");
    yes("port.text:>400"); // a numeric string compares as a number
    no("port.text:>500");
    // Text bounds compare lexicographically, case-insensitively.
    yes("user.name:[a TO b]");
    yes("user.name:[ADMIN TO b]");
    no("user.name:[b TO z]");
    // Text against a number: not comparable, so no match.
    no("http.response.status_code:[a TO z]");
    no("user.name:>5");
    // Time.
    yes("@timestamp:[2026-01-02 TO 2026-01-03}");
    yes("@timestamp:>=2026-01-02T10:30:00Z");
    no("@timestamp:>2026-01-02T10:30:00Z");
    yes("@timestamp:<2026-01-02T12:30:00+01:00");
    no("@timestamp:<2026-01-02T11:30:00+01:00");
    yes("event.created:<2026-01-02T10:30:00Z"); // a time-valued string
    no("no.such:[1 TO 2]");
    yes("tls.established:*");
    no("tls.established:[a TO z]");
}

#[test]
fn timestamp_and_id_terms() {
    yes("@timestamp:2026-01-02");
    no("@timestamp:2026-01-03");
    yes("@timestamp:2026-01-02T10:30:00Z");
    yes("@timestamp:2026-01-02T11:30:00+01:00");
    no("@timestamp:2026-01-02T10:30:01Z");
    let id = EventId::derive("s", 0, b"x").to_string();
    yes(&format!("event.id:{id}"));
    yes(&format!("event.id:{}", id.to_uppercase()));
    yes("event.id:*");
    no("event.id:00000000000000000000000000000000");
}

#[test]
fn exists() {
    yes("_exists_:user.name");
    yes("user.name:*");
    yes("_exists_:@timestamp");
    yes("_exists_:labels.foo");
    yes("user.roles:[* TO *]");
    no("_exists_:no.such");
    no("_exists_:empty.list");
    no("_exists_:event.action");
    no("_exists_:tags");
}

#[test]
fn hand_built_asts_follow_the_same_rules() {
    let ev = event();
    // A free-text term with separators behaves as a phrase.
    let e = Expr::Term {
        field: None,
        value: "10.0.0.5".into(),
    };
    assert!(e.matches(&ev));
    // A Text bound on @timestamp is read as a time.
    let e = Expr::Range {
        field: "@timestamp".into(),
        lower: Bound::Included(Scalar::Text("2026-01-02".into())),
        upper: Bound::Unbounded,
    };
    assert!(e.matches(&ev));
    let e = Expr::Range {
        field: "@timestamp".into(),
        lower: Bound::Included(Scalar::Num(0.0)),
        upper: Bound::Unbounded,
    };
    assert!(!e.matches(&ev));
    // An empty phrase selects nothing.
    let e = Expr::Phrase {
        field: None,
        text: "".into(),
    };
    assert!(!e.matches(&ev));
    assert!(Expr::And(vec![]).matches(&ev));
    assert!(!Expr::Or(vec![]).matches(&ev));
}

#[test]
fn tokenizer_is_public_and_documented() {
    let t: Vec<String> = tokenize("Failed password for root from 10.0.0.5").collect();
    assert_eq!(
        t,
        [
            "failed", "password", "for", "root", "from", "10", "0", "0", "5"
        ]
    );
}

#[test]
fn documented_examples_parse_and_select() {
    let mut ev = event();
    ev.dataset = "milvus.access".into();
    ev.module = "milvus".into();
    let q = parse("event.dataset:milvus.access AND event.outcome:failure | count by source.ip")
        .unwrap();
    assert!(q.filter.matches(&ev));
    let q = parse("event.module:ray AND url.path:/api/jobs* AND http.request.method:POST").unwrap();
    assert!(q.filter.matches(&event()));
    let q = parse("\"Failed password\" | timechart 1h").unwrap();
    assert!(q.filter.matches(&event()));
}
