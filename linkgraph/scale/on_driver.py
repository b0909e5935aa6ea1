"""The graph on the driver: where the snapshot's ties fit (`RunParams.driver_arcs`), one pull of the tie table
gives the iterative measures to numpy, scipy and igraph on the driver, each one pass there instead of a job a
round on the engine: connected components, core numbers (peeling), PageRank, label propagation, its contraction
to the super-graph of groups, the refining rounds and betweenness over the whole graph; a second pull, of the
phones' contacts, gives the number-swap search's rounds the same.

On Spark every round is a job with a fixed cost of seconds and, at 10M calls, a shuffle of the 17M arcs: the
components' 8 rounds took 266 s, k-core's 15 rounds 434 s and label propagation's 10 rounds 143 s there, where
the driver needs seconds for the lot. Over the cap (a fusion centre's 10^9 calls) the rounds stay on the engine,
as before. Each driver measure follows its SQL step rule for rule: components and core numbers are the same
exactly; PageRank runs the same iterations, equal within rounding; label propagation (the same parity, votes,
top weight and smallest label at it), refining (the same gain, ties to the smallest group) and the swap rounds'
join give the same answers wherever the sums are exact (integral weights, as calls'); sums of fractional weights
may round differently from an engine's, which sums in its own order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from linkgraph.analysis.at_scale import sorted_distinct
from linkgraph.scale.engines import Engine, tree_cpu_seconds

if TYPE_CHECKING:
    from linkgraph.scale.analyses import RunParams, RunReport


@dataclass
class DriverGraph:
    """The tie graph on the driver. Nodes are the ids 1..n of `nodes` (`nodes.sql` numbers every tied entity
    densely in key order), held at position id - 1. `a`, `b`, `weight`: the ties as pulled (positions); `starts`,
    `neighbours`, `arc_weight`: both directions of every tie as adjacency lists in position order."""

    n: int
    a: np.ndarray
    b: np.ndarray
    weight: np.ndarray
    starts: np.ndarray
    neighbours: np.ndarray
    arc_weight: np.ndarray

    @classmethod
    def from_ties(cls, n: int, a: np.ndarray, b: np.ndarray, weight: np.ndarray) -> DriverGraph:
        """From ties between positions 0..n-1 (each tie once, either way round)."""
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        weight = np.asarray(weight, dtype=np.float64)
        src = np.concatenate([a, b])
        order = np.argsort(src, kind="stable")
        neighbours = np.concatenate([b, a])[order]
        arc_weight = np.concatenate([weight, weight])[order]
        starts = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=starts[1:])
        return cls(n, a, b, weight, starts, neighbours, arc_weight)

    @property
    def ids(self) -> np.ndarray:
        return np.arange(1, self.n + 1, dtype=np.int64)

    def sources(self) -> np.ndarray:
        """Each arc's own end (position), in the adjacency's order."""
        return np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.starts))

    def degree(self) -> np.ndarray:
        return np.diff(self.starts)


def pull_graph(engine: Engine, params: RunParams, report: RunReport) -> DriverGraph | None:
    """The tie table on the driver, or None where its arcs pass `params.driver_arcs` (0: never) or its ids are
    not the dense 1..n the measures here rely on (then the rounds run on the engine, and the report says why)."""
    ties, nodes = int(report.counts.get("ties") or 0), int(report.counts.get("nodes") or 0)
    if params.driver_arcs <= 0 or not ties:
        return None
    if 2 * ties > params.driver_arcs:
        report.notes.append(f"the graph's {2 * ties} arcs pass the driver's cap of {params.driver_arcs}: components, "
                            "k-core and label propagation ran as rounds on the engine")
        return None
    clock, cpu = time.perf_counter(), tree_cpu_seconds()
    with engine.timed("the graph pulled to the driver"):
        table = engine.arrow("SELECT a, b, weight FROM ties")
        a = table.column("a").to_numpy().astype(np.int64) - 1
        b = table.column("b").to_numpy().astype(np.int64) - 1
        weight = table.column("weight").to_numpy(zero_copy_only=False).astype(np.float64)
        del table
        if len(a) and (min(int(a.min()), int(b.min())) < 0 or max(int(a.max()), int(b.max())) >= nodes):
            report.notes.append("the node ids are not 1..nodes: components, k-core and label propagation ran as "
                                "rounds on the engine")
            return None
        graph = DriverGraph.from_ties(nodes, a, b, weight)
    report.on_driver = {"ties": ties, "arcs": 2 * ties, "nodes": nodes, "cap_arcs": params.driver_arcs,
                        "seconds_pull": round(time.perf_counter() - clock, 2),
                        "cpu_seconds_pull": round(tree_cpu_seconds() - cpu, 2), "measures": []}
    return graph


def keep(engine: Engine, name: str, columns: dict[str, np.ndarray]) -> None:
    """Put a driver result on the engine as the table `name` (int64 columns), written once as a step so later
    queries read a table, not the driver's copy."""
    engine.register(f"{name}_driver", pa.table({k: pa.array(v, pa.int64()) for k, v in columns.items()}))
    engine.materialise(name, f"SELECT * FROM {name}_driver")


