"""Indicators: the rules of indicators.yaml (published financial, ad, phone, hotel and labour
indicators) run over a case's records. Rules are data; this module is the
small generic reader that runs them. Every finding names its entities and the records (links,
hence source file and row) that triggered it: a lead for a person to check, never a verdict.

The rule language is described at the top of indicators.yaml.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from linkgraph.analysis import at_scale
from linkgraph.analysis.records import DAY, PHONE_LINKS, Records
from linkgraph.errors import LinkgraphError

KINDS = ("links", "finding", "sequential_numbers", "ad_bursts", "regular_payers")
ENDS = ("src", "dst")
ENTITY_FIELDS = ("type", "label", "role", "minor", "key", "kind", "service")
LINK_FIELDS = ("id", "type", "amount", "duration", "start", "end", "weight")
EVIDENCE_LIMIT = 100


class RuleError(LinkgraphError):
    """A rule in indicators.yaml that cannot be read."""


@dataclass(frozen=True)
class Rule:
    """One indicator rule: what it is called, how much it weighs, and its kind's settings."""

    id: str
    title: str
    area: str
    kind: str
    weight: float = 1.0
    says: str = ""
    reference: str = ""
    spec: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


def load_rules(path: str | Path | None = None) -> list[Rule]:
    """The rules of `path`, or the bundled indicators.yaml."""
    if path is None:
        text = resources.files("linkgraph.analysis").joinpath("indicators.yaml").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return _parse(text)


@cache
def bundled_rules() -> tuple[Rule, ...]:
    return tuple(load_rules())


def ranked_by(rules: Iterable[Rule]) -> set[str]:
    """The measures these rules rank by (`require: rank`), which the analysis must compute on any case."""
    return {str(measure) for rule in rules for measure in ((rule.spec.get("require") or {}).get("rank") or {})}


def _parse(text: str) -> list[Rule]:
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}  # libyaml when built with it
    rules = []
    seen: set[str] = set()
    for raw in data.get("rules") or []:
        spec = dict(raw)
        missing = [k for k in ("id", "title", "area", "kind") if k not in spec]
        if missing:
            raise RuleError(f"indicator rule {spec.get('id', '?')}: missing {', '.join(missing)}")
        if spec["kind"] not in KINDS:
            raise RuleError(f"indicator rule {spec['id']}: unknown kind '{spec['kind']}' (kinds: {', '.join(KINDS)})")
        if spec["id"] in seen:
            raise RuleError(f"indicator rule {spec['id']} appears twice")
        seen.add(spec["id"])
        rules.append(Rule(
            id=spec.pop("id"), title=spec.pop("title"), area=spec.pop("area"), kind=spec.pop("kind"),
            weight=float(spec.pop("weight", 1.0)), says=spec.pop("says", ""), reference=spec.pop("reference", ""),
            spec=spec,
        ))
    return rules


def ranks_by_measure(rule: Rule) -> bool:
    """Whether a rule ranks by a measure (`require: rank`): it waits for the measures; every other rule reads
    the records and the findings only (and may run beside the measures: `rule_items`)."""
    return bool(ranked_by([rule]))


def reads_findings(rule: Rule) -> bool:
    """Whether a rule reads the findings (kind `finding`: swaps, co-locations, circuits); every other kind reads
    the records only."""
    return rule.kind == "finding"


