//! The field catalogue stays true: every field any decoder sets on the
//! corpora is documented in `sightline_event::field::SCHEMA`, and
//! docs/schema.md names every catalogued field.

use sightline_decode::DecodeOptions;
use sightline_event::field;
use sightline_parse::{Pipeline, Registry, SourceChoice, discover};
use sightline_sanitize::Sanitizer;
use std::collections::BTreeMap;
use std::path::Path;

mod common;

#[test]
fn every_field_set_on_the_corpora_is_catalogued() {
    let Some(corpus) = common::shared_corpus("") else {
        return;
    };
    let found = discover(&[corpus], &Registry::default()).expect("discover");
    let pipeline = Pipeline::new(
        SourceChoice::Auto,
        DecodeOptions::default(),
        Sanitizer::default(),
    );
    // field → (module that set it, an example value)
    let mut undocumented: BTreeMap<String, (String, String)> = BTreeMap::new();
    for file in &found.files {
        pipeline
            .read_file(file, |ev| {
                let json = serde_json::to_value(&ev).expect("event serializes");
                for key in json.as_object().into_iter().flatten().map(|(k, _)| k) {
                    if key.starts_with("labels.") || field::spec(key).is_some() {
                        continue;
                    }
                    undocumented
                        .entry(key.clone())
                        .or_insert_with(|| (ev.module.to_string(), json[key].to_string()));
                }
            })
            .expect("read");
    }
    assert!(
        undocumented.is_empty(),
        "fields set by decoders but missing from field::SCHEMA (add them with type and meaning):\n{}",
        undocumented
            .iter()
            .map(|(k, (m, v))| format!("  {k} (set by {m}, e.g. {v})"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn docs_schema_names_every_catalogued_field() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schema.md"))
            .expect("docs/schema.md exists");
    let missing: Vec<&str> = field::SCHEMA
        .iter()
        .map(|s| s.name)
        .filter(|name| !doc.contains(&format!("`{name}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/schema.md does not document: {missing:?} (regenerate with scripts/schema-doc)"
    );
}
