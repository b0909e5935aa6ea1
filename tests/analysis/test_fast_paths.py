"""Fast paths of the measures, groups and disruption held to the plain way they replace: same values, same order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from linkgraph.analysis import centrality
from linkgraph.analysis.at_scale import sorted_distinct


def _edges(rng: np.random.Generator, ids: np.ndarray, m: int, *, folded: bool) -> pd.DataFrame:
    a, b = rng.choice(ids, m), rng.choice(ids, m)
    keep = a != b
    low, high = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    pairs = np.unique(np.column_stack([low, high]), axis=0)
    if not folded:
        pairs = rng.permutation(pairs)
        flip = rng.random(len(pairs)) < 0.5
        pairs[flip] = pairs[flip][:, ::-1]
    k = len(pairs)
    first = rng.integers(0, 10_000, k).astype(float)
    first[rng.random(k) < 0.2] = np.nan
    return pd.DataFrame({"a": pairs[:, 0], "b": pairs[:, 1], "weight": rng.integers(1, 9, k).astype(float),
                         "count": rng.integers(1, 9, k), "first": first, "last": first + 5})


@pytest.mark.parametrize("sparse", [False, True])
def test_end_positions_equal_a_sort_and_binary_search(sparse: bool) -> None:
    rng = np.random.default_rng(3)
    ids = rng.choice(10**12 if sparse else 5_000, 2_000, replace=False).astype(np.int64)
    a, b = rng.choice(ids, 7_000), rng.choice(ids, 7_000)
    nodes, pa, pb = centrality._positions(a, b)
    expected = sorted_distinct(np.r_[a, b])
    assert nodes.dtype == np.int64 and np.array_equal(nodes, expected)
    assert np.array_equal(pa, np.searchsorted(expected, a)) and np.array_equal(pb, np.searchsorted(expected, b))


@pytest.mark.parametrize("folded", [True, False])
def test_arrays_of_edges_in_order_or_not_equal_the_sorted_ones(folded: bool) -> None:
    rng = np.random.default_rng(5)
    edges = _edges(rng, np.arange(1, 800) * 3, 4_000, folded=folded)
    data = centrality.GraphArrays.from_edges(edges)
    order = np.lexsort((np.maximum(edges["a"], edges["b"]), np.minimum(edges["a"], edges["b"])))
    nodes = sorted_distinct(np.r_[edges["a"].to_numpy(), edges["b"].to_numpy()])
    low = np.searchsorted(nodes, np.minimum(edges["a"], edges["b"]).to_numpy()[order])
    high = np.searchsorted(nodes, np.maximum(edges["a"], edges["b"]).to_numpy()[order])
    assert data.nodes == nodes.tolist()
    assert np.array_equal(data.a, low) and np.array_equal(data.b, high)
    assert np.array_equal(data.weight, edges["weight"].to_numpy(float)[order])
    assert np.array_equal(data.first, edges["first"].to_numpy(float)[order], equal_nan=True)
    assert data.igraph.get_edgelist() == list(zip(low.tolist(), high.tolist(), strict=True))
    assert centrality._in_order(data.a, data.b) and (folded or not centrality._in_order(
        np.minimum(edges["a"], edges["b"]).to_numpy(), np.maximum(edges["a"], edges["b"]).to_numpy()))
