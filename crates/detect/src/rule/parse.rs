//! YAML documents → rule model, with file/line errors that say what to fix.

use super::*;
use crate::condition;
use crate::modifiers;
use crate::yaml::{self, Node, NodeKind};

/// Keys of the rule header the specification defines (everything else is custom).
const META_KEYS: &[&str] = &[
    "title",
    "id",
    "name",
    "status",
    "description",
    "references",
    "author",
    "date",
    "modified",
    "tags",
    "level",
    "falsepositives",
    "fields",
    "related",
    "license",
    "taxonomy",
    "scope",
    "sightline",
];

struct Ctx<'a> {
    file: &'a str,
    errors: Vec<RuleError>,
}

impl Ctx<'_> {
    fn err(&mut self, line: usize, message: impl Into<String>) {
        self.errors.push(RuleError::new(self.file, line, message));
    }
}

/// Parses every document of a rule file. Documents with errors are left out;
/// the errors say where and why. `file` labels the locations.
pub fn parse_documents(file: &str, text: &str) -> (Vec<RuleDoc>, Vec<RuleError>) {
    let docs = match yaml::load(text) {
        Ok(d) => d,
        Err(e) => {
            return (
                Vec::new(),
                vec![RuleError::new(
                    file,
                    e.line,
                    format!("YAML syntax error: {}", e.message),
                )],
            );
        }
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for doc in docs {
        match parse_document(file, &doc.root) {
            Ok(r) => out.push(r),
            Err(mut e) => errors.append(&mut e),
        }
    }
    (out, errors)
}

/// Parses one document (already loaded as YAML).
pub fn parse_document(file: &str, root: &Node) -> Result<RuleDoc, Vec<RuleError>> {
    let mut cx = Ctx {
        file,
        errors: Vec::new(),
    };
    let NodeKind::Map(entries) = &root.kind else {
        cx.err(
            root.line,
            format!(
                "a rule document must be a map of keys, found {}",
                root.type_name()
            ),
        );
        return Err(cx.errors);
    };
    check_duplicates(&mut cx, entries);
    if let Some(action) = root.get("action") {
        cx.err(
            action.line,
            "Sigma 1.x rule collections (`action: global/reset/repeat`) are not supported: write each rule as a complete document",
        );
        return Err(cx.errors);
    }
    let meta = parse_meta(&mut cx, root);
    let doc = if let Some(c) = root.get("correlation") {
        parse_correlation(&mut cx, meta, root, c).map(RuleDoc::Correlation)
    } else if let Some(a) = root.get("anomaly") {
        parse_anomaly(&mut cx, meta, a).map(RuleDoc::Anomaly)
    } else if let Some(f) = root.get("filter") {
        let logsource = root
            .get("logsource")
            .map(|n| parse_logsource(&mut cx, n))
            .unwrap_or_default();
        parse_filter(&mut cx, meta, logsource, f).map(RuleDoc::Filter)
    } else if let Some(d) = root.get("detection") {
        let logsource = match root.get("logsource") {
            Some(n) => parse_logsource(&mut cx, n),
            None => {
                cx.err(
                    root.line,
                    "missing `logsource` (e.g. `logsource: {product: ray, service: dashboard}`)",
                );
                LogSource::default()
            }
        };
        let detection = parse_detection(&mut cx, d, true);
        Some(RuleDoc::Detection(DetectionRule {
            meta,
            logsource,
            detection,
        }))
    } else {
        cx.err(
            root.line,
            "document has no `detection`, `correlation`, `filter` or `anomaly` section",
        );
        None
    };
    match doc {
        Some(d) if cx.errors.is_empty() => Ok(d),
        _ => Err(cx.errors),
    }
}

fn check_duplicates(cx: &mut Ctx, entries: &[(Node, Node)]) {
    let mut seen: Vec<&str> = Vec::new();
    for (k, _) in entries {
        if let Some(name) = k.as_str() {
            if seen.contains(&name) {
                cx.err(
                    k.line,
                    format!("key `{name}` appears twice; merge the two entries"),
                );
            }
            seen.push(name);
        }
    }
}

fn string(cx: &mut Ctx, node: &Node, what: &str) -> Option<String> {
    match node.scalar_text() {
        Some(s) => Some(s),
        None => {
            cx.err(
                node.line,
                format!("`{what}` must be a string, found {}", node.type_name()),
            );
            None
        }
    }
}

/// A string or a list of strings.
fn strings(cx: &mut Ctx, node: &Node, what: &str) -> Vec<String> {
    match &node.kind {
        NodeKind::Seq(items) => items.iter().filter_map(|n| string(cx, n, what)).collect(),
        NodeKind::Null => Vec::new(),
        _ => string(cx, node, what).into_iter().collect(),
    }
}

fn parse_meta(cx: &mut Ctx, root: &Node) -> Meta {
    let mut meta = Meta {
        location: Location {
            file: cx.file.to_owned(),
            line: root.line,
        },
        ..Default::default()
    };
    match root.get("title") {
        Some(t) => meta.title = string(cx, t, "title").unwrap_or_default(),
        None => cx.err(
            root.line,
            "missing `title` (a short sentence saying what the rule detects)",
        ),
    }
    let opt = |cx: &mut Ctx, key: &str| root.get(key).and_then(|n| string(cx, n, key));
    meta.id = opt(cx, "id");
    meta.name = opt(cx, "name");
    meta.description = opt(cx, "description");
    meta.date = opt(cx, "date");
    meta.modified = opt(cx, "modified");
    meta.license = opt(cx, "license");
    meta.taxonomy = opt(cx, "taxonomy");
    if let Some(a) = root.get("author") {
        meta.author = Some(strings(cx, a, "author").join(", "));
    }
    for (key, list) in [
        ("references", &mut meta.references),
        ("tags", &mut meta.tags),
        ("falsepositives", &mut meta.falsepositives),
        ("fields", &mut meta.fields),
        ("scope", &mut meta.scope),
    ] {
        if let Some(n) = root.get(key) {
            *list = strings(cx, n, key);
        }
    }
    if let Some(n) = root.get("status")
        && let Some(s) = string(cx, n, "status")
    {
        meta.status = Status::parse(&s);
        if meta.status.is_none() {
            cx.err(n.line, format!("unknown status `{s}`; use stable, test, experimental, deprecated or unsupported"));
        }
    }
    if let Some(n) = root.get("level")
        && let Some(s) = string(cx, n, "level")
    {
        meta.level = Level::parse(&s);
        if meta.level.is_none() {
            cx.err(
                n.line,
                format!("unknown level `{s}`; use informational, low, medium, high or critical"),
            );
        }
    }
    if let Some(n) = root.get("related") {
        if let NodeKind::Seq(items) = &n.kind {
            for item in items {
                let id = item.get("id").and_then(|v| v.scalar_text());
                let kind = item.get("type").and_then(|v| v.scalar_text());
                match (id, kind) {
                    (Some(id), Some(kind)) => meta.related.push(Related { id, kind }),
                    _ => cx.err(item.line, "each `related` entry needs `id` and `type`"),
                }
            }
        } else {
            cx.err(n.line, "`related` must be a list of {id, type}");
        }
    }
    if let Some(n) = root.get("sightline") {
        meta.extension = parse_extension(cx, n);
    }
    if let NodeKind::Map(entries) = &root.kind {
        for (k, v) in entries {
            if let Some(key) = k.as_str()
                && !META_KEYS.contains(&key)
                && ![
                    "logsource",
                    "detection",
                    "correlation",
                    "filter",
                    "anomaly",
                    "generate",
                ]
                .contains(&key)
            {
                meta.custom.insert(key.to_owned(), to_json(v));
            }
        }
    }
    meta
}

fn parse_extension(cx: &mut Ctx, node: &Node) -> Extension {
    let mut ext = Extension::default();
    let NodeKind::Map(entries) = &node.kind else {
        cx.err(
            node.line,
            "`sightline` must be a map, e.g. `sightline: {group_by: [source.ip], suppress: 1h}`",
        );
        return ext;
    };
    for (k, v) in entries {
        match k.as_str() {
            Some("group_by") => ext.group_by = Some(strings(cx, v, "group_by")),
            Some("suppress") => {
                ext.suppress_secs = match &v.kind {
                    NodeKind::Int(i) if *i >= 0 => Some(*i as u64),
                    _ => match v.as_str().map(parse_timespan) {
                        Some(Ok(s)) => Some(s),
                        Some(Err(e)) => {
                            cx.err(v.line, e);
                            None
                        }
                        None => {
                            cx.err(
                                v.line,
                                "`suppress` must be a duration like 30m or 1h, or seconds",
                            );
                            None
                        }
                    },
                }
            }
            // Other keys belong to tools built on top (tuning, tests): keep quiet.
            _ => {}
        }
    }
    ext
}

/// Node → JSON (for custom attributes).
fn to_json(node: &Node) -> serde_json::Value {
    node.to_json()
}

fn parse_logsource(cx: &mut Ctx, node: &Node) -> LogSource {
    let mut ls = LogSource::default();
    let NodeKind::Map(entries) = &node.kind else {
        cx.err(
            node.line,
            "`logsource` must be a map with product, service and/or category",
        );
        return ls;
    };
    for (k, v) in entries {
        let Some(key) = k.as_str() else { continue };
        let Some(val) = string(cx, v, key) else {
            continue;
        };
        match key {
            "product" => ls.product = Some(val),
            "service" => ls.service = Some(val),
            "category" => ls.category = Some(val),
            "definition" => ls.definition = Some(val),
            "module" => ls.module = Some(val),
            "dataset" => ls.dataset = Some(val),
            other => {
                ls.custom.insert(other.to_owned(), val);
            }
        }
    }
    ls
}

fn scalar(node: &Node) -> Option<Scalar> {
    Some(match &node.kind {
        NodeKind::Null => Scalar::Null,
        NodeKind::Bool(b) => Scalar::Bool(*b),
        NodeKind::Int(i) => Scalar::Int(*i),
        NodeKind::Float(f) => Scalar::Float(*f),
        NodeKind::Str { text, .. } => Scalar::Str(text.clone()),
        NodeKind::Seq(_) | NodeKind::Map(_) => return None,
    })
}

/// Parses a `detection` (or filter) map. `need_condition` is false for filters
/// whose keys also include `rules`.
fn parse_detection(cx: &mut Ctx, node: &Node, need_condition: bool) -> Detection {
    let mut det = Detection::default();
    let NodeKind::Map(entries) = &node.kind else {
        cx.err(
            node.line,
            "`detection` must be a map of search identifiers and a `condition`",
        );
        return det;
    };
    check_duplicates(cx, entries);
    for (k, v) in entries {
        let Some(name) = k.scalar_text() else {
            cx.err(k.line, "search identifiers must be names");
            continue;
        };
        match name.as_str() {
            "condition" => match &v.kind {
                NodeKind::Seq(items) => {
                    for c in items {
                        if let Some(s) = string(cx, c, "condition") {
                            det.conditions.push((s, c.line));
                        }
                    }
                }
                _ => {
                    if let Some(s) = string(cx, v, "condition") {
                        det.conditions.push((s, v.line));
                    }
                }
            },
            "timeframe" => cx.err(
                k.line,
                "`timeframe` belongs to Sigma 1.x aggregations; write a correlation rule with `timespan` instead",
            ),
            "rules" if !need_condition => {}
            _ => {
                if let Some(body) = parse_search(cx, &name, v) {
                    det.searches.push(Search {
                        name,
                        line: k.line,
                        body,
                    });
                }
            }
        }
    }
    if det.conditions.is_empty() {
        cx.err(
            node.line,
            "missing `condition` (e.g. `condition: selection and not filter`)",
        );
    }
    for (c, line) in &det.conditions {
        if let Err(e) = condition::parse(c) {
            cx.err(*line, format!("condition `{c}`: {e}"));
        }
    }
    det
}

fn parse_search(cx: &mut Ctx, name: &str, node: &Node) -> Option<SearchBody> {
    match &node.kind {
        NodeKind::Map(entries) => parse_map(cx, name, node, entries).map(SearchBody::Map),
        NodeKind::Seq(items) => {
            if items.is_empty() {
                cx.err(
                    node.line,
                    format!("search identifier `{name}` is an empty list"),
                );
                return None;
            }
            if items.iter().all(|n| scalar(n).is_some()) {
                return Some(SearchBody::Keywords(
                    items.iter().filter_map(scalar).collect(),
                ));
            }
            let mut bodies = Vec::new();
            for item in items {
                match &item.kind {
                    NodeKind::Map(entries) => {
                        bodies.push(SearchBody::Map(parse_map(cx, name, item, entries)?))
                    }
                    NodeKind::Seq(_) => {
                        cx.err(
                            item.line,
                            format!("`{name}`: a list inside a list is not a valid selection"),
                        );
                        return None;
                    }
                    _ => bodies.push(SearchBody::Keywords(scalar(item).into_iter().collect())),
                }
            }
            Some(SearchBody::AnyOf(bodies))
        }
        NodeKind::Null => {
            cx.err(node.line, format!("search identifier `{name}` is empty"));
            None
        }
        _ => scalar(node).map(|s| SearchBody::Keywords(vec![s])),
    }
}

fn parse_map(
    cx: &mut Ctx,
    name: &str,
    node: &Node,
    entries: &[(Node, Node)],
) -> Option<Vec<FieldItem>> {
    if entries.is_empty() {
        cx.err(
            node.line,
            format!("search identifier `{name}` is an empty map"),
        );
        return None;
    }
    check_duplicates(cx, entries);
    let mut items = Vec::new();
    let mut ok = true;
    for (k, v) in entries {
        let Some(key) = k.scalar_text() else {
            cx.err(k.line, format!("`{name}`: field names must be strings"));
            ok = false;
            continue;
        };
        let (field, mods) = match modifiers::parse_key(&key) {
            Ok(x) => x,
            Err(e) => {
                cx.err(k.line, e);
                ok = false;
                continue;
            }
        };
        let values = match &v.kind {
            NodeKind::Seq(list) => {
                let vals: Option<Vec<Scalar>> = list.iter().map(scalar).collect();
                match vals {
                    Some(v) if !v.is_empty() => v,
                    Some(_) => {
                        cx.err(v.line, format!("`{key}` has an empty list of values"));
                        ok = false;
                        continue;
                    }
                    None => {
                        cx.err(
                            v.line,
                            format!(
                                "`{key}`: values must be plain values, not maps or nested lists"
                            ),
                        );
                        ok = false;
                        continue;
                    }
                }
            }
            NodeKind::Map(_) => {
                cx.err(
                    v.line,
                    format!("`{key}`: a value cannot be a map; use a list of values"),
                );
                ok = false;
                continue;
            }
            _ => scalar(v).into_iter().collect(),
        };
        items.push(FieldItem {
            field,
            modifiers: mods,
            values,
            line: k.line,
        });
    }
    ok.then_some(items)
}

/// Parses a Sigma timespan: a positive number and one of s, m, h, d, w, M (30.44 days), y (365.25 days).
pub fn parse_timespan(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = (s.get(..split).unwrap_or(""), s.get(split..).unwrap_or(""));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("timespan `{s}` must be a number and a unit, e.g. 30s, 5m, 1h, 7d"))?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        "M" => 2_629_746,
        "y" => 31_556_952,
        _ => {
            return Err(format!(
                "timespan `{s}`: unit must be one of s, m, h, d, w, M, y"
            ));
        }
    };
    if n == 0 {
        return Err(format!("timespan `{s}` must be greater than zero"));
    }
    n.checked_mul(mult)
        .ok_or_else(|| format!("timespan `{s}` is too long"))
}

