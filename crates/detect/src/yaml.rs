//! A small YAML tree that remembers where every node came from.
//!
//! Rule authors need "file:line: what to fix" messages, and serde-based YAML
//! values forget positions. We build our own tree from `saphyr-parser` events
//! (which carry spans), resolving plain scalars with the YAML 1.2 core schema.
//! Depth and size are bounded so hostile input (deep nesting, alias bombs)
//! yields an error instead of a stack overflow or memory blow-up.

use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;

/// Deepest nesting we accept; real rules use fewer than ten levels.
const MAX_DEPTH: usize = 64;
/// Most nodes one file may expand to (aliases included).
const MAX_NODES: usize = 200_000;

/// One YAML node with its 1-based line and column.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub line: usize,
    pub col: usize,
}

/// The value of a node.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string; `quoted` tells whether the author quoted it (so `'null'` stays a string).
    Str {
        text: String,
        quoted: bool,
    },
    Seq(Vec<Node>),
    /// Mapping entries in file order (duplicates are reported by the rule parser).
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The node as JSON (maps keep their order; keys as text).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.kind {
            NodeKind::Null => J::Null,
            NodeKind::Bool(b) => J::Bool(*b),
            NodeKind::Int(i) => J::from(*i),
            NodeKind::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or(J::Null),
            NodeKind::Str { text, .. } => J::String(text.clone()),
            NodeKind::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.scalar_text().unwrap_or_default(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// The string of a scalar node; numbers and booleans in their YAML text form.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            NodeKind::Str { text, .. } => Some(text.clone()),
            NodeKind::Int(i) => Some(i.to_string()),
            NodeKind::Float(f) => Some(f.to_string()),
            NodeKind::Bool(b) => Some(b.to_string()),
            NodeKind::Null => None,
            NodeKind::Seq(_) | NodeKind::Map(_) => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Looks a key up in a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// A short name for the node's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Int(_) => "an integer",
            NodeKind::Float(_) => "a number",
            NodeKind::Str { .. } => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a map",
        }
    }
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {col}: {message}")]
pub struct YamlError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// One document of a (possibly multi-document) file.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Line of the document's first token (after `---`).
    pub line: usize,
    pub root: Node,
}

enum Frame {
    Seq(Node, usize),
    /// A mapping under construction and the key waiting for its value.
    Map(Node, usize, Option<Node>),
}

/// Parses every document of `text`. Empty documents are skipped.
pub fn load(text: &str) -> Result<Vec<Document>, YamlError> {
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut nodes = 0usize;
    let mut doc_line = 1usize;
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| YamlError {
            line: e.marker().line(),
            col: e.marker().col() + 1,
            message: e.info().to_owned(),
        })?;
        let line = span.start.line();
        let col = span.start.col() + 1;
        let err = |message: String| YamlError { line, col, message };
        let (node, anchor) = match event {
            Event::DocumentStart(_) => {
                doc_line = line;
                anchors.clear();
                continue;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => continue,
            Event::Alias(id) => {
                let target = anchors
                    .get(&id)
                    .ok_or_else(|| err("alias refers to an unknown anchor".into()))?;
                nodes += count(target);
                if nodes > MAX_NODES {
                    return Err(err(format!(
                        "document expands to more than {MAX_NODES} nodes"
                    )));
                }
                (target.clone(), 0)
            }
            Event::Scalar(value, style, anchor, tag) => {
                nodes += 1;
                let tagged_str = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let kind = if style == ScalarStyle::Plain && !tagged_str {
                    resolve_plain(&value)
                } else {
                    NodeKind::Str {
                        text: value.into_owned(),
                        quoted: style != ScalarStyle::Plain,
                    }
                };
                (Node { kind, line, col }, anchor)
            }
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err(format!("nesting deeper than {MAX_DEPTH} levels")));
                }
                stack.push(Frame::Seq(
                    Node {
                        kind: NodeKind::Seq(Vec::new()),
                        line,
                        col,
                    },
                    anchor,
                ));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err(format!("nesting deeper than {MAX_DEPTH} levels")));
                }
                stack.push(Frame::Map(
                    Node {
                        kind: NodeKind::Map(Vec::new()),
                        line,
                        col,
                    },
                    anchor,
                    None,
                ));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(node, anchor)) | Some(Frame::Map(node, anchor, None)) => {
                    nodes += 1;
                    (node, anchor)
                }
                Some(Frame::Map(_, _, Some(_))) => {
                    return Err(err("mapping key without a value".into()));
                }
                None => return Err(err("unbalanced end of collection".into())),
            },
        };
        if nodes > MAX_NODES {
            return Err(err(format!("document has more than {MAX_NODES} nodes")));
        }
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => {
                if node.kind != NodeKind::Null {
                    docs.push(Document {
                        line: doc_line,
                        root: node,
                    });
                }
            }
            Some(Frame::Seq(seq, _)) => {
                if let NodeKind::Seq(items) = &mut seq.kind {
                    items.push(node);
                }
            }
            Some(Frame::Map(map, _, pending)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => {
                    if let NodeKind::Map(entries) = &mut map.kind {
                        entries.push((key, node));
                    }
                }
            },
        }
    }
    Ok(docs)
}

