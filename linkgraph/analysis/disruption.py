"""Key players for disruption: which few entities, if removed (arrested, phone seized), fragment the
network most, with the component sizes before and after each removal.

Greedy, one entity per step: remove the one that leaves the fewest pairs of entities still
able to reach each other (Borgatti's fragmentation, KPP-Neg). Each step is exact over every
node, not a sample: only cut vertices split a component, and the pieces a cut vertex leaves
are read off the block-cut tree of the biconnected components (one linear pass in igraph).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import Any

import igraph as ig
import networkx as nx
import numpy as np

from linkgraph.analysis.at_scale import sorted_distinct
from linkgraph.analysis.centrality import GraphArrays, arrays, component_membership

# Who can be a target: people and what they carry (a hotel or a cell tower is not arrested).
TARGET_TYPES = ("Person", "Phone", "Account", "Device", "Email", "OnlineAccount", "Vehicle")


def _pairs(sizes: Iterable[int]) -> int:
    return int(sum(s * (s - 1) // 2 for s in sizes))


def state(g: ig.Graph, top: int = 5, membership: np.ndarray | None = None) -> dict[str, Any]:
    """Components, the largest sizes, reachable pairs and fragmentation (0 = all connected, 1 = all apart).
    `membership`: the graph's component numbers when the caller has them already."""
    if membership is None and g.vcount():
        membership = component_membership(g)
    sizes = sorted(np.bincount(membership).tolist(), reverse=True) if g.vcount() else []
    n = g.vcount()
    reachable = _pairs(sizes)
    every = n * (n - 1) // 2
    return {
        "entities": n, "components": len(sizes), "largest": sizes[:top], "reachable_pairs": reachable,
        "fragmentation": round(1 - reachable / every, 6) if every else 0.0,
    }


def pairs_after_removal(g: ig.Graph, ends: np.ndarray | None = None,
                        membership: np.ndarray | None = None) -> np.ndarray:
    """For every vertex: how many pairs can still reach each other once it is removed.

    `ends`: the graph's edges as an (m, 2) array in igraph's edge order, when the caller keeps them
    (reading a million edges back from igraph costs about a second); `membership`: its component numbers."""
    if membership is None:
        membership = component_membership(g)
    sizes = np.bincount(membership)
    total = _pairs(sizes.tolist())
    size_of = sizes[membership]
    after = total - np.maximum(size_of - 1, 0)           # a non-cut vertex: its component shrinks by one
    # The raw call (edge ids per block): igraph's wrapper turns every block into a sorted vertex list first.
    blocks, cuts = ig.GraphBase.biconnected_components(g, True)
    if not cuts:
        return after
    cut_at = {v: i for i, v in enumerate(cuts)}
    nb = len(blocks)
    n = g.vcount()
    if ends is None:
        ends = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    sizes_of_blocks = np.fromiter((len(b) for b in blocks), dtype=np.int64, count=nb)
    block_of_edge = np.repeat(np.arange(nb, dtype=np.int64), sizes_of_blocks)
    edge_ids = np.fromiter(chain.from_iterable(blocks), dtype=np.int64, count=int(sizes_of_blocks.sum()))
    pairs = sorted_distinct(np.r_[block_of_edge * n + ends[edge_ids, 0], block_of_edge * n + ends[edge_ids, 1]])
    pair_block, pair_vertex = pairs // n, pairs % n
    cut_index = np.full(n, -1, dtype=np.int64)
    cut_index[np.asarray(cuts, dtype=np.int64)] = np.arange(len(cuts))
    is_cut = cut_index[pair_vertex] >= 0
    weight = np.zeros(nb + len(cuts), dtype=np.int64)
    weight[nb:] = 1
    weight[:nb] = np.bincount(pair_block[~is_cut], minlength=nb)
    neighbours: list[list[int]] = [[] for _ in range(nb + len(cuts))]
    for j, i in zip(pair_block[is_cut].tolist(), cut_index[pair_vertex[is_cut]].tolist(), strict=True):
        neighbours[j].append(nb + i)
        neighbours[nb + i].append(j)
    parent = np.full(nb + len(cuts), -1, dtype=np.int64)
    subtree = weight.copy()
    seen = np.zeros(nb + len(cuts), dtype=bool)
    root_of = np.zeros(nb + len(cuts), dtype=np.int64)
    for root in range(nb, nb + len(cuts)):
        if seen[root]:
            continue
        order = [root]
        seen[root] = True
        k = 0
        while k < len(order):
            x = order[k]
            k += 1
            for y in neighbours[x]:
                if not seen[y]:
                    seen[y] = True
                    parent[y] = x
                    order.append(y)
        for x in reversed(order):
            root_of[x] = root
            if parent[x] >= 0:
                subtree[parent[x]] += subtree[x]
    for v, i in cut_at.items():
        x = nb + i
        whole = int(subtree[root_of[x]])
        pieces = [int(subtree[y]) for y in neighbours[x] if y != parent[x]]
        rest = whole - int(subtree[x])
        if rest > 0:
            pieces.append(rest)
        after[v] = total - whole * (whole - 1) // 2 + _pairs(pieces)
    return after


def key_players(
    graph: nx.Graph,
    *,
    k: int = 5,
    scores: dict[int, float] | None = None,
    types: Iterable[str] | None = TARGET_TYPES,
    data: GraphArrays | None = None,
) -> dict[str, Any]:
    """Remove up to k entities greedily (fewest reachable pairs left); ties go to the higher score, then lower id.

    Returns {"before", "removed": [{id, label, type, step, ...state after}], "after"}.
    """
    data = data or arrays(graph)
    scores = scores or {}
    g = data.igraph.copy()
    ids = list(data.nodes)
    nodes = graph.nodes
    allowed = set(types) if types else None
    membership = data.components() if g.vcount() else None
    before = state(g, membership=membership)
    removed = []
    # The edges as igraph orders them (the twin is built from data.a, data.b in that order); deleting a
    # vertex keeps the other edges' order and shifts the later vertex numbers down by one.
    ends = np.column_stack([data.a, data.b]).astype(np.int64) if len(data.a) else np.empty((0, 2), np.int64)
    for step in range(1, k + 1):
        if g.vcount() < 2 or g.ecount() == 0:
            break
        after = pairs_after_removal(g, ends, membership)
        best = None
        for v in np.argsort(after, kind="stable"):
            node = ids[int(v)]
            if allowed is not None and nodes[node].get("type") not in allowed:
                continue
            key = (int(after[v]), -scores.get(node, 0.0), node)
            if best is None or key < best[0]:
                best = (key, int(v))
            elif key[0] > best[0][0]:
                break
        if best is None:
            break
        v = best[1]
        node = ids.pop(v)
        g.delete_vertices(v)
        ends = ends[(ends[:, 0] != v) & (ends[:, 1] != v)]
        ends = ends - (ends > v)
        membership = component_membership(g) if g.vcount() else None
        removed.append({"step": step, "id": node, "label": nodes[node].get("label", str(node)),
                        "type": nodes[node].get("type"), **state(g, membership=membership)})
    return {"before": before, "removed": removed, "after": state(g, membership=membership)}
