"""Exact core numbers at any scale: h-index rounds on the engine while they move many nodes, then the nodes
still able to fall settled on the driver, checked by the engine.

The iterated h-index (Lü et al. 2016) starts from the degree and only ever lowers a node's value, which stays an
upper bound of its core number; where no node would move any more, the values are the core numbers (a fixed
point's nodes at k or more form a subgraph of minimum degree k). Its rounds are synchronous, so a fall crosses
one tie a round: at 10M calls long runs of nodes fell by one a round for 955 rounds.

No fall lands lower than the lowest landing of the round before (a node's supporters only fall to that landing
or above, so it keeps that many), hence once the nodes of a round fell no lower than m, every node at m or below
has its core number. Once a round moves few nodes (`RunParams.kcore_handoff`), the driver pulls the nodes above
m and those that fell, with their ties; their other neighbours' values are a fixed boundary. It settles them by
peeling (Batagelj and Zaversnik's order; a boundary neighbour counts while the level is at or below its value),
writes the lowered values back, and one engine step recomputes the neighbours of every node lowered or fallen:
if none moves, the values are the core numbers.

The driver's pull is bounded (`RunParams.kcore_driver_arcs` arcs; ~80 bytes each at the peak). Over the cap
the pull grows from the fallen nodes one tie a job as far as the cap allows; each such pull is sound (values only
fall, and stay upper bounds), and the check's moved nodes seed the next one (the pull is widened) until nothing
moves. `max_rounds` bounds the engine jobs (rounds, checks and growth): reached, the manifest says the values are
upper bounds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from linkgraph.scale.engines import Engine, sql_text

if TYPE_CHECKING:
    from linkgraph.scale.analyses import RunParams, RunReport

def peel_with_boundary(cap: np.ndarray, inner_src: np.ndarray, inner_dst: np.ndarray, outer_src: np.ndarray,
                       outer_value: np.ndarray) -> np.ndarray:
    """Core numbers of nodes 0..n-1 whose ties among themselves are the arcs inner_src -> inner_dst (both
    directions listed) and who also have boundary neighbours of fixed values (outer_src -> outer_value), each
    at most `cap` (an upper bound the engine already had). The largest values with every node having at least
    its value of neighbours at its value or above; with no boundary and cap = degree, the core numbers.

    Peeling by levels: at level k a node leaves once fewer than k of its remaining neighbours and boundary
    neighbours valued k or more are left, or its cap is below k; it gets k - 1. Vectorised by waves (a wave
    removes every node that fell short at once), so a long chain costs one small step per node of its length."""
    n = len(cap)
    cap = np.asarray(cap, dtype=np.int64)
    core = np.zeros(n, dtype=np.int64)
    if not n:
        return core
    inner_src = np.asarray(inner_src)
    if len(inner_src) > 1 and bool((inner_src[1:] < inner_src[:-1]).any()):
        order = np.argsort(inner_src)
        neighbours = np.asarray(inner_dst, dtype=np.int64)[order]
    else:                                # pulled in order of src: the adjacency lists as they are
        neighbours = np.asarray(inner_dst, dtype=np.int64)
    inner = np.bincount(inner_src, minlength=n).astype(np.int64)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(inner, out=starts[1:])
    outer = np.bincount(outer_src, minlength=n).astype(np.int64)
    by_value = np.argsort(outer_value)
    boundary_value = np.asarray(outer_value, dtype=np.int64)[by_value]
    boundary_src = np.asarray(outer_src, dtype=np.int64)[by_value]
    dropped = 0                          # boundary arcs valued below the level, no longer counted
    remaining = np.ones(n, dtype=bool)
    left = n
    level = 1
    while left:
        end = int(np.searchsorted(boundary_value, level, side="left"))
        if end > dropped:
            gone, counts = np.unique(boundary_src[dropped:end], return_counts=True)
            outer[gone] -= counts
            dropped = end
        frontier = np.flatnonzero(remaining & (np.minimum(cap, inner + outer) < level))
        while frontier.size:
            core[frontier] = level - 1
            remaining[frontier] = False
            left -= frontier.size
            first, lengths = starts[frontier], inner_degree(starts, frontier)
            total = int(lengths.sum())
            if not total:
                break
            offsets = np.repeat(first - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
            touched, counts = np.unique(neighbours[offsets], return_counts=True)
            inner[touched] -= counts
            touched = touched[remaining[touched]]
            frontier = touched[np.minimum(cap[touched], inner[touched] + outer[touched]) < level]
        if not left:
            break
        rest = np.flatnonzero(remaining)
        lowest = int(np.minimum(cap[rest], inner[rest] + outer[rest]).min())
        next_drop = int(boundary_value[dropped]) + 1 if dropped < len(boundary_value) else lowest + 1
        level = max(level + 1, min(lowest + 1, next_drop))
    return core


def inner_degree(starts: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """How many arcs each of `nodes` has in the adjacency laid out by `starts` (all of them, removed or not)."""
    return starts[nodes + 1] - starts[nodes]


def kcore(engine: Engine, params: RunParams, report: RunReport) -> None:
    """Core numbers as table `core` (id, k), exact unless `max_rounds` engine steps pass first (then said)."""
    nodes = int(report.counts.get("nodes") or engine.scalar("SELECT COUNT(*) FROM degree") or 0)
    engine.run("core_0", "kcore_init")
    state = _State(engine, "core_0")
    detail: dict[str, Any] = {"method": "iterated h-index on the engine", "rounds_engine": 0,
                              "nodes_pulled": 0, "nodes_lowered_on_driver": 0, "pulls": 0, "hops": 0, "arcs_pulled_most": 0,
                              "driver_cap_arcs": params.kcore_driver_arcs}
    settled = False
    handoff = max(params.kcore_handoff * nodes, 1.0)
    driver_tried = params.kcore_driver_arcs <= 0
    while state.jobs < params.max_rounds:
        changed = state.step()
        if not changed:
            settled = True
            break
        if not driver_tried and changed <= handoff:
            driver_tried = True
            settled = _finish_on_driver(state, params, detail)
            if settled:
                break
    detail["rounds_engine"] = state.rounds
    detail["exact"] = settled
    if detail["pulls"]:
        detail["method"] = ("iterated h-index on the engine, then the nodes still able to fall settled on the "
                            "driver by peeling (their other neighbours a fixed boundary), checked by an engine step")
    report.rounds["core"] = state.rounds
    report.counts["kcore_driver_nodes"] = int(detail["nodes_pulled"])
    report.kcore = detail
    if not settled:
        report.notes.append(f"core: stopped after {params.max_rounds} engine steps before settling; the core numbers "
                            "are upper bounds, not exact")
    engine.alias("core", state.current)
    report.counts["max_core"] = int(engine.scalar("SELECT MAX(k) FROM core") or 0)


@dataclass
class _State:
    """The engine's table of values now, and the engine jobs spent: h-index rounds (a check is one) and hops."""

    engine: Engine
    current: str
    rounds: int = 0
    jobs: int = 0

    def next_name(self) -> str:
        return "core_1" if self.current == "core_0" else "core_0"

    def step(self) -> int:
        """One h-index round (recomputing the neighbours of the marked nodes); how many moved."""
        after = self.next_name()
        changed = self.engine.run(after, "kcore_step", marked="moved", core=self.current)
        self.current = after
        self.rounds += 1
        self.jobs += 1
        return changed


