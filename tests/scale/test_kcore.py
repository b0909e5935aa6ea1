"""Exact k-core at scale: the engine's core numbers equal igraph's coreness, in few engine rounds, where the
iterated h-index alone needs a round per node of a chain (linkgraph.scale.kcore)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from linkgraph.scale.analyses import RunParams, RunReport, kcore, prepare
from linkgraph.scale.engines import DuckDBEngine, SparkEngine
from linkgraph.scale.kcore import peel_with_boundary

ig = pytest.importorskip("igraph")


def lollipop(chain: int) -> tuple[int, list[tuple[int, int]]]:
    """Six people all calling each other (a 5-core), one of whom begins a chain of `chain` more, each calling
    the next: the chain's 2s fall to 1 one link a round from its far end."""
    clique = list(itertools.combinations(range(6), 2))
    return 6 + chain, clique + [(5 + i, 6 + i) for i in range(chain)]


def seeded_graph(seed: int) -> tuple[int, list[tuple[int, int]]]:
    """A small random graph of one of four kinds (preferential attachment, uniform, small world, chains of
    overlapping cliques), the same for the same seed."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(30, 90))
    kind = seed % 4
    if kind == 0:
        g = ig.Graph.Barabasi(n, int(rng.integers(1, 5)))
    elif kind == 1:
        g = ig.Graph.Erdos_Renyi(n=n, m=int(rng.integers(n, 3 * n)))
    elif kind == 2:
        g = ig.Graph.Watts_Strogatz(1, n, int(rng.integers(1, 4)), 0.2)
    else:
        edges = []
        for v in range(1, n):
            back = max(0, v - int(rng.integers(2, 8)))
            edges += [(int(u), v) for u in set(rng.integers(back, v, int(rng.integers(1, 5))).tolist())]
        g = ig.Graph(n=n, edges=edges)
    g.simplify()
    return n, g.get_edgelist()


def cores_on(engine: Any, edges: list[tuple[int, int]], **params: Any) -> tuple[dict[int, int], RunReport]:
    """k-core on `engine` for these ties (node ids as given), with its report."""
    a = np.array([min(e) for e in edges], dtype=np.int64)
    b = np.array([max(e) for e in edges], dtype=np.int64)
    engine.register("ties", pa.table({"a": a, "b": b, "weight": np.ones(len(a))}))
    engine.run("arcs", "arcs")
    engine.run("degree", "degree")
    report = RunReport()
    report.counts["nodes"] = len(set(a.tolist()) | set(b.tolist()))
    kcore(engine, RunParams(**params), report)
    table = engine.arrow("SELECT id, k FROM core")
    return dict(zip(table.column("id").to_pylist(), table.column("k").to_pylist(), strict=True)), report


def coreness(n: int, edges: list[tuple[int, int]]) -> dict[int, int]:
    """igraph's coreness of the tied nodes (what the desktop shows)."""
    values = ig.Graph(n=n, edges=edges).coreness()
    tied = {v for e in edges for v in e}
    return {v: values[v] for v in tied}


def test_peeling_equals_igraph_and_the_h_index() -> None:
    """The driver's peeling: with no boundary and the degree as cap, igraph's coreness; with part of the graph
    fixed as a boundary, the values the asynchronous h-index settles on from the same upper bounds."""
    rng = np.random.default_rng(5)
    for seed in range(120):
        n, edges = seeded_graph(seed)
        if not edges:
            continue
        pairs = np.array(edges, dtype=np.int64)
        src = np.concatenate([pairs[:, 0], pairs[:, 1]])
        dst = np.concatenate([pairs[:, 1], pairs[:, 0]])
        degree = np.bincount(src, minlength=n)
        none = np.zeros(0, dtype=np.int64)
        assert peel_with_boundary(degree, src, dst, none, none).tolist() == ig.Graph(n=n, edges=edges).coreness()
        neighbours: list[list[int]] = [[] for _ in range(n)]
        for u, v in edges:
            neighbours[u].append(v)
            neighbours[v].append(u)
        bound = degree.copy()
        for _ in range(int(rng.integers(0, 3))):       # a few synchronous rounds: still upper bounds
            bound = np.array([h_index([bound[x] for x in neighbours[v]]) for v in range(n)])
        inside = rng.random(n) < 0.5
        pulled = np.flatnonzero(inside)
        where = {v: i for i, v in enumerate(pulled)}
        inner = [(where[u], where[v]) for u, v in zip(src, dst, strict=True) if inside[u] and inside[v]]
        outer = [(where[u], bound[v]) for u, v in zip(src, dst, strict=True) if inside[u] and not inside[v]]
        got = peel_with_boundary(bound[pulled], *_columns(inner), *_columns(outer))
        want = bound.copy()
        moved = True
        while moved:
            moved = False
            for v in pulled:
                value = min(want[v], h_index([want[x] for x in neighbours[v]]))
                moved, want[v] = moved or value != want[v], value
        assert got.tolist() == want[pulled].tolist()


