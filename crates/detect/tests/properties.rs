//! Property tests: the parser never panics, and the compiled matcher (with
//! dispatch and prefilter) agrees with the naive reference interpreter.

use proptest::prelude::*;
use sightline_detect::compile::CompileOptions;
use sightline_detect::modifiers::Modifier;
use sightline_detect::rule::{
    Detection, DetectionRule, FieldItem, LogSource, Meta, RuleDoc, Scalar, Search, SearchBody,
    parse_documents,
};
use sightline_detect::{RuleSet, condition, naive};
use sightline_event::{Event, EventId, Timestamp, Value};

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parser_never_panics_on_arbitrary_text(text in "\\PC{0,300}") {
        let _ = parse_documents("p.yml", &text);
    }

    #[test]
    fn parser_never_panics_on_yaml_shaped_text(
        lines in proptest::collection::vec(
            (0usize..4, "(title|detection|condition|logsource|sel|correlation|filter|rules|type|timespan|[a-z.|]{1,12})",
             "(: |:|- |: \\[|: \\{|: &a |: \\*a|)", "[a-z0-9 '\"*?|\\\\\\[\\]{},:&!%-]{0,16}"),
            0..24)
    ) {
        let mut text = String::new();
        for (indent, key, sep, val) in lines {
            text.push_str(&"  ".repeat(indent));
            text.push_str(&key);
            text.push_str(&sep);
            text.push_str(&val);
            text.push('\n');
        }
        let (docs, _) = parse_documents("p.yml", &text);
        // Whatever parsed must also compile without panicking.
        let _ = RuleSet::compile(docs, &CompileOptions::default());
    }

    #[test]
    fn condition_parser_never_panics(text in "[a-z1 ()*_|]{0,60}|(and|or|not|of|them|all|1| |\\(|\\)|sel\\*|x){0,30}") {
        let _ = condition::parse(&text);
    }
}

const FIELDS: &[&str] = &[
    "user.name",
    "url.path",
    "source.ip",
    "message",
    "http.response.status_code",
    "user.roles",
];
const WORDS: &[&str] = &[
    "ab",
    "AB",
    "abc",
    "xyz",
    "a*",
    "*b*",
    "a?c",
    "10.0.0.1",
    "/api/jobs",
    "",
    "Ab c",
    "xAbCx",
];

fn arb_scalar() -> impl Strategy<Value = Scalar> {
    prop_oneof![
        8 => prop::sample::select(WORDS).prop_map(|w| Scalar::Str(w.to_owned())),
        1 => (0i64..3).prop_map(Scalar::Int),
        1 => Just(Scalar::Null),
    ]
}

fn arb_mods() -> impl Strategy<Value = Vec<Modifier>> {
    prop_oneof![
        4 => Just(vec![]),
        2 => Just(vec![Modifier::Contains]),
        1 => Just(vec![Modifier::StartsWith]),
        1 => Just(vec![Modifier::EndsWith]),
        1 => Just(vec![Modifier::Contains, Modifier::All]),
        1 => Just(vec![Modifier::Cased]),
        1 => Just(vec![Modifier::Contains, Modifier::Cased]),
        1 => Just(vec![Modifier::Neq]),
        1 => Just(vec![Modifier::Windash, Modifier::Contains]),
        1 => Just(vec![Modifier::Base64, Modifier::Contains]),
    ]
}

fn arb_item() -> impl Strategy<Value = FieldItem> {
    (
        prop::sample::select(FIELDS),
        arb_mods(),
        proptest::collection::vec(arb_scalar(), 1..3),
    )
        .prop_map(|(f, mods, values)| {
            let mut values = values;
            // Encodings and wildcard modifiers need plain strings.
            if !mods.is_empty() {
                values = values
                    .into_iter()
                    .map(|v| match v {
                        Scalar::Str(s) if mods.contains(&Modifier::Base64) => {
                            Scalar::Str(s.replace(['*', '?'], ""))
                        }
                        Scalar::Null => Scalar::Str("ab".into()),
                        other => other,
                    })
                    .collect();
            }
            FieldItem {
                field: f.to_owned(),
                modifiers: mods,
                values,
                line: 1,
            }
        })
}

