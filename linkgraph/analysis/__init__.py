"""Network analysis of a case: one module per finding, combined by `analyze` into one result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from linkgraph.analysis import centrality, communities
from linkgraph.case import CaseFile
from linkgraph.errors import Cancelled
from linkgraph.graph import GraphFilter, build_graph
from linkgraph.progress import Progress, no_progress


@dataclass
class AnalysisParams:
    """Everything that shapes a result, stored with the run so an exhibit can cite it."""

    filter: GraphFilter = field(default_factory=GraphFilter)
    seed: int = 7
    resolution: float = 1.0
    top: int = 25

    def as_dict(self) -> dict[str, Any]:
        return {"filter": self.filter.as_dict(), "seed": self.seed, "resolution": self.resolution, "top": self.top}


def _step(progress: Progress, done: int, total: int, message: str) -> None:
    if progress(done, total, message) is False:
        raise Cancelled("analysis cancelled")


def analyze(case: CaseFile, params: AnalysisParams | None = None, progress: Progress = no_progress) -> dict[str, Any]:
    """Rank entities, find communities and components; returns what `analyze --json` prints."""
    params = params or AnalysisParams()
    steps = 4
    _step(progress, 0, steps, "Building graph")
    graph = build_graph(case, params.filter)
    _step(progress, 1, steps, "Centrality")
    degree = dict(graph.degree())
    between, sample = centrality.betweenness(graph, seed=params.seed)
    pagerank = nx.pagerank(graph, weight="weight") if graph.number_of_edges() else {n: 0.0 for n in graph}
    scores = centrality.key_player_scores(degree, between, pagerank)
    _step(progress, 2, steps, "Communities")
    community = communities.leiden(graph, seed=params.seed, resolution=params.resolution)
    component = communities.components(graph)
    _step(progress, 3, steps, "Summarising")
    nodes = graph.nodes
    ranked = sorted(graph.nodes, key=lambda n: (-scores[n], n))
    entities = [
        {
            "id": n, "type": nodes[n]["type"], "label": nodes[n]["label"], "role": nodes[n].get("role"),
            "minor": nodes[n].get("minor", False), "degree": degree[n], "betweenness": round(between[n], 6),
            "pagerank": round(pagerank[n], 6), "community": community.get(n), "component": component.get(n),
            "score": scores[n],
        }
        for n in ranked
    ]
    groups: dict[int, list[int]] = {}
    for n in ranked:
        groups.setdefault(community[n], []).append(n)
    community_list = [
        {"id": cid, "size": len(members), "members": [nodes[m]["label"] for m in members],
         "member_ids": members}
        for cid, members in sorted(groups.items())
    ]
    sizes: dict[int, int] = {}
    for n in graph.nodes:
        sizes[component[n]] = sizes.get(component[n], 0) + 1
    result = {
        "case": case.name,
        "graph": {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(),
                  "betweenness_sample": sample, "view": params.filter.view},
        "params": params.as_dict(),
        "entities": entities,
        "communities": community_list,
        "components": [{"id": cid, "size": size} for cid, size in sorted(sizes.items())],
    }
    _step(progress, steps, steps, "Done")
    return result
