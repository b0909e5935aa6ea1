"""Who matters in the network: degree, weighted degree, betweenness, closeness, eigenvector, PageRank,
k-core, and one combined key-player `score`.

Graphs stay networkx; the numbers are computed by igraph (C) on the same nodes, so a
100,000-entity case takes seconds. All values follow networkx's definitions (normalised
betweenness, Wasserman-Faust closeness, unit-length eigenvector, PageRank with damping
0.85) so small results can be checked against networkx by hand.

Betweenness and closeness cost nodes x edges. They are exact while that product is at
most EXACT_WORK (about 5,000 entities with 50,000 ties); above it they are estimated
from a seeded sample of source nodes whose size is reported (`sample_size`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import igraph as ig
import networkx as nx
import numpy as np
import scipy.sparse as sp

from linkgraph.analysis_choices import LARGE_TIES

EXACT_WORK = 250_000_000        # nodes x edges up to which betweenness and closeness are exact
SAMPLE_WORK = 20_000_000        # above it, about this many edge visits: sample = SAMPLE_WORK / edges ...
MIN_SAMPLE = 32                 # ... but never fewer sources than this (top ranks settle by then; the size is reported)
SMALL_COMPONENT = 1_000         # closeness is exact inside components up to this size
CLOSENESS_PIVOTS = 32           # sampled closeness: mean distance from this many pivots (error about 5%)
# A large case (more ties than LARGE_TIES): the measures that cost most and weigh least in ranking key players
# wait for `full=True` (`linkgraph analyze --full`): closeness and eigenvector are not computed (null), and
# betweenness, one third of the key-player score, is estimated from LARGE_SAMPLE sources instead of MIN_SAMPLE.
# The result says so (`Centrality.left_out`, the analysis's "left_out" -> "large_case" and its first line).
LARGE_SAMPLE = 16             # (top 25 by score: 24 of a 256-source estimate with 16 or 32 sources, 22-24 with 8)
LEFT_OUT_WHEN_LARGE = ("closeness", "eigenvector")


@dataclass
class GraphArrays:
    """A networkx graph as arrays: nodes in id order, edge ends as positions (a < b), edge weight, link count,
    first/last time (NaN when untimed), and an igraph twin with the same vertex and edge order."""

    nodes: list[int]
    index: dict[int, int]
    a: np.ndarray
    b: np.ndarray
    weight: np.ndarray
    count: np.ndarray
    first: np.ndarray
    last: np.ndarray
    igraph: ig.Graph
    _matrix: sp.csr_array | None = field(default=None, repr=False)
    _components: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def of(cls, graph: nx.Graph) -> GraphArrays:
        """Arrays of any networkx graph (edge attributes weight, count, first, last when present)."""
        nodes = sorted(graph.nodes)
        index = {node: i for i, node in enumerate(nodes)}
        m = graph.number_of_edges()
        a = np.empty(m, dtype=np.int64)
        b = np.empty(m, dtype=np.int64)
        values = np.empty((m, 4), dtype=float)
        nan = float("nan")
        for k, (u, v, d) in enumerate(graph.edges(data=True)):
            a[k], b[k] = index[u], index[v]
            first, last = d.get("first"), d.get("last")
            values[k] = (d.get("weight", 1.0), d.get("count", 1), nan if first is None else first,
                         nan if last is None else last)
        return cls._sorted(nodes, index, a, b, values)

    @classmethod
    def from_edges(cls, edges: Any) -> GraphArrays:
        """Arrays straight from folded edges (graph.fold_links: columns a, b, weight, count, first, last),
        for the graph graph.graph_from_edges makes of them; no pass over networkx."""
        nodes, a, b = _positions(edges["a"].to_numpy(np.int64), edges["b"].to_numpy(np.int64))
        values = np.column_stack([edges[c].to_numpy(float) for c in ("weight", "count", "first", "last")]) \
            if len(edges) else np.empty((0, 4))
        listed = nodes.tolist()
        return cls._sorted(listed, {node: i for i, node in enumerate(listed)}, a, b, values)

    @classmethod
    def _sorted(cls, nodes: list[int], index: dict[int, int], a: np.ndarray, b: np.ndarray,
                values: np.ndarray) -> GraphArrays:
        low, high = np.minimum(a, b), np.maximum(a, b)
        if _in_order(low, high):      # folded edges come in this order already: the sort would not move one
            a, b = low, high
        else:
            order = np.lexsort((high, low))
            a, b, values = low[order], high[order], values[order]
        # Pairs of Python ints: igraph reads them about twice as fast as rows of a numpy array, and handed the
        # zip itself (not a list of the pairs) a third faster again: it reads one pair at a time, whose tuple
        # zip then reuses for the next.
        twin = ig.Graph(n=len(nodes), edges=zip(a.tolist(), b.tolist(), strict=True), directed=False)
        return cls(nodes, index, a, b, values[:, 0], values[:, 1].astype(np.int64), values[:, 2], values[:, 3],
                   twin)

    def matrix(self) -> sp.csr_array:
        """The symmetric weighted adjacency matrix (rows and columns in node order)."""
        if self._matrix is None:
            n = len(self.nodes)
            rows = np.r_[self.a, self.b]
            cols = np.r_[self.b, self.a]
            self._matrix = sp.csr_array((np.r_[self.weight, self.weight], (rows, cols)), shape=(n, n))
        return self._matrix

    def components(self) -> np.ndarray:
        """Each node's connected component number (igraph's numbering), computed once per graph."""
        if self._components is None:
            self._components = component_membership(self.igraph)
        return self._components

    def as_dict(self, values: np.ndarray | list[float]) -> dict[int, float]:
        return {node: float(v) for node, v in zip(self.nodes, values, strict=True)}


def _positions(ends_a: np.ndarray, ends_b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct ids of both ends in order, and each end's position among them: as sorted_distinct and
    np.searchsorted give them, by a table indexed by id when the ids are dense enough (a case's ids are
    row numbers), which takes a few passes over the ends instead of a sort and two binary searches."""
    from linkgraph.analysis.at_scale import dense_distinct

    nodes, where = dense_distinct(ends_a, ends_b)
    if where is not None:
        return nodes, where[ends_a], where[ends_b]
    return nodes, np.searchsorted(nodes, ends_a), np.searchsorted(nodes, ends_b)


