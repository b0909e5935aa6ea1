"""Network analysis of a case: one module per finding, combined by `analyze` into one result.

`analyze(case, AnalysisParams, progress)` returns the dict `linkgraph analyze --json` prints:
"case", "graph", "params", "entities" (ranked by the key-player `score`), "communities",
"components", "disruption", "replacements", "colocations", "circuits", "indicators",
"activity", and, when asked for, "paths", "connecting_network", "common_contacts". Findings
name entities by the same id and label as "entities" and cite their records as
"evidence": [{"link", "source", "source_id", "row"}].
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from linkgraph.analysis import (
    activity,
    at_scale,
    centrality,
    circuits,
    colocation,
    communities,
    contacts,
    disruption,
    indicators,
    names,
    paths,
    replacements,
)
from linkgraph.analysis.beside import Beside
from linkgraph.analysis.records import ATTR_LINKS, Records, records_from
from linkgraph.case import CaseFile
from linkgraph.case.audit import StateAhead
from linkgraph.case.case_file import result_json
from linkgraph.errors import Cancelled
from linkgraph.graph import (
    GraphFilter,
    edge_links,
    fold_links,
    graph_from_edges,
    graph_links,
    load_entities,
    load_links,
)
from linkgraph.process_switches import collector_paused
from linkgraph.progress import Progress, no_progress
from linkgraph.reading import CaseReading, start_reading

ACTIVITY_TYPES = ("Phone", "Person")


@dataclass
class AnalysisParams:
    """Everything that shapes a result, stored with the run so an exhibit can cite it."""

    filter: GraphFilter = field(default_factory=GraphFilter)
    seed: int = 7
    resolution: float = 1.0
    top: int = 25
    method: str = "auto"                          # communities: auto (multiplex when 2+ layers, else leiden),
                                                  # leiden, louvain or multiplex
    disrupt: int = 5                              # key players to remove in the disruption list
    path: tuple[int, int] | None = None           # shortest and all paths between two entities
    max_hops: int = 3                             # ... all paths up to this many ties
    connect: list[int] | None = None              # connecting network of these entities
    common: list[int] | None = None               # common contacts of these entities
    activity: list[int] | None = None             # activity of these (None: the top key players)
    findings: bool = True                         # replacements, co-locations, circuits, indicators
    beside: bool = False                          # findings in a forked child beside the measures (command line)
    full: bool = False                            # every measure on a large case too (see centrality.LARGE_TIES)
    rules: str | None = None                      # an indicators file instead of the bundled one
    replacement: replacements.ReplacementParams = field(default_factory=replacements.ReplacementParams)
    colocation: colocation.ColocationParams = field(default_factory=colocation.ColocationParams)
    circuit: circuits.CircuitParams = field(default_factory=circuits.CircuitParams)

    def as_dict(self) -> dict[str, Any]:
        return {
            "filter": self.filter.as_dict(), "seed": self.seed, "resolution": self.resolution, "top": self.top,
            "method": self.method, "disrupt": self.disrupt, "path": list(self.path) if self.path else None,
            "max_hops": self.max_hops, "connect": self.connect, "common": self.common, "activity": self.activity,
            "findings": self.findings, "full": self.full, "rules": self.rules, "replacement": asdict(self.replacement),
            "colocation": asdict(self.colocation), "circuit": asdict(self.circuit),
        }


class _Steps:
    """Progress through the analysis; cancelling raises Cancelled."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0

    def __call__(self, message: str) -> None:
        if self.progress(self.done, self.total, message) is False:
            raise Cancelled("analysis cancelled")
        self.done += 1


def analyze(case: CaseFile, params: AnalysisParams | None = None, progress: Progress = no_progress, *,
            reading: CaseReading | None = None) -> dict[str, Any]:
    """Rank entities, find groups, key players, swaps, co-locations, circuits and indicators.

    `reading`: the case's reads already started (`linkgraph.reading.start_reading`, as the command line does
    while the analysis libraries load), used where they read the rows the analysis asks for."""
    with collector_paused():
        return _analyze(case, params or AnalysisParams(), progress, reading)


