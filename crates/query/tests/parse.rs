//! The parser: every construct, precedence, errors and limits.

use sightline_query::{Aggregation, Expr, Query, Scalar, parse};
use std::ops::Bound;

fn f(s: &str) -> Expr {
    match parse(s) {
        Ok(q) => {
            assert_eq!(q.aggregation, None, "{s}");
            q.filter
        }
        Err(e) => panic!("{s:?}: {e}"),
    }
}

fn term(field: &str, value: &str) -> Expr {
    Expr::Term {
        field: Some(field.into()),
        value: value.into(),
    }
}

fn word(value: &str) -> Expr {
    Expr::Term {
        field: None,
        value: value.into(),
    }
}

fn not(e: Expr) -> Expr {
    Expr::Not(Box::new(e))
}

fn err(s: &str) -> (usize, String) {
    match parse(s) {
        Ok(q) => panic!("{s:?} parsed: {q:?}"),
        Err(e) => {
            // Display always leads with the position.
            assert!(e.to_string().starts_with(&format!("at {}: ", e.position)));
            (e.position, e.message)
        }
    }
}

#[test]
fn empty_and_star_are_all() {
    assert_eq!(f(""), Expr::All);
    assert_eq!(f("   "), Expr::All);
    assert_eq!(f("*"), Expr::All);
    assert_eq!(
        parse("| count").unwrap(),
        Query {
            filter: Expr::All,
            aggregation: Some(Aggregation::Count)
        }
    );
}

#[test]
fn field_terms() {
    assert_eq!(f("source.ip:10.0.0.5"), term("source.ip", "10.0.0.5"));
    assert_eq!(
        f("@timestamp:2026-01-02T10:00:00Z"),
        term("@timestamp", "2026-01-02T10:00:00Z")
    );
    assert_eq!(
        f("url.full:http://x/y?"),
        Expr::Wildcard {
            field: Some("url.full".into()),
            pattern: "http://x/y?".into()
        }
    );
    assert_eq!(f("labels.foo-bar_1:X"), term("labels.foo-bar_1", "X"));
    assert_eq!(
        f("http.response.status_code:401"),
        term("http.response.status_code", "401")
    );
    assert_eq!(f("n:-5"), term("n", "-5"));
}