def _finish_on_driver(state: _State, params: RunParams, detail: dict[str, Any]) -> bool:
    """Settle the nodes still able to fall on the driver, and check on the engine that nothing else moves;
    True once settled. The whole set if its pull fits the cap (then one pull suffices), else the set grown tie by
    tie from the nodes that fell as far as the cap allows, pulled again around whatever the check moved."""
    engine = state.engine
    level: int | None = None
    while state.jobs < params.max_rounds:
        fell_to = int(engine.scalar(f"SELECT MIN(k) FROM {state.current} WHERE moved IS NOT NULL"))
        level = fell_to + 1 if level is None else min(level, fell_to + 1)
        pulled = "kcore_pulled"
        engine.run(pulled, "kcore_set", core=state.current, level=level)
        arcs = int(engine.ask("kcore_pull_size", pulled=pulled) or 0)
        if arcs > params.kcore_driver_arcs:
            pulled = "kcore_hop_0"
            engine.run(pulled, "kcore_marked", core=state.current)
            arcs = int(engine.ask("kcore_pull_size", pulled=pulled) or 0)
            if arcs > params.kcore_driver_arcs:
                detail["driver_refused_arcs"] = arcs
                return False
            while state.jobs < params.max_rounds:
                grown = "kcore_hop_1" if pulled == "kcore_hop_0" else "kcore_hop_0"
                engine.run(grown, "kcore_hop", pulled=pulled, core=state.current, level=level)
                state.jobs += 1
                detail["hops"] += 1
                size = int(engine.ask("kcore_pull_size", pulled=grown) or 0)
                if size > params.kcore_driver_arcs or size == arcs:
                    break
                pulled, arcs = grown, size
        pulled_nodes, ids, lowered = _settle(engine, pulled, state.current)
        detail["pulls"] += 1
        detail["arcs_pulled_most"] = max(detail["arcs_pulled_most"], arcs)
        detail["nodes_pulled"] += pulled_nodes
        detail["nodes_lowered_on_driver"] += len(ids)
        engine.register("kcore_driver", pa.table({"id": pa.array(ids, pa.int64()),
                                                  "k": pa.array(lowered, pa.int64())}))
        written = state.next_name()
        engine.run(written, "kcore_settled", core=state.current)
        state.current = written
        if not state.step():           # the check: the neighbours of every node lowered (or fallen last) recomputed
            return True
    return False


