use crate::{EventId, Value, field};
use jiff::Timestamp;
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Processing tags set by the pipeline (ECS `tags`).
pub mod tags {
    /// The record did not match its source's format; it is kept raw and
    /// `error.message` says why.
    pub const PARSE_FAILURE: &str = "parse_failure";
    /// At least one secret was replaced by `[REDACTED:<kind>]`.
    pub const REDACTED: &str = "redacted";
    /// Control characters or ANSI escapes were escaped.
    pub const NEUTRALIZED: &str = "neutralized";
    /// The record spans several physical lines.
    pub const MULTILINE: &str = "multiline";
    /// The record carried no timestamp; `@timestamp` was taken from its neighbours or the file.
    pub const TIMESTAMP_INFERRED: &str = "timestamp_inferred";
    /// Besides `timestamp_inferred`: nothing in the logs dated the record (no
    /// earlier timed record, no time from the source's layout), so
    /// `@timestamp` is the file's modification time or the read time.
    pub const TIMESTAMP_UNANCHORED: &str = "timestamp_unanchored";
    /// The record hit the size limit and was split; the rest follows in the next event.
    pub const TRUNCATED: &str = "truncated";
    /// `@timestamp` lies further in the future than the pipeline tolerates
    /// (a sender's clock, or a wrong `--timezone`/`--year`).
    pub const TIMESTAMP_FUTURE: &str = "timestamp_future";
}

/// `event.outcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Outcome {
    Success,
    Failure,
    #[default]
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "success" => Some(Outcome::Success),
            "failure" => Some(Outcome::Failure),
            "unknown" => Some(Outcome::Unknown),
            _ => None,
        }
    }
}

/// A borrowed view of one field's value, as returned by [`Event::get`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldRef<'a> {
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    List(&'a [String]),
}

impl<'a> From<&'a Value> for FieldRef<'a> {
    fn from(v: &'a Value) -> Self {
        match v {
            Value::Str(s) => FieldRef::Str(s),
            Value::Int(i) => FieldRef::Int(*i),
            Value::Float(f) => FieldRef::Float(*f),
            Value::Bool(b) => FieldRef::Bool(*b),
            Value::List(l) => FieldRef::List(l),
        }
    }
}

/// One normalized security event.
///
/// The fields every event has are typed members; everything else lives in
/// [`Event::fields`] under its ECS-style dotted name, and free-form pairs in
/// [`Event::labels`].
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `@timestamp`.
    pub timestamp: Timestamp,
    /// `event.id`.
    pub id: EventId,
    /// `event.kind`: `event` unless a decoder knows better (`metric`, `state`).
    pub kind: Cow<'static, str>,
    /// `event.module`.
    pub module: Cow<'static, str>,
    /// `event.dataset`.
    pub dataset: Cow<'static, str>,
    /// `event.category`.
    pub category: Vec<String>,
    /// `event.type`.
    pub event_type: Vec<String>,
    /// `event.action`.
    pub action: Option<String>,
    /// `event.outcome`.
    pub outcome: Outcome,
    /// `log.level`, lower case.
    pub level: Option<String>,
    /// `message`.
    pub message: String,
    /// `event.original`: the raw record.
    pub original: String,
    /// Every other field, by dotted name.
    pub fields: BTreeMap<Cow<'static, str>, Value>,
    /// `labels`: source-specific pairs that have no field of their own.
    pub labels: BTreeMap<String, String>,
    /// `tags`.
    pub tags: Vec<String>,
}

impl Event {
    pub fn new(
        id: EventId,
        timestamp: Timestamp,
        module: impl Into<Cow<'static, str>>,
        dataset: impl Into<Cow<'static, str>>,
        original: impl Into<String>,
    ) -> Self {
        Event {
            timestamp,
            id,
            kind: Cow::Borrowed("event"),
            module: module.into(),
            dataset: dataset.into(),
            category: Vec::new(),
            event_type: Vec::new(),
            action: None,
            outcome: Outcome::Unknown,
            level: None,
            message: String::new(),
            original: original.into(),
            fields: BTreeMap::new(),
            labels: BTreeMap::new(),
            tags: Vec::new(),
        }
    }

    /// Sets a field by its (usually constant) name.
    pub fn set(&mut self, name: &'static str, value: impl Into<Value>) -> &mut Self {
        self.fields.insert(Cow::Borrowed(name), value.into());
        self
    }

