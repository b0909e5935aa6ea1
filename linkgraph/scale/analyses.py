"""The analyses of a cluster run, on any engine: fold, degree, components, k-core, PageRank, groups, number
swaps and co-locations. Each iterative one runs its SQL step until nothing changes (or a stated limit), and
says how many rounds it took.

Input tables: `entities_raw` and `links_raw` (a snapshot's pushes). Tables made: entity, links, ties_keys,
nodes, ties, arcs, degree, components, core, pagerank, groups, and the findings' tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from linkgraph.progress import Progress, no_progress
from linkgraph.scale import ScaleError, on_driver
from linkgraph.scale.engines import Engine, tree_cpu_seconds
from linkgraph.scale.on_driver import DriverGraph


@dataclass
class RunParams:
    """Everything a run's results depend on besides its inputs (kept in the result manifest)."""

    damping: float = 0.85
    pagerank_tol: float = 1e-6           # stop when the L1 change is below n * tol (the desktop's rule)
    pagerank_max_iter: int = 100
    max_rounds: int = 200                # components / k-core: a safety stop, reported when reached
    lpa_rounds: int = 10
    lpa_settled: float = 0.002           # label propagation stops once fewer than this share of nodes move
    refine_rounds: int = 4
    seed: int = 7
    leiden_iterations: int = 2           # Leiden passes on the super-graph (-1: until stable)
    resolution: float = 1.0
    hub_limit: int = 200                 # number swaps: see analysis.replacements.ReplacementParams
    max_gap_days: float = 21.0
    max_overlap_days: float = 2.0
    quiet_days: float = 7.0
    min_shared: int = 3
    min_similarity: float = 0.5
    swap_rounds: int = 5
    site_minutes: float = 15.0           # co-locations: see analysis.colocation.ColocationParams
    min_meetings: int = 2
    max_crowd: int = 30
    circuit_min_cities: int = 3          # circuits: see analysis.circuits.CircuitParams
    circuit_max_gap_days: float = 21.0
    kcore_handoff: float = 0.01          # k-core: the driver settles the rest once a round moves <= this share of nodes
    kcore_driver_arcs: int = 20_000_000  # k-core: the most arcs the driver pulls (0: rounds on the engine only)
    driver_arcs: int = 20_000_000        # the whole graph pulled to the driver once where its arcs are at most this
                                         # many: components, k-core, label propagation there (0: rounds on the engine)
    graphframes: bool = False            # components by GraphFrames where the cluster has its jar (same answer)
    betweenness_exact_nodes: int = 2_000  # betweenness within each group: exact up to this many nodes ...
    betweenness_sources: int = 32        # ... else from this many seeded sources (seed: `seed`), scaled by n/k
    whole_betweenness: bool = True       # betweenness over the whole graph too, where it is on the driver (ranks)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RunReport:
    """What each analysis did: counts, rounds, convergence, modularity."""

    counts: dict[str, int] = field(default_factory=dict)
    rounds: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    groups: dict[str, Any] = field(default_factory=dict)
    swaps: list[dict[str, Any]] = field(default_factory=list)
    circuits: list[dict[str, Any]] = field(default_factory=list)
    indicators: list[dict[str, Any]] = field(default_factory=list)
    kcore: dict[str, Any] = field(default_factory=dict)
    betweenness: dict[str, Any] = field(default_factory=dict)
    on_driver: dict[str, Any] = field(default_factory=dict)   # the graph pulled once, what ran on it (on_driver.py)


def prepare(engine: Engine, report: RunReport) -> None:
    """Entities, links (one copy of an event pushed twice), ties, integer node ids, arcs and degree."""
    report.counts["entities"] = engine.run("entity", "entity", count=True)
    pushes = int(engine.scalar("SELECT COUNT(DISTINCT push_id) FROM entities_raw"))
    report.counts["links_pushed"] = int(engine.scalar("SELECT COUNT(*) FROM links_raw"))
    if pushes > 1:
        report.counts["links"] = engine.run("links", "links", count=True)
    else:                                # one push: the case counted each event once already
        engine.alias("links", "links_raw")
        report.counts["links"] = report.counts["links_pushed"]
    if report.counts["links_pushed"] > report.counts["links"]:
        report.notes.append(f"{report.counts['links_pushed'] - report.counts['links']} timed links pushed by "
                            "more than one agency counted once")
    report.counts["ties"] = engine.run("ties_keys", "fold", count=True)
    report.counts["nodes"] = engine.run("nodes", "nodes", count=True)
    engine.run("ties", "ties")
    engine.run("arcs", "arcs")
    engine.run("degree", "degree")


