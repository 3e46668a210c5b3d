//! The rule model: what a Sigma document says, after parsing and before
//! compilation. Three kinds of documents exist: detection rules, correlation
//! rules and filters.

pub mod logsource;
mod parse;

pub use logsource::LogSource;
pub use parse::{parse_document, parse_documents, parse_timespan};

use crate::modifiers::Modifier;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Where a rule, or a problem in it, is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Location {
    /// The file (or any label the caller gave the text).
    pub file: String,
    /// 1-based line.
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A problem in a rule file, with where it is and what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{location}: {message}")]
pub struct RuleError {
    pub location: Location,
    pub message: String,
}

impl RuleError {
    /// An error at `file:line`.
    pub fn new(file: &str, line: usize, message: impl Into<String>) -> Self {
        RuleError {
            location: Location {
                file: file.to_owned(),
                line,
            },
            message: message.into(),
        }
    }
}

/// Severity of a rule (`level`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Informational,
    Low,
    #[default]
    Medium,
    High,
    Critical,
}

impl Level {
    /// Parses a level name.
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "informational" => Level::Informational,
            "low" => Level::Low,
            "medium" => Level::Medium,
            "high" => Level::High,
            "critical" => Level::Critical,
            _ => return None,
        })
    }

    /// The level's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

/// Maturity of a rule (`status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Stable,
    Test,
    Experimental,
    Deprecated,
    Unsupported,
}

impl Status {
    /// Parses a status name.
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "stable" => Status::Stable,
            "test" => Status::Test,
            "experimental" => Status::Experimental,
            "deprecated" => Status::Deprecated,
            "unsupported" => Status::Unsupported,
            _ => return None,
        })
    }
}

/// A `related` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Related {
    pub id: String,
    pub kind: String,
}

/// Our extension block, written as `sightline:` in a rule (see docs/rules.md).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Extension {
    /// Fields whose values key one alert of a detection rule. `None` = the default
    /// (source address, user and host fields present in the event).
    pub group_by: Option<Vec<String>>,
    /// Matches for the same group within this many seconds of the first one update
    /// one alert instead of raising new ones. `None` = the engine default.
    pub suppress_secs: Option<u64>,
}

/// What every kind of document has.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Meta {
    pub title: String,
    pub id: Option<String>,
    pub name: Option<String>,
    pub status: Option<Status>,
    pub description: Option<String>,
    pub references: Vec<String>,
    pub author: Option<String>,
    pub date: Option<String>,
    pub modified: Option<String>,
    pub tags: Vec<String>,
    pub level: Option<Level>,
    pub falsepositives: Vec<String>,
    pub fields: Vec<String>,
    pub related: Vec<Related>,
    pub license: Option<String>,
    pub taxonomy: Option<String>,
    pub scope: Vec<String>,
    /// Keys the specification does not define (kept for tools: tests, notes, ...).
    pub custom: BTreeMap<String, serde_json::Value>,
    /// The `sightline:` block.
    pub extension: Extension,
    pub location: Location,
}

impl Meta {
    /// The identifier alerts carry: the id, else the name, else the title.
    pub fn key(&self) -> &str {
        self.id
            .as_deref()
            .or(self.name.as_deref())
            .unwrap_or(&self.title)
    }
}

/// A scalar value in a detection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl Scalar {
    /// The text a string matcher compares against.
    pub fn text(&self) -> Option<String> {
        match self {
            Scalar::Null => None,
            Scalar::Bool(b) => Some(b.to_string()),
            Scalar::Int(i) => Some(i.to_string()),
            Scalar::Float(f) => Some(f.to_string()),
            Scalar::Str(s) => Some(s.clone()),
        }
    }

    /// The value as a number, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Scalar::Int(i) => Some(*i as f64),
            Scalar::Float(f) => Some(*f),
            Scalar::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// One `field|modifiers: values` item of a selection. An empty field means a
/// keyword search (`'|all': [...]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldItem {
    pub field: String,
    pub modifiers: Vec<Modifier>,
    pub values: Vec<Scalar>,
    pub line: usize,
}

