"""Layouts for task-force charts (tens of thousands of entities), vectorised with numpy beside the plain ones.

`linkgraph.layout` keeps the reference layouts (igraph's Reingold-Tilford tree, Fruchterman-Reingold in
every group); they take minutes on 100,000 entities. The layouts here give the same picture in a second or
two and are used from `linkgraph.layout.FAST_FROM` entities up:

- `layered`: the hierarchical layout's levels are the same breadth-first depths from the same root (the most
  linked entity of each component); within a level entities are ordered by the mean place of their
  neighbours one level up, then down, then up again (barycentre sweeps), which keeps a parent's children
  together without building the tree layout.
- `group_discs`: the inside of each group for the two-level force layout: members on a sunflower spiral, the
  most linked at the centre and the rest evenly spaced outwards, so no two sit on one another and the key
  players of a group are its middle.
"""

from __future__ import annotations

import math
from itertools import chain
from typing import Any

import igraph as ig
import networkx as nx
import numpy as np

GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))


def edge_ends(graph: nx.Graph, index: dict[Any, int], *, data: bool = False) -> tuple[np.ndarray, np.ndarray, list]:
    """Every edge of a (di)graph as two arrays of `index` numbers (each undirected edge once), read straight
    from the adjacency (three times faster than walking `graph.edges(data=True)` on 300,000 edges); with
    `data`, the edges' attribute dicts in the same order. Every end must be in `index`."""
    adjacency = graph._adj if isinstance(graph._adj, dict) else graph.adj   # the plain dict when there is one
    degree = np.fromiter(map(len, adjacency.values()), dtype=np.int64, count=len(adjacency))
    firsts = np.repeat(np.fromiter(map(index.__getitem__, adjacency), dtype=np.int64, count=len(adjacency)), degree)
    seconds = np.fromiter(map(index.__getitem__, chain.from_iterable(adjacency.values())), dtype=np.int64,
                          count=int(degree.sum()))
    attrs = list(chain.from_iterable(neighbours.values() for neighbours in adjacency.values())) if data else []
    if not graph.is_directed():
        once = np.flatnonzero(firsts <= seconds)          # a self-loop is listed once already
        firsts, seconds = firsts[once], seconds[once]
        attrs = [attrs[i] for i in once.tolist()] if data else []
    return firsts, seconds, attrs


def bfs_depths(g: ig.Graph) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Per vertex: its breadth-first depth from its component's root and its component number (components
    numbered largest first, ties by lowest vertex); and the roots. The root is the most linked vertex (the
    lowest index among equals), as in the reference hierarchical layout."""
    n = g.vcount()
    degree = np.asarray(g.degree(), dtype=np.int64)
    depth = np.zeros(n, dtype=np.int64)
    component = np.zeros(n, dtype=np.int64)
    parts = sorted(g.connected_components(), key=lambda c: (-len(c), min(c)))
    roots = []
    for number, members in enumerate(parts):
        members_array = np.asarray(members, dtype=np.int64)
        component[members_array] = number
        best = members_array[np.lexsort((members_array, -degree[members_array]))[0]]
        roots.append(int(best))
        if len(members) == 1:
            continue
        order, starts, _ = g.bfs(int(best))
        for level in range(len(starts) - 1):
            depth[order[starts[level]:starts[level + 1]]] = level
    return depth, component, roots


def _rank_within(keys: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each element's 0-based rank by `keys` among the elements sharing its group number, centred on 0."""
    order = np.lexsort((keys, groups))
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    counts = np.diff(np.r_[starts, len(order)])
    first = np.repeat(starts, counts)
    rank = np.empty(len(order), dtype=float)
    rank[order] = np.arange(len(order)) - first - (np.repeat(counts, counts) - 1) / 2.0
    return rank


def _neighbour_mean(x: np.ndarray, src: np.ndarray, dst: np.ndarray, n: int, fallback: np.ndarray) -> np.ndarray:
    """Mean of x over each vertex's neighbours along the directed pairs src -> dst (fallback where none)."""
    total = np.bincount(dst, weights=x[src], minlength=n)
    count = np.bincount(dst, minlength=n)
    return np.where(count > 0, total / np.maximum(count, 1), fallback)


def layered(g: ig.Graph, spacing: float) -> np.ndarray:
    """(x, y) per vertex: levels by breadth-first depth (y = depth x 1.5 spacing), barycentre order within a
    level, components side by side (largest first), lone vertices in rows of twenty after them."""
    n = g.vcount()
    xy = np.zeros((n, 2))
    if not n:
        return xy
    depth, component, _ = bfs_depths(g)
    edges = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    a, b = edges[:, 0], edges[:, 1]
    down = depth[b] == depth[a] + 1                 # a one level above b
    up = depth[a] == depth[b] + 1
    parent_src = np.r_[a[down], b[up]]              # from the upper end ...
    parent_dst = np.r_[b[down], a[up]]              # ... to the lower end
    level = component * (int(depth.max()) + 1) + depth
    x = _rank_within(np.arange(n, dtype=float), level)
    for direction in ("down", "up", "down"):
        if direction == "down":
            key = _neighbour_mean(x, parent_src, parent_dst, n, x)
        else:
            key = _neighbour_mean(x, parent_dst, parent_src, n, x)
        # ties keep the current order (a small share of the current place breaks them)
        x = _rank_within(key + x * 1e-6, level)
    sizes = np.bincount(component)
    lone = sizes[component] == 1
    widths = np.zeros(len(sizes))
    np.maximum.at(widths, component, x + 0.5)
    offset = np.r_[0.0, np.cumsum(2 * widths + 2)[:-1]]
    xy[:, 0] = (offset[component] + widths[component] + x) * spacing
    xy[:, 1] = depth * spacing * 1.5
    if lone.any():
        start = (offset[sizes > 1].max() + 2 * widths[sizes > 1].max() + 2) if (sizes > 1).any() else 0.0
        singles = np.flatnonzero(lone)               # in component order: lowest vertex first
        singles = singles[np.argsort(component[singles], kind="stable")]
        j = np.arange(len(singles))
        xy[singles, 0] = (start + j % 20) * spacing
        xy[singles, 1] = (j // 20) * spacing
    return xy


def group_discs(members_of: list[np.ndarray], degree: np.ndarray, centres: np.ndarray, radius: np.ndarray,
                n: int, spacing: float) -> np.ndarray:
    """(x, y) per vertex for the two-level force layout's groups: each group's members on a sunflower spiral
    inside its disc (centre, radius), most linked first at the middle, lowest vertex first among equals."""
    xy = np.zeros((n, 2))
    for j, members in enumerate(members_of):
        members = np.asarray(members, dtype=np.int64)
        if len(members) == 1:
            xy[members[0]] = centres[j]
            continue
        ordered = members[np.lexsort((members, -degree[members]))]
        k = np.arange(len(ordered), dtype=float)
        r = np.sqrt((k + 0.5) / len(ordered)) * max(radius[j] - spacing * 0.5, spacing * 0.5)
        angle = k * GOLDEN_ANGLE
        xy[ordered, 0] = centres[j][0] + r * np.cos(angle)
        xy[ordered, 1] = centres[j][1] + r * np.sin(angle)
    return xy
