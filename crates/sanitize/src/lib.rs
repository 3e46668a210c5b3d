//! Secret redaction and log-injection neutralization.
//!
//! Applied to every event after decoding, before anything stores, matches or
//! forwards it. Two jobs, in this order on every text field:
//!
//! 1. **Neutralization** ([`neutralize`]): control characters, ANSI escapes,
//!    bidi controls and other invisible format characters become visible
//!    escapes, so no field can forge a line or spoof a terminal. Line breaks
//!    survive only in `message`, `event.original` and `error.stack_trace` of
//!    events tagged `multiline`.
//! 2. **Redaction** ([`redact`]): secrets become `[REDACTED:<kind>]`, keeping
//!    the key and delimiter (`password=[REDACTED:password]`).
//!
//! Neutralizing first means redaction sees the text exactly as it will be
//! written, and both steps are idempotent: a second pass changes nothing.
//! See `docs/redaction.md`.

mod anchors;
mod config;
mod keyvalue;
mod neutralize;
mod redact;
mod rules;

pub use config::{BUILTIN_KINDS, ConfigError, CustomPattern, RedactionConfig, kind};
pub use neutralize::{is_clean, needs_escape, neutralize};
pub use redact::PLACEHOLDER_PREFIX;

use redact::Redactor;
use sightline_event::{Event, Value, field, tags};
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

/// What sanitizing one event did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Secrets replaced by `[REDACTED:<kind>]` (each replacement in each field counts).
    pub redactions: u32,
    /// Control characters and escapes neutralized.
    pub neutralized: u32,
}

impl std::ops::AddAssign for Report {
    fn add_assign(&mut self, o: Report) {
        self.redactions = self.redactions.saturating_add(o.redactions);
        self.neutralized = self.neutralized.saturating_add(o.neutralized);
    }
}

/// Redacts secrets and neutralizes control characters. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Sanitizer {
    redactor: Option<Arc<Redactor>>,
}

/// The built-in configuration, compiled once per process.
static DEFAULT: LazyLock<Sanitizer> = LazyLock::new(|| Sanitizer {
    // The built-in patterns are constants a unit test compiles; if that ever
    // failed, redaction would be off but neutralization would still run.
    redactor: Redactor::new(&RedactionConfig::default())
        .ok()
        .map(Arc::new),
});

impl Default for Sanitizer {
    /// Every built-in kind on, no custom patterns.
    fn default() -> Self {
        DEFAULT.clone()
    }
}

impl Sanitizer {
    /// Compiles a configuration; errors name the offending pattern.
    pub fn new(config: &RedactionConfig) -> Result<Sanitizer, ConfigError> {
        // Built even when disabled, so a bad pattern is reported either way.
        let redactor = Redactor::new(config)?;
        Ok(Sanitizer {
            redactor: config.enabled.then(|| Arc::new(redactor)),
        })
    }

    /// Sanitizes every text the event carries, tags it `redacted` and/or
    /// `neutralized`, and adds the count to `sightline.redactions`.
    pub fn apply(&self, ev: &mut Event) -> Report {
        let multiline = ev.has_tag(tags::MULTILINE);
        let ray = ev.module == "ray";
        // Names first: a value's name may decide whether it is a secret, and
        // a second pass must see the same names as the first.
        let mut report = Report {
            redactions: 0,
            neutralized: neutralize_rest(ev),
        };
        ev.for_each_named_text_mut(|name, s| {
            match name {
                // Labels are done below, where their keys are known.
                field::LABELS => {}
                field::MESSAGE | field::EVENT_ORIGINAL | field::ERROR_STACK_TRACE => {
                    report += self.sanitize_field(s, multiline, ray, None);
                }
                _ => report += self.sanitize_field(s, false, ray, Some(name)),
            }
        });
        for (key, value) in ev.labels.iter_mut() {
            report += self.sanitize_field(value, false, ray, Some(key));
        }

        if report.redactions > 0 {
            let before = ev
                .fields
                .get(field::SIGHTLINE_REDACTIONS)
                .and_then(Value::as_i64)
                .unwrap_or(0);
            ev.set(
                field::SIGHTLINE_REDACTIONS,
                before.saturating_add(i64::from(report.redactions)),
            );
            ev.add_tag(tags::REDACTED);
        }
        if report.neutralized > 0 {
            ev.add_tag(tags::NEUTRALIZED);
        }
        report
    }

    /// Sanitizes one string in place: neutralize, then redact. `ray`:
    /// the string belongs to a Ray event (bearer credentials are Ray tokens).
    pub fn sanitize_in_place(&self, s: &mut String, keep_newlines: bool, ray: bool) -> Report {
        self.sanitize_field(s, keep_newlines, ray, None)
    }

    /// Like [`Sanitizer::sanitize_in_place`] for the value of the field or
    /// label `name`: a value whose name says it is a secret (`password`,
    /// `mlx.api_key`) is redacted whole.
    pub fn sanitize_field(
        &self,
        s: &mut String,
        keep_newlines: bool,
        ray: bool,
        name: Option<&str>,
    ) -> Report {
        let neutralized = neutralize(s, keep_newlines);
        let redactions = match &self.redactor {
            Some(r) => r.redact(s, ray, name),
            None => 0,
        };
        Report {
            redactions,
            neutralized,
        }
    }

    /// Sanitizes a copy of `text` as a single-line field (`\n` escaped).
    pub fn sanitize_text(&self, text: &str) -> (String, Report) {
        let mut s = text.to_string();
        let report = self.sanitize_in_place(&mut s, false, false);
        (s, report)
    }
}

/// [`Sanitizer::sanitize_text`] with the built-in configuration (fuzzing, tools).
pub fn sanitize_str(text: &str) -> String {
    Sanitizer::default().sanitize_text(text).0
}

/// Neutralizes what the text walk does not reach: the names of fields and
/// labels (decoders build some from the source, e.g. `mlx.<key>`), and the
/// identity strings a decoder may have taken from a file name. Nothing here
/// is redacted: names and datasets are not where secrets live.
fn neutralize_rest(ev: &mut Event) -> u32 {
    let mut n = 0u32;
    for s in [&mut ev.kind, &mut ev.module, &mut ev.dataset] {
        n = n.saturating_add(neutralize::neutralize_cow(s));
    }
    for list in [&mut ev.category, &mut ev.event_type, &mut ev.tags] {
        for s in list.iter_mut() {
            n = n.saturating_add(neutralize(s, false));
        }
    }
    if ev.fields.keys().any(|k| !is_clean(k, false)) {
        let old = std::mem::take(&mut ev.fields);
        for (mut k, v) in old {
            n = n.saturating_add(neutralize::neutralize_cow(&mut k));
            ev.fields.insert(k, v);
        }
    }
    if ev.labels.keys().any(|k| !is_clean(k, false)) {
        let old = std::mem::take(&mut ev.labels);
        let mut labels = BTreeMap::new();
        for (mut k, v) in old {
            n = n.saturating_add(neutralize(&mut k, false));
            labels.insert(k, v);
        }
        ev.labels = labels;
    }
    n
}