/// The body of a search identifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SearchBody {
    /// A list of plain values: searched in `message` and `event.original`, OR-ed.
    Keywords(Vec<Scalar>),
    /// A map: every item must match (AND).
    Map(Vec<FieldItem>),
    /// A list of maps (or of mixed entries): any may match (OR).
    AnyOf(Vec<SearchBody>),
}

/// A named search identifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Search {
    pub name: String,
    pub line: usize,
    pub body: SearchBody,
}

/// The `detection` section.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Detection {
    /// Search identifiers in file order.
    pub searches: Vec<Search>,
    /// Condition strings (a list is OR-ed) with their lines.
    pub conditions: Vec<(String, usize)>,
}

/// A Sigma detection rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectionRule {
    pub meta: Meta,
    pub logsource: LogSource,
    pub detection: Detection,
}

/// Correlation types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrelationType {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
    ValueSum,
    ValueAvg,
    ValuePercentile,
    ValueMedian,
}

impl CorrelationType {
    /// Parses a correlation type name.
    pub fn parse(s: &str) -> Option<Self> {
        use CorrelationType::*;
        Some(match s {
            "event_count" => EventCount,
            "value_count" => ValueCount,
            "temporal" => Temporal,
            "temporal_ordered" => TemporalOrdered,
            "value_sum" => ValueSum,
            "value_avg" => ValueAvg,
            "value_percentile" => ValuePercentile,
            "value_median" => ValueMedian,
            _ => return None,
        })
    }

    /// The type's name.
    pub fn as_str(self) -> &'static str {
        use CorrelationType::*;
        match self {
            EventCount => "event_count",
            ValueCount => "value_count",
            Temporal => "temporal",
            TemporalOrdered => "temporal_ordered",
            ValueSum => "value_sum",
            ValueAvg => "value_avg",
            ValuePercentile => "value_percentile",
            ValueMedian => "value_median",
        }
    }

    /// temporal and temporal_ordered.
    pub fn is_temporal(self) -> bool {
        matches!(
            self,
            CorrelationType::Temporal | CorrelationType::TemporalOrdered
        )
    }

    /// Types that aggregate the values of `condition.field`.
    pub fn needs_field(self) -> bool {
        use CorrelationType::*;
        matches!(
            self,
            ValueCount | ValueSum | ValueAvg | ValuePercentile | ValueMedian
        )
    }
}

/// A comparison in a correlation condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CmpOp {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

impl CmpOp {
    /// Parses gt, gte, lt, lte, eq, neq.
    pub fn parse(s: &str) -> Option<CmpOp> {
        Some(match s {
            "gt" => CmpOp::Gt,
            "gte" => CmpOp::Gte,
            "lt" => CmpOp::Lt,
            "lte" => CmpOp::Lte,
            "eq" => CmpOp::Eq,
            "neq" => CmpOp::Neq,
            _ => return None,
        })
    }

    /// Whether `value op threshold`.
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            CmpOp::Gt => value > threshold,
            CmpOp::Gte => value >= threshold,
            CmpOp::Lt => value < threshold,
            CmpOp::Lte => value <= threshold,
            CmpOp::Eq => value == threshold,
            CmpOp::Neq => value != threshold,
        }
    }

    /// The operator as a symbol (`>=`).
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Gt => ">",
            CmpOp::Gte => ">=",
            CmpOp::Lt => "<",
            CmpOp::Lte => "<=",
            CmpOp::Eq => "=",
            CmpOp::Neq => "!=",
        }
    }
}

/// A boolean expression over rule references (extended temporal conditions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RefExpr {
    Rule(String),
    Not(Box<RefExpr>),
    And(Vec<RefExpr>),
    Or(Vec<RefExpr>),
}

impl RefExpr {
    /// Rule references in order of first appearance.
    pub fn refs(&self, out: &mut Vec<String>) {
        match self {
            RefExpr::Rule(r) => {
                if !out.contains(r) {
                    out.push(r.clone())
                }
            }
            RefExpr::Not(e) => e.refs(out),
            RefExpr::And(v) | RefExpr::Or(v) => v.iter().for_each(|e| e.refs(out)),
        }
    }
}

