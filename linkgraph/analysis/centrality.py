"""Who matters in the network: degree, betweenness, PageRank and one combined key-player score."""

from __future__ import annotations

import networkx as nx

EXACT_BETWEENNESS_UP_TO = 5_000
BETWEENNESS_SAMPLE = 500


def betweenness(graph: nx.Graph, *, seed: int = 7) -> tuple[dict[int, float], int | None]:
    """Normalised betweenness: exact up to EXACT_BETWEENNESS_UP_TO nodes, sampled above (returns the sample size)."""
    n = graph.number_of_nodes()
    if n <= EXACT_BETWEENNESS_UP_TO:
        return nx.betweenness_centrality(graph, normalized=True), None
    k = min(BETWEENNESS_SAMPLE, n)
    return nx.betweenness_centrality(graph, k=k, normalized=True, seed=seed), k


def key_player_scores(
    degree: dict[int, float], between: dict[int, float], pagerank: dict[int, float]
) -> dict[int, float]:
    """score = mean of the three measures, each scaled to 0..1 by its maximum in this graph.

    Degree finds the busy, betweenness the brokers between groups, PageRank those the
    busy ones depend on; a leader is usually high on all three.
    """
    def scaled(values: dict[int, float]) -> dict[int, float]:
        top = max(values.values(), default=0.0)
        return {k: (v / top if top else 0.0) for k, v in values.items()}

    d, b, p = scaled(degree), scaled(between), scaled(pagerank)
    return {node: round((d[node] + b.get(node, 0.0) + p.get(node, 0.0)) / 3, 6) for node in d}