    /// Sets a field whose name is built at run time (e.g. `mlx.<key>`).
    pub fn set_dynamic(&mut self, name: String, value: impl Into<Value>) -> &mut Self {
        self.fields.insert(Cow::Owned(name), value.into());
        self
    }

    /// Sets a field only when there is a value.
    pub fn set_opt<V: Into<Value>>(&mut self, name: &'static str, value: Option<V>) -> &mut Self {
        if let Some(v) = value {
            self.set(name, v);
        }
        self
    }

    /// Removes a field from [`Event::fields`].
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.fields.remove(name)
    }

    pub fn label(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    pub fn add_category(&mut self, category: &str) -> &mut Self {
        push_unique(&mut self.category, category);
        self
    }

    pub fn add_type(&mut self, ty: &str) -> &mut Self {
        push_unique(&mut self.event_type, ty);
        self
    }

    pub fn add_tag(&mut self, tag: &str) -> &mut Self {
        push_unique(&mut self.tags, tag);
        self
    }

    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }

    pub fn set_action(&mut self, action: impl Into<String>) -> &mut Self {
        self.action = Some(action.into());
        self
    }

    /// Marks the event as a parse failure: the record is kept raw, tagged, and
    /// `error.message` says why it did not parse.
    pub fn mark_parse_failure(&mut self, reason: impl Into<String>) -> &mut Self {
        self.add_tag(tags::PARSE_FAILURE);
        self.set(field::ERROR_MESSAGE, reason.into());
        self
    }

    /// Whether this event decoded into its source's real format (not the
    /// text fallback and not a parse failure).
    pub fn is_decoded(&self) -> bool {
        self.module != "text" && !self.has_tag(tags::PARSE_FAILURE)
    }

    /// Reads any field by its dotted name, typed members included.
    pub fn get(&self, name: &str) -> Option<FieldRef<'_>> {
        match name {
            field::EVENT_KIND => Some(FieldRef::Str(&self.kind)),
            field::EVENT_MODULE => Some(FieldRef::Str(&self.module)),
            field::EVENT_DATASET => Some(FieldRef::Str(&self.dataset)),
            field::EVENT_CATEGORY if !self.category.is_empty() => {
                Some(FieldRef::List(&self.category))
            }
            field::EVENT_TYPE if !self.event_type.is_empty() => {
                Some(FieldRef::List(&self.event_type))
            }
            field::EVENT_ACTION => self.action.as_deref().map(FieldRef::Str),
            field::EVENT_OUTCOME => Some(FieldRef::Str(self.outcome.as_str())),
            field::LOG_LEVEL => self.level.as_deref().map(FieldRef::Str),
            field::MESSAGE => Some(FieldRef::Str(&self.message)),
            field::EVENT_ORIGINAL => Some(FieldRef::Str(&self.original)),
            field::TAGS if !self.tags.is_empty() => Some(FieldRef::List(&self.tags)),
            _ => {
                if let Some(v) = self.fields.get(name) {
                    return Some(v.into());
                }
                name.strip_prefix("labels.")
                    .and_then(|k| self.labels.get(k))
                    .map(|v| FieldRef::Str(v))
            }
        }
    }

    /// A field's value as a string, if it is one.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        match self.get(name)? {
            FieldRef::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A field's value as an integer (strings holding integers included).
    pub fn get_i64(&self, name: &str) -> Option<i64> {
        match self.get(name)? {
            FieldRef::Int(i) => Some(i),
            FieldRef::Float(f) if f.fract() == 0.0 => Some(f as i64),
            FieldRef::Str(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// Applies `f` to every string the event carries that came from the
    /// source (message, original, string fields, labels): used by redaction and
    /// neutralization so neither can miss a field.
    pub fn for_each_text_mut(&mut self, mut f: impl FnMut(&mut String)) {
        self.for_each_named_text_mut(|_, s| f(s));
    }

    /// Like [`Event::for_each_text_mut`], also naming the field each string
    /// belongs to (`message`, `event.original`, a field's dotted name, or
    /// `labels` for every label): the sanitizer treats some fields
    /// differently (line breaks survive only in multi-line text fields).
    pub fn for_each_named_text_mut(&mut self, mut f: impl FnMut(&str, &mut String)) {
        f(field::MESSAGE, &mut self.message);
        f(field::EVENT_ORIGINAL, &mut self.original);
        if let Some(a) = self.action.as_mut() {
            f(field::EVENT_ACTION, a);
        }
        // Decoders may copy the level from the source text.
        if let Some(l) = self.level.as_mut() {
            f(field::LOG_LEVEL, l);
        }
        for (name, v) in self.fields.iter_mut() {
            v.map_strings(|s| f(name, s));
        }
        for v in self.labels.values_mut() {
            f(field::LABELS, v);
        }
    }

    /// Serializes to one line of JSON.
    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(self.original.len() * 3 + 256);
        self.write_json(&mut out);
        // Only whole UTF-8 strings and ASCII are written.
        String::from_utf8(out).unwrap_or_default()
    }

    /// Appends the event as one line of JSON (no line break) to `out`: the
    /// bytes [`Event::to_json`] and the `Serialize` implementation give,
    /// without building them apart.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        crate::json::write_event(self, out);
    }

    /// Reads an event back from its flat JSON form (as written by [`Event::to_json`]).
    pub fn from_json(text: &str) -> Result<Event, EventParseError> {
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text)?;
        Event::from_json_map(map)
    }

    pub fn from_json_map(
        mut map: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Event, EventParseError> {
        use serde_json::Value as J;
        let mut take_str = |k: &str| -> Option<String> {
            match map.remove(k) {
                Some(J::String(s)) => Some(s),
                _ => None,
            }
        };
        let ts = take_str(field::TIMESTAMP).ok_or(EventParseError::Missing(field::TIMESTAMP))?;
        let timestamp: Timestamp = ts.parse().map_err(|_| EventParseError::BadTimestamp(ts))?;
        let id_text = take_str(field::EVENT_ID).ok_or(EventParseError::Missing(field::EVENT_ID))?;
        let id = EventId::parse(&id_text).ok_or(EventParseError::BadId(id_text))?;
        let module = take_str(field::EVENT_MODULE).unwrap_or_else(|| "text".into());
        let dataset = take_str(field::EVENT_DATASET).unwrap_or_else(|| module.clone());
        let original = take_str(field::EVENT_ORIGINAL).unwrap_or_default();
        let mut ev = Event::new(id, timestamp, module, dataset, original);
        if let Some(k) = take_str(field::EVENT_KIND) {
            ev.kind = Cow::Owned(k);
        }
        ev.action = take_str(field::EVENT_ACTION);
        ev.outcome = take_str(field::EVENT_OUTCOME)
            .and_then(|o| Outcome::parse(&o))
            .unwrap_or_default();
        ev.level = take_str(field::LOG_LEVEL);
        ev.message = take_str(field::MESSAGE).unwrap_or_default();
        let list = |v: Option<J>| -> Vec<String> {
            match v {
                Some(J::Array(a)) => a
                    .into_iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect(),
                Some(J::String(s)) => vec![s],
                _ => Vec::new(),
            }
        };
        ev.category = list(map.remove(field::EVENT_CATEGORY));
        ev.event_type = list(map.remove(field::EVENT_TYPE));
        ev.tags = list(map.remove(field::TAGS));
        if let Some(J::Object(labels)) = map.remove(field::LABELS) {
            for (k, v) in labels {
                let v = match v {
                    J::String(s) => s,
                    other => other.to_string(),
                };
                ev.labels.insert(k, v);
            }
        }
        for (k, v) in map {
            let value = match v {
                J::String(s) => Value::Str(s),
                J::Bool(b) => Value::Bool(b),
                J::Number(n) => match n.as_i64() {
                    Some(i) => Value::Int(i),
                    None => Value::Float(n.as_f64().unwrap_or(0.0)),
                },
                J::Array(a) => Value::List(
                    a.into_iter()
                        .map(|x| match x {
                            J::String(s) => s,
                            other => other.to_string(),
                        })
                        .collect(),
                ),
                J::Null => continue,
                J::Object(o) => Value::Str(J::Object(o).to_string()),
            };
            ev.fields.insert(Cow::Owned(k), value);
        }
        Ok(ev)
    }
}

