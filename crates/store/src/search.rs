//! Searching: time bounds, ordering and pagination, and aggregations.
//!
//! Exact plans are answered from the index alone (fast columns for time,
//! order and `count by` on [`crate::index::FACETS`]); candidate plans read
//! each candidate event back from the segments and keep those for which
//! `Expr::matches` holds.

use crate::catalog::Catalog;
use crate::error::StoreError;
use crate::index::{self, FACETS, facet_column};
use crate::store::Store;
use crate::translate::{Plan, Translator};
use jiff::Timestamp;
use sightline_event::Event;
use sightline_query::{Aggregation, Query};
use std::collections::HashMap;
use std::ops::Bound;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::{BooleanQuery, Occur, RangeQuery};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader, Term};

/// Most events a single search may read back from the segments (to check
/// candidates, or to group by a field without a fast column).
pub const MAX_EVENTS_READ: u64 = 2_000_000;
/// Most buckets a timechart fills in with zeros.
const MAX_FILLED_BUCKETS: u64 = 100_000;

/// How to search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchOptions {
    /// Events at or after this time.
    pub from: Option<Timestamp>,
    /// Events before this time.
    pub to: Option<Timestamp>,
    /// Events per page.
    pub limit: usize,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Newest first (default) or oldest first; ties by seq.
    pub newest_first: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            from: None,
            to: None,
            limit: 100,
            cursor: None,
            newest_first: true,
        }
    }
}

/// One group of a `count by` / `top`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub values: Vec<String>,
    pub count: u64,
}

/// One timechart bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub start: Timestamp,
    pub count: u64,
}

/// The result of a query's aggregation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AggregationResult {
    Count(u64),
    /// Largest first, ties by value.
    CountBy {
        fields: Vec<String>,
        groups: Vec<Group>,
    },
    Top {
        field: String,
        groups: Vec<Group>,
    },
    /// Ascending; empty buckets between the first and last are included.
    CountOverTime {
        interval_secs: u64,
        buckets: Vec<Bucket>,
    },
}

/// A page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    pub events: Vec<Event>,
    /// How many events match (ignoring the cursor and the limit).
    pub total: u64,
    pub next_cursor: Option<String>,
    pub aggregation: Option<AggregationResult>,
}

type Key = (i64, u64);

fn encode_cursor(k: Key) -> String {
    format!("c1.{}.{}", k.0, k.1)
}

fn decode_cursor(c: &str) -> Result<Key, StoreError> {
    let bad = || StoreError::BadCursor(c.to_string());
    let mut parts = c.strip_prefix("c1.").ok_or_else(bad)?.splitn(2, '.');
    let ts = parts.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
    let seq = parts.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
    Ok((ts, seq))
}

/// How groups are read for an aggregation.
#[derive(Clone)]
enum GroupSource {
    None,
    Buckets(i64),
    /// Fast columns (`dataset` or `c_i`), one per grouped field.
    Columns(Vec<String>),
    /// Read the events.
    Events,
}

#[derive(Clone)]
struct Gather {
    cursor: Option<Key>,
    newest_first: bool,
    limit: usize,
    groups: GroupSource,
    /// Keep every key (candidate plans, and event-read aggregations).
    all_keys: bool,
}

#[derive(Default)]
struct Fruit {
    total: u64,
    after: u64,
    page: Vec<Key>,
    buckets: HashMap<i64, u64>,
    groups: HashMap<Vec<String>, u64>,
    keys: Vec<Key>,
}

struct SegGather {
    g: Gather,
    ts: Column<i64>,
    seq: Column<u64>,
    cols: Vec<Option<StrColumn>>,
    ords: HashMap<Vec<u64>, u64>,
    fruit: Fruit,
}

impl Gather {
    fn passes(&self, k: Key) -> bool {
        match self.cursor {
            None => true,
            Some(c) if self.newest_first => k < c,
            Some(c) => k > c,
        }
    }

