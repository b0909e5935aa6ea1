"""Indicators at scale: the rules of indicators.yaml (the desktop's own rule file, read by the desktop's
reader) run over a cluster run's records and findings, on any engine.

- kind `links`: each rule becomes one SQL query, the same text on DuckDB and Spark SQL: the records of its link
  types, seen from the end it groups by, filtered by `where`, counted by `match`, and the groups meeting
  `require` (count, share, distinct, sum). Fields are the pushed ones: link type, amount, duration, times,
  weight, local hour, weekday and day, nights, room, the pushed attributes (category, method, payment,
  obscured, source), and each end's type, label (plain pushes only), role, minor and service flags, city, its
  user's role and minor flag and whether it is in ads. `matches` is a case-blind REGEXP_LIKE. A rule with
  `within_days` sends its passing groups' records to the driver, where the desktop's window search runs;
  `cite_ads` adds the named ads' records.
- kind `regular_payers`: payers and amounts by SQL, the onward recipient chosen on the driver.
- kind `finding`: the run's circuits and number swaps tested with the desktop's condition reader.

A rule that ranks by betweenness reads the whole graph's betweenness, computed on the driver's copy of the
graph. What the store cannot answer is named in the manifest's notes, never dropped silently: rules reading ad
text or attributes that stay with the owning agency, betweenness ranks where the graph passed the driver's cap,
exceptions (`unless`), sequential numbers (protected phones carry no number) and ad bursts run on the pulled
subgraph on the desktop.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from linkgraph.analysis.indicators import EVIDENCE_LIMIT, Rule, _check, _dig, _norm, _windows, bundled_rules
from linkgraph.scale.analyses import RunParams, RunReport
from linkgraph.scale.engines import Engine

PUSHED_ATTRS = ("category", "method", "payment", "obscured", "source")
LINK_NUMBERS = {"amount": "r.amount", "duration": "r.duration", "weight": "r.weight", "start": "r.start_time",
                "end": "r.end_time", "hour": "r.hour", "weekday": "r.weekday", "day": "r.day", "nights": "r.nights",
                "days": "(r.end_time - r.start_time) / 86400.0"}
ENTITY_TEXT = ("type", "label", "role", "city", "user_role")
ENTITY_FLAGS = ("minor", "service", "user_minor", "in_ads")
END_ALIAS = {"self": "fs", "other": "fo", "src": "fa", "dst": "fb"}
END_KEY = {"self": "r.subject", "other": "r.other", "src": "r.a_key", "dst": "r.b_key"}
DAY = 86_400
RANKED_AT_SCALE = {"betweenness": "betweenness_whole"}   # measure -> the table of its ranks (id, x, rank)


class NotAtScale(Exception):
    """A rule (or one of its conditions) the store's fields cannot answer; the message says what."""


def _literal(value: Any) -> str:
    """A value as SQL text both engines read alike: Spark SQL takes a backslash in a string literal as an escape
    and DuckDB does not, so a backslash goes as CHR(92) joined to the rest."""
    if isinstance(value, bool):
        return "'true'" if value else "'false'"
    if isinstance(value, (int, float)):
        return repr(float(value))
    parts = ["'" + part.replace("'", "''") + "'" for part in str(value).split("\\")]
    return parts[0] if len(parts) == 1 else "(" + " || CHR(92) || ".join(parts) + ")"