fn parse_correlation(
    cx: &mut Ctx,
    meta: Meta,
    root: &Node,
    node: &Node,
) -> Option<CorrelationRule> {
    let NodeKind::Map(entries) = &node.kind else {
        cx.err(
            node.line,
            "`correlation` must be a map with type, rules, group-by, timespan and condition",
        );
        return None;
    };
    check_duplicates(cx, entries);
    let kind = match node.get("type") {
        Some(t) => {
            let name = string(cx, t, "type")?;
            match CorrelationType::parse(&name) {
                Some(k) => k,
                None => {
                    cx.err(
                        t.line,
                        format!("unknown correlation type `{name}`; use event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile or value_median"),
                    );
                    return None;
                }
            }
        }
        None => {
            cx.err(node.line, "correlation without `type`");
            return None;
        }
    };
    let mut rules = node
        .get("rules")
        .map(|n| strings(cx, n, "rules"))
        .unwrap_or_default();
    let group_by = node
        .get("group-by")
        .map(|n| strings(cx, n, "group-by"))
        .unwrap_or_default();
    let timespan_secs = match node.get("timespan") {
        Some(t) => match t.scalar_text().map(|s| parse_timespan(&s)) {
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                cx.err(t.line, e);
                return None;
            }
            None => {
                cx.err(t.line, "`timespan` must be like 5m");
                return None;
            }
        },
        None => {
            cx.err(
                node.line,
                "correlation without `timespan` (e.g. `timespan: 10m`)",
            );
            return None;
        }
    };
    let condition = match node.get("condition") {
        Some(c) => match &c.kind {
            NodeKind::Map(entries) => {
                let mut predicates = Vec::new();
                let mut field = Vec::new();
                let mut percentile = None;
                for (k, v) in entries {
                    let key = k.scalar_text().unwrap_or_default();
                    if let Some(op) = CmpOp::parse(&key) {
                        match &v.kind {
                            NodeKind::Int(i) => predicates.push((op, *i as f64)),
                            NodeKind::Float(f) if f.is_finite() => predicates.push((op, *f)),
                            _ => cx.err(v.line, format!("`{key}` needs a number")),
                        }
                    } else if key == "field" {
                        field = strings(cx, v, "field");
                    } else if key == "percentile" {
                        match &v.kind {
                            NodeKind::Int(i) if (0..=100).contains(i) => {
                                percentile = Some(*i as f64)
                            }
                            NodeKind::Float(f) if (0.0..=100.0).contains(f) => {
                                percentile = Some(*f)
                            }
                            _ => cx.err(v.line, "`percentile` must be a number from 0 to 100"),
                        }
                    } else {
                        cx.err(k.line, format!("unknown condition key `{key}`; use gt, gte, lt, lte, eq, neq, field, percentile"));
                    }
                }
                if predicates.is_empty() {
                    cx.err(
                        c.line,
                        "correlation condition needs a comparison, e.g. `gte: 10`",
                    );
                }
                CorrelationCondition::Threshold {
                    predicates,
                    field,
                    percentile,
                }
            }
            NodeKind::Str { text, .. } => {
                if !kind.is_temporal() {
                    cx.err(c.line, "a condition expression (string) is only valid for temporal and temporal_ordered");
                    return None;
                }
                match condition::parse_ref_expr(text) {
                    Ok(e) => {
                        let mut refs = Vec::new();
                        e.refs(&mut refs);
                        if rules.is_empty() {
                            rules = refs;
                        } else {
                            for r in &rules {
                                if !refs.contains(r) {
                                    cx.err(c.line, format!("rule `{r}` is listed in `rules` but not used in the condition"));
                                }
                            }
                            for r in &refs {
                                if !rules.contains(r) {
                                    cx.err(
                                        c.line,
                                        format!("condition uses `{r}`, which is not in `rules`"),
                                    );
                                }
                            }
                        }
                        CorrelationCondition::Expr(e)
                    }
                    Err(e) => {
                        cx.err(c.line, format!("condition `{text}`: {e}"));
                        return None;
                    }
                }
            }
            _ => {
                cx.err(c.line, "`condition` must be a map like `gte: 10` (or, for temporal types, an expression)");
                return None;
            }
        },
        None if kind.is_temporal() => CorrelationCondition::Threshold {
            predicates: vec![(CmpOp::Gte, rules.len() as f64)],
            field: Vec::new(),
            percentile: None,
        },
        None => {
            cx.err(
                node.line,
                format!(
                    "`{}` correlation needs a `condition`, e.g. `gte: 10`",
                    kind.as_str()
                ),
            );
            return None;
        }
    };
    if rules.is_empty() {
        cx.err(
            node.line,
            "correlation without `rules` (ids or names of the rules it correlates)",
        );
    }
    if kind.needs_field()
        && matches!(&condition, CorrelationCondition::Threshold { field, .. } if field.is_empty())
    {
        cx.err(
            node.line,
            format!(
                "`{}` needs `condition.field` (the field whose values are aggregated)",
                kind.as_str()
            ),
        );
    }
    let mut aliases = BTreeMap::new();
    if let Some(a) = node.get("aliases") {
        match &a.kind {
            NodeKind::Map(entries) => {
                for (alias, mapping) in entries {
                    let alias = alias.scalar_text().unwrap_or_default();
                    let mut m = BTreeMap::new();
                    if let NodeKind::Map(pairs) = &mapping.kind {
                        for (rule, field) in pairs {
                            if let (Some(r), Some(f)) = (rule.scalar_text(), field.scalar_text()) {
                                m.insert(r, f);
                            }
                        }
                    } else {
                        cx.err(
                            mapping.line,
                            format!("alias `{alias}` must map rule names to field names"),
                        );
                    }
                    aliases.insert(alias, m);
                }
            }
            _ => cx.err(a.line, "`aliases` must be a map: alias → {rule: field}"),
        }
    }
    let generate_node = node.get("generate").or_else(|| root.get("generate"));
    let generate = match generate_node.map(|g| &g.kind) {
        None => false,
        Some(NodeKind::Bool(b)) => *b,
        Some(_) => {
            cx.err(
                generate_node.map(|g| g.line).unwrap_or(node.line),
                "`generate` must be true or false",
            );
            false
        }
    };
    Some(CorrelationRule {
        meta,
        kind,
        rules,
        group_by,
        timespan_secs,
        condition,
        aliases,
        generate,
    })
}

