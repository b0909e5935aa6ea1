"""Betweenness within each group at scale: each group's ties (both ends in the group) go to one Python call that
computes the group's betweenness with igraph, as the desktop does for a whole case (hops, unweighted, normalised
as networkx), exact up to a size, else from a seeded sample of sources scaled by n/k. Spark feeds the groups
through `applyInPandas`, DuckDB through Arrow batches ordered by group; the function is the same
(`betweenness_of_group`).

Which nodes count: the nodes of a group that have a tie inside it (a member whose ties all leave its group is
in no path inside it and gets no value; n in the normalisation counts the nodes with one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from linkgraph.analysis.centrality import sample_positions
from linkgraph.scale.engines import GroupFeed

if TYPE_CHECKING:
    from linkgraph.scale.analyses import RunParams, RunReport
    from linkgraph.scale.engines import Engine

# One group's ties: the group, the two ends (node ids). One group's answer: a row per node with a tie inside it.
GROUP_TIES = """
SELECT ga.label AS grp, t.a, t.b
FROM ties t
JOIN groups ga ON ga.id = t.a
JOIN groups gb ON gb.id = t.b
WHERE ga.label = gb.label
"""
SCHEMA = pa.schema([("grp", pa.int64()), ("id", pa.int64()), ("group_betweenness", pa.float64()),
                    ("sources", pa.int64())])


@dataclass(frozen=True)
class GroupSampling:
    """When a group's betweenness is exact, and how a larger group's is sampled (kept in the manifest)."""

    exact_nodes: int = 2_000     # groups up to this many nodes (with a tie inside): exact
    sources: int = 32            # larger groups: this many seeded sources, values scaled by n/k
    seed: int = 7


def betweenness_of_group(ties: Mapping[str, np.ndarray], sampling: GroupSampling) -> dict[str, np.ndarray]:
    """One group's betweenness on the graph its inner ties make (columns grp, a, b: every row one group):
    normalised 2 / ((n-1)(n-2)) as the desktop's `centrality.betweenness`; `sources` is 0 when exact, else the
    number of sources sampled (positions drawn as the desktop draws them, nodes in id order)."""
    import igraph as ig

    a, b = np.asarray(ties["a"], dtype=np.int64), np.asarray(ties["b"], dtype=np.int64)
    group = int(np.asarray(ties["grp"])[0])
    ids = np.unique(np.concatenate([a, b]))
    n = len(ids)
    sources = 0
    if n < 3:
        values = np.zeros(n)
    else:
        graph = ig.Graph(n=n, edges=np.column_stack([np.searchsorted(ids, a), np.searchsorted(ids, b)]).tolist())
        if n <= sampling.exact_nodes or sampling.sources >= n:
            raw = np.asarray(graph.betweenness(directed=False), dtype=float)
        else:
            sources = sampling.sources
            chosen = sample_positions(np.arange(n), sources, sampling.seed)
            raw = np.asarray(graph.betweenness(directed=False, sources=chosen), dtype=float) * n / sources
        values = raw * 2.0 / ((n - 1) * (n - 2))
    return {"grp": np.full(n, group, dtype=np.int64), "id": ids, "group_betweenness": values,
            "sources": np.full(n, sources, dtype=np.int64)}


def _as_table(parts: list[dict[str, np.ndarray]]) -> pa.Table:
    if not parts:
        return SCHEMA.empty_table()
    return pa.table({name: pa.array(np.concatenate([p[name] for p in parts]), SCHEMA.field(name).type)
                     for name in SCHEMA.names}, schema=SCHEMA)


def per_group_batches(batches: pa.RecordBatchReader, sampling: GroupSampling) -> pa.Table:
    """DuckDB's feed: the inner ties ordered by group as Arrow batches; each group (possibly across batches)
    handed to `betweenness_of_group` once complete."""
    parts: list[dict[str, np.ndarray]] = []
    held: list[pa.RecordBatch] = []          # the rows of the group the last batch ended in
    for batch in batches:
        groups = batch.column("grp").to_numpy()
        if not len(groups):
            continue
        starts = np.flatnonzero(np.diff(groups)) + 1
        if held and int(held[-1].column("grp")[0].as_py()) != int(groups[0]):
            parts.append(_group_of(held, sampling))
            held = []
        edges = [0, *starts.tolist(), len(groups)]
        for low, high in zip(edges[:-2], edges[1:-1], strict=True):
            held.append(batch.slice(low, high - low))
            parts.append(_group_of(held, sampling))
            held = []
        held.append(batch.slice(edges[-2], edges[-1] - edges[-2]))
    if held:
        parts.append(_group_of(held, sampling))
    return _as_table(parts)


def _group_of(held: list[pa.RecordBatch], sampling: GroupSampling) -> dict[str, np.ndarray]:
    table = pa.Table.from_batches(held)
    return betweenness_of_group({c: table.column(c).to_numpy() for c in ("grp", "a", "b")}, sampling)


def in_pandas(sampling: GroupSampling):  # noqa: ANN201  # returns a pandas function; pandas is Spark's import
    """Spark's feed: the function `applyInPandas` calls with one group's rows as a pandas DataFrame."""

    def one_group(frame):  # noqa: ANN001, ANN202
        import pandas as pd

        got = betweenness_of_group({c: frame[c].to_numpy() for c in ("grp", "a", "b")}, sampling)
        return pd.DataFrame(got, columns=SCHEMA.names)

    return one_group


SPARK_SCHEMA = "grp long, id long, group_betweenness double, sources long"


def group_betweenness(engine: Engine, params: RunParams, report: RunReport) -> None:
    """The table `group_betweenness` (grp, id, group_betweenness, sources) after the groups step, and what was
    sampled in `report.betweenness` (the manifest's account)."""
    sampling = GroupSampling(params.betweenness_exact_nodes, params.betweenness_sources, params.seed)
    feed = GroupFeed(batches=lambda reader: per_group_batches(reader, sampling), in_pandas=in_pandas(sampling),
                     spark_schema=SPARK_SCHEMA)
    report.counts["group_betweenness_nodes"] = engine.per_group("group_betweenness", GROUP_TIES, "grp", feed)
    sampled = engine.arrow("SELECT grp, COUNT(*) AS nodes, MAX(sources) AS sources FROM group_betweenness "
                           "GROUP BY grp HAVING MAX(sources) > 0 ORDER BY grp").to_pylist()
    sizes = engine.arrow("SELECT COUNT(*) AS groups, MAX(nodes) AS largest FROM "
                         "(SELECT grp, COUNT(*) AS nodes FROM group_betweenness GROUP BY grp) s").to_pylist()[0]
    groups = int(sizes["groups"] or 0)
    report.betweenness = {
        "method": "within each group (ties with both ends in it), igraph, hops, normalised as networkx",
        "exact_nodes": sampling.exact_nodes, "sources": sampling.sources, "seed": sampling.seed,
        "groups": groups, "largest_group_nodes": int(sizes["largest"] or 0), "groups_sampled": len(sampled),
        "sampled": [{"group": row["grp"], "nodes": row["nodes"], "sources": row["sources"]} for row in sampled],
    }


def described(account: dict[str, Any]) -> str:
    """The manifest's `sample_sizes.betweenness` line."""
    if not account:
        return "not run"
    said = (f"within each group: exact up to {account['exact_nodes']:,} nodes, else {account['sources']} seeded "
            f"sources (seed {account['seed']}, scaled by n/k); groups: {account['groups']:,}, "
            f"sampled: {account['groups_sampled']:,}")
    whole = account.get("whole_graph")
    if whole:
        sources = whole["sources"]
        said += ("; over the whole graph on the driver: " + (f"{sources} seeded sources of {whole['nodes']:,} nodes "
                 f"(seed {whole['seed']}, scaled by n/k)" if isinstance(sources, int) else "exact"))
    return said