def rule_items(
    records: Records,
    rules: Iterable[Rule],
    *,
    findings: dict[str, list[dict[str, Any]]] | None = None,
    ranks: Mapping[str, dict[int, int]] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Rule id -> the items it finds (as `run_rules` lists them before naming the rule), for `run_rules(done=)`."""
    context = _Context(records, findings or {}, ranks or {})
    return {rule.id: _rule_items(rule, context) for rule in rules}


def _rule_items(rule: Rule, context: _Context) -> list[dict[str, Any]]:
    run = {"links": _links_rule, "finding": _finding_rule, "sequential_numbers": _sequential_rule,
           "ad_bursts": _burst_rule, "regular_payers": _regular_payers_rule}[rule.kind]
    return run(rule, context)


def run_rules(
    records: Records,
    rules: Iterable[Rule] | None = None,
    *,
    findings: dict[str, list[dict[str, Any]]] | None = None,
    ranks: Mapping[str, dict[int, int]] | None = None,
    done: Mapping[str, list[dict[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """Every rule's findings, strongest rule first: [{"rule", "title", "area", "weight", "entities", "records",
    "summary", "links"}]. `findings` feeds kind "finding" rules; `ranks` (measure -> entity -> 1-based
    rank in this analysis) feeds `require: rank`; `done`: the items of rules already run (`rule_items`, run
    beside the measures on a big case), by rule id."""
    found = []
    context = _Context(records, findings or {}, ranks or {})
    for rule in (bundled_rules() if rules is None else rules):
        items = done[rule.id] if done is not None and rule.id in done else _rule_items(rule, context)
        for item in items:
            found.append({"rule": rule.id, "title": rule.title, "area": rule.area, "weight": rule.weight, **item})
    found.sort(key=lambda f: (-f["weight"], f["rule"], -f["records"], [e["id"] for e in f["entities"]]))
    return found


@dataclass
class _Context:
    records: Records
    findings: dict[str, list[dict[str, Any]]]
    ranks: Mapping[str, dict[int, int]]


# ---------------------------------------------------------------------------------------- values


def _norm(value: Any) -> Any:
    """A value as rules compare it: text lower-cased, numpy scalars as Python, lists as tuples."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        return value.strip().lower()
    if isinstance(value, (list, tuple, set)):
        return tuple(_norm(v) for v in value)
    return value


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(number) else number


def _predicate(cond: dict[str, Any]) -> Callable[[Any], bool]:
    """The test one condition makes on one value."""
    tests: list[Callable[[Any], bool]] = []
    if "in" in cond:
        wanted = {_norm(v) for v in cond["in"]}
        tests.append(lambda v: any(x in wanted for x in v) if isinstance(v, tuple) else v in wanted)
    if "not_in" in cond:
        unwanted = {_norm(v) for v in cond["not_in"]}
        tests.append(lambda v: not (any(x in unwanted for x in v) if isinstance(v, tuple) else v in unwanted))
    if "all" in cond:
        needed = {_norm(v) for v in cond["all"]}
        tests.append(lambda v: needed <= set(v if isinstance(v, tuple) else (v,)))
    if "matches" in cond:
        pattern = re.compile(str(cond["matches"]), re.IGNORECASE)
        tests.append(lambda v: not _missing(v) and bool(pattern.search(
            " ".join(map(str, v)) if isinstance(v, tuple) else str(v))))
    if "min" in cond:
        low = float(cond["min"])
        tests.append(lambda v: (n := _number(v)) is not None and n >= low)
    if "max" in cond:
        high = float(cond["max"])
        tests.append(lambda v: (n := _number(v)) is not None and n <= high)
    if "present" in cond:
        present = bool(cond["present"])
        tests.append(lambda v: (not _missing(v) and v != ()) == present)
    if not tests:
        raise RuleError(f"condition on '{cond.get('field')}' tests nothing")
    return lambda v: all(t(_norm(v)) for t in tests)


def _check(cond: dict[str, Any], get: Callable[[str], Any]) -> bool:
    """One condition on one item (findings); `get` reads a field."""
    if "any" in cond and "field" not in cond:
        return any(_check(c, get) for c in cond["any"])
    if "all" in cond and "field" not in cond:
        return all(_check(c, get) for c in cond["all"])
    if "not" in cond:
        return not _check(cond["not"], get)
    return _predicate(cond)(get(cond["field"]))


