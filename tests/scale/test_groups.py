"""The groups' driver part: the super-graph's modularity is the original partition's (as `modularity.sql`
computes it on the engine), and igraph's Leiden on the super-graph (the fast path) finds groups as good as
leidenalg's (the earlier code, kept as the reference) and near full Leiden on the whole graph."""

from __future__ import annotations

import igraph as ig
import numpy as np
import pyarrow as pa
import pytest

from linkgraph.scale.analyses import RunParams, SuperGraph, leiden_super, leiden_super_reference
from linkgraph.scale.engines import DuckDBEngine

MODULARITY_GAP = 0.05          # as test_engines: groups at scale against full Leiden on the whole graph


def _planted(seed: int, nodes: int = 3000, groups: int = 40, ties: int = 24000) -> tuple[pa.Table, np.ndarray]:
    """Ties (a < b, weight) among `nodes` nodes in `groups` planted groups, a tenth of the ties at random; and
    each node's planted group (by id: node i has id i + 1)."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, groups, nodes)
    a = rng.integers(0, nodes, ties)
    members = [np.flatnonzero(group == g) for g in range(groups)]
    b = np.array([rng.choice(members[group[x]]) for x in a])
    stray = rng.random(ties) < 0.1
    b = np.where(stray, rng.integers(0, nodes, ties), b)
    keep = a != b
    lo, hi = np.minimum(a, b)[keep] + 1, np.maximum(a, b)[keep] + 1       # ids from 1, as nodes.sql numbers them
    pairs = np.unique(np.column_stack([lo, hi]), axis=0)
    weight = rng.integers(1, 5, len(pairs)).astype(float)
    return pa.table({"a": pa.array(pairs[:, 0], pa.int64()), "b": pa.array(pairs[:, 1], pa.int64()),
                     "weight": pa.array(weight)}), group


def _engine(ties: pa.Table, group: np.ndarray, seed: int) -> DuckDBEngine:
    """A DuckDB engine holding the ties, their arcs and degree, and labels as label propagation leaves them:
    each planted group split at random into 15 labels, and a twentieth of the nodes labelled at random."""
    engine = DuckDBEngine()
    engine.register("ties", ties)
    engine.run("arcs", "arcs")
    engine.run("degree", "degree")
    ids = engine.arrow("SELECT id FROM degree ORDER BY id").column("id").to_numpy()
    rng = np.random.default_rng(seed)
    labels = group[ids - 1] * 15 + rng.integers(0, 15, len(ids))
    labels = np.where(rng.random(len(ids)) < 0.05, rng.integers(0, labels.max() + 1, len(ids)), labels)
    engine.register("lpa", pa.table({"id": pa.array(ids, pa.int64()), "label": pa.array(labels, pa.int64())}))
    return engine


@pytest.mark.parametrize("seed", [1, 2])
def test_super_graph_modularity_is_the_original_partitions(seed: int) -> None:
    ties, group = _planted(seed)
    engine = _engine(ties, group, seed)
    try:
        m = float(engine.scalar("SELECT SUM(weight) FROM ties"))
        engine.run("super_ties", "contract", labels="lpa")
        graph = SuperGraph.from_ties(engine.arrow("SELECT a, b, weight FROM super_ties"))
        membership = leiden_super(graph, RunParams())
        engine.register("supergroups", pa.table({"label": pa.array(graph.labels, pa.int64()),
                                                 "grp": pa.array(membership, pa.int64())}))
        engine.run("groups_0", "groups_expand", labels="lpa")
        for table, of_super in (("lpa", np.arange(len(graph.labels))), ("groups_0", membership)):
            on_engine = float(engine.ask("modularity", groups=table, m=m))
            assert graph.modularity(of_super) == pytest.approx(on_engine, abs=1e-12)
        # ... and igraph's modularity of the same partition of the original graph.
        rows = engine.arrow("SELECT id, label FROM groups_0 ORDER BY id")
        ids = rows.column("id").to_numpy()
        original = ig.Graph(n=int(ids.max()) + 1, edges=np.column_stack(
            [ties.column("a").to_numpy(), ties.column("b").to_numpy()]).tolist())
        member = np.zeros(int(ids.max()) + 1, dtype=np.int64)
        member[ids] = rows.column("label").to_numpy()
        member[0] = member.max() + 1                      # id 0 is no node: alone, without ties
        want = original.modularity(member.tolist(), weights=ties.column("weight").to_numpy().tolist())
        assert graph.modularity(membership) == pytest.approx(want, abs=1e-12)
    finally:
        engine.close()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_igraph_leiden_on_the_super_graph_as_good_as_leidenalg(seed: int) -> None:
    ties, group = _planted(seed)
    engine = _engine(ties, group, seed)
    try:
        engine.run("super_ties", "contract", labels="lpa")
        graph = SuperGraph.from_ties(engine.arrow("SELECT a, b, weight FROM super_ties"))
    finally:
        engine.close()
    params = RunParams()
    fast = graph.modularity(leiden_super(graph, params))
    reference = graph.modularity(leiden_super_reference(graph, params))
    assert fast >= reference - 0.005
    assert fast > graph.modularity(np.arange(len(graph.labels))) + 0.1      # Leiden merged the labels well
    whole = ig.Graph(n=int(ties.column("b").to_numpy().max()) + 1, edges=np.column_stack(
        [ties.column("a").to_numpy(), ties.column("b").to_numpy()]).tolist())
    weights = ties.column("weight").to_numpy().tolist()
    full = whole.community_leiden(objective_function="modularity", weights=weights, n_iterations=-1)
    assert fast >= whole.modularity(full.membership, weights=weights) - MODULARITY_GAP
    # The same seed, the same groups; a lower resolution, fewer of them (as leidenalg's RBConfiguration).
    assert leiden_super(graph, params).tolist() == leiden_super(graph, params).tolist()
    coarse = RunParams(resolution=0.02)
    fewer = len(set(leiden_super(graph, coarse).tolist()))
    assert fewer < len(set(leiden_super(graph, params).tolist()))
    assert fewer == pytest.approx(len(set(leiden_super_reference(graph, coarse).tolist())), abs=2)


def test_refining_stops_only_when_the_rounds_left_would_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refining stops early only once both halves have moved nothing kept on the same groups: a further round of
    either half would then make the groups no better (refining is made to find moves here by starting from one
    round of label propagation, Leiden left out)."""
    from linkgraph.scale import analyses

    ties, group = _planted(4)
    engine = _engine(ties, group, 4)
    try:
        engine.db.execute("DROP TABLE lpa")              # groups() runs its own label propagation (one round)
        report = analyses.RunReport(counts={"nodes": int(engine.scalar("SELECT COUNT(*) FROM degree"))})
        monkeypatch.setattr(analyses, "leiden_super", lambda graph, params: np.arange(len(graph.labels)))
        analyses.groups(engine, RunParams(refine_rounds=60, lpa_rounds=1), report)
        ran, kept = report.rounds["refining"], report.groups["refining_rounds_kept"]
        assert 0 < kept < ran < 60                       # rounds kept, then the rest skipped
        m = float(engine.scalar("SELECT SUM(weight) FROM ties"))
        best = float(engine.ask("modularity", groups="groups", m=m))
        assert best == pytest.approx(report.groups["modularity"], abs=1e-6)
        for number in (ran + 1, ran + 2):                # each half once more
            moved = engine.run("probe", "refine_step", marked="moved", groups="groups", m=m, round=number)
            if moved:
                assert float(engine.ask("modularity", groups="probe", m=m)) <= best + 1e-12
    finally:
        engine.close()
