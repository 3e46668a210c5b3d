#!/usr/bin/env python3
"""Differential test of sightline-detect against pySigma's SQLite backend.

    diff.py --bin target/release/examples/match_jsonl [--rules DIR]... [--events FILE] [-v]

For every rule directory (default: rules/ next to this file and, when it exists, the
repository's rules/), the rules are

* converted with pySigma + pysigma-backend-sqlite to SQL and run on an SQLite table holding
  the events (the reference), and
* run by `match_jsonl` (our engine) on the same events,

and the sets of matching event ids are compared per detection rule, and the sets of alert
groups per correlation rule. A rule pySigma cannot convert is listed as unsupported, not
failed. A difference is either explained by an entry of KNOWN_DIFFERENCES (each a documented
deviation of pySigma or of the SQL representation from the Sigma specification, also listed
in docs/rules.md, "Differences from pySigma") or it fails the run. The last line is
`N passed, M failed`: N rules agreeing, exactly or up to documented differences (the line
before says how many of each), M rules with an undocumented difference.

How events become rows (the reference needs a table; these choices are ours):

* one column per field name, backtick-quoted (the backend's own quoting), declared without a
  type (so SQLite keeps the JSON type: TEXT, INTEGER, REAL) and COLLATE NOCASE, the case
  insensitivity Sigma asks for (Zircolite's layout);
* booleans are stored as the text 'true'/'false' (what the backend compares them with);
* `labels` become `labels.<key>` columns, as our events expose them;
* list-valued fields (event.category, event.type, tags, user.roles, ...) give one row per
  element, the cross product when an event has several; a rule matches an event when it
  matches any of its rows. For positive tests that is exactly "any element matches" (our
  semantics); under `not` and `|all` it is not (see KNOWN_DIFFERENCES: list-rows);
  an empty list is one row with NULL;
* keyword (full-text) search reads a column `_fulltext` holding `message` and
  `event.original` joined by a newline: the two fields our engine searches;
* `logsource` is applied by a processing pipeline that adds, per rule, the conditions of the
  table in docs/rules.md section 3 (event.module / event.dataset / event.category), since
  pySigma itself ignores logsource without a pipeline;
* `|expand` placeholders come from placeholders.json (a pySigma ValueListPlaceholder
  pipeline on that side, `--placeholders` on ours);
* REGEXP is RE2 (google-re2, installed with pySigma), the dialect pySigma validates `|re`
  values against, close to Rust's regex crate.
"""

import argparse
import json
import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from pathlib import Path
from uuid import UUID

import re2
import yaml
from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.processing.conditions import RuleProcessingCondition
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import (
    AddConditionTransformation,
    ValueListPlaceholderTransformation,
)
from sigma.rule import SigmaRule

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[3]
TABLE = "logs"
FULLTEXT = "_fulltext"

# --------------------------------------------------------------------------- logsource
# The table of docs/rules.md section 3 (crates/detect/src/rule/logsource.rs), restated here so
# the reference applies the same event selection. Keep in step with logsource.rs.
PRODUCTS = {"apache_mesos": "mesos", "mlx_lm": "mlx", "linux": "syslog"}
SERVICES = {
    ("ray", "jobs"): "job",
    ("ray", "job_api"): "job",
    ("ray", "events"): "event",
    ("ray", "gcs_server"): "gcs",
    ("mesos", "slave"): "agent",
    ("mesos", "tasks"): "task",
    ("mesos", "executor"): "task",
    ("milvus", "audit"): "access",
    ("mlx", "server"): "inference",
    ("mlx", "mlx_lm.server"): "inference",
}
CATEGORIES = {
    "webserver": "web",
    "proxy": "web",
    "process_creation": "process",
    "network_connection": "network",
    "firewall": "network",
    "file_event": "file",
    "file_access": "file",
}
CATEGORY_TYPES = {"process_creation": "start"}
SYSLOG_DATASETS = {"rfc5424", "rfc3164"}