    fn trim(&self, page: &mut Vec<Key>) {
        if self.newest_first {
            page.sort_unstable_by(|a, b| b.cmp(a));
        } else {
            page.sort_unstable();
        }
        page.truncate(self.limit);
    }
}

impl Collector for Gather {
    type Fruit = Fruit;
    type Child = SegGather;

    fn for_segment(&self, _: SegmentOrdinal, r: &SegmentReader) -> tantivy::Result<SegGather> {
        let ff = r.fast_fields();
        let cols = match &self.groups {
            GroupSource::Columns(names) => names
                .iter()
                .map(|n| ff.str(n))
                .collect::<tantivy::Result<_>>()?,
            _ => Vec::new(),
        };
        Ok(SegGather {
            g: self.clone(),
            ts: ff.i64("ts")?,
            seq: ff.u64("seq")?,
            cols,
            ords: HashMap::new(),
            fruit: Fruit::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Fruit>) -> tantivy::Result<Fruit> {
        let mut out = Fruit::default();
        for f in fruits {
            out.total += f.total;
            out.after += f.after;
            out.page.extend(f.page);
            for (k, v) in f.buckets {
                *out.buckets.entry(k).or_default() += v;
            }
            for (k, v) in f.groups {
                *out.groups.entry(k).or_default() += v;
            }
            out.keys.extend(f.keys);
        }
        self.trim(&mut out.page);
        Ok(out)
    }
}

impl SegmentCollector for SegGather {
    type Fruit = Fruit;

    fn collect(&mut self, doc: DocId, _: Score) {
        let (Some(ts), Some(seq)) = (self.ts.first(doc), self.seq.first(doc)) else {
            return;
        };
        let k = (ts, seq);
        let f = &mut self.fruit;
        f.total += 1;
        if self.g.all_keys {
            f.keys.push(k);
        } else if self.g.passes(k) {
            f.after += 1;
            f.page.push(k);
            if f.page.len() >= self.g.limit.max(1) * 2 + 64 {
                self.g.trim(&mut f.page);
            }
        }
        match &self.g.groups {
            GroupSource::Buckets(w) => {
                *f.buckets.entry(ts.div_euclid(*w)).or_default() += 1;
            }
            GroupSource::Columns(_) => {
                // Cross product of each column's values; a missing field means no group.
                let mut combos: Vec<Vec<u64>> = vec![Vec::new()];
                for col in &self.cols {
                    let Some(col) = col else { return };
                    let vals: Vec<u64> = col.term_ords(doc).collect();
                    if vals.is_empty() {
                        return;
                    }
                    combos = combos
                        .into_iter()
                        .flat_map(|c| {
                            vals.iter().map(move |v| {
                                let mut c = c.clone();
                                c.push(*v);
                                c
                            })
                        })
                        .collect();
                }
                for c in combos {
                    *self.ords.entry(c).or_default() += 1;
                }
            }
            _ => {}
        }
    }

    fn harvest(mut self) -> Fruit {
        let mut buf = String::new();
        for (ords, n) in self.ords.drain() {
            let mut vals = Vec::with_capacity(ords.len());
            for (i, o) in ords.iter().enumerate() {
                buf.clear();
                if let Some(Some(col)) = self.cols.get(i)
                    && col.ord_to_str(*o, &mut buf).unwrap_or(false)
                {
                    vals.push(buf.clone());
                }
            }
            *self.fruit.groups.entry(vals).or_default() += n;
        }
        if !self.g.all_keys {
            self.g.trim(&mut self.fruit.page);
        }
        self.fruit
    }
}

/// The group values of one event for `fields` (cross product over lists).
fn event_groups(ev: &Event, fields: &[String]) -> Vec<Vec<String>> {
    let mut per_field: Vec<Vec<String>> = Vec::new();
    for name in fields {
        let mut vals = Vec::new();
        if name == sightline_event::field::TIMESTAMP {
            vals.push(ev.timestamp.to_string());
        } else {
            index::for_each_field_named(ev, name, |v| vals.push(index::one_text(v)));
        }
        if vals.is_empty() {
            return Vec::new();
        }
        per_field.push(vals);
    }
    let mut combos: Vec<Vec<String>> = vec![Vec::new()];
    for vals in per_field {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                vals.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push(v.clone());
                    c
                })
            })
            .collect();
    }
    combos
}

