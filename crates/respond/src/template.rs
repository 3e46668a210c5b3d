//! `{label}` templates. A placeholder names a label of the alert
//! (`{host}`, `{ray.job.submission_id}`) or one of its fields (`{alert.id}`,
//! `{alert.url}`, `{alert.count}`, `{alert.summary}`); `{{` and `}}` are
//! literal braces. A placeholder whose value is absent or empty refuses the
//! whole rendering: a command never runs with an empty argument.
//!
//! Values are never interpreted: the caller chooses how they are encoded for
//! where they go (a URL path segment, one argv element, a JSON string).

use sightline_route::{AlertInfo, Labels};
use std::fmt;

/// Labels a rule or the pipeline sets, not the events: a template made only
/// of these cannot be steered by log content.
const RULE_LABELS: &[&str] = &[
    "rule",
    "rule_id",
    "level",
    "type",
    "tags",
    "module",
    "dataset",
    "alert.id",
    "alert.url",
    "alert.count",
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Var(String),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
    source: String,
}

/// Why a template could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("{0:?}: a {{ is not closed (write {{{{ for a literal brace)")]
    Unclosed(String),
    #[error("{0:?}: a }} is not opened (write }}}} for a literal brace)")]
    Unopened(String),
    #[error("{text:?}: {name:?} is not a label name (letters, digits, _, . and -)")]
    BadName { text: String, name: String },
}

/// Why a rendering was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("the alert has no {0} label (or it is empty)")]
    Missing(String),
    #[error("the value of {name} ({value:?}) cannot be used here: {why}")]
    Unusable {
        name: String,
        value: String,
        why: &'static str,
    },
}

/// How substituted values are checked and encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// As is (one argv element, a JSON string, a host name). NUL is refused:
    /// no process argument or header can carry it.
    Plain,
    /// Percent-encoded as one URL path segment; `.` and `..` are refused, as
    /// URL parsers treat even their encoded forms as dot segments.
    PathSegment,
}

/// Everything but RFC 3986 unreserved characters is encoded.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl Template {
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    lit.push('}');
                }
                '}' => return Err(TemplateError::Unopened(text.into())),
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) => name.push(c),
                            None => return Err(TemplateError::Unclosed(text.into())),
                        }
                    }
                    let name = name.trim().to_owned();
                    if name.is_empty()
                        || !name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
                    {
                        return Err(TemplateError::BadName {
                            text: text.into(),
                            name,
                        });
                    }
                    if !lit.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut lit)));
                    }
                    parts.push(Part::Var(name));
                }
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Text(lit));
        }
        Ok(Template {
            parts,
            source: text.to_owned(),
        })
    }

    /// The placeholders' names.
    pub fn vars(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(v) => Some(v.as_str()),
            Part::Text(_) => None,
        })
    }

    /// Whether a placeholder takes its value from event data (any label a
    /// rule or the pipeline does not set itself, and the summary).
    pub fn uses_event_data(&self) -> bool {
        self.vars().any(|v| !RULE_LABELS.contains(&v))
    }

    /// Whether the template has no placeholder at all.
    pub fn is_constant(&self) -> bool {
        self.vars().next().is_none()
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn render(&self, alert: &AlertInfo, ctx: Context) -> Result<String, RenderError> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Var(name) => {
                    let value = lookup(alert, name)
                        .filter(|v| !v.is_empty())
                        .ok_or_else(|| RenderError::Missing(name.clone()))?;
                    let unusable = |why| RenderError::Unusable {
                        name: name.clone(),
                        value: value.clone(),
                        why,
                    };
                    if value.contains('\0') {
                        return Err(unusable("it contains a NUL byte"));
                    }
                    match ctx {
                        Context::Plain => out.push_str(&value),
                        Context::PathSegment => {
                            if value == "." || value == ".." {
                                return Err(unusable("a dot segment would change the URL path"));
                            }
                            out.extend(percent_encoding::utf8_percent_encode(&value, SEGMENT));
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

fn lookup(alert: &AlertInfo, name: &str) -> Option<String> {
    match name {
        "alert.id" => Some(alert.id.clone()),
        "alert.url" => alert.url.clone(),
        "alert.count" => Some(alert.count.to_string()),
        "alert.summary" => Some(alert.summary.clone()),
        _ => label(&alert.labels, name),
    }
}

fn label(labels: &Labels, name: &str) -> Option<String> {
    labels.get(name).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;
    use sightline_route::AlertState;

    fn alert(pairs: &[(&str, &str)]) -> AlertInfo {
        AlertInfo {
            id: "a1".into(),
            labels: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            state: AlertState::Firing,
            summary: "s".into(),
            explanation: String::new(),
            count: 3,
            first_seen: Timestamp::UNIX_EPOCH,
            last_seen: Timestamp::UNIX_EPOCH,
            url: None,
        }
    }

    #[test]
    fn substitutes_labels_and_alert_fields() {
        let t = Template::parse("{host}:{alert.id}:{alert.count} {{x}}").unwrap();
        let a = alert(&[("host", "n1")]);
        assert_eq!(t.render(&a, Context::Plain).unwrap(), "n1:a1:3 {x}");
        assert_eq!(
            t.vars().collect::<Vec<_>>(),
            ["host", "alert.id", "alert.count"]
        );
        assert!(t.uses_event_data());
        assert!(!Template::parse("{rule_id}").unwrap().uses_event_data());
    }

    #[test]
    fn a_missing_or_empty_label_refuses_the_rendering() {
        let t = Template::parse("--host={host}").unwrap();
        assert_eq!(
            t.render(&alert(&[]), Context::Plain),
            Err(RenderError::Missing("host".into()))
        );
        assert!(t.render(&alert(&[("host", "")]), Context::Plain).is_err());
        assert!(matches!(
            Template::parse("{url}")
                .unwrap()
                .render(&alert(&[]), Context::Plain),
            Err(RenderError::Missing(_))
        ));
    }

    #[test]
    fn path_segments_are_encoded_and_dot_segments_refused() {
        let t = Template::parse("/api/jobs/{id}/stop").unwrap();
        let r = t
            .render(&alert(&[("id", "a/../b c?d#e%")]), Context::PathSegment)
            .unwrap();
        assert_eq!(r, "/api/jobs/a%2F..%2Fb%20c%3Fd%23e%25/stop");
        for dots in [".", ".."] {
            assert!(matches!(
                t.render(&alert(&[("id", dots)]), Context::PathSegment),
                Err(RenderError::Unusable { .. })
            ));
        }
        assert!(t.render(&alert(&[("id", "a\0b")]), Context::Plain).is_err());
    }

    #[test]
    fn refuses_malformed_templates() {
        assert!(matches!(
            Template::parse("{host"),
            Err(TemplateError::Unclosed(_))
        ));
        assert!(matches!(
            Template::parse("a}b"),
            Err(TemplateError::Unopened(_))
        ));
        assert!(matches!(
            Template::parse("{}"),
            Err(TemplateError::BadName { .. })
        ));
        assert!(matches!(
            Template::parse("{a b}"),
            Err(TemplateError::BadName { .. })
        ));
    }
}