def _mask(frame: pd.DataFrame, cond: dict[str, Any], values: Callable[[str], pd.Series]) -> np.ndarray:
    """One condition over every row of a frame."""
    if "any" in cond and "field" not in cond:
        out = np.zeros(len(frame), dtype=bool)
        for sub in cond["any"]:
            out |= _mask(frame, sub, values)
        return out
    if "all" in cond and "field" not in cond:
        out = np.ones(len(frame), dtype=bool)
        for sub in cond["all"]:
            out &= _mask(frame, sub, values)
        return out
    if "not" in cond:
        return ~_mask(frame, cond["not"], values)
    if "field" not in cond:
        raise RuleError(f"condition without a field: {cond}")
    fast = _entity_mask(frame, cond, values)
    if fast is not None:
        return fast
    column = values(cond["field"])
    test = _predicate(cond)
    if pd.api.types.is_numeric_dtype(column.dtype) and set(cond) <= {"field", "min", "max"}:
        numbers = column.to_numpy(dtype=float)
        out = ~np.isnan(numbers)
        if "min" in cond:
            out &= numbers >= float(cond["min"])
        if "max" in cond:
            out &= numbers <= float(cond["max"])
        return out
    try:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
    except TypeError:
        return np.fromiter((test(v) for v in column), dtype=bool, count=len(column))
    answers = np.array([test(v) for v in uniques] + [test(None)], dtype=bool)
    return answers[np.where(codes < 0, len(uniques), codes)]


def _entity_mask(frame: pd.DataFrame, cond: dict[str, Any], values: Any) -> np.ndarray | None:
    """A condition on an end's entity field (self.type, other.user_role...) tested once per entity, then read
    off by id: a million records cost an array lookup, not a million values. None when it does not apply."""
    head, _, rest = str(cond["field"]).partition(".")
    records = getattr(values, "records", None)
    if head not in ("src", "dst", "self", "other") or not rest or records is None or not len(frame):
        return None
    entities = records.entities
    if not len(entities):
        return None
    test = _predicate(cond)
    column = records.memo(f"entity-field:{rest}", lambda r: _entity_values(r, pd.Series(r.entities.index,
                                                                                      index=r.entities.index), rest))
    try:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
    except TypeError:
        return None
    answers = np.array([test(v) for v in uniques] + [test(None)], dtype=bool)
    top = int(entities.index.max())
    dense = np.full(top + 2, answers[-1], dtype=bool)             # unknown ids answer as a missing value does
    dense[entities.index.to_numpy(np.int64)] = answers[np.where(codes < 0, len(uniques), codes)]
    ids = frame["subject" if head == "self" else head].to_numpy(np.int64)
    return dense[np.where((ids >= 0) & (ids <= top), ids, top + 1)]


class _Values:
    """Field name -> a column aligned with a frame of records (expanded with self/other)."""

    def __init__(self, frame: pd.DataFrame, records: Records, links: pd.DataFrame | None = None) -> None:
        self.frame = frame
        self.records = records
        self.links = links                  # with `links`, frame holds the ends and `pos` (row in links) only
        self.cache: dict[str, pd.Series] = {}

    def col(self, name: str) -> pd.Series:
        """A link column aligned with the frame (read through `pos` when the frame holds the ends only)."""
        if name in self.frame.columns or self.links is None:
            return self.frame[name]
        return pd.Series(self.links[name].to_numpy()[self.frame["pos"].to_numpy()], index=self.frame.index)

    def __call__(self, name: str) -> pd.Series:
        if name not in self.cache:
            self.cache[name] = self._compute(name)
        return self.cache[name]

    def _compute(self, name: str) -> pd.Series:
        frame, records = self.frame, self.records
        head, _, rest = name.partition(".")
        if head in ("src", "dst", "self", "other"):
            ids = frame["subject" if head == "self" else head]
            return ids if not rest else _entity_values(records, ids, rest)
        if head == "attr" and rest:
            return self.col("attrs").map(lambda attrs: attrs.get(rest) if isinstance(attrs, dict) else None)
        if name in LINK_FIELDS:
            return self.col(name)
        if name in ("hour", "weekday"):
            if self.links is not None and len(frame) >= len(self.links):    # each record once (grouped by either
                local = records.local(self.links["start"])                  # end, a call is here twice)
                part = local.dt.hour if name == "hour" else local.dt.day_of_week
                return pd.Series(part.to_numpy(dtype=float, na_value=np.nan)[frame["pos"].to_numpy()],
                                 index=frame.index)
            local = records.local(self.col("start"))
            part = local.dt.hour if name == "hour" else local.dt.day_of_week
            return pd.Series(part.to_numpy(dtype=float, na_value=np.nan), index=frame.index)
        if name == "day":
            return pd.Series(records.local_day(self.col("start")), index=frame.index)
        if name == "nights":
            arrive = records.local_day(self.col("start"))
            leave = records.local_day(self.col("end"))
            return pd.Series(leave - arrive, index=frame.index)
        if name == "days":
            return (self.col("end") - self.col("start")) / DAY
        raise RuleError(f"unknown field '{name}' in an indicator rule")