def logsource_target(ls):
    """(module, dataset, category, event type) our engine requires for a rule's logsource."""
    custom = ls.custom_attributes or {}
    module = custom.get("module")
    if module is None and ls.product and not (ls.product == "linux" and ls.category):
        module = PRODUCTS.get(ls.product, ls.product)
    dataset = custom.get("dataset")
    if dataset is None and ls.service and module and (module != "syslog" or ls.service in SYSLOG_DATASETS):
        dataset = f"{module}.{SERVICES.get((module, ls.service), ls.service)}"
    category = CATEGORIES.get(ls.category, ls.category) if ls.category else None
    event_type = CATEGORY_TYPES.get(ls.category) if ls.category else None
    return module, dataset, category, event_type


@dataclass
class SameRule(RuleProcessingCondition):
    """Matches one rule object: the logsource conditions are computed per rule."""

    rule_id: int = 0

    def match(self, rule):
        return id(rule) == self.rule_id


def build_pipeline(rules, placeholders):
    items = [
        ProcessingItem(
            identifier="sightline_placeholders",
            transformation=ValueListPlaceholderTransformation(),
        )
    ]
    for rule in rules:
        if not isinstance(rule, SigmaRule):
            continue
        module, dataset, category, event_type = logsource_target(rule.logsource)
        conds = {}
        if module:
            conds["event.module"] = module
        if dataset:
            conds["event.dataset"] = dataset
        if category:
            conds["event.category"] = category
        if event_type:
            conds["event.type"] = event_type
        if conds:
            items.append(
                ProcessingItem(
                    identifier="sightline_logsource",
                    transformation=AddConditionTransformation(conditions=conds, name="_sightline_logsource"),
                    rule_conditions=[SameRule(rule_id=id(rule))],
                )
            )
    return ProcessingPipeline(name="sightline", items=items, vars=placeholders)


# --------------------------------------------------------------------------- events → table


def sql_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    return v


def event_rows(ev):
    """Rows for one event: scalars once, list fields as the cross product of their elements."""
    scalars, lists = {}, {}
    for k, v in ev.items():
        if v is None:
            continue
        if k == "labels" and isinstance(v, dict):
            for lk, lv in v.items():
                scalars[f"labels.{lk}"] = lv if isinstance(lv, str) else json.dumps(lv)
        elif isinstance(v, list):
            lists[k] = [sql_value(x) if not isinstance(x, str) else x for x in v] or [None]
        else:
            scalars[k] = sql_value(v)
    scalars[FULLTEXT] = (ev.get("message") or "") + "\n" + (ev.get("event.original") or "")
    names = sorted(lists)
    for combo in product(*(lists[n] for n in names)):
        row = dict(scalars)
        row.update(zip(names, combo))
        yield row


def qcol(name):
    return "`" + name.replace("`", "``") + "`"


class Table:
    def __init__(self, events):
        self.db = sqlite3.connect(":memory:")
        self.db.create_function("regexp", 2, regexp, deterministic=True)
        rows = [r for ev in events for r in event_rows(ev)]
        # SQLite column names ignore case; names differing only in case share a column.
        canon = {}
        for r in rows:
            for k in r:
                canon.setdefault(k.lower(), k)
        rows = [{canon[k.lower()]: v for k, v in r.items()} for r in rows]
        cols = sorted(set(canon.values()))
        self.columns = {c.lower() for c in cols}
        self.db.execute(f"CREATE TABLE {TABLE} ({', '.join(qcol(c) + ' COLLATE NOCASE' for c in cols)})")
        ph = ", ".join("?" for _ in cols)
        self.db.executemany(
            f"INSERT INTO {TABLE} ({', '.join(map(qcol, cols))}) VALUES ({ph})",
            [tuple(r.get(c) for c in cols) for r in rows],
        )
        self.rows = len(rows)

    def ensure(self, fields):
        """Absent fields are NULL columns: a query naming them must still prepare."""
        for f in fields:
            if f and f.lower() not in self.columns and f.lower() != "rowid":
                self.db.execute(f"ALTER TABLE {TABLE} ADD COLUMN {qcol(f)} COLLATE NOCASE")
                self.columns.add(f.lower())

    def query(self, sql):
        for _ in range(50):
            try:
                return self.db.execute(sql).fetchall()
            except sqlite3.OperationalError as e:
                m = re.match(r"no such column: (.+)$", str(e))
                if not m:
                    raise
                self.ensure([m.group(1).strip("`")])
        raise RuntimeError("too many missing columns")


