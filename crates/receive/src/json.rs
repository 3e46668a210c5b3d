//! JSON values → attribute text, shared by the JSON-based receivers.

use crate::attrs::Attrs;
use crate::limits::{MAX_ATTRIBUTE_BYTES, MAX_ATTRIBUTES};
use serde_json::{Map, Value};

/// Text of a scalar: strings as they are, numbers and booleans as JSON
/// writes them; None for null. Arrays and objects become one JSON line.
pub(crate) fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(_) | Value::Number(_) => Some(v.to_string()),
        Value::Array(_) | Value::Object(_) => serde_json::to_string(v).ok(),
    }
}

/// Adds `obj`'s leaves as attributes named by their dotted path under
/// `prefix` (empty = no prefix). Arrays are kept whole as JSON text: their
/// positions are not meaningful names.
pub(crate) fn flatten_object(prefix: &str, obj: &Map<String, Value>, attrs: &mut Attrs) {
    for (k, v) in obj {
        if attrs.is_full() {
            attrs.mark_dropped();
            return;
        }
        let key_len = prefix.len() + usize::from(!prefix.is_empty()) + k.len();
        if !attrs.fits_key(key_len) {
            // Every descendant's key would be longer still.
            attrs.mark_dropped();
            continue;
        }
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(inner) => flatten_object(&key, inner, attrs),
            other => {
                if let Some(text) = value_text(other) {
                    attrs.push(key, text);
                }
            }
        }
    }
}

/// Follows a dotted path through nested objects, also accepting the path
/// written as one literal key (`{"log.file.path": ..}`) as Elasticsearch does.
pub(crate) fn lookup<'a>(obj: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    if let Some(v) = obj.get(path) {
        return Some(v);
    }
    let (head, rest) = path.split_once('.')?;
    match obj.get(head)? {
        Value::Object(inner) => lookup(inner, rest),
        _ => None,
    }
}

/// Removes the value at a dotted path (literal key or nested), leaving empty
/// parent objects out so they do not show up as attributes.
pub(crate) fn take(obj: &mut Map<String, Value>, path: &str) -> Option<Value> {
    if let Some(v) = obj.remove(path) {
        return Some(v);
    }
    let (head, rest) = path.split_once('.')?;
    let Some(Value::Object(inner)) = obj.get_mut(head) else {
        return None;
    };
    let taken = take(inner, rest);
    if taken.is_some() && inner.is_empty() {
        obj.remove(head);
    }
    taken
}

/// The body as valid UTF-8: unchanged when it is, else with every invalid
/// sequence replaced by U+FFFD, so a stray byte in one string costs that
/// character instead of the whole request (serde_json refuses invalid UTF-8).
pub(crate) fn lossy_utf8(body: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    match String::from_utf8_lossy(body) {
        std::borrow::Cow::Borrowed(_) => std::borrow::Cow::Borrowed(body),
        std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s.into_bytes()),
    }
}

/// Longest dotted field name kept from a sender's structured fields (the
/// JSON decoder cuts label names to the same length).
const MAX_FIELD_NAME: usize = 256;

/// `doc` held to the per-record limits that attributes have
/// ([`MAX_ATTRIBUTES`] leaves, [`MAX_ATTRIBUTE_BYTES`] of dotted names plus
/// values), keeping its nesting. Sets `cut` when anything was left out, so
/// a document of 20,000 leaves under a 200 KB key costs what it costs as
/// attributes, not that times its width when flattened.
pub(crate) fn bounded_fields(doc: Map<String, Value>, cut: &mut bool) -> Map<String, Value> {
    let mut room = (MAX_ATTRIBUTES, MAX_ATTRIBUTE_BYTES);
    prune(doc, 0, &mut room, cut)
}

fn prune(
    obj: Map<String, Value>,
    prefix_len: usize,
    room: &mut (usize, usize),
    cut: &mut bool,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in obj {
        let name_len = prefix_len + usize::from(prefix_len > 0) + k.len();
        if room.0 == 0 || name_len > MAX_FIELD_NAME || name_len > room.1 {
            *cut = true;
            continue;
        }
        match v {
            Value::Object(inner) => {
                let inner = prune(inner, name_len, room, cut);
                if !inner.is_empty() {
                    out.insert(k, Value::Object(inner));
                }
            }
            leaf => {
                let size = name_len + json_size(&leaf);
                if size > room.1 {
                    *cut = true;
                    continue;
                }
                room.0 -= 1;
                room.1 -= size;
                out.insert(k, leaf);
            }
        }
    }
    out
}

/// About the length of a value's JSON text, without writing it.
fn json_size(v: &Value) -> usize {
    match v {
        Value::Null | Value::Bool(_) => 5,
        Value::Number(_) => 20,
        Value::String(s) => s.len() + 2,
        Value::Array(items) => items.iter().map(|i| json_size(i) + 1).sum::<usize>() + 2,
        Value::Object(obj) => {
            obj.iter()
                .map(|(k, v)| k.len() + 4 + json_size(v))
                .sum::<usize>()
                + 2
        }
    }
}
