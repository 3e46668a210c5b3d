//! A minimal JSON tree that borrows from the line it was parsed from.
//!
//! `serde_json::Value` allocates a `String` for every key and string value and
//! sorts keys into a map; SDK lines carry ~20 short keys each, so borrowing
//! them (serde_json hands out `&str` into the input when a string has no
//! escapes) roughly halves the decoding cost. Key order and duplicate keys are
//! kept as written.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// One JSON value. Integers that do not fit `i64` become floats.
#[derive(Debug, Clone, PartialEq)]
pub enum J<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    Arr(Vec<J<'a>>),
    Obj(Vec<(Cow<'a, str>, J<'a>)>),
}

/// The members of a JSON object, in the order written.
pub type Members<'a> = Vec<(Cow<'a, str>, J<'a>)>;

/// Parses `text` as one JSON object. Anything else (arrays, scalars, trailing
/// garbage, bad syntax) is an error whose text says why.
pub fn parse_object(text: &str) -> Result<Members<'_>, String> {
    match serde_json::from_str::<J<'_>>(text) {
        Ok(J::Obj(members)) => Ok(members),
        Ok(_) => Err("JSON value is not an object".to_owned()),
        Err(e) => Err(format!("invalid JSON: {e}")),
    }
}

impl<'a> J<'a> {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            J::Str(s) => Some(s),
            _ => None,
        }
    }

    /// An integer, also from a float without fraction or a numeric string
    /// (producers in other languages sometimes quote numbers).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            J::Int(i) => Some(*i),
            J::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Some(*f as i64),
            J::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            J::Int(i) => Some(*i as f64),
            J::Float(f) => Some(*f),
            J::Str(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            J::Bool(b) => Some(*b),
            J::Int(0) => Some(false),
            J::Int(1) => Some(true),
            J::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Some(true),
                "false" | "no" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// A member of an object by key (the last one wins, as in most parsers).
    pub fn get(&self, key: &str) -> Option<&J<'a>> {
        match self {
            J::Obj(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value as compact JSON text (strings unquoted), for labels and lists.
    pub fn to_text(&self) -> String {
        match self {
            J::Str(s) => s.to_string(),
            other => {
                let mut out = String::new();
                other.write_json(&mut out);
                out
            }
        }
    }

    fn write_json(&self, out: &mut String) {
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Int(i) => out.push_str(&i.to_string()),
            J::Float(f) => out.push_str(&f.to_string()),
            J::Str(s) => out.push_str(&serde_json::Value::String(s.to_string()).to_string()),
            J::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            J::Obj(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(k.to_string()).to_string());
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }
}

impl<'de> Deserialize<'de> for J<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JVisitor)
    }
}

struct JVisitor;

impl<'de> Visitor<'de> for JVisitor {
    type Value = J<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<J<'de>, E> {
        Ok(J::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<J<'de>, E> {
        Ok(J::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<J<'de>, E> {
        Ok(i64::try_from(v).map_or(J::Float(v as f64), J::Int))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<J<'de>, E> {
        Ok(J::Float(v))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<J<'de>, E> {
        Ok(J::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<J<'de>, E> {
        Ok(J::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<J<'de>, E> {
        Ok(J::Str(Cow::Owned(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<J<'de>, E> {
        Ok(J::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<J<'de>, E> {
        Ok(J::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<J<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<J<'de>>()? {
            items.push(item);
        }
        Ok(J::Arr(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<J<'de>, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(24));
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let value = map.next_value::<J<'de>>()?;
            members.push((key.0, value));
        }
        Ok(J::Obj(members))
    }
}

/// An object key, borrowed when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrows_plain_strings_and_keeps_order() {
        let m = parse_object(r#"{"b":"x","a":1,"c":{"d":null},"e":[true,2.5]}"#).unwrap();
        let keys: Vec<&str> = m.iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(keys, ["b", "a", "c", "e"]);
        assert!(matches!(&m[0].1, J::Str(Cow::Borrowed("x"))));
        assert_eq!(m[2].1.get("d"), Some(&J::Null));
        assert_eq!(m[3].1.to_text(), "[true,2.5]");
    }

    #[test]
    fn escaped_strings_are_owned_and_unescaped() {
        let m = parse_object(r#"{"k\u0041":"a\"b"}"#).unwrap();
        assert_eq!(m[0].0, "kA");
        assert_eq!(m[0].1.as_str(), Some("a\"b"));
    }

    #[test]
    fn rejects_non_objects_and_garbage() {
        assert!(parse_object("[1,2]").is_err());
        assert!(parse_object("{\"a\":1} trailing").is_err());
        assert!(parse_object("{\"a\":").is_err());
        assert!(parse_object("").is_err());
        // Deep nesting hits serde_json's recursion limit instead of the stack.
        let deep = "[".repeat(100_000);
        assert!(parse_object(&deep).is_err());
    }

    #[test]
    fn huge_integers_become_floats() {
        let m = parse_object(r#"{"n":18446744073709551615,"s":"12"}"#).unwrap();
        assert!(matches!(m[0].1, J::Float(_)));
        assert_eq!(m[1].1.as_i64(), Some(12));
    }
}
