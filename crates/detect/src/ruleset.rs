//! A compiled, immutable set of rules: detection rules with filters applied,
//! correlation rules with their references resolved, a dispatch index by
//! module/dataset and the shared literal prefilter. Share it with `Arc`.

use crate::compile::{self, CompileOptions, Interner};
use crate::matcher::{CCond, CompiledSearch, EventView, SlotId};
use crate::prefilter::{self, Prefilter};
use crate::rule::logsource::Target as LsTarget;
use crate::rule::{
    AnomalyRule, AnomalyType, CorrelationCondition, CorrelationRule, CorrelationType,
    DetectionRule, FilterRule, FilterTargets, Level, LogSource, Meta, RefExpr, RuleDoc, RuleError,
    parse_documents,
};
use serde::{Deserialize, Serialize};
use sightline_event::Event;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// A compiled detection rule.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    pub meta: Meta,
    pub logsource: LogSource,
    pub target: LsTarget,
    pub searches: Vec<CompiledSearch>,
    pub cond: CCond,
    /// Whether matches raise alerts of their own (false when only a correlation uses it).
    pub alerting: bool,
    /// Correlations fed by this rule: (correlation index, input index).
    pub consumers: Vec<(usize, usize)>,
    /// Anomaly rules fed by this rule (indices into [`RuleSet::anomalies`]).
    pub anomaly_consumers: Vec<usize>,
    module_id: Option<u32>,
    dataset_id: Option<u32>,
}

/// What a correlation reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Input {
    Rule(usize),
    Correlation(usize),
}

/// A compiled correlation rule.
#[derive(Debug, Clone)]
pub struct CompiledCorrelation {
    pub meta: Meta,
    pub kind: CorrelationType,
    pub inputs: Vec<Input>,
    /// The reference text of each input (as written in `rules`).
    pub input_names: Vec<String>,
    /// `group-by` as written (aliases included).
    pub group_by: Vec<String>,
    /// Per input, the event field read for each `group-by` entry (aliases resolved).
    pub group_fields: Vec<Vec<String>>,
    pub timespan_ms: i64,
    pub predicates: Vec<(crate::rule::CmpOp, f64)>,
    pub value_fields: Vec<String>,
    pub percentile: f64,
    /// Extended temporal condition over input indices.
    pub expr: Option<InputExpr>,
    /// `generate`: the referenced rules also alert on their own.
    pub generate: bool,
    pub alerting: bool,
    pub consumers: Vec<(usize, usize)>,
}

/// A compiled anomaly rule (see [`crate::anomaly`]).
#[derive(Debug, Clone)]
pub struct CompiledAnomaly {
    pub meta: Meta,
    pub kind: AnomalyType,
    /// Detection rules feeding it.
    pub inputs: Vec<usize>,
    pub input_names: Vec<String>,
    pub group_by: Vec<String>,
    pub field: Option<String>,
    pub bucket_ms: i64,
    pub learn_ms: i64,
    pub window_ms: i64,
    pub factor: f64,
    pub min_count: u64,
}

/// An extended temporal condition with rule references resolved to inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputExpr {
    Input(usize),
    Not(Box<InputExpr>),
    And(Vec<InputExpr>),
    Or(Vec<InputExpr>),
}

impl InputExpr {
    pub fn eval(&self, seen: &dyn Fn(usize) -> bool) -> bool {
        match self {
            InputExpr::Input(i) => seen(*i),
            InputExpr::Not(x) => !x.eval(seen),
            InputExpr::And(v) => v.iter().all(|x| x.eval(seen)),
            InputExpr::Or(v) => v.iter().any(|x| x.eval(seen)),
        }
    }
}

/// Reusable per-thread buffers for matching (avoid allocating per event).
#[derive(Debug, Default)]
pub struct Scratch {
    epoch: u32,
    rule_epoch: Vec<u32>,
    candidates: Vec<u32>,
}