def _entity_values(records: Records, ids: pd.Series, name: str) -> pd.Series:
    entities = records.entities
    if name == "id":
        return ids
    if name in ENTITY_FIELDS:
        return ids.map(entities[name])
    if name == "city":
        return ids.map(records.city)
    if name == "user_role":
        return ids.map(records.user_role)
    if name == "user_minor":
        return ids.map(records.user_minor)
    if name == "in_ads":
        return ids.map(records.in_ads)
    if name.startswith("attr."):
        key = name[5:]
        chosen = entities.loc[entities.index.isin(ids.unique()), "attrs"]
        return ids.map(chosen.map(lambda attrs: attrs.get(key) if isinstance(attrs, dict) else None))
    raise RuleError(f"unknown entity field '{name}' in an indicator rule")


# ---------------------------------------------------------------------------------------- kind: links


def _ends(links: pd.DataFrame, group_by: Any, records: Records) -> pd.DataFrame:
    """Records with `subject` (the entity a finding is about: `self` in rules), `other` (the far end) and
    `key` (the group), as ends only: `pos` (row in links), src, dst, subject, other, key, composite. The
    where-conditions run on it before any record is copied (a million calls grouped by either end would
    otherwise be copied twice over)."""
    src, dst = links["src"].to_numpy(np.int64), links["dst"].to_numpy(np.int64)
    rows = np.arange(len(links), dtype=np.int64)
    composite = False
    if isinstance(group_by, list):
        if len(group_by) != 2 or any(g not in ENDS for g in group_by):
            raise RuleError(f"group_by {group_by}: a pair is [src, dst] or [dst, src]")
        pos, subject, other = rows, *((src, dst) if group_by[0] == "src" else (dst, src))
        composite = True
    elif group_by in ENDS:
        pos, subject, other = rows, *((src, dst) if group_by == "src" else (dst, src))
    elif group_by == "either":
        pos, subject, other = np.r_[rows, rows], np.r_[src, dst], np.r_[dst, src]
    else:
        kinds = records.entities["type"]
        ahead = (links["src"].map(kinds) == group_by).to_numpy()
        behind = (links["dst"].map(kinds) == group_by).to_numpy()
        pos = np.r_[rows[ahead], rows[behind]]
        subject, other = np.r_[src[ahead], dst[behind]], np.r_[dst[ahead], src[behind]]
    if composite:
        span = int(max(src.max(), dst.max(), 0)) + 1 if len(links) else 1
        key = subject * span + other
    else:
        key = subject
    # copy=False: the columns are fresh arrays or the links' own, only read (no copy of a million rows into a block)
    return pd.DataFrame({"pos": pos, "src": src[pos], "dst": dst[pos], "subject": subject, "other": other,
                         "key": key, "composite": composite}, copy=False)


def _select(rule: Rule, records: Records, spec: dict[str, Any]) -> tuple[pd.DataFrame, _Values]:
    types = spec.get("links")
    if not types:
        raise RuleError(f"indicator rule {rule.id}: `links` names no link types")
    links = records.of_types(tuple(types))
    ends = _ends(links, spec.get("group_by", "src"), records)
    values = _Values(ends, records, links)
    keep = np.ones(len(ends), dtype=bool)
    for cond in spec.get("where") or []:
        if not keep.any():
            break
        keep &= _mask(ends, cond, values)
    # The selected records as ends, with the link columns findings always read (id, start, amount); any other
    # column a rule reads comes through `pos` (a million calls are not copied whole for a count by hour).
    frame = ends if keep.all() else ends[keep].reset_index(drop=True)     # (every row kept: no copy)
    pos = frame["pos"].to_numpy()
    for name in ("id", "start", "amount"):
        frame[name] = links[name].to_numpy()[pos]
    return frame, _Values(frame, records, links)