def _iterate(engine: Engine, name: str, init: str, step: str, param: str, max_rounds: int,
             report: RunReport) -> None:
    """Run `step` from `init` until no row moves (the step marks its moved rows in the column `moved`: one
    job a round on Spark); the result is table `name`."""
    engine.run(f"{name}_0", init)
    current = f"{name}_0"
    for number in range(1, max_rounds + 1):
        after = f"{name}_1" if current == f"{name}_0" else f"{name}_0"
        changed = engine.run(after, step, marked="moved", **{param: current})
        current = after
        if not changed:
            report.rounds[name] = number
            break
    else:
        report.rounds[name] = max_rounds
        report.notes.append(f"{name}: stopped after {max_rounds} rounds before settling")
    engine.alias(name, current)


def components(engine: Engine, params: RunParams, report: RunReport, graph: DriverGraph | None = None) -> None:
    """Connected components: label = the smallest node id of the component (on the driver's copy of the graph
    when there is one)."""
    from linkgraph.scale import graphframes

    if graph is not None:
        with _on_driver(report, "components"):
            labels = on_driver.component_labels(graph)
        on_driver.keep(engine, "components", {"id": graph.ids, "label": labels})
    elif params.graphframes and graphframes.available(engine):
        graphframes.components(engine)
        report.notes.append("components by GraphFrames (labels brought to the smallest node id)")
    else:
        if params.graphframes:
            report.notes.append("GraphFrames asked for but not on this engine (no jar, or not Spark): components by SQL")
        _iterate(engine, "components", "components_init", "components_step", "labels", params.max_rounds, report)
    report.counts["components"] = int(engine.scalar("SELECT COUNT(DISTINCT label) FROM components"))


def kcore(engine: Engine, params: RunParams, report: RunReport, graph: DriverGraph | None = None) -> None:
    """Core numbers, exact: by peeling the driver's copy of the graph when there is one, else iterated h-index
    rounds on the engine, the slow tail settled on the driver and checked on the engine (linkgraph.scale.kcore)."""
    from linkgraph.scale import kcore as cores

    if graph is not None:
        with _on_driver(report, "k-core"):
            core = on_driver.core_numbers(graph)
        on_driver.keep(engine, "core", {"id": graph.ids, "k": core})
        report.kcore = {"method": "peeling the whole graph on the driver (Batagelj and Zaversnik's order)",
                        "rounds_engine": 0, "pulls": 0, "nodes_pulled": graph.n, "exact": True,
                        "driver_cap_arcs": params.driver_arcs}
        report.rounds["core"] = 0
    else:
        cores.kcore(engine, params, report)
    report.counts["max_core"] = int(engine.scalar("SELECT MAX(k) FROM core") or 0)


def pagerank(engine: Engine, params: RunParams, report: RunReport, graph: DriverGraph | None = None) -> None:
    """Weighted PageRank by power iteration, the desktop's rule for stopping (L1 change < n * tol): on the
    driver's copy of the graph when there is one, else a step a round on the engine."""
    n = report.counts["nodes"]
    if not n:
        engine.materialise("pagerank", "SELECT id, CAST(0 AS DOUBLE) AS x FROM degree")
        return
    if graph is not None:
        with _on_driver(report, "pagerank") as detail:
            found = on_driver.pagerank(graph, params.damping, params.pagerank_tol, params.pagerank_max_iter)
            detail["rounds"] = found.rounds
        engine.register("pagerank_driver", pa.table({"id": pa.array(graph.ids, pa.int64()),
                                                     "x": pa.array(found.x, pa.float64())}))
        engine.materialise("pagerank", "SELECT * FROM pagerank_driver")
        report.rounds["pagerank"] = found.rounds
        if not found.converged:
            report.notes.append(f"pagerank: stopped after {params.pagerank_max_iter} iterations before converging")
        return
    engine.run("pagerank_0", "pagerank_init", n=n)
    current = "pagerank_0"
    any_dangling = bool(engine.scalar("SELECT COUNT(*) FROM degree WHERE strength <= 0"))
    for number in range(1, params.pagerank_max_iter + 1):
        dangling = (float(engine.scalar(f"SELECT COALESCE(SUM(x), 0) FROM {current} WHERE strength <= 0") or 0.0)
                    if any_dangling else 0.0)
        after = "pagerank_1" if current == "pagerank_0" else "pagerank_0"
        engine.run(after, "pagerank_step", pr=current, n=n, damping=float(params.damping), dangling=dangling)
        delta = float(engine.ask("pagerank_delta", before=current, after=after))
        current = after
        if delta < n * params.pagerank_tol:
            report.rounds["pagerank"] = number
            break
    else:
        report.rounds["pagerank"] = params.pagerank_max_iter
        report.notes.append(f"pagerank: stopped after {params.pagerank_max_iter} iterations before converging")
    engine.alias("pagerank", current)