fn count(node: &Node) -> usize {
    match &node.kind {
        NodeKind::Seq(items) => 1 + items.iter().map(count).sum::<usize>(),
        NodeKind::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| count(k) + count(v))
                .sum::<usize>()
        }
        _ => 1,
    }
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn resolve_plain(text: &str) -> NodeKind {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        "true" | "True" | "TRUE" => return NodeKind::Bool(true),
        "false" | "False" | "FALSE" => return NodeKind::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return NodeKind::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return NodeKind::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return NodeKind::Float(f64::NAN),
        _ => {}
    }
    if let Some(hex) = text.strip_prefix("0x")
        && !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
        && let Ok(i) = i64::from_str_radix(hex, 16)
    {
        return NodeKind::Int(i);
    }
    if let Some(oct) = text.strip_prefix("0o")
        && !oct.is_empty()
        && oct.bytes().all(|b| (b'0'..=b'7').contains(&b))
        && let Ok(i) = i64::from_str_radix(oct, 8)
    {
        return NodeKind::Int(i);
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = text.parse::<i64>() {
            return NodeKind::Int(i);
        }
    } else if is_core_float(digits)
        && let Ok(f) = text.parse::<f64>()
    {
        return NodeKind::Float(f);
    }
    NodeKind::Str {
        text: text.to_owned(),
        quoted: false,
    }
}

/// `[0-9]*(\.[0-9]*)?([eE][-+]?[0-9]+)?` with at least one digit before the exponent.
fn is_core_float(s: &str) -> bool {
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (s.get(..i).unwrap_or(""), s.get(i + 1..)),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((a, b)) => (a, b),
        None => (mantissa, ""),
    };
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    if !(digits(int) && digits(frac)) || (int.is_empty() && frac.is_empty()) {
        return false;
    }
    if !mantissa.contains('.') && exp.is_none() {
        return false;
    }
    match exp {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && digits(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_types() {
        let docs = load("title: x\nlevel: 3\nf: 1.5\nb: true\nn: ~\nq: 'null'\n---\na: [1, two]\n")
            .unwrap();
        assert_eq!(docs.len(), 2);
        let r = &docs[0].root;
        assert_eq!(r.get("level").unwrap().kind, NodeKind::Int(3));
        assert_eq!(r.get("level").unwrap().line, 2);
        assert_eq!(r.get("f").unwrap().kind, NodeKind::Float(1.5));
        assert_eq!(r.get("b").unwrap().kind, NodeKind::Bool(true));
        assert_eq!(r.get("n").unwrap().kind, NodeKind::Null);
        assert_eq!(r.get("q").unwrap().as_str(), Some("null"));
        assert_eq!(docs[1].line, 7);
        let a = docs[1].root.get("a").unwrap();
        assert!(matches!(&a.kind, NodeKind::Seq(v) if v.len() == 2));
    }

    #[test]
    fn anchors_resolve_and_bombs_are_refused() {
        let docs = load("a: &x [1, 2]\nb: *x\n").unwrap();
        let (a, b) = (
            docs[0].root.get("a").unwrap(),
            docs[0].root.get("b").unwrap(),
        );
        assert_eq!(a.kind, b.kind);
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let prev = (b'a' + i - 1) as char;
            let cur = (b'a' + i) as char;
            bomb.push_str(&format!("{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert!(load(&bomb).is_err());
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let deep = "[".repeat(10_000);
        assert!(load(&deep).is_err());
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert!(load(&deep).is_err());
    }

    #[test]
    fn syntax_error_has_position() {
        let e = load("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.line >= 1, "{e}");
    }

    #[test]
    fn plain_scalars() {
        assert_eq!(resolve_plain("0x10"), NodeKind::Int(16));
        assert_eq!(resolve_plain("-12"), NodeKind::Int(-12));
        assert_eq!(resolve_plain("1e3"), NodeKind::Float(1000.0));
        assert!(matches!(resolve_plain("1.2.3"), NodeKind::Str { .. }));
        assert!(matches!(resolve_plain("e3"), NodeKind::Str { .. }));
        assert!(matches!(resolve_plain("."), NodeKind::Str { .. }));
        assert!(matches!(resolve_plain("-"), NodeKind::Str { .. }));
    }
}
