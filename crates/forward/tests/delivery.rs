//! Delivery against local receivers that speak each protocol exactly.

mod common;

use common::*;
use std::net::TcpListener;

fn hec_toml(name: &str, addr: std::net::SocketAddr, token_file: &str, extra: &str) -> String {
    format!(
        "[[forward]]\nname = \"{name}\"\ntype = \"splunk_hec\"\nurl = \"http://{addr}\"\ntoken_file = \"{token_file}\"\nallow_insecure_http = true\nindex = \"security\"\nsend = [\"events\", \"alerts\"]\n{FAST}{extra}\n"
    )
}

#[test]
fn hec_gets_envelopes_in_order_after_a_503() {
    let dir = tempfile::tempdir().unwrap();
    let token = secret_file(
        dir.path(),
        "hec.token",
        "11111111-2222-3333-4444-555555555555",
    );
    let rx = hec(
        TcpListener::bind("127.0.0.1:0").unwrap(),
        "11111111-2222-3333-4444-555555555555",
    );
    rx.seen().fail_next.extend([503, 503]);
    let f = forwarders(&hec_toml("splunk", rx.addr, &token, "batch_max_events = 7"));
    let h = f.start(&dir.path().join("state")).unwrap();
    let evs = events(40, "hec");
    for chunk in evs.chunks(9) {
        assert_eq!(h.enqueue_events(chunk).accepted, chunk.len() as u64);
    }
    wait_until("40 events at the HEC", || rx.seen().docs.len() >= 40);
    let want: Vec<String> = (0..40).map(|i| format!("hec-{i}")).collect();
    assert_eq!(rx.messages(), want, "each event once, in order");
    let seen = rx.seen();
    let env = &seen.docs[0];
    assert_eq!(env["host"], "node-1");
    assert_eq!(env["source"], "sightline");
    assert_eq!(env["sourcetype"], "sightline:event");
    assert_eq!(env["index"], "security");
    assert_eq!(env["time"].as_f64(), Some(1_700_000_000.0));
    assert_eq!(env["event"]["event.dataset"], "ray.job");
    assert_eq!(seen.refused_auth, 0);
    drop(seen);
    wait_until("the spool emptied", || stats_of(&h, "splunk").queued == 0);
    let st = stats_of(&h, "splunk");
    assert_eq!(st.sent, 40);
    assert!(st.retried >= 2, "the 503s were retried: {st:?}");
    assert!(st.last_error.unwrap().contains("503"));
}

#[test]
fn hec_400_is_dead_lettered_and_the_next_batch_still_goes() {
    let dir = tempfile::tempdir().unwrap();
    let token = secret_file(dir.path(), "t", "tok");
    let rx = hec(TcpListener::bind("127.0.0.1:0").unwrap(), "tok");
    rx.seen().fail_next.push_back(400);
    let f = forwarders(&hec_toml("splunk", rx.addr, &token, ""));
    let h = f.start(&dir.path().join("state")).unwrap();
    h.enqueue_events(&events(3, "bad"));
    wait_until("dead letters", || stats_of(&h, "splunk").dead_lettered == 3);
    h.enqueue_events(&[event(9, "good")]);
    wait_until("the next batch", || rx.seen().docs.len() == 1);
    assert_eq!(rx.messages(), vec!["good"]);
    let dead = std::fs::read_to_string(dir.path().join("state/splunk/dead-letter.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = dead
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert!(
        lines[0]["reason"]
            .as_str()
            .unwrap()
            .contains("Invalid data format")
    );
    let record: serde_json::Value =
        serde_json::from_str(lines[0]["record"].as_str().unwrap()).unwrap();
    assert_eq!(
        record["event"]["message"], "bad-0",
        "the record is kept whole"
    );
    assert_eq!(stats_of(&h, "splunk").sent, 1);
}

#[test]
fn a_wrong_token_is_retried_never_dead_lettered_and_not_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let token = secret_file(dir.path(), "t", "the-wrong-secret");
    let rx = hec(TcpListener::bind("127.0.0.1:0").unwrap(), "right");
    let f = forwarders(&hec_toml("splunk", rx.addr, &token, ""));
    assert!(
        !format!("{f:?}").contains("the-wrong-secret"),
        "Debug hides the token"
    );
    let h = f.start(&dir.path().join("state")).unwrap();
    h.enqueue_events(&events(2, "x"));
    wait_until("refusals", || rx.seen().refused_auth >= 3);
    let st = stats_of(&h, "splunk");
    assert_eq!(st.dead_lettered, 0);
    assert_eq!(st.queued, 2, "kept until the token is fixed");
    let err = st.last_error.unwrap();
    assert!(
        err.contains("403") && !err.contains("the-wrong-secret"),
        "{err}"
    );
}

fn bulk_toml(name: &str, addr: std::net::SocketAddr, key_file: &str, extra: &str) -> String {
    format!(
        "[[forward]]\nname = \"{name}\"\ntype = \"elasticsearch\"\nurl = \"http://{addr}/\"\ntoken_file = \"{key_file}\"\nallow_insecure_http = true\nindex = \"logs-sightline\"\n{FAST}{extra}\n"
    )
}

#[test]
fn bulk_partial_failure_retries_only_429_and_dead_letters_400() {
    let dir = tempfile::tempdir().unwrap();
    let key = secret_file(dir.path(), "k", "a2V5OnNlY3JldA==");
    let rx = bulk(
        TcpListener::bind("127.0.0.1:0").unwrap(),
        "a2V5OnNlY3JldA==",
    );
    rx.seen().busy_once = vec!["ok-1".into(), "ok-3".into()];
    let f = forwarders(&bulk_toml("es", rx.addr, &key, ""));
    let h = f.start(&dir.path().join("state")).unwrap();
    let evs = vec![
        event(0, "ok-0"),
        event(1, "ok-1"),
        event(2, "reject-2"),
        event(3, "ok-3"),
        event(4, "ok-4"),
    ];
    h.enqueue_events(&evs);
    wait_until("the batch resolved", || stats_of(&h, "es").queued == 0);
    let seen = rx.seen();
    assert_eq!(seen.ids.len(), 4, "every good document once");
    for ev in [&evs[0], &evs[1], &evs[3], &evs[4]] {
        let doc = &seen.ids[&("logs-sightline".to_owned(), ev.id.to_string())];
        assert_eq!(doc["message"], ev.message);
    }
    // The 429 items went again, alone: the first pass stored 0 and 4.
    let order: Vec<&str> = seen
        .docs
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["ok-0", "ok-4", "ok-1", "ok-3"]);
    drop(seen);
    let st = stats_of(&h, "es");
    assert_eq!((st.sent, st.dead_lettered), (4, 1), "{st:?}");
    let dead = std::fs::read_to_string(dir.path().join("state/es/dead-letter.jsonl")).unwrap();
    assert!(dead.contains("reject-2") && dead.contains("document_parsing_exception"));
}