@dataclass
class SuperGraph:
    """The labels of label propagation contracted: super-node i stands for label `labels[i]`; each super-tie joins
    positions `a` and `b` with the summed `weight` of the ties between (or, a self-loop, inside) those labels."""

    labels: np.ndarray
    a: np.ndarray
    b: np.ndarray
    weight: np.ndarray

    @classmethod
    def from_ties(cls, super_ties: pa.Table) -> SuperGraph:
        """From the engine's `contract` table (label pairs), the super-nodes in label order (numpy throughout:
        a 10M-call run has millions of super-ties)."""
        ends_a = super_ties.column("a").to_numpy()
        ends_b = super_ties.column("b").to_numpy()
        labels = np.unique(np.concatenate([ends_a, ends_b]))
        return cls(labels, np.searchsorted(labels, ends_a), np.searchsorted(labels, ends_b),
                   super_ties.column("weight").to_numpy().astype(float))

    @classmethod
    def from_pairs(cls, a: np.ndarray, b: np.ndarray, weight: np.ndarray) -> SuperGraph:
        """From label pairs already summed (`on_driver.contracted`)."""
        return cls.from_ties(pa.table({"a": pa.array(a, pa.int64()), "b": pa.array(b, pa.int64()),
                                       "weight": pa.array(weight, pa.float64())}))

    def graph(self) -> Any:
        import igraph as ig

        return ig.Graph(n=len(self.labels), edges=np.column_stack([self.a, self.b]).tolist())

    def strength(self) -> np.ndarray:
        """Each super-node's strength in the original graph: its ties out plus twice its inner weight (the
        self-loop), so the sum of its members' strengths."""
        return (np.bincount(self.a, self.weight, len(self.labels))
                + np.bincount(self.b, self.weight, len(self.labels)))

    def modularity(self, membership: np.ndarray) -> float:
        """The original graph's weighted modularity (resolution 1) of the partition that puts every member of
        super-node i in group membership[i]: inner weight / m - sum over groups of (strength / 2m)^2, as
        `modularity.sql` computes it on the engine."""
        m = float(self.weight.sum())
        inner = float(self.weight[membership[self.a] == membership[self.b]].sum())
        totals = np.bincount(membership, self.strength())
        return inner / m - float((totals * totals).sum()) / (4 * m * m)


def leiden_super(graph: SuperGraph, params: RunParams) -> np.ndarray:
    """Leiden (igraph, seeded) on the super-graph for the original graph's modularity: each super-node weighs its
    original strength (`node_weights`; igraph's default would leave its self-loop's inner weight out), the
    resolution scaled by 2m as for modularity. Group number per super-node."""
    from linkgraph.analysis.communities import seeded

    with seeded(params.seed):
        parts = graph.graph().community_leiden(
            objective_function="modularity", weights=graph.weight.tolist(), node_weights=graph.strength().tolist(),
            resolution=params.resolution, n_iterations=params.leiden_iterations)
    return np.asarray(parts.membership, dtype=np.int64)


def leiden_super_reference(graph: SuperGraph, params: RunParams) -> np.ndarray:
    """The same with leidenalg (the earlier code: it counts a self-loop as inner weight by itself; 40-50 times
    slower on a 10M-call run's super-graph), kept for the tests to hold the two to the same modularity."""
    import leidenalg

    weights = graph.weight.tolist()
    if params.resolution == 1.0:
        parts = leidenalg.find_partition(graph.graph(), leidenalg.ModularityVertexPartition, weights=weights,
                                         n_iterations=params.leiden_iterations, seed=params.seed)
    else:
        parts = leidenalg.find_partition(graph.graph(), leidenalg.RBConfigurationVertexPartition, weights=weights,
                                         n_iterations=params.leiden_iterations, seed=params.seed,
                                         resolution_parameter=params.resolution)
    return np.asarray(parts.membership, dtype=np.int64)


