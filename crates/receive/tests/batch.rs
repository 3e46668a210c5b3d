use sightline_receive::{batch_stream, source_hint_for};

#[test]
fn batch_stream_is_stable_and_content_addressed() {
    let a = batch_stream("hec", "token-ray", b"{\"event\":\"x\"}");
    assert_eq!(a, batch_stream("hec", "token-ray", b"{\"event\":\"x\"}"));
    assert_ne!(a, batch_stream("hec", "token-ray", b"{\"event\":\"y\"}"));
    let hash = a.strip_prefix("hec:token-ray:").unwrap();
    assert_eq!(hash.len(), 16);
    assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(hash, &blake3::hash(b"{\"event\":\"x\"}").to_hex()[..16]);
}

#[test]
fn source_hints() {
    assert_eq!(source_hint_for("Ray-Head"), Some("ray"));
    assert_eq!(source_hint_for("milvus:querynode"), Some("milvus"));
    assert_eq!(source_hint_for("mesos-agent"), Some("mesos"));
    assert_eq!(source_hint_for("mlx-lm-server"), Some("mlx"));
    assert_eq!(source_hint_for("_json"), Some("json"));
    assert_eq!(source_hint_for("syslog"), Some("syslog"));
    assert_eq!(source_hint_for("access_combined"), None);
}