@lru_cache(maxsize=4096)
def compiled(pattern):
    return re2.compile(pattern)


def regexp(pattern, value):
    # False for NULL, as the backend's README asks; non-text values are matched as text.
    if value is None or pattern is None:
        return False
    return compiled(pattern).search(str(value)) is not None


# --------------------------------------------------------------------------- rules


def is_uuid(v):
    try:
        UUID(str(v))
        return True
    except ValueError:
        return False


def rule_key(rule):
    """The key our engine prints: id, else name, else title."""
    original = (getattr(rule, "custom_attributes", None) or {}).get("sightline_id")
    if original:
        return str(original).lower()
    # Lower case on both sides: pySigma normalizes UUIDs, our engine prints ids as written.
    if rule.id is not None:
        return str(rule.id).lower()
    return (rule.name or rule.title).lower()


def load_rules(dirs):
    """All rule documents of the directories as one collection (references resolve across
    files, filters apply across files). Returns (collection, {key: error}, [(file, error)])."""
    collections, file_errors = [], []
    for d in dirs:
        for path in sorted(p for p in Path(d).rglob("*") if p.suffix in (".yml", ".yaml")):
            try:
                # Parsed as pySigma's from_yaml does (yaml.safe_load_all), with one change:
                # pySigma rejects a whole rule whose id is not a UUID, which the specification
                # only recommends ("randomly generated UUIDs (version 4) are recommended but
                # not mandatory" for correlations) and we allow. Such an id becomes the name
                # (when there is none), so the detection is still compared.
                docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
                for doc in docs:
                    if isinstance(doc, dict) and "id" in doc and not is_uuid(doc["id"]):
                        doc.setdefault("name", str(doc["id"]))
                        doc["sightline_id"] = str(doc.pop("id"))
                c = SigmaCollection.from_dicts(
                    docs,
                    collect_errors=True,
                    collect_filters=True,
                    resolve_references=False,
                )
            except (SigmaError, yaml.YAMLError) as e:
                file_errors.append((str(path), f"{type(e).__name__}: {e}"))
                continue
            for r in c.rules:
                r.sightline_file = str(path)
            collections.append(c)
            file_errors += [(str(path), f"{type(e).__name__}: {e}") for e in c.errors]
    merged = SigmaCollection.merge(collections, resolve_references=False)
    # Resolve each correlation on its own, so one dangling reference costs one rule, not all.
    rejected = {}
    for rule in list(merged.rules):
        if isinstance(rule, SigmaCorrelationRule):
            try:
                rule.resolve_rule_references(merged)
            except SigmaError as e:
                rejected[rule_key(rule)] = f"{type(e).__name__}: {e}"
                merged.rules.remove(rule)
    merged.resolve_rule_references()
    return merged, rejected, file_errors


def fields_of(rule):
    """Columns a correlation reads: group-by, aliases, the counted field."""
    out = set(rule.group_by or [])
    f = getattr(rule.condition, "fieldref", None)
    if isinstance(f, str):
        out.add(f)
    for a in rule.aliases:
        out.update(a.mapping.values())
    return out