def groups(engine: Engine, params: RunParams, report: RunReport, whole: DriverGraph | None = None) -> None:
    """Groups without Leiden on the cluster: label propagation, each label contracted to a super-node, Leiden
    on the super-graph on the driver (igraph), then refining moves kept only while modularity rises. Propagation
    and refining run on the driver's copy of the graph when there is one, else as rounds on the engine. The
    result's modularity is reported beside the label propagation's."""
    m = float(engine.scalar("SELECT COALESCE(SUM(weight), 0) FROM ties") or 0.0)
    if m <= 0:
        engine.materialise("groups", "SELECT id, id AS label FROM degree")
        report.groups = {"method": "none (no ties)", "modularity": 0.0}
        return
    if whole is not None:
        with _on_driver(report, "label propagation") as detail:
            spread = on_driver.label_propagation(whole, params.lpa_rounds, params.lpa_settled)
            rounds = spread.rounds
            graph = SuperGraph.from_pairs(*on_driver.contracted(whole, spread.labels))
            detail["rounds"], detail["moved"] = spread.rounds, spread.moved
    else:
        rounds = _propagate(engine, params, report)
        engine.run("super_ties", "contract", labels="lpa")
    with engine.timed("groups on the driver: super-graph and Leiden"):
        if whole is None:
            graph = SuperGraph.from_ties(engine.arrow("SELECT a, b, weight FROM super_ties"))
        # The contracted graph's modularity is the original partition's: no pass over the ties on the engine.
        lpa_q = graph.modularity(np.arange(len(graph.labels)))
        membership = leiden_super(graph, params)
        leiden_q = graph.modularity(membership)
    report.counts["lpa_labels"] = len(graph.labels)
    if whole is not None:
        with _on_driver(report, "refining") as detail:
            labels = membership[np.searchsorted(graph.labels, spread.labels)]
            weight_of = on_driver.strength(whole)
            held = {"labels": labels}

            def driver_round(number: int) -> float | None:
                after = on_driver.refine_round(whole, held["labels"], weight_of, m, number)
                if not bool((after != held["labels"]).any()):
                    return None
                held["after"] = after
                return on_driver.modularity(whole, after, weight_of, m)

            ran, moves, best_q = _refine(params, leiden_q, driver_round, lambda: held.update(labels=held["after"]))
            detail["rounds"], detail["kept"] = ran, moves
        on_driver.keep(engine, "groups", {"id": whole.ids, "label": held["labels"]})
    else:
        engine.register("supergroups", pa.table({
            "label": pa.array(graph.labels, pa.int64()), "grp": pa.array(membership, pa.int64())}))
        engine.run("groups_0", "groups_expand", labels="lpa")
        tables = {"current": "groups_0"}

        def engine_round(number: int) -> float | None:
            tables["after"] = "groups_1" if tables["current"] == "groups_0" else "groups_0"
            if not engine.run(tables["after"], "refine_step", marked="moved", groups=tables["current"], m=m,
                              round=number):
                return None
            return float(engine.ask("modularity", groups=tables["after"], m=m))

        ran, moves, best_q = _refine(params, leiden_q, engine_round, lambda: tables.update(current=tables["after"]))
        engine.alias("groups", tables["current"])
    report.rounds["label_propagation"] = rounds
    report.rounds["refining"] = ran      # fewer than refine_rounds when the rounds left could change nothing
    report.counts["groups"] = int(engine.scalar("SELECT COUNT(DISTINCT label) FROM groups"))
    report.groups = {
        "method": "label propagation -> contract -> Leiden on the super-graph (igraph, driver) -> refine",
        "modularity": round(best_q, 6), "modularity_label_propagation": round(lpa_q, 6),
        "modularity_after_leiden": round(leiden_q, 6), "super_nodes": len(graph.labels),
        "refining_rounds_kept": moves, "seed": params.seed, "resolution": params.resolution,
    }


def _refine(params: RunParams, best_q: float, try_round: Callable[[int], float | None],
            keep_round: Callable[[], None]) -> tuple[int, int, float]:
    """Refining rounds 1..refine_rounds: `try_round(number)` makes the round's moves aside and returns the
    modularity they give (None when nothing moved); `keep_round()` adopts them. A round is kept only if it raises
    the modularity. Returns the rounds run, the rounds kept and the modularity reached."""
    moves, ran = 0, 0
    futile: set[int] = set()             # the parities whose round moved nothing, or nothing kept, on these groups
    for number in range(1, params.refine_rounds + 1):
        ran = number
        q = try_round(number)
        if q is None or q <= best_q + 1e-12:
            # The moves made it no better (or there were none): undone. The same parity on the same groups
            # would do the same again, so once both parities have, the rounds left would change nothing.
            futile.add(number % 2)
            if len(futile) == 2:
                break
            continue
        keep_round()
        best_q, moves, futile = q, moves + 1, set()
    return ran, moves, best_q