#[test]
fn a_bulk_batch_sent_twice_creates_no_duplicates() {
    // The receiver stores the batch but the answer is lost: a 409 per item on
    // the resend counts as delivered.
    let dir = tempfile::tempdir().unwrap();
    let key = secret_file(dir.path(), "k", "key");
    let rx = bulk(TcpListener::bind("127.0.0.1:0").unwrap(), "key");
    let f = forwarders(&bulk_toml("es", rx.addr, &key, ""));
    let evs = events(3, "dup");
    {
        let h = f.start(&dir.path().join("first")).unwrap();
        h.enqueue_events(&evs);
        wait_until("sent", || stats_of(&h, "es").sent == 3);
    }
    let h = f.start(&dir.path().join("second")).unwrap();
    h.enqueue_events(&evs);
    wait_until("resolved", || stats_of(&h, "es").queued == 0);
    assert_eq!(stats_of(&h, "es").sent, 3);
    assert_eq!(stats_of(&h, "es").dead_lettered, 0);
    assert_eq!(rx.seen().ids.len(), 3);
}

#[test]
fn destination_down_at_start_then_up_gets_everything_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let token = secret_file(dir.path(), "t", "tok");
    let addr = free_addr();
    let f = forwarders(&hec_toml("splunk", addr, &token, "batch_max_events = 5"));
    let h = f.start(&dir.path().join("state")).unwrap();
    h.enqueue_events(&events(12, "late"));
    wait_until("failed attempts", || stats_of(&h, "splunk").retried >= 2);
    assert_eq!(stats_of(&h, "splunk").queued, 12);
    let rx = hec(TcpListener::bind(addr).unwrap(), "tok");
    wait_until("delivery", || stats_of(&h, "splunk").queued == 0);
    let want: Vec<String> = (0..12).map(|i| format!("late-{i}")).collect();
    assert_eq!(rx.messages(), want);
}

#[test]
fn spooled_items_are_sent_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let token = secret_file(dir.path(), "t", "tok");
    let addr = free_addr();
    let f = forwarders(&hec_toml("splunk", addr, &token, ""));
    {
        let h = f.start(&state).unwrap();
        h.enqueue_events(&events(6, "kept"));
        wait_until("an attempt", || stats_of(&h, "splunk").retried >= 1);
        // Dropped without delivering.
    }
    let rx = hec(TcpListener::bind(addr).unwrap(), "tok");
    let h = f.start(&state).unwrap();
    assert_eq!(stats_of(&h, "splunk").sent, 0);
    wait_until("delivery after reopening", || rx.seen().docs.len() >= 6);
    let want: Vec<String> = (0..6).map(|i| format!("kept-{i}")).collect();
    assert_eq!(rx.messages(), want);
}

