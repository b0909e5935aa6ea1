"""The desktop's answers (igraph / pandas path) keyed by store entity keys, for comparing engines against."""

from __future__ import annotations

from typing import Any

from linkgraph.analysis import centrality, communities
from linkgraph.analysis.colocation import ColocationParams, cell_site_meetings, hotel_overlaps
from linkgraph.analysis.records import load_records
from linkgraph.analysis.replacements import find_replacements
from linkgraph.case import CaseFile
from linkgraph.graph import build_graph
from linkgraph.scale.push import case_ekeys, entity_keys


def link_rows(case: CaseFile) -> dict[int, tuple[str, int]]:
    """Link id -> (source file's SHA-256, row): how the store cites a record."""
    return {int(i): (sha, int(row)) for i, sha, row in case.conn.execute(
        "SELECT l.id, s.sha256, l.row FROM links l JOIN sources s ON s.id = l.source_id")}


def desktop_circuits(case: CaseFile, records: Any, ekey: dict[int, str]) -> list[tuple]:
    """The desktop's circuits as comparable rows: (entity key, stops (city, from, to, ads, stays), sources,
    cited records as (SHA-256, row)), in the desktop's order."""
    from linkgraph.analysis.circuits import find_circuits

    rows = link_rows(case)
    return [(ekey[c["entity"]["id"]],
             tuple((s["city"], s["from"], s["to"], s["ads"], s["stays"]) for s in c["stops"]),
             tuple(c["sources"]), frozenset(rows[i] for i in c["links"]), c["distinct_cities"])
            for c in find_circuits(records)]


def engine_circuits(circuits: list[dict[str, Any]], timezone: str) -> list[tuple]:
    """A cluster run's circuits in the same shape, times shown in the case's zone as the desktop shows them."""
    from linkgraph.times import format_time

    return [(c["entity"],
             tuple((s["city"].title(), format_time(s["from"], timezone), format_time(s["to"], timezone), s["ads"],
                    s["stays"]) for s in c["stops"]),
             tuple(c["sources"]), frozenset((r["source_sha256"], r["row"]) for r in c["links"]), c["distinct_cities"])
            for c in circuits]


def desktop_indicators(case: CaseFile, records: Any, ekey: dict[int, str], rule_ids: set[str]) -> set[tuple]:
    """The desktop's findings of these rules: (rule, entity keys the finding is about, records, cited rows).
    Findings of circuits and swaps compare by their entities only (swaps at scale cite no records)."""
    from linkgraph.analysis.circuits import find_circuits
    from linkgraph.analysis.indicators import bundled_rules, run_rules

    rows = link_rows(case)
    rules = [r for r in bundled_rules() if r.id in rule_ids]
    found = run_rules(records, rules, findings={"circuits": find_circuits(records),
                                                "replacements": find_replacements(records)},
                      ranks={"betweenness": betweenness_ranks(case)})
    kinds = {r.id: r.kind for r in rules}
    return {_indicator_row(f["rule"], [ekey[e["id"]] for e in f["entities"]], f["records"],
                           [rows[i] for i in f["links"]], kinds[f["rule"]], pair=_pairs(f["rule"]))
            for f in found}


def betweenness_ranks(case: CaseFile) -> dict[int, int]:
    """Entity id -> its rank by the desktop's betweenness over the whole graph (ties by id), as an analysis ranks."""
    import numpy as np

    from linkgraph.analysis import at_scale

    values, _ = centrality.betweenness(build_graph(case))
    return at_scale.ranks(np.fromiter(values, dtype=np.int64), np.fromiter(values.values(), dtype=float))


def _pairs(rule_id: str) -> bool:
    from linkgraph.analysis.indicators import bundled_rules

    return any(r.id == rule_id and isinstance(r.spec.get("group_by"), list) for r in bundled_rules())


def _indicator_row(rule: str, entities: list[str], records: int, cited: list[tuple[str, int]], kind: str,
                   *, pair: bool) -> tuple:
    if kind == "finding":
        return (rule, tuple(entities), None, None)
    head = tuple(entities[:2] if pair else entities[:1])
    return (rule, head, records, frozenset(cited) if records <= 100 else None)


