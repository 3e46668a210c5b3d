//! The routing sink's side of the server in-process: alert changes in,
//! notifications out through a test outbox, risk alerts stored.

use super::*;
use crate::pipeline::EvidenceContext;
use std::sync::atomic::AtomicBool;

#[derive(Default)]
struct TestOutbox {
    kept: Mutex<Vec<Notification>>,
    refuse: AtomicBool,
}

impl Outbox for TestOutbox {
    fn keep(&self, n: &[Notification]) -> Result<(), String> {
        if self.refuse.load(Ordering::Relaxed) {
            return Err("spool full".into());
        }
        self.kept.lock().unwrap().extend_from_slice(n);
        Ok(())
    }
}

fn routing(text: &str) -> Routing {
    #[derive(serde::Deserialize)]
    struct File {
        routing: sightline_route::RoutingSection,
        #[serde(default)]
        risk: sightline_route::RiskSection,
    }
    let f: File = toml::from_str(text).unwrap();
    Routing::compile(&f.routing, &[], &f.risk).unwrap()
}

fn change(id: &str, host: Option<&str>, ip: &str) -> AlertChange {
    let now = jiff::Timestamp::now();
    AlertChange {
        alert: sightline_detect::Alert {
            id: id.into(),
            rule_id: "r1".into(),
            rule_name: "Ray Jobs API brute force".into(),
            level: Level::High,
            rule_type: "event_count".into(),
            first_seen: now,
            last_seen: now,
            count: 12,
            group: BTreeMap::from([("source.ip".to_string(), ip.to_string())]),
            event_ids: vec![],
            summary: format!("12 failures from {ip}"),
            explanation: String::new(),
            status: sightline_detect::AlertStatus::Open,
            tags: vec![],
        },
        is_new: true,
        triage: TriageState::Open,
        context: EvidenceContext {
            dataset: Some("ray.dashboard".into()),
            module: Some("ray".into()),
            host: host.map(str::to_owned),
        },
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    acting: Acting,
    outbox: Arc<TestOutbox>,
    alerts: Arc<AlertStore>,
}

fn setup(text: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let alerts = Arc::new(AlertStore::open(dir.path().join("alerts.db")).unwrap());
    let outbox = Arc::new(TestOutbox::default());
    let acting = Acting::open(
        routing(text),
        dir.path(),
        Arc::clone(&alerts),
        Arc::clone(&outbox) as Arc<dyn Outbox>,
        Some("https://sightline.example.org/".into()),
    )
    .unwrap();
    Setup {
        _dir: dir,
        acting,
        outbox,
        alerts,
    }
}

const BY_HOST: &str = r#"
[routing]
receiver = "soc"
group_by = ["host"]
group_wait = "0s"
[risk]
enabled = false
"#;

#[test]
fn an_update_without_evidence_stays_in_its_group_and_links_to_the_alert() {
    let s = setup(BY_HOST);
    let now = jiff::Timestamp::now();
    s.acting
        .observe_changes(&[change("a1", Some("gpu-7"), "10.0.0.1")], now);
    s.acting.flush(now);
    // A later update released by the watermark carries no evidence context.
    s.acting
        .observe_changes(&[change("a1", None, "10.0.0.1")], now);
    s.acting.flush(now);
    let kept = s.outbox.kept.lock().unwrap().clone();
    assert_eq!(kept.len(), 1, "{kept:#?}");
    assert_eq!(
        kept[0].group_labels.get("host").map(String::as_str),
        Some("gpu-7")
    );
    let a = &kept[0].firing[0];
    assert_eq!(
        a.labels.get("dataset").map(String::as_str),
        Some("ray.dashboard")
    );
    assert_eq!(
        a.url.as_deref(),
        Some("https://sightline.example.org/alerts/a1")
    );
    let tracked = s.acting.lock().tracked("a1").cloned().unwrap();
    assert_eq!(
        tracked.labels.get("host").map(String::as_str),
        Some("gpu-7")
    );
}

#[test]
fn a_refusing_outbox_gets_the_same_notification_again() {
    let s = setup(BY_HOST);
    let now = jiff::Timestamp::now();
    s.outbox.refuse.store(true, Ordering::Relaxed);
    s.acting
        .observe_changes(&[change("a1", Some("h"), "10.0.0.1")], now);
    s.acting.flush(now);
    assert_eq!(s.acting.counters.outbox_failures.load(Ordering::Relaxed), 1);
    assert_eq!(s.acting.counters.notifications.load(Ordering::Relaxed), 0);
    s.outbox.refuse.store(false, Ordering::Relaxed);
    s.acting.flush(now);
    s.acting.flush(now);
    assert_eq!(
        s.outbox.kept.lock().unwrap().len(),
        1,
        "offered again, once"
    );
    assert_eq!(s.acting.counters.notifications.load(Ordering::Relaxed), 1);
}

#[test]
fn a_risky_host_raises_a_stored_and_routed_risk_alert() {
    let s = setup(
        r#"
[routing]
receiver = "soc"
group_by = ["rule"]
group_wait = "0s"
[risk]
entities = ["host"]
threshold = 50
[risk.scores]
high = 20
"#,
    );
    let now = jiff::Timestamp::now();
    let changes: Vec<AlertChange> = (0..3)
        .map(|i| change(&format!("a{i}"), Some("gpu-7"), &format!("10.0.0.{i}")))
        .collect();
    s.acting.observe_changes(&changes, now);
    s.acting.flush(now);
    let stored = s
        .alerts
        .list(&sightline_alerts::AlertFilter::default())
        .unwrap();
    let risk: Vec<_> = stored
        .iter()
        .filter(|r| r.alert.rule_type == "risk")
        .collect();
    assert_eq!(risk.len(), 1, "{stored:#?}");
    assert_eq!(
        risk[0].alert.group.get("host").map(String::as_str),
        Some("gpu-7")
    );
    let kept = s.outbox.kept.lock().unwrap();
    assert!(
        kept.iter()
            .flat_map(|n| &n.firing)
            .any(|a| a.id == risk[0].alert.id),
        "the risk alert is routed too: {kept:#?}"
    );
}
