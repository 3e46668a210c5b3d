//! The tantivy index: schema, tokenizer and the document built for each event.
//!
//! The index stores no event content. Each document carries the record's
//! `seq` (which locates it in the segments) and `ts`, plus inverted terms for
//! every way a query can select it. Field values are indexed as the query
//! evaluator (`sightline_query::Expr::matches`) sees them:
//!
//! | field    | terms                                                      | serves |
//! |----------|------------------------------------------------------------|--------|
//! | `seq`    | u64, fast                                                  | locating, retention deletes |
//! | `ts`     | i64 ns since epoch, fast                                   | time bounds, sort, timecharts |
//! | `dataset`| raw, fast                                                  | `count by event.dataset` |
//! | `text`   | words of `message` and `event.original` (same tokenizer as `sightline_query::tokenize`) | free text |
//! | `kv`     | `name \0 lower(string value)`                              | field terms, wildcards, text ranges |
//! | `kvx`    | `name \0 number or bool as text`                           | terms and wildcards on non-strings |
//! | `num`    | `name \0 sortable hex of an integer/float value`           | numeric terms and ranges |
//! | `nums`   | `name \0 sortable hex of a string that is a number`        | numeric ranges over strings |
//! | `exists` | field names                                                | `_exists_` |
//! | `long`   | names of fields with a string value over [`KV_MAX`] bytes  | marks where `kv` is incomplete |
//! | `c_*`    | fast string columns of a few common fields                 | `count by` / `top` without reading events |

use sightline_event::{Event, FieldRef, field};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{Index, TantivyDocument};

/// Longest string value indexed whole in `kv`; longer values are marked in
/// `long` and queries on that field are checked against the events.
pub const KV_MAX: usize = 512;

/// Name of the registered word tokenizer.
pub(crate) const WORDS: &str = "sightline_words";

/// Fields with a fast string column, so `count by` / `top` on them reads no events.
pub const FACETS: &[&str] = &[
    field::EVENT_MODULE,
    field::EVENT_OUTCOME,
    field::EVENT_ACTION,
    field::LOG_LEVEL,
    "source.ip",
    "destination.ip",
    "user.name",
    "host.name",
    "url.path",
    "http.response.status_code",
];

/// Handles to the schema's fields.
#[derive(Clone)]
pub(crate) struct Fields {
    pub seq: Field,
    pub ts: Field,
    pub dataset: Field,
    pub text: Field,
    pub kv: Field,
    pub kvx: Field,
    pub num: Field,
    pub nums: Field,
    pub exists: Field,
    pub long: Field,
    pub facets: Vec<Field>,
}

pub(crate) fn facet_column(i: usize) -> String {
    format!("c_{i}")
}

pub(crate) fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let seq = b.add_u64_field("seq", INDEXED | FAST);
    let ts = b.add_i64_field("ts", INDEXED | FAST);
    let dataset = b.add_text_field("dataset", STRING | FAST);
    let raw_terms = || {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("raw")
                .set_index_option(IndexRecordOption::Basic)
                .set_fieldnorms(false),
        )
    };
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(WORDS)
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    let text = b.add_text_field("text", words);
    let kv = b.add_text_field("kv", raw_terms());
    let kvx = b.add_text_field("kvx", raw_terms());
    let num = b.add_text_field("num", raw_terms());
    let nums = b.add_text_field("nums", raw_terms());
    let exists = b.add_text_field("exists", raw_terms());
    let long = b.add_text_field("long", raw_terms());
    let facets = (0..FACETS.len())
        .map(|i| b.add_text_field(&facet_column(i), TextOptions::default().set_fast("raw")))
        .collect();
    let fields = Fields {
        seq,
        ts,
        dataset,
        text,
        kv,
        kvx,
        num,
        nums,
        exists,
        long,
        facets,
    };
    (b.build(), fields)
}

/// Registers the word tokenizer; needed on every opened index.
pub(crate) fn register_tokenizer(index: &Index) {
    index
        .tokenizers()
        .register(WORDS, TextAnalyzer::from(WordTokenizer));
}

/// Maximal runs of Unicode alphanumerics, lower-cased: exactly
/// `sightline_query::tokenize`, so a query word matches the words indexed.
#[derive(Clone, Default)]
pub(crate) struct WordTokenizer;

pub(crate) struct WordStream {
    words: std::vec::IntoIter<(usize, usize, String)>,
    token: Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream {
        let mut words = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices() {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    words.push((s, i, text[s..i].to_lowercase()));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            words.push((s, text.len(), text[s..].to_lowercase()));
        }
        WordStream {
            words: words.into_iter(),
            token: Token::default(),
        }
    }
}