fn arb_body() -> impl Strategy<Value = SearchBody> {
    prop_oneof![
        4 => proptest::collection::vec(arb_item(), 1..3).prop_map(SearchBody::Map),
        1 => proptest::collection::vec(prop::sample::select(&WORDS[..9]).prop_map(|w| Scalar::Str(w.to_owned())), 1..3)
            .prop_map(SearchBody::Keywords),
        1 => proptest::collection::vec(proptest::collection::vec(arb_item(), 1..3).prop_map(SearchBody::Map), 1..3)
            .prop_map(SearchBody::AnyOf),
    ]
}

fn arb_cond(n: usize) -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (0..n).prop_map(|i| format!("s{i}")),
        Just("1 of s*".to_owned()),
        Just("all of them".to_owned()),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
            inner.clone().prop_map(|a| format!("not {a}")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("{a} or not {b}")),
        ]
    })
}

fn arb_rule() -> impl Strategy<Value = DetectionRule> {
    (1usize..4)
        .prop_flat_map(|n| {
            (
                proptest::collection::vec(arb_body(), n),
                arb_cond(n),
                prop::bool::ANY,
            )
        })
        .prop_map(|(bodies, cond, ray_only)| DetectionRule {
            meta: Meta {
                title: "p".into(),
                ..Default::default()
            },
            logsource: LogSource {
                product: ray_only.then(|| "ray".into()),
                ..Default::default()
            },
            detection: Detection {
                searches: bodies
                    .into_iter()
                    .enumerate()
                    .map(|(i, body)| Search {
                        name: format!("s{i}"),
                        line: 1,
                        body,
                    })
                    .collect(),
                conditions: vec![(cond, 1)],
            },
        })
}

fn arb_event() -> impl Strategy<Value = Event> {
    let text = prop_oneof![
        prop::sample::select(
            &[
                "ab",
                "AB",
                "abc",
                "xyz",
                "10.0.0.1",
                "/api/jobs/1",
                "",
                "YWJj",
                "x -ab",
                "x /ab",
                "Ab c",
                "xAbCx",
                "a?c"
            ][..]
        )
        .prop_map(str::to_owned),
        "[abcAB/ ?*-]{0,6}",
    ];
    (
        proptest::collection::vec((prop::sample::select(FIELDS), text.clone(), 0u8..4), 0..5),
        text,
        prop::bool::ANY,
    )
        .prop_map(|(fields, msg, ray)| {
            let ts: Timestamp = "2026-11-22T12:00:00Z".parse().unwrap();
            let mut ev = Event::new(
                EventId::derive("p", 0, b""),
                ts,
                if ray { "ray" } else { "mesos" },
                "d",
                "orig",
            );
            ev.message = msg;
            for (f, v, kind) in fields {
                if f == "message" {
                    ev.message = v;
                    continue;
                }
                let value = match kind {
                    0 if v.len() < 2 => Value::Int(v.len() as i64),
                    1 => Value::List(vec![v.clone(), "ab".into()]),
                    _ => Value::Str(v),
                };
                ev.set_dynamic(f.to_owned(), value);
            }
            ev
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn compiled_matcher_equals_naive_interpreter(rules in proptest::collection::vec(arb_rule(), 1..6),
                                                 events in proptest::collection::vec(arb_event(), 1..6)) {
        let docs: Vec<RuleDoc> = rules.iter().cloned().map(RuleDoc::Detection).collect();
        let (set, errors) = RuleSet::compile(docs, &CompileOptions::default());
        prop_assert!(errors.is_empty(), "{:?}", errors);
        for ev in &events {
            let fast = set.matching_rules(ev);
            for (i, r) in rules.iter().enumerate() {
                if let Some(expected) = naive::matches(r, ev) {
                    prop_assert_eq!(fast.contains(&i), expected, "rule {:?}\nevent {}", r, ev.to_json());
                }
            }
        }
    }
}
