"""The graph on the driver (linkgraph.scale.on_driver): components, core numbers, PageRank, label propagation,
its contraction and the refining rounds there equal what the engine's SQL rounds give for the same ties, on many
shapes of graph; over the cap the rounds stay on the engine and the report says so."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from linkgraph.scale import analyses, on_driver
from linkgraph.scale.analyses import RunParams, RunReport
from linkgraph.scale.engines import DuckDBEngine, SparkEngine

ig = pytest.importorskip("igraph")


def shaped(seed: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Ties among ids 1..n of one of five shapes (preferential attachment, uniform, small world, planted groups,
    a forest of chains and stars), integral weights 1-5: the same for the same seed."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 160))
    kind = seed % 5
    if kind == 0:
        g = ig.Graph.Barabasi(n, int(rng.integers(1, 4)))
    elif kind == 1:
        g = ig.Graph.Erdos_Renyi(n=n, m=int(rng.integers(1, 3 * n)))
    elif kind == 2:
        g = ig.Graph.Watts_Strogatz(1, n, int(rng.integers(1, 3)), 0.3)
    elif kind == 3:
        group = rng.integers(0, max(n // 8, 1), n)
        u, v = np.triu_indices(n, 1)
        chance = np.where(group[u] == group[v], 0.7, 0.02)
        tied = rng.random(len(u)) < chance
        g = ig.Graph(n=n, edges=np.column_stack([u[tied], v[tied]]).tolist())
    else:
        edges = [(v, int(rng.integers(0, v))) if rng.random() < 0.6 else (v, v - 1) for v in range(1, n)]
        edges = [e for e in edges if rng.random() < 0.8]
        g = ig.Graph(n=n, edges=edges)
    g.simplify()
    g.delete_vertices([v for v in range(g.vcount()) if g.degree(v) == 0])   # the engine's nodes are tie ends
    pairs = np.array(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    a, b = pairs.min(axis=1) + 1, pairs.max(axis=1) + 1
    return g.vcount(), a, b, rng.integers(1, 6, len(a)).astype(float)


def _load(engine: Any, a: np.ndarray, b: np.ndarray, weight: np.ndarray) -> None:
    engine.register("ties", pa.table({"a": a, "b": b, "weight": weight}))
    engine.run("arcs", "arcs")
    engine.run("degree", "degree")


def _table(engine: Any, sql: str) -> dict[int, int]:
    rows = engine.arrow(sql)
    return dict(zip(rows.column(0).to_pylist(), rows.column(1).to_pylist(), strict=True))


def _engine_rounds(engine: Any, n: int) -> dict[str, Any]:
    """Components, core numbers, label propagation and its contraction by the SQL rounds on the engine."""
    report = RunReport(counts={"nodes": n})
    params = RunParams(driver_arcs=0, kcore_driver_arcs=0, max_rounds=1000)
    analyses.components(engine, params, report)
    analyses.kcore(engine, params, report)
    rounds = analyses._propagate(engine, params, report)
    engine.run("super_ties", "contract", labels="lpa")
    pairs = engine.arrow("SELECT a, b, weight FROM super_ties ORDER BY a, b")
    return {"components": _table(engine, "SELECT id, label FROM components"),
            "core": _table(engine, "SELECT id, k FROM core"), "lpa": _table(engine, "SELECT id, label FROM lpa"),
            "rounds": rounds, "contracted": [tuple(r.values()) for r in pairs.to_pylist()]}


def _driver(n: int, a: np.ndarray, b: np.ndarray, weight: np.ndarray) -> dict[str, Any]:
    graph = on_driver.DriverGraph.from_ties(n, a - 1, b - 1, weight)
    ids = graph.ids.tolist()
    params = RunParams()
    spread = on_driver.label_propagation(graph, params.lpa_rounds, params.lpa_settled)
    low, high, summed = on_driver.contracted(graph, spread.labels)
    return {"components": dict(zip(ids, on_driver.component_labels(graph).tolist(), strict=True)),
            "core": dict(zip(ids, on_driver.core_numbers(graph).tolist(), strict=True)),
            "lpa": dict(zip(ids, spread.labels.tolist(), strict=True)), "rounds": spread.rounds,
            "contracted": list(zip(low.tolist(), high.tolist(), summed.tolist(), strict=True))}


def test_driver_measures_equal_the_engines_rounds_on_many_shapes() -> None:
    engine = DuckDBEngine()
    try:
        for seed in range(40):
            n, a, b, weight = shaped(seed)
            if not len(a):
                continue
            _load(engine, a, b, weight)
            want = _engine_rounds(engine, n)
            got = _driver(n, a, b, weight)
            assert got == want, seed
            g = ig.Graph(n=n, edges=np.column_stack([a - 1, b - 1]).tolist())
            assert [got["core"][i + 1] for i in range(n)] == g.coreness(), seed
            assert len(set(got["components"].values())) == len(g.connected_components()), seed
    finally:
        engine.close()


def test_a_whole_run_gives_the_same_on_the_driver_as_in_rounds(tmp_path: Any) -> None:
    """`measures` with the graph pulled (the default) and with every round on the engine (driver_arcs=0): the same
    components, core numbers and groups' label propagation; the report says what ran where."""
    n, a, b, weight = shaped(13)
    answers = []
    for params in (RunParams(), RunParams(driver_arcs=0)):
        engine = DuckDBEngine()
        try:
            _load(engine, a, b, weight)
            report = RunReport(counts={"nodes": n, "ties": len(a)})
            analyses.measures(engine, params, report)
            answers.append({"components": _table(engine, "SELECT id, label FROM components"),
                            "core": _table(engine, "SELECT id, k FROM core"),
                            "lpa_labels": report.counts["lpa_labels"], "modularity": report.groups["modularity"],
                            "on_driver": report.on_driver, "kcore": report.kcore})
        finally:
            engine.close()
    pulled, rounds = answers
    assert pulled["components"] == rounds["components"] and pulled["core"] == rounds["core"]
    assert pulled["lpa_labels"] == rounds["lpa_labels"]
    assert pulled["modularity"] == pytest.approx(rounds["modularity"], abs=0.02)
    assert [m["measure"] for m in pulled["on_driver"]["measures"]] == [
        "components", "k-core", "pagerank", "label propagation", "refining", "betweenness over the whole graph"]
    assert pulled["on_driver"]["arcs"] == 2 * len(a) and pulled["kcore"]["exact"] is True
    assert rounds["on_driver"] == {} and rounds["kcore"]["rounds_engine"] > 0