def _in_order(low: np.ndarray, high: np.ndarray) -> bool:
    """Whether the pairs (low, high) are in lexicographic order already (np.lexsort would keep every one)."""
    if len(low) < 2:
        return True
    ahead = low[1:] > low[:-1]
    return bool(np.all(ahead | ((low[1:] == low[:-1]) & (high[1:] >= high[:-1]))))


def arrays(graph: nx.Graph) -> GraphArrays:
    """The arrays and igraph twin every measure here uses (build once, pass to each measure)."""
    return GraphArrays.of(graph)


def sample_size(nodes: int, edges: int) -> int | None:
    """How many source nodes the estimated measures use; None when they are computed exactly."""
    if nodes * max(edges, 1) <= EXACT_WORK or nodes <= MIN_SAMPLE:
        return None
    return int(min(nodes, max(MIN_SAMPLE, SAMPLE_WORK // max(edges, 1))))


def sample_positions(positions: np.ndarray, k: int, seed: int) -> list[int]:
    """k positions drawn with a seeded generator (the same graph and seed give the same sample); the scale
    engines draw a group's sources by it too."""
    rng = np.random.default_rng(seed)
    return sorted(int(p) for p in rng.choice(positions, size=min(k, len(positions)), replace=False))


def degree(graph: nx.Graph, *, data: GraphArrays | None = None) -> dict[int, int]:
    """Number of distinct neighbours."""
    if data is None:
        return {node: int(d) for node, d in graph.degree()}
    n = len(data.nodes)
    return dict(zip(data.nodes, (np.bincount(data.a, minlength=n) + np.bincount(data.b, minlength=n)).tolist(),
                    strict=True))


def weighted_degree(graph: nx.Graph, *, data: GraphArrays | None = None) -> dict[int, float]:
    """Sum of the weights (link counts) of a node's ties."""
    data = data or arrays(graph)
    strength = np.bincount(data.a, data.weight, len(data.nodes)) + np.bincount(data.b, data.weight, len(data.nodes))
    return data.as_dict(strength)


def component_membership(g: ig.Graph) -> np.ndarray:
    """Each vertex's connected component number, igraph's numbering, as an array: the raw call, without the
    VertexClustering that igraph's wrapper builds in Python (a second per call on a 100,000-node graph)."""
    return np.asarray(ig.GraphBase.connected_components(g, "strong"), dtype=np.int64)


# Sampled betweenness split between two processes: the first sources, done elsewhere, and a call giving igraph's
# sum over them (`source_sum`).
Elsewhere = tuple[list[int], Callable[[], np.ndarray]]


def betweenness(
    graph: nx.Graph, *, seed: int = 7, sample: int | None | bool = True, data: GraphArrays | None = None,
    elsewhere: Elsewhere | None = None,
) -> tuple[dict[int, float], int | None]:
    """Normalised betweenness (hops, unweighted), as nx.betweenness_centrality; returns (values, sample size).

    `sample=True` chooses by size (see sample_size), an int forces that many sources,
    None/False computes exactly. A sampled value is scaled by n/k (an unbiased estimate).
    `elsewhere`: the first sampled sources, whose sum another process computes (see `sampled_sources`); the rest
    are computed here one source at a time and added in source order, as igraph adds them (the same bits).
    """
    data = data or arrays(graph)
    n = len(data.nodes)
    if n < 3:
        return {node: 0.0 for node in data.nodes}, None
    k = _sources_count(n, len(data.a), sample)
    if k is None:
        raw = np.asarray(data.igraph.betweenness(directed=False), dtype=float)
    else:
        sources = sample_positions(np.arange(n), k, seed)
        if elsewhere is None:
            raw = np.asarray(data.igraph.betweenness(directed=False, sources=sources), dtype=float) * n / k
        else:
            raw = _summed(data, sources, elsewhere) * n / k
    return data.as_dict(raw * 2.0 / ((n - 1) * (n - 2))), k


def _sources_count(n: int, edges: int, sample: int | None | bool) -> int | None:
    k = sample_size(n, edges) if sample is True else (sample or None)
    return None if k is not None and k >= n else k


def sampled_sources(data: GraphArrays, *, seed: int = 7, full: bool = True) -> list[int]:
    """The source positions `measure` samples betweenness from on this graph ([] when it is exact)."""
    n = len(data.nodes)
    if n < 3:
        return []
    k = _sources_count(n, len(data.a), _measure_sample(data, full))
    return [] if k is None else sample_positions(np.arange(n), k, seed)


def source_sum(data: GraphArrays, sources: list[int]) -> np.ndarray:
    """igraph's betweenness (unscaled) summed over these sources, in one call: what a sampled betweenness adds
    up over its first sources (igraph adds each source's values in turn, from zero)."""
    if not sources:
        return np.zeros(len(data.nodes))
    return np.asarray(data.igraph.betweenness(directed=False, sources=[int(s) for s in sources]), dtype=float)


def _summed(data: GraphArrays, sources: list[int], elsewhere: Elsewhere) -> np.ndarray:
    """igraph's sampled betweenness (unscaled): the sum over the first sources made elsewhere, then each other
    source's values added in turn, in source order, as igraph's one call adds them (halving each source's
    values or their sum gives the same bits)."""
    head = list(elsewhere[0])
    if sources[:len(head)] != head:
        raise ValueError("the sources computed elsewhere must be the first of the sample")
    own = [np.asarray(data.igraph.betweenness(directed=False, sources=[int(source)]), dtype=float)
           for source in sources[len(head):]]          # made before the wait for the sum made elsewhere
    raw = np.array(elsewhere[1](), dtype=float)
    for row in own:
        raw += row
    return raw


def closeness(
    graph: nx.Graph, *, seed: int = 7, sample: int | None | bool = True, data: GraphArrays | None = None
) -> tuple[dict[int, float], int | None]:
    """Closeness as nx.closeness_centrality (Wasserman-Faust for disconnected graphs); returns (values, sample size).

    Sampled mode: exact inside components up to SMALL_COMPONENT nodes; in larger ones the
    mean distance of a node is estimated from its distances to k seeded pivot nodes.
    """
    data = data or arrays(graph)
    n = len(data.nodes)
    if n < 2:
        return {node: 0.0 for node in data.nodes}, None
    k = sample_size(n, len(data.a)) if sample is True else (sample or None)
    if k is not None and sample is True:
        k = min(k, CLOSENESS_PIVOTS)
    g = data.igraph
    membership = data.components()
    sizes = np.bincount(membership)
    size_of = sizes[membership].astype(float)
    scale = (size_of - 1) / (n - 1)
    values = np.zeros(n)
    if k is None or k >= n:
        small = np.arange(n)
        k = None
    else:
        small = np.flatnonzero(size_of <= SMALL_COMPONENT)
    if len(small):
        inner = np.nan_to_num(np.asarray(g.closeness(vertices=small.tolist(), normalized=True), dtype=float))
        values[small] = inner * scale[small]
    big = np.flatnonzero(size_of > SMALL_COMPONENT) if k is not None else np.array([], dtype=np.int64)
    if len(big):
        pivots = sample_positions(big, k, seed)
        dist = np.asarray(g.distances(source=pivots), dtype=float)
        same = membership[pivots][:, None] == membership[None, :]
        not_self = np.asarray(pivots)[:, None] != np.arange(n)[None, :]
        counted = same & not_self
        total = np.where(counted, dist, 0.0).sum(axis=0)
        hits = counted.sum(axis=0)
        mean = np.divide(total, hits, out=np.zeros(n), where=hits > 0)
        estimate = np.divide(scale, mean, out=np.zeros(n), where=mean > 0)
        values[big] = estimate[big]
    return data.as_dict(values), k


def eigenvector(graph: nx.Graph, *, data: GraphArrays | None = None) -> dict[int, float]:
    """Weighted eigenvector centrality, unit Euclidean length (networkx's convention)."""
    data = data or arrays(graph)
    if not len(data.a):
        return {node: 0.0 for node in data.nodes}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # igraph warns on disconnected graphs; values stay valid
        raw = np.abs(np.asarray(data.igraph.eigenvector_centrality(weights=data.weight.tolist()), dtype=float))
    norm = float(np.linalg.norm(raw))
    return data.as_dict(raw / norm if norm else raw)


def pagerank(
    graph: nx.Graph, *, damping: float = 0.85, tol: float = 1e-6, max_iter: int = 100,
    data: GraphArrays | None = None,
) -> dict[int, float]:
    """Weighted PageRank (sums to 1), nx.pagerank's power iteration on a scipy matrix (same answer, no loop in
    Python); isolated nodes spread their rank evenly, as networkx does."""
    data = data or arrays(graph)
    n = len(data.nodes)
    if n == 0:
        return {}
    matrix = data.matrix()
    strength = np.asarray(matrix.sum(axis=1)).ravel()
    dangling = strength == 0
    inverse = np.divide(1.0, strength, out=np.zeros(n), where=~dangling)
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        previous = x
        x = damping * (matrix @ (x * inverse) + x[dangling].sum() / n) + (1 - damping) / n
        if np.abs(x - previous).sum() < n * tol:
            break
    return data.as_dict(x)


def core_number(graph: nx.Graph, *, data: GraphArrays | None = None) -> dict[int, int]:
    """k-core number: the largest k such that the node is in a subgraph where everyone has k ties or more."""
    data = data or arrays(graph)
    return {node: int(c) for node, c in zip(data.nodes, data.igraph.coreness(), strict=True)}


def key_player_scores(
    degree: dict[int, float], between: dict[int, float], pagerank: dict[int, float]
) -> dict[int, float]:
    """score = mean of three measures, each scaled to 0..1 by its maximum in this graph.

    Degree finds the busy, betweenness the brokers between groups, PageRank those the
    busy ones depend on; a leader is usually high on all three. Rounded to 6 places.
    """
    def scaled(values: dict[int, float]) -> dict[int, float]:
        top = max(values.values(), default=0.0)
        return {k: (v / top if top else 0.0) for k, v in values.items()}

    d, b, p = scaled(degree), scaled(between), scaled(pagerank)
    return {node: round((d[node] + b.get(node, 0.0) + p.get(node, 0.0)) / 3, 6) for node in d}


@dataclass
class Centrality:
    """Every measure for every node, the combined score, and the sample sizes used."""

    degree: dict[int, int]
    weighted_degree: dict[int, float]
    betweenness: dict[int, float]
    closeness: dict[int, float]
    eigenvector: dict[int, float]
    pagerank: dict[int, float]
    core: dict[int, int]
    score: dict[int, float]
    betweenness_sample: int | None
    closeness_sample: int | None
    # The same measures as arrays in the order of `nodes` (GraphArrays.nodes), for the entity list and ranks.
    nodes: list[int] = field(default_factory=list)
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    # Measures not computed on a large case (their values are None); empty when every measure was computed.
    left_out: tuple[str, ...] = ()


def is_large(edges: int) -> bool:
    """Whether a graph of this many ties gets the large-case measures (see LARGE_TIES)."""
    return edges > LARGE_TIES


def _measure_sample(data: GraphArrays, full: bool) -> int | bool:
    """The betweenness `sample` argument `measure` uses: LARGE_SAMPLE sources at most on a large case."""
    chosen = sample_size(len(data.nodes), len(data.a))
    return min(chosen, LARGE_SAMPLE) if not full and is_large(len(data.a)) and chosen is not None else True


def measure(graph: nx.Graph, *, seed: int = 7, data: GraphArrays | None = None, full: bool = True,
            need: Iterable[str] = (), elsewhere: Elsewhere | None = None) -> Centrality:
    """All measures at once, sharing one igraph twin of the graph. `full=False` on a large case (is_large)
    leaves out closeness and eigenvector, except those in `need` (a rule ranks by them), and estimates
    betweenness from LARGE_SAMPLE sources; `left_out` names what was left out. `elsewhere`: betweenness
    sources another process computes (see `betweenness`)."""
    from linkgraph.analysis import at_scale

    data = data or arrays(graph)
    large = not full and is_large(len(data.a))
    needed = set(need)
    left_out = tuple(name for name in LEFT_OUT_WHEN_LARGE if name not in needed) if large else ()
    deg = degree(graph, data=data)
    # Every measure but betweenness first: with `elsewhere`, the other process has more time to give its sources.
    if "closeness" in left_out:
        close, c_sample = dict.fromkeys(data.nodes), None
    else:
        close, c_sample = closeness(graph, seed=seed, data=data)
    rank = pagerank(graph, data=data)
    eigen = dict.fromkeys(data.nodes) if "eigenvector" in left_out else eigenvector(graph, data=data)
    weighted, core = weighted_degree(graph, data=data), core_number(graph, data=data)
    between, b_sample = betweenness(graph, seed=seed, data=data, sample=_measure_sample(data, full),
                                    elsewhere=elsewhere)
    columns = {name: at_scale.column(values, data.nodes) for name, values in (
        ("degree", deg), ("betweenness", between), ("pagerank", rank))}
    score = at_scale.key_player_scores(columns["degree"], columns["betweenness"], columns["pagerank"])
    columns["score"] = score
    for name, values in (("weighted_degree", weighted), ("eigenvector", eigen), ("closeness", close),
                         ("core", core)):
        if name not in left_out:
            columns[name] = at_scale.column(values, data.nodes)
    return Centrality(
        degree=deg, weighted_degree=weighted, betweenness=between, closeness=close, eigenvector=eigen,
        pagerank=rank, core=core, score=dict(zip(data.nodes, score.tolist(), strict=True)),
        betweenness_sample=b_sample, closeness_sample=c_sample, nodes=data.nodes, columns=columns,
        left_out=left_out,
    )