def reference_results(collection, table, placeholders):
    """pySigma's verdicts: {key: set(event ids)} for detections, {key: set(groups)} for correlations."""
    pipeline = build_pipeline(collection.rules, placeholders)
    backend = sqliteBackend(
        processing_pipeline=pipeline,
        collect_errors=False,
        fulltext_field=FULLTEXT,
        timestamp_field="@timestamp",
        event_id_field="event.id",
        table=TABLE,
    )
    detections, correlations, unsupported, sql = {}, {}, {}, {}
    for rule in collection.rules:
        if not isinstance(rule, SigmaRule):
            continue
        key = rule_key(rule)
        if rule.errors:
            unsupported[key] = "; ".join(f"{type(e).__name__}: {e}" for e in rule.errors)
            continue
        try:
            backend.convert_rule(rule)
            preds = [p.removeprefix(f"SELECT * FROM {TABLE} WHERE ") for p in rule.get_conversion_result()]
            if not preds or not all(isinstance(p, str) for p in preds):
                raise SigmaError("no query")
        except Exception as e:  # pySigma raises more than SigmaError on what it cannot convert
            unsupported[key] = f"{type(e).__name__}: {e}"
            continue
        where = " OR ".join(f"({p})" for p in preds)
        table.ensure(backend.required_fields(rule))
        q = f"SELECT DISTINCT `event.id` FROM {TABLE} WHERE {where}"
        sql[key] = q
        try:
            detections[key] = {r[0] for r in table.query(q)}
        except sqlite3.Error as e:
            unsupported[key] = f"SQLite error: {e}"
    for rule in collection.rules:
        if not isinstance(rule, SigmaCorrelationRule):
            continue
        key = rule_key(rule)
        try:
            queries = backend.convert_correlation_rule(rule) or rule.get_conversion_result()
        except Exception as e:
            unsupported[key] = f"{type(e).__name__}: {e}"
            continue
        if not queries:
            unsupported[key] = "no query"
            continue
        stack, seen = [rule], set()
        while stack:
            r = stack.pop()
            if id(r) in seen:
                continue
            seen.add(id(r))
            if isinstance(r, SigmaCorrelationRule):
                table.ensure(fields_of(r))
                stack += [ref.rule for ref in r.referenced_rules]
        sql[key] = queries[0]
        try:
            rows = table.query(queries[0])
        except sqlite3.Error as e:
            unsupported[key] = f"SQLite error: {e}"
            continue
        correlations[key] = {group_tuple(json.loads(r[1])) for r in rows}
    return detections, correlations, unsupported, sql


def group_tuple(group):
    return tuple(sorted((k, "" if v is None else str(v)) for k, v in group.items()))


def our_results(binary, rules_dir, events, placeholders_file):
    cmd = [str(binary)]
    if placeholders_file:
        cmd += ["--placeholders", str(placeholders_file)]
    cmd += [str(rules_dir), str(events)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"match_jsonl failed ({p.returncode}): {p.stderr}")
    detections, correlations, loaded = {}, {}, set()
    for line in p.stdout.splitlines():
        o = json.loads(line)
        if "loaded" in o:
            loaded.add(o["loaded"].lower())
        elif "rule" in o:
            detections.setdefault(o["rule"].lower(), set()).add(o["event.id"])
        elif "correlation" in o:
            correlations.setdefault(o["correlation"].lower(), set()).add(group_tuple(o["group"]))
    errors = [l for l in p.stderr.splitlines() if l.startswith("rule error")]
    return detections, correlations, loaded, errors



# --------------------------------------------------------------------------- known differences
# Each entry explains one kind of difference. `applies(ctx)` decides, for one (rule, event,
# side that matched) difference, whether this kind explains it; it looks at the rule's own
# detection items and the event's values, never at rule ids, so a new rule or event showing
# the same deviation is explained and anything else fails. docs/rules.md ("Differences from
# pySigma") has the same table in prose.


@dataclass
class Item:
    field: str
    values: list  # pySigma value objects after modifiers
    linking_all: bool
    negated: bool
    modifiers: set  # modifier class names


