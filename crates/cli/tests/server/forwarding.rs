//! Forwarding on a running server: stored events reach another Sightline
//! server's Splunk HEC receiver (a real HEC implementation over TLS), and
//! the destination's counters show on /metrics.

use crate::support::*;

#[test]
fn stored_events_are_forwarded_to_a_hec_receiver() {
    let siem_dir = tempfile::tempdir().unwrap();
    let siem = Server::start(siem_dir.path(), "");
    let c = client(&siem.data());
    let r = c.post_json(
        &format!("{}/api/v1/tokens", siem.url),
        ADMIN,
        &serde_json::json!({"name": "from-sightline", "role": "ingest"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let token = r.json()["token"].as_str().unwrap().to_owned();

    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("hec.token");
    std::fs::write(&token_file, &token).unwrap();
    let forward = format!(
        "[[forward]]\nname = \"siem\"\ntype = \"splunk_hec\"\nurl = \"{}\"\ntoken_file = \"{}\"\ntls_ca_file = \"{}\"\nsend = [\"events\"]\nbatch_max_delay = \"200ms\"\n",
        siem.url,
        token_file.display(),
        siem.data().join("tls/cert.pem").display()
    );
    let server = Server::start(dir.path(), &forward);
    let c2 = client(&server.data());
    let r = c2.post(
        &format!("{}/api/v1/ingest", server.url),
        Some(ADMIN),
        ray_lines(12, "10.44.0.7"),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    eventually("the events at the SIEM", || {
        search_count(
            &c,
            &siem.url,
            ADMIN,
            "10.44.0.7 AND http.response.status_code:401",
        ) >= 12
    });
    // Once each: the SIEM holds the same twelve events, their ECS fields intact.
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(
        search_count(
            &c,
            &siem.url,
            ADMIN,
            "10.44.0.7 AND http.response.status_code:401"
        ),
        12
    );
    assert!(
        metric(
            &c2,
            &server.url,
            ADMIN,
            "sightline_forward_sent_total{destination=\"siem\"}"
        ) >= 12.0
    );
    assert!(
        !std::fs::read_to_string(dir.path().join("sightline.toml"))
            .unwrap()
            .contains(&token),
        "the token is read from its file"
    );
    server.stop();
    siem.stop();
}
