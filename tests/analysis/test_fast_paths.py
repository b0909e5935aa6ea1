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


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_betweenness_split_between_processes_equals_igraphs_sampled_sum(seed: int) -> None:
    """The first sources summed elsewhere in one call, the rest added here one by one in source order: igraph's
    own value, bit for bit, however many are done elsewhere."""
    rng = np.random.default_rng(seed)
    data = centrality.GraphArrays.from_edges(_edges(rng, np.arange(3_000), 12_000, folded=True))
    for sample in (7, 16):
        plain, k = centrality.betweenness(None, seed=seed, data=data, sample=sample)
        sources = centrality.sample_positions(np.arange(len(data.nodes)), sample, seed)
        for count in (0, 1, sample // 2 + 1, sample - 1, sample):
            theirs = sources[:count]
            asked = []

            def fetch(theirs=theirs, asked=asked) -> np.ndarray:
                asked.append(True)
                return centrality.source_sum(data, theirs)
            split, k2 = centrality.betweenness(None, seed=seed, data=data, sample=sample,
                                               elsewhere=(theirs, fetch))
            assert k == k2 == sample and asked == [True]
            assert list(split.values()) == list(plain.values())     # exact equality, not approximate
        with pytest.raises(ValueError):                              # only the first sources can be elsewhere
            centrality.betweenness(None, seed=seed, data=data, sample=sample,
                                   elsewhere=(sources[1:3], lambda s=sources: centrality.source_sum(data, s[1:3])))


def test_the_child_sums_the_first_sources() -> None:
    from linkgraph.analysis import CHILD_SOURCES, child_sources

    share, every = CHILD_SOURCES
    for count in (0, 1, 16, 32, 40):
        sources = list(range(100, 100 + count))
        assert child_sources(sources) == sources[:count * share // every]


def test_measure_samples_the_sources_sampled_sources_names(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(9)
    data = centrality.GraphArrays.from_edges(_edges(rng, np.arange(2_000), 9_000, folded=True))
    monkeypatch.setattr(centrality, "LARGE_TIES", 100)
    monkeypatch.setattr(centrality, "EXACT_WORK", 1_000)
    monkeypatch.setattr(centrality, "SAMPLE_WORK", 40 * len(data.a))       # 40 sources without the large mode
    for full in (False, True):
        sources = centrality.sampled_sources(data, seed=4, full=full)
        assert len(sources) == (centrality.LARGE_SAMPLE if not full else centrality.sample_size(
            len(data.nodes), len(data.a)))
        plain = centrality.measure(None, seed=4, data=data, full=full)
        split = centrality.measure(None, seed=4, data=data, full=full, elsewhere=(
            sources[:2], lambda s=sources: centrality.source_sum(data, s[:2])))
        assert split.betweenness == plain.betweenness and split.score == plain.score
    monkeypatch.setattr(centrality, "EXACT_WORK", 10**12)
    assert centrality.sampled_sources(data, seed=4) == []


@pytest.mark.parametrize("fail", [None, "first", "work"])
def test_beside_gives_the_first_value_early_and_the_work_after(fail: str | None) -> None:
    import os

    from linkgraph.analysis.beside import Beside, can_fork

    caller = os.getpid()
    forkable = can_fork()

    def first() -> tuple[str, bool]:
        if fail == "first" and os.getpid() != caller:
            raise RuntimeError("the child fails")
        return "first", os.getpid() == caller

    def work() -> tuple[str, bool]:
        if fail == "work" and os.getpid() != caller:
            raise RuntimeError("the child fails")
        return "work", os.getpid() == caller

    for allowed in (True, False):
        found = Beside(work, allowed, first=first)
        early = found.first_result()
        late = found.result()
        assert early[0] == "first" and late[0] == "work"
        if allowed and forkable and not fail:
            assert early == ("first", False) and late == ("work", False)     # both made by the child
    unread = Beside(work, True, first=first)             # a first value never asked for is skipped
    assert unread.result()[0] == "work"


def test_stable_order_is_numpys_stable_argsort() -> None:
    """The fast order (a plain sort of keys with their positions appended) against np.argsort(kind="stable"),
    with many equal keys, and keys too large for the fast path."""
    from linkgraph.graph import stable_order, stable_order_reference

    rng = np.random.default_rng(5)
    for keys in (rng.integers(0, 50, 10_000), rng.integers(0, 10**9, 5_000), np.array([], dtype=np.int64),
                 np.array([7], dtype=np.int64), rng.integers(1 << 60, 1 << 61, 100), -rng.integers(0, 9, 100)):
        keys = keys.astype(np.int64)
        order, ordered = stable_order(keys)
        plain_order, plain_ordered = stable_order_reference(keys)
        assert (order == plain_order).all() and (ordered == plain_ordered).all()


def test_folded_types_read_as_the_names_joined() -> None:
    """fold_links's types column (a categorical) reads as each pair's link types in name order, comma-joined."""
    from linkgraph.graph import fold_links

    links = pd.DataFrame({"src": [1, 2, 1, 3, 2, 3], "dst": [2, 1, 2, 1, 3, 4], "start": [5.0, 1.0, None, 2.0, 3.0, 4.0],
                          "weight": 1.0, "type": ["sms", "call", "sms", "paid", "sms", "call"]})
    edges = fold_links(links)
    assert edges["types"].tolist() == ["call,sms", "paid", "sms", "call"]
    assert edges[["a", "b"]].to_numpy().tolist() == [[1, 2], [1, 3], [2, 3], [3, 4]]
