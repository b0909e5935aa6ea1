"""Which groups exist: Leiden communities (default, seeded, repeatable), Louvain (option), connected
components, and a summary of each community an analyst can read.

Both community methods optimise weighted modularity with igraph's C implementations
(a 100,000-entity graph takes about a second); igraph draws its random numbers from a
generator seeded for the call, so the same graph and seed give the same groups.
Groups are numbered by size, largest first (ties: smallest member id first).
"""

from __future__ import annotations

import math
import random
import re
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import igraph as ig
import networkx as nx
import numpy as np

from linkgraph.analysis import at_scale
from linkgraph.analysis.centrality import GraphArrays, arrays
from linkgraph.analysis_choices import METHODS

CONVERGE_UP_TO = 200_000        # Leiden iterates to a stable partition up to this many ties, else 2 passes


_RANDOM = threading.Lock()      # igraph's generator is process-wide: one seeded block at a time


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """igraph draws from a generator seeded with `seed` inside the block; Python's `random` is put back after.
    Blocks in other threads wait, so a GUI worker and a command never share the generator's draws."""
    with _RANDOM:
        ig.set_random_number_generator(random.Random(seed))
        try:
            yield
        finally:
            ig.set_random_number_generator(random)


def leiden(
    graph: nx.Graph, *, seed: int = 7, resolution: float = 1.0, data: GraphArrays | None = None
) -> dict[int, int]:
    """Node -> community number (0 = largest), by Leiden on weighted modularity; repeatable for a seed."""
    data = data or arrays(graph)
    if not data.nodes:
        return {}
    iterations = -1 if len(data.a) <= CONVERGE_UP_TO else 2
    with seeded(seed):
        parts = data.igraph.community_leiden(
            objective_function="modularity", weights=data.weight.tolist(), resolution=resolution,
            n_iterations=iterations,
        )
    return at_scale.numbered(data.nodes, parts.membership)


def louvain(
    graph: nx.Graph, *, seed: int = 7, resolution: float = 1.0, data: GraphArrays | None = None
) -> dict[int, int]:
    """Node -> community number (0 = largest), by Louvain (multilevel) on weighted modularity; repeatable for a seed."""
    data = data or arrays(graph)
    if not data.nodes:
        return {}
    with seeded(seed):
        parts = data.igraph.community_multilevel(weights=data.weight.tolist(), resolution=resolution)
    return at_scale.numbered(data.nodes, parts.membership)


def communities(
    graph: nx.Graph, *, method: str = "leiden", seed: int = 7, resolution: float = 1.0,
    data: GraphArrays | None = None,
) -> dict[int, int]:
    """Node -> community number by the method named ('leiden' or 'louvain'; 'auto' and 'multiplex' need the
    layers: see `multiplex`, used by analysis.analyze)."""
    if method in ("auto", "multiplex"):
        method = "leiden"
    if method not in METHODS:
        raise ValueError(f"unknown community method '{method}' (methods: {', '.join(METHODS)})")
    chosen = leiden if method == "leiden" else louvain
    return chosen(graph, seed=seed, resolution=resolution, data=data)


# Layers of one network: each link type belongs to one (types not named here go to "other ties").
LAYERS = {
    "calls": ("call", "sms", "same_ad"),
    "meetings": ("stayed_at", "booked", "seen_at", "located_at"),
    "money": ("paid", "transferred"),
    "devices": ("uses", "owns"),
    "ads": ("posted", "listed_in", "near_duplicate"),
}
OTHER_LAYER = "other ties"


def layer_of(link_type: str) -> str:
    """The layer a link type belongs to (calls, meetings, money, devices, ads, other ties)."""
    for name, types in LAYERS.items():
        if link_type in types:
            return name
    return OTHER_LAYER


@dataclass
class Layer:
    """One layer of the network on the same nodes as the whole graph: tie ends as node positions, weights."""

    name: str
    a: np.ndarray
    b: np.ndarray
    weight: np.ndarray

    def igraph(self, n: int) -> ig.Graph:
        g = ig.Graph(n=n, edges=list(zip(self.a.tolist(), self.b.tolist(), strict=True)), directed=False)
        g.es["weight"] = self.weight.tolist()
        return g


def layers_of(links: Any, data: GraphArrays) -> list[Layer]:
    """The links behind a graph split by layer (see LAYERS), each folded into ties on the graph's nodes;
    a pair left out of the graph (by the minimum weight) stays out of every layer. Empty layers are dropped."""
    from linkgraph.graph import fold_links

    if not len(links) or not data.nodes:
        return []
    names = np.array([layer_of(str(t)) for t in links["type"].cat.categories]) \
        if hasattr(links["type"], "cat") else None
    kinds = names[links["type"].cat.codes.to_numpy()] if names is not None else \
        np.array([layer_of(str(t)) for t in links["type"]])
    nodes = np.asarray(data.nodes, dtype=np.int64)
    span = len(nodes)
    whole = data.a * span + data.b
    out = []
    for name in [*LAYERS, OTHER_LAYER]:
        chosen = links[kinds == name]
        if not len(chosen):
            continue
        edges = fold_links(chosen)
        ends_a, ends_b = edges["a"].to_numpy(np.int64), edges["b"].to_numpy(np.int64)
        pos_a, pos_b = np.searchsorted(nodes, ends_a), np.searchsorted(nodes, ends_b)
        pos_a, pos_b = np.minimum(pos_a, span - 1), np.minimum(pos_b, span - 1)
        known = (nodes[pos_a] == ends_a) & (nodes[pos_b] == ends_b)
        low, high = np.minimum(pos_a, pos_b), np.maximum(pos_a, pos_b)
        known &= np.isin(low * span + high, whole)
        if known.any():
            out.append(Layer(name, low[known], high[known], edges["weight"].to_numpy(float)[known]))
    return out