/// Why a rule matched an event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Explanation {
    /// Search identifiers that were true.
    pub matched: Vec<String>,
    /// Field → value that satisfied them (first matching alternative of each).
    pub fields: Vec<(String, String)>,
}

/// Counts describing a rule set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSetStats {
    pub detection_rules: usize,
    pub correlation_rules: usize,
    pub anomaly_rules: usize,
    pub filters_applied: usize,
    pub prefilter_literals: usize,
    /// Detection rules evaluated on every event of their dataset (no literal gate).
    pub ungated_rules: usize,
}

/// The compiled rule set.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub rules: Vec<CompiledRule>,
    pub correlations: Vec<CompiledCorrelation>,
    /// Correlations in an order where inputs come before the correlations using them.
    pub correlation_order: Vec<usize>,
    pub anomalies: Vec<CompiledAnomaly>,
    fields: Vec<String>,
    modules: HashMap<String, u32>,
    datasets: HashMap<String, u32>,
    always_any: Vec<u32>,
    always_module: Vec<Vec<u32>>,
    always_dataset: Vec<Vec<u32>>,
    prefilter: Prefilter,
    pub stats: RuleSetStats,
    /// Non-fatal findings (unknown field names and the like).
    pub warnings: Vec<RuleError>,
}

/// Collects rule documents, then compiles them into a [`RuleSet`].
#[derive(Debug, Default)]
pub struct RuleSetBuilder {
    docs: Vec<RuleDoc>,
    errors: Vec<RuleError>,
    options: CompileOptions,
}

impl RuleSetBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_options(mut self, options: CompileOptions) -> Self {
        self.options = options;
        self
    }

    /// Parses a rule file's text; `file` labels error locations.
    pub fn add_text(&mut self, file: &str, text: &str) -> &mut Self {
        let (docs, mut errors) = parse_documents(file, text);
        self.docs.extend(docs);
        self.errors.append(&mut errors);
        self
    }

    pub fn add_doc(&mut self, doc: RuleDoc) -> &mut Self {
        self.docs.push(doc);
        self
    }

    /// Reads one file.
    pub fn add_file(&mut self, path: &Path) -> &mut Self {
        match std::fs::read_to_string(path) {
            Ok(text) => self.add_text(&path.display().to_string(), &text),
            Err(e) => {
                self.errors.push(RuleError::new(
                    &path.display().to_string(),
                    0,
                    format!("cannot read: {e}"),
                ));
                self
            }
        }
    }

    /// Reads every `*.yml`/`*.yaml` under `dir`, recursively, in name order.
    pub fn add_dir(&mut self, dir: &Path) -> &mut Self {
        let mut files = Vec::new();
        collect_yaml(dir, &mut files, &mut self.errors);
        files.sort();
        for f in files {
            self.add_file(&f);
        }
        self
    }

    /// Applies a tuning file to the documents added so far (see [`crate::tuning`]).
    pub fn tune(
        &mut self,
        tuning: &crate::tuning::Tuning,
        now: sightline_event::Timestamp,
    ) -> crate::tuning::Applied {
        tuning.apply(&mut self.docs, now)
    }

    /// The documents parsed so far (for tools that read their custom keys, such as tests).
    pub fn docs(&self) -> &[RuleDoc] {
        &self.docs
    }

    /// Compiles what was added. Rules with errors are left out of the set and
    /// reported; the set holds every rule that compiled.
    pub fn build(self) -> (RuleSet, Vec<RuleError>) {
        let (set, mut errors) = RuleSet::compile(self.docs, &self.options);
        let mut all = self.errors;
        all.append(&mut errors);
        (set, all)
    }
}

fn collect_yaml(dir: &Path, out: &mut Vec<std::path::PathBuf>, errors: &mut Vec<RuleError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(RuleError::new(
                &dir.display().to_string(),
                0,
                format!("cannot read directory: {e}"),
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml(&path, out, errors);
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(path);
        }
    }
}

