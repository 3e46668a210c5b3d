//! Mesos resources, in the two forms the logs print them:
//!
//! - text (`Resources` `operator<<`): `cpus(allocated: ml):8; mem(allocated: ml):65536; ports(allocated: ml):[31000-32000]`,
//!   or an agent's totals `cpus:32; mem:128837; disk:890210; ports:[31000-32000]`;
//! - JSON (`RepeatedPtrField<Resource>`): `[{"allocation_info":{"role":"*"},"name":"cpus","scalar":{"value":0.5},"type":"SCALAR"},...]`.
//!
//! Both give `mesos.resources` plus numeric `cpus`/`mem`/`disk`/`gpus` sums
//! (what resource-abuse rules compare) and the allocation role.

use sightline_decode::{Event, field};

/// Scalar sums and the first role seen.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Totals {
    pub cpus: Option<f64>,
    pub mem: Option<f64>,
    pub disk: Option<f64>,
    pub gpus: Option<f64>,
    pub role: Option<String>,
}

impl Totals {
    fn add(&mut self, name: &str, value: f64) {
        let slot = match name {
            "cpus" => &mut self.cpus,
            "mem" => &mut self.mem,
            "disk" => &mut self.disk,
            "gpus" => &mut self.gpus,
            _ => return,
        };
        *slot = Some(slot.unwrap_or(0.0) + value);
    }

    fn set(&self, ev: &mut Event) {
        for (name, v) in [
            (field::MESOS_RESOURCES_CPUS, self.cpus),
            (field::MESOS_RESOURCES_MEM, self.mem),
            (field::MESOS_RESOURCES_DISK, self.disk),
            (field::MESOS_RESOURCES_GPUS, self.gpus),
        ] {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                ev.set(name, v);
            }
        }
        if let Some(r) = &self.role {
            ev.set(field::MESOS_ROLE, r.as_str());
        }
    }
}

/// Parses the text form.
pub fn parse_text(s: &str) -> Totals {
    let mut t = Totals::default();
    for item in s.split("; ") {
        let item = item.trim();
        // The value follows the last ':' outside parentheses and brackets.
        let mut depth = 0i32;
        let mut colon = None;
        for (i, b) in item.bytes().enumerate() {
            match b {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                b':' if depth == 0 => colon = Some(i),
                _ => {}
            }
        }
        let Some(c) = colon else { continue };
        let (head, value) = (&item[..c], &item[c + 1..]);
        let name = head.split('(').next().unwrap_or(head);
        if t.role.is_none()
            && let Some(role) = crate::text::between(head, "(allocated: ", ")")
        {
            t.role = Some(role.to_owned());
        }
        if let Ok(v) = value.parse::<f64>() {
            t.add(name, v);
        }
    }
    t
}

/// Parses the JSON form at the start of `s`; returns the totals, a compact
/// text rendering (`cpus:0.5; mem:512`) and the rest of `s` after the array.
pub fn parse_json(s: &str) -> Option<(Totals, String, &str)> {
    let mut stream = serde_json::Deserializer::from_str(s).into_iter::<serde_json::Value>();
    let value = stream.next()?.ok()?;
    let end = stream.byte_offset();
    let list = value.as_array()?;
    let mut t = Totals::default();
    let mut text = Vec::new();
    for r in list {
        let Some(name) = r.get("name").and_then(|n| n.as_str()) else {
            continue;
        };
        if t.role.is_none() {
            let role = r
                .get("allocation_info")
                .and_then(|a| a.get("role"))
                .or_else(|| r.get("role"))
                .and_then(|x| x.as_str());
            t.role = role.map(str::to_owned);
        }
        if let Some(v) = r
            .get("scalar")
            .and_then(|x| x.get("value"))
            .and_then(|x| x.as_f64())
        {
            t.add(name, v);
            text.push(format!("{name}:{v}"));
        } else if let Some(ranges) = r
            .get("ranges")
            .and_then(|x| x.get("range"))
            .and_then(|x| x.as_array())
        {
            let parts: Vec<String> = ranges
                .iter()
                .map(|x| {
                    format!(
                        "{}-{}",
                        x.get("begin").unwrap_or(&serde_json::Value::Null),
                        x.get("end").unwrap_or(&serde_json::Value::Null)
                    )
                })
                .collect();
            text.push(format!("{name}:[{}]", parts.join(", ")));
        }
    }
    Some((t, text.join("; "), s.get(end..).unwrap_or("")))
}

/// Sets `mesos.resources` and the sums from resources in either form.
/// Returns the text after a JSON array (empty for the text form).
pub fn set<'a>(ev: &mut Event, s: &'a str) -> &'a str {
    let s = s.trim();
    if s.starts_with("[{")
        && let Some((t, text, rest)) = parse_json(s)
    {
        ev.set(field::MESOS_RESOURCES, text);
        t.set(ev);
        return rest;
    }
    if !s.is_empty() {
        ev.set(field::MESOS_RESOURCES, s);
        parse_text(s).set(ev);
    }
    ""
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form() {
        let t = parse_text(
            "cpus(allocated: ml):44.1; mem(allocated: ml):350032; gpus(allocated: ml):2; ports(allocated: ml):[31000-32000]",
        );
        assert_eq!(
            (t.cpus, t.mem, t.gpus, t.disk),
            (Some(44.1), Some(350032.0), Some(2.0), None)
        );
        assert_eq!(t.role.as_deref(), Some("ml"));
        let t = parse_text("cpus:96; mem:773000; disk:1900000; ports:[31000-32000]");
        assert_eq!(
            (t.cpus, t.mem, t.disk, t.role),
            (Some(96.0), Some(773000.0), Some(1900000.0), None)
        );
        let t =
            parse_text("cpus(allocated: *)(reservations: [(STATIC,ml)]):2; cpus(allocated: *):1");
        assert_eq!((t.cpus, t.role.as_deref()), (Some(3.0), Some("*")));
        assert_eq!(parse_text("garbage"), Totals::default());
    }

    #[test]
    fn json_form() {
        let s = r#"[{"allocation_info":{"role":"batch"},"name":"cpus","scalar":{"value":0.25},"type":"SCALAR"},{"allocation_info":{"role":"batch"},"name":"mem","scalar":{"value":256.0},"type":"SCALAR"}] on agent X"#;
        let (t, text, rest) = parse_json(s).unwrap();
        assert_eq!(
            (t.cpus, t.mem, t.role.as_deref()),
            (Some(0.25), Some(256.0), Some("batch"))
        );
        assert_eq!(text, "cpus:0.25; mem:256");
        assert_eq!(rest, " on agent X");
        let s = r#"[{"name":"ports","ranges":{"range":[{"begin":31000,"end":32000}]},"type":"RANGES"}]"#;
        assert_eq!(parse_json(s).unwrap().1, "ports:[31000-32000]");
        assert!(parse_json("[{\"name\":").is_none());
    }
}