@dataclass
class Ctx:
    rule: object  # SigmaRule
    items: list  # [Item]
    condition: str
    event: dict
    side: str  # "pysigma" or "ours": the side that matched


def rule_items(rule):
    out = []

    def walk(d):
        for it in getattr(d, "detection_items", []):
            if hasattr(it, "detection_items"):
                walk(it)
            else:
                out.append(
                    Item(
                        field=it.field,
                        values=list(it.value),
                        linking_all=it.value_linking.__name__ == "ConditionAND",
                        negated=it.negated,
                        modifiers={m.__name__ for m in it.modifiers},
                    )
                )

    for det in rule.detection.detections.values():
        walk(det)
    return out


def ev_get(ev, field):
    if field is None:
        return None
    if field in ev:
        return ev[field]
    if field.startswith("labels.") and isinstance(ev.get("labels"), dict):
        return ev["labels"].get(field[7:])
    return None


def numeric_text(v):
    try:
        float(str(v).strip())
        return True
    except ValueError:
        return False


def is_ip(text):
    import ipaddress

    t = str(text).strip()
    if t.startswith("[") and t.endswith("]"):
        t = t[1:-1]
    try:
        ipaddress.ip_address(t)
        return True
    except ValueError:
        return False


def vtype(v):
    return type(v).__name__


def k_list_rows(c):
    # A list-valued field is stored as one row per element. A rule matches an event when one
    # row matches, so `not field: x` matches when *some* element differs, `|all` needs every
    # value in the *same* element, and an empty list is a NULL row. (Harness representation:
    # SQL has no multi-valued columns; the spec does not define multi-valued fields.)
    for it in c.items:
        v = ev_get(c.event, it.field)
        if isinstance(v, list) and (len(v) != 1) and (
            it.negated or it.linking_all or "not" in c.condition or any(vtype(x) == "SigmaNull" for x in it.values)
        ):
            return True
    return False


def k_neq_absent(c):
    # pySigma's neq is NOT(...) made two-valued with COALESCE, so an absent field counts as
    # different; ours requires the field to be present (SQL's `NULL != x` is not true).
    return c.side == "pysigma" and any(it.negated and ev_get(c.event, it.field) is None for it in c.items)


def k_type_order(c):
    # gt/gte/lt/lte compile to SQL comparisons; SQLite orders values of different storage
    # classes by class (every INTEGER/REAL < every TEXT), so a text value is "greater" than
    # any number. Ours compares numbers, reading numeric text as a number.
    return any(
        any(vtype(x) == "SigmaCompareExpression" for x in it.values)
        and not any(m.startswith("SigmaTimestamp") for m in it.modifiers)
        and isinstance(ev_get(c.event, it.field), str)
        for it in c.items
    )


def k_number_typing(c):
    # A plain number compiles to `field=401` and a quoted value to `field='401'`; SQLite
    # compares by storage class, so the number 401 never equals the text '401' (or '401.0').
    # The spec treats values as strings ("All values are treated as case-insensitive
    # strings"), as ours does: the number 401 matches "401" and the text '401' matches 401.
    if c.side != "ours":
        return False
    for it in c.items:
        v = ev_get(c.event, it.field)
        for x in it.values:
            if vtype(x) == "SigmaNumber" and isinstance(v, str) and numeric_text(v):
                return True
            if vtype(x) == "SigmaString" and isinstance(v, (int, float)) and not isinstance(v, bool) and numeric_text(str(x)):
                return True
    return False


def k_bool_number(c):
    # The backend writes `field: true` as `(field='true' OR field=1)` so that 1/0 storage
    # works; in our table an integer 1 or 0 is a number, not a boolean.
    return c.side == "pysigma" and any(
        any(vtype(x) == "SigmaBool" for x in it.values) and ev_get(c.event, it.field) in (0, 1)
        and not isinstance(ev_get(c.event, it.field), bool)
        for it in c.items
    )