def _links_rule(rule: Rule, context: _Context) -> list[dict[str, Any]]:
    records = context.records
    spec = rule.spec
    base, values = _select(rule, records, spec)
    if not len(base):
        return []
    matched_mask = np.ones(len(base), dtype=bool)
    for cond in spec.get("match") or []:
        matched_mask &= _mask(base, cond, values)
    require = dict(spec.get("require") or {})
    unknown = set(require) - {"count", "share", "distinct", "sum", "rank"}
    if unknown:
        raise RuleError(f"indicator rule {rule.id}: unknown requirement {', '.join(sorted(unknown))}")
    distinct = {str(k): int(v) for k, v in (require.get("distinct") or {}).items()}
    sums = {str(k): float(v) for k, v in (require.get("sum") or {}).items()}
    table = pd.DataFrame({"key": base["key"].to_numpy(), "matched": matched_mask})
    for name in distinct:
        table["d:" + name] = [_hashable(v) for v in values(name)]
    for name in sums:
        table["s:" + name] = pd.to_numeric(values(name), errors="coerce").to_numpy()
    table["start"] = base["start"].to_numpy()
    table["row"] = np.arange(len(base))
    hits = table[table["matched"]]
    counted = _group_sizes(hits["key"].to_numpy())
    passing = counted >= int(require.get("count", 1))
    grouped = hits.groupby("key", sort=True)
    for name, least in distinct.items():
        passing &= grouped["d:" + name].nunique() >= least
    for name, least in sums.items():
        passing &= grouped["s:" + name].sum() >= least
    if "share" in require:
        share = counted / _group_sizes(table["key"].to_numpy()).reindex(passing.index)
        passing &= share >= float(require["share"])
    keys = [int(k) for k in passing.index[passing.to_numpy()]]
    if not keys:
        return []
    self_of = dict(zip(base["key"].tolist(), base["subject"].tolist(), strict=True))
    other_of = dict(zip(base["key"].tolist(), base["other"].tolist(), strict=True))
    composite = bool(base["composite"].iloc[0])
    for measure, top in (require.get("rank") or {}).items():
        ranking = context.ranks.get(str(measure), {})
        keys = [k for k in keys if _ranked(ranking, self_of[k], records, int(top))]
    if spec.get("unless"):
        blocked = _unless(rule, records, spec)
        keys = [k for k in keys if k not in blocked]
    within = spec.get("within_days")
    positions = grouped.indices
    sizes = _group_sizes(table["key"].to_numpy())
    out = []
    for key in keys:
        rows = hits.iloc[positions[key]]
        for window in (_windows(rows, float(within) * DAY, require, distinct, sums) if within is not None
                       else [rows]):
            chosen = base.iloc[window["row"].to_numpy()]
            out.append(_links_finding(rule, records, chosen, window, self_of[key],
                                      other_of[key] if composite else None, int(sizes[key]), distinct, sums))
    return out


def _group_sizes(keys: np.ndarray) -> pd.Series:
    """The number of rows of each key, by key: `groupby("key", sort=True).size()` of a frame of these keys (its
    plain reading), counted with np.bincount when the keys are entity ids (a pair's key is too wide: groupby)."""
    top = int(keys.max()) if len(keys) else 0
    if keys.dtype.kind not in "iu" or not len(keys) or int(keys.min()) < 0 or top > 4 * len(keys) + (1 << 20):
        return pd.DataFrame({"key": keys}).groupby("key", sort=True).size()
    counts = np.bincount(keys, minlength=top + 1)
    present = np.flatnonzero(counts)
    return pd.Series(counts[present], index=pd.Index(present.astype(keys.dtype), name="key"))


def _windows(
    rows: pd.DataFrame, width: float, require: dict[str, Any], distinct: dict[str, int], sums: dict[str, float]
) -> list[pd.DataFrame]:
    """Every separate window meeting the thresholds, busiest first: the best window, then the best among the
    records left, and so on (a booker who took several rooms in March and again in April is two findings)."""
    found = []
    left = rows
    while len(left):
        window = _best_window(left, width, require, distinct, sums)
        if window is None:
            break
        found.append(window)
        left = left[~left["row"].isin(window["row"])]
    return found


