//! Detection on a running server: correlation windows that span a restart,
//! and tuning edits (an exception added to the tuning file is picked up
//! without a restart, audited with its owner, reason and expiry, and stops
//! alerts for what it matches and only that).

use crate::support::*;

#[test]
fn an_exception_added_to_the_tuning_file_applies_live_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let tuning = dir.path().join("tuning.yml");
    std::fs::write(&tuning, "# nothing tuned yet\n").unwrap();
    let server = Server::start(
        dir.path(),
        &format!(
            "[detect]\ntuning = \"{}\"\nreload_interval = \"1s\"\n",
            tuning.display()
        ),
    );
    let c = client(&server.data());
    let url = &server.url;
    let expires = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .saturating_add(jiff::Span::new().days(30));
    std::fs::write(
        &tuning,
        format!(
            "exceptions:\n  - match: {{source.ip: 10.7.7.7}}\n    owner: ana@example.org\n    reason: authorised penetration test\n    expires: {expires}\n"
        ),
    )
    .unwrap();
    let audited = "event.dataset:sightline.audit AND event.action:tuning-exception-added";
    eventually("the exception to be audited", || {
        search_count(&c, url, ADMIN, audited) == 1
    });
    let r = c.send(
        c.raw()
            .get(format!("{url}/api/v1/search"))
            .bearer_auth(ADMIN)
            .query(&[("q", audited), ("limit", "1")]),
    );
    let record = r.json()["events"][0]["event.original"]
        .as_str()
        .unwrap()
        .to_owned();
    for part in [
        "ana@example.org",
        "authorised penetration test",
        &expires.to_string(),
        "10.7.7.7",
    ] {
        assert!(record.contains(part), "audit record names {part}: {record}");
    }

    // The excepted address raises nothing; another one doing the same does.
    for ip in ["10.7.7.7", "10.7.7.8"] {
        let r = c.post(
            &format!("{url}/api/v1/ingest"),
            Some(ADMIN),
            ray_lines(12, ip),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let alerts_for = |ip: &str| {
        let r = c.get(&format!("{url}/api/v1/alerts"), Some(ADMIN));
        r.json()["alerts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|a| a["alert.group"]["source.ip"] == ip)
            .count()
    };
    eventually("an alert for the other address", || {
        alerts_for("10.7.7.8") > 0
    });
    assert_eq!(alerts_for("10.7.7.7"), 0, "the exception holds");

    // Removing it is audited too.
    std::fs::write(&tuning, "# exception withdrawn\n").unwrap();
    eventually("the removal to be audited", || {
        search_count(
            &c,
            url,
            ADMIN,
            "event.dataset:sightline.audit AND event.action:tuning-exception-removed",
        ) == 1
    });
    server.stop();
}

/// Ray dashboard access lines: `GET /api/jobs/` refused with 401 from `ip`,
/// one a second from 12:40:00, at offsets from `first`.
fn refused_gets(first: u64, n: u64, ip: &str) -> String {
    (first..first + n)
        .map(|i| {
            format!(
                "{{\"stream\":\"/tmp/ray/session_latest/logs/dashboard.log\",\"offset\":{off},\"line\":\"2026-11-22 12:40:{i:02},000\\tINFO web_log.py:206 -- {ip} [22/Nov/2026:12:40:{i:02} +0000] \\\"GET /api/jobs/ HTTP/1.1\\\" 401 173 \\\"-\\\" \\\"python-requests/2.31\\\"\"}}\n",
                off = i * 200,
            )
        })
        .collect()
}

#[test]
fn a_correlation_window_survives_a_restart() {
    const BURST: &str = "Burst of unauthenticated or wrong-token requests";
    let dir = tempfile::tempdir().unwrap();
    let burst_alerts = |c: &shim::blocking_shim::Client, url: &str| {
        let r = c.get(&format!("{url}/api/v1/alerts"), Some(ADMIN));
        r.json()["alerts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|a| {
                a["alert.group"]["source.ip"] == "10.5.5.5"
                    && a["rule.name"]
                        .as_str()
                        .is_some_and(|n| n.starts_with(BURST))
            })
            .count()
    };
    // Three refusals (the rule needs five in five minutes), then a restart.
    let server = Server::start(dir.path(), "");
    let c = client(&server.data());
    let r = c.post(
        &format!("{}/api/v1/ingest", server.url),
        Some(ADMIN),
        refused_gets(0, 3, "10.5.5.5"),
    );
    assert_eq!(r.json()["stored"], 3, "{}", r.body);
    assert_eq!(burst_alerts(&c, &server.url), 0);
    server.stop();

    // Two more after the restart complete the burst only if the window was kept.
    let server = Server::start(dir.path(), "");
    let c = client(&server.data());
    let r = c.post(
        &format!("{}/api/v1/ingest", server.url),
        Some(ADMIN),
        refused_gets(3, 2, "10.5.5.5"),
    );
    assert_eq!(r.json()["stored"], 2, "{}", r.body);
    eventually("the burst alert", || burst_alerts(&c, &server.url) == 1);
    server.stop();
}