def test_over_the_cap_the_rounds_stay_on_the_engine() -> None:
    n, a, b, weight = shaped(7)
    engine = DuckDBEngine()
    try:
        _load(engine, a, b, weight)
        report = RunReport(counts={"nodes": n, "ties": len(a)})
        assert on_driver.pull_graph(engine, RunParams(driver_arcs=2 * len(a) - 1), report) is None
        assert "pass the driver's cap" in report.notes[0] and report.on_driver == {}
        assert on_driver.pull_graph(engine, RunParams(driver_arcs=2 * len(a)), report) is not None
    finally:
        engine.close()


def test_fractional_weights_vote_as_on_the_engine() -> None:
    """Weights that are not whole numbers: the driver's votes give the engine's labels where no two votes are
    within rounding of each other (the seeded weights here)."""
    n, a, b, _ = shaped(23)
    weight = np.random.default_rng(3).random(len(a)) + 0.1
    engine = DuckDBEngine()
    try:
        _load(engine, a, b, weight)
        report = RunReport(counts={"nodes": n})
        analyses._propagate(engine, RunParams(), report)
        want = _table(engine, "SELECT id, label FROM lpa")
    finally:
        engine.close()
    graph = on_driver.DriverGraph.from_ties(n, a - 1, b - 1, weight)
    spread = on_driver.label_propagation(graph, RunParams().lpa_rounds, RunParams().lpa_settled)
    assert dict(zip(graph.ids.tolist(), spread.labels.tolist(), strict=True)) == want


def test_spark_local_the_same(spark_session: Any) -> None:
    """On Spark local the driver's tables land as the engine's own (components, core, groups' first labels)."""
    n, a, b, weight = shaped(18)
    engine = SparkEngine("local-spark", session=spark_session)
    try:
        _load(engine, a, b, weight)
        report = RunReport(counts={"nodes": n, "ties": len(a)})
        analyses.measures(engine, RunParams(), report)
        got = {"components": _table(engine, "SELECT id, label FROM components"),
               "core": _table(engine, "SELECT id, k FROM core")}
        grouped = _table(engine, "SELECT id, label FROM groups")
    finally:
        engine.close()
    assert got == {k: v for k, v in _driver(n, a, b, weight).items() if k in got}
    assert set(grouped) == set(range(1, n + 1)) and report.on_driver["measures"]


def test_pagerank_and_refining_equal_the_engines_steps() -> None:
    """PageRank by the same power iteration (within rounding of the sums' order) and the same number of
    iterations; a refining round moves the same nodes to the same groups as `refine_step.sql`."""
    engine = DuckDBEngine()
    try:
        for seed in range(0, 40, 3):
            n, a, b, weight = shaped(seed)
            if not len(a):
                continue
            _load(engine, a, b, weight)
            graph = on_driver.DriverGraph.from_ties(n, a - 1, b - 1, weight)
            report = RunReport(counts={"nodes": n})
            params = RunParams()
            analyses.pagerank(engine, params, report)
            want = _table_float(engine, "SELECT id, x FROM pagerank")
            found = on_driver.pagerank(graph, params.damping, params.pagerank_tol, params.pagerank_max_iter)
            assert found.rounds == report.rounds["pagerank"], seed
            assert max(abs(found.x[i - 1] - x) for i, x in want.items()) < 1e-12, seed
            m = float(weight.sum())
            weight_of = on_driver.strength(graph)
            spread = on_driver.label_propagation(graph, 1, 0.0)
            labels = np.unique(spread.labels, return_inverse=True)[1].astype(np.int64)
            engine.register("g_0", pa.table({"id": graph.ids, "label": labels}))
            for number in range(1, 5):
                engine.run("g_1", "refine_step", marked="moved", groups="g_0", m=m, round=number)
                after = on_driver.refine_round(graph, labels, weight_of, m, number)
                assert _table(engine, "SELECT id, label FROM g_1") == dict(
                    zip(graph.ids.tolist(), after.tolist(), strict=True)), (seed, number)
                q = float(engine.ask("modularity", groups="g_1", m=m))
                assert on_driver.modularity(graph, after, weight_of, m) == pytest.approx(q, abs=1e-12)
                engine.register("g_0", pa.table({"id": graph.ids, "label": after}))
                labels = after
    finally:
        engine.close()