/// Why a JSON object is not an event.
#[derive(Debug, thiserror::Error)]
pub enum EventParseError {
    #[error("not a JSON object: {0}")]
    Json(#[from] serde_json::Error),
    #[error("missing field `{0}`")]
    Missing(&'static str),
    #[error("`@timestamp` is not an RFC 3339 time: {0:?}")]
    BadTimestamp(String),
    #[error("`event.id` is not 32 hex digits: {0:?}")]
    BadId(String),
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_owned());
    }
}

impl Serialize for Event {
    /// Flat dotted keys in a fixed order: identity first, the raw record last.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(field::TIMESTAMP, &TimestampText(self.timestamp))?;
        m.serialize_entry(field::EVENT_ID, &self.id.to_string())?;
        m.serialize_entry(field::EVENT_KIND, &self.kind)?;
        m.serialize_entry(field::EVENT_MODULE, &self.module)?;
        m.serialize_entry(field::EVENT_DATASET, &self.dataset)?;
        if !self.category.is_empty() {
            m.serialize_entry(field::EVENT_CATEGORY, &self.category)?;
        }
        if !self.event_type.is_empty() {
            m.serialize_entry(field::EVENT_TYPE, &self.event_type)?;
        }
        if let Some(a) = &self.action {
            m.serialize_entry(field::EVENT_ACTION, a)?;
        }
        m.serialize_entry(field::EVENT_OUTCOME, self.outcome.as_str())?;
        if let Some(l) = &self.level {
            m.serialize_entry(field::LOG_LEVEL, l)?;
        }
        m.serialize_entry(field::MESSAGE, &self.message)?;
        for (k, v) in &self.fields {
            m.serialize_entry(k.as_ref(), v)?;
        }
        if !self.labels.is_empty() {
            m.serialize_entry(field::LABELS, &self.labels)?;
        }
        if !self.tags.is_empty() {
            m.serialize_entry(field::TAGS, &self.tags)?;
        }
        m.serialize_entry(field::EVENT_ORIGINAL, &self.original)?;
        m.end()
    }
}