def engine_indicators(found: list[dict[str, Any]]) -> set[tuple]:
    from linkgraph.analysis.indicators import bundled_rules

    kinds = {r.id: r.kind for r in bundled_rules()}
    return {_indicator_row(f["rule"], f["entities"], f["records"], [(c["source_sha256"], c["row"]) for c in f["links"]],
                           kinds[f["rule"]], pair=_pairs(f["rule"])) for f in found}


def desktop_answers(case: CaseFile) -> dict[str, Any]:
    keys = case_ekeys(case, entity_keys(case, None))
    ekey = dict(zip(keys.index.tolist(), keys["ekey"].tolist(), strict=True))
    graph = build_graph(case)
    data = centrality.arrays(graph)
    component = communities.components(graph, data=data)
    by_component: dict[int, set[str]] = {}
    for node, number in component.items():
        by_component.setdefault(number, set()).add(ekey[node])
    leiden = communities.leiden(graph, data=data)
    records = load_records(case)
    params = ColocationParams()
    from linkgraph.scale.indicators import rules_at_scale

    at_scale = {rule for rule, reason in rules_at_scale().items() if reason is None}
    return {
        "indicators": desktop_indicators(case, records, ekey, at_scale),
        "circuits": desktop_circuits(case, records, ekey),
        "degree": {ekey[n]: d for n, d in centrality.degree(graph).items()},
        "strength": {ekey[n]: d for n, d in centrality.weighted_degree(graph, data=data).items()},
        "core": {ekey[n]: k for n, k in centrality.core_number(graph, data=data).items()},
        "pagerank": {ekey[n]: x for n, x in centrality.pagerank(graph, data=data).items()},
        "components": {frozenset(part) for part in by_component.values()},
        "modularity": communities.modularity(graph, leiden, data=data),
        "swaps": {(ekey[f["old_id"]], ekey[f["new_id"]], f["similarity"], f["round"])
                  for f in find_replacements(records)},
        "hotel": {(min(ekey[f["entities"][0]["id"]], ekey[f["entities"][1]["id"]]),
                   max(ekey[f["entities"][0]["id"]], ekey[f["entities"][1]["id"]]),
                   ekey[f["place"]["id"]], f["nights"], f["same_room"]) for f in hotel_overlaps(records, params)},
        "sites": {(min(ekey[f["entities"][0]["id"]], ekey[f["entities"][1]["id"]]),
                   max(ekey[f["entities"][0]["id"]], ekey[f["entities"][1]["id"]]), f["meetings"], f["records"])
                  for f in cell_site_meetings(records, params)},
    }


def engine_answers(engine: Any, report: Any, timezone: str) -> dict[str, Any]:
    from linkgraph.scale.analyses import ENTITY_RESULTS

    rows = engine.arrow(ENTITY_RESULTS).to_pylist()
    by_component: dict[str, set[str]] = {}
    for row in rows:
        by_component.setdefault(row["component"], set()).add(row["ekey"])
    hotel = engine.arrow("SELECT * FROM hotel_overlaps").to_pylist()
    sites = engine.arrow("SELECT * FROM site_meetings").to_pylist()
    return {
        "indicators": engine_indicators(report.indicators),
        "circuits": engine_circuits(report.circuits, timezone),
        "degree": {r["ekey"]: int(r["degree"]) for r in rows},
        "strength": {r["ekey"]: float(r["strength"]) for r in rows},
        "core": {r["ekey"]: int(r["core"]) for r in rows},
        "pagerank": {r["ekey"]: float(r["pagerank"]) for r in rows},
        "components": {frozenset(part) for part in by_component.values()},
        "modularity": report.groups["modularity"],
        "swaps": {(f["old"], f["new"], f["similarity"], f["round"]) for f in report.swaps},
        "hotel": {(h["a_key"], h["b_key"], h["place_key"], int(h["nights"]), bool(h["same_room"])) for h in hotel},
        "sites": {(s["a_key"], s["b_key"], int(s["meetings"]), int(s["records"])) for s in sites},
    }
