"""Where each entity sits on a link chart: force-directed, circular by community, hierarchical, peacock.

Every layout takes a networkx graph (as `linkgraph.graph.build_graph` returns it) and gives
`{entity_id: (x, y)}` in chart units (about `SPACING` between neighbours), repeatable for a
seed. igraph does the heavy lifting, so 10,000 entities lay out in well under a second.
Pinned entities keep the position they are given; the rest are laid out around them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import igraph as ig
import networkx as nx
import numpy as np

from linkgraph.analysis.communities import seeded  # igraph's generator is shared: one seeded block at a time
from linkgraph.layout_fast import edge_ends, group_discs, layered

LAYOUTS = ("force", "circular", "hierarchical", "peacock")
LAYOUT_LABELS = {"force": "Force-directed", "circular": "Circular by community", "hierarchical": "Hierarchical",
                 "peacock": "Peacock (phones)"}
SPACING = 80.0                  # chart units between linked entities
BIG = 1500                      # from this many entities the force layout works in two levels
HUGE = 20_000                   # from this many, each group's members sit on a spiral (layout_fast.group_discs)
FAST_FROM = 2000                # from this many entities the hierarchical layout is layout_fast.layered
Positions = dict[int, tuple[float, float]]


def layout(
    graph: nx.Graph,
    name: str = "force",
    *,
    seed: int = 7,
    pinned: Mapping[int, tuple[float, float]] | None = None,
    communities: Mapping[int, int] | None = None,
    ends: tuple[np.ndarray, np.ndarray] | None = None,
) -> Positions:
    """Positions of every node of `graph` by the layout called `name` (one of LAYOUTS).

    `communities` (node -> group) feeds the circular layout; without it the nodes' `community`
    attribute is used, and failing that igraph's multilevel groups. Pinned nodes stay put.
    `ends`: the graph's edges as two arrays of places in `sorted(graph.nodes)` (as `layout_fast.edge_ends`
    gives them), when the caller has read them already (a big chart's force and hierarchical layouts use them).
    """
    if name not in LAYOUTS:
        raise ValueError(f"unknown layout '{name}' (layouts: {', '.join(LAYOUTS)})")
    nodes = sorted(graph.nodes)
    if not nodes:
        return {}
    if name == "force":
        placed = force_directed(graph, seed=seed, communities=communities, ends=ends)
    elif name == "circular":
        placed = circular_by_community(graph, communities, seed=seed)
    elif name == "hierarchical":
        placed = hierarchical(graph, ends=ends)
    else:
        placed = peacock(graph, seed=seed)
    if pinned:
        placed = _respect_pins(placed, {n: p for n, p in pinned.items() if n in placed})
    return placed


def _igraph(graph: nx.Graph, nodes: list[int], ends: tuple[np.ndarray, np.ndarray] | None = None) -> ig.Graph:
    """`graph` in igraph, vertex i being nodes[i] (`ends`: its edges as such numbers, already read by
    `edge_ends`, which is what a big graph is read with here anyway: the same edges in the same order)."""
    if ends is not None and len(nodes) >= FAST_FROM and len(nodes) == graph.number_of_nodes():
        return ig.Graph(n=len(nodes), edges=list(zip(ends[0].tolist(), ends[1].tolist(), strict=True)))
    index = {n: i for i, n in enumerate(nodes)}
    if len(index) >= FAST_FROM and len(index) == graph.number_of_nodes() and not graph.is_multigraph():
        firsts, seconds, _ = edge_ends(graph, index)
        return ig.Graph(n=len(nodes), edges=list(zip(firsts.tolist(), seconds.tolist(), strict=True)))
    edges = [(index[a], index[b]) for a, b in graph.edges() if a in index and b in index]
    return ig.Graph(n=len(nodes), edges=edges)


def _scaled(nodes: list[int], coords: np.ndarray, spacing: float = SPACING) -> Positions:
    """Coordinates centred and scaled so the median distance between graph neighbours-to-be is `spacing`."""
    if len(nodes) == 1:
        return {nodes[0]: (0.0, 0.0)}
    coords = np.asarray(coords, dtype=float)
    coords = coords - coords.mean(axis=0)
    spread = float(np.abs(coords).max()) or 1.0
    target = spacing * math.sqrt(len(nodes)) * 0.8
    coords = coords * (target / spread)
    return {n: (float(x), float(y)) for n, (x, y) in zip(nodes, coords.tolist(), strict=True)}


INSIDE, BETWEEN = 3.0, 0.35     # force layout: pull along ties inside a group, and between groups
ROOM = 0.45                     # entities closer than this many SPACINGs are pushed apart after a force layout


def force_directed(graph: nx.Graph, *, seed: int = 7, communities: Mapping[int, int] | None = None,
                   ends: tuple[np.ndarray, np.ndarray] | None = None) -> Positions:
    """Community-aware Fruchterman-Reingold (igraph): ties inside a group pull harder than ties between groups,
    so groups sit apart and their key players are not piled in the middle; then entities closer than ROOM are
    pushed apart. Groups are the analysis's communities when the nodes carry them, else igraph's multilevel
    ones. Big charts are laid out in two levels (groups placed by force, then each group's members inside its
    own disc), which untangles 10,000 entities in about a second."""
    nodes = sorted(graph.nodes)
    if len(nodes) > BIG:
        return _two_level(graph, nodes, seed, _igraph(graph, nodes, ends), ends)
    g = _igraph(graph, nodes, ends)
    weights = None
    if g.ecount() and len(nodes) > 2:
        group = _groups(graph, communities, seed)
        weights = [INSIDE if group[nodes[a]] == group[nodes[b]] else BETWEEN for a, b in g.get_edgelist()]
    with seeded(seed):
        coords = g.layout_fruchterman_reingold(weights=weights, niter=500, grid=len(nodes) > 500)
    placed = _scaled(nodes, np.array(coords.coords))
    return _make_room(placed, SPACING * ROOM)


def _make_room(placed: Positions, room: float, rounds: int = 40) -> Positions:
    """Push apart entities closer than `room` (icons and labels no longer sit on one another)."""
    nodes = list(placed)
    if len(nodes) < 2 or len(nodes) > 3000:
        return placed
    xy = np.array([placed[n] for n in nodes], dtype=float)
    jitter = np.random.default_rng(7).normal(scale=1e-3, size=xy.shape)
    xy += jitter
    for _ in range(rounds):
        delta = xy[:, None, :] - xy[None, :, :]
        distance = np.hypot(delta[..., 0], delta[..., 1])
        np.fill_diagonal(distance, np.inf)
        close = distance < room
        if not close.any():
            break
        overlap = np.where(close, (room - distance) / 2, 0.0)
        safe = np.where(close, distance, 1.0)
        xy += (delta / safe[..., None] * overlap[..., None]).sum(axis=1) * 0.5
    return {n: (float(x), float(y)) for n, (x, y) in zip(nodes, xy.tolist(), strict=True)}


def _two_level(graph: nx.Graph, nodes: list[int], seed: int, g: ig.Graph | None = None,
               ends: tuple[np.ndarray, np.ndarray] | None = None) -> Positions:
    """Groups (multilevel communities) laid out by force on the graph of groups, members inside each group
    (`g`: the graph already in igraph, vertices in the order of `nodes`; `ends`: its edges as two arrays)."""
    g = g if g is not None else _igraph(graph, nodes)
    membership = _partition(g, seed)
    groups: dict[int, list[int]] = {}
    for i, group in enumerate(membership):
        groups.setdefault(group, []).append(i)
    order = sorted(groups, key=lambda k: (-len(groups[k]), min(groups[k])))
    number = {k: j for j, k in enumerate(order)}
    renumber = np.zeros(max(order) + 1, dtype=np.int64)
    renumber[order] = np.arange(len(order))
    edge_list = np.column_stack(ends) if ends is not None and len(ends[0]) == g.ecount() \
        else np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    tied = renumber[np.asarray(membership, dtype=np.int64)][edge_list]
    tied = np.sort(tied[tied[:, 0] != tied[:, 1]], axis=1)
    pairs, counts = np.unique(tied, axis=0, return_counts=True)   # ties between two groups, counted
    between = {(int(a), int(b)): int(c) for (a, b), c in zip(pairs.tolist(), counts.tolist(), strict=True)}
    quotient = ig.Graph(n=len(order), edges=list(between))
    radius = np.array([SPACING * 0.55 * math.sqrt(len(groups[k])) + SPACING for k in order])
    with seeded(seed):
        centres = np.array(quotient.layout_fruchterman_reingold(
            weights=[math.log1p(w) for w in between.values()] or None, niter=500,
            grid=len(order) > 500).coords, dtype=float)
    centres = _spread(centres, radius)
    if len(nodes) > HUGE:              # a task-force chart: members on a spiral in their group's disc
        members_of = [np.asarray(groups[k], dtype=np.int64) for k in order]
        xy = group_discs(members_of, np.asarray(g.degree(), dtype=np.int64), centres, radius, len(nodes), SPACING)
        return dict(zip(nodes, zip(*xy.T.tolist(), strict=True), strict=True))   # (x, y) floats
    xy = np.zeros((len(nodes), 2))
    for k in order:
        members = groups[k]
        j = number[k]
        if len(members) == 1:
            xy[members[0]] = centres[j]
            continue
        if len(members) <= 3:            # a pair or a trio: side by side in its disc
            ring = np.array([[math.cos(2 * math.pi * i / len(members)), math.sin(2 * math.pi * i / len(members))]
                             for i in range(len(members))])
            xy[members] = centres[j] + ring * SPACING * 0.5
            continue
        sub = g.subgraph(members)
        with seeded(seed):              # a task-force chart: fewer passes per group (its disc bounds it anyway)
            local = np.array(sub.layout_fruchterman_reingold(niter=200, grid=len(members) > 500).coords,
                             dtype=float)
        local -= local.mean(axis=0)
        reach = float(np.hypot(local[:, 0], local[:, 1]).max()) or 1.0
        xy[members] = centres[j] + local * ((radius[j] - SPACING * 0.5) / reach)
    return {n: (float(x), float(y)) for n, (x, y) in zip(nodes, xy.tolist(), strict=True)}


def _spread(centres: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Group centres scaled up until no two groups' discs overlap (a few relaxation passes after)."""
    if len(centres) < 2:
        return np.zeros_like(centres)
    centres = centres - centres.mean(axis=0)
    span = np.hypot(centres[:, 0], centres[:, 1]).max() or 1.0
    centres = centres / span * math.sqrt(float((radius ** 2).sum())) * 1.6
    eye = np.eye(len(centres))
    reach = radius[:, None] + radius[None, :]
    for _ in range(30):           # x and y apart (each a contiguous square): a third of the time of (k, k, 2)
        dx = centres[:, 0, None] - centres[None, :, 0]
        dy = centres[:, 1, None] - centres[None, :, 1]
        distance = np.hypot(dx, dy) + eye
        overlap = np.clip(reach - distance, 0, None)
        np.fill_diagonal(overlap, 0)
        if not overlap.any():
            break
        share = overlap / distance / 2
        centres = centres + np.column_stack([(dx * share).sum(axis=1), (dy * share).sum(axis=1)])
    return centres


def _groups(graph: nx.Graph, communities: Mapping[int, int] | None, seed: int) -> dict[int, int]:
    nodes = sorted(graph.nodes)
    if communities:
        return {n: int(communities.get(n, -1)) for n in nodes}
    given = {n: graph.nodes[n].get("community") for n in nodes}
    if all(v is not None for v in given.values()):
        return {n: int(v) for n, v in given.items()}
    return dict(zip(nodes, _partition(_igraph(graph, nodes), seed), strict=True))


def _partition(g: ig.Graph, seed: int) -> list[int]:
    """Groups of a graph with no communities given: igraph's multilevel ones; above HUGE vertices Leiden's
    (one pass: the same modularity on a task-force chart in a third of the time)."""
    with seeded(seed):
        if g.vcount() > HUGE:
            return g.community_leiden(objective_function="modularity", n_iterations=1).membership
        return g.community_multilevel().membership


def circular_by_community(graph: nx.Graph, communities: Mapping[int, int] | None = None, *, seed: int = 7) -> Positions:
    """Each community a ring of its members (most linked first), the rings spread around one big circle."""
    groups: dict[int, list[int]] = {}
    for node, group in _groups(graph, communities, seed).items():
        groups.setdefault(group, []).append(node)
    degree = dict(graph.degree())
    ordered = sorted(groups.values(), key=lambda m: (-len(m), min(m)))
    radii = [max(SPACING, SPACING * len(m) / (2 * math.pi)) for m in ordered]
    # Big circle circumference: the rings' diameters plus a gap each.
    circumference = sum(2 * r + SPACING for r in radii)
    big = circumference / (2 * math.pi) if len(ordered) > 1 else 0.0
    out: Positions = {}
    angle = 0.0
    for members, radius in zip(ordered, radii, strict=True):
        share = (2 * radius + SPACING) / circumference * 2 * math.pi if len(ordered) > 1 else 0.0
        centre_angle = angle + share / 2
        cx, cy = big * math.cos(centre_angle), big * math.sin(centre_angle)
        angle += share
        members = sorted(members, key=lambda n: (-degree[n], n))
        if len(members) == 1:
            out[members[0]] = (cx, cy)
            continue
        for i, node in enumerate(members):
            a = 2 * math.pi * i / len(members)
            out[node] = (cx + radius * math.cos(a), cy + radius * math.sin(a))
    return out


def hierarchical(graph: nx.Graph, *, ends: tuple[np.ndarray, np.ndarray] | None = None) -> Positions:
    """Top-down tree from the most linked entity of each component (breadth-first levels); components side by side."""
    nodes = sorted(graph.nodes)
    g = _igraph(graph, nodes, ends)
    if len(nodes) >= FAST_FROM:          # the same levels from the same roots, in numpy (layout_fast.layered)
        xy = layered(g, SPACING)
        return dict(zip(nodes, zip(*xy.T.tolist(), strict=True), strict=True))
    degree = g.degree()
    out: Positions = {}
    offset = 0.0
    components = sorted(g.connected_components(), key=lambda c: (-len(c), min(c)))
    singles = [c[0] for c in components if len(c) == 1]
    for component in components:
        if len(component) == 1:
            continue
        root = max(component, key=lambda i: (degree[i], -i))
        coords = np.array(g.layout_reingold_tilford(mode="all", root=[root]).coords)[component]
        coords[:, 0] -= coords[:, 0].min()
        for i, (x, y) in zip(component, coords.tolist(), strict=True):
            out[nodes[i]] = (offset + x * SPACING, y * SPACING * 1.5)
        offset += (coords[:, 0].max() + 2) * SPACING
    for j, i in enumerate(singles):
        out[nodes[i]] = (offset + (j % 20) * SPACING, (j // 20) * SPACING)
    return out


def peacock(graph: nx.Graph, *, seed: int = 7) -> Positions:
    """Hubs laid out by force, each hub's one-contact entities fanned round it like a peacock's tail.

    Fits phone-heavy charts: a target phone with hundreds of numbers that call only it.
    """
    nodes = sorted(graph.nodes)
    leaves = {n for n in nodes if graph.degree(n) == 1}
    tails: dict[int, list[int]] = {}
    for leaf in sorted(leaves):
        hub = next(iter(graph.neighbors(leaf)))
        if hub in leaves:          # a lone pair: the smaller id is the hub
            if leaf < hub:
                continue
        tails.setdefault(hub, []).append(leaf)
    tailed = {n for members in tails.values() for n in members}
    kept = [n for n in nodes if n not in tailed]
    if len(kept) > BIG:                  # a big core: straight to the two-level layout in igraph (no subgraph view)
        index = {n: i for i, n in enumerate(nodes)}
        core_g = _igraph(graph, nodes).induced_subgraph([index[n] for n in kept])
        placed = _two_level(graph, kept, seed, core_g)
    else:
        placed = force_directed(graph.subgraph(kept), seed=seed) if kept else {}
    # Spread hubs apart so their tails have room: scale by the largest tail radius.
    biggest = max((len(m) for m in tails.values()), default=0)
    tail_room = max(SPACING, SPACING * math.sqrt(biggest) * 0.9)
    factor = max(1.0, tail_room * 2 / SPACING)
    out: Positions = {n: (x * factor, y * factor) for n, (x, y) in placed.items()}
    for hub, members in tails.items():
        hx, hy = out[hub]
        ring, used, remaining = 0, 0, len(members)
        for i, leaf in enumerate(sorted(members)):
            capacity = 12 * (ring + 1)
            if i - used >= capacity:
                used += capacity
                remaining -= capacity
                ring += 1
                capacity = 12 * (ring + 1)
            slots = min(capacity, remaining)
            a = 2 * math.pi * (i - used) / slots + ring * 0.25
            r = SPACING * (1 + ring * 0.7)
            out[leaf] = (hx + r * math.cos(a), hy + r * math.sin(a))
    return out


def _respect_pins(placed: Positions, pinned: Mapping[int, tuple[float, float]]) -> Positions:
    """The pinned nodes at their pinned places; the rest shifted so the layout's centre of the pinned ones matches."""
    if not pinned:
        return placed
    dx = sum(pinned[n][0] - placed[n][0] for n in pinned) / len(pinned)
    dy = sum(pinned[n][1] - placed[n][1] for n in pinned) / len(pinned)
    out = {n: (x + dx, y + dy) for n, (x, y) in placed.items()}
    out.update({n: (float(p[0]), float(p[1])) for n, p in pinned.items()})
    return out


def around(centre: tuple[float, float], count: int, *, radius: float = SPACING, start: float = 0.0) -> list[tuple[float, float]]:
    """`count` places on a ring round `centre` (for neighbours brought in by an expand)."""
    cx, cy = centre
    return [(cx + radius * math.cos(start + 2 * math.pi * i / max(count, 1)),
             cy + radius * math.sin(start + 2 * math.pi * i / max(count, 1))) for i in range(count)]