def _propagate(engine: Engine, params: RunParams, report: RunReport) -> int:
    """Label propagation as rounds on the engine (`lpa_step.sql`); the labels as table `lpa`; the rounds run."""
    engine.run("lpa_0", "components_init")
    current = "lpa_0"
    rounds = 0
    for number in range(1, params.lpa_rounds + 1):
        after = "lpa_1" if current == "lpa_0" else "lpa_0"
        changed = engine.run(after, "lpa_step", marked="moved", labels=current, round=number)
        current, rounds = after, number
        if number > 1 and changed <= params.lpa_settled * report.counts["nodes"]:
            break
    engine.alias("lpa", current)
    return rounds


@contextmanager
def _on_driver(report: RunReport, measure: str) -> Iterator[dict[str, Any]]:
    """Time a measure run on the driver's copy of the graph and note it in the report (what it adds to the
    yielded dict goes with it)."""
    clock, cpu = time.perf_counter(), tree_cpu_seconds()
    detail: dict[str, Any] = {}
    yield detail
    on_driver.described(report, measure, time.perf_counter() - clock, tree_cpu_seconds() - cpu, **detail)


def betweenness(engine: Engine, params: RunParams, report: RunReport, graph: DriverGraph | None = None) -> None:
    """Betweenness within each group (linkgraph.scale.betweenness): one igraph call per group; and over the whole
    graph on the driver's copy of it when there is one (`params.whole_betweenness`), as the desktop samples it:
    the rules that rank by betweenness read its ranks (table `betweenness_whole`: id, x, rank; empty without)."""
    from linkgraph.scale.betweenness import group_betweenness

    group_betweenness(engine, params, report)
    if graph is None or not params.whole_betweenness:
        engine.materialise("betweenness_whole", "SELECT id, CAST(NULL AS DOUBLE) AS x, CAST(NULL AS BIGINT) AS rank "
                                                "FROM degree WHERE 1 = 0")
        return
    with _on_driver(report, "betweenness over the whole graph") as detail:
        found = on_driver.betweenness(graph, params.seed)
        detail["sources"] = found.sources if found.sources is not None else "all"
    engine.register("betweenness_driver", pa.table({"id": pa.array(graph.ids, pa.int64()),
                                                    "x": pa.array(found.x, pa.float64()),
                                                    "rank": pa.array(found.rank, pa.int64())}))
    engine.materialise("betweenness_whole", "SELECT * FROM betweenness_driver")
    report.betweenness["whole_graph"] = {"nodes": graph.n, "sources": found.sources or "all nodes (exact)",
                                         "seed": params.seed, "on": "the driver's copy of the graph"}


def measures(engine: Engine, params: RunParams, report: RunReport, progress: Progress = no_progress) -> None:
    """Every graph measure, in order."""
    graph = on_driver.pull_graph(engine, params, report)     # None: the graph's rounds stay on the engine
    steps: tuple[tuple[str, Callable[..., None]], ...] = (
        ("components", components), ("k-core", kcore), ("pagerank", pagerank), ("groups", groups),
        ("betweenness", betweenness))
    for number, (label, step) in enumerate(steps):
        if progress(number, len(steps), f"Running {label}") is False:
            raise ScaleError("cancelled")
        clock, cpu = time.perf_counter(), tree_cpu_seconds()
        step(engine, params, report, graph)
        name = label.replace("-", "")
        report.counts[f"seconds_{name}"] = round(time.perf_counter() - clock, 2)  # type: ignore[assignment]
        report.counts[f"cpu_seconds_{name}"] = round(tree_cpu_seconds() - cpu, 2)  # type: ignore[assignment]


ENTITY_RESULTS = """
SELECT n.ekey, e.type, d.degree, d.strength, p.x AS pagerank, c.k AS core, cn.ekey AS component,
       g.label AS grp, b.group_betweenness, w.x AS betweenness
FROM nodes n
JOIN entity e ON e.ekey = n.ekey
JOIN degree d ON d.id = n.id
JOIN pagerank p ON p.id = n.id
JOIN core c ON c.id = n.id
JOIN components k ON k.id = n.id
JOIN nodes cn ON cn.id = k.label
JOIN groups g ON g.id = n.id
LEFT JOIN group_betweenness b ON b.id = n.id
LEFT JOIN betweenness_whole w ON w.id = n.id
"""

TIE_RESULTS = "SELECT a_key, b_key, weight, links, first_time, last_time FROM ties_keys"
