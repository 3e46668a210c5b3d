//! Compiled detection logic and its evaluation against one event.
//!
//! A rule compiles into searches (OR of AND-ed field tests) and a condition
//! tree over them. Field values are read once per event through an
//! [`EventView`], which caches each field's lowercased text so many rules
//! testing the same field pay for it once.

use crate::pattern::StrMatch;
use crate::rule::CmpOp;
use ipnet::IpNet;
use regex::Regex;
use sightline_event::{Event, FieldRef, Timestamp};
use std::borrow::Cow;
use std::cell::OnceCell;
use std::net::IpAddr;

/// Index of an interned field name.
pub type SlotId = u32;

/// Part of a timestamp the time modifiers extract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimePart {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// How a `fieldref` compares the two fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefMode {
    Equal,
    Prefix,
    Suffix,
    Contains,
}

/// One compiled value test.
#[derive(Debug, Clone)]
pub enum Test {
    /// Wildcard/plain string match, on the lowercased text unless `cased`.
    Str {
        m: StrMatch,
        cased: bool,
    },
    /// Regular expression (case-sensitive unless compiled with `i`).
    Re(Regex),
    Cidr(IpNet),
    /// gt/gte/lt/lte against a number.
    Cmp(CmpOp, f64),
    /// A plain numeric value: numeric equality, or the same text.
    NumEq(f64, String),
    /// A plain boolean value.
    Bool(bool),
    /// `null`: the field is absent.
    Null,
    /// `exists: true/false`.
    Exists(bool),
    FieldRef {
        other: SlotId,
        mode: RefMode,
        cased: bool,
    },
    /// A time part compared with a number.
    Time(TimePart, CmpOp, f64),
    /// gt/gte/lt/lte against a point in time (the field holds a time).
    TimeCmp(CmpOp, Timestamp),
    /// Any of several tests (one value that encodes to several forms, e.g. base64offset).
    Any(Vec<Test>),
}

/// Where a field test reads its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Field(SlotId),
    /// Keyword search: `message` and `event.original`.
    Keywords(SlotId, SlotId),
}

/// `field|modifiers: values`, compiled.
#[derive(Debug, Clone)]
pub struct FieldTest {
    pub target: Target,
    /// The name as written (for explanations).
    pub name: String,
    pub tests: Vec<Test>,
    /// `all`: every test must hold (else any).
    pub all: bool,
    /// `neq`: each test is negated.
    pub neq: bool,
    /// Per test: literals one of which any matching text contains (for the prefilter).
    pub literals: Vec<Option<Vec<Vec<u8>>>>,
}

/// A search identifier: any alternative, each an AND of field tests.
#[derive(Debug, Clone)]
pub struct CompiledSearch {
    pub name: String,
    pub alts: Vec<Vec<FieldTest>>,
}

/// The condition tree with search identifiers resolved to indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CCond {
    Search(usize),
    Not(Box<CCond>),
    And(Vec<CCond>),
    Or(Vec<CCond>),
    Const(bool),
}

/// One field value, ready for every kind of test.
#[derive(Debug, Clone)]
pub struct Val<'a> {
    pub text: Cow<'a, str>,
    /// The lowercased text, computed on first use (many values are never compared case-insensitively).
    lower: OnceCell<Cow<'a, str>>,
    pub num: Option<f64>,
    pub boolean: Option<bool>,
    pub time: Option<Timestamp>,
}

impl<'a> Val<'a> {
    /// The lowercased text (Unicode-aware; borrowed when already lower case).
    pub fn lower(&self) -> &str {
        self.lower.get_or_init(|| match &self.text {
            Cow::Borrowed(b) => lower(b),
            Cow::Owned(o) => Cow::Owned(lower(o).into_owned()),
        })
    }
}

/// The values of one field in one event (empty = absent).
#[derive(Debug, Clone, Default)]
pub struct Slot<'a> {
    pub present: bool,
    pub vals: Vec<Val<'a>>,
}

/// Lowercases without allocating when the text has no upper case ASCII and no non-ASCII.
pub fn lower(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

fn str_val(s: Cow<'_, str>) -> Val<'_> {
    Val {
        num: None,
        boolean: None,
        time: None,
        lower: OnceCell::new(),
        text: s,
    }
}

/// Reads a field of an event as a slot. `@timestamp` and `event.id` are
/// served from the typed members.
pub fn read_field<'a>(ev: &'a Event, name: &str) -> Slot<'a> {
    if name == "@timestamp" {
        let mut v = str_val(Cow::Owned(ev.timestamp.to_string()));
        v.time = Some(ev.timestamp);
        return Slot {
            present: true,
            vals: vec![v],
        };
    }
    if name == "event.id" {
        return Slot {
            present: true,
            vals: vec![str_val(Cow::Owned(ev.id.to_string()))],
        };
    }
    let Some(f) = ev.get(name) else {
        return Slot::default();
    };
    let vals = match f {
        FieldRef::Str(s) => vec![str_val(Cow::Borrowed(s))],
        FieldRef::List(l) => l
            .iter()
            .map(|s| str_val(Cow::Borrowed(s.as_str())))
            .collect(),
        FieldRef::Int(i) => {
            let mut v = str_val(Cow::Owned(i.to_string()));
            v.num = Some(i as f64);
            vec![v]
        }
        FieldRef::Float(x) => {
            let mut v = str_val(Cow::Owned(x.to_string()));
            v.num = Some(x);
            vec![v]
        }
        FieldRef::Bool(b) => {
            let mut v = str_val(Cow::Borrowed(if b { "true" } else { "false" }));
            v.boolean = Some(b);
            vec![v]
        }
    };
    Slot {
        present: true,
        vals,
    }
}