def k_ascii_case(c):
    # SQLite's NOCASE collation and LIKE fold ASCII letters only ("Case folding (NOCASE,
    # LIKE) is ASCII only", backend README); the spec makes every value case-insensitive,
    # as ours does with Unicode lower case: 'jürgen' matches 'JÜRGEN' only here.
    def cased_non_ascii(t):
        return any(ord(ch) > 127 and ch.lower() != ch.upper() for ch in str(t))

    if c.side != "ours":
        return False
    for it in c.items:
        fields = [it.field] if it.field else ["message", "event.original"]
        if any(cased_non_ascii(x) for x in it.values) and any(cased_non_ascii(ev_get(c.event, f) or "") for f in fields):
            return True
    return False


def k_cidr_prefix(c):
    # The backend expands a CIDR into text prefixes (`LIKE '10.%'`), so any text starting
    # like an address in the network matches, e.g. '10.1.2.300'. The spec: "The value is
    # handled as an CIDR": only addresses can be inside a network. Under `not` the same
    # text-versus-address gap shows on our side: ours reads '[::1]' as the address ::1 and
    # finds no address in '10.1.2.300', the backend compares text.
    return any(
        any(vtype(x) == "SigmaCIDRExpression" for x in it.values)
        and ev_get(c.event, it.field) is not None
        and (not is_ip(ev_get(c.event, it.field)) or str(ev_get(c.event, it.field)).strip().startswith("["))
        for it in c.items
    )


def k_week(c):
    # `|week` becomes strftime('%W'): the Monday-based week of the year, 00 to 53 (days
    # before the first Monday are week 0). The spec: "week: number between 1 and 52"; ours
    # is the ISO 8601 week (1 to 53).
    return any("SigmaTimestampWeekModifier" in it.modifiers and it.field == "@timestamp" for it in c.items)


KNOWN_DIFFERENCES = [
    ("week-number", "|week is strftime %W, not the ISO week", k_week),
    ("list-rows", "list fields are one row per element: `not`/`|all`/`null` on them", k_list_rows),
    ("neq-absent", "pySigma's neq matches an absent field", k_neq_absent),
    ("type-order", "SQL gt/lt between text and numbers order by storage class", k_type_order),
    ("number-typing", "SQL = compares storage classes: 401 is not '401'", k_number_typing),
    ("bool-number", "the backend's boolean test also accepts the integers 1/0", k_bool_number),
    ("ascii-case", "SQLite case folding is ASCII only", k_ascii_case),
    ("cidr-prefix", "CIDR as text prefixes matches non-addresses", k_cidr_prefix),
]


def explain(ctx):
    for name, _, f in KNOWN_DIFFERENCES:
        if f(ctx):
            return name
    return None


# Correlations: the compared result is the set of alert groups.


def k_group_missing(group, _info):
    # An event without a group-by field: ours groups it under the empty value (docs/rules.md
    # section 5), pySigma drops it (`g IS NOT NULL`). The spec does not say.
    return any(v == "" for _, v in group)


def k_group_case(group, info):
    # pySigma groups by lower-cased text and counts value_count values COLLATE NOCASE
    # (case-insensitive, as the spec asks of values); ours groups and counts exact values.
    return info["case_variants"](group)


def k_inherited(group, info):
    # The rules the correlation counts matched different events on the two sides (each such
    # detection difference is checked, and must be documented, on its own), and one of
    # those events belongs to this group.
    return info["differing_member"](group)


CORRELATION_KNOWN_DIFFERENCES = [
    ("inherited", "the correlated detection rules already differ on events of the group", k_inherited),
    ("group-missing", "a missing group-by field is the empty group in ours, no group in pySigma", k_group_missing),
    ("group-case", "pySigma groups and counts values case-insensitively", k_group_case),
]