def component_labels(graph: DriverGraph) -> np.ndarray:
    """Each node's component label: the smallest id in its component (what `components_step.sql` settles on)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    if not graph.n:
        return np.zeros(0, dtype=np.int64)
    matrix = csr_matrix((np.ones(len(graph.neighbours), dtype=np.int8), graph.neighbours, graph.starts),
                        shape=(graph.n, graph.n))
    _, component = connected_components(matrix, directed=False)
    _, first = np.unique(component, return_index=True)   # positions are in id order: a component's first is its least
    return first[component].astype(np.int64) + 1


def core_numbers(graph: DriverGraph) -> np.ndarray:
    """Each node's core number, by peeling the whole graph (no boundary, the degree as the cap)."""
    from linkgraph.scale.kcore import peel_with_boundary

    none = np.zeros(0, dtype=np.int64)
    return peel_with_boundary(graph.degree(), graph.sources(), graph.neighbours, none, none)


@dataclass
class Propagation:
    """Label propagation's answer on the driver: each node's label (an id), the rounds run, the nodes each moved."""

    labels: np.ndarray
    rounds: int
    moved: list[int]


def arcs_of(graph: DriverGraph, nodes: np.ndarray) -> np.ndarray:
    """The adjacency places of these nodes' arcs, node by node."""
    first, lengths = graph.starts[nodes], graph.starts[nodes + 1] - graph.starts[nodes]
    return np.repeat(first - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))


@dataclass
class Votes:
    """What each voter's neighbours carry: per (voter, label), in voter then label order, the summed weight."""

    voter: np.ndarray
    label: np.ndarray
    weight: np.ndarray

    def firsts(self) -> np.ndarray:
        """Where each voter's votes begin."""
        return np.flatnonzero(np.r_[True, self.voter[1:] != self.voter[:-1]])


def votes(graph: DriverGraph, voters: np.ndarray, labels: np.ndarray) -> Votes:
    """The votes of `voters` (positions, ascending): each neighbour's label in `labels` (non-negative), weighed by
    the tie, summed per label."""
    places = arcs_of(graph, voters)
    voter = np.repeat(voters, graph.starts[voters + 1] - graph.starts[voters])
    carried = labels[graph.neighbours[places]]
    order = np.argsort(voter * (int(labels.max()) + 1) + carried)    # by voter, then label: each vote together
    voter, carried, weight = voter[order], carried[order], graph.arc_weight[places][order]
    if not len(voter):
        return Votes(voter, carried, weight)
    first = np.flatnonzero(np.r_[True, (voter[1:] != voter[:-1]) | (carried[1:] != carried[:-1])])
    return Votes(voter[first], carried[first], np.add.reduceat(weight, first))