def _table_float(engine: Any, sql: str) -> dict[int, float]:
    rows = engine.arrow(sql)
    return dict(zip(rows.column(0).to_pylist(), rows.column(1).to_pylist(), strict=True))


def test_whole_graph_betweenness_is_the_desktops(monkeypatch: pytest.MonkeyPatch) -> None:
    """Betweenness over the whole graph on the driver equals the desktop's `centrality.betweenness`, exact and
    sampled (the same sources where the nodes are in the same order); ranks are highest first, ties by id."""
    import networkx as nx

    from linkgraph.analysis import centrality

    for sampled in (False, True):
        if sampled:
            monkeypatch.setattr(centrality, "EXACT_WORK", 0)
            monkeypatch.setattr(centrality, "MIN_SAMPLE", 5)
            monkeypatch.setattr(centrality, "SAMPLE_WORK", 0)
        for seed in range(0, 40, 4):
            n, a, b, weight = shaped(seed)
            if n < 6:
                continue
            graph = on_driver.DriverGraph.from_ties(n, a - 1, b - 1, weight)
            found = on_driver.betweenness(graph, 7)
            desktop = nx.Graph()
            desktop.add_nodes_from(range(1, n + 1))
            desktop.add_edges_from(zip(a.tolist(), b.tolist(), strict=True))
            want, k = centrality.betweenness(desktop, seed=7)
            assert found.sources == k and (k == 5) == sampled, seed
            assert max(abs(found.x[i - 1] - x) for i, x in want.items()) < 1e-12, seed
            order = sorted(want, key=lambda i: (-want[i], i))
            assert [int(found.rank[i - 1]) for i in order] == list(range(1, n + 1)), seed


def test_swap_rounds_shared_contacts_equal_the_sql() -> None:
    """One round of the number-swap search's join on the driver (`on_driver.shared_contacts`) gives the rows of
    `swap_shared.sql`: the same (old, new) pairs and shared counts, with chains, hubs and date windows."""
    from linkgraph.scale.engines import sql_text

    day = 86_400
    found = hubbed = 0
    engine = DuckDBEngine()
    try:
        for seed in range(30):
            n, a, b, _ = shaped(seed)
            if not len(a):
                continue
            rng = np.random.default_rng(seed)
            phone = np.r_[a, b]
            contact = np.r_[b, a]
            # Whole days give many gaps right at the window's edges; half seconds test the exact check.
            first = rng.integers(0, 100, n + 1) * day + rng.integers(0, 3, n + 1) + rng.choice([0.0, 0.5], n + 1)
            last = first + rng.integers(0, 60, n + 1) * day
            ids = np.arange(1, n + 1)
            olds = np.sort(rng.choice(ids, size=max(n // 3, 1), replace=False))
            news = np.sort(rng.choice(ids, size=max(n // 3, 1), replace=False))
            root = np.arange(n + 1, dtype=np.int64)
            chains = rng.choice(ids, size=min(n, 3 * (n // 10)), replace=False).reshape(-1, 3)
            for top, *members in chains.tolist():
                root[members] = top
            in_chain = np.flatnonzero(root != np.arange(n + 1))
            engine.register("contacts", pa.table({"phone": phone, "contact": contact}))
            engine.run("contact_degree", "contact_degree")
            engine.register("phone_span", pa.table({"phone": ids, "first_time": first[1:].astype(float),
                                                    "last_time": last[1:].astype(float)}))
            engine.register("chain", pa.table({"phone": in_chain, "root": root[in_chain]}))
            engine.register("olds", pa.table({"phone": olds}))
            engine.register("news", pa.table({"phone": news}))
            hub = int(rng.integers(3, 12))
            rows = engine.arrow(sql_text("swap_shared", hub_limit=hub, max_overlap=float(2 * day),
                                         max_gap=float(21 * day))).to_pylist()
            want = {(r["old"], r["new"]): r["shared"] for r in rows}
            held = on_driver.Contacts.from_pairs(phone, contact, n + 1)
            o, w, shared = on_driver.shared_contacts(held, olds, news, root, first.astype(float),
                                                     last.astype(float), hub, float(2 * day), float(21 * day))
            got = dict(zip(zip(o.tolist(), w.tolist(), strict=True), shared.tolist(), strict=True))
            assert got == want, seed
            found += len(got)
            hubbed += int((held.degree > hub).sum() > 0)
    finally:
        engine.close()
    assert found > 200 and hubbed > 10        # the rounds made pairs, and hubs were left out