def _hashable(value: Any) -> Any:
    value = _norm(value)
    if _missing(value) or value == ():
        return None
    return value if not isinstance(value, dict) else str(sorted(value.items()))


def _ranked(ranking: dict[int, int], entity: int, records: Records, top: int) -> bool:
    rank = ranking.get(entity)
    if rank is None and entity in records.owners:
        rank = ranking.get(records.owners[entity])
    return rank is not None and rank <= top


def _unless(rule: Rule, records: Records, spec: dict[str, Any]) -> set[int]:
    other = dict(spec["unless"])
    other.setdefault("group_by", spec.get("group_by", "src"))
    frame, _ = _select(rule, records, other)
    return {int(k) for k in frame["key"].unique()}


def _best_window(
    rows: pd.DataFrame, width: float, require: dict[str, Any], distinct: dict[str, int], sums: dict[str, float]
) -> pd.DataFrame | None:
    """The window of `width` seconds holding the most matching records that still meets every threshold."""
    rows = rows[rows["start"].notna()].sort_values(["start", "row"])
    times = rows["start"].to_numpy()
    least = int(require.get("count", 1))
    counters = {name: Counter() for name in distinct}
    columns = {name: rows["d:" + name].tolist() for name in distinct}
    amounts = {name: np.nan_to_num(rows["s:" + name].to_numpy()) for name in sums}
    totals = dict.fromkeys(sums, 0.0)
    best: tuple[int, int] | None = None
    left = 0
    for right in range(len(rows)):
        for name in distinct:
            if columns[name][right] is not None:
                counters[name][columns[name][right]] += 1
        for name in sums:
            totals[name] += amounts[name][right]
        while times[right] - times[left] > width:
            for name in distinct:
                value = columns[name][left]
                if value is not None:
                    counters[name][value] -= 1
                    if not counters[name][value]:
                        del counters[name][value]
            for name in sums:
                totals[name] -= amounts[name][left]
            left += 1
        size = right - left + 1
        ok = (size >= least and all(len(counters[n]) >= distinct[n] for n in distinct)
              and all(totals[n] >= sums[n] - 1e-9 for n in sums))
        if ok and (best is None or size > best[1] - best[0]):
            best = (left, right + 1)
    return None if best is None else rows.iloc[best[0]:best[1]]


def _links_finding(
    rule: Rule, records: Records, chosen: pd.DataFrame, rows: pd.DataFrame, self_id: int, pair: int | None,
    whole: int, distinct: dict[str, int], sums: dict[str, float],
) -> dict[str, Any]:
    others = Counter(int(o) for o in chosen["other"])
    ranked = [o for o, _ in sorted(others.items(), key=lambda kv: (-kv[1], kv[0]))]
    entities = [records.ref(self_id)] + ([records.ref(pair)] if pair is not None else [])
    entities += [records.ref(o) for o in ranked if o not in (self_id, pair)][:8]
    starts = chosen["start"].dropna()
    facts: dict[str, Any] = {
        "self": records.label(self_id) + (f" at {records.label(pair)}" if pair is not None else ""),
        "count": len(chosen), "others": ", ".join(records.label(o) for o in ranked[:5]),
        "first": records.when(starts.min()) if len(starts) else "", "last": records.when(starts.max()) if len(starts)
        else "", "sum": f"{np.nansum(chosen['amount'].to_numpy(dtype=float)):,.2f}",
        "share": f"{len(rows) / max(whole, 1):.0%}",
    }
    for name in distinct:
        facts["distinct_" + name] = rows["d:" + name].nunique()
    for name in sums:
        facts["sum_" + name] = f"{rows['s:' + name].sum():,.2f}"
    links = sorted(int(i) for i in chosen["id"])
    if rule.spec.get("cite_ads"):
        named = [e["id"] for e in entities if e["type"] == "Ad"]
        links = sorted(set(links) | {lk for ad in named for lk in records.ad_links(ad)})
    return {"entities": entities, "records": len(links), "summary": _say(rule, facts),
            "links": links[:EVIDENCE_LIMIT]}


