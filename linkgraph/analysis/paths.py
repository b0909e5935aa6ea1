"""How entities connect: the shortest path between two, every path up to k hops, and the connecting
network of a chosen set (i2's "find connecting network": everything on a shortest path between
any two of them).

Paths count hops (each tie is one step, whatever its weight). Results are ordered by length,
then by the ids along the path, so they never depend on the order ties were loaded in.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations, islice
from typing import Any

import networkx as nx

ENUMERATE_AT_MOST = 10_000      # simple paths examined before sorting (all_paths reports when it stopped)


def _distances(graph: nx.Graph, source: int, cutoff: int | None = None) -> dict[int, int]:
    return nx.single_source_shortest_path_length(graph, source, cutoff=cutoff)


def shortest_path(graph: nx.Graph, a: int, b: int) -> list[int] | None:
    """The fewest-hops path from a to b (lowest ids first among equals), or None when they are not connected."""
    if a not in graph or b not in graph:
        return None
    to_b = _distances(graph, b)
    if a not in to_b:
        return None
    path = [a]
    node = a
    while node != b:
        node = min(n for n in graph[node] if to_b.get(n) == to_b[node] - 1)
        path.append(node)
    return path


def all_paths(graph: nx.Graph, a: int, b: int, *, max_hops: int = 3, limit: int = 100) -> dict[str, Any]:
    """Every simple path from a to b of at most `max_hops` ties: {"paths", "truncated"}, shortest first."""
    if a not in graph or b not in graph or a == b:
        return {"paths": [], "truncated": False}
    found = list(islice(nx.all_simple_paths(graph, a, b, cutoff=max_hops), ENUMERATE_AT_MOST + 1))
    truncated = len(found) > ENUMERATE_AT_MOST or len(found) > limit
    found = sorted(found[:ENUMERATE_AT_MOST], key=lambda p: (len(p), p))[:limit]
    return {"paths": found, "truncated": truncated}


def connecting_network(graph: nx.Graph, ids: Iterable[int], *, max_hops: int | None = None) -> nx.Graph:
    """The subgraph of every tie on a shortest path (up to max_hops) between any two of `ids`.

    Nodes carry `selected=True` for the chosen entities; unconnected chosen entities stay as lone nodes.
    """
    chosen = sorted({i for i in ids if i in graph})
    dist = {s: _distances(graph, s, max_hops) for s in chosen}
    keep_edges: set[tuple[int, int]] = set()
    for s, t in combinations(chosen, 2):
        if t not in dist[s]:
            continue
        total = dist[s][t]
        on_path = {v for v, d in dist[s].items() if d + dist[t].get(v, total + 1) == total}
        for v in on_path:
            for w in graph[v]:
                if w in on_path and dist[s][w] == dist[s][v] + 1:
                    keep_edges.add((min(v, w), max(v, w)))
    sub = nx.Graph(graph.edge_subgraph(keep_edges))
    for s in chosen:
        if s not in sub:
            sub.add_node(s, **graph.nodes[s])
        sub.nodes[s]["selected"] = True
    return sub


def hops(graph: nx.Graph, path: list[int]) -> list[dict[str, Any]]:
    """The ties along a path: from, to, link types and count (what the chart draws between them)."""
    out = []
    for u, v in zip(path, path[1:], strict=False):
        data = graph.edges[u, v]
        out.append({"from": u, "to": v, "types": data.get("types"), "count": data.get("count", 1)})
    return out