/// RFC 3339 in UTC with the sub-second digits the source had (jiff prints
/// only the fractional digits that are non-zero).
struct TimestampText(Timestamp);

impl Serialize for TimestampText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Event {
        let ts: Timestamp = "2026-11-22T12:37:31.151Z".parse().unwrap();
        let mut ev = Event::new(
            EventId::derive("f", 0, b"raw"),
            ts,
            "ray",
            "ray.dashboard",
            "raw",
        );
        ev.message = "hello".into();
        ev.outcome = Outcome::Failure;
        ev.add_category("web").add_type("access");
        ev.set(field::SOURCE_IP, "10.0.0.5")
            .set(field::HTTP_RESPONSE_STATUS_CODE, 401i64)
            .set(field::USER_ROLES, vec!["admin".to_string()]);
        ev.label("k", "v");
        ev
    }

    #[test]
    fn json_is_flat_and_round_trips() {
        let ev = sample();
        let text = ev.to_json();
        assert!(
            text.starts_with(r#"{"@timestamp":"2026-11-22T12:37:31.151Z","event.id":""#),
            "{text}"
        );
        assert!(text.contains(r#""source.ip":"10.0.0.5""#));
        assert!(text.contains(r#""http.response.status_code":401"#));
        assert!(text.ends_with(r#""event.original":"raw"}"#));
        let back = Event::from_json(&text).unwrap();
        assert_eq!(back.to_json(), text);
    }

    #[test]
    fn get_reads_members_fields_and_labels() {
        let ev = sample();
        assert_eq!(ev.get_str("event.dataset"), Some("ray.dashboard"));
        assert_eq!(ev.get_str("event.outcome"), Some("failure"));
        assert_eq!(ev.get_i64("http.response.status_code"), Some(401));
        assert_eq!(ev.get_str("labels.k"), Some("v"));
        assert_eq!(
            ev.get("event.category"),
            Some(FieldRef::List(&["web".to_string()]))
        );
        assert_eq!(ev.get("no.such"), None);
    }

    #[test]
    fn parse_failure_is_not_decoded() {
        let mut ev = sample();
        assert!(ev.is_decoded());
        ev.mark_parse_failure("no header");
        assert!(!ev.is_decoded());
        assert_eq!(ev.get_str("error.message"), Some("no header"));
    }

    #[test]
    fn bad_json_is_an_error_not_a_panic() {
        assert!(Event::from_json("[]").is_err());
        assert!(Event::from_json(r#"{"@timestamp":"x","event.id":"00"}"#).is_err());
    }
}