def correlation_info(rule, det_ref, det_ours, by_id):
    """What the correlation classifiers need: the events of the correlated rules."""
    base_events, differing = [], []
    stack = [rule]
    while stack:
        r = stack.pop()
        if isinstance(r, SigmaCorrelationRule):
            stack += [ref.rule for ref in r.referenced_rules]
        else:
            a, b = det_ref.get(rule_key(r), set()), det_ours.get(rule_key(r), set())
            base_events += [by_id[e] for e in a]
            differing += [by_id[e] for e in a ^ b]
    fields = list(rule.group_by or [])
    for a in rule.aliases:
        fields += list(a.mapping.values())
    vf = getattr(rule.condition, "fieldref", None)
    if isinstance(vf, str):
        fields.append(vf)

    def case_variants(group):
        want = {k: v.lower() for k, v in group}
        for f in set(fields):
            seen = set()
            for ev in base_events:
                v = ev_get(ev, f)
                if isinstance(v, str) and (f not in want or v.lower() == want[f] or f == vf):
                    seen.add(v)
            if len({v.lower() for v in seen}) < len(seen):
                return True
        return False

    def differing_member(group):
        for ev in differing:
            if all(str(ev_get(ev, k) if ev_get(ev, k) is not None else "").lower() == v.lower() for k, v in group):
                return True
        return False

    return {"case_variants": case_variants, "differing_member": differing_member}


# --------------------------------------------------------------------------- main


def describe(ev):
    keep = {k: v for k, v in ev.items() if k not in ("event.original", "log.file.path", "sightline.log.offset")}
    return json.dumps(keep, ensure_ascii=False)[:300]


def compare_suite(name, d, args, table, by_id, placeholders):
    coll, rejected, file_errors = load_rules([d])
    det, cor, unsup, sql = reference_results(coll, table, placeholders)
    unsup.update(rejected)
    od, oc, loaded, our_errors = our_results(args.bin, d, args.events, args.placeholders)
    rules_by_key = {rule_key(r): r for r in coll.rules}
    # Several documents with one id or name cannot be paired with ours (which rejects the
    # duplicates with a lint error): they are listed, not compared.
    counts = {}
    for r in coll.rules:
        counts[rule_key(r)] = counts.get(rule_key(r), 0) + 1
    ambiguous = {k for k, n in counts.items() if n > 1}
    # Documents pySigma could not parse at all are not in its collection.
    for key in sorted(loaded - set(rules_by_key) - set(unsup) - ambiguous):
        unsup[key] = "not parsed by pySigma (see its file errors above)"
    stats = {"agree": 0, "documented": 0, "failed": 0, "unsupported": 0, "chained": 0, "ambiguous": len(ambiguous)}
    kinds = {}
    failures = []
    print(f"== {name}: {d}")
    for k in sorted(ambiguous):
        print(f"   not compared: {counts[k]} documents share the id or name {k!r}")
    for path, err in file_errors:
        print(f"   pySigma rejects {Path(path).name}: {err}")
    for e in our_errors:
        print(f"   ours rejects: {e}")
    for key in sorted(set(det) - ambiguous):
        rule = rules_by_key[key]
        ref, ours = det[key], od.get(key, set())
        if key not in loaded:
            failures.append(f"{key} ({rule.title}): pySigma converts it, our engine rejects it")
            stats["failed"] += 1
            continue
        if ref == ours:
            stats["agree"] += 1
            stats["empty"] = stats.get("empty", 0) + (not ref)
            continue
        items = rule_items(rule)
        cond = " ".join(str(c) for c in rule.detection.condition)
        undocumented = []
        for side, ids in (("pysigma", ref - ours), ("ours", ours - ref)):
            for eid in sorted(ids):
                kind = explain(Ctx(rule, items, cond, by_id[eid], side))
                if kind:
                    kinds.setdefault(kind, set()).add(key)
                else:
                    undocumented.append((side, eid))
        if undocumented:
            stats["failed"] += 1
            for side, eid in undocumented[:5]:
                failures.append(
                    f"{key} ({rule.title}): event {eid} matched only by {side}\n"
                    f"      rule file {getattr(rule, 'sightline_file', '?')}\n      SQL {sql[key][:400]}\n"
                    f"      event {describe(by_id[eid])}"
                )
            if len(undocumented) > 5:
                failures.append(f"{key}: ... {len(undocumented) - 5} more events")
        else:
            stats["documented"] += 1
    for key in sorted(set(cor) - ambiguous):
        rule = rules_by_key[key]
        if rule._backreferences and not rule.generate:
            # Used only by another correlation: it raises no alerts of its own (generate:
            # false) and is compared through the correlation that uses it.
            stats["chained"] += 1
            continue
        ref, ours = cor[key], oc.get(key, set())
        if key not in loaded:
            failures.append(f"{key} ({rule.title}): pySigma converts it, our engine rejects it")
            stats["failed"] += 1
            continue
        if ref == ours:
            stats["agree"] += 1
            continue
        info = correlation_info(rule, det, od, by_id)
        undocumented = []
        for side, groups in (("pysigma", ref - ours), ("ours", ours - ref)):
            for g in sorted(groups):
                kind = next((n for n, _, f in CORRELATION_KNOWN_DIFFERENCES if f(g, info)), None)
                if kind:
                    kinds.setdefault(kind, set()).add(key)
                else:
                    undocumented.append((side, g))
        if undocumented:
            stats["failed"] += 1
            for side, g in undocumented:
                failures.append(f"{key} ({rule.title}): alert group {dict(g)} raised only by {side}")
        else:
            stats["documented"] += 1
    stats["unsupported"] = len(unsup)
    print(
        f"   {len(det)} detection and {len(cor)} correlation rules converted by pySigma, "
        f"{stats['unsupported']} unsupported; ours loaded {len(loaded)}"
    )
    print(
        f"   agree {stats['agree']}, documented differences only {stats['documented']}, "
        f"undocumented {stats['failed']}, chained (compared through their user) {stats['chained']}"
    )
    print(f"   {stats.get('empty', 0)} of the agreeing detection rules match no event on either side")
    for kind, keys in sorted(kinds.items()):
        print(f"   known difference {kind}: {len(keys)} rules")
    if args.verbose or unsup:
        for key, why in sorted(unsup.items()):
            r = rules_by_key.get(key)
            print(f"   unsupported by pySigma: {key} ({r.title if r else '?'}): {why[:160]}")
    for f in failures:
        print("   DIFFERENCE " + f)
    return stats, kinds


