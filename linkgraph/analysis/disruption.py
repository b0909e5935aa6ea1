"""Key players for disruption: which few entities, if removed (arrested, phone seized), fragment the
network most, with the component sizes before and after each removal.

Greedy, one entity per step: remove the one that leaves the fewest pairs of entities still
able to reach each other (Borgatti's fragmentation, KPP-Neg). Each step is exact over every
node, not a sample: only cut vertices split a component, and the pieces a cut vertex leaves
are read off one linear pass: `key_players` finds the cut vertices from scipy's depth-first
order with numpy passes and masks a removed entity; `key_players_reference`, which tests hold
it to, reads them off igraph's block-cut tree and deletes the vertex.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any

import igraph as ig
import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import depth_first_order

from linkgraph.analysis import at_scale
from linkgraph.analysis.at_scale import sorted_distinct
from linkgraph.analysis.centrality import GraphArrays, arrays, component_membership

# Who can be a target: people and what they carry (a hotel or a cell tower is not arrested).
TARGET_TYPES = ("Person", "Phone", "Account", "Device", "Email", "OnlineAccount", "Vehicle")


def _pairs(sizes: Iterable[int] | np.ndarray) -> int:
    s = np.asarray(sizes if isinstance(sizes, np.ndarray) else list(sizes), dtype=np.int64)
    return int((s * (s - 1) // 2).sum())


def state(g: ig.Graph, top: int = 5, membership: np.ndarray | None = None, count: int | None = None) -> dict[str, Any]:
    """Components, the largest sizes, reachable pairs and fragmentation (0 = all connected, 1 = all apart).
    `membership`: the graph's component numbers when the caller has them already; `count`: the entities left
    when that is fewer than the graph holds (a last removal read off the block-cut tree, not made in igraph)."""
    n = g.vcount() if count is None else count
    if membership is None and n:
        membership = component_membership(g)
    return state_of_sizes(np.bincount(membership) if n else np.empty(0, dtype=np.int64), top)


def state_of_sizes(sizes: np.ndarray, top: int = 5) -> dict[str, Any]:
    """`state` of a graph whose components hold these many entities each (in any order)."""
    sizes = np.sort(np.asarray(sizes, dtype=np.int64))[::-1]
    n = int(sizes.sum())
    reachable = _pairs(sizes)
    every = n * (n - 1) // 2
    return {
        "entities": n, "components": len(sizes), "largest": sizes[:top].tolist(), "reachable_pairs": reachable,
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

    Returns {"before", "removed": [{id, label, type, step, ...state after}], "after"}. Each step is one
    depth-first pass over arrays, and a removal masks the entity instead of rebuilding the graph (see
    `key_players_reference`, which tests hold this to: igraph's block-cut tree, the vertex deleted); a graph
    with a self-loop or a repeated tie, or a score that is not a number, takes the reference's way."""
    data = data or arrays(graph)
    scores = scores or {}
    if not _plain(data, scores):
        return _greedy(graph, k=k, scores=scores, types=types, data=data, read_pieces=True)
    return _greedy_on_arrays(graph, k=k, scores=scores, types=types, data=data)


def _plain(data: GraphArrays, scores: dict[int, float]) -> bool:
    """Whether the fast route applies: at least one tie, none a self-loop or repeated (the arrays are sorted by
    their ends), the adjacency matrix naming each tie once each way, and every score a number (a NaN would
    order ties as the reference's tuples do, not as numpy)."""
    a, b = data.a, data.b
    if not len(a) or (a == b).any() or ((a[1:] == a[:-1]) & (b[1:] == b[:-1])).any():
        return False
    if data.matrix().nnz != 2 * len(a):
        return False
    return not np.isnan(np.fromiter(scores.values(), dtype=float, count=len(scores))).any()