def _say(rule: Rule, facts: dict[str, Any]) -> str:
    if not rule.says:
        return f"{rule.title}: {facts.get('self', '')}"
    return re.sub(r"\{([\w.]+)\}", lambda m: str(facts.get(m.group(1), m.group(0))), rule.says)


# ---------------------------------------------------------------------------------------- other kinds


def _dig(item: dict[str, Any], name: str) -> Any:
    value: Any = item
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _finding_rule(rule: Rule, context: _Context) -> list[dict[str, Any]]:
    name = rule.spec.get("finding")
    if name not in ("replacements", "circuits", "colocations"):
        raise RuleError(f"indicator rule {rule.id}: finding must be replacements, circuits or colocations")
    records = context.records
    out = []
    for item in context.findings.get(name, []):
        if not all(_check(c, lambda f, item=item: _dig(item, f)) for c in rule.spec.get("where") or []):
            continue
        if "entities" in item:
            entities = [records.ref(e["id"]) for e in item["entities"]]
        else:
            entities = [records.ref(item["old_id"]), records.ref(item["new_id"])]
        facts = {k: (" -> ".join(map(str, v)) if isinstance(v, list) and k == "cities" else v)
                 for k, v in item.items() if not isinstance(v, dict)}
        facts["others"] = " -> ".join(e["label"] for e in entities) if name == "replacements" else ", ".join(
            e["label"] for e in entities)
        links = sorted(int(i) for i in item.get("links", []))
        out.append({"entities": entities, "records": len(links), "summary": _say(rule, facts),
                    "links": links[:EVIDENCE_LIMIT]})
    return out


def _sequential_rule(rule: Rule, context: _Context) -> list[dict[str, Any]]:
    records = context.records
    spec = rule.spec
    links = records.of_types(tuple(spec.get("links") or ()))
    kinds = records.entities["type"]
    phone_links: dict[int, list[int]] = {}
    for link_id, src, dst in links[["id", "src", "dst"]].itertuples(index=False, name=None):
        for end in (src, dst):
            if kinds.get(end) == "Phone":
                phone_links.setdefault(int(end), []).append(int(link_id))
    numbered = []
    for phone in phone_links:
        digits = re.sub(r"\D", "", str(records.entities.at[phone, "key"] or ""))
        if len(digits) >= 7:
            numbered.append((int(digits), phone))
    numbered.sort()
    step, least = int(spec.get("max_step", 1)), int(spec.get("min_group", 2))
    runs: list[list[tuple[int, int]]] = []
    for number, phone in numbered:
        if runs and 0 < number - runs[-1][-1][0] <= step:
            runs[-1].append((number, phone))
        else:
            runs.append([(number, phone)])
    out = []
    for run in runs:
        if len(run) < least:
            continue
        phones = [p for _, p in run]
        cited = sorted({lk for p in phones for lk in phone_links[p]})
        facts = {"others": ", ".join(records.label(p) for p in phones), "count": len(phones),
                 "self": records.label(phones[0])}
        out.append({"entities": [records.ref(p) for p in phones], "records": len(cited),
                    "summary": _say(rule, facts), "links": cited[:EVIDENCE_LIMIT]})
    return out