#[test]
fn phrases_and_free_text() {
    assert_eq!(
        f(r#"message:"Failed password""#),
        Expr::Phrase {
            field: Some("message".into()),
            text: "Failed password".into()
        }
    );
    assert_eq!(
        f(r#""Failed password""#),
        Expr::Phrase {
            field: None,
            text: "Failed password".into()
        }
    );
    assert_eq!(f("root"), word("root"));
    // A bare word with separators is the phrase of its tokens.
    assert_eq!(
        f("10.0.0.5"),
        Expr::Phrase {
            field: None,
            text: "10.0.0.5".into()
        }
    );
    assert_eq!(
        f(r#""say \"hi\"""#),
        Expr::Phrase {
            field: None,
            text: r#"say "hi""#.into()
        }
    );
}

#[test]
fn wildcards_and_exists() {
    assert_eq!(
        f("user.name:adm*"),
        Expr::Wildcard {
            field: Some("user.name".into()),
            pattern: "adm*".into()
        }
    );
    assert_eq!(
        f("pass?ord"),
        Expr::Wildcard {
            field: None,
            pattern: "pass?ord".into()
        }
    );
    assert_eq!(
        f("user.name:*"),
        Expr::Exists {
            field: "user.name".into()
        }
    );
    assert_eq!(
        f("_exists_:user.name"),
        Expr::Exists {
            field: "user.name".into()
        }
    );
    assert_eq!(
        f("user.name:[* TO *]"),
        Expr::Exists {
            field: "user.name".into()
        }
    );
}

#[test]
fn escapes() {
    assert_eq!(f(r"user.name:\*"), term("user.name", "*"));
    assert_eq!(f(r"a:b\:c"), term("a", "b:c"));
    assert_eq!(f(r"a:x\(1\)"), term("a", "x(1)"));
    assert_eq!(f(r"a:John\ Smith"), term("a", "John Smith"));
    assert_eq!(f(r#"a:say\"hi\""#), term("a", r#"say"hi""#));
    // An escaped star inside a wildcard stays literal in the pattern.
    assert_eq!(
        f(r"a:x\*y*"),
        Expr::Wildcard {
            field: Some("a".into()),
            pattern: r"x\*y*".into()
        }
    );
    // An escaped keyword is a word.
    assert_eq!(f(r"\AND"), word("AND"));
}

#[test]
fn ranges() {
    let r = |field: &str, lower, upper| Expr::Range {
        field: field.into(),
        lower,
        upper,
    };
    use Bound::*;
    use Scalar::*;
    assert_eq!(
        f("n:[1 TO 5]"),
        r("n", Included(Num(1.0)), Included(Num(5.0)))
    );
    assert_eq!(
        f("n:{1 TO 5}"),
        r("n", Excluded(Num(1.0)), Excluded(Num(5.0)))
    );
    assert_eq!(
        f("n:[1 TO 5}"),
        r("n", Included(Num(1.0)), Excluded(Num(5.0)))
    );
    assert_eq!(
        f("n:{1 TO 5]"),
        r("n", Excluded(Num(1.0)), Included(Num(5.0)))
    );
    assert_eq!(
        f("n:[ 1   TO 5 ]"),
        r("n", Included(Num(1.0)), Included(Num(5.0)))
    );
    assert_eq!(f("n:[* TO 5]"), r("n", Unbounded, Included(Num(5.0))));
    assert_eq!(f("n:[1 TO *]"), r("n", Included(Num(1.0)), Unbounded));
    assert_eq!(f("n:>5"), r("n", Excluded(Num(5.0)), Unbounded));
    assert_eq!(f("n:>=5"), r("n", Included(Num(5.0)), Unbounded));
    assert_eq!(f("n:<5"), r("n", Unbounded, Excluded(Num(5.0))));
    assert_eq!(f("n:<=-2.5"), r("n", Unbounded, Included(Num(-2.5))));
    assert_eq!(
        f("u:[a TO m]"),
        r("u", Included(Text("a".into())), Included(Text("m".into())))
    );
    assert_eq!(
        f(r#"u:["a b" TO "c"]"#),
        r(
            "u",
            Included(Text("a b".into())),
            Included(Text("c".into()))
        )
    );
    let t = |s: &str| Time(s.parse().unwrap());
    assert_eq!(
        f("@timestamp:[2026-01-01 TO 2026-01-02T10:30:00Z}"),
        r(
            "@timestamp",
            Included(t("2026-01-01T00:00:00Z")),
            Excluded(t("2026-01-02T10:30:00Z"))
        )
    );
    assert_eq!(
        f("@timestamp:>=2026-01-02T10:00:00+02:00"),
        r("@timestamp", Included(t("2026-01-02T08:00:00Z")), Unbounded)
    );
}

#[test]
fn boolean_operators() {
    let a = || word("a");
    let b = || word("b");
    assert_eq!(f("a AND b"), Expr::And(vec![a(), b()]));
    assert_eq!(f("a && b"), Expr::And(vec![a(), b()]));
    assert_eq!(f("a b"), Expr::And(vec![a(), b()]));
    assert_eq!(f("a OR b"), Expr::Or(vec![a(), b()]));
    assert_eq!(f("a || b"), Expr::Or(vec![a(), b()]));
    assert_eq!(f("NOT a"), not(a()));
    assert_eq!(f("!a"), not(a()));
    assert_eq!(f("-a"), not(a()));
    assert_eq!(f("NOT NOT a"), not(not(a())));
    assert_eq!(
        f("a -user.name:root"),
        Expr::And(vec![a(), not(term("user.name", "root"))])
    );
    // Lower-case keywords are words.
    assert_eq!(f("a and b"), Expr::And(vec![a(), word("and"), b()]));
    assert_eq!(f("a or b"), Expr::And(vec![a(), word("or"), b()]));
    assert_eq!(f("not"), word("not"));
}

#[test]
fn precedence_not_over_and_over_or() {
    let w = word;
    assert_eq!(
        f("a OR b AND c"),
        Expr::Or(vec![w("a"), Expr::And(vec![w("b"), w("c")])])
    );
    assert_eq!(
        f("a AND b OR c"),
        Expr::Or(vec![Expr::And(vec![w("a"), w("b")]), w("c")])
    );
    assert_eq!(
        f("a b OR c d"),
        Expr::Or(vec![
            Expr::And(vec![w("a"), w("b")]),
            Expr::And(vec![w("c"), w("d")])
        ])
    );
    assert_eq!(f("NOT a AND b"), Expr::And(vec![not(w("a")), w("b")]));
    assert_eq!(f("NOT a OR b"), Expr::Or(vec![not(w("a")), w("b")]));
    assert_eq!(
        f("(a OR b) AND c"),
        Expr::And(vec![Expr::Or(vec![w("a"), w("b")]), w("c")])
    );
    assert_eq!(f("NOT (a OR b)"), not(Expr::Or(vec![w("a"), w("b")])));
}

#[test]
fn same_kind_nesting_is_flattened() {
    let w = word;
    assert_eq!(
        f("(a AND b) AND (c d)"),
        Expr::And(vec![w("a"), w("b"), w("c"), w("d")])
    );
    assert_eq!(
        f("a OR (b OR (c OR d))"),
        Expr::Or(vec![w("a"), w("b"), w("c"), w("d")])
    );
    assert_eq!(f("((a))"), w("a"));
    // Different kinds stay nested.
    assert_eq!(
        f("a AND (b OR c)"),
        Expr::And(vec![w("a"), Expr::Or(vec![w("b"), w("c")])])
    );
}

#[test]
fn aggregations() {
    let agg = |s: &str| parse(s).unwrap().aggregation.unwrap();
    assert_eq!(agg("x | count"), Aggregation::Count);
    assert_eq!(agg("x|count"), Aggregation::Count);
    assert_eq!(
        agg("x | count by source.ip"),
        Aggregation::CountBy {
            fields: vec!["source.ip".into()],
            limit: 10
        }
    );
    assert_eq!(
        agg("x | count by source.ip, user.name limit 5"),
        Aggregation::CountBy {
            fields: vec!["source.ip".into(), "user.name".into()],
            limit: 5
        }
    );
    assert_eq!(
        agg("x | count by a,b"),
        Aggregation::CountBy {
            fields: vec!["a".into(), "b".into()],
            limit: 10
        }
    );
    assert_eq!(
        agg("x | top 5 user.name"),
        Aggregation::Top {
            field: "user.name".into(),
            limit: 5
        }
    );
    assert_eq!(
        agg("x | top user.name"),
        Aggregation::Top {
            field: "user.name".into(),
            limit: 10
        }
    );
    assert_eq!(
        agg("x | timechart 5m"),
        Aggregation::CountOverTime { interval_secs: 300 }
    );
    assert_eq!(
        agg("x | count over 1h"),
        Aggregation::CountOverTime {
            interval_secs: 3600
        }
    );
    assert_eq!(
        agg("| timechart 30s"),
        Aggregation::CountOverTime { interval_secs: 30 }
    );
    assert_eq!(
        agg("| timechart 2d"),
        Aggregation::CountOverTime {
            interval_secs: 172_800
        }
    );
    assert_eq!(
        agg("| COUNT BY a"),
        Aggregation::CountBy {
            fields: vec!["a".into()],
            limit: 10
        }
    );
    // The filter before the pipe is parsed as usual.
    let q = parse("event.dataset:milvus.access AND event.outcome:failure | count by source.ip")
        .unwrap();
    assert_eq!(
        q.filter,
        Expr::And(vec![
            term("event.dataset", "milvus.access"),
            term("event.outcome", "failure")
        ])
    );
}

#[test]
fn aggregation_errors() {
    let (pos, msg) = err("x | sum bytes");
    assert_eq!(pos, 4);
    assert!(msg.contains("unknown aggregation \"sum\""), "{msg}");
    assert!(
        msg.contains("count by") && msg.contains("top") && msg.contains("timechart"),
        "{msg}"
    );
    assert!(err("x |").1.contains("expected an aggregation"));
    assert!(err("x | count by").1.contains("expected a field"));
    assert!(err("x | count by a,").1.contains("expected a field"));
    assert!(err("x | count by a limit 0").1.contains("not a limit"));
    assert!(err("x | count by a limit 100000").1.contains("not a limit"));
    assert!(err("x | top 5").1.contains("expected a field"));
    assert!(err("x | timechart").1.contains("expected an interval"));
    assert!(err("x | timechart 5y").1.contains("not an interval"));
    assert!(err("x | timechart 0m").1.contains("not an interval"));
    assert!(err("x | timechart 2w").1.contains("not an interval"));
    assert!(err("x | count | count").1.contains("only one aggregation"));
    assert_eq!(err("x | count extra").0, 10);
    assert!(err("x | top a/b").1.contains("not a field name"));
}

#[test]
fn error_positions_and_messages() {
    let (pos, msg) = err("event.outcome:failure AND source.ip: 10.0.0.5");
    assert_eq!(pos, 36);
    assert_eq!(
        msg,
        r#"expected a value after "source.ip:" (quote values with spaces: field:"a b")"#
    );
    assert_eq!(err("source.ip:").0, 10);
    let (pos, msg) = err(r#"a "open"#);
    assert_eq!(pos, 2);
    assert!(msg.contains("unterminated"), "{msg}");
    let (pos, msg) = err("(a OR b");
    assert_eq!(pos, 0);
    assert!(msg.contains("unclosed '('"), "{msg}");
    let (pos, msg) = err("a OR b)");
    assert_eq!(pos, 6);
    assert!(msg.contains("unmatched ')'"), "{msg}");
    assert_eq!(err("a AND").0, 5);
    assert!(err("a AND").1.contains("expected a term after AND"));
    assert!(err("a OR").1.contains("expected a term after OR"));
    assert!(err("NOT").1.contains("expected a term after NOT"));
    assert!(err("a AND OR b").1.contains("expected a term after AND"));
    assert_eq!(err("AND a").0, 0);
    assert!(err("OR a").1.contains("OR needs a term on its left"));
    assert!(err("()").1.contains("empty parentheses"));
    assert!(err("[1 TO 2]").1.contains("range needs a field"));
    assert!(err(">5").1.contains("comparison needs a field"));
    assert!(err("a :b").1.contains("must follow a field name"));
    assert_eq!(err(r"a\").0, 1);
    assert!(err("n:[1 5]").1.contains("expected TO"));
    assert!(err("n:[1 to 5]").1.contains("expected TO"));
    assert!(err("n:[1 TO 5").1.contains("close the range"));
    assert!(err("n:[ TO 5]").1.contains("expected TO") || err("n:[ TO 5]").1.contains("bound"));
    assert!(err("n:>").1.contains("expected a value"));
    assert!(err("n:(a OR b)").1.contains("not supported"));
    assert!(err("a/b:c").1.contains("not a field name"));
    assert!(err("_exists_:").1.contains("expected a field name"));
    assert!(err("_exists_:a/b").1.contains("not a field name"));
    assert!(err("@timestamp:>yesterday").1.contains("not a time"));
    assert!(err("@timestamp:[5 TO *]").1.contains("not a time"));
    assert!(err("ab\"cd\"").1.contains("quote inside a word"));
    // Free text that cannot match anything is refused rather than silently empty.
    assert_eq!(f("--x"), not(not(word("x"))));
    assert!(err("...").1.contains("no letters or digits"));
    assert!(err(r#""..""#).1.contains("no letters or digits"));
    assert!(err(r#"a:"!!""#).1.contains("no letters or digits"));
    assert!(
        err("10.0.*")
            .1
            .contains("free-text wildcards match one word")
    );
}

#[test]
fn limits() {
    // Deep nesting is an error, not a stack overflow.
    // 10,000 is also over the size limit; either way an error, not an overflow.
    assert!(parse(&"(".repeat(10_000)).is_err());
    assert!(err(&"(".repeat(8000)).1.contains("nests deeper than 64"));
    assert!(err(&"(a ".repeat(2000)).1.contains("nests deeper than 64"));
    let deep = format!("{}a{}", "(".repeat(65), ")".repeat(65));
    assert!(err(&deep).1.contains("nests deeper"));
    let ok = format!("{}a{}", "(".repeat(64), ")".repeat(64));
    assert_eq!(f(&ok), word("a"));
    assert!(err(&"NOT ".repeat(100)).1.contains("nests deeper"));
    assert!(err(&"!".repeat(8000)).1.contains("nests deeper"));
    assert!(err(&"-".repeat(8000)).1.contains("nests deeper"));
    // Terms.
    let many = vec!["a"; 1025].join(" ");
    assert!(err(&many).1.contains("more than 1024 terms"));
    let fine = vec!["a"; 1024].join(" ");
    assert!(matches!(f(&fine), Expr::And(v) if v.len() == 1024));
    // Size, counted in bytes.
    let big = "a".repeat(8 * 1024 + 1);
    let (pos, msg) = err(&big);
    assert!(pos <= 8 * 1024 && msg.contains("8 KiB"), "{msg}");
    let big = "é".repeat(4097);
    let (pos, _) = err(&big);
    assert!(big.is_char_boundary(pos));
    assert!(parse(&format!("{}\"", "x".repeat(8 * 1024 - 1))).is_err());
    assert!(parse(&"a".repeat(8 * 1024)).is_ok());
}

#[test]
fn documented_examples_parse() {
    let doc = include_str!("../../../docs/query.md");
    let start = doc.find("## Examples").unwrap();
    let mut n = 0;
    for line in doc[start..].lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("```") {
            continue;
        }
        parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        n += 1;
    }
    assert!(n >= 9, "{n}");
}

#[test]
fn documented_error_messages_are_current() {
    assert_eq!(
        parse("source.ip: 10.0.0.5").unwrap_err().to_string(),
        r#"at 10: expected a value after "source.ip:" (quote values with spaces: field:"a b")"#
    );
    assert_eq!(
        parse("(a").unwrap_err().to_string(),
        "at 0: unclosed '(' (add a matching ')')"
    );
    let doc = include_str!("../../../docs/query.md");
    let sum = parse("x | sum").unwrap_err().to_string();
    assert!(doc.contains(&sum), "{sum}");
}