impl TokenStream for WordStream {
    fn advance(&mut self) -> bool {
        match self.words.next() {
            Some((from, to, text)) => {
                self.token.position = self.token.position.wrapping_add(1);
                self.token.offset_from = from;
                self.token.offset_to = to;
                self.token.text = text;
                true
            }
            None => false,
        }
    }
    fn token(&self) -> &Token {
        &self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// One value of a field as the evaluator sees it.
pub(crate) enum One<'a> {
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// Field names `Event::get` serves from typed members.
const TYPED: &[&str] = &[
    field::EVENT_KIND,
    field::EVENT_MODULE,
    field::EVENT_DATASET,
    field::EVENT_CATEGORY,
    field::EVENT_TYPE,
    field::EVENT_ACTION,
    field::EVENT_OUTCOME,
    field::LOG_LEVEL,
    field::MESSAGE,
    field::EVENT_ORIGINAL,
    field::TAGS,
];

/// Calls `f` with every (field name, values) the event has, other than
/// `@timestamp`, mirroring the evaluator: names go through `Event::get`, so
/// shadowing between members, fields and labels is the same; empty lists
/// count as absent. `event.id` is included (the evaluator serves it). Called
/// for every stored event, so it allocates only for label names.
pub(crate) fn for_each_field(ev: &Event, mut f: impl FnMut(&str, &[One<'_>])) {
    let id = ev.id.to_string();
    f(field::EVENT_ID, &[One::Str(&id)]);
    let mut buf = Vec::new();
    let skip =
        |name: &str| name == field::TIMESTAMP || name == field::EVENT_ID || TYPED.contains(&name);
    let mut label = String::new();
    let names = TYPED
        .iter()
        .map(|n| Some(*n))
        .chain(ev.fields.keys().map(|k| (!skip(k)).then_some(k.as_ref())));
    for name in names.flatten() {
        if values_of(ev, name, &mut buf) {
            f(name, &buf);
        }
    }
    for k in ev.labels.keys() {
        label.clear();
        label.push_str("labels.");
        label.push_str(k);
        if !skip(&label)
            && !ev.fields.contains_key(label.as_str())
            && values_of(ev, &label, &mut buf)
        {
            f(&label, &buf);
        }
    }
}

/// Fills `buf` with the values of `name`; false when it has none.
fn values_of<'e>(ev: &'e Event, name: &str, buf: &mut Vec<One<'e>>) -> bool {
    buf.clear();
    match ev.get(name) {
        None => {}
        Some(FieldRef::Str(s)) => buf.push(One::Str(s)),
        Some(FieldRef::Int(i)) => buf.push(One::Int(i)),
        Some(FieldRef::Float(x)) => buf.push(One::Float(x)),
        Some(FieldRef::Bool(b)) => buf.push(One::Bool(b)),
        Some(FieldRef::List(l)) => buf.extend(l.iter().map(|s| One::Str(s))),
    }
    !buf.is_empty()
}

/// The text of a value as `count by` groups it (the evaluator's `text()`).
pub(crate) fn one_text(v: &One<'_>) -> String {
    match v {
        One::Str(s) => s.to_string(),
        One::Int(i) => i.to_string(),
        One::Float(x) => x.to_string(),
        One::Bool(b) => b.to_string(),
    }
}

/// Order-preserving hex of an f64 (`-0.0` is `0.0`), so numeric ranges are term ranges.
pub(crate) fn sortable(x: f64) -> String {
    let x = if x == 0.0 { 0.0 } else { x };
    let bits = x.to_bits();
    let key = if bits >> 63 == 1 {
        !bits
    } else {
        bits ^ (1 << 63)
    };
    format!("{key:016x}")
}

pub(crate) fn kv_term(name: &str, value: &str) -> String {
    let mut term = String::with_capacity(name.len() + 1 + value.len());
    term.push_str(name);
    term.push('\0');
    term.push_str(value);
    term
}

/// A number as queries write it (mirrors `sightline_query`'s rule: digits,
/// sign, fraction, exponent; no `inf`/`nan`).
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let shaped = body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !shaped {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Event time in ns since the epoch, saturating outside ±292 years.
pub(crate) fn ts_nanos(t: jiff::Timestamp) -> i64 {
    let n = t.as_nanosecond();
    i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX })
}

/// Whether every word of `part` is a word of `whole`: `part` occurs in
/// `whole` with no word character joined to it on either side (so its edge
/// words are whole words there too). An empty part has no words.
fn words_within(part: &str, whole: &str) -> bool {
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut from = 0;
    while let Some(i) = whole.get(from..).and_then(|w| w.find(part)) {
        let at = from + i;
        let end = at + part.len();
        let before = whole[..at].chars().next_back();
        let after = whole[end..].chars().next();
        let first = part.chars().next();
        let last = part.chars().next_back();
        let joined_left = is_word(before) && is_word(first);
        let joined_right = is_word(after) && is_word(last);
        if !joined_left && !joined_right {
            return true;
        }
        match whole[at..].chars().next() {
            Some(c) => from = at + c.len_utf8(),
            None => break,
        }
    }
    part.is_empty()
}

/// The index document for the record `seq`.
pub(crate) fn document(f: &Fields, seq: u64, ev: &Event) -> TantivyDocument {
    let mut doc = document_without_seq(f, ev);
    doc.add_u64(f.seq, seq);
    doc
}

/// The index document of an event, but for its `seq` (known only when it
/// is appended): built before, on any thread.
pub(crate) fn document_without_seq(f: &Fields, ev: &Event) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_i64(f.ts, ts_nanos(ev.timestamp));
    doc.add_text(f.dataset, &ev.dataset);
    // Most messages are a word-bounded part of the original line; their
    // words are then already among the original's, and tokenizing them twice
    // is a sizeable share of indexing.
    if !words_within(&ev.message, &ev.original) {
        doc.add_text(f.text, &ev.message);
    }
    doc.add_text(f.text, &ev.original);
    for_each_field(ev, |name, values| {
        doc.add_text(f.exists, name);
        if let Some(i) = FACETS.iter().position(|x| *x == name) {
            for v in values {
                doc.add_text(f.facets[i], one_text(v));
            }
        }
        // message and event.original are served by `text` (their whole
        // values would bloat the term dictionary); queries on them as
        // fields are checked against the events.
        if name == field::MESSAGE || name == field::EVENT_ORIGINAL {
            return;
        }
        let mut long = false;
        for v in values {
            match v {
                One::Str(s) => {
                    if s.len() > KV_MAX {
                        long = true;
                    } else {
                        let lower = if s.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80) {
                            std::borrow::Cow::Owned(s.to_lowercase())
                        } else {
                            std::borrow::Cow::Borrowed(*s)
                        };
                        doc.add_text(f.kv, kv_term(name, &lower));
                    }
                    if let Some(n) = parse_number(s) {
                        doc.add_text(f.nums, kv_term(name, &sortable(n)));
                    }
                }
                One::Int(i) => {
                    doc.add_text(f.kvx, kv_term(name, &i.to_string()));
                    doc.add_text(f.num, kv_term(name, &sortable(*i as f64)));
                }
                One::Float(x) => {
                    doc.add_text(f.kvx, kv_term(name, &x.to_string().to_lowercase()));
                    if x.is_finite() {
                        doc.add_text(f.num, kv_term(name, &sortable(*x)));
                    }
                }
                One::Bool(b) => {
                    doc.add_text(f.kvx, kv_term(name, if *b { "true" } else { "false" }))
                }
            }
        }
        if long {
            doc.add_text(f.long, name);
        }
    });
    doc
}