def _burst_rule(rule: Rule, context: _Context) -> list[dict[str, Any]]:
    records = context.records
    spec = rule.spec
    hours = float(spec.get("hours", 3))
    least, ratio = int(spec.get("min_calls", 5)), float(spec.get("ratio", 4))
    phones = sorted({p for ids in records.ad_phones.values() for p in ids})
    if not phones:
        return []
    calls = records.of_types(PHONE_LINKS)
    calls = calls[calls["start"].notna()]
    ends = np.r_[calls["src"].to_numpy(), calls["dst"].to_numpy()]
    starts = np.r_[calls["start"].to_numpy(), calls["start"].to_numpy()]
    ids = np.r_[calls["id"].to_numpy(), calls["id"].to_numpy()]
    keep = np.isin(ends, phones)
    order = at_scale.lexsort((ids[keep], starts[keep], ends[keep]))
    ends, starts, ids = ends[keep][order], starts[keep][order], ids[keep][order]
    if not len(ends):                       # no ad phone has a timed call or text: nothing to compare
        return []
    heads = np.flatnonzero(np.r_[True, ends[1:] != ends[:-1]])
    tails = np.r_[heads[1:], len(ends)]
    by_phone = {int(ends[h]): (starts[h:t], ids[h:t]) for h, t in zip(heads, tails, strict=True)}
    bursts: dict[int, dict[str, Any]] = {}
    for ad, ad_phones in records.ad_phones.items():
        posted = records.ad_time(ad)
        if posted is None:
            continue
        for phone in ad_phones:
            own = by_phone.get(phone)
            if own is None or len(own[0]) < least:
                continue
            times, links = own
            span = max(float(times[-1] - times[0]), DAY)
            expected = len(times) / span * hours * 3600
            lo = np.searchsorted(times, posted, side="left")
            hi = np.searchsorted(times, posted + hours * 3600, side="right")
            if hi - lo >= least and hi - lo >= ratio * expected:
                found = bursts.setdefault(phone, {"ads": [], "links": set()})
                found["ads"].append(ad)
                found["links"].update(records.ad_links(ad))
                found["links"].update(int(i) for i in links[lo:hi])
    out = []
    for phone, found in sorted(bursts.items()):
        links = sorted(found["links"])
        facts = {"self": records.label(phone), "count": len(links) - len(found["ads"])}
        out.append({"entities": [records.ref(phone)] + [records.ref(a) for a in found["ads"][:8]],
                    "records": len(links), "summary": _say(rule, facts), "links": links[:EVIDENCE_LIMIT]})
    return out


def _regular_payers_rule(rule: Rule, context: _Context) -> list[dict[str, Any]]:
    """Several people paying one party again and again (earnings handed over), and where that party passes the
    money on: the one recipient of most of its outgoing money, when paid `onward_payments` times or more."""
    records = context.records
    spec = rule.spec
    links = records.of_types(tuple(spec.get("links") or ()))
    if not len(links):
        return []
    skip = {_norm(c) for c in spec.get("skip_categories") or []}
    category = links["attrs"].map(lambda a: _norm(a.get("category")) if isinstance(a, dict) else None)
    links = links[~category.isin(skip).to_numpy()] if skip else links
    least, payers_needed = int(spec.get("min_payments", 2)), int(spec.get("min_payers", 3))
    onward_needed = int(spec.get("onward_payments", 3))
    pairs = links.groupby(["dst", "src"]).size()
    out = []
    for hub in sorted(int(h) for h in pairs.index.get_level_values(0).unique()):
        regular = sorted(int(src) for src, n in pairs.loc[hub].items() if n >= least and src != hub)
        if len(regular) < payers_needed:
            continue
        paid_in = links[(links["dst"] == hub).to_numpy() & links["src"].isin(regular).to_numpy()]
        going = links[(links["src"] == hub).to_numpy()]
        onward: list[int] = []
        receiver = None
        if len(going):
            totals = going.groupby("dst")["amount"].sum().sort_values(ascending=False, kind="stable")
            top = int(totals.index[0])
            theirs = going[(going["dst"] == top).to_numpy()]
            if len(theirs) >= onward_needed and totals.iloc[0] >= 0.5 * totals.sum():
                receiver, onward = top, theirs["id"].astype(int).tolist()
        ids = sorted(paid_in["id"].astype(int).tolist() + onward)
        facts = {"self": records.label(hub), "count": len(paid_in), "payers": len(regular),
                 "others": ", ".join(records.label(r) for r in regular[:5]),
                 "onward": f"; passed on to {records.label(receiver)} {len(onward)} times" if receiver else "",
                 "sum": f"{np.nansum(paid_in['amount'].to_numpy(dtype=float)):,.2f}"}
        entities = [records.ref(hub)] + ([records.ref(receiver)] if receiver else []) + [records.ref(r)
                                                                                          for r in regular[:8]]
        out.append({"entities": entities, "records": len(ids), "summary": _say(rule, facts),
                    "links": ids[:EVIDENCE_LIMIT]})
    return out
