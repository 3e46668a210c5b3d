//! `[[forward]]` compilation: every problem listed by key, secrets kept out
//! of messages and Debug, safe defaults enforced.

use sightline_forward::{ForwardEntry, Forwarders, Kind};

fn entries(toml_text: &str) -> Vec<ForwardEntry> {
    #[derive(serde::Deserialize)]
    struct File {
        forward: Vec<ForwardEntry>,
    }
    toml::from_str::<File>(toml_text).unwrap().forward
}

fn problems(toml_text: &str) -> Vec<String> {
    let err = Forwarders::compile(&entries(toml_text)).unwrap_err();
    let text = err.to_string();
    assert_eq!(text.lines().count(), err.problems.len());
    text.lines().map(str::to_owned).collect()
}

#[test]
fn every_problem_is_listed_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let p = problems(&format!(
        r#"
[[forward]]
name = "a"
type = "splunk_hec"
url = "https://splunk:8088"
token_file = "{0}/missing"
format = "cef"
send = ["events", "logs"]
batch_max_delay = "soon"

[[forward]]
name = "a"
type = "kafka"

[[forward]]
name = "../x"
type = "syslog"
address = "nohost"
tls = true
"#,
        dir.path().display()
    ));
    let has = |prefix: &str| p.iter().any(|l| l.starts_with(prefix));
    assert!(has("forward[0].token_file: reading "), "{p:?}");
    assert!(has("forward[0].format: \"cef\""));
    assert!(has("forward[0].send[1]: \"logs\""));
    assert!(has("forward[0].batch_max_delay: \"soon\""));
    assert!(has("forward[1].name: \"a\" is already the name"));
    assert!(has("forward[1].type: \"kafka\""));
    assert!(has("forward[2].name: \"../x\""));
    assert!(has("forward[2].address: \"nohost\""));
    assert!(has("forward[2].tls_ca_file: required with tls = true"));
}

#[test]
fn unknown_keys_are_refused() {
    let r: Result<toml::Value, _> =
        toml::from_str("[[forward]]\nname = \"a\"\ntype = \"syslog\"\ntokn_file = \"x\"\n");
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct File {
        forward: Vec<ForwardEntry>,
    }
    let err = r.unwrap().try_into::<File>().unwrap_err().to_string();
    assert!(err.contains("tokn_file"), "{err}");
}

#[test]
fn secrets_never_show_in_debug_or_errors() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cr3t-token-value\n").unwrap();
    let e = entries(&format!(
        "[[forward]]\nname = \"es\"\ntype = \"elasticsearch\"\nurl = \"https://es:9200\"\ntoken_file = \"{}\"\n",
        token.display()
    ));
    let f = Forwarders::compile(&e).unwrap();
    assert!(!format!("{f:?}").contains("s3cr3t"));
    let Kind::Elasticsearch { url, index, .. } = &f.destinations[0].kind else {
        panic!("not elasticsearch")
    };
    assert_eq!(
        (url.as_str(), index.as_str()),
        ("https://es:9200/_bulk", "sightline-events")
    );
    // A bad neighbour's error names files, not contents.
    let mut bad = e.clone();
    bad[0].index = Some("Bad Index".into());
    let err = Forwarders::compile(&bad).unwrap_err().to_string();
    assert!(
        err.contains("forward[0].index") && !err.contains("s3cr3t"),
        "{err}"
    );
}

#[test]
fn credentials_over_plain_http_need_an_explicit_opt_in() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "t").unwrap();
    let text = format!(
        "[[forward]]\nname = \"hec\"\ntype = \"splunk_hec\"\nurl = \"http://splunk:8088\"\ntoken_file = \"{}\"\n",
        token.display()
    );
    let p = problems(&text);
    assert!(
        p[0].starts_with("forward[0].url: credentials would travel in clear"),
        "{p:?}"
    );
    let ok = Forwarders::compile(&entries(&format!("{text}allow_insecure_http = true\n"))).unwrap();
    let Kind::SplunkHec { url, .. } = &ok.destinations[0].kind else {
        panic!()
    };
    assert_eq!(url, "http://splunk:8088/services/collector/event");
}

#[test]
fn hec_requires_a_token_and_empty_token_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "\n").unwrap();
    let p = problems("[[forward]]\nname = \"h\"\ntype = \"splunk_hec\"\nurl = \"https://s\"\n");
    assert_eq!(p, ["forward[0].token_file: required: the HEC token"]);
    let p = problems(&format!(
        "[[forward]]\nname = \"h\"\ntype = \"splunk_hec\"\nurl = \"https://s\"\ntoken_file = \"{}\"\n",
        empty.display()
    ));
    assert!(p[0].ends_with("is empty"), "{p:?}");
}