/// Parses an `anomaly:` section (Sightline's extension; see docs/rules.md).
fn parse_anomaly(cx: &mut Ctx, meta: Meta, node: &Node) -> Option<AnomalyRule> {
    const KEYS: [&str; 10] = [
        "type",
        "rules",
        "group-by",
        "field",
        "bucket",
        "learn",
        "window",
        "factor",
        "min_count",
        "min-count",
    ];
    let NodeKind::Map(entries) = &node.kind else {
        cx.err(
            node.line,
            "`anomaly` must be a map with type, rules, group-by and the type's settings",
        );
        return None;
    };
    check_duplicates(cx, entries);
    for (k, _) in entries {
        let key = k.scalar_text().unwrap_or_default();
        if !KEYS.contains(&key.as_str()) {
            cx.err(
                k.line,
                format!("unknown anomaly key `{key}`; use {}", KEYS[..9].join(", ")),
            );
        }
    }
    let kind = match node.get("type") {
        Some(t) => {
            let name = string(cx, t, "type")?;
            let Some(k) = AnomalyType::parse(&name) else {
                cx.err(
                    t.line,
                    format!("unknown anomaly type `{name}`; use first_seen, rate_spike, flatline or metric_shift"),
                );
                return None;
            };
            k
        }
        None => {
            cx.err(node.line, "anomaly without `type`");
            return None;
        }
    };
    let rules = node
        .get("rules")
        .map(|n| strings(cx, n, "rules"))
        .unwrap_or_default();
    if rules.is_empty() {
        cx.err(
            node.line,
            "anomaly without `rules`: name the detection rules whose matches it watches",
        );
    }
    let group_by = node
        .get("group-by")
        .map(|n| strings(cx, n, "group-by"))
        .unwrap_or_default();
    let field = node.get("field").and_then(|n| string(cx, n, "field"));
    if field.is_none() && matches!(kind, AnomalyType::FirstSeen | AnomalyType::MetricShift) {
        cx.err(node.line, format!("{} needs `field`", kind.as_str()));
    }
    let mut span = |key: &str, default: u64| -> u64 {
        match node.get(key) {
            Some(t) => match t.scalar_text().map(|s| parse_timespan(&s)) {
                Some(Ok(0)) => {
                    cx.err(t.line, format!("`{key}` must be longer than zero"));
                    default
                }
                Some(Ok(s)) => s,
                Some(Err(e)) => {
                    cx.err(t.line, format!("`{key}`: {e}"));
                    default
                }
                None => {
                    cx.err(t.line, format!("`{key}` must be like 5m"));
                    default
                }
            },
            None => default,
        }
    };
    let bucket_secs = span("bucket", 300);
    let learn_secs = span(
        "learn",
        if kind == AnomalyType::FirstSeen {
            86_400
        } else {
            3_600
        },
    );
    let window_secs = span("window", 86_400);
    let number = |cx: &mut Ctx, key: &str| -> Option<f64> {
        let n = node.get(key)?;
        match &n.kind {
            NodeKind::Int(i) if *i >= 0 => Some(*i as f64),
            NodeKind::Float(f) if f.is_finite() && *f >= 0.0 => Some(*f),
            _ => {
                cx.err(n.line, format!("`{key}` must be a non-negative number"));
                None
            }
        }
    };
    let factor = number(cx, "factor").unwrap_or(3.0);
    if factor == 1.0 || factor == 0.0 {
        cx.err(
            node.line,
            "`factor` must be above 1 (a rise) or between 0 and 1 (a drop)",
        );
    }
    let min_count = number(cx, "min_count")
        .or_else(|| number(cx, "min-count"))
        .unwrap_or(10.0) as u64;
    Some(AnomalyRule {
        meta,
        kind,
        rules,
        group_by,
        field,
        bucket_secs,
        learn_secs,
        window_secs,
        factor,
        min_count,
    })
}

