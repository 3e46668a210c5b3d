//! JSON values → attribute text, shared by the JSON-based receivers.

use crate::attrs::Attrs;
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