fn ranked(groups: HashMap<Vec<String>, u64>, limit: usize) -> Vec<Group> {
    let mut v: Vec<Group> = groups
        .into_iter()
        .map(|(values, count)| Group { values, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.values.cmp(&b.values)));
    v.truncate(limit);
    v
}

impl Store {
    /// Runs a query. Only what the index has committed is visible (appends
    /// become searchable at the next commit: `index_commit_ms`, or `flush`).
    pub fn search(&self, query: &Query, opts: &SearchOptions) -> Result<SearchResult, StoreError> {
        if self.is_read_only() {
            self.refresh()?;
        }
        let searcher = self.reader.searcher();
        let long_field = self.fields.long;
        let has_long = |name: &str| {
            searcher
                .doc_freq(&Term::from_field_text(long_field, name))
                .map_or(true, |n| n > 0)
        };
        let t = Translator {
            f: &self.fields,
            has_long: &has_long,
        };
        let Plan { query: q, exact } = t.plan(&query.filter);
        let ts_bound = |b: Option<Timestamp>, incl: bool| match b {
            Some(t) => {
                let term = Term::from_field_i64(self.fields.ts, index::ts_nanos(t));
                if incl {
                    Bound::Included(term)
                } else {
                    Bound::Excluded(term)
                }
            }
            None => Bound::Unbounded,
        };
        let q: Box<dyn tantivy::query::Query> = if opts.from.is_some() || opts.to.is_some() {
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, q),
                (
                    Occur::Must,
                    Box::new(RangeQuery::new(
                        ts_bound(opts.from, true),
                        ts_bound(opts.to, false),
                    )),
                ),
            ]))
        } else {
            q
        };
        let cursor = opts.cursor.as_deref().map(decode_cursor).transpose()?;
        let groups = match &query.aggregation {
            Some(Aggregation::CountOverTime { interval_secs }) => {
                GroupSource::Buckets((*interval_secs).max(1).saturating_mul(1_000_000_000) as i64)
            }
            Some(Aggregation::CountBy { fields, .. }) => columns_for(fields),
            Some(Aggregation::Top { field, .. }) => columns_for(std::slice::from_ref(field)),
            _ => GroupSource::None,
        };
        let read_events = !exact || matches!(groups, GroupSource::Events);
        let g = Gather {
            cursor,
            newest_first: opts.newest_first,
            limit: opts.limit,
            groups: if read_events && !exact {
                GroupSource::None
            } else {
                groups.clone()
            },
            all_keys: read_events,
        };
        let mut fruit = searcher.search(&*q, &g)?;
        let cat = self.catalog.read().unwrap_or_else(|p| p.into_inner());
        if read_events {
            if fruit.keys.len() as u64 > MAX_EVENTS_READ {
                return Err(StoreError::TooBroad {
                    needed: fruit.keys.len() as u64,
                    limit: MAX_EVENTS_READ,
                });
            }
            self.check_candidates(&cat, query, exact, &groups, &g, &mut fruit)?;
        }
        let has_more = fruit.after > fruit.page.len() as u64;
        let next_cursor = if has_more {
            fruit.page.last().copied().map(encode_cursor)
        } else {
            None
        };
        let mut events = Vec::with_capacity(fruit.page.len());
        for (_, seq) in &fruit.page {
            match self.cache.event(&cat, *seq)? {
                Some(ev) => events.push(ev),
                None => {
                    return Err(StoreError::corrupt(
                        &self.data_dir,
                        format!(
                            "the index names record {seq}, which no segment holds; reopen the writer to repair the index"
                        ),
                    ));
                }
            }
        }
        let total = fruit.total;
        let aggregation = query.aggregation.as_ref().map(|a| match a {
            Aggregation::Count => AggregationResult::Count(total),
            Aggregation::CountBy { fields, limit } => AggregationResult::CountBy {
                fields: fields.clone(),
                groups: ranked(std::mem::take(&mut fruit.groups), *limit),
            },
            Aggregation::Top { field, limit } => AggregationResult::Top {
                field: field.clone(),
                groups: ranked(std::mem::take(&mut fruit.groups), *limit),
            },
            Aggregation::CountOverTime { interval_secs } => AggregationResult::CountOverTime {
                interval_secs: *interval_secs,
                buckets: buckets(&fruit.buckets, (*interval_secs).max(1)),
            },
        });
        Ok(SearchResult {
            events,
            total,
            next_cursor,
            aggregation,
        })
    }

    /// Reads candidate (or to-be-grouped) events in seq order, keeps the
    /// matching ones, and fills in page, totals and groups.
    fn check_candidates(
        &self,
        cat: &Catalog,
        query: &Query,
        exact: bool,
        groups: &GroupSource,
        g: &Gather,
        fruit: &mut Fruit,
    ) -> Result<(), StoreError> {
        let mut keys = std::mem::take(&mut fruit.keys);
        keys.sort_unstable_by_key(|k| k.1);
        let group_fields: Vec<String> = match &query.aggregation {
            Some(Aggregation::CountBy { fields, .. }) => fields.clone(),
            Some(Aggregation::Top { field, .. }) => vec![field.clone()],
            _ => Vec::new(),
        };
        let mut out = Fruit::default();
        for k in keys {
            let Some(ev) = self.cache.event(cat, k.1)? else {
                continue;
            };
            if !exact && !query.filter.matches(&ev) {
                continue;
            }
            out.total += 1;
            if g.passes(k) {
                out.after += 1;
                out.page.push(k);
                if out.page.len() >= g.limit.max(1) * 2 + 64 {
                    g.trim(&mut out.page);
                }
            }
            match groups {
                GroupSource::Buckets(w) => *out.buckets.entry(k.0.div_euclid(*w)).or_default() += 1,
                GroupSource::None => {}
                _ => {
                    for c in event_groups(&ev, &group_fields) {
                        *out.groups.entry(c).or_default() += 1;
                    }
                }
            }
        }
        g.trim(&mut out.page);
        *fruit = out;
        Ok(())
    }

    pub(crate) fn is_read_only(&self) -> bool {
        self.writer_is_none()
    }
}