#[test]
fn a_dead_destination_does_not_hold_up_a_live_one_and_refusals_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let token = secret_file(dir.path(), "t", "tok");
    let rx = hec(TcpListener::bind("127.0.0.1:0").unwrap(), "tok");
    let toml = format!(
        "{}{}",
        hec_toml("live", rx.addr, &token, ""),
        hec_toml("dead", free_addr(), &token, "spool_budget = 65536"),
    );
    let f = forwarders(&toml);
    let h = f.start(&dir.path().join("state")).unwrap();
    let big = "x".repeat(2000);
    let mut refused = 0;
    let mut n = 0;
    while refused == 0 {
        let evs: Vec<_> = (n..n + 10)
            .map(|i| event(i, &format!("{big}-{i}")))
            .collect();
        n += 10;
        refused += h.enqueue_events(&evs).refused;
        assert!(n < 1000, "the budget never refused");
    }
    wait_until("the live destination has all", || {
        rx.seen().docs.len() as u64 == n
    });
    let dead = stats_of(&h, "dead");
    assert_eq!(dead.refused, refused);
    assert!(dead.queued > 0 && dead.queued + refused == n, "{dead:?}");
    assert!(dead.last_error.is_some());
    assert_eq!(stats_of(&h, "live").refused, 0);
}

fn alert(id: &str, summary: &str) -> sightline_detect::Alert {
    let t = sightline_event::Timestamp::from_second(1_700_000_100).unwrap();
    sightline_detect::Alert {
        id: id.into(),
        rule_id: "r-1".into(),
        rule_name: "Ray job submitted from a new address".into(),
        level: sightline_detect::rule::Level::High,
        rule_type: "detection".into(),
        first_seen: t,
        last_seen: t,
        count: 1,
        group: [("host.name".to_owned(), "node-1".to_owned())].into(),
        event_ids: vec![],
        summary: summary.into(),
        explanation: String::new(),
        status: sightline_detect::AlertStatus::Open,
        tags: vec![],
    }
}

#[test]
fn alerts_and_filtered_ocsf_events_reach_their_indices() {
    let dir = tempfile::tempdir().unwrap();
    let key = secret_file(dir.path(), "k", "key");
    let rx = bulk(TcpListener::bind("127.0.0.1:0").unwrap(), "key");
    let f = forwarders(&bulk_toml(
        "es",
        rx.addr,
        &key,
        "format = \"ocsf\"\nsend = [\"events\", \"alerts\"]\ndatasets = [\"ray.job\"]\nalerts_index = \"sightline-alerts\"",
    ));
    let h = f.start(&dir.path().join("state")).unwrap();
    let mut other = event(7, "not-forwarded");
    other.dataset = "ray.dashboard".into();
    let report = h.enqueue_events(&[event(1, "kept"), other]);
    assert_eq!(report.accepted, 1, "the dataset filter applies");
    // An alert raised, then updated: the update replaces it.
    h.enqueue_alerts(&[alert("a1", "first")]);
    h.enqueue_alerts(&[alert("a1", "updated")]);
    wait_until("all resolved", || {
        let s = stats_of(&h, "es");
        s.queued == 0 && s.sent == 3
    });
    let seen = rx.seen();
    assert_eq!(seen.ids.len(), 2);
    let a = &seen.ids[&("sightline-alerts".to_owned(), "a1".to_owned())];
    assert_eq!(a["alert.summary"], "updated");
    let (_, ev) = seen
        .ids
        .iter()
        .find(|((i, _), _)| i == "logs-sightline")
        .unwrap();
    assert!(ev.get("class_uid").is_some(), "an OCSF object: {ev}");
}

#[test]
fn max_retries_dead_letters_a_batch_that_keeps_failing() {
    let dir = tempfile::tempdir().unwrap();
    let token = secret_file(dir.path(), "t", "tok");
    let rx = hec(TcpListener::bind("127.0.0.1:0").unwrap(), "tok");
    rx.seen().fail_next.extend([503, 500, 503]);
    let f = forwarders(&hec_toml("splunk", rx.addr, &token, "max_retries = 2"));
    let h = f.start(&dir.path().join("state")).unwrap();
    h.enqueue_events(&events(2, "doomed"));
    wait_until("given up", || stats_of(&h, "splunk").dead_lettered == 2);
    let st = stats_of(&h, "splunk");
    assert_eq!((st.retried, st.sent, st.queued), (3, 0, 0), "{st:?}");
    let dead = std::fs::read_to_string(dir.path().join("state/splunk/dead-letter.jsonl")).unwrap();
    assert!(dead.contains("gave up after 3 attempts"), "{dead}");
    h.enqueue_events(&[event(5, "after")]);
    wait_until("the next batch", || rx.seen().docs.len() == 1);
}