def _settle(engine: Engine, pulled: str, current: str) -> tuple[int, np.ndarray, np.ndarray]:
    """Pull the set's nodes and arcs, peel them with their other neighbours fixed; how many were pulled, the ids
    lowered and their new values."""
    with engine.timed("kcore_pull_nodes"):
        held = engine.arrow(sql_text("kcore_pull_nodes", pulled=pulled, core=current))
    with engine.timed("kcore_pull_arcs"):
        ties = engine.arrow(sql_text("kcore_pull_arcs", pulled=pulled, core=current))
    with engine.timed("kcore peeling on the driver"):
        ids = held.column("id").to_numpy()
        cap = held.column("k").to_numpy().astype(np.int64)
        order = np.argsort(ids)
        ids, cap = ids[order], cap[order]
        inside = ties.column("inside").to_numpy().astype(bool)
        position = _positions(ids)
        src = position(ties.column("src").to_numpy())
        dst = ties.column("dst").to_numpy()
        value = ties.column("k").to_numpy().astype(np.int64)
        del ties
        core = peel_with_boundary(cap, src[inside], position(dst[inside]), src[~inside], value[~inside])
        lowered = core < cap
    return len(ids), ids[lowered], core[lowered]


def _positions(ids: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Node id -> its place among the sorted pulled `ids`: a lookup table where the ids are dense enough (node ids
    are 1..nodes, so a table of the largest id's size, at most 4 bytes a node of the graph), else a binary search
    (five times slower on 16M arcs)."""
    if not len(ids):
        return lambda found: np.zeros(len(found), dtype=np.int64)
    largest = int(ids[-1])
    if largest <= max(64 * len(ids), 1 << 24):
        table = np.full(largest + 1, -1, dtype=np.int32 if len(ids) < 2**31 else np.int64)
        table[ids] = np.arange(len(ids))
        return lambda found: table[found].astype(np.int64)
    return lambda found: np.searchsorted(ids, found)