class _Compiler:
    """Conditions of one rule as SQL over the record table `r` and the facts of its ends (fs, fo, fa, fb)."""

    def __init__(self) -> None:
        self.ends: set[str] = set()

    def field(self, name: str) -> tuple[str, str]:
        """(SQL expression, kind: number, text, flag or key) of a rule field."""
        head, _, rest = name.partition(".")
        if head in END_KEY:
            if not rest:
                return END_KEY[head], "key"
            self.ends.add(head)
            if rest in ENTITY_TEXT:
                return f"{END_ALIAS[head]}.{rest}", "text"
            if rest in ENTITY_FLAGS:
                return f"{END_ALIAS[head]}.{rest}", "flag"
            raise NotAtScale(f"{name} (not pushed)")
        if head == "attr":
            if rest in PUSHED_ATTRS:
                return f"r.attr_{rest}", "text"
            if rest == "room":
                return "r.room", "text"
            raise NotAtScale(f"{name} (not pushed)")
        if name == "type":
            return "r.type", "text"
        if name in LINK_NUMBERS:
            return LINK_NUMBERS[name], "number"
        raise NotAtScale(f"{name} (not pushed)")

    def condition(self, cond: dict[str, Any]) -> str:
        if "any" in cond and "field" not in cond:
            return "(" + " OR ".join(self.condition(c) for c in cond["any"]) + ")"
        if "all" in cond and "field" not in cond:
            return "(" + " AND ".join(self.condition(c) for c in cond["all"]) + ")"
        if "not" in cond:
            return f"(NOT {self.condition(cond['not'])})"
        column, kind = self.field(str(cond["field"]))
        value = f"LOWER(TRIM({column}))" if kind == "text" else column
        tests = []
        for verb in ("in", "not_in"):
            if verb not in cond:
                continue
            listed = [_norm(v) for v in cond[verb]]
            if kind == "flag":
                if not all(isinstance(v, bool) for v in listed):
                    raise NotAtScale(f"{cond['field']}: a flag compared with text")
                inside = f"{value} IN ({', '.join('1' if v else '0' for v in listed)})"
            elif kind == "number":
                inside = f"{value} IN ({', '.join(_literal(v) for v in listed)})"
            else:
                inside = f"{value} IN ({', '.join(_literal(v) for v in listed)})"
            tests.append(f"COALESCE({inside}, FALSE)" if verb == "in" else f"({value} IS NULL OR NOT ({inside}))")
        if "all" in cond:
            raise NotAtScale(f"{cond['field']}: all")
        if "matches" in cond:
            if kind != "text":
                raise NotAtScale(f"{cond['field']}: a regular expression on a {kind}")
            # The desktop searches the lower-cased value, ignoring case (Python's re); Java's and RE2's syntax
            # agree with it on what the rules use (alternatives, optional characters, \\b, escaped dots).
            # REGEXP_LIKE is Spark's; the DuckDB engine defines it as a macro over regexp_matches.
            pattern = _literal("(?i)" + str(cond["matches"]))
            tests.append(f"COALESCE(REGEXP_LIKE({value}, {pattern}), FALSE)")
        for verb, op in (("min", ">="), ("max", "<=")):
            if verb in cond:
                if kind not in ("number", "flag"):
                    raise NotAtScale(f"{cond['field']}: a number bound on text")
                tests.append(f"COALESCE({column} {op} {float(cond[verb])!r}, FALSE)")
        if "present" in cond:
            there = (f"({column} IS NOT NULL AND TRIM({column}) <> '')" if kind == "text"
                     else f"({column} IS NOT NULL)")
            tests.append(there if cond["present"] else f"(NOT {there})")
        if not tests:
            raise NotAtScale(f"{cond['field']}: tests nothing")
        return "(" + " AND ".join(tests) + ")"


def _ends_sql(types: list[str], group_by: Any) -> tuple[str, bool]:
    """The records of `types` as (subject, other) rows for the grouping; whether groups are pairs."""
    listed = ", ".join(_literal(t) for t in types)
    base = f"SELECT x.*, {{s}} AS subject, {{o}} AS other FROM indicator_records x {{join}}WHERE x.type IN ({listed})"
    forward = {"s": "x.a_key", "o": "x.b_key", "join": ""}
    backward = {"s": "x.b_key", "o": "x.a_key", "join": ""}
    if isinstance(group_by, list):
        if group_by not in (["src", "dst"], ["dst", "src"]):
            raise NotAtScale(f"group_by {group_by}")
        return base.format(**(forward if group_by[0] == "src" else backward)), True
    if group_by == "src":
        return base.format(**forward), False
    if group_by == "dst":
        return base.format(**backward), False
    if group_by == "either":
        return base.format(**forward) + " UNION ALL " + base.format(**backward), False
    kind = _literal(group_by)
    ahead = base.format(s="x.a_key", o="x.b_key", join="JOIN entity_facts t ON t.ekey = x.a_key ")
    behind = base.format(s="x.b_key", o="x.a_key", join="JOIN entity_facts t ON t.ekey = x.b_key ")
    return f"{ahead} AND t.type = {kind} UNION ALL {behind} AND t.type = {kind}", False