def label_propagation(graph: DriverGraph, rounds: int, settled: float) -> Propagation:
    """Weighted label propagation by `lpa_step.sql`'s rule: in round r the nodes whose id + r is even move, each to
    the label its neighbours carry with the most weight (ties: the smallest label); labels start as the ids; stop
    after `rounds`, or after a round past the first that moved at most `settled` of the nodes. A node's vote
    depends on its neighbours' labels only, so from the third round on a node votes again only if a neighbour
    moved since its last vote (two rounds before): the same labels, and late rounds that move few nodes cost few."""
    labels = graph.ids.copy()
    last_moved = np.zeros(graph.n, dtype=np.int64)          # the round each node's label last moved (0: never)
    moved_counts: list[int] = []
    ran = 0
    for number in range(1, rounds + 1):
        ran = number
        moving = (graph.ids + number) % 2 == 0
        if number > 2:
            recent = np.flatnonzero(last_moved >= number - 2)
            touched = np.zeros(graph.n, dtype=bool)
            touched[graph.neighbours[arcs_of(graph, recent)]] = True
            moving &= touched
        cast = votes(graph, np.flatnonzero(moving), labels)
        changed = 0
        if len(cast.voter):
            per_voter = cast.firsts()
            top = np.maximum.reduceat(cast.weight, per_voter)
            at_top = np.flatnonzero(cast.weight == np.repeat(top, np.diff(np.r_[per_voter, len(cast.voter)])))
            chosen = at_top[np.r_[True, cast.voter[at_top][1:] != cast.voter[at_top][:-1]]]  # a voter's least label
            voter, label = cast.voter[chosen], cast.label[chosen]
            moved = voter[label != labels[voter]]
            labels[voter] = label
            last_moved[moved] = number
            changed = len(moved)
        moved_counts.append(changed)
        if number > 1 and changed <= settled * graph.n:
            break
    return Propagation(labels, ran, moved_counts)


