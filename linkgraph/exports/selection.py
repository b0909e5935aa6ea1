"""Which part of the case a chart shows: the filtered graph, one community, an ego network, a path,
or a hand-picked list of entities, with the records behind every line it draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pandas as pd

from linkgraph.analysis import communities as community_finder
from linkgraph.analysis import paths
from linkgraph.case import CaseFile
from linkgraph.errors import LinkgraphError
from linkgraph.graph import edge_links, graph_from_links, graph_links, load_entities


@dataclass
class Chart:
    """A chart's graph (nodes: type, label, key, role, minor; edges: weight, count, types, first, last)
    and, per edge, the ids of the links it summarises."""

    graph: nx.Graph
    links: pd.DataFrame
    edge_records: dict[tuple[int, int], list[int]]
    focus: str
    run: dict[str, Any] | None
    total_nodes: int
    left_out: list[int] = field(default_factory=list)
    limit: int | None = None

    def link_ids(self) -> list[int]:
        """Every link behind a line of the chart, in id order."""
        return sorted({i for ids in self.edge_records.values() for i in ids})

    def span(self) -> tuple[int | None, int | None]:
        """Earliest and latest time of the links shown (None when none is timed)."""
        times = [t for _, _, d in self.graph.edges(data=True) for t in (d.get("first"), d.get("last")) if t]
        return (min(times), max(times)) if times else (None, None)


def select_chart(case: CaseFile, options: Any, *, max_nodes: int | None = None) -> Chart:
    """The chart the options ask for: community, ego, path, entity list or the whole filtered graph.

    With `max_nodes`, a bigger selection keeps the entities with the most records (the focus
    entities always stay) and the chart says how many it left out.
    """
    flt = options.filter
    entities = load_entities(case)
    chosen = graph_links(case, flt, entities=entities)
    full = graph_from_links(chosen, entities, flt)
    run = case.analysis_run(options.run_id) if options.run_id or options.community is not None else \
        case.analysis_run()
    if options.run_id and run is None:
        raise LinkgraphError(f"no analysis run {options.run_id} in this case")
    keep_always: set[int] = set()
    if options.community is not None:
        membership = _membership(full, run)
        nodes = {n for n, c in membership.items() if c == options.community}
        if not nodes:
            raise LinkgraphError(f"no community {options.community} in "
                                 + (f"analysis run {run['id']}" if run else "this chart"))
        focus = f"Community {options.community}" + (f" of analysis run {run['id']}" if run else "")
    elif options.ego is not None:
        _require(full, options.ego, case)
        nodes = set(nx.ego_graph(full, options.ego, radius=1))
        keep_always = {options.ego}
        focus = f"Entity {options.ego} ({full.nodes[options.ego]['label']}) and its direct contacts"
    elif options.path is not None:
        a, b = options.path
        _require(full, a, case)
        _require(full, b, case)
        found = paths.shortest_path(full, a, b)
        if not found:
            raise LinkgraphError(f"entities {a} and {b} are not connected under this filter")
        nodes = set(found)
        keep_always = nodes
        focus = f"Shortest path from entity {a} to entity {b} ({len(found) - 1} steps)"
    elif options.entity_ids:
        missing = [i for i in options.entity_ids if i not in full]
        if missing:
            raise LinkgraphError(f"entities {', '.join(map(str, missing))} have no links under this filter")
        nodes = set(options.entity_ids)
        keep_always = nodes
        focus = f"{len(nodes)} chosen entities"
    else:
        nodes = set(full.nodes)
        focus = "All entities under the filter"
    sub = full.subgraph(nodes)
    if options.path is not None:
        found_path = paths.shortest_path(full, *options.path) or []
        sub = full.edge_subgraph(zip(found_path, found_path[1:], strict=False))
    total = sub.number_of_nodes()
    left_out: list[int] = []
    if max_nodes and total > max_nodes:
        strength = dict(sub.degree(weight="count"))
        ranked = sorted(sub.nodes, key=lambda n: (n not in keep_always, -strength[n], n))
        kept = set(ranked[:max_nodes])
        left_out = sorted(set(sub.nodes) - kept)
        sub = sub.subgraph(kept)
    graph = nx.Graph(sub)
    graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0 and n not in keep_always])
    pairs = [(a, b) for a, b in graph.edges]
    records = edge_links(chosen, pairs)
    ids = {i for v in records.values() for i in v}
    return Chart(graph=graph, links=chosen[chosen["id"].isin(ids)], edge_records=records, focus=focus, run=run,
                 total_nodes=total, left_out=left_out, limit=max_nodes)


def _membership(graph: nx.Graph, run: dict[str, Any] | None) -> dict[int, int]:
    """Community of each entity: from the analysis run when there is one, else found now (Leiden, seed 7)."""
    if run is not None:
        return {int(e["id"]): e["community"] for e in run["summary"].get("entities", [])
                if e.get("community") is not None}
    return community_finder.communities(graph, method="leiden", seed=7)


def _require(graph: nx.Graph, entity_id: int, case: CaseFile) -> None:
    if entity_id not in graph:
        case.entity(entity_id)           # a clear "no entity N" when it does not exist at all
        raise LinkgraphError(f"entity {entity_id} has no links under this filter")
