//! Each redaction kind, positive and negative, through the public API.

use sightline_event::{Event, EventId, Timestamp, field, tags};
use sightline_sanitize::{ConfigError, CustomPattern, RedactionConfig, Sanitizer, sanitize_str};

fn red(text: &str) -> String {
    sanitize_str(text)
}

/// Asserts the text comes back unchanged.
fn clean(text: &str) {
    assert_eq!(red(text), text, "over-redacted");
}

#[test]
fn password_forms() {
    assert_eq!(
        red("login user=bob password=hunter2 ok"),
        "login user=bob password=[REDACTED:password] ok"
    );
    assert_eq!(red("passwd: hunter2"), "passwd: [REDACTED:password]");
    assert_eq!(
        red("GET /login?user=a&pwd=123456&next=/"),
        "GET /login?user=a&pwd=[REDACTED:password]&next=/"
    );
    assert_eq!(
        red(r#"{"user":"bob","password": "p@ss\"word","db":"x"}"#),
        r#"{"user":"bob","password": "[REDACTED:password]","db":"x"}"#
    );
    assert_eq!(
        red("PGPASSWORD=s3cr3t psql -h db"),
        "PGPASSWORD=[REDACTED:password] psql -h db"
    );
    assert_eq!(
        red("app --password hunter2 --port 80"),
        "app --password [REDACTED:password] --port 80"
    );
    assert_eq!(
        red("mysql -u root -pS3cret mydb"),
        "mysql -u root -p[REDACTED:password] mydb"
    );
    assert_eq!(
        red("sshpass -p 'pa ss' ssh -p 22 host"),
        "sshpass -p '[REDACTED:password]' ssh -p 22 host"
    );
    assert_eq!(
        red("redis-cli -h r -p 6379 -a hunter2 ping"),
        "redis-cli -h r -p 6379 -a [REDACTED:password] ping"
    );
    assert_eq!(
        red("curl -s -u admin:hunter2 http://x/"),
        "curl -s -u admin:[REDACTED:password] http://x/"
    );
}

#[test]
fn password_negatives() {
    clean("password policy updated");
    clean("Password changed for user alice");
    // Verbatim from milvus/dev/milvus-a/logs/proxy-7.log and milvus-b.
    clean(
        r#"[2026/03/09 07:53:21.402 +00:00] [WARN] [proxy/authentication_interceptor.go:96] ["fail to verify password"] [username=root]"#,
    );
    clean(
        r#"{"level":"ERROR","time":"2026/03/09 09:24:36.906 +00:00","caller":"proxy/util.go:1094","message":"Verify password failed","error":"crypto/bcrypt: hashedPassword is not the hash of the given password"}"#,
    );
    clean(
        "failed to verify password: crypto/bcrypt: hashedPassword is not the hash of the given password",
    );
    clean("PWD=/home/ray OLDPWD=/tmp SHLVL=1");
    clean("mkdir -p /tmp/ray && docker run -p 8080:80 img");
    clean("redis-cli -p 6379 ping");
    clean("sshpass -f /run/pw ssh -p 22 host");
    clean("if password == expected:");
    clean("password=${DB_PASSWORD} password=<redacted> password=**** password=xxxx password=null");
}

#[test]
fn bearer_and_basic() {
    assert_eq!(
        red("Authorization: Bearer abc123def456ghi789"),
        "Authorization: Bearer [REDACTED:bearer-token]"
    );
    assert_eq!(
        red("'authorization': 'Basic dXNlcjpwYXNz'"),
        "'authorization': 'Basic [REDACTED:bearer-token]'"
    );
    assert_eq!(
        red(r#"curl -H "Bearer 0123456789abcdefXYZ" x"#),
        r#"curl -H "Bearer [REDACTED:bearer-token]" x"#
    );
    // Milvus: the authorization metadata is base64 of user:password.
    assert_eq!(
        red("authorization: cm9vdDpNaWx2dXM="),
        "authorization: [REDACTED:bearer-token]"
    );
    // Verbatim from the Ray ground truth: words, not credentials.
    clean("4 x requests with wrong bearer token (expect 403)");
    clean("GET /api/version, /api/jobs/ with valid bearer token");
    clean("Authentication required but no authorization header");
    clean("Authorization: Bearer");
    // Verbatim from the specs: prose about the mechanism.
    clean("  - HTTP accepts `Authorization: Bearer`, `X-Ray-Authorization` or a cookie");
    clean("Token: the `authorization` metadata holds base64 of `user:password`.");
    clean("Password: incorrect");
    assert_eq!(
        red("  defaultRootPassword: Milvus"),
        "  defaultRootPassword: [REDACTED:password]"
    );
    assert_eq!(red("password: hunter"), "password: [REDACTED:password]");
}

#[test]
fn ray_token() {
    assert_eq!(
        red("ray.init(address=127.0.0.1:6379) with RAY_AUTH_TOKEN=wrong"),
        "ray.init(address=127.0.0.1:6379) with RAY_AUTH_TOKEN=[REDACTED:ray-token]"
    );
    assert_eq!(
        red("export RAY_AUTH_TOKEN=\"0f1e2d3c4b5a69788796a5b4c3d2e1f0\""),
        "export RAY_AUTH_TOKEN=\"[REDACTED:ray-token]\""
    );
    assert_eq!(
        red("Cookie: ray-authentication-token=abc123"),
        "Cookie: ray-authentication-token=[REDACTED:ray-token]"
    );
    assert_eq!(
        red("X-Ray-Authorization: Bearer t0k3n"),
        "X-Ray-Authorization: Bearer [REDACTED:ray-token]"
    );
    // In a Ray event the Authorization: Bearer a client sends is the Ray token.
    let mut ev = event(
        "ray",
        "headers: {'Authorization': 'Bearer 9f8e7d6c5b4a3928'}",
    );
    Sanitizer::default().apply(&mut ev);
    assert_eq!(
        ev.message,
        "headers: {'Authorization': 'Bearer [REDACTED:ray-token]'}"
    );
    // Verbatim from ray-logs.md: names of the mechanism, no value.
    clean("RAY_AUTH_TOKEN_PATH=/home/ray/.ray/auth_token");
    clean(
        "[2026-11-22 12:38:02,908 W 9688 9688] gcs_client.cc:210: Failed to get cluster ID from GCS server: Unauthenticated: RPC error: InvalidAuthToken: Authentication token is missing or incorrect",
    );
    clean("Token authentication is disabled for this Ray cluster.");
}

#[test]
fn api_keys() {
    assert_eq!(red("api_key=abcd1234efgh"), "api_key=[REDACTED:api-key]");
    assert_eq!(red("x-api-key: k-123456"), "x-api-key: [REDACTED:api-key]");
    assert_eq!(
        red(r#"{"apiKey":"zzz999"}"#),
        r#"{"apiKey":"[REDACTED:api-key]"}"#
    );
    for key in [
        "sk-proj-abcdefghijklmnopqrstuvwxyz012345",
        "sk-ant-api03-abcdefghijklmnopqrstuvwxyz",
        "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
        "glpat-abcdefghij0123456789",
        "xoxb-1234567890-abcdefghij",
        "sk_live_abcdefghij0123456789",
        "rk_test_abcdefghij0123456789",
        "AIzaSyA-abcdefghijklmnopqrstuvwxyz01234",
        "npm_abcdefghijklmnopqrstuvwxyz0123456789",
    ] {
        assert_eq!(
            red(&format!("using {key} now")),
            "using [REDACTED:api-key] now",
            "{key}"
        );
    }
    // Shapes that only look similar.
    clean("task-1234567890abcdefghijklmnop finished");
    clean("disk-usage-monitor-abcdefghijklmnopqrst");
    clean(r#""model_source":{"type":"local","path":"/tmp/.hf_cache/q7b-instruct-4bit"}"#);
    clean("sk-short");
    clean("fail to verify apikey");
}

#[test]
fn jwt() {
    let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    assert_eq!(red(&format!("jwt={jwt};")), "jwt=[REDACTED:jwt];");
    assert_eq!(
        red(&format!("Authorization: Bearer {jwt}")),
        "Authorization: Bearer [REDACTED:jwt]"
    );
    clean("eyJhbGciOiJIUzI1NiJ9 alone is a header, not a token");
    clean("keyJoin.eyJunk.value");
}

#[test]
fn aws() {
    assert_eq!(
        red("key id AKIAIOSFODNN7EXAMPLE used"),
        "key id [REDACTED:aws-key] used"
    );
    assert_eq!(red("ASIAY34FZKBOKMUTVV7A"), "[REDACTED:aws-key]");
    assert_eq!(
        red("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        "aws_secret_access_key = [REDACTED:aws-key]"
    );
    clean("timezone Asia/Shanghai");
    clean("AKIA-not-a-key and ASIAN");
    clean("XAKIAIOSFODNN7EXAMPLE1");
}

const PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\naFDrBz9vFqU4yM9bE0oDZd/WyDdC1xvDmX2lrrh3\n-----END RSA PRIVATE KEY-----";

#[test]
fn private_key_spans_lines_in_multiline_events() {
    let mut ev = event("text", &format!("loaded key:\n{PEM}\ndone"));
    ev.add_tag(tags::MULTILINE);
    ev.original = ev.message.clone();
    Sanitizer::default().apply(&mut ev);
    let want = "loaded key:\n-----BEGIN RSA PRIVATE KEY-----[REDACTED:private-key]-----END RSA PRIVATE KEY-----\ndone";
    assert_eq!(ev.message, want);
    assert_eq!(ev.original, want);
    assert_eq!(ev.get_i64(field::SIGHTLINE_REDACTIONS), Some(2));
    assert!(ev.has_tag(tags::REDACTED));
    assert!(!ev.has_tag(tags::NEUTRALIZED));

    // In a single-line field the line breaks are escaped first; the key still goes.
    let out = red(&format!("key={PEM} end"));
    assert_eq!(
        out,
        "key=-----BEGIN RSA PRIVATE KEY-----[REDACTED:private-key]-----END RSA PRIVATE KEY----- end"
    );

    // Cut off by the end of the record: redacted to the end.
    assert_eq!(
        red("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA"),
        "-----BEGIN OPENSSH PRIVATE KEY-----[REDACTED:private-key]"
    );
    clean("-----BEGIN CERTIFICATE-----");
    clean("private key rotation scheduled");
}

#[test]
fn gcp_service_account_key() {
    let json = r#"{"type": "service_account", "private_key_id": "abc", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n", "client_email": "x@p.iam.gserviceaccount.com"}"#;
    assert_eq!(
        red(json),
        r#"{"type": "service_account", "private_key_id": "abc", "private_key": "[REDACTED:gcp-key]", "client_email": "x@p.iam.gserviceaccount.com"}"#
    );
}

#[test]
fn url_credentials_keep_user_and_host() {
    assert_eq!(
        red("connecting to postgres://app:s3cr3t@db:5432/x"),
        "connecting to postgres://app:[REDACTED:url-credential]@db:5432/x"
    );
    assert_eq!(
        red("redis://:hunter2@cache:6379"),
        "redis://:[REDACTED:url-credential]@cache:6379"
    );
    assert_eq!(
        red(r#"MilvusClient(uri="http://root:Milvus@localhost:19530")"#),
        r#"MilvusClient(uri="http://root:[REDACTED:url-credential]@localhost:19530")"#
    );
    // Verbatim shapes from the Mesos and Ray corpora.
    clean("--master=zk://10.20.17.11:2181,10.20.17.12:2181,10.20.17.13:2181/mesos");
    clean(
        "./xmrig -o stratum+tcp://127.0.0.1:3333 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A --donate-level 1",
    );
    clean("scheduler-b430590b-c1fa-4cf2-895d-faca94c40225@10.20.17.203:37420");
    clean("http://[::1]:8265/api/jobs/");
}

#[test]
fn milvus_user_password_token() {
    assert_eq!(
        red(r#"MilvusClient(uri="http://localhost:19530", token="root:Milvus")"#),
        r#"MilvusClient(uri="http://localhost:19530", token="root:[REDACTED:password]")"#
    );
}

#[test]
fn generic_secrets() {
    assert_eq!(
        red("client_secret=abc123XYZ"),
        "client_secret=[REDACTED:secret]"
    );
    assert_eq!(red("token=abcdef123456"), "token=[REDACTED:secret]");
    assert_eq!(
        red(r#"{"access_token":"ya29.a0Af","token_type":"Bearer"}"#),
        r#"{"access_token":"[REDACTED:secret]","token_type":"Bearer"}"#
    );
    assert_eq!(
        red("SECRET_KEY='django-insecure-x'"),
        "SECRET_KEY='[REDACTED:secret]'"
    );
}

#[test]
fn llm_token_counts_and_hashes_survive() {
    clean("token bucket refilled: 10 tokens");
    clean("tokens=128 max_tokens=1024 num_tokens: 7 token_count=3");
    clean("eos_token: </s> pad_token=<pad> bos_token_id=1");
    clean("max_token=5 token=42 token=-1 token: 0.5");
    // Mesos secrets are references; the structure is kept, the nested keys decide.
    clean(r#""secret":{"type":"REFERENCE","reference":{"name":"/db/password"}}"#);
    clean("'ssh_private_key': '~/.ssh/ray-autoscaler.pem'");
    clean("pass=3 fail=0 bypass=true");
    // Verbatim shape from mlx/dev sightline-mlx.jsonl.
    clean(
        r#"{"api":"stream_generate","input_tokens":412,"input_chars":1893,"input_digest":"hmac-sha256:0f4c1e2d3b4a59687766554433221100","max_tokens":1024,"temperature":0.7,"output_tokens":128}"#,
    );
    clean(
        "model sha256 3f786850e387550fdab836ed7e6dc881de23001b node_id=a6a2206ded481b141ba9746f3128f8d8ed1a073b1ba8ead2af0cab14",
    );
    clean(
        "--jwt_secret_key=\"/etc/mesos/executor-secret.key\" --credentials=\"/etc/mesos/credentials.json\"",
    );
    clean("Can not find secrets's schema: collection not found");
    clean("Token::from_str(x)");
}

#[test]
fn overlapping_matches_redact_the_union_once() {
    // api_key's value is also an sk- key: one placeholder, the more specific kind.
    assert_eq!(
        red("api_key=sk-abcdefghijklmnopqrstuvwxyz"),
        "api_key=[REDACTED:api-key]"
    );
    // password's bare value would stop at '@'; the URL rule sees further: union.
    assert_eq!(
        red("password=http://u:p@h"),
        "password=[REDACTED:url-credential]"
    );
    // Two secrets side by side stay two placeholders.
    assert_eq!(
        red("password=a token=b1234567"),
        "password=[REDACTED:password] token=[REDACTED:secret]"
    );
}

#[test]
fn utf8_next_to_secrets() {
    assert_eq!(
        red("密码 password=hünter2 ✓"),
        "密码 password=[REDACTED:password] ✓"
    );
    assert_eq!(red("«password=abc»"), "«password=[REDACTED:password]");
    // ASCII word boundaries: a non-ASCII letter right after a key ends it.
    assert_eq!(red("ключAKIAIOSFODNN7EXAMPLEé"), "ключ[REDACTED:aws-key]é");
    assert_eq!(
        red("ключ AKIAIOSFODNN7EXAMPLE é"),
        "ключ [REDACTED:aws-key] é"
    );
    assert_eq!(red("µs token=µµµ"), "µs token=[REDACTED:secret]");
}

#[test]
fn huge_lines_stay_linear() {
    let n = 20_000;
    let line = "password=x ".repeat(n);
    let out = red(&line);
    assert_eq!(out.matches("[REDACTED:password]").count(), n);
    // Long runs of key characters and anchors with no delimiter.
    let noise = "tokentokentoken".repeat(60_000);
    assert_eq!(red(&noise), noise);
    let big = format!(
        "{}password=secret{}",
        "a ".repeat(300_000),
        " b".repeat(300_000)
    );
    assert_eq!(red(&big).matches("[REDACTED:password]").count(), 1);
}

#[test]
fn second_pass_changes_nothing() {
    let dirty = format!(
        "password=hunter2 \u{1b}[31m postgres://u:p@h {PEM} AKIAIOSFODNN7EXAMPLE token=\"root:Milvus\" \r\n\u{202e}"
    );
    let once = red(&dirty);
    assert_eq!(red(&once), once);
    let (_, report) = Sanitizer::default().sanitize_text(&once);
    assert_eq!(report.redactions + report.neutralized, 0);
}

#[test]
fn every_text_field_is_covered() {
    let mut ev = event("text", "ok");
    ev.set(field::PROCESS_COMMAND_LINE, "app --password hunter2")
        .set(field::URL_ORIGINAL, "https://u:pw@h/x?token=abcdef1")
        .set(field::URL_QUERY, "api_key=zz99zz")
        .set(field::ERROR_MESSAGE, "bad\r\nFAKE line")
        .set(
            field::USER_ROLES,
            vec!["admin".to_string(), "x\u{1b}[2J".to_string()],
        );
    ev.label("env", "AWS=AKIAIOSFODNN7EXAMPLE");
    ev.label("k\nforged", "v");
    let report = Sanitizer::default().apply(&mut ev);
    assert_eq!(
        ev.get_str(field::PROCESS_COMMAND_LINE),
        Some("app --password [REDACTED:password]")
    );
    assert_eq!(
        ev.get_str(field::URL_ORIGINAL),
        Some("https://u:[REDACTED:url-credential]@h/x?token=[REDACTED:secret]")
    );
    assert_eq!(
        ev.get_str(field::URL_QUERY),
        Some("api_key=[REDACTED:api-key]")
    );
    assert_eq!(ev.get_str(field::ERROR_MESSAGE), Some("bad\\r\\nFAKE line"));
    assert_eq!(ev.get_str("labels.env"), Some("AWS=[REDACTED:aws-key]"));
    assert!(ev.labels.contains_key("k\\nforged"));
    assert_eq!(report.redactions, 5);
    assert_eq!(report.neutralized, 4);
    assert_eq!(ev.get_i64(field::SIGHTLINE_REDACTIONS), Some(5));
    assert!(ev.has_tag(tags::REDACTED) && ev.has_tag(tags::NEUTRALIZED));
    // Applying again adds nothing.
    assert_eq!(Sanitizer::default().apply(&mut ev), Default::default());
    assert_eq!(ev.get_i64(field::SIGHTLINE_REDACTIONS), Some(5));
}

/// Decoders that split `key=value` records keep the key only as the field or
/// label name: the value is a secret by its name alone.
#[test]
fn values_of_fields_and_labels_named_like_secrets() {
    let mut ev = event("text", "level=info msg=login");
    ev.label("password", "hunter2")
        .label("authorization", "Bearer abc123")
        .label("token", "root:Milvus")
        .label("max_tokens", "1024")
        .label("user", "token")
        .label("secret", "[REDACTED:secret]")
        .label("pwd", "/home/ray");
    ev.set_dynamic("mlx.api_key".to_string(), "zz-top-9")
        .set_dynamic("mlx.tokens.input".to_string(), "412")
        .set(field::USER_NAME, "password");
    let report = Sanitizer::default().apply(&mut ev);
    assert_eq!(ev.get_str("labels.password"), Some("[REDACTED:password]"));
    assert_eq!(
        ev.get_str("labels.authorization"),
        Some("Bearer [REDACTED:bearer-token]")
    );
    assert_eq!(ev.get_str("labels.token"), Some("root:[REDACTED:password]"));
    assert_eq!(ev.get_str("mlx.api_key"), Some("[REDACTED:api-key]"));
    for (name, value) in [
        ("labels.max_tokens", "1024"),
        ("labels.user", "token"),
        ("labels.secret", "[REDACTED:secret]"),
        ("labels.pwd", "/home/ray"),
        ("mlx.tokens.input", "412"),
        (field::USER_NAME, "password"),
    ] {
        assert_eq!(ev.get_str(name), Some(value), "{name}");
    }
    assert_eq!(report.redactions, 4);
    let mut ray = event("ray", "x");
    ray.label("Authorization", "Bearer 9f8e7d6c");
    Sanitizer::default().apply(&mut ray);
    assert_eq!(
        ray.get_str("labels.Authorization"),
        Some("Bearer [REDACTED:ray-token]")
    );
}

#[test]
fn newlines_survive_only_in_multiline_text_fields() {
    let mut ev = event(
        "ray",
        "Traceback (most recent call last):\n  File \"x.py\"\r",
    );
    ev.add_tag(tags::MULTILINE);
    ev.set(field::ERROR_STACK_TRACE, "a\nb");
    ev.set(field::ERROR_TYPE, "a\nb");
    Sanitizer::default().apply(&mut ev);
    assert_eq!(
        ev.message,
        "Traceback (most recent call last):\n  File \"x.py\"\\r"
    );
    assert_eq!(ev.get_str(field::ERROR_STACK_TRACE), Some("a\nb"));
    assert_eq!(ev.get_str(field::ERROR_TYPE), Some("a\\nb"));

    let mut single = event("ray", "a\nb");
    Sanitizer::default().apply(&mut single);
    assert_eq!(single.message, "a\\nb");
}

#[test]
fn configuration() {
    let cfg: RedactionConfig = serde_json::from_str(
        r#"{"disable": ["url-credential"], "patterns": [{"kind": "itk", "regex": "itk=(?P<secret>[0-9a-f]{8})", "anchors": ["itk="]}]}"#,
    )
    .expect("valid config");
    let s = Sanitizer::new(&cfg).expect("compiles");
    let (out, rep) = s.sanitize_text("itk=deadbeef postgres://u:p@h password=x");
    assert_eq!(
        out,
        "itk=[REDACTED:itk] postgres://u:p@h password=[REDACTED:password]"
    );
    assert_eq!(rep.redactions, 2);

    // Whole match when there is no `secret` group; no anchors: runs everywhere.
    let cfg = RedactionConfig {
        patterns: vec![CustomPattern {
            kind: "employee-id".into(),
            regex: r"\bE\d{6}\b".into(),
            anchors: vec![],
        }],
        ..RedactionConfig::default()
    };
    assert_eq!(
        Sanitizer::new(&cfg)
            .expect("ok")
            .sanitize_text("by E123456.")
            .0,
        "by [REDACTED:employee-id]."
    );

    // Redaction off: neutralization still runs.
    let off = Sanitizer::new(&RedactionConfig {
        enabled: false,
        ..RedactionConfig::default()
    })
    .expect("ok");
    assert_eq!(off.sanitize_text("password=x\u{1b}").0, "password=x\\x1b");
}

#[test]
fn configuration_errors_name_the_pattern() {
    let bad = RedactionConfig {
        patterns: vec![CustomPattern {
            kind: "broken".into(),
            regex: "(unclosed".into(),
            anchors: vec!["x".into()],
        }],
        ..RedactionConfig::default()
    };
    let err = Sanitizer::new(&bad).expect_err("bad regex");
    assert!(matches!(err, ConfigError::BadRegex { index: 0, .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("pattern #0") && msg.contains("`broken`") && msg.contains("(unclosed"),
        "{msg}"
    );

    let unknown: RedactionConfig =
        serde_json::from_str(r#"{"disable": ["pasword"]}"#).expect("parses");
    let msg = Sanitizer::new(&unknown).expect_err("typo").to_string();
    assert!(
        msg.contains("\"pasword\"") && msg.contains("password"),
        "{msg}"
    );

    let kind = RedactionConfig {
        patterns: vec![CustomPattern {
            kind: "Bad]Kind".into(),
            regex: "x".into(),
            anchors: vec![],
        }],
        ..RedactionConfig::default()
    };
    assert!(matches!(
        Sanitizer::new(&kind),
        Err(ConfigError::BadKind { .. })
    ));
    assert!(
        serde_json::from_str::<RedactionConfig>(r#"{"disabled": []}"#).is_err(),
        "unknown keys are errors"
    );
}

fn event(module: &'static str, message: &str) -> Event {
    let mut ev = Event::new(
        EventId::derive("t", 0, message.as_bytes()),
        Timestamp::UNIX_EPOCH,
        module,
        module,
        message,
    );
    ev.message = message.to_string();
    ev
}