def main():
    ap = argparse.ArgumentParser(description="Differential test of sightline-detect against pySigma")
    ap.add_argument("--bin", default=str(REPO / "target/release/examples/match_jsonl"), help="match_jsonl binary")
    ap.add_argument("--rules", action="append", help="rule directory (repeatable)")
    ap.add_argument("--events", default=str(HERE / "events.jsonl"))
    ap.add_argument("--placeholders", default=str(HERE / "placeholders.json"))
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    t0 = time.time()
    events = [json.loads(l) for l in open(args.events, encoding="utf-8") if l.strip()]
    by_id = {e["event.id"]: e for e in events}
    table = Table(events)
    placeholders = json.loads(Path(args.placeholders).read_text(encoding="utf-8"))
    suites = [("generated and hand-written", str(HERE / "rules"))]
    if (REPO / "rules").is_dir():
        suites.append(("project rules", str(REPO / "rules")))
    if args.rules:
        suites = [(d, d) for d in args.rules]
    print(f"{len(events)} events, {table.rows} rows")
    passed = failed = 0
    all_kinds = {}
    for name, d in suites:
        stats, kinds = compare_suite(name, d, args, table, by_id, placeholders)
        passed += stats["agree"] + stats["documented"]
        failed += stats["failed"]
        for k, v in kinds.items():
            all_kinds.setdefault(k, set()).update(v)
    if all_kinds:
        print("documented differences: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(all_kinds.items())))
    print(f"({time.time() - t0:.1f} s)")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