def contracted(graph: DriverGraph, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each label a super-node, as `contract.sql`: the label pairs (smaller first) with the summed weight of the
    ties between them (a label's inner ties its self-loop), in label-pair order."""
    la, lb = labels[graph.a], labels[graph.b]
    low, high = np.minimum(la, lb), np.maximum(la, lb)
    if not len(low):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    span = int(high.max()) + 1                                # labels are ids: a pair as one int64
    pairs, inverse = np.unique(low * span + high, return_inverse=True)
    weight = np.bincount(inverse.ravel(), graph.weight, len(pairs))
    return pairs // span, pairs % span, weight


def described(report: RunReport, measure: str, seconds: float, cpu: float, **detail: Any) -> None:
    """Note in the report's `on_driver` that `measure` ran there, with its seconds."""
    report.on_driver.setdefault("measures", []).append(
        {"measure": measure, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), **detail})


def strength(graph: DriverGraph) -> np.ndarray:
    """Each node's strength (the summed weight of its ties), as `degree.sql`."""
    return np.bincount(graph.sources(), graph.arc_weight, graph.n)


@dataclass
class PageRank:
    """PageRank on the driver: each node's score, the iterations run, and whether the stopping rule was met."""

    x: np.ndarray
    rounds: int
    converged: bool


def pagerank(graph: DriverGraph, damping: float, tol: float, max_iter: int) -> PageRank:
    """Weighted PageRank by power iteration, `pagerank_step.sql`'s step and the desktop's rule for stopping
    (the L1 change below n * tol): x' = d (W D^-1 x + dangling / n) + (1 - d) / n."""
    n = graph.n
    weight_of = strength(graph)
    src = graph.sources()
    flowing = weight_of[src] > 0
    arc_src, arc_dst = src[flowing], graph.neighbours[flowing]
    arc_weight, arc_strength = graph.arc_weight[flowing], weight_of[src][flowing]
    dangling_nodes = weight_of <= 0
    x = np.full(n, 1.0 / n)
    for number in range(1, max_iter + 1):
        dangling = float(x[dangling_nodes].sum())
        flow = np.bincount(arc_dst, x[arc_src] * arc_weight / arc_strength, n)
        after = damping * (flow + dangling / n) + (1 - damping) / n
        delta = float(np.abs(after - x).sum())
        x = after
        if delta < n * tol:
            return PageRank(x, number, True)
    return PageRank(x, max_iter, False)


def modularity(graph: DriverGraph, labels: np.ndarray, weight_of: np.ndarray, m: float) -> float:
    """Weighted modularity of the partition `labels` (non-negative group numbers), as `modularity.sql`: inner
    weight / m - sum over groups of (strength / 2m)^2."""
    inner = float(graph.weight[labels[graph.a] == labels[graph.b]].sum())
    totals = np.bincount(labels, weight_of)
    return inner / m - float((totals * totals).sum()) / (4 * m * m)


def refine_round(graph: DriverGraph, labels: np.ndarray, weight_of: np.ndarray, m: float, number: int) -> np.ndarray:
    """One refining round by `refine_step.sql`'s rule: the nodes whose id + `number` is even each move to the
    neighbouring group of the best modularity gain, (k_iD - k_iC) / m - k_i (T_D - T_C + k_i) / 2m^2, when it is
    positive (ties: the smallest group). The new labels (non-negative group numbers)."""
    cast = votes(graph, np.flatnonzero((graph.ids + number) % 2 == 0), labels)
    own = np.zeros(graph.n)
    at_own = cast.label == labels[cast.voter]
    own[cast.voter[at_own]] = cast.weight[at_own]
    vote_of, vote_label, k_in = cast.voter[~at_own], cast.label[~at_own], cast.weight[~at_own]
    if not len(vote_of):
        return labels
    totals = np.bincount(labels, weight_of)
    k_i = weight_of[vote_of]
    gain = (k_in - own[vote_of]) / m - k_i * (totals[vote_label] - totals[labels[vote_of]] + k_i) / (2 * m * m)
    best = np.lexsort((vote_label, -gain, vote_of))           # by voter, best gain first, then smallest group
    vote_of, vote_label, gain = vote_of[best], vote_label[best], gain[best]
    top = np.r_[True, vote_of[1:] != vote_of[:-1]] & (gain > 1e-12)
    after = labels.copy()
    after[vote_of[top]] = vote_label[top]
    return after


@dataclass
class Betweenness:
    """Betweenness over the whole graph on the driver: each node's value, the sources it was summed from (None:
    every node, exact) and each node's 1-based rank (highest first, ties by id)."""

    x: np.ndarray
    sources: int | None
    rank: np.ndarray


def betweenness(graph: DriverGraph, seed: int) -> Betweenness:
    """Normalised betweenness (hops) over the whole graph as the desktop's `centrality.betweenness` computes it:
    exact up to its work limit, else from `sample_size` seeded sources scaled by n/k. The sources are drawn over
    positions in id order (store keys), the desktop's over its case's ids, so a sampled value differs from the
    desktop's by the draw; exact ones are equal."""
    import igraph as ig

    from linkgraph.analysis.centrality import sample_positions, sample_size

    n = graph.n
    if n < 3:
        return Betweenness(np.zeros(n), None, np.arange(1, n + 1, dtype=np.int64))
    k = sample_size(n, len(graph.a))
    k = None if k is not None and k >= n else k
    twin = ig.Graph(n=n, edges=zip(graph.a.tolist(), graph.b.tolist(), strict=True), directed=False)
    if k is None:
        raw = np.asarray(twin.betweenness(directed=False), dtype=float)
    else:
        sources = sample_positions(np.arange(n), k, seed)
        raw = np.asarray(twin.betweenness(directed=False, sources=sources), dtype=float) * n / k
    x = raw * 2.0 / ((n - 1) * (n - 2))
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((graph.ids, -x))] = np.arange(1, n + 1)
    return Betweenness(x, k, rank)


