//! Routing on a running server: alerts reach the configured receiver through
//! the routing sink, silences (created and expired by analysts only, audited)
//! mute what they match and survive a restart, `routes test` explains, and a
//! resolved alert is announced.

use crate::support::*;
use std::process::Command;
use std::time::Duration;

const ROUTING: &str = r#"
[routing]
receiver = "soc"
group_by = ["rule", "source.ip"]
group_wait = "0s"
group_interval = "1s"
send_resolved = true

[risk]
enabled = false
"#;

fn notifications(log: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("sightline::notify") && l.contains("notification"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn silences_mute_alerts_survive_a_restart_and_only_analysts_make_them() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let server = Server::start_logged(dir.path(), ROUTING, &log);
    let c = client(&server.data());
    let url = server.url.clone();
    let analyst = make_token(&c, &url, "ana", "analyst");
    let viewer = make_token(&c, &url, "vic", "viewer");
    let silences = format!("{url}/api/v1/silences");
    let spec = serde_json::json!({
        "matchers": ["source.ip = \"10.5.5.5\""], "duration": "1h",
        "comment": "authorised scan from the red team",
    });

    // Only analysts and admins make silences; nobody can claim another's name.
    assert_eq!(
        c.send(c.raw().post(&silences).json(&spec)).status,
        401,
        "no token"
    );
    assert_eq!(c.post_json(&silences, &viewer, &spec).status, 403);
    let mut spoofed = spec.clone();
    spoofed["created_by"] = "admin".into();
    assert_ne!(c.post_json(&silences, &analyst, &spoofed).status, 201);
    let everything = serde_json::json!({
        "matchers": ["rule =~ \".*\""], "duration": "1h", "comment": "mute it all",
    });
    let r = c.post_json(&silences, &analyst, &everything);
    assert_eq!(r.status, 400, "a silence of everything: {}", r.body);
    let r = c.post_json(&silences, &analyst, &spec);
    assert_eq!(r.status, 201, "{}", r.body);
    let silence = r.json();
    let id = silence["id"].as_str().unwrap().to_owned();
    assert_eq!(silence["created_by"], "ana");

    // Two addresses brute-force the Jobs API; only the unsilenced one notifies.
    for ip in ["10.5.5.5", "10.5.5.6"] {
        let r = c.post(
            &format!("{url}/api/v1/ingest"),
            Some(ADMIN),
            ray_lines(12, ip),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let alert_of = |ip: &str| {
        let r = c.get(&format!("{url}/api/v1/alerts"), Some(ADMIN));
        r.json()["alerts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .find(|a| a["alert.group"]["source.ip"] == ip)
    };
    eventually("alerts for both addresses", || {
        alert_of("10.5.5.5").is_some() && alert_of("10.5.5.6").is_some()
    });
    eventually("a notification for the unsilenced address", || {
        notifications(&log)
            .iter()
            .any(|l| l.contains("10.5.5.6") && l.contains("receiver=soc") && l.contains("Firing"))
    });
    // Both alerts were routed in the same batches; give the sink two more ticks.
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        !notifications(&log).iter().any(|l| l.contains("10.5.5.5")),
        "the silenced address notified: {:#?}",
        notifications(&log)
    );

    let notified = metric(&c, &url, ADMIN, "sightline_notifications_total");
    assert!(notified >= 1.0, "notifications counted: {notified}");
    assert!(metric(&c, &url, ADMIN, "sightline_routing_alerts_tracked") >= 2.0);

    // `routes test` says why.
    let rule = alert_of("10.5.5.5").unwrap()["rule.name"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = c.post_json(
        &format!("{url}/api/v1/routes/test"),
        &viewer,
        &serde_json::json!({"labels": {"rule": rule, "source.ip": "10.5.5.5", "level": "high"}}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["muted"], true, "{}", r.body);
    assert!(r.json()["text"].as_str().unwrap().contains("silenced by"));

    // Resolving the other alert announces it (send_resolved).
    let other = alert_of("10.5.5.6").unwrap()["alert.id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = c.post_json(
        &format!("{url}/api/v1/alerts/{other}/state"),
        &analyst,
        &serde_json::json!({"state": "resolved", "note": "blocked at the firewall"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    eventually("the resolved notification", || {
        notifications(&log)
            .iter()
            .any(|l| l.contains("10.5.5.6") && l.contains("Resolved"))
    });

    // Expiring: viewers may not, analysts may, once.
    let one = format!("{silences}/{id}");
    assert_eq!(
        c.send(c.raw().delete(&one).bearer_auth(&viewer)).status,
        403
    );
    assert_eq!(
        c.send(c.raw().delete(&one).bearer_auth(&analyst)).status,
        200
    );
    assert_eq!(
        c.send(c.raw().delete(&one).bearer_auth(&analyst)).status,
        409
    );
    for action in ["silence-create", "silence-expire"] {
        let q = format!(
            "event.dataset:sightline.audit AND event.action:{action} AND user.name:ana AND event.outcome:success"
        );
        eventually(action, || search_count(&c, &url, ADMIN, &q) == 1);
    }
    server.stop();

    // After a restart the silence is still there, still expired.
    let server = Server::start_logged(dir.path(), ROUTING, &log);
    let c = client(&server.data());
    let out = Command::new(bin())
        .args([
            "silences",
            "list",
            "--jsonl",
            "--server",
            &server.url,
            "--ca",
        ])
        .arg(server.data().join("tls/cert.pem"))
        .env("SIGHTLINE_TOKEN", &viewer)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["state"], "expired");
    assert_eq!(listed[0]["expired_by"], "ana");
    assert_eq!(
        c.get(&format!("{}/api/v1/silences", server.url), None)
            .status,
        401
    );
    server.stop();

    // `routes test` from the configuration file alone.
    let out = Command::new(bin())
        .args(["routes", "test", "--config"])
        .arg(dir.path().join("sightline.toml"))
        .args(["rule=Anything", "source.ip=192.0.2.1"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("-> receiver soc"), "{text}");
}
