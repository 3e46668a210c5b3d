//! The main log with `log.format: json`: zap's JSON encoder with the same
//! encoder config as the text format, so the members are `level`, `time`
//! (`2006/01/02 15:04:05.000 -07:00`, a string), `name`, `caller`,
//! `message`, the context fields, then `stack`.

use crate::fields::FVal;
use serde_json::Value as J;
use std::borrow::Cow;

/// One parsed entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ZapJson {
    pub level: String,
    pub time: String,
    pub logger: Option<String>,
    pub caller: Option<String>,
    pub message: String,
    pub fields: Vec<(Cow<'static, str>, FVal<'static>)>,
}

/// Parses a JSON entry. `Err` says why it is not one (not JSON, or a JSON
/// object without zap's level and time members).
pub fn parse(text: &str) -> Result<ZapJson, String> {
    let map: serde_json::Map<String, J> =
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let mut level = None;
    let mut time = None;
    let mut logger = None;
    let mut caller = None;
    let mut message = None;
    let mut fields = Vec::with_capacity(map.len());
    for (k, v) in map {
        // The encoder config's keys, and the zap production defaults
        // (`ts`, `msg`, `logger`) in case an operator changes them.
        match (k.as_str(), v) {
            ("level", J::String(s)) => level = Some(s),
            ("time" | "ts", J::String(s)) => time = Some(s),
            // An epoch time (zap's EpochTimeEncoder), should an operator change the encoder.
            ("time" | "ts", J::Number(n)) => time = Some(n.to_string()),
            ("caller", J::String(s)) => caller = Some(s),
            ("message" | "msg", J::String(s)) => message = Some(s),
            ("name" | "logger", J::String(s)) => logger = Some(s),
            (_, v) => {
                if let Some(val) = fval(v) {
                    fields.push((Cow::Owned(k), val));
                }
            }
        }
    }
    let level = level.ok_or("JSON object without a `level` string")?;
    let time = time.ok_or("JSON object without a `time` string")?;
    Ok(ZapJson {
        level,
        time,
        logger,
        caller,
        message: message.unwrap_or_default(),
        fields,
    })
}

/// A JSON value as a field value; `null` is no value.
fn fval(v: J) -> Option<FVal<'static>> {
    Some(match v {
        J::Null => return None,
        J::Bool(b) => FVal::Bool(b),
        J::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => FVal::Int(i),
            // Beyond i64 (uint64 ids, timestamps): keep the digits exactly.
            _ if n.is_u64() => FVal::Str(Cow::Owned(n.to_string())),
            (None, Some(f)) => FVal::Float(f),
            (None, None) => FVal::Str(Cow::Owned(n.to_string())),
        },
        J::String(s) => FVal::Str(Cow::Owned(s)),
        J::Array(a) => FVal::List(
            a.into_iter()
                .map(|x| match x {
                    J::String(s) => s,
                    other => other.to_string(),
                })
                .collect(),
        ),
        obj @ J::Object(_) => FVal::Str(Cow::Owned(obj.to_string())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_deny_json() {
        let line = r#"{"level":"INFO","time":"2026/03/09 08:15:54.710 +00:00","caller":"proxy/privilege_interceptor.go:174","message":"permission deny","traceID":"c5038d129e21dab3b8ea1d2708159574","username":"dana.w","role_names":["public"],"object_type":"Global","object_privilege":"PrivilegeCreateRole","db_name":"default","object_index":0,"object_name":"*","object_indexs":0,"object_names":[],"roles":["public"]}"#;
        let z = parse(line).unwrap();
        assert_eq!(z.level, "INFO");
        assert_eq!(z.time, "2026/03/09 08:15:54.710 +00:00");
        assert_eq!(
            z.caller.as_deref(),
            Some("proxy/privilege_interceptor.go:174")
        );
        assert_eq!(z.message, "permission deny");
        let get = |k: &str| {
            z.fields
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("role_names"), Some(FVal::List(vec!["public".into()])));
        assert_eq!(get("object_index"), Some(FVal::Int(0)));
        assert_eq!(get("object_names"), Some(FVal::List(vec![])));
    }

    #[test]
    fn numbers_objects_and_nulls() {
        let z = parse(r#"{"level":"WARN","time":"t","message":"m","big":18446744073709551615,"f":0.95,"o":{"a":1},"n":null,"ids":[449015319773826975, 1]}"#).unwrap();
        let get = |k: &str| {
            z.fields
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            get("big"),
            Some(FVal::Str(Cow::Owned("18446744073709551615".into())))
        );
        assert_eq!(get("f"), Some(FVal::Float(0.95)));
        assert_eq!(get("o"), Some(FVal::Str(Cow::Owned(r#"{"a":1}"#.into()))));
        assert_eq!(get("n"), None);
        assert_eq!(
            get("ids"),
            Some(FVal::List(vec!["449015319773826975".into(), "1".into()]))
        );
    }

    #[test]
    fn not_zap_json() {
        assert!(parse("").is_err());
        assert!(parse("{").is_err());
        assert!(parse("[1,2]").is_err());
        assert!(parse(r#"{"message":"no level"}"#).is_err());
        assert!(parse(r#"{"level":"INFO"}"#).is_err());
    }
}