fn parse_filter(cx: &mut Ctx, meta: Meta, logsource: LogSource, node: &Node) -> Option<FilterRule> {
    let targets = match node.get("rules") {
        None => {
            cx.err(
                node.line,
                "filter without `rules` (rule ids or names, or `any`)",
            );
            return None;
        }
        Some(r) => match &r.kind {
            NodeKind::Str { text, .. } if text == "any" || text == "all" => FilterTargets::Any,
            NodeKind::Seq(items) if items.is_empty() => FilterTargets::Any,
            _ => FilterTargets::Rules(strings(cx, r, "rules")),
        },
    };
    let detection = parse_detection(cx, node, false);
    Some(FilterRule {
        meta,
        logsource,
        targets,
        detection,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Result<RuleDoc, Vec<RuleError>> {
        let (mut docs, errors) = parse_documents("r.yml", text);
        if errors.is_empty() {
            Ok(docs.remove(0))
        } else {
            Err(errors)
        }
    }

    #[test]
    fn full_rule() {
        let doc = one(
            "title: Ray job with reverse shell\nid: 3b1c\nstatus: test\nlevel: high\ntags: [attack.execution, attack.t1059]\n\
             author: [a, b]\nfalsepositives: Admin scripts\nlogsource:\n  product: ray\n  service: job\n\
             detection:\n  sel:\n    process.command_line|contains|all: ['bash -i', '/dev/tcp/']\n    event.action: job-submitted\n\
             \x20 kw:\n    - nc -e\n  condition: sel or kw\nsightline:\n  group_by: [source.ip]\n  suppress: 1h\ntests: {positive: []}\n",
        )
        .unwrap();
        let RuleDoc::Detection(r) = doc else { panic!() };
        assert_eq!(r.meta.level, Some(Level::High));
        assert_eq!(r.meta.author.as_deref(), Some("a, b"));
        assert_eq!(r.meta.falsepositives, vec!["Admin scripts"]);
        assert_eq!(r.meta.extension.suppress_secs, Some(3600));
        assert!(r.meta.custom.contains_key("tests"));
        assert_eq!(r.logsource.target().dataset.as_deref(), Some("ray.job"));
        assert_eq!(r.detection.searches.len(), 2);
        let SearchBody::Map(items) = &r.detection.searches[0].body else {
            panic!()
        };
        assert_eq!(items[0].modifiers.len(), 2);
        assert_eq!(items[0].line, 13);
        assert!(matches!(&r.detection.searches[1].body, SearchBody::Keywords(k) if k.len() == 1));
    }

    #[test]
    fn errors_carry_lines_and_advice() {
        let e = one("title: x\nlogsource: {product: ray}\ndetection:\n  sel:\n    a|contians: x\n  condition: sel\n").unwrap_err();
        assert_eq!(e[0].location.line, 5);
        assert!(
            e[0].message.contains("unknown modifier `contians`"),
            "{}",
            e[0]
        );
        let e =
            one("title: x\nlogsource: {product: ray}\ndetection:\n  sel:\n    a: x\n").unwrap_err();
        assert!(e[0].message.contains("missing `condition`"));
        let e = one("title: x\nlogsource: {product: ray}\ndetection:\n  sel:\n    a: x\n  condition: sel and (\n").unwrap_err();
        assert_eq!(e[0].location.line, 6);
        let e = one(
            "title: x\nlevel: severe\nlogsource: {}\ndetection: {sel: {a: 1}, condition: sel}\n",
        )
        .unwrap_err();
        assert!(e[0].message.contains("unknown level"));
        let e = one(
            "title: x\nlogsource: {}\ndetection:\n  sel: {a: 1}\n  sel: {b: 1}\n  condition: sel\n",
        )
        .unwrap_err();
        assert!(e[0].message.contains("appears twice"));
        let e = one("title: [\n").unwrap_err();
        assert!(e[0].message.contains("YAML syntax error"));
        let e = one("- a\n- b\n").unwrap_err();
        assert!(e[0].message.contains("must be a map"));
    }

    #[test]
    fn correlations() {
        let doc = one(
            "title: brute force\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: 5m\n  condition: {gte: 10, lt: 100}\n",
        )
        .unwrap();
        let RuleDoc::Correlation(c) = doc else {
            panic!()
        };
        assert_eq!(c.timespan_secs, 300);
        assert!(
            matches!(&c.condition, CorrelationCondition::Threshold { predicates, .. } if predicates.len() == 2)
        );
        // Temporal default: all rules seen.
        let RuleDoc::Correlation(c) =
            one("title: t\ncorrelation:\n  type: temporal\n  rules: [a, b, c]\n  group-by: u\n  timespan: 1h\n").unwrap()
        else {
            panic!()
        };
        assert_eq!(
            c.condition,
            CorrelationCondition::Threshold {
                predicates: vec![(CmpOp::Gte, 3.0)],
                field: vec![],
                percentile: None
            }
        );
        // Extended condition supplies the rules.
        let RuleDoc::Correlation(c) =
            one("title: t\ncorrelation:\n  type: temporal\n  group-by: u\n  timespan: 1h\n  condition: a and not b\n").unwrap()
        else {
            panic!()
        };
        assert_eq!(c.rules, vec!["a", "b"]);
        assert!(one("title: t\ncorrelation:\n  type: value_count\n  rules: a\n  timespan: 1h\n  condition: {gte: 3}\n").is_err());
        assert!(one("title: t\ncorrelation:\n  type: event_count\n  rules: a\n  timespan: 0m\n  condition: {gte: 3}\n").is_err());
        assert!(
            one("title: t\ncorrelation:\n  type: nearby\n  rules: a\n  timespan: 1m\n").is_err()
        );
    }

    #[test]
    fn filters() {
        let RuleDoc::Filter(f) = one(
            "title: f\nlogsource: {product: ray}\nfilter:\n  rules: any\n  sel: {source.ip|cidr: 10.0.0.0/8}\n  condition: not sel\n",
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(f.targets, FilterTargets::Any);
        assert_eq!(f.detection.searches.len(), 1);
    }

    #[test]
    fn timespans() {
        assert_eq!(parse_timespan("90m"), Ok(5400));
        assert_eq!(parse_timespan("1w"), Ok(604_800));
        assert!(parse_timespan("m").is_err());
        assert!(parse_timespan("5x").is_err());
        assert!(parse_timespan("99999999999999999999y").is_err());
    }
}