def multiplex(
    data: GraphArrays, layers: list[Layer], *, seed: int = 7, resolution: float = 1.0
) -> tuple[dict[int, int], dict[str, float]]:
    """Node -> community number (0 = largest) found on all layers at once (leidenalg's multiplex Leiden on
    weighted modularity, each layer counting once), and each layer's own modularity for those groups."""
    import leidenalg

    if not data.nodes:
        return {}, {}
    n = len(data.nodes)
    graphs = [layer.igraph(n) for layer in layers]
    iterations = -1 if len(data.a) <= CONVERGE_UP_TO else 2
    membership, _ = leidenalg.find_partition_multiplex(
        graphs, leidenalg.RBConfigurationVertexPartition, n_iterations=iterations, seed=seed,
        weights="weight", resolution_parameter=resolution)
    numbered = at_scale.numbered(data.nodes, membership)
    ordered = [numbered[node] for node in data.nodes]
    per_layer = {layer.name: round(float(g.modularity(ordered, weights="weight")), 6) if g.ecount() else 0.0
                 for layer, g in zip(layers, graphs, strict=True)}
    return numbered, per_layer


def layer_modularity(data: GraphArrays, layers: list[Layer], membership: dict[int, int]) -> dict[str, float]:
    """Each layer's modularity for a partition found some other way (how well the groups hold in each layer)."""
    if not data.nodes:
        return {}
    n = len(data.nodes)
    ordered = [membership[node] for node in data.nodes]
    out = {}
    for layer in layers:
        g = layer.igraph(n)
        out[layer.name] = round(float(g.modularity(ordered, weights="weight")), 6) if g.ecount() else 0.0
    return out


def components(graph: nx.Graph, *, data: GraphArrays | None = None) -> dict[int, int]:
    """Node -> connected component number (0 = largest)."""
    if data is not None:
        membership = data.components().tolist()
        return at_scale.numbered(data.nodes, membership)
    found = {}
    for number, part in enumerate(nx.connected_components(graph)):
        for node in part:
            found[node] = number
    return _numbered(found)


def modularity(graph: nx.Graph, membership: dict[int, int], *, data: GraphArrays | None = None) -> float:
    """Weighted modularity of a partition (how much more the groups talk inside than chance would say)."""
    data = data or arrays(graph)
    if not len(data.a):
        return 0.0
    return float(data.igraph.modularity([membership[n] for n in data.nodes], weights=data.weight.tolist()))