def analyze_and_record(case: CaseFile, params: AnalysisParams | None = None, progress: Progress = no_progress, *,
                       save: bool = True, reading: CaseReading | None = None,
                       while_saving: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Analyse, then keep the run in the case (`run_id`) so an exhibit can cite it; a read-only case cannot keep it,
    so the run's record goes into the result (`run_record`). The one path for the command line and the desktop.

    `while_saving(result)`: work on the result (before `run_id` is set; it must not change it) done while the run
    is kept in the case, which then happens in a thread once the stored JSON is made (its digest and SQLite's
    write release the GIL): the command line encodes its output meanwhile. Called only when the run is kept in
    the case. `reading`: started with `state=True`, it made the audit's state digest ahead (see
    `audit.state_ahead`), and the write reads only its own row."""
    chosen = params or AnalysisParams()
    result = analyze(case, chosen, progress, reading=reading)
    ahead = reading.state_ahead() if reading is not None else None
    try:
        if save and case.read_only:
            result["run_record"] = case.unrecorded_analysis(chosen.as_dict(), result)
        elif save and while_saving is not None:
            result["run_id"] = _recorded_beside(case, chosen, result, while_saving, ahead)
            ahead = None
        elif save:
            result["run_id"] = case.record_analysis(chosen.as_dict(), result, ahead=ahead)
            ahead = None
    finally:
        if ahead is not None:           # not used (no run kept, or it failed before its write)
            ahead.close()
    return result


def _recorded_beside(case: CaseFile, params: AnalysisParams, result: dict[str, Any],
                     meanwhile: Callable[[dict[str, Any]], None], ahead: StateAhead | None = None) -> int:
    """`case.record_analysis` in a thread while `meanwhile(result)` runs here; its run id (its error raised here).
    The stored JSON is made first, here: like `meanwhile`'s work it holds the GIL, which the digest, the INSERT
    and the COMMIT in the thread do not."""
    encoded = result_json(result)
    kept: dict[str, Any] = {}

    def keep() -> None:
        try:
            kept["run_id"] = case.record_analysis(params.as_dict(), result, encoded=encoded, ahead=ahead)
        except BaseException as exc:  # noqa: BLE001  (raised in the caller's thread below)
            kept["error"] = exc

    thread = threading.Thread(target=keep, name="record-analysis")
    thread.start()
    try:
        meanwhile(result)
    finally:
        thread.join()
    if "error" in kept:
        raise kept["error"]
    return int(kept["run_id"])


def _analyze(case: CaseFile, params: AnalysisParams, progress: Progress,
             reading: CaseReading | None = None) -> dict[str, Any]:
    step = _Steps(progress, 10)
    step("Reading records")
    if reading is None:           # the links and the entities, each in a thread (the Arrow reader releases the GIL)
        reading = start_reading(case, replace(params.filter, link_types=None))
    try:
        entities = load_entities(case, attrs=True, beside=reading)
        apart, kept_apart = names.keep_apart(case, entities)
        base = replace(params.filter, keep_apart=set(params.filter.keep_apart) | apart)
        entities = names.unmerged(entities, base.keep_apart)
        links = load_links(case, replace(base, link_types=None), attrs=ATTR_LINKS, beside=reading)
    finally:
        reading.finish()          # no read left running (on an error too; the findings' child forks after this)
    reading.begin_state()         # (a run to be kept) the audit's state digest, on the core the reads leave free
    flt, left_out = service_choice(entities, links, base)
    left_out["common_name_merges_kept_apart"] = kept_apart
    step("Building graph")
    chosen = graph_links(case, flt, entities=entities, links=links)
    edges = fold_links(chosen)
    edges = edges[edges["weight"] >= flt.min_weight]
    # The measures work on arrays and an igraph twin; the networkx graph carries the nodes' labels and types,
    # and its ties only when paths or contacts are asked for (a million ties cost seconds to make).
    asked = bool(params.path or params.connect or params.common)
    graph = graph_from_edges(edges, entities, flt, ties=asked)
    data = centrality.GraphArrays.from_edges(edges)
    # Links loaded with no time window are every link: the person owners are found among them.
    records = records_from(case, entities, links, flt, every_link=base.start is None and base.end is None)
    rules = (indicators.load_rules(Path(params.rules)) if params.rules else list(indicators.bundled_rules())) \
        if params.findings else []
    # Swaps, co-locations, circuits and the indicators that rank by no measure need the records, not the
    # measures: on a big case they are found in a forked child while this process computes the measures
    # (two cores; see beside.py).
    # The child first sums most of the sampled betweenness sources in one call (CHILD_SOURCES; the parent adds the
    # rest): its findings cost less than what the parent does besides (groups, key players, the entity list).
    beside = params.beside and len(links) >= BESIDE_FROM
    theirs = child_sources(centrality.sampled_sources(data, seed=params.seed, full=params.full)) if beside else []
    reading.finish()              # the state digest made: no other thread runs when the child forks
    found = Beside(lambda: _findings(records, params, rules), beside,
                   first=(lambda: centrality.source_sum(data, theirs)) if theirs else None)
    try:
        # Groups first: they need no measure, and by their end the child's betweenness sources are ready.
        step("Communities")
        method, layers, membership, per_layer = _groups(chosen, data, graph, params)
        component = communities.components(graph, data=data)
        step("Centrality")
        measures = centrality.measure(graph, seed=params.seed, data=data, full=params.full,
                                      need=indicators.ranked_by(rules),
                                      elsewhere=(theirs, found.first_result) if theirs else None)
        step("Key players")
        disrupt = disruption.key_players(graph, k=params.disrupt, scores=measures.score, data=data)
        # Everything that needs no finding is made before waiting for them (the child may still be at work).
        ranked = _entities(graph, data, measures, membership, component)
        groups = communities.summarize(graph, membership, measures.score, data=data)
        modularity = round(communities.modularity(graph, membership, data=data), 6)
        wanted = params.activity if params.activity is not None else _top_of(ranked, ACTIVITY_TYPES, 5)
        active = activity.activity(records, wanted)
        ranks = _ranks(measures)
        # The rules that rank by a measure and read no finding run now, while the child may still be at work.
        ready = indicators.rule_items(records, [r for r in rules if indicators.ranks_by_measure(r)
                                                and not indicators.reads_findings(r)], ranks=ranks)
        step("Number replacements, co-locations, circuits")
        findings, crowded, early = found.result()
    finally:
        found.close()
    result: dict[str, Any] = {
        "case": case.name,
        "left_out": left_out,
        "graph": {
            "nodes": len(data.nodes), "edges": len(data.a),
            "betweenness_sample": measures.betweenness_sample, "closeness_sample": measures.closeness_sample,
            "view": flt.view, "communities_method": method,
            "layers": [layer.name for layer in layers] or sorted({communities.layer_of(str(x))
                                                                 for x in pd.unique(chosen["type"])}),
            "modularity": modularity,
            "layer_modularity": per_layer,
        },
        # the filter as applied (see left_out) and the community method used ("auto" chooses one)
        "params": {**params.as_dict(), "filter": flt.as_dict(), "method": method},
        "entities": ranked,
        "communities": groups,
        "components": _components(component),
        "disruption": disrupt,
    }
    left_out["sampled"] = {"betweenness": measures.betweenness_sample, "closeness": measures.closeness_sample,
                           "of": len(data.nodes)}
    left_out["large_case"] = _large_case(measures, len(data.a))
    if params.findings:
        result["left_out"]["crowded_hotel_nights"] = crowded[:100]
        result["left_out"]["crowded_hotel_nights_count"] = len(crowded)
    step("Indicators")
    found_indicators: list[dict[str, Any]] = []
    if params.findings:
        found_indicators = indicators.run_rules(records, rules, findings=findings, ranks=ranks,
                                                done={**early, **ready})
    for name, items in findings.items():
        result[name] = _cited(records, items)
    result["indicators"] = _cited(records, found_indicators)
    step("Activity")
    result["activity"] = active
    step("Paths and contacts")
    if params.path:
        result["paths"] = _paths(graph, chosen, records, *params.path, max_hops=params.max_hops)
    if params.connect:
        result["connecting_network"] = _connecting(graph, params.connect)
    if params.common:
        result["common_contacts"] = {"of": [records.ref(i) for i in sorted(set(params.common))],
                                     "contacts": contacts.common_contacts(graph, params.common)}
    step("Done")
    return result


def _large_case(measures: centrality.Centrality, ties: int) -> dict[str, Any] | None:
    """What the large-case mode left out or sampled harder, and how to get it (None: every measure computed)."""
    full = centrality.sample_size(len(measures.nodes), ties)
    fewer = measures.betweenness_sample is not None and full is not None and measures.betweenness_sample < full
    if not measures.left_out and not fewer:
        return None
    return {"ties": ties, "from_ties": centrality.LARGE_TIES, "not_computed": list(measures.left_out),
            "betweenness_sources": measures.betweenness_sample, "betweenness_sources_full": full,
            "how": "--full (AnalysisParams.full) computes every measure"}


BESIDE_FROM = 200_000   # links from which findings are worth a forked child (beside the measures)
CHILD_SOURCES = (16, 16)  # the forked child sums every sampled betweenness source (the parent none)


def child_sources(sources: list[int]) -> list[int]:
    """The sampled betweenness sources the forked child sums in one igraph call: the first CHILD_SOURCES share of
    them (the parent adds the rest one by one after that sum, in source order, so the split changes no bit)."""
    share, every = CHILD_SOURCES
    return sources[:len(sources) * share // every]


def _findings(records: Records, params: AnalysisParams, rules: list[indicators.Rule]) -> tuple[
        dict[str, list[dict[str, Any]]], list[Any], dict[str, list[dict[str, Any]]]]:
    """Number replacements, co-locations and circuits, the crowded hotel nights left out, and the items of the
    indicator rules that rank by no measure (rule id -> items: see indicators.run_rules's `done`)."""
    findings: dict[str, list[dict[str, Any]]] = {"replacements": [], "colocations": [], "circuits": []}
    if not params.findings:
        return findings, [], {}
    findings["replacements"] = replacements.find_replacements(records, params.replacement)
    findings["colocations"] = colocation.find_colocations(records, params.colocation)
    findings["circuits"] = circuits.find_circuits(records, params.circuit)
    early = indicators.rule_items(records, [r for r in rules if not indicators.ranks_by_measure(r)],
                                  findings=findings)
    return findings, records.memo("crowded_hotel_nights", lambda _: []), early


MOST = 0.5        # service exclusion that would take away more than this share of the linked entities or records


def service_choice(entities: pd.DataFrame, links: pd.DataFrame,
                   flt: GraphFilter) -> tuple[GraphFilter, dict[str, Any]]:
    """Whether the service numbers (voicemail, short codes) are left out, and what that leaves out.

    They are left out by default (a call to voicemail is no contact between people). When they
    would take away most of the case (a case whose phones are short IDs, not numbers), they are
    kept and the reason is said. Returns the filter to use and the `left_out` report.
    """
    report: dict[str, Any] = {"service_entities": 0, "service_links": 0, "service_kept": False, "reason": None}
    service = entities.index[(entities["service"] & entities["merged_into"].isna()).to_numpy()]
    if not flt.exclude_service or not len(service) or not len(links):
        report["service_kept"] = not flt.exclude_service
        report["reason"] = None if flt.exclude_service else "asked for (--include-service)"
        return flt, report
    touching = (links["src"].isin(service) | links["dst"].isin(service)).to_numpy()
    if not touching.any():
        return flt, report
    linked = np.union1d(links["src"].to_numpy(), links["dst"].to_numpy())
    rest = links[~touching]
    remaining = np.union1d(rest["src"].to_numpy(), rest["dst"].to_numpy())
    report["service_entities"] = int(np.isin(service, linked).sum())
    report["service_links"] = int(touching.sum())
    lost_entities = 1 - len(remaining) / len(linked)
    lost_links = touching.mean()
    if lost_entities > MOST or lost_links > MOST:
        report["service_kept"] = True
        report["reason"] = (f"leaving them out would remove {lost_entities:.0%} of the linked entities and "
                            f"{lost_links:.0%} of the records: these look like short IDs, not carrier services")
        return replace(flt, exclude_service=False), report
    return flt, report


def left_out_line(left_out: dict[str, Any]) -> str | None:
    """One sentence on what the default left out (or kept, and why), for the first line of a summary."""
    count, records = left_out.get("service_entities", 0), left_out.get("service_links", 0)
    apart = left_out.get("common_name_merges_kept_apart") or []
    if apart:
        shown = ", ".join(f"{a['label']} ({len(a['ids'])} records)" for a in apart[:5])
        more = f" and {len(apart) - 5} more" if len(apart) > 5 else ""
        common = (f" Same-name merges of common names analysed apart (no shared phone, account or place): "
                  f"{shown}{more}.")
    else:
        common = ""
    crowded = left_out.get("crowded_hotel_nights_count", 0)
    hotels = (f" Hotel nights with more than the crowd limit of guests ({crowded:,}) count for no co-location."
              if crowded else "")
    sampled = left_out.get("sampled") or {}
    large = left_out.get("large_case")
    if large:
        missing = " and ".join(large["not_computed"])
        fewer, usual = large["betweenness_sources"], large["betweenness_sources_full"]
        said = ([f"{missing} not computed (null)"] if missing else []) + (
            [f"betweenness estimated from {fewer} sampled sources of {sampled.get('of', 0):,} entities"]
            if fewer else [])
        more = ([missing] if missing else []) + ([f"betweenness from {usual} sources"] if fewer else [])
        hotels += (f" Large case ({large['ties']:,} ties, over {large['from_ties']:,}): {'; '.join(said)}; "
                   f"--full computes {' and '.join(more)}.")
    if sampled.get("closeness") or (sampled.get("betweenness") and not large):
        hotels += (f" Betweenness estimated from {sampled.get('betweenness') or 'all'} and closeness from "
                   f"{sampled.get('closeness') or 'all'} sampled sources of {sampled.get('of', 0):,} entities.")
    hotels += common
    if not count:
        return hotels.strip() or None
    if left_out.get("service_kept"):
        return (f"Kept {count:,} service or short-code numbers ({records:,} records): {left_out['reason']}."
                + hotels)
    return (f"Left out {count:,} service numbers (voicemail, short codes) and their {records:,} records; "
            f"--include-service keeps them." + hotels)


def _groups(chosen: pd.DataFrame, data: centrality.GraphArrays, graph: nx.Graph,
            params: AnalysisParams) -> tuple[str, list[communities.Layer], dict[int, int], dict[str, float]]:
    """Communities by the method asked for; "auto" (the default) is multiplex Leiden across the layers
    (calls, meetings, money, devices, ads, other ties) when the case has two or more, else Leiden.
    Returns the method used, the layers, the membership and each layer's modularity."""
    method = params.method
    kinds = {communities.layer_of(str(t)) for t in pd.unique(chosen["type"])} if len(chosen) else set()
    layers = communities.layers_of(chosen, data) if len(kinds) > 1 else []
    if method == "auto":
        method = "multiplex" if len(layers) > 1 else "leiden"
    if method == "multiplex" and len(layers) > 1:
        membership, per_layer = communities.multiplex(data, layers, seed=params.seed, resolution=params.resolution)
        return method, layers, membership, per_layer
    if method == "multiplex":
        method = "leiden"
    membership = communities.communities(graph, method=method, seed=params.seed, resolution=params.resolution,
                                         data=data)
    return method, layers, membership, communities.layer_modularity(data, layers, membership)


def _entities(graph: nx.Graph, data: centrality.GraphArrays, m: centrality.Centrality, membership: dict[int, int],
              component: dict[int, int]) -> list[dict[str, Any]]:
    """Every entity of the graph with its measures, by score (ties by id); columns made as arrays, one dict each."""
    nodes = data.nodes
    if not nodes:
        return []
    ids = np.asarray(nodes, dtype=np.int64)
    columns = m.columns if m.nodes == nodes else {}

    def column(name: str, places: int | None = 6) -> np.ndarray:
        if name in m.left_out:                    # not computed on a large case: null for every entity
            return np.full(len(nodes), None, dtype=object)
        array = columns[name] if name in columns else at_scale.column(getattr(m, name), nodes)
        return np.round(array, places) if places is not None else array

    score = column("score", None)
    order = np.lexsort((ids, -score))
    ranked = ids[order].tolist()
    attrs = dict(graph.nodes(data=True))          # one plain lookup per node (networkx's view costs more)
    picked = {name: column(name)[order].tolist() for name in (
        "weighted_degree", "betweenness", "closeness", "eigenvector", "pagerank")}
    whole = {name: column(name, None)[order].astype(np.int64).tolist() for name in ("degree", "core")}
    return [
        {
            "id": n, "type": a["type"], "label": a["label"], "role": a.get("role"),
            "minor": a.get("minor", False), "degree": dg, "weighted_degree": wd,
            "betweenness": bt, "closeness": cl, "eigenvector": ev, "pagerank": pr, "k_core": kc,
            "community": membership.get(n), "component": component.get(n), "score": sc,
        }
        for n, a, dg, wd, bt, cl, ev, pr, kc, sc in zip(
            ranked, map(attrs.__getitem__, ranked), whole["degree"], picked["weighted_degree"],
            picked["betweenness"], picked["closeness"], picked["eigenvector"], picked["pagerank"], whole["core"],
            score[order].tolist(), strict=True)
    ]


def _components(component: dict[int, int]) -> list[dict[str, int]]:
    sizes: dict[int, int] = {}
    for number in component.values():
        sizes[number] = sizes.get(number, 0) + 1
    return [{"id": cid, "size": size} for cid, size in sorted(sizes.items())]


class _Ranks(Mapping):
    """Measure -> entity -> 1-based rank (ties by id), for rules that require a top rank; each measure ranked
    when a rule first asks for it (most cases' rules ask for one measure, or none)."""

    NAMES = ("betweenness", "pagerank", "degree", "score", "eigenvector", "closeness")

    def __init__(self, m: centrality.Centrality) -> None:
        self.m = m
        self.made: dict[str, dict[int, int]] = {}

    def __getitem__(self, name: str) -> dict[int, int]:
        if name not in self.NAMES:
            raise KeyError(name)
        if name not in self.made:
            m = self.m
            if name in m.left_out:                # not computed (no rule ranks by it: see indicators.ranked_by)
                self.made[name] = {}
            elif name in m.columns:
                self.made[name] = at_scale.ranks(np.asarray(m.nodes, dtype=np.int64), m.columns[name])
            else:
                values = getattr(m, name)
                ids = np.fromiter(values.keys(), dtype=np.int64, count=len(values))
                numbers = np.fromiter(values.values(), dtype=float, count=len(values))
                self.made[name] = at_scale.ranks(ids, numbers)
        return self.made[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.NAMES)

    def __len__(self) -> int:
        return len(self.NAMES)


def _ranks(m: centrality.Centrality) -> Mapping[str, dict[int, int]]:
    """Measure -> entity -> 1-based rank (ties by id), for rules that require a top rank."""
    return _Ranks(m)


def _top_of(entities: list[dict[str, Any]], types: tuple[str, ...], count: int) -> list[int]:
    """The ids of the first `count` entities of these types (the list is ranked: no need to read past them)."""
    return list(islice((e["id"] for e in entities if e["type"] in types), count))


def _cited(records: Records, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each finding with its records spelled out as evidence (source file and row)."""
    return [{**item, "evidence": records.cite(item.get("links", []))} for item in items]


def _paths(graph: nx.Graph, chosen: Any, records: Records, a: int, b: int, *, max_hops: int) -> dict[str, Any]:
    shortest = paths.shortest_path(graph, a, b)
    every = paths.all_paths(graph, a, b, max_hops=max_hops)
    out: dict[str, Any] = {"from": records.ref(a), "to": records.ref(b), "shortest": None,
                           "all": [[records.ref(n) for n in p] for p in every["paths"]],
                           "truncated": every["truncated"], "max_hops": max_hops}
    if shortest:
        hops = paths.hops(graph, shortest)
        behind = edge_links(chosen, [(h["from"], h["to"]) for h in hops])
        for hop in hops:
            ids = behind[(min(hop["from"], hop["to"]), max(hop["from"], hop["to"]))]
            hop["evidence"] = records.cite(ids, limit=20)
        out["shortest"] = {"entities": [records.ref(n) for n in shortest], "hops": hops}
    return out


def _connecting(graph: nx.Graph, ids: list[int]) -> dict[str, Any]:
    sub = paths.connecting_network(graph, ids)
    nodes = graph.nodes
    return {
        "selected": sorted(n for n in sub if sub.nodes[n].get("selected")),
        "entities": [{"id": n, "label": nodes[n].get("label"), "type": nodes[n].get("type")} for n in sorted(sub)],
        "ties": [{"a": a, "b": b, "types": d.get("types"), "count": d.get("count", 1)}
                 for a, b, d in sorted((min(u, v), max(u, v), d) for u, v, d in sub.edges(data=True))],
    }