def links_rule_sql(rule: Rule, ranked: Collection[str] = RANKED_AT_SCALE) -> str:
    """The SQL of a `links` rule: one row per matching record of every group that meets the requirements, with
    the group (`gkey`, subject, other) and the record's citation. `ranked`: the measures whose ranks the run
    has (`require: rank`). Raises NotAtScale with the reason."""
    return f"WITH {rule_hits_ctes(rule, ranked)}\nSELECT * FROM rule_hits"


def rule_hits_ctes(rule: Rule, ranked: Collection[str] = RANKED_AT_SCALE) -> str:
    """The common table expressions of a `links` rule, the last named `rule_hits` (see links_rule_sql)."""
    spec = rule.spec
    if spec.get("unless"):
        raise NotAtScale("unless")
    require = dict(spec.get("require") or {})
    tops = {str(measure): int(top) for measure, top in (require.get("rank") or {}).items()}
    for measure in tops:
        if measure not in RANKED_AT_SCALE:
            raise NotAtScale(f"a {measure} rank (not computed at scale)")
        if measure not in ranked:
            raise NotAtScale(f"a {measure} rank: computed over the whole graph only where the graph is pulled to "
                             "the driver (under --driver-arcs)")
    compiler = _Compiler()
    where = [compiler.condition(c) for c in spec.get("where") or []]
    match = [compiler.condition(c) for c in spec.get("match") or []]
    have = ["SUM(matched) >= " + str(int(require.get("count", 1)))]
    carried = []
    for number, (name, least) in enumerate((require.get("distinct") or {}).items()):
        column, kind = compiler.field(str(name))
        shown = f"NULLIF(LOWER(TRIM({column})), '')" if kind == "text" else column
        carried.append(f"{shown} AS d{number}")
        have.append(f"COUNT(DISTINCT CASE WHEN matched = 1 THEN d{number} END) >= {int(least)}")
    for number, (name, least) in enumerate((require.get("sum") or {}).items()):
        column, kind = compiler.field(str(name))
        if kind != "number":
            raise NotAtScale(f"a sum of {name}")
        carried.append(f"{column} AS s{number}")
        have.append(f"COALESCE(SUM(CASE WHEN matched = 1 THEN s{number} END), 0) >= {float(least) - 1e-9!r}")
    if "share" in require:
        have.append(f"CAST(SUM(matched) AS DOUBLE) / COUNT(*) >= {float(require['share'])!r}")
    ends, pairs = _ends_sql(list(spec.get("links") or []), spec.get("group_by", "src"))
    joins = "".join(f" JOIN entity_facts {END_ALIAS[e]} ON {END_ALIAS[e]}.ekey = {END_KEY[e]}"
                    for e in sorted(compiler.ends))
    gkey = "r.subject || '|' || r.other" if pairs else "r.subject"
    extra = "".join(f", {c}" for c in carried)
    kept = "".join(", c." + c.rsplit(" AS ", 1)[1] for c in carried)
    return f"""
r AS ({ends}),
chosen AS (
    SELECT {gkey} AS gkey, r.subject, r.other, r.link_ref, r.source_sha256, r.src_row, r.start_time,
           CASE WHEN {' AND '.join(match) if match else 'TRUE'} THEN 1 ELSE 0 END AS matched{extra}
    FROM r{joins}
    WHERE {' AND '.join(where) if where else 'TRUE'}
),
{_passing(have, tops)},
rule_hits AS (
    SELECT c.gkey, c.subject, c.other, c.link_ref, c.source_sha256, c.src_row, c.start_time{kept}
    FROM chosen c JOIN passing p ON p.gkey = c.gkey
    WHERE c.matched = 1
)"""