def h_index(values: list[int]) -> int:
    ranked = sorted(values, reverse=True)
    return max([i + 1 for i, v in enumerate(ranked) if v >= i + 1], default=0)


def _columns(pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    array = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return array[:, 0], array[:, 1]


def test_long_chain_exact_in_few_rounds_on_duckdb() -> None:
    """A chain of 600: the h-index alone stops at its 200-round limit with upper bounds (and says so); with the
    driver it is exact after one round, one pull and one check."""
    n, edges = lollipop(600)
    want = coreness(n, edges)
    engine = DuckDBEngine()
    try:
        plain, report = cores_on(engine, edges, kcore_driver_arcs=0, max_rounds=200)
        assert plain != want and report.rounds["core"] == 200 and report.kcore["exact"] is False
        assert any("upper bounds" in note for note in report.notes)
        got, report = cores_on(engine, edges)
    finally:
        engine.close()
    assert got == want
    assert report.kcore["exact"] is True and report.kcore["pulls"] == 1 and report.rounds["core"] <= 3
    assert not report.notes


def test_pull_widened_when_over_the_cap_on_duckdb() -> None:
    """With the driver allowed 100 arcs, the nodes still able to fall do not fit: each pull grows from the
    fallen nodes as far as the cap allows, the engine's check finds the next ones moving, and the pull is widened
    to them until nothing moves. Still exact."""
    n, edges = lollipop(150)
    engine = DuckDBEngine()
    try:
        got, report = cores_on(engine, edges, kcore_driver_arcs=100)
    finally:
        engine.close()
    assert got == coreness(n, edges)
    assert report.kcore["pulls"] > 1 and report.kcore["arcs_pulled_most"] <= 100 and report.kcore["exact"] is True


@pytest.mark.parametrize("handoff", [1.0, 0.05, 0.01])
def test_seeded_graphs_equal_igraph_on_duckdb(handoff: float) -> None:
    engine = DuckDBEngine()
    try:
        for seed in range(24):
            n, edges = seeded_graph(seed)
            got, report = cores_on(engine, edges, kcore_handoff=handoff)
            assert got == coreness(n, edges), seed
            assert report.kcore["exact"] is True
    finally:
        engine.close()


def test_spark_local_equals_igraph(spark_session: Any) -> None:
    """The same SQL on Spark local: the chain and two seeded graphs exact, the chain in three rounds."""
    engine = SparkEngine("local-spark", session=spark_session)
    try:
        n, edges = lollipop(300)
        got, report = cores_on(engine, edges)
        assert got == coreness(n, edges) and report.kcore["pulls"] == 1 and report.rounds["core"] <= 3
        for seed in (3, 4):
            n, edges = seeded_graph(seed)
            got, report = cores_on(engine, edges, kcore_handoff=1.0)
            assert got == coreness(n, edges) and report.kcore["exact"] is True
    finally:
        engine.close()


@pytest.fixture(scope="module")
def sample_store(sample_reviewed, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The bundled sample case pushed to a store, with igraph's coreness keyed by entity key."""
    from desktop import desktop_answers

    from linkgraph.case import CaseFile
    from linkgraph.scale.push import push_case
    from linkgraph.scale.run import snapshot
    from linkgraph.scale.store import open_store

    folder = tmp_path_factory.mktemp("kcore-sample")
    path = sample_reviewed.copy(folder / "sample.lgcase")
    with CaseFile.open(path) as case, open_store(folder / "store", create=True) as store:
        push_case(case, store)
        return {"store": folder / "store", "snapshot": snapshot(store, "latest"),
                "core": desktop_answers(case)["core"]}


def _sample_cores(engine: Any, entry: dict[str, Any], **params: Any) -> tuple[dict[str, int], RunReport]:
    from linkgraph.scale.run import load_snapshot
    from linkgraph.scale.store import open_store

    with open_store(entry["store"]) as store:
        load_snapshot(engine, store, entry["snapshot"])
    report = RunReport()
    prepare(engine, report)
    kcore(engine, RunParams(**params), report)
    rows = engine.arrow("SELECT n.ekey, c.k FROM core c JOIN nodes n ON n.id = c.id").to_pylist()
    return {r["ekey"]: int(r["k"]) for r in rows}, report


def test_sample_case_through_the_driver_on_duckdb(sample_store: dict[str, Any]) -> None:
    """The sample case with the driver taking over after the first round: the desktop's core numbers."""
    engine = DuckDBEngine()
    try:
        got, report = _sample_cores(engine, sample_store, kcore_handoff=1.0)
    finally:
        engine.close()
    assert got == sample_store["core"] and report.kcore["pulls"] >= 1 and report.kcore["exact"] is True


def test_sample_case_through_the_driver_on_spark(sample_store: dict[str, Any], spark_session: Any) -> None:
    spark = SparkEngine("local-spark", session=spark_session)
    try:
        got, report = _sample_cores(spark, sample_store, kcore_handoff=1.0)
    finally:
        spark.close()
    assert got == sample_store["core"] and report.kcore["exact"] is True


def test_manifest_says_how_k_core_settled(sample_store: dict[str, Any]) -> None:
    """A cluster run's manifest: the rounds on the engine, the pulls, the nodes settled on the driver, the cap,
    exact; its core numbers the desktop's."""
    import pyarrow.parquet as pq

    from linkgraph.scale.run import cluster_run
    from linkgraph.scale.store import open_store

    with open_store(sample_store["store"]) as store:
        manifest = cluster_run(store, "latest", "duckdb", params=RunParams(kcore_handoff=1.0, driver_arcs=0))
        entities = pq.read_table(store.data / "runs" / manifest["run_id"] / "entities.parquet")
        pulled = cluster_run(store, "latest", "duckdb")       # the default: the whole graph on the driver
        pulled_entities = pq.read_table(store.data / "runs" / pulled["run_id"] / "entities.parquet")
    assert pulled["kcore"]["exact"] is True and pulled["kcore"]["rounds_engine"] == 0
    assert pulled["driver_graph"]["arcs"] == 2 * pulled["counts"]["ties"] and manifest["driver_graph"] == {}
    assert {m["measure"] for m in pulled["driver_graph"]["measures"]} >= {"components", "k-core", "pagerank"}
    for column in ("core", "component"):
        assert _by_key(pulled_entities, column) == _by_key(entities, column)
    how = manifest["kcore"]
    assert how["exact"] is True and how["pulls"] >= 1 and how["nodes_pulled"] >= 1
    assert how["rounds_engine"] == manifest["rounds"]["core"] and how["driver_cap_arcs"] == 20_000_000
    assert "driver" in how["method"] and not any("upper bounds" in note for note in manifest["notes"])
    assert set(manifest["driver"]) == {"python", "igraph"}      # the driver's libraries the run used (no leidenalg)
    assert dict(zip(entities.column("ekey").to_pylist(), entities.column("core").to_pylist(), strict=True)) \
        == sample_store["core"]


def _by_key(entities: Any, column: str) -> dict[str, Any]:
    return dict(zip(entities.column("ekey").to_pylist(), entities.column(column).to_pylist(), strict=True))
