/// Stream name for one batch request: `"{kind}:{sender}:{hash}"` with the
/// first 16 hex digits of the BLAKE3 hash of the body.
///
/// Event ids are derived from (stream, offset, raw line). Senders retry a
/// batch when they miss our answer (timeouts, restarts); naming the stream
/// after the body's content makes the retry produce exactly the same
/// (stream, offset) pairs, hence the same event ids, so the store can drop
/// the duplicates instead of double-counting detections. 64 bits of hash
/// keep distinct batches from colliding in practice.
pub fn batch_stream(kind: &str, sender: &str, body: &[u8]) -> String {
    format!("{kind}:{sender}:{}", batch_hash(body))
}

/// The hash part of [`batch_stream`], for formats that name several
/// streams per body (hash once, not once per stream).
pub(crate) fn batch_hash(body: &[u8]) -> String {
    blake3::hash(body).to_hex().as_str()[..16].to_owned()
}

/// The Sightline source (decoder) a sender-supplied name points to, if any:
/// names containing `mesos`, `milvus`, `mlx` or `ray` (case-insensitive, e.g.
/// `ray-head`, `milvus:querynode`), or naming a generic format exactly
/// (`syslog`, `json`/`_json`, `logfmt`).
pub fn source_hint_for(name: &str) -> Option<&'static str> {
    let lower = name.trim().to_ascii_lowercase();
    // `ray` last: it is the shortest and most likely to occur by accident.
    for source in ["mesos", "milvus", "mlx", "ray"] {
        if lower.contains(source) {
            return Some(source);
        }
    }
    match lower.as_str() {
        "syslog" => Some("syslog"),
        "json" | "_json" => Some("json"),
        "logfmt" => Some("logfmt"),
        _ => None,
    }
}

/// The source an index name starts with (Elasticsearch index per source,
/// e.g. `ray-2024.06.01`, `milvus_logs`).
pub(crate) fn source_for_index(index: &str) -> Option<&'static str> {
    let lower = index.to_ascii_lowercase();
    ["mesos", "milvus", "mlx", "ray"]
        .into_iter()
        .find(|s| lower.starts_with(s))
}

/// A sender-given module or dataset name made safe to store and use as a
/// metric label: lower case, `[a-z0-9_.-]` (anything else becomes `_`), at
/// most 64 characters, no leading or trailing `.`/`_`. None when nothing is left.
pub fn provenance_name(name: &str) -> Option<String> {
    let cleaned: String = name
        .trim()
        .chars()
        .take(64)
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '_' | '-' | '.') => c,
            _ => '_',
        })
        .collect();
    let cleaned = cleaned.trim_matches(['_', '.']);
    (!cleaned.is_empty()).then(|| cleaned.to_owned())
}

/// `(event.module, event.dataset)` for a record of a structured receiver:
/// what the sender states (`event.module`, `event.dataset`; a dataset alone
/// names its module by its first part, as ECS datasets do), else the
/// receiver's own `receiver` / `default_dataset`.
pub(crate) fn provenance(
    stated_module: Option<&str>,
    stated_dataset: Option<&str>,
    receiver: &str,
    default_dataset: &str,
) -> (String, String) {
    let dataset = stated_dataset.and_then(provenance_name);
    let module = stated_module
        .and_then(provenance_name)
        .or_else(|| {
            dataset
                .as_deref()
                .and_then(|d| d.split('.').next())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| receiver.to_owned());
    (
        module,
        dataset.unwrap_or_else(|| default_dataset.to_owned()),
    )
}