/// Lazily read, cached field values of one event.
pub struct EventView<'a, 'r> {
    pub event: &'a Event,
    names: &'r [String],
    slots: Vec<Option<Slot<'a>>>,
    empty: Slot<'a>,
}

impl<'a, 'r> EventView<'a, 'r> {
    /// A view of `event` for rules whose fields are interned as `names`.
    pub fn new(event: &'a Event, names: &'r [String]) -> Self {
        EventView {
            event,
            names,
            slots: vec![None; names.len()],
            empty: Slot::default(),
        }
    }

    /// The values of a slot, read on first use.
    pub fn slot(&mut self, id: SlotId) -> &Slot<'a> {
        let idx = id as usize;
        if self.slots.get(idx).is_some_and(|s| s.is_none()) {
            let name = self.names.get(idx).map(String::as_str).unwrap_or("");
            let slot = read_field(self.event, name);
            if let Some(s) = self.slots.get_mut(idx) {
                *s = Some(slot);
            }
        }
        self.slots
            .get(idx)
            .and_then(Option::as_ref)
            .unwrap_or(&self.empty)
    }

    /// Reads the slots a field test needs, so evaluation can borrow them all at once.
    pub fn load(&mut self, t: &FieldTest) {
        match t.target {
            Target::Field(id) => {
                self.slot(id);
            }
            Target::Keywords(a, b) => {
                self.slot(a);
                self.slot(b);
            }
        }
        for test in &t.tests {
            if let Test::FieldRef { other, .. } = test {
                self.slot(*other);
            }
        }
    }

    /// A slot already read with [`EventView::slot`] or [`EventView::load`].
    pub fn loaded(&self, id: SlotId) -> &Slot<'a> {
        self.slots
            .get(id as usize)
            .and_then(Option::as_ref)
            .unwrap_or(&self.empty)
    }
}

fn ip_of(text: &str) -> Option<IpAddr> {
    let t = text.trim();
    let t = t
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(t);
    t.parse().ok()
}

fn time_part(t: Timestamp, part: TimePart) -> f64 {
    let z = t.to_zoned(jiff::tz::TimeZone::UTC);
    let v: i64 = match part {
        TimePart::Minute => z.minute().into(),
        TimePart::Hour => z.hour().into(),
        TimePart::Day => z.day().into(),
        TimePart::Week => z.date().iso_week_date().week().into(),
        TimePart::Month => z.month().into(),
        TimePart::Year => z.year().into(),
    };
    v as f64
}

/// Parses RFC 3339 or `YYYY-MM-DD[ T]HH:MM:SS[.fff]` (UTC) times.
pub fn parse_time(text: &str) -> Option<Timestamp> {
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t);
    }
    let dt: jiff::civil::DateTime = text.trim().replace(' ', "T").parse().ok()?;
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

impl Test {
    /// Does one value satisfy the test? (`Null`/`Exists`/`FieldRef` are handled by the caller.)
    fn value(&self, v: &Val) -> bool {
        match self {
            Test::Str { m, cased } => {
                let t = if *cased { v.text.as_ref() } else { v.lower() };
                m.is_match(t.as_bytes())
            }
            Test::Re(re) => re.is_match(&v.text),
            Test::Cidr(net) => ip_of(&v.text).is_some_and(|ip| net.contains(&ip)),
            Test::Cmp(op, x) => v
                .num
                .or_else(|| v.text.trim().parse::<f64>().ok())
                .is_some_and(|n| op.holds(n, *x)),
            Test::NumEq(x, text) => match v.num {
                Some(n) => n == *x,
                None => v.lower() == text.as_str() || v.text.trim().parse::<f64>().ok() == Some(*x),
            },
            Test::Bool(b) => match v.boolean {
                Some(x) => x == *b,
                None => v.lower() == if *b { "true" } else { "false" },
            },
            Test::Time(part, op, x) => v
                .time
                .or_else(|| parse_time(&v.text))
                .is_some_and(|t| op.holds(time_part(t, *part), *x)),
            Test::TimeCmp(op, at) => v.time.or_else(|| parse_time(&v.text)).is_some_and(|t| {
                let (a, b) = (t.as_nanosecond(), at.as_nanosecond());
                match op {
                    CmpOp::Gt => a > b,
                    CmpOp::Gte => a >= b,
                    CmpOp::Lt => a < b,
                    CmpOp::Lte => a <= b,
                    CmpOp::Eq => a == b,
                    CmpOp::Neq => a != b,
                }
            }),
            Test::Any(alts) => alts.iter().any(|t| t.value(v)),
            Test::Null | Test::Exists(_) | Test::FieldRef { .. } => false,
        }
    }
}