/// Calls `f` with each value of one field, as the evaluator reads it.
pub(crate) fn for_each_field_named(ev: &Event, name: &str, mut f: impl FnMut(&One<'_>)) {
    if name == field::EVENT_ID {
        let id = ev.id.to_string();
        f(&One::Str(&id));
        return;
    }
    match ev.get(name) {
        None => {}
        Some(FieldRef::Str(s)) => f(&One::Str(s)),
        Some(FieldRef::Int(i)) => f(&One::Int(i)),
        Some(FieldRef::Float(x)) => f(&One::Float(x)),
        Some(FieldRef::Bool(b)) => f(&One::Bool(b)),
        Some(FieldRef::List(l)) => l.iter().for_each(|s| f(&One::Str(s))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizer_equals_query_tokenize() {
        for text in [
            "Failed password for root from 10.0.0.5",
            "Größe=ÄB_c",
            "",
            "--a--",
            "İstanbul ΣΑΣ x",
            "日本語 テキスト123",
        ] {
            let mut t = WordTokenizer;
            let mut s = t.token_stream(text);
            let mut ours = Vec::new();
            while s.advance() {
                ours.push(s.token().text.clone());
            }
            let theirs: Vec<String> = sightline_query::tokenize(text).collect();
            assert_eq!(ours, theirs, "{text:?}");
        }
    }

    #[test]
    fn a_message_inside_the_original_adds_no_words() {
        let tokens = |s: &str| {
            let mut t = WordTokenizer;
            let mut out = std::collections::BTreeSet::new();
            let mut st = t.token_stream(s);
            while st.advance() {
                out.insert(st.token().text.clone());
            }
            out
        };
        let cases = [
            ("job submitted", "2026 INFO job submitted by x", true),
            ("ob submitted", "2026 INFO job submitted", false),
            ("job submit", "2026 INFO job submitted", false),
            ("-- job", "x -- job", true),
            ("néé ok", "été néé ok!", true),
            ("éé ok", "été néé ok!", false),
            ("a", "ba a", true),
            ("", "anything", true),
            ("not there", "something else", false),
            ("x", "", false),
        ];
        for (part, whole, within) in cases {
            assert_eq!(words_within(part, whole), within, "{part:?} in {whole:?}");
            if within {
                assert!(
                    tokens(part).is_subset(&tokens(whole)),
                    "{part:?} in {whole:?}"
                );
            }
        }
    }

    #[test]
    fn sortable_orders_numbers() {
        let xs = [-1e300, -5.5, -1.0, -0.0, 0.0, 1e-9, 1.0, 401.0, 1e300];
        for w in xs.windows(2) {
            assert!(sortable(w[0]) <= sortable(w[1]), "{} {}", w[0], w[1]);
        }
        assert_eq!(sortable(-0.0), sortable(0.0));
    }
}