fn columns_for(fields: &[String]) -> GroupSource {
    let mut cols = Vec::new();
    for f in fields {
        if f == sightline_event::field::EVENT_DATASET {
            cols.push("dataset".to_string());
        } else if let Some(i) = FACETS.iter().position(|x| x == f) {
            cols.push(facet_column(i));
        } else {
            return GroupSource::Events;
        }
    }
    GroupSource::Columns(cols)
}

fn buckets(counts: &HashMap<i64, u64>, interval_secs: u64) -> Vec<Bucket> {
    let width = interval_secs.saturating_mul(1_000_000_000) as i64;
    let mut keys: Vec<i64> = counts.keys().copied().collect();
    keys.sort_unstable();
    let (Some(&first), Some(&last)) = (keys.first(), keys.last()) else {
        return Vec::new();
    };
    let start = |b: i64| {
        Timestamp::from_nanosecond(i128::from(b) * i128::from(width)).unwrap_or(Timestamp::MIN)
    };
    if ((last - first) as u64) < MAX_FILLED_BUCKETS {
        (first..=last)
            .map(|b| Bucket {
                start: start(b),
                count: counts.get(&b).copied().unwrap_or(0),
            })
            .collect()
    } else {
        keys.iter()
            .map(|b| Bucket {
                start: start(*b),
                count: counts[b],
            })
            .collect()
    }
}