@dataclass
class Contacts:
    """The phones' contacts on the driver (table `contacts`: each (phone, contact) once, both ways), for the
    number-swap search: `starts`/`contact` the contacts of each phone id as adjacency lists, `degree` how many
    phones each id is a contact of (`contact_degree.sql`)."""

    starts: np.ndarray
    contact: np.ndarray
    degree: np.ndarray

    @classmethod
    def pull(cls, engine: Engine, size: int) -> Contacts:
        """The table `contacts` as pulled, laid out over ids 0..size-1 (node ids are at most `size` - 1)."""
        table = engine.arrow("SELECT phone, contact FROM contacts")
        phone = table.column("phone").to_numpy().astype(np.int64)
        contact = table.column("contact").to_numpy().astype(np.int64)
        del table
        return cls.from_pairs(phone, contact, size)

    @classmethod
    def from_pairs(cls, phone: np.ndarray, contact: np.ndarray, size: int) -> Contacts:
        """From the (phone, contact) pairs of `contacts` (each once), over ids 0..size-1."""
        phone, contact = np.asarray(phone, dtype=np.int64), np.asarray(contact, dtype=np.int64)
        order = np.argsort(phone, kind="stable")
        starts = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(phone, minlength=size), out=starts[1:])
        return cls(starts, contact[order], np.bincount(contact, minlength=size))

    def of(self, phones: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(phone, contact) for every contact of these phones, phone by phone."""
        lengths = self.starts[phones + 1] - self.starts[phones]
        first = self.starts[phones]
        places = np.repeat(first - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
        return np.repeat(phones, lengths), self.contact[places]


def shared_contacts(contacts: Contacts, olds: np.ndarray, news: np.ndarray, root: np.ndarray,
                    first: np.ndarray, last: np.ndarray, hub_limit: int, max_overlap: float,
                    max_gap: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One round of the number-swap search's inverted-index join, as `swap_shared.sql`: (old, new, shared) for
    every old and new phone whose dates fit (the new one's first record within [last - max_overlap, last +
    max_gap] of the old one's last) and whose chains differ, with the contacts they share (each contact standing
    for the first number of its chain, an old phone speaking for its whole chain, contacts of more than
    `hub_limit` phones left out), in (old, new) order. `root`: each id's chain's first number (itself if none);
    `first`/`last`: each phone's first and last record."""
    empty = np.zeros(0, dtype=np.int64)
    if not len(olds) or not len(news):
        return empty, empty, empty
    size = len(root)

    def sides(owner: np.ndarray, member: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distinct (owner, rooted contact) of the members' contacts, hubs and the owner's own chain left out."""
        _, contact = contacts.of(member)
        owner = np.repeat(owner, contacts.starts[member + 1] - contacts.starts[member])
        rooted = root[contact]
        degree = contacts.degree[rooted]
        keep = (degree > 0) & (degree <= hub_limit) & (rooted != root[owner])
        pairs = sorted_distinct(owner[keep] * size + rooted[keep])    # ids < size: a pair as one int64
        return pairs // size, pairs % size

    # An old phone's chain: its root and every phone whose root that is.
    old_roots = sorted_distinct(root[olds])
    chained = np.flatnonzero(np.isin(root, old_roots))     # every id whose root is one of them (roots included)
    chain_root, chain_contact = sides(root[chained], chained)
    new_phone, new_contact = sides(news, news)
    # Each old phone takes its chain's contacts.
    by_root = np.argsort(chain_root, kind="stable")
    chain_root, chain_contact = chain_root[by_root], chain_contact[by_root]
    lo, hi = np.searchsorted(chain_root, root[olds], "left"), np.searchsorted(chain_root, root[olds], "right")
    counts = hi - lo
    old_phone = np.repeat(olds, counts)
    old_contact = chain_contact[np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))]
    # The join on the contact and the dates: the new rows in (contact, first second) order, so each old row's
    # partners are one run of them, found by searching: only the pairs whose dates fit are made (all of a
    # contact's olds with all its news were 58M rows at 10M calls, a quarter of them in the window).
    if not len(new_phone) or not len(old_phone):
        return empty, empty, empty
    start = np.floor(first[new_phone]).astype(np.int64)
    t0 = int(start.min())
    span = int(start.max()) - t0 + 1                        # a contact's seconds, one after another
    keys = new_contact * span + (start - t0)
    order = np.argsort(keys, kind="stable")
    keys, new_phone = keys[order], new_phone[order]
    ends = last[old_phone]
    low = np.clip(np.floor(ends - max_overlap).astype(np.int64) - 1 - t0, 0, span - 1)
    high = np.clip(np.ceil(ends + max_gap).astype(np.int64) + 1 - t0, 0, span - 1)
    lo = np.searchsorted(keys, old_contact * span + low, "left")
    counts = np.searchsorted(keys, old_contact * span + high, "right") - lo
    o = np.repeat(old_phone, counts)
    n = new_phone[np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))]
    gap = first[n] - last[o]
    fits = (gap >= -max_overlap) & (gap <= max_gap) & (root[o] != root[n])
    o, n = o[fits], n[fits]
    if not len(o):
        return empty, empty, empty
    pairs, shared = np.unique(o * size + n, return_counts=True)
    return pairs // size, pairs % size, shared.astype(np.int64)