def _greedy_on_arrays(graph: nx.Graph, *, k: int, scores: dict[int, float], types: Iterable[str] | None,
                      data: GraphArrays) -> dict[str, Any]:
    """`_greedy` on the search rows: each step's pass gives every entity's pairs left and the pieces each
    removal leaves, so the states follow from component sizes without asking igraph again."""
    ids = data.nodes
    nodes = graph.nodes
    allowed = set(types) if types else None
    before = state(data.igraph, membership=data.components())
    rows = _SearchRows.of(data)
    count, ties = len(ids), len(data.a)
    removed = []
    current = before
    target: dict[int, bool] = {}                  # entity position -> whether its type can be removed

    def can_remove(v: int) -> bool:
        if v not in target:
            target[v] = allowed is None or nodes[ids[v]].get("type") in allowed
        return target[v]

    every_score: list[np.ndarray] = []

    def score_of(positions: np.ndarray) -> np.ndarray:
        if len(positions) > MANY_TIED and not every_score:
            every_score.append(at_scale.column(scores, ids))
        if every_score:
            return every_score[0][positions]
        return np.fromiter((scores.get(ids[v], 0.0) for v in positions.tolist()), dtype=float,
                           count=len(positions))

    for step in range(1, k + 1):
        if count < 2 or ties == 0:
            break
        cut = _cut_pass(rows)
        v = _choice(cut.after, ids, score_of, can_remove)
        if v is None:
            break
        node = ids[v]
        current = state_of_sizes(cut.sizes_without(v))
        removed.append({"step": step, "id": node, "label": nodes[node].get("label", str(node)),
                        "type": nodes[node].get("type"), **current})
        count -= 1
        if step < k:
            ties -= len(rows.neighbours(v))
            rows.remove(v)
    return {"before": before, "removed": removed, "after": current}


def _choice(after: np.ndarray, ids: list[int], scores: Callable[[np.ndarray], np.ndarray],
            can_remove: Callable[[int], bool]) -> int | None:
    """The entity position `_greedy` chooses: the fewest pairs left among those that can be removed, then the
    higher score, then the lower id (positions are in id order); None when no entity left can be removed."""
    after = after.copy()
    while True:
        least = int(after.min()) if len(after) else NONE
        if least == NONE:
            return None
        tied = np.flatnonzero(after == least)
        for v in tied[np.lexsort((tied, -scores(tied)))].tolist():
            if can_remove(v):
                return int(v)
        after[tied] = NONE


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


# --- The fast route: cut vertices from scipy's depth-first order and numpy passes, removals as masked entries ---

HUB_ROW = 256        # entries per row for the depth-first search: a longer row is split into chained rows
# (scipy's search rescans a row from its start each time it comes back to that vertex: quadratic on a hub's row)


