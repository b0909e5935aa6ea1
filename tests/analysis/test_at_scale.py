"""The array versions of the analysis's per-entity arithmetic (analysis/at_scale.py) give exactly what the
plain versions give, value for value, on random and on hand-made inputs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from linkgraph.analysis import at_scale, centrality, disruption


@pytest.mark.parametrize("seed", range(5))
def test_key_player_scores_equal_the_plain_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 500
    nodes = rng.choice(10_000, n, replace=False).tolist()
    degree = dict(zip(nodes, rng.integers(0, 40, n).tolist(), strict=True))
    between = dict(zip(nodes, (rng.random(n) * rng.integers(0, 2, n)).tolist(), strict=True))
    rank = dict(zip(nodes, (rng.random(n) / n).tolist(), strict=True))
    plain = centrality.key_player_scores(degree, between, rank)
    fast = at_scale.key_player_scores(*(at_scale.column(v, nodes) for v in (degree, between, rank)))
    assert dict(zip(nodes, fast.tolist(), strict=True)) == plain


def test_key_player_scores_of_an_empty_or_flat_graph() -> None:
    zeros = {1: 0, 2: 0}
    assert at_scale.key_player_scores(*(at_scale.column(zeros, [1, 2]),) * 3).tolist() == \
        list(centrality.key_player_scores(zeros, zeros, zeros).values())
    assert at_scale.key_player_scores(np.zeros(0), np.zeros(0), np.zeros(0)).tolist() == []


def test_column_follows_the_node_order_whatever_the_dict_order() -> None:
    assert at_scale.column({3: 1.0, 1: 2.0}, [1, 3, 5]).tolist() == [2.0, 1.0, 0.0]
    assert at_scale.column({1: 2.0, 3: 1.0}, [1, 3]).tolist() == [2.0, 1.0]


def test_measure_scores_and_columns_agree_with_the_dicts() -> None:
    graph = nx.relabel_nodes(nx.les_miserables_graph(), {n: i * 3 for i, n in
                                                         enumerate(sorted(nx.les_miserables_graph()))})
    m = centrality.measure(graph)
    assert m.score == centrality.key_player_scores(m.degree, m.betweenness, m.pagerank)
    for name in ("degree", "betweenness", "pagerank", "score", "weighted_degree", "eigenvector", "closeness",
                 "core"):
        assert dict(zip(m.nodes, m.columns[name].tolist(), strict=True)) == getattr(m, name)


def test_disruption_with_shared_components_equals_a_fresh_count() -> None:
    graph = nx.barbell_graph(6, 3)
    graph.add_edges_from([(100, 101), (101, 102)])
    data = centrality.arrays(graph)
    nx.set_node_attributes(graph, "Phone", "type")
    shared = disruption.key_players(graph, k=3, data=data)
    fresh = disruption.key_players(graph, k=3, data=centrality.arrays(graph))
    assert shared == fresh
    g = data.igraph
    assert disruption.pairs_after_removal(g).tolist() == \
        disruption.pairs_after_removal(g, membership=data.components()).tolist()
    assert disruption.state(g) == disruption.state(g, membership=data.components())


@pytest.mark.parametrize("seed", range(6))
def test_numbered_equals_the_plain_renumbering_order_included(seed: int) -> None:
    from linkgraph.analysis.communities import _numbered

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    nodes = rng.choice(100_000, n, replace=False).tolist()
    groups = rng.integers(0, int(rng.integers(1, 40)), n) * int(rng.integers(1, 5))   # gaps in the numbers
    fast = at_scale.numbered(nodes, groups.tolist())
    plain = _numbered(dict(zip(nodes, groups.tolist(), strict=True)))
    assert fast == plain and list(fast.items()) == list(plain.items())
    assert at_scale.numbered([], []) == {}


@pytest.mark.parametrize("high", [1, 50, 10**12])
def test_sorted_distinct_equals_numpy_unique(high: int) -> None:
    values = np.random.default_rng(high % 97).integers(-high, high, 5_000)
    assert at_scale.sorted_distinct(values).tolist() == np.unique(values).tolist()
    assert at_scale.sorted_distinct(np.zeros(0, dtype=np.int64)).tolist() == []


@pytest.mark.parametrize("high", [1, 50, 5_000, 10**12])
@pytest.mark.parametrize("signed", [False, True])
def test_distinct_ids_equal_numpy_unique(high: int, signed: bool) -> None:
    rng = np.random.default_rng(high % 89)
    a, b = rng.integers(-high if signed else 0, high, 3_000), rng.integers(0, high, 2_000)
    ids, where = at_scale.dense_distinct(a, b)
    assert ids.dtype == np.int64 and ids.tolist() == np.unique(np.r_[a, b]).tolist()
    assert at_scale.distinct_ids(a, b).tolist() == ids.tolist()
    assert (where is None) == (signed or high == 10**12)            # a table only for dense ids of 0 or more
    if where is not None:
        assert ids[where[a]].tolist() == a.tolist() and ids[where[b]].tolist() == b.tolist()
    assert at_scale.distinct_ids(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)).tolist() == []


@pytest.mark.parametrize("texts", [
    ['{"kind": "mobile_or_fixed"}', None, "", "{}", '{"city": "Fresno", "n": [1, 2.5, null]}'],
    ['{"imei": 1234567890123456789012}', '{"a": 1}'],         # a long integer: read as the standard library does
    ['{"x": NaN}', '{"a": 1}'],                               # orjson refuses NaN
    ['[1, 2]', '"text"', '{"a": {"b": true}}'],
    [],
])
def test_entity_attributes_read_at_once_equal_one_by_one(texts: list) -> None:
    from linkgraph.graph import _all_attrs, _attrs

    one_by_one = [_attrs(t) if t and t != "{}" else {} for t in texts]
    assert _all_attrs(list(texts)) == one_by_one


@pytest.mark.parametrize("seed", range(5))
def test_members_in_score_order_equal_the_plain_walk(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    ids = np.sort(rng.choice(10_000, n, replace=False))
    group = rng.integers(0, int(rng.integers(1, 20)), n)
    score = np.round(rng.random(n), 1)                          # ties on score, settled by id
    plain: dict[int, list[int]] = {}
    for position in sorted(range(n), key=lambda p: (-score[p], ids[p])):
        plain.setdefault(int(group[position]), []).append(position)
    positions, bounds = at_scale.members_in_score_order(ids, group, score)
    fast = {cid: positions[bounds[k]:bounds[k + 1]] for k, cid in enumerate(sorted(plain))}
    assert fast == plain and len(bounds) == len(plain) + 1


@pytest.mark.parametrize("seed", range(6))
def test_lexsort_equals_numpys(seed: int) -> None:
    """at_scale.lexsort against np.lexsort: whole-number keys (ints, epoch seconds as floats, negatives, many
    ties), keys too wide to join, and keys it leaves to numpy (fractions, NaN)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 3000))
    ids = rng.permutation(n) if seed % 2 else rng.integers(0, 40, n)
    starts = rng.integers(1_709_251_200, 1_709_251_200 + 90 * 86_400, n).astype(float)
    ends = rng.integers(-5, 60, n)
    wide = rng.integers(0, 1 << 61, n)
    fractions = starts + rng.random(n)
    with_nan = np.where(rng.random(n) < 0.1, np.nan, starts)
    for keys in ((ids, starts, ends), (ends,), (starts, ends), (wide, ends), (ids, wide), (fractions, ends),
                 (ids, with_nan, ends), (ends.astype(np.uint32), ids)):
        assert (at_scale.lexsort(keys) == np.lexsort(keys)).all()


@pytest.mark.parametrize("seed", range(5))
def test_group_extremes_equal_the_rows_copied_out(seed: int) -> None:
    """Untimed rows (NaN), rows left out, groups with no row counted, a NaN end beside a start."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 2_000))
    count = int(rng.integers(1, 40))
    group = rng.integers(0, count, n)
    low = rng.integers(1_709_251_200, 1_709_251_200 + 86_400 * 30, n).astype(float)
    high = low + rng.integers(0, 3_600, n)
    low[rng.random(n) < 0.2] = np.nan
    high[rng.random(n) < 0.02] = np.nan
    rows = rng.random(n) < 0.7
    with np.errstate(invalid="ignore"):                         # a NaN end makes its group's greatest NaN
        fast = at_scale.group_extremes(group, low, high, count, rows)
        plain = at_scale.group_extremes_reference(group, low, high, count, rows)
    for got, expected in zip(fast, plain, strict=True):
        assert np.array_equal(got, expected, equal_nan=True)