/// The condition of a correlation rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CorrelationCondition {
    /// All predicates must hold (a range is two predicates).
    Threshold {
        predicates: Vec<(CmpOp, f64)>,
        /// `field` of value_* types (a list counts distinct combinations).
        field: Vec<String>,
        /// `percentile` of value_percentile (default 50).
        percentile: Option<f64>,
    },
    /// Temporal types: a boolean expression over which rules were seen.
    Expr(RefExpr),
}

/// A Sigma correlation rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrelationRule {
    pub meta: Meta,
    pub kind: CorrelationType,
    /// Referenced rules, by id or name.
    pub rules: Vec<String>,
    pub group_by: Vec<String>,
    /// Window length in seconds.
    pub timespan_secs: u64,
    pub condition: CorrelationCondition,
    /// alias → (rule reference → field in events of that rule).
    pub aliases: BTreeMap<String, BTreeMap<String, String>>,
    /// Whether the referenced rules also alert on their own.
    pub generate: bool,
}

/// Which rules a filter applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FilterTargets {
    /// Every rule whose log source the filter's covers (`rules: any`).
    Any,
    /// Rules by id or name.
    Rules(Vec<String>),
}

/// A Sigma filter: its condition is AND-ed onto the target rules' condition
/// (as pySigma does), so filters are written `condition: not selection`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilterRule {
    pub meta: Meta,
    pub logsource: LogSource,
    pub targets: FilterTargets,
    pub detection: Detection,
}

/// The kind of an anomaly rule (Sightline's extension, see docs/rules.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyType {
    /// A value of `field` never seen before for the entity, after the learning period.
    FirstSeen,
    /// Events per bucket far above (factor > 1) or below (factor < 1) the entity's baseline.
    RateSpike,
    /// An entity that was logging stopped for longer than `bucket`.
    Flatline,
    /// The median of `field` per bucket moved by `factor` against the entity's baseline.
    MetricShift,
}

impl AnomalyType {
    /// Parses an anomaly type name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "first_seen" | "new_value" => AnomalyType::FirstSeen,
            "rate_spike" | "rate_drop" | "rate" => AnomalyType::RateSpike,
            "flatline" => AnomalyType::Flatline,
            "metric_shift" => AnomalyType::MetricShift,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyType::FirstSeen => "first_seen",
            AnomalyType::RateSpike => "rate_spike",
            AnomalyType::Flatline => "flatline",
            AnomalyType::MetricShift => "metric_shift",
        }
    }
}

/// An anomaly rule: a baseline per entity over the matches of detection rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyRule {
    pub meta: Meta,
    pub kind: AnomalyType,
    /// Referenced detection rules, by id or name.
    pub rules: Vec<String>,
    /// The entity: one baseline per combination of these fields' values.
    pub group_by: Vec<String>,
    /// first_seen: the field whose new values are reported; metric_shift: the numeric field.
    pub field: Option<String>,
    /// Bucket width (rate_spike, metric_shift), grouping window (first_seen), or
    /// the silence that counts as gone (flatline), in seconds.
    pub bucket_secs: u64,
    /// History an entity (first_seen: the rule) needs before it may alert, in seconds.
    pub learn_secs: u64,
    /// How much recent history the baseline is taken from, in seconds.
    pub window_secs: u64,
    pub factor: f64,
    pub min_count: u64,
}

/// One parsed document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RuleDoc {
    Detection(DetectionRule),
    Correlation(CorrelationRule),
    Filter(FilterRule),
    Anomaly(AnomalyRule),
}

impl RuleDoc {
    /// The header of any kind of document.
    pub fn meta(&self) -> &Meta {
        match self {
            RuleDoc::Detection(r) => &r.meta,
            RuleDoc::Correlation(r) => &r.meta,
            RuleDoc::Filter(r) => &r.meta,
            RuleDoc::Anomaly(r) => &r.meta,
        }
    }
}