fn ref_match(a: &Val, b: &Val, mode: RefMode, cased: bool) -> bool {
    let (x, y) = if cased {
        (a.text.as_ref(), b.text.as_ref())
    } else {
        (a.lower(), b.lower())
    };
    match mode {
        RefMode::Equal => x == y,
        RefMode::Prefix => x.starts_with(y),
        RefMode::Suffix => x.ends_with(y),
        RefMode::Contains => x.contains(y),
    }
}

impl FieldTest {
    /// Evaluates the test. With `witness`, stores the value that decided it.
    pub fn eval(&self, view: &mut EventView, witness: Option<&mut String>) -> bool {
        view.load(self);
        let view = &*view;
        let (present, first, second): (bool, &[Val], &[Val]) = match self.target {
            Target::Field(id) => {
                let s = view.loaded(id);
                (s.present, &s.vals, &[])
            }
            Target::Keywords(a, b) => (true, &view.loaded(a).vals, &view.loaded(b).vals),
        };
        let vals = || first.iter().chain(second.iter());
        // Returns the deciding value's text (empty for absence tests).
        let hit = |test: &Test| -> Option<&str> {
            match test {
                Test::Null => (!present).then_some(""),
                Test::Exists(want) => (present == *want).then_some(""),
                Test::FieldRef { other, mode, cased } => {
                    let others = &view.loaded(*other).vals;
                    vals()
                        .find(|a| others.iter().any(|b| ref_match(a, b, *mode, *cased)))
                        .map(|a| a.text.as_ref())
                }
                t => vals().find(|v| t.value(v)).map(|v| v.text.as_ref()),
            }
        };
        let mut decided: Option<&str> = None;
        let mut one = |test: &Test| -> bool {
            let h = hit(test);
            if h.is_some() && decided.is_none() {
                decided = h;
            }
            h.is_some()
        };
        let matched = if self.all {
            self.tests.iter().all(&mut one)
        } else {
            self.tests.iter().any(&mut one)
        };
        let ok = if self.neq {
            // `neq` negates the whole item, value list and `all` linking included, as
            // pySigma does and as the modifier appendix words it ("different from the
            // specified values"): `neq: [a, b]` is neither a nor b. A missing field is
            // not "different": like SQL, absent never matches.
            present && !matched
        } else {
            matched
        };
        if ok && self.neq {
            decided = Some(vals().next().map(|v| v.text.as_ref()).unwrap_or(""));
        }
        if ok && let Some(w) = witness {
            w.clear();
            w.push_str(decided.unwrap_or(""));
        }
        ok
    }
}

impl CompiledSearch {
    /// Whether any alternative of the search matches.
    pub fn eval(&self, view: &mut EventView) -> bool {
        self.alts
            .iter()
            .any(|alt| alt.iter().all(|t| t.eval(view, None)))
    }

    /// Field → value pairs of the first matching alternative.
    pub fn evidence(&self, view: &mut EventView) -> Option<Vec<(String, String)>> {
        'alt: for alt in &self.alts {
            let mut ev = Vec::new();
            for t in alt {
                let mut w = String::new();
                if !t.eval(view, Some(&mut w)) {
                    continue 'alt;
                }
                ev.push((t.name.clone(), w));
            }
            return Some(ev);
        }
        None
    }
}

impl CCond {
    /// Evaluates the condition over the rule's searches.
    pub fn eval(&self, searches: &[CompiledSearch], view: &mut EventView) -> bool {
        match self {
            CCond::Search(i) => searches.get(*i).is_some_and(|s| s.eval(view)),
            CCond::Not(c) => !c.eval(searches, view),
            CCond::And(v) => v.iter().all(|c| c.eval(searches, view)),
            CCond::Or(v) => v.iter().any(|c| c.eval(searches, view)),
            CCond::Const(b) => *b,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_borrows_when_it_can() {
        assert!(matches!(lower("abc"), Cow::Borrowed(_)));
        assert_eq!(lower("AbC"), "abc");
        assert_eq!(lower("ÄB"), "äb");
    }

    #[test]
    fn ip_and_time_parsing() {
        assert_eq!(ip_of(" 10.0.0.5 "), Some("10.0.0.5".parse().unwrap()));
        assert_eq!(ip_of("[::1]"), Some("::1".parse().unwrap()));
        assert_eq!(ip_of("nope"), None);
        let t = parse_time("2026-11-22 12:37:31").unwrap();
        assert_eq!(time_part(t, TimePart::Hour), 12.0);
        assert_eq!(time_part(t, TimePart::Minute), 37.0);
        assert_eq!(time_part(t, TimePart::Week), 47.0);
    }
}