/// Field names (with their lines) a search body tests; keywords have none.
fn fields_of(body: &crate::rule::SearchBody, out: &mut Vec<(String, usize)>) {
    use crate::rule::SearchBody;
    match body {
        SearchBody::Keywords(_) => {}
        SearchBody::Map(items) => {
            for it in items {
                if !it.field.is_empty() && !out.iter().any(|(f, _)| *f == it.field) {
                    out.push((it.field.clone(), it.line));
                }
            }
        }
        SearchBody::AnyOf(bodies) => bodies.iter().for_each(|b| fields_of(b, out)),
    }
}

/// Warnings about the fields a rule tests that no event of ours carries: names
/// outside the schema, and Sigma taxonomy names mapped to ECS fields our
/// decoders do not set (so the rule only sees events that bring them).
fn field_warnings(
    meta: &Meta,
    det: &crate::rule::Detection,
    applied: &crate::taxonomy::Applied,
) -> Vec<RuleError> {
    let known = |name: &str| {
        sightline_event::field::is_known(name) || name.starts_with("labels.") || name == "event.id"
    };
    let mut out = Vec::new();
    for (line, sigma, ours) in &applied.mapped {
        if ours.iter().all(|o| !known(o)) {
            out.push(err_at(
                meta,
                *line,
                format!(
                    "Sigma field `{sigma}` maps to `{}`, which no Sightline decoder sets: \
                     this test only matches events that carry it (docs/rules.md section 3)",
                    ours.join("` or `")
                ),
            ));
        }
    }
    let mut fields = Vec::new();
    for search in &det.searches {
        fields_of(&search.body, &mut fields);
    }
    for (name, line) in fields {
        let mapped = applied
            .mapped
            .iter()
            .any(|(_, _, o)| o.contains(&name.as_str()));
        if !known(&name) && !mapped {
            out.push(err_at(
                meta,
                line,
                format!(
                    "field `{name}` is not in the event schema (docs/schema.md); check the name"
                ),
            ));
        }
    }
    out
}

fn shift(c: &CCond, by: usize) -> CCond {
    match c {
        CCond::Search(i) => CCond::Search(i + by),
        CCond::Not(x) => CCond::Not(Box::new(shift(x, by))),
        CCond::And(v) => CCond::And(v.iter().map(|x| shift(x, by)).collect()),
        CCond::Or(v) => CCond::Or(v.iter().map(|x| shift(x, by)).collect()),
        CCond::Const(b) => CCond::Const(*b),
    }
}

fn err_at(meta: &Meta, line: usize, msg: impl Into<String>) -> RuleError {
    RuleError::new(&meta.location.file, line, msg)
}

