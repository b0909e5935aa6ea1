"""Betweenness within each group at scale equals the desktop's betweenness (`centrality.betweenness`, igraph)
on each group's graph built from the run's own groups and ties, exact and sampled, on DuckDB (groups fed as
Arrow batches, also split across batches) and Spark local (`applyInPandas`); a sampled group gives the same
values on both engines for the same seed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from linkgraph.analysis.centrality import betweenness
from linkgraph.case import CaseFile
from linkgraph.scale import engines
from linkgraph.scale.analyses import ENTITY_RESULTS, RunParams
from linkgraph.scale.engines import DuckDBEngine, SparkEngine
from linkgraph.scale.push import push_case
from linkgraph.scale.run import analyse, load_snapshot, snapshot
from linkgraph.scale.store import open_store

TOLERANCE = 1e-9
SAMPLED = RunParams(betweenness_exact_nodes=6, betweenness_sources=4)   # every group over 6 nodes sampled


@pytest.fixture(scope="module")
def stores(seeded_paths: dict[int, Path], sample_reviewed: Any,
           tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Seeded case 1 and the sample case, each pushed to a store of its own."""
    out = {}
    paths = {"seeded": seeded_paths[1],
             "sample": sample_reviewed.copy(tmp_path_factory.mktemp("gb-sample") / "sample.lgcase")}
    for name, path in paths.items():
        folder = tmp_path_factory.mktemp(f"gb-{name}")
        with CaseFile.open(path) as case, open_store(folder, create=True) as store:
            push_case(case, store)
            out[name] = {"store": folder, "snapshot": snapshot(store, "latest")}
    return out


def _run(engine: Any, entry: dict[str, Any], params: RunParams) -> dict[str, Any]:
    """The run's groups, ties, group betweenness per node id, and the entities' results."""
    with open_store(entry["store"]) as store:
        load_snapshot(engine, store, entry["snapshot"])
        report = analyse(engine, params)
    groups = {r["id"]: r["label"] for r in engine.arrow("SELECT id, label FROM groups").to_pylist()}
    ties = [(r["a"], r["b"]) for r in engine.arrow("SELECT a, b FROM ties").to_pylist()]
    values = {r["id"]: r for r in engine.arrow("SELECT * FROM group_betweenness").to_pylist()}
    keys = {r["id"]: r["ekey"] for r in engine.arrow("SELECT id, ekey FROM nodes").to_pylist()}
    entities = {r["ekey"]: r["group_betweenness"] for r in engine.arrow(ENTITY_RESULTS).to_pylist()}
    return {"groups": groups, "ties": ties, "values": values, "keys": keys, "entities": entities,
            "account": report.betweenness}


def _desktop(run: dict[str, Any], params: RunParams) -> dict[int, tuple[float, int | None]]:
    """Each group's graph (its inner ties) through the desktop's betweenness: value and sample per node id."""
    inner: dict[int, nx.Graph] = {}
    for a, b in run["ties"]:
        if run["groups"][a] == run["groups"][b]:
            inner.setdefault(run["groups"][a], nx.Graph()).add_edge(a, b)
    out = {}
    for graph in inner.values():
        n = graph.number_of_nodes()
        sample = None if n <= params.betweenness_exact_nodes else params.betweenness_sources
        values, k = betweenness(graph, seed=params.seed, sample=sample)
        out.update({node: (value, k) for node, value in values.items()})
    return out


def _check(run: dict[str, Any], params: RunParams) -> None:
    want = _desktop(run, params)
    assert set(run["values"]) == set(want)
    for node, (value, k) in want.items():
        got = run["values"][node]
        assert got["group_betweenness"] == pytest.approx(value, abs=TOLERANCE)
        assert got["sources"] == (k or 0)
        assert run["entities"][run["keys"][node]] == pytest.approx(value, abs=TOLERANCE)
    alone = [key for node, key in run["keys"].items() if node not in want]
    assert all(run["entities"][key] is None for key in alone)      # in no tie of its group: null
    sampled = {run["groups"][node] for node, (_, k) in want.items() if k}
    account = run["account"]
    assert account["groups_sampled"] == len(sampled)
    assert {row["group"] for row in account["sampled"]} == sampled
    assert account["groups"] == len({run["groups"][node] for node in want})


def _sampled_values(run: dict[str, Any]) -> dict[frozenset[str], dict[str, float]]:
    """Each sampled group (as its members' keys) with its members' values."""
    by_group: dict[int, dict[str, float]] = {}
    for node, row in run["values"].items():
        if row["sources"]:
            by_group.setdefault(row["grp"], {})[run["keys"][node]] = row["group_betweenness"]
    return {frozenset(values): values for values in by_group.values()}


@pytest.mark.parametrize("case", ["seeded", "sample"])
@pytest.mark.parametrize("sampled", [False, True])
def test_duckdb_equals_desktop(stores: dict[str, Any], case: str, sampled: bool,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    params = SAMPLED if sampled else RunParams()
    if sampled:
        monkeypatch.setattr(engines, "GROUP_BATCH_ROWS", 7)     # groups split across Arrow batches
    engine = DuckDBEngine()
    try:
        run = _run(engine, stores[case], params)
    finally:
        engine.close()
    _check(run, params)
    if sampled:
        assert run["account"]["groups_sampled"] > 0
    else:
        assert run["account"]["groups_sampled"] == 0 and run["account"]["groups"] > 1


@pytest.mark.parametrize("case", ["seeded", "sample"])
def test_spark_local_equals_desktop_and_duckdb(stores: dict[str, Any], case: str, spark_session: Any) -> None:
    """Sampled groups (and the exact ones under the threshold) on Spark; each sampled group found by both
    engines gives both the same values."""
    engine = SparkEngine("local-spark", session=spark_session)
    try:
        run = _run(engine, stores[case], SAMPLED)
    finally:
        engine.close()
    _check(run, SAMPLED)
    duck = DuckDBEngine()
    try:
        reference = _run(duck, stores[case], SAMPLED)
    finally:
        duck.close()
    ours, theirs = _sampled_values(run), _sampled_values(reference)
    shared = set(ours) & set(theirs)
    assert shared
    for members in shared:
        for key, value in ours[members].items():
            assert value == pytest.approx(theirs[members][key], abs=TOLERANCE)
