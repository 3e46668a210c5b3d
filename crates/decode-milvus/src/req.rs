//! The request a proxy line logs as `req` (`OperatePrivilege`,
//! `OperateUserRole`, `CreateRole`...), flattened to dotted paths. zap
//! renders it as JSON (reflection) or as protobuf text format (a proto's
//! `String()`), so both are read.

use crate::gostr;

/// Flattened request members: `entity.role.name` → `shadow_ops`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Req {
    pairs: Vec<(String, String)>,
}

impl Req {
    /// Reads a request in JSON or protobuf text format. Unreadable text
    /// gives an empty request.
    pub fn parse(text: &str) -> Req {
        let mut pairs = Vec::new();
        let t = text.trim();
        if t.starts_with('{')
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(t)
        {
            flatten_json("", &v, &mut pairs);
            return Req { pairs };
        }
        proto_text(t, &mut pairs);
        Req { pairs }
    }

    /// The value at a dotted path.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == path)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The first of several paths that has a value.
    pub fn first(&self, paths: &[&str]) -> Option<&str> {
        paths.iter().find_map(|p| self.get(p))
    }
}

fn flatten_json(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    use serde_json::Value as J;
    // Bound the work on hostile input.
    if out.len() > 256 {
        return;
    }
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        J::Object(m) => {
            for (k, x) in m {
                flatten_json(&join(k), x, out);
            }
        }
        J::Array(a) => {
            for x in a {
                flatten_json(prefix, x, out);
            }
        }
        J::String(s) => out.push((prefix.to_owned(), s.clone())),
        J::Null => {}
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

/// Protobuf text format: `name:"x" entity:{role:{name:"r"}} type:Grant`
/// (also `<...>` message delimiters and fields without `:` before `{`).
fn proto_text(t: &str, out: &mut Vec<(String, String)>) {
    let b = t.as_bytes();
    let mut path: Vec<&str> = Vec::new();
    let mut i = 0;
    let mut pending_key: Option<&str> = None;
    while i < b.len() && out.len() <= 256 {
        let c = b[i];
        if c.is_ascii_whitespace() || c == b',' || c == b';' {
            i += 1;
        } else if c == b'{' || c == b'<' {
            if let Some(k) = pending_key.take()
                && path.len() < 16
            {
                path.push(k);
            }
            i += 1;
        } else if c == b'}' || c == b'>' {
            path.pop();
            i += 1;
        } else if c == b':' {
            i += 1;
        } else if c == b'"' {
            let Some(end) = gostr::quote_end(b, i) else {
                return;
            };
            if let Some(k) = pending_key.take() {
                out.push((join(&path, k), gostr::unescape(&t[i + 1..end]).into_owned()));
            }
            i = end + 1;
        } else {
            let len = b[i..]
                .iter()
                .take_while(|&&c| !(c.is_ascii_whitespace() || b":{}<>\",;".contains(&c)))
                .count()
                .max(1);
            let word = t.get(i..i + len).unwrap_or("");
            i += len;
            // A word right after a key (and its colon) is a scalar value;
            // otherwise it is the next key.
            match pending_key.take() {
                Some(k) => out.push((join(&path, k), word.to_owned())),
                None => pending_key = Some(word),
            }
        }
    }
}

fn join(path: &[&str], key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{}.{key}", path.join("."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_requests() {
        let r = Req::parse(
            r#"{"entity":{"role":{"name":"shadow_ops"},"object":{"name":"Global"},"object_name":"*","grantor":{"user":{"name":"dana.w"},"privilege":{"name":"All"}},"db_name":"*"},"type":0}"#,
        );
        assert_eq!(r.get("entity.role.name"), Some("shadow_ops"));
        assert_eq!(r.get("entity.grantor.privilege.name"), Some("All"));
        assert_eq!(r.get("type"), Some("0"));
        assert_eq!(r.get("missing"), None);
        assert_eq!(r.first(&["x", "entity.object_name"]), Some("*"));
    }

    #[test]
    fn proto_text_requests() {
        let r = Req::parse(
            r#"entity:{role:{name:"shadow_ops"}  object:{name:"Global"} object_name:"*" grantor:{user:{name:"dana.w"} privilege:{name:"All"}}} type:Revoke"#,
        );
        assert_eq!(r.get("entity.role.name"), Some("shadow_ops"));
        assert_eq!(r.get("entity.grantor.user.name"), Some("dana.w"));
        assert_eq!(r.get("type"), Some("Revoke"));
        let r = Req::parse(r#"username:"svc \"x\"" role_name:"admin" type:RemoveUserFromRole"#);
        assert_eq!(r.get("username"), Some("svc \"x\""));
        assert_eq!(r.get("type"), Some("RemoveUserFromRole"));
    }

    #[test]
    fn garbage_is_harmless() {
        for t in [
            "",
            "{",
            "}}}}",
            "\"unterminated",
            "a:",
            "{{{{{{{{{{{{{{{{{{{{{{{{x:1",
            "é:ü",
        ] {
            let _ = Req::parse(t);
        }
    }
}