def _passing(have: list[str], tops: dict[str, int]) -> str:
    """The CTE `passing`: the groups meeting the requirements, and where a rule ranks by a measure, whose subject
    (or, when it has no rank, the one person using it) is within the top: the desktop's `_ranked`."""
    grouped = f"SELECT gkey, MIN(subject) AS subject FROM chosen GROUP BY gkey HAVING {' AND '.join(have)}"
    if not tops:
        return f"passing AS (\n    {grouped}\n)"
    joins, tests = [], []
    for number, (measure, top) in enumerate(sorted(tops.items())):
        table = RANKED_AT_SCALE[measure]
        joins.append(f"LEFT JOIN nodes sn{number} ON sn{number}.ekey = g.subject "
                     f"LEFT JOIN {table} sr{number} ON sr{number}.id = sn{number}.id "
                     f"LEFT JOIN nodes un{number} ON un{number}.ekey = u.person "
                     f"LEFT JOIN {table} ur{number} ON ur{number}.id = un{number}.id")
        tests.append(f"COALESCE(sr{number}.rank, ur{number}.rank) <= {top}")
    return (f"grouped AS (\n    {grouped}\n),\npassing AS (\n    SELECT g.gkey FROM grouped g "
            f"LEFT JOIN owners u ON u.ident = g.subject {' '.join(joins)}\n    WHERE {' AND '.join(tests)}\n)")


def _links_findings(engine: Engine, rule: Rule, ctes: str) -> list[dict[str, Any]]:
    """Run one compiled rule: its findings with the entities (subject, the pair's other end, the most frequent
    other ends) and the records cited (the first EVIDENCE_LIMIT by source file and row)."""
    # Three small questions over the rule's hits, each with the rule as a CTE: nothing is materialised (on Spark
    # a checkpoint per rule would stay in the session's memory).
    if rule.spec.get("within_days") is not None:
        return _window_findings(engine, rule, ctes)
    hits = f"WITH {ctes}\n"
    groups = engine.arrow(hits + "SELECT gkey, MIN(subject) AS subject, MIN(other) AS pair, COUNT(*) AS n "
                          "FROM rule_hits GROUP BY gkey").to_pylist()
    if not groups:
        return []
    others = engine.arrow(hits + """
        SELECT gkey, other, n FROM (
            SELECT gkey, other, n, ROW_NUMBER() OVER (PARTITION BY gkey ORDER BY n DESC, other) AS place
            FROM (SELECT gkey, other, COUNT(*) AS n FROM rule_hits GROUP BY gkey, other) counted
        ) ranked WHERE place <= 10""").to_pylist()
    cited = engine.arrow(hits + f"""
        SELECT gkey, link_ref, source_sha256, src_row FROM (
            SELECT gkey, link_ref, source_sha256, src_row,
                   ROW_NUMBER() OVER (PARTITION BY gkey ORDER BY source_sha256, src_row, link_ref) AS place
            FROM rule_hits
        ) ranked WHERE place <= {EVIDENCE_LIMIT}""").to_pylist()
    pairs = isinstance(rule.spec.get("group_by"), list)
    near: dict[str, list[str]] = {}
    for row in sorted(others, key=lambda r: (r["gkey"], -r["n"], r["other"])):
        near.setdefault(row["gkey"], []).append(row["other"])
    evidence: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(cited, key=lambda r: (r["gkey"], r["source_sha256"], r["src_row"], r["link_ref"])):
        evidence.setdefault(row["gkey"], []).append({"link_ref": row["link_ref"], "source_sha256": row["source_sha256"],
                                                     "row": int(row["src_row"])})
    out = []
    for group in groups:
        head = [group["subject"]] + ([group["pair"]] if pairs else [])
        entities = head + [o for o in near.get(group["gkey"], []) if o not in head][:8]
        out.append({"entities": entities, "records": int(group["n"]), "links": evidence.get(group["gkey"], []),
                    "summary": f"{rule.title}: {group['subject']} ({int(group['n'])} records)", "gkey": group["gkey"]})
    if rule.spec.get("cite_ads"):
        _cite_ads(engine, hits, out)
    for item in out:
        del item["gkey"]
    return out