impl RuleSet {
    /// Parses and compiles rule texts given as (label, text) pairs; strict: any error fails.
    pub fn from_texts<'a>(
        texts: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<RuleSet, Vec<RuleError>> {
        let mut b = RuleSetBuilder::new();
        for (f, t) in texts {
            b.add_text(f, t);
        }
        let (set, errors) = b.build();
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(errors)
        }
    }

    /// Compiles parsed documents. Returns the set of rules that compiled and the errors of the others.
    pub fn compile(docs: Vec<RuleDoc>, options: &CompileOptions) -> (RuleSet, Vec<RuleError>) {
        let mut errors = Vec::new();
        let mut interner = Interner::default();
        let mut detections: Vec<DetectionRule> = Vec::new();
        let mut correlations: Vec<CorrelationRule> = Vec::new();
        let mut filters: Vec<FilterRule> = Vec::new();
        let mut anomalies: Vec<AnomalyRule> = Vec::new();
        for d in docs {
            match d {
                RuleDoc::Detection(r) => detections.push(r),
                RuleDoc::Correlation(c) => correlations.push(c),
                RuleDoc::Filter(f) => filters.push(f),
                RuleDoc::Anomaly(a) => anomalies.push(a),
            }
        }

        // Ids and names must be unique across rules and correlations.
        let mut seen: HashMap<String, Location2> = HashMap::new();
        let mut dup = |meta: &Meta, errors: &mut Vec<RuleError>| -> bool {
            let mut ok = true;
            for key in [meta.id.as_deref(), meta.name.as_deref()]
                .into_iter()
                .flatten()
            {
                if let Some(prev) = seen.get(key) {
                    errors.push(err_at(
                        meta,
                        meta.location.line,
                        format!("id or name `{key}` is already used by the rule at {}:{}; make it unique", prev.0, prev.1),
                    ));
                    ok = false;
                } else {
                    seen.insert(
                        key.to_owned(),
                        (meta.location.file.clone(), meta.location.line),
                    );
                }
            }
            ok
        };
        detections.retain(|r| dup(&r.meta, &mut errors));
        correlations.retain(|c| dup(&c.meta, &mut errors));
        anomalies.retain(|a| dup(&a.meta, &mut errors));

        let mut set = RuleSet::default();
        for mut r in detections {
            // Sigma taxonomy names (`cs-uri-query`, `Image`) → ours, for this rule's log source.
            let applied = match crate::taxonomy::map_detection(&r.logsource, &r.detection) {
                Ok((detection, applied)) => {
                    r.detection = detection;
                    applied
                }
                Err((line, msg)) => {
                    errors.push(err_at(&r.meta, line, msg));
                    continue;
                }
            };
            match compile::compile_detection(&r.detection, &mut interner, options) {
                Ok((searches, cond)) => {
                    set.warnings
                        .extend(field_warnings(&r.meta, &r.detection, &applied));
                    set.rules.push(CompiledRule {
                        target: r.logsource.target(),
                        meta: r.meta,
                        logsource: r.logsource,
                        searches,
                        cond,
                        alerting: true,
                        consumers: Vec::new(),
                        anomaly_consumers: Vec::new(),
                        module_id: None,
                        dataset_id: None,
                    })
                }
                Err(es) => errors.extend(es.into_iter().map(|(l, m)| err_at(&r.meta, l, m))),
            }
        }

        // Filters: AND their condition onto every rule they cover.
        for f in &filters {
            let detection = match crate::taxonomy::map_detection(&f.logsource, &f.detection) {
                Ok((d, _)) => d,
                Err((line, msg)) => {
                    errors.push(err_at(&f.meta, line, msg));
                    continue;
                }
            };
            let (fsearches, fcond) =
                match compile::compile_detection(&detection, &mut interner, options) {
                    Ok(x) => x,
                    Err(es) => {
                        errors.extend(es.into_iter().map(|(l, m)| err_at(&f.meta, l, m)));
                        continue;
                    }
                };
            let mut applied = 0;
            for rule in &mut set.rules {
                let named = match &f.targets {
                    FilterTargets::Any => true,
                    FilterTargets::Rules(refs) => refs.iter().any(|x| {
                        rule.meta.id.as_deref() == Some(x)
                            || rule.meta.name.as_deref() == Some(x)
                            || rule.meta.title == *x
                    }),
                };
                if !named || !f.logsource.covers(&rule.logsource) {
                    continue;
                }
                let offset = rule.searches.len();
                for s in &fsearches {
                    let mut s = s.clone();
                    s.name = format!("filter:{}:{}", f.meta.title, s.name);
                    rule.searches.push(s);
                }
                let cond = std::mem::replace(&mut rule.cond, CCond::Const(false));
                rule.cond = CCond::And(vec![cond, shift(&fcond, offset)]);
                applied += 1;
            }
            set.stats.filters_applied += applied;
            if applied == 0 {
                set.warnings.push(err_at(
                    &f.meta,
                    f.meta.location.line,
                    "filter applies to no loaded rule",
                ));
            }
        }

        set.compile_correlations(correlations, &mut errors);
        set.compile_anomalies(anomalies, &mut errors);
        set.fields = interner.names;
        set.build_index();
        (set, errors)
    }

    fn compile_correlations(&mut self, corrs: Vec<CorrelationRule>, errors: &mut Vec<RuleError>) {
        let rule_index = |r: &str, rules: &[CompiledRule]| {
            rules
                .iter()
                .position(|x| x.meta.id.as_deref() == Some(r) || x.meta.name.as_deref() == Some(r))
        };
        let corr_index = |r: &str| {
            corrs
                .iter()
                .position(|x| x.meta.id.as_deref() == Some(r) || x.meta.name.as_deref() == Some(r))
        };
        let mut compiled: Vec<Option<CompiledCorrelation>> = Vec::new();
        for c in &corrs {
            let mut inputs = Vec::new();
            let mut bad = false;
            for r in &c.rules {
                if let Some(i) = rule_index(r, &self.rules) {
                    inputs.push(Input::Rule(i));
                } else if let Some(i) = corr_index(r) {
                    inputs.push(Input::Correlation(i));
                } else {
                    errors.push(err_at(
                        &c.meta,
                        c.meta.location.line,
                        format!(
                            "correlation refers to `{r}`, which is no loaded rule's id or name"
                        ),
                    ));
                    bad = true;
                }
            }
            let input_names = c.rules.clone();
            let group_fields: Vec<Vec<String>> = input_names
                .iter()
                .map(|name| {
                    c.group_by
                        .iter()
                        .map(|g| match c.aliases.get(g) {
                            Some(map) => map.get(name).cloned().unwrap_or_else(|| {
                                // The alias may name the rule by its other identifier.
                                let other = rule_index(name, &self.rules)
                                    .map(|i| &self.rules[i].meta)
                                    .and_then(|m| {
                                        [m.id.as_deref(), m.name.as_deref()]
                                            .into_iter()
                                            .flatten()
                                            .find_map(|k| map.get(k).cloned())
                                    });
                                other.unwrap_or_else(|| g.clone())
                            }),
                            None => g.clone(),
                        })
                        .collect()
                })
                .collect();
            let (predicates, value_fields, percentile, expr) = match &c.condition {
                CorrelationCondition::Threshold {
                    predicates,
                    field,
                    percentile,
                } => (
                    predicates.clone(),
                    field.clone(),
                    percentile.unwrap_or(50.0),
                    None,
                ),
                CorrelationCondition::Expr(e) => {
                    fn conv(e: &RefExpr, names: &[String]) -> Option<InputExpr> {
                        Some(match e {
                            RefExpr::Rule(r) => {
                                InputExpr::Input(names.iter().position(|n| n == r)?)
                            }
                            RefExpr::Not(x) => InputExpr::Not(Box::new(conv(x, names)?)),
                            RefExpr::And(v) => InputExpr::And(
                                v.iter().map(|x| conv(x, names)).collect::<Option<_>>()?,
                            ),
                            RefExpr::Or(v) => InputExpr::Or(
                                v.iter().map(|x| conv(x, names)).collect::<Option<_>>()?,
                            ),
                        })
                    }
                    (Vec::new(), Vec::new(), 50.0, conv(e, &input_names))
                }
            };
            if bad {
                compiled.push(None);
                continue;
            }
            compiled.push(Some(CompiledCorrelation {
                meta: c.meta.clone(),
                kind: c.kind,
                inputs,
                input_names,
                group_by: c.group_by.clone(),
                group_fields,
                timespan_ms: i64::try_from(c.timespan_secs)
                    .unwrap_or(i64::MAX)
                    .saturating_mul(1000),
                predicates,
                value_fields,
                percentile,
                expr,
                generate: c.generate,
                alerting: true,
                consumers: Vec::new(),
            }));
        }
        // Drop correlations depending on dropped ones, and cycles; order the rest.
        let n = compiled.len();
        let mut state = vec![0u8; n]; // 0 new, 1 visiting, 2 done, 3 invalid
        let mut order = Vec::new();
        fn visit(
            i: usize,
            compiled: &[Option<CompiledCorrelation>],
            state: &mut [u8],
            order: &mut Vec<usize>,
        ) -> bool {
            match state.get(i) {
                Some(2) => return true,
                Some(1) | Some(3) | None => return false,
                _ => {}
            }
            state[i] = 1;
            let Some(Some(c)) = compiled.get(i) else {
                state[i] = 3;
                return false;
            };
            for inp in &c.inputs {
                if let Input::Correlation(j) = inp
                    && !visit(*j, compiled, state, order)
                {
                    state[i] = 3;
                    return false;
                }
            }
            state[i] = 2;
            order.push(i);
            true
        }
        for i in 0..n {
            if state[i] == 0
                && !visit(i, &compiled, &mut state, &mut order)
                && let Some(c) = &corrs.get(i)
            {
                errors.push(err_at(
                    &c.meta,
                    c.meta.location.line,
                    "correlation is part of a reference cycle or refers to a correlation with errors",
                ));
            }
        }
        // Re-index the valid correlations densely, in dependency order.
        let mut new_index = vec![usize::MAX; n];
        for (k, &i) in order.iter().enumerate() {
            new_index[i] = k;
        }
        let mut out: Vec<CompiledCorrelation> = Vec::new();
        for &i in &order {
            if let Some(Some(c)) = compiled.get_mut(i).map(Option::take) {
                let mut c = c;
                for inp in &mut c.inputs {
                    if let Input::Correlation(j) = inp {
                        *j = new_index[*j];
                    }
                }
                out.push(c);
            }
        }
        // Wire consumers and the generate flag.
        let mut referenced_rule = vec![(false, false); self.rules.len()]; // (referenced, generate)
        let mut referenced_corr = vec![(false, false); out.len()];
        for (ci, c) in out.iter().enumerate() {
            let generate = c.generate;
            for (k, inp) in c.inputs.iter().enumerate() {
                match inp {
                    Input::Rule(r) => {
                        if let Some(rule) = self.rules.get_mut(*r) {
                            rule.consumers.push((ci, k));
                        }
                        if let Some(x) = referenced_rule.get_mut(*r) {
                            x.0 = true;
                            x.1 |= generate;
                        }
                    }
                    Input::Correlation(j) => {
                        if let Some(x) = referenced_corr.get_mut(*j) {
                            x.0 = true;
                            x.1 |= generate;
                        }
                    }
                }
            }
        }
        for ci in 0..out.len() {
            let consumers: Vec<(usize, usize)> = out
                .iter()
                .enumerate()
                .flat_map(|(p, c)| {
                    c.inputs
                        .iter()
                        .enumerate()
                        .filter(move |(_, inp)| **inp == Input::Correlation(ci))
                        .map(move |(k, _)| (p, k))
                })
                .collect();
            if let Some(c) = out.get_mut(ci) {
                c.consumers = consumers;
                let (refd, generate) = referenced_corr.get(ci).copied().unwrap_or_default();
                c.alerting = !refd || generate;
            }
        }
        for (rule, (refd, generate)) in self.rules.iter_mut().zip(referenced_rule) {
            rule.alerting = !refd || generate;
        }
        self.correlation_order = (0..out.len()).collect();
        self.correlations = out;
    }

    fn compile_anomalies(&mut self, anomalies: Vec<AnomalyRule>, errors: &mut Vec<RuleError>) {
        let ms = |secs: u64| {
            i64::try_from(secs)
                .unwrap_or(i64::MAX / 1000)
                .saturating_mul(1000)
        };
        for a in anomalies {
            let mut inputs = Vec::new();
            for r in &a.rules {
                match self.rule_index(r) {
                    Some(i) => inputs.push(i),
                    None => errors.push(err_at(
                        &a.meta,
                        a.meta.location.line,
                        format!("anomaly refers to `{r}`, which is no loaded detection rule's id or name"),
                    )),
                }
            }
            if inputs.len() != a.rules.len() {
                continue;
            }
            let ai = self.anomalies.len();
            for &i in &inputs {
                if let Some(rule) = self.rules.get_mut(i) {
                    rule.anomaly_consumers.push(ai);
                    // An input rule alerts on its own only when nothing consumes it
                    // (a correlation with `generate: true` may have kept it alerting).
                    if rule.consumers.is_empty() {
                        rule.alerting = false;
                    }
                }
            }
            self.anomalies.push(CompiledAnomaly {
                inputs,
                input_names: a.rules.clone(),
                group_by: a.group_by,
                field: a.field,
                bucket_ms: ms(a.bucket_secs),
                learn_ms: ms(a.learn_secs),
                window_ms: ms(a.window_secs),
                factor: a.factor,
                min_count: a.min_count,
                kind: a.kind,
                meta: a.meta,
            });
        }
    }

    fn build_index(&mut self) {
        let mut gated = Vec::new();
        let mut slots = BTreeSet::new();
        let mut counts = prefilter::LiteralCounts::new();
        for r in &self.rules {
            prefilter::count_literals(&r.searches, &mut counts);
        }
        for (i, r) in self.rules.iter_mut().enumerate() {
            let i = i as u32;
            r.module_id = r.target.module.as_ref().map(|m| {
                let n = self.modules.len() as u32;
                *self.modules.entry(m.clone()).or_insert(n)
            });
            r.dataset_id = r.target.dataset.as_ref().map(|d| {
                let n = self.datasets.len() as u32;
                *self.datasets.entry(d.clone()).or_insert(n)
            });
            match prefilter::requirement(&r.cond, &r.searches, &counts) {
                Some(req) if !req.is_empty() => {
                    prefilter::scanned_slots(&r.searches, &mut slots);
                    gated.push((i, req));
                }
                _ => {
                    self.stats.ungated_rules += 1;
                    match (r.dataset_id, r.module_id) {
                        (Some(d), _) => push_at(&mut self.always_dataset, d, i),
                        (None, Some(m)) => push_at(&mut self.always_module, m, i),
                        (None, None) => self.always_any.push(i),
                    }
                }
            }
        }
        self.prefilter = Prefilter::build(&gated, slots);
        self.stats.detection_rules = self.rules.len();
        self.stats.correlation_rules = self.correlations.len();
        self.stats.anomaly_rules = self.anomalies.len();
        self.stats.prefilter_literals = self.prefilter.literal_count();
    }

    /// Interned field names (slot id → name).
    pub fn field_names(&self) -> &[String] {
        &self.fields
    }

    fn target_ok(
        &self,
        r: &CompiledRule,
        module: Option<u32>,
        dataset: Option<u32>,
        ev: &Event,
    ) -> bool {
        r.module_id.is_none_or(|m| Some(m) == module)
            && r.dataset_id.is_none_or(|d| Some(d) == dataset)
            && r.target
                .category
                .as_ref()
                .is_none_or(|c| ev.category.iter().any(|x| x == c))
            && r.target
                .event_type
                .as_ref()
                .is_none_or(|t| ev.event_type.iter().any(|x| x == t))
    }

    /// Indices of the detection rules matching `ev`, ascending.
    pub fn matches(&self, ev: &Event, scratch: &mut Scratch, out: &mut Vec<usize>) {
        out.clear();
        let mut view = EventView::new(ev, &self.fields);
        let module = self.modules.get(ev.module.as_ref()).copied();
        let dataset = self.datasets.get(ev.dataset.as_ref()).copied();
        scratch.epoch = scratch.epoch.wrapping_add(1);
        if scratch.epoch == 0 {
            scratch.rule_epoch.iter_mut().for_each(|e| *e = 0);
            scratch.epoch = 1;
        }
        if scratch.rule_epoch.len() < self.rules.len() {
            scratch.rule_epoch.resize(self.rules.len(), 0);
        }
        let epoch = scratch.epoch;
        scratch.candidates.clear();
        scratch.candidates.extend_from_slice(&self.always_any);
        if let Some(list) = module.and_then(|m| self.always_module.get(m as usize)) {
            scratch.candidates.extend_from_slice(list);
        }
        if let Some(list) = dataset.and_then(|d| self.always_dataset.get(d as usize)) {
            scratch.candidates.extend_from_slice(list);
        }
        for &slot in &self.prefilter.slots {
            let s = view.slot(slot as SlotId);
            for v in &s.vals {
                let (rule_epoch, candidates) = (&mut scratch.rule_epoch, &mut scratch.candidates);
                let text = if v.text.is_ascii() {
                    v.text.as_ref()
                } else {
                    v.lower()
                };
                self.prefilter.scan(text, |lit| {
                    for &r in self
                        .prefilter
                        .lit_rules
                        .get(lit)
                        .map(Vec::as_slice)
                        .unwrap_or(&[])
                    {
                        if let Some(e) = rule_epoch.get_mut(r as usize)
                            && *e != epoch
                        {
                            *e = epoch;
                            candidates.push(r);
                        }
                    }
                });
            }
        }
        scratch.candidates.sort_unstable();
        for &r in &scratch.candidates {
            let Some(rule) = self.rules.get(r as usize) else {
                continue;
            };
            if self.target_ok(rule, module, dataset, ev)
                && rule.cond.eval(&rule.searches, &mut view)
            {
                out.push(r as usize);
            }
        }
    }

    /// Convenience: matching rule indices with a fresh scratch.
    pub fn matching_rules(&self, ev: &Event) -> Vec<usize> {
        let mut out = Vec::new();
        self.matches(ev, &mut Scratch::default(), &mut out);
        out
    }

    /// Whether rule `rule` matches `ev`, evaluated without dispatch or prefilter.
    pub fn rule_matches_unfiltered(&self, rule: usize, ev: &Event) -> bool {
        let Some(r) = self.rules.get(rule) else {
            return false;
        };
        let mut view = EventView::new(ev, &self.fields);
        let module = self.modules.get(ev.module.as_ref()).copied();
        let dataset = self.datasets.get(ev.dataset.as_ref()).copied();
        self.target_ok(r, module, dataset, ev) && r.cond.eval(&r.searches, &mut view)
    }

    /// Which searches of `rule` were true for `ev`, and the values that made them so.
    pub fn explain(&self, rule: usize, ev: &Event) -> Explanation {
        let mut ex = Explanation::default();
        let Some(r) = self.rules.get(rule) else {
            return ex;
        };
        let mut view = EventView::new(ev, &self.fields);
        for s in &r.searches {
            if let Some(fields) = s.evidence(&mut view) {
                ex.matched.push(s.name.clone());
                for f in fields {
                    if !ex.fields.contains(&f) {
                        ex.fields.push(f);
                    }
                }
            }
        }
        ex
    }

    /// Finds a detection rule by id or name.
    pub fn rule_index(&self, key: &str) -> Option<usize> {
        self.rules
            .iter()
            .position(|r| r.meta.id.as_deref() == Some(key) || r.meta.name.as_deref() == Some(key))
    }

    /// The level a detection rule's alerts carry.
    pub fn rule_level(&self, rule: usize) -> Level {
        self.rules
            .get(rule)
            .and_then(|r| r.meta.level)
            .unwrap_or_default()
    }
}

type Location2 = (String, usize);

fn push_at(v: &mut Vec<Vec<u32>>, at: u32, x: u32) {
    let at = at as usize;
    if v.len() <= at {
        v.resize(at + 1, Vec::new());
    }
    if let Some(list) = v.get_mut(at) {
        list.push(x);
    }
}
