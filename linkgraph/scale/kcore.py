"""Exact core numbers at any scale: h-index rounds on the engine while they move many nodes, then the slow tail
settled on the driver and checked by the engine.

The iterated h-index (Lü et al. 2016) starts from the degree and only ever lowers a node's value, which stays an
upper bound of its core number; where no node would move any more, the values are the core numbers. Its rounds
are synchronous, so a fall crosses one tie a round: at 10M calls long runs of nodes fell by one a round for
hundreds of rounds. Once a round moves few nodes (`RunParams.kcore_handoff`), the driver pulls the nodes that
can still fall (those at or above the lowest level a moved node fell to, plus one, and the moved ones) with
their ties; their other neighbours' values are a fixed boundary. It settles them by peeling (Batagelj and
Zaversnik's order, a boundary neighbour counting while the level is at or below its value), writes the lowered
values back, and one engine step recomputes the neighbours of every node lowered: if none outside moves, every
value is a fixed point of the h-index below the degree, which is the core number (a fixed point's nodes at k
or more form a subgraph of minimum degree k). If some moved, the set widens to them and the level they fell to.

The driver's pull is bounded (`RunParams.kcore_driver_arcs` arcs, ~40 bytes each while settled): over it, the
rounds go on on the engine to `max_rounds` as before, and the manifest says the values are upper bounds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from linkgraph.scale.engines import Engine, sql_text

if TYPE_CHECKING:
    from linkgraph.scale.analyses import RunParams, RunReport

MAX_WIDENINGS = 50           # pulls after the first before handing back to the engine's rounds


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
    order = np.argsort(inner_src, kind="stable")
    neighbours = np.asarray(inner_dst, dtype=np.int64)[order]
    inner = np.bincount(inner_src, minlength=n).astype(np.int64)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(inner, out=starts[1:])
    outer = np.bincount(outer_src, minlength=n).astype(np.int64)
    by_value = np.argsort(outer_value, kind="stable")
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
    """Core numbers as table `core` (id, k), exact unless the driver's pull would pass its cap (then said)."""
    nodes = int(report.counts.get("nodes") or engine.scalar("SELECT COUNT(*) FROM degree") or 0)
    engine.run("core_0", "kcore_init")
    tables = ["core_0", "core_1"]
    current = "core_0"
    rounds = 0
    settled = False
    handoff = max(params.kcore_handoff * nodes, 1.0)
    detail: dict[str, object] = {"method": "iterated h-index on the engine", "rounds_engine": 0,
                                 "nodes_settled_on_driver": 0, "pulls": 0, "arcs_pulled_most": 0,
                                 "driver_cap_arcs": params.kcore_driver_arcs}

    def step() -> int:
        nonlocal current, rounds
        after = tables[1] if current == tables[0] else tables[0]
        changed = engine.run(after, "kcore_step", marked="moved", core=current)
        current = after
        rounds += 1
        return changed

    driver_tried = params.kcore_driver_arcs <= 0
    while rounds < params.max_rounds:
        changed = step()
        if not changed:
            settled = True
            break
        if not driver_tried and changed <= handoff:
            driver_tried = True
            current, settled = _finish_on_driver(engine, params, current, detail)
            if settled:
                break
    detail["rounds_engine"] = rounds
    detail["exact"] = settled
    if detail["pulls"]:
        detail["method"] = ("iterated h-index on the engine, then the slow tail settled on the driver by peeling "
                            "with the rest as a fixed boundary, checked by one engine step per pull")
    report.rounds["core"] = rounds
    report.counts["kcore_driver_nodes"] = int(detail["nodes_settled_on_driver"])  # type: ignore[call-overload]
    report.kcore = detail
    if not settled:
        report.notes.append(f"core: stopped after {params.max_rounds} rounds before settling; the core numbers "
                            "are upper bounds, not exact")
    engine.alias("core", current)
    report.counts["max_core"] = int(engine.scalar("SELECT MAX(k) FROM core") or 0)


def _finish_on_driver(engine: Engine, params: RunParams, current: str,
                      detail: dict[str, object]) -> tuple[str, bool]:
    """Settle the nodes still able to fall on the driver, widening the set until an engine step moves nothing.
    Returns the table of the values reached and whether they are settled (not where the pull would pass the cap:
    the engine's rounds go on from there)."""
    engine.materialise("kcore_pulled_0", "SELECT id FROM degree WHERE degree < 0")
    kept = "kcore_pulled_0"
    level: int | None = None
    for number in range(1, MAX_WIDENINGS + 2):
        fell_to = engine.scalar(f"SELECT MIN(k) FROM {current} WHERE moved IS NOT NULL")
        level = int(fell_to) + 1 if level is None else min(level, int(fell_to) + 1)
        pulled = f"kcore_pulled_{number % 2 + 1}"
        engine.run(pulled, "kcore_set", core=current, level=level, kept=kept)
        kept = pulled
        arcs = int(engine.ask("kcore_pull_size", pulled=pulled) or 0)
        if arcs > params.kcore_driver_arcs:
            detail["driver_refused_arcs"] = arcs
            return current, False
        with engine.timed("kcore_pull_nodes"):
            held = engine.arrow(sql_text("kcore_pull_nodes", pulled=pulled, core=current))
        with engine.timed("kcore_pull_arcs"):
            ties = engine.arrow(sql_text("kcore_pull_arcs", pulled=pulled, core=current))
        ids = held.column("id").to_numpy()
        cap = held.column("k").to_numpy().astype(np.int64)
        order = np.argsort(ids)
        ids, cap = ids[order], cap[order]
        src = np.searchsorted(ids, ties.column("src").to_numpy())
        inside = ties.column("inside").to_numpy().astype(bool)
        dst = ties.column("dst").to_numpy()
        value = ties.column("k").to_numpy().astype(np.int64)
        core = peel_with_boundary(cap, src[inside], np.searchsorted(ids, dst[inside]), src[~inside], value[~inside])
        lowered = core < cap
        detail["pulls"] = number
        detail["arcs_pulled_most"] = max(int(detail["arcs_pulled_most"]), arcs)  # type: ignore[call-overload]
        detail["nodes_settled_on_driver"] = len(ids)
        engine.register("kcore_driver", pa.table({"id": pa.array(ids[lowered], pa.int64()),
                                                  "k": pa.array(core[lowered], pa.int64())}))
        after = "kcore_2" if current != "kcore_2" else "kcore_3"
        engine.run(after, "kcore_settled", core=current)
        checked = "kcore_3" if after == "kcore_2" else "kcore_2"
        moved = engine.run(checked, "kcore_step", marked="moved", core=after)
        detail["checks"] = number
        current = checked
        if not moved:
            return current, True
    detail["driver_gave_up_after_pulls"] = MAX_WIDENINGS + 1
    return current, False