def _cite_ads(engine: Engine, hits: str, found: list[dict[str, Any]]) -> None:
    """`cite_ads`: each finding also cites the posting and listing records of every ad it names (both of two
    near-duplicates), as the desktop's; its record count is then of all records cited."""
    named = sorted({key for item in found for key in item["entities"]})
    engine.register("named_entities", pa.table({"ekey": pa.array(named, pa.string())}))
    ad_rows = engine.arrow("""
        SELECT DISTINCT e.ekey AS ad, x.link_ref, x.source_sha256, x.src_row
        FROM named_entities n
        JOIN entity e ON e.ekey = n.ekey AND e.type = 'Ad'
        JOIN indicator_records x ON x.type IN ('posted', 'listed_in') AND (x.a_key = e.ekey OR x.b_key = e.ekey)
    """).to_pylist()
    of_ad: dict[str, set[tuple[str, int, str]]] = {}
    for row in ad_rows:
        of_ad.setdefault(row["ad"], set()).add((row["source_sha256"], int(row["src_row"]), row["link_ref"]))
    own: dict[str, set[tuple[str, int, str]]] = {}
    for row in engine.arrow(hits + "SELECT gkey, link_ref, source_sha256, src_row FROM rule_hits").to_pylist():
        own.setdefault(row["gkey"], set()).add((row["source_sha256"], int(row["src_row"]), row["link_ref"]))
    for item in found:
        cited = set(own.get(item["gkey"], set()))
        for key in item["entities"]:
            cited |= of_ad.get(key, set())
        ordered = sorted(cited)
        item["records"] = len(ordered)
        item["links"] = [{"link_ref": ref, "source_sha256": sha, "row": row} for sha, row, ref in ordered[:EVIDENCE_LIMIT]]


def _window_findings(engine: Engine, rule: Rule, ctes: str) -> list[dict[str, Any]]:
    """A rule with `within_days`: the engine finds the groups meeting the thresholds over all their records (a
    window can meet them only where the whole group does) and sends their matching records to the driver, where
    the desktop's own window search takes the busiest window, then the busiest among the records left, and so
    on: each window a finding, as on the desktop."""
    require = dict(rule.spec.get("require") or {})
    distinct = {str(k): int(v) for k, v in (require.get("distinct") or {}).items()}
    sums = {str(k): float(v) for k, v in (require.get("sum") or {}).items()}
    columns = [f"d{n}" for n in range(len(distinct))] + [f"s{n}" for n in range(len(sums))]
    hits = engine.arrow(f"WITH {ctes}\nSELECT gkey, subject, other, link_ref, source_sha256, src_row, start_time"
                        + "".join(f", {c}" for c in columns) + " FROM rule_hits").to_pylist()
    by_group: dict[str, list[dict[str, Any]]] = {}
    for row in hits:
        by_group.setdefault(row["gkey"], []).append(row)
    pairs = isinstance(rule.spec.get("group_by"), list)
    width = float(rule.spec["within_days"]) * DAY
    out = []
    for gkey in sorted(by_group):
        rows = sorted(by_group[gkey], key=lambda r: (r["start_time"] is None, r["start_time"] or 0,
                                                     r["source_sha256"], r["src_row"], r["link_ref"]))
        frame = pd.DataFrame({"start": pd.array([r["start_time"] for r in rows], dtype="Float64").astype(float),
                              "row": np.arange(len(rows))})
        for number, name in enumerate(distinct):
            frame["d:" + name] = [r[f"d{number}"] for r in rows]
        for number, name in enumerate(sums):
            frame["s:" + name] = pd.array([r[f"s{number}"] for r in rows], dtype="Float64").astype(float)
        for window in _windows(frame, width, require, distinct, sums):
            chosen = [rows[i] for i in window["row"].tolist()]
            head = [rows[0]["subject"]] + ([rows[0]["other"]] if pairs else [])
            others = Counter(r["other"] for r in chosen)
            ranked = [o for o, _ in sorted(others.items(), key=lambda kv: (-kv[1], kv[0])) if o not in head]
            cited = sorted(chosen, key=lambda r: (r["source_sha256"], r["src_row"], r["link_ref"]))
            out.append({"entities": head + ranked[:8], "records": len(chosen),
                        "links": [{"link_ref": r["link_ref"], "source_sha256": r["source_sha256"],
                                   "row": int(r["src_row"])} for r in cited[:EVIDENCE_LIMIT]],
                        "summary": f"{rule.title}: {head[0]} ({len(chosen)} records within "
                                   f"{rule.spec['within_days']} days)"})
    return out