@dataclass
class _SearchRows:
    """The graph as rows for scipy's depth-first search. Rows 0..n-1 are the entities' neighbours, row n the
    start, listing every entity (each component's first entity found is its root), then the continuations of
    rows longer than HUB_ROW (a row's last entry names its continuation). A removed entity is never reached:
    every entry naming it is pointed at the start, which is reached first."""

    n: int
    matrix: sp.csr_array
    owner: np.ndarray                      # row -> the entity whose neighbours it lists (n: the start's rows)

    @classmethod
    def of(cls, data: GraphArrays) -> _SearchRows:
        """The rows of the graph's adjacency: the PageRank matrix's (`GraphArrays.matrix`), which names each
        neighbour once for a graph with neither a self-loop nor a repeated tie (`_plain`)."""
        n = len(data.nodes)
        matrix = data.matrix()
        # Row n: the start, listing every entity.
        length = np.r_[np.diff(matrix.indptr), n].astype(np.int64)
        kind = np.int32 if n + 2 + (matrix.nnz + n) // HUB_ROW < 2**31 - 1 else np.int64
        entries = np.concatenate([matrix.indices.astype(kind), np.arange(n, dtype=kind)])
        first = np.r_[0, np.cumsum(length)]
        long = np.flatnonzero(length > HUB_ROW)
        # A long list keeps its first HUB_ROW entries in its own row, then names its first continuation; the
        # rest fill continuation rows of HUB_ROW (each but the list's last naming the next), after row n.
        over = length[long] - HUB_ROW
        pieces = -(-over // HUB_ROW)                            # continuation rows of each long list
        next_row = n + 1 + np.cumsum(pieces) - pieces          # the first continuation row of each
        moved = at_scale.ranges(first[long] + HUB_ROW, first[long] + length[long])              # the entries the continuations hold, in order
        keep = np.ones(len(entries), dtype=bool)
        keep[moved] = False
        kept = entries[keep]
        own = np.cumsum(over) - over                            # entries moved out before each long list
        head = np.insert(kept, first[long] - own + HUB_ROW, next_row.astype(entries.dtype))
        # Continuation row i of a list: HUB_ROW entries (fewer in its last), then the next row's number.
        between = np.repeat(np.arange(len(long)), pieces - 1)   # one per continuation that names a next one
        at = _counts(pieces - 1) + 1
        tail = np.insert(entries[moved], own[between] + at * HUB_ROW,
                         (next_row[between] + at).astype(entries.dtype))
        rows = n + 1 + int(pieces.sum())
        row_length = np.r_[np.minimum(length, HUB_ROW) + (length > HUB_ROW),
                           np.minimum(HUB_ROW, np.repeat(over, pieces) - HUB_ROW * _counts(pieces))
                           + (_counts(pieces) < np.repeat(pieces, pieces) - 1)]
        indptr_out = np.r_[0, np.cumsum(row_length)].astype(entries.dtype)
        matrix = sp.csr_array((np.ones(len(head) + len(tail)), np.r_[head, tail], indptr_out), shape=(rows, rows))
        list_of_row = np.r_[np.arange(n + 1), np.repeat(long, pieces)]
        return cls(n, matrix, list_of_row)

    def neighbours(self, v: int) -> np.ndarray:
        """The entities v's rows name (the start for one removed already); continuation rows left out."""
        named = []
        for row in np.flatnonzero(self.owner == v).tolist():
            entries = self.matrix.indices[self.matrix.indptr[row]:self.matrix.indptr[row + 1]]
            named.append(entries[entries < self.n])
        return np.concatenate(named) if named else np.empty(0, dtype=np.int64)

    def remove(self, v: int) -> None:
        """Entity v is removed: entries naming it name the start instead (reached first, so never followed)."""
        indices = self.matrix.indices
        indices[indices == v] = self.n


@dataclass
class _CutPass:
    """One depth-first pass over the entities left: each one's reachable pairs once removed (`after`; the
    entities removed already hold NONE), and what a removal leaves: the components' sizes, each entity's
    component, and the pieces a cut vertex separates (their sizes, and the cut vertex they hang from)."""

    after: np.ndarray
    sizes: np.ndarray                      # component -> entities in it
    component: np.ndarray                  # entity -> its component (-1: removed)
    piece_of: np.ndarray                   # entity whose removal separates each piece
    piece_size: np.ndarray

    def sizes_without(self, v: int) -> np.ndarray:
        """The component sizes once v is removed: its component gives way to the pieces it leaves."""
        c = int(self.component[v])
        pieces = self.piece_size[self.piece_of == v]
        rest = int(self.sizes[c]) - 1 - int(pieces.sum())
        return np.r_[self.sizes[:c], self.sizes[c + 1:], pieces, [rest] if rest else []].astype(np.int64)


NONE = np.iinfo(np.int64).max         # the pairs left "after" removing an entity removed already
MANY_TIED = 1_000                      # ties beyond this many: every entity's score read once, as an array


def _cut_pass(rows: _SearchRows) -> _CutPass:
    """Cut vertices by Hopcroft-Tarjan on scipy's depth-first order: a child's subtree is one contiguous run of
    the order, its low point the least position its entries name (a range minimum over the run), and it is
    separated from its parent when that low point is not above the parent's position."""
    n, matrix, owner = rows.n, rows.matrix, rows.owner
    order, parent = depth_first_order(matrix, n, directed=True, return_predecessors=True)
    count = len(order)
    total_rows = matrix.shape[0]
    kind = np.int32 if count < 2**31 - 1 else np.int64                # positions: half the memory to read
    place = np.full(total_rows, count, dtype=kind)                    # not reached: past the end
    place[order] = np.arange(count, dtype=kind)
    # Each reached row's least position among itself and what its entries name (the start: never).
    named = place.copy()
    named[n] = count
    named = named[matrix.indices]
    start = matrix.indptr[:-1]
    filled = np.flatnonzero(matrix.indptr[1:] > start)
    least = place.copy()
    least[filled] = np.minimum(least[filled], np.minimum.reduceat(named, start[filled]))
    least = least[order]
    # Each node's subtree runs from its place to past its last descendant: follow last children down.
    above = place[parent[order[1:]]]
    last = np.full(count, -1, dtype=kind)
    np.maximum.at(last, above, np.arange(1, count, dtype=kind))
    reach = np.where(last >= 0, last, np.arange(count, dtype=kind))
    moving = np.flatnonzero(last >= 0)
    while len(moving):
        step = reach[reach[moving]]
        still = step != reach[moving]
        reach[moving] = step
        moving = moving[still]
    end = reach + 1
    low = _range_minimum(least, np.arange(count, dtype=kind), end)
    # Entities (rows below n) in order; their parent entity (the owner of the row they were found from).
    entity = order < n
    counted = np.r_[0, np.cumsum(entity)]
    size = counted[end] - counted[:-1]
    up = np.r_[-1, owner[parent[order[1:]]]]
    root = entity & (up == n)
    child = entity & (up >= 0) & (up < n)
    separated = np.flatnonzero(child & (low >= place[np.where(child, up, 0)]))
    sizes = size[root]
    component_in_order = np.cumsum(root) - 1
    component = np.full(n, -1, dtype=np.int64)
    component[order[entity]] = component_in_order[entity]
    piece_of, piece_size = up[separated], size[separated]
    alive = component >= 0
    whole = np.where(alive, sizes[np.maximum(component, 0)], 0)
    total = int((sizes * (sizes - 1) // 2).sum())
    after = np.where(alive, total - np.maximum(whole - 1, 0), NONE)
    cut = np.flatnonzero(np.bincount(piece_of, minlength=n))        # the cut vertices
    if len(cut):
        apart = np.bincount(piece_of, weights=piece_size, minlength=n).astype(np.int64)[cut]
        apart_pairs = np.bincount(piece_of, weights=piece_size * (piece_size - 1) // 2,
                                  minlength=n).astype(np.int64)[cut]
        s = whole[cut]
        rest = s - 1 - apart
        after[cut] = total - s * (s - 1) // 2 + apart_pairs + rest * (rest - 1) // 2
    return _CutPass(after, sizes, component, piece_of, piece_size)


def _range_minimum(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """min(values[lo[i]:hi[i]]) for every i (each range not empty), from a sparse table of minima."""
    table = [values]
    width = 1
    while 2 * width <= len(values):
        prev = table[-1]
        table.append(np.minimum(prev[:-width], prev[width:]))
        width *= 2
    level = np.frexp((hi - lo).astype(float))[1] - 1
    out = np.empty(len(lo), dtype=values.dtype)
    for k, row in enumerate(table):
        at = np.flatnonzero(level == k)
        if len(at):
            out[at] = np.minimum(row[lo[at]], row[hi[at] - (1 << k)])
    return out


def _counts(lengths: np.ndarray) -> np.ndarray:
    """0, 1, ..., l-1 for each l in lengths, one after another."""
    lengths = np.asarray(lengths, dtype=np.int64)
    return np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
