//! Automated response on a running server: an alert decides a command run
//! that waits for an analyst; a viewer cannot approve, an analyst can (once);
//! the command then runs with the alert's address as one literal argument,
//! and every step is an audit record.

use crate::support::*;

#[test]
fn an_approved_command_runs_once_and_every_step_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("blocked");
    std::fs::create_dir(&marker).unwrap();
    let response = format!(
        r#"
[[response.action]]
name = "block-address"
type = "command"
matchers = ['source.ip = "10.66.0.9"']
argv = ["/usr/bin/touch", "{}/{{source.ip}}"]
target = "{{source.ip}}"
allow = ["10.66.0.0/24"]
dry_run = false
require_approval = true
"#,
        marker.display()
    );
    let server = Server::start(dir.path(), &response);
    let c = client(&server.data());
    let url = server.url.clone();
    let analyst = make_token(&c, &url, "ana", "analyst");
    let viewer = make_token(&c, &url, "vic", "viewer");
    let r = c.post(
        &format!("{url}/api/v1/ingest"),
        Some(ADMIN),
        ray_lines(12, "10.66.0.9"),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let mut run_id = 0;
    eventually("a run waiting for approval", || {
        let runs = c
            .get(&format!("{url}/api/v1/responses"), Some(&viewer))
            .json();
        match runs["runs"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["state"] == "pending_approval"))
        {
            Some(r) => {
                run_id = r["id"].as_i64().unwrap();
                true
            }
            None => false,
        }
    });
    let ran = marker.join("10.66.0.9");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(!ran.exists(), "nothing runs before approval");
    let approve = format!("{url}/api/v1/responses/{run_id}/approve");
    assert_eq!(
        c.post_json(&approve, &viewer, &serde_json::json!({}))
            .status,
        403
    );
    let r = c.post_json(&approve, &analyst, &serde_json::json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        c.post_json(&approve, &analyst, &serde_json::json!({}))
            .status,
        409,
        "approved once"
    );
    eventually("the command to run", || ran.exists());
    eventually("the run to succeed", || {
        let runs = c
            .get(&format!("{url}/api/v1/responses"), Some(&viewer))
            .json();
        runs["runs"].as_array().is_some_and(|r| {
            r.iter()
                .any(|r| r["id"] == run_id && r["state"] == "succeeded")
        })
    });
    for q in [
        "event.action:response-pending_approval",
        "event.action:response-approve AND user.name:ana AND event.outcome:success",
        "event.action:response-succeeded",
    ] {
        let q = format!("event.dataset:sightline.audit AND {q}");
        eventually(&q, || search_count(&c, &url, ADMIN, &q) >= 1);
    }
    server.stop();
}