def _finding_rule(rule: Rule, report: RunReport) -> list[dict[str, Any]]:
    """Items of the run's circuits or number swaps meeting the rule's `where`."""
    name = rule.spec.get("finding")
    items = {"circuits": report.circuits, "replacements": report.swaps}.get(name)
    if items is None:
        raise NotAtScale(f"finding {name}")
    out = []
    for item in items:
        if not all(_check(c, lambda f, item=item: _dig(item, f)) for c in rule.spec.get("where") or []):
            continue
        entities = [item["entity"]] if name == "circuits" else [item["old"], item["new"]]
        links = item.get("links", [])
        shown = " -> ".join(item["cities"] if name == "circuits" else entities)
        out.append({"entities": entities, "records": len(links), "links": links[:EVIDENCE_LIMIT],
                    "summary": f"{rule.title}: {shown}"})
    return out


def _types_sql(rule: Rule) -> str:
    types = list(rule.spec.get("links") or [])
    if not types:
        raise NotAtScale("no link types")
    return ", ".join(_literal(t) for t in types)


def _regular_payers_findings(engine: Engine, rule: Rule) -> list[dict[str, Any]]:
    """kind `regular_payers`: a party paid `min_payments` times or more by each of `min_payers` others (records
    of categories in `skip_categories` left out); the engine finds the parties and their paying-in records,
    and the driver picks where each passes the money on (the one recipient of half or more of its outgoing
    amounts, paid `onward_payments` times or more), as the desktop does. Two recipients tied on the amount
    are ordered by store key rather than case id."""
    spec = rule.spec
    types = _types_sql(rule)
    skip = [_norm(c) for c in spec.get("skip_categories") or []]
    kept = (f" AND (attr_category IS NULL OR LOWER(TRIM(attr_category)) NOT IN ({', '.join(_literal(c) for c in skip)}))"
            if skip else "")
    least, needed = int(spec.get("min_payments", 2)), int(spec.get("min_payers", 3))
    onward_needed = int(spec.get("onward_payments", 3))
    base = f"""WITH pay AS (
        SELECT link_ref, a_key AS src, b_key AS dst, amount, source_sha256, src_row FROM indicator_records
        WHERE type IN ({types}){kept}
    ), regular AS (
        SELECT dst AS hub, src FROM pay WHERE src <> dst GROUP BY dst, src HAVING COUNT(*) >= {least}
    ), hubs AS (
        SELECT hub FROM regular GROUP BY hub HAVING COUNT(*) >= {needed}
    )
    """
    payers: dict[str, list[str]] = {}
    for row in engine.arrow(base + "SELECT r.hub, r.src FROM regular r JOIN hubs h ON h.hub = r.hub").to_pylist():
        payers.setdefault(row["hub"], []).append(row["src"])
    if not payers:
        return []
    paid_in: dict[str, list[tuple[str, int, str]]] = {}
    for row in engine.arrow(base + """
            SELECT p.dst AS hub, p.link_ref, p.source_sha256, p.src_row FROM pay p
            JOIN regular r ON r.hub = p.dst AND r.src = p.src JOIN hubs h ON h.hub = p.dst""").to_pylist():
        paid_in.setdefault(row["hub"], []).append((row["source_sha256"], int(row["src_row"]), row["link_ref"]))
    going: dict[str, list[dict[str, Any]]] = {}
    for row in engine.arrow(base + """
            SELECT p.src AS hub, p.dst, p.amount, p.link_ref, p.source_sha256, p.src_row FROM pay p
            JOIN hubs h ON h.hub = p.src""").to_pylist():
        going.setdefault(row["hub"], []).append(row)
    out = []
    for hub in sorted(payers):
        regular = sorted(payers[hub])
        onward: list[tuple[str, int, str]] = []
        receiver = None
        if going.get(hub):
            totals: dict[str, float] = {}
            for row in going[hub]:
                amount = row["amount"]
                totals[row["dst"]] = totals.get(row["dst"], 0.0) + (0.0 if amount is None or amount != amount else amount)
            top = sorted(totals, key=lambda d: (-totals[d], d))[0]
            theirs = [r for r in going[hub] if r["dst"] == top]
            if len(theirs) >= onward_needed and totals[top] >= 0.5 * sum(totals.values()):
                receiver = top
                onward = [(r["source_sha256"], int(r["src_row"]), r["link_ref"]) for r in theirs]
        rows = sorted(set(paid_in.get(hub, [])) | set(onward))
        out.append({"entities": [hub] + ([receiver] if receiver else []) + regular[:8], "records": len(rows),
                    "links": [{"link_ref": ref, "source_sha256": sha, "row": row}
                              for sha, row, ref in rows[:EVIDENCE_LIMIT]],
                    "summary": f"{rule.title}: {hub} ({len(paid_in.get(hub, []))} payments from {len(regular)} "
                               "regular payers" + (f", passed on to {receiver} {len(onward)} times)" if receiver
                                                   else ")")})
    return out