def summarize(
    graph: nx.Graph,
    membership: dict[int, int],
    scores: dict[int, float],
    *,
    top: int = 5,
    data: GraphArrays | None = None,
) -> list[dict[str, Any]]:
    """Per community: size, members (labels, by score), top members, internal vs external links, time span.

    Links are counted as records (an edge of 12 calls counts 12); `internal_ties` and
    `external_ties` count distinct pairs. first/last span the community's internal links.
    """
    data = data or arrays(graph)
    if not data.nodes:
        return []
    group = np.array([membership[n] for n in data.nodes], dtype=np.int64)
    count = int(group.max()) + 1
    ga, gb = group[data.a], group[data.b]
    inside = ga == gb
    internal_links = np.bincount(ga, np.where(inside, data.count, 0), count)
    internal_ties = np.bincount(ga[inside], minlength=count)
    # A group's external ties and links: all those at its members' ends, less its internal ones (two ends each).
    external_links = np.bincount(ga, data.count, count) + np.bincount(gb, data.count, count) - 2 * internal_links
    external_ties = np.bincount(ga, minlength=count) + np.bincount(gb, minlength=count) - 2 * internal_ties
    first, last = at_scale.group_extremes(ga, data.first, data.last, count, inside)
    ids = np.asarray(data.nodes, dtype=np.int64)
    positions, bounds = at_scale.members_in_score_order(ids, group, at_scale.column(scores, data.nodes))
    nodes = dict(graph.nodes(data=True))        # plain lookups (networkx's node view costs more per call)
    listed = data.nodes
    labels = [nodes[m].get("label", str(m)) for m in listed]
    member_ids = [listed[p] for p in positions]
    member_labels = [labels[p] for p in positions]
    # Each group's member types (group_name stops once every naming kind present has given its labels).
    kind_of = [nodes[m].get("type") for m in listed]
    names = sorted({k for k in kind_of if k is not None}, key=str)
    code = {k: i + 1 for i, k in enumerate(names)}
    codes = np.fromiter((code.get(k, 0) for k in kind_of), dtype=np.int64, count=len(kind_of))
    pairs = at_scale.sorted_distinct(group * (len(names) + 1) + codes)
    present: list[list[Any]] = [[] for _ in range(len(bounds) - 1)]
    group_ids = at_scale.sorted_distinct(group)
    where = np.searchsorted(group_ids, pairs // (len(names) + 1))
    for k, c in zip(where.tolist(), (pairs % (len(names) + 1)).tolist(), strict=True):
        present[k].append(names[c - 1] if c else None)
    out = []
    for k, cid in enumerate(group_ids.tolist()):
        lo, hi = bounds[k], bounds[k + 1]
        ids = member_ids[lo:hi]
        out.append({
            "id": cid, "name": group_name(cid, ids, nodes, kinds=present[k]), "size": len(ids), "members": member_labels[lo:hi],
            "member_ids": ids,
            "top_members": [{"id": m, "label": nodes[m].get("label", str(m)), "type": nodes[m].get("type"),
                             "score": scores.get(m, 0.0)} for m in ids[:top]],
            "internal_links": int(internal_links[cid]), "external_links": int(external_links[cid]),
            "internal_ties": int(internal_ties[cid]), "external_ties": int(external_ties[cid]),
            "first": None if math.isinf(first[cid]) else int(first[cid]),
            "last": None if math.isinf(last[cid]) else int(last[cid]),
        })
    return out


# What names a group, best first: people, then what people carry, then places and firms; never an ad.
NAMING_TYPES = ("Person", "Phone", "OnlineAccount", "Email", "Account", "Vehicle", "Device", "Business",
                "Organization", "Hotel", "Location")
_ID_LIKE = re.compile(r"^(?:ad[:\s#-]*)?[0-9a-f:_#-]{6,}$|^(?:ad|id|row|entity)\s*[:#]?\s*\d+$", re.I)


def group_name(cid: int, ids: list[int], nodes: Any, count: int = 3, kinds: Collection[Any] | None = None) -> str:
    """A community as an analyst reads it: its top people or phones by label ("Haskins, Mims +12"),
    never an ad id or a database id; members come in score order.

    One pass over the members, stopping once enough people are found (a group of 50,000 phones is not read
    eleven times over); `group_name_reference` is the plain kind-by-kind reading that tests hold it to.
    `kinds`: the entity types among the members, when the caller knows them: the pass then also stops once
    every naming kind present has given all the labels it can (a group of phones only: after a few phones)."""
    rank = {kind: i for i, kind in enumerate(NAMING_TYPES)}
    found: list[list[str]] = [[] for _ in NAMING_TYPES]       # per kind: its first distinct usable labels
    enough = 2 * count - 1        # a kind gives at most `count` labels after at most `count - 1` taken before it
    open_kinds = None if kinds is None else {rank[k] for k in kinds if k in rank}
    walk = [] if open_kinds is not None and not open_kinds else ids       # [] when no member can name the group
    for m in walk:
        attrs = nodes[m]
        place = rank.get(attrs.get("type"))
        if place is None or len(found[place]) >= enough:
            continue
        label = str(attrs.get("label") or "").strip()
        if label and label not in found[place] and not _ID_LIKE.match(label):
            found[place].append(label)
            if place == 0 and len(found[0]) >= count:
                break
            if open_kinds is not None and len(found[place]) >= enough:
                open_kinds.discard(place)
                if not open_kinds:
                    break
    chosen: list[str] = []
    for labels in found:
        for label in labels:
            if len(chosen) == count:
                break
            if label not in chosen:
                chosen.append(label)
        if len(chosen) == count:
            break
    if not chosen:
        return f"group {cid + 1} ({len(ids)} entities)"
    more = len(ids) - len(chosen)
    return ", ".join(chosen) + (f" +{more}" if more > 0 else "")


def group_name_reference(cid: int, ids: list[int], nodes: Any, count: int = 3) -> str:
    """`group_name` read plainly, kind by kind over every member (the reference for tests)."""
    chosen: list[str] = []
    for kind in NAMING_TYPES:
        for m in ids:
            if len(chosen) == count:
                break
            attrs = nodes[m]
            label = str(attrs.get("label") or "").strip()
            if attrs.get("type") == kind and label and not _ID_LIKE.match(label) and label not in chosen:
                chosen.append(label)
        if len(chosen) == count:
            break
    if not chosen:
        return f"group {cid + 1} ({len(ids)} entities)"
    more = len(ids) - len(chosen)
    return ", ".join(chosen) + (f" +{more}" if more > 0 else "")


def _numbered(membership: dict[int, int]) -> dict[int, int]:
    """Renumber groups by size (largest first), ties by smallest member id: stable across runs. The plain
    reading that at_scale.numbered (used on igraph's memberships) is held to."""
    groups: dict[int, list[int]] = {}
    for node, group in membership.items():
        groups.setdefault(group, []).append(node)
    order = sorted(groups.values(), key=lambda members: (-len(members), min(members)))
    return {node: number for number, members in enumerate(order) for node in members}
