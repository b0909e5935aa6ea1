"""Key players for disruption: which few entities, if removed (arrested, phone seized), fragment the
network most, with the component sizes before and after each removal.

Greedy, one entity per step: remove the one that leaves the fewest pairs of entities still
able to reach each other (Borgatti's fragmentation, KPP-Neg). Each step is exact over every
node, not a sample: only cut vertices split a component, and the pieces a cut vertex leaves
are read off the block-cut tree of the biconnected components (one linear pass in igraph).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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


def state(g: ig.Graph, top: int = 5, membership: np.ndarray | None = None, count: int | None = None) -> dict[str, Any]:
    """Components, the largest sizes, reachable pairs and fragmentation (0 = all connected, 1 = all apart).
    `membership`: the graph's component numbers when the caller has them already; `count`: the entities left
    when that is fewer than the graph holds (a last removal read off the block-cut tree, not made in igraph)."""
    n = g.vcount() if count is None else count
    if membership is None and n:
        membership = component_membership(g)
    sizes = sorted(np.bincount(membership).tolist(), reverse=True) if n else []
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
    return _block_cut(g, ends, membership).after


@dataclass
class _BlockCut:
    """One pass over the biconnected components: each vertex's reachable pairs once removed (`after`), and the
    block-cut forest it was read from (tree nodes: blocks 0..nb-1, then cut vertices), kept to read the pieces
    a removal leaves (`membership_without`) instead of finding the components again."""

    after: np.ndarray
    nb: int
    cut_index: np.ndarray                  # vertex -> its cut vertex number, -1 for a vertex in one block only
    vertex_block: np.ndarray               # vertex in one block only -> that block (-1: in none, no tie)
    parent: np.ndarray                     # tree node -> its parent in the forest (-1: a root, or not in a tree)
    order: list[int]                       # the tree nodes reached from a cut vertex, each after its parent
    neighbours: list[list[int]]

    def membership_without(self, membership: np.ndarray, v: int) -> np.ndarray | None:
        """The graph's component numbers once vertex v is removed (v's entry dropped; numbers dense, not
        igraph's): the pieces a cut vertex leaves are its subtrees in the forest and the rest of its component.
        None when v was a component of its own (the caller asks igraph)."""
        c = int(membership[v])
        if self.cut_index[v] < 0:
            rest = np.delete(membership, v)
            return rest if (rest == c).any() else None
        x = self.nb + int(self.cut_index[v])
        children = [y for y in self.neighbours[x] if y != self.parent[x]]
        label = np.full(len(self.parent), -1, dtype=np.int64)
        label[children] = np.arange(len(children))
        for z in self.order:                   # a node below a child of x is in that child's piece
            p = self.parent[z]
            if label[z] < 0 and p >= 0 and p != x and label[p] >= 0:
                label[z] = label[p]
        node = np.where(self.cut_index >= 0, self.nb + self.cut_index, self.vertex_block)
        piece = np.where(node >= 0, label[np.maximum(node, 0)], -1)
        piece[v] = -1
        numbers = int(membership.max()) + 1 + np.arange(len(children), dtype=np.int64)
        if ((membership == c) & (piece < 0)).sum() == 1:      # nothing left beside v: the first piece keeps c
            numbers = np.r_[c, numbers[:-1]]
        out = membership.copy()
        moved = piece >= 0
        out[moved] = numbers[piece[moved]]
        return np.delete(out, v)


def _block_cut(g: ig.Graph, ends: np.ndarray | None, membership: np.ndarray) -> _BlockCut:
    """`pairs_after_removal`, with the block-cut forest it reads the pieces from."""
    sizes = np.bincount(membership)
    total = _pairs(sizes.tolist())
    size_of = sizes[membership]
    after = total - np.maximum(size_of - 1, 0)           # a non-cut vertex: its component shrinks by one
    n = g.vcount()
    # The raw call (edge ids per block): igraph's wrapper turns every block into a sorted vertex list first.
    blocks, cuts = ig.GraphBase.biconnected_components(g, True)
    cut_index = np.full(n, -1, dtype=np.int64)
    vertex_block = np.full(n, -1, dtype=np.int64)
    nb = len(blocks)
    if not cuts:                                          # no vertex splits a component (no piece to read)
        return _BlockCut(after, nb, cut_index, vertex_block, np.full(nb, -1, dtype=np.int64), [],
                         [[] for _ in range(nb)])
    if ends is None:
        ends = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    sizes_of_blocks = np.fromiter((len(b) for b in blocks), dtype=np.int64, count=nb)
    block_of_edge = np.repeat(np.arange(nb, dtype=np.int64), sizes_of_blocks)
    edge_ids = np.fromiter(chain.from_iterable(blocks), dtype=np.int64, count=int(sizes_of_blocks.sum()))
    pairs = sorted_distinct(np.r_[block_of_edge * n + ends[edge_ids, 0], block_of_edge * n + ends[edge_ids, 1]])
    pair_block, pair_vertex = pairs // n, pairs % n
    cut_at = {v: i for i, v in enumerate(cuts)}
    cut_index[np.asarray(cuts, dtype=np.int64)] = np.arange(len(cuts))
    is_cut = cut_index[pair_vertex] >= 0
    vertex_block[pair_vertex[~is_cut]] = pair_block[~is_cut]
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
    every: list[int] = []
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
        every.extend(order)
    for v, i in cut_at.items():
        x = nb + i
        whole = int(subtree[root_of[x]])
        pieces = [int(subtree[y]) for y in neighbours[x] if y != parent[x]]
        rest = whole - int(subtree[x])
        if rest > 0:
            pieces.append(rest)
        after[v] = total - whole * (whole - 1) // 2 + _pairs(pieces)
    return _BlockCut(after, nb, cut_index, vertex_block, parent, every, neighbours)


def key_players(
    graph: nx.Graph,
    *,
    k: int = 5,
    scores: dict[int, float] | None = None,
    types: Iterable[str] | None = TARGET_TYPES,
    data: GraphArrays | None = None,
) -> dict[str, Any]:
    """Remove up to k entities greedily (fewest reachable pairs left); ties go to the higher score, then lower id.

    Returns {"before", "removed": [{id, label, type, step, ...state after}], "after"}. The components each
    removal leaves are read off the pass that chose it (see `key_players_reference`: igraph finds them again)."""
    return _greedy(graph, k=k, scores=scores, types=types, data=data, read_pieces=True)


def key_players_reference(
    graph: nx.Graph,
    *,
    k: int = 5,
    scores: dict[int, float] | None = None,
    types: Iterable[str] | None = TARGET_TYPES,
    data: GraphArrays | None = None,
) -> dict[str, Any]:
    """`key_players` as plainly as it reads: igraph finds the components again after each removal (tests hold
    the fast one to this)."""
    return _greedy(graph, k=k, scores=scores, types=types, data=data, read_pieces=False)


def _greedy(graph: nx.Graph, *, k: int, scores: dict[int, float] | None, types: Iterable[str] | None,
            data: GraphArrays | None, read_pieces: bool) -> dict[str, Any]:
    data = data or arrays(graph)
    scores = scores or {}
    g = data.igraph.copy()
    ids = list(data.nodes)
    nodes = graph.nodes
    allowed = set(types) if types else None
    membership = data.components() if g.vcount() else None
    before = state(g, membership=membership)
    removed = []
    count = g.vcount()
    # The edges as igraph orders them (the twin is built from data.a, data.b in that order); deleting a
    # vertex keeps the other edges' order and shifts the later vertex numbers down by one.
    ends = np.column_stack([data.a, data.b]).astype(np.int64) if len(data.a) else np.empty((0, 2), np.int64)
    for step in range(1, k + 1):
        if g.vcount() < 2 or g.ecount() == 0:
            break
        tree = _block_cut(g, ends, membership)
        after = tree.after
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
        left = tree.membership_without(membership, v) if read_pieces else None
        if left is not None and step == k:         # the last removal: nothing more is computed on the graph
            count = g.vcount() - 1
        else:
            g.delete_vertices(v)
            ends = ends[(ends[:, 0] != v) & (ends[:, 1] != v)]
            ends = ends - (ends > v)
            count = g.vcount()
        if not count:
            membership = None
        elif left is not None:
            membership = left
        else:
            membership = component_membership(g)
        removed.append({"step": step, "id": node, "label": nodes[node].get("label", str(node)),
                        "type": nodes[node].get("type"), **state(g, membership=membership, count=count)})
    return {"before": before, "removed": removed, "after": state(g, membership=membership, count=count)}