SCALE_KINDS = {"regular_payers": _regular_payers_findings}
NOT_AT_SCALE_KINDS = {
    "sequential_numbers": "a protected (victim's) phone goes to the store as a pseudonym, without its number, so a "
                          "run of numbers through one breaks (the sample case's run starts at a victim's phone)",
    "ad_bursts": "each ad's calls against its phone's usual rate, written in Python",
}


def rules_at_scale() -> dict[str, str | None]:
    """Rule id -> None where the run answers the rule, else what stops it (the bundled rules)."""
    out: dict[str, str | None] = {}
    for rule in bundled_rules():
        try:
            if rule.kind == "links":
                links_rule_sql(rule)
            elif rule.kind in SCALE_KINDS:
                _types_sql(rule)
            elif rule.kind in NOT_AT_SCALE_KINDS:
                raise NotAtScale(f"kind {rule.kind}: {NOT_AT_SCALE_KINDS[rule.kind]}")
            elif rule.kind != "finding" or rule.spec.get("finding") not in ("circuits", "replacements"):
                raise NotAtScale(f"kind {rule.kind}" if rule.kind != "finding" else f"finding {rule.spec.get('finding')}")
            out[rule.id] = None
        except NotAtScale as exc:
            out[rule.id] = str(exc)
    return out


def run_indicators(engine: Engine, params: RunParams, report: RunReport) -> list[dict[str, Any]]:
    """Every rule the run can answer, strongest rule first as the desktop orders them; the others named in the
    report's notes with what stops them."""
    from linkgraph.scale.circuits import prepare_findings

    prepare_findings(engine)
    engine.run("entity_facts", "entity_facts")
    engine.run("indicator_records", "indicator_records")
    ranked = ["betweenness"] if report.betweenness.get("whole_graph") else []
    found = []
    skipped = []
    for rule in bundled_rules():
        try:
            if rule.kind == "finding":
                items = _finding_rule(rule, report)
            elif rule.kind == "links":
                items = _links_findings(engine, rule, rule_hits_ctes(rule, ranked))
            elif rule.kind in SCALE_KINDS:
                items = SCALE_KINDS[rule.kind](engine, rule)
            else:
                raise NotAtScale(f"kind {rule.kind}" + (f": {NOT_AT_SCALE_KINDS[rule.kind]}"
                                                        if rule.kind in NOT_AT_SCALE_KINDS else ""))
        except NotAtScale as exc:
            skipped.append(f"{rule.id} ({exc})")
            continue
        for item in items:
            found.append({"rule": rule.id, "title": rule.title, "area": rule.area, "weight": rule.weight, **item})
    if not engine.scalar("SELECT COUNT(label) FROM entities_raw"):
        report.notes.append("indicators: the snapshot has no entity labels (blind pushes): conditions on a label "
                            "(ad sites and merchants by name) matched nothing; run those rules on the pulled "
                            "subgraph")
    if skipped:
        report.notes.append("indicators not run at scale (run them on the pulled subgraph): " + "; ".join(skipped))
    found.sort(key=lambda f: (-f["weight"], f["rule"], -f["records"], f["entities"]))
    report.counts["indicators"] = len(found)
    report.counts["indicator_rules_at_scale"] = len(bundled_rules()) - len(skipped)
    return found
