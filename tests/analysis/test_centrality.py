"""Centrality on small graphs whose answers are worked out by hand (and agree with networkx)."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from linkgraph.analysis import centrality


def path_graph() -> nx.Graph:
    """1 - 2 - 3 - 4 - 5, the 2-3 tie carrying three calls."""
    graph = nx.Graph()
    graph.add_edge(1, 2, weight=1.0, count=1)
    graph.add_edge(2, 3, weight=3.0, count=3)
    graph.add_edge(3, 4, weight=1.0, count=1)
    graph.add_edge(4, 5, weight=1.0, count=1)
    return graph


def test_degree_and_weighted_degree() -> None:
    graph = path_graph()
    assert centrality.degree(graph) == {1: 1, 2: 2, 3: 2, 4: 2, 5: 1}
    assert centrality.weighted_degree(graph) == {1: 1.0, 2: 4.0, 3: 4.0, 4: 2.0, 5: 1.0}


def test_betweenness_exact_by_hand() -> None:
    # Node 3 lies on the paths between {1, 2} and {4, 5}: 4 of the 6 pairs of the other nodes.
    # Node 2 lies on 1-3, 1-4, 1-5: 3 of 6. Ends lie on none.
    values, sample = centrality.betweenness(path_graph())
    assert sample is None
    assert values == pytest.approx({1: 0.0, 2: 0.5, 3: 4 / 6, 4: 0.5, 5: 0.0})


def test_closeness_by_hand_and_wasserman_faust_when_disconnected() -> None:
    values, sample = centrality.closeness(path_graph())
    assert sample is None
    # Node 3: distances 1, 1, 2, 2 -> 4 / 6. Node 1: 1 + 2 + 3 + 4 = 10 -> 4 / 10.
    assert values[3] == pytest.approx(4 / 6) and values[1] == pytest.approx(0.4)
    apart = path_graph()
    apart.add_edge(10, 11)                 # a second component of two
    values, _ = centrality.closeness(apart)
    # Wasserman-Faust: (reachable / (n - 1)) * (reachable / total distance); node 10: (1/6) * (1/1).
    assert values[10] == pytest.approx(1 / 6)
    assert values == pytest.approx(nx.closeness_centrality(apart))


def test_eigenvector_and_pagerank_follow_networkx() -> None:
    graph = nx.les_miserables_graph()
    graph = nx.relabel_nodes(graph, {name: i for i, name in enumerate(sorted(graph))})
    eigen = centrality.eigenvector(graph)
    expected = nx.eigenvector_centrality_numpy(graph, weight="weight")
    assert eigen == pytest.approx(expected, abs=1e-6)
    assert centrality.pagerank(graph) == pytest.approx(nx.pagerank(graph, weight="weight"), abs=1e-6)
    assert sum(centrality.pagerank(graph).values()) == pytest.approx(1.0)


def test_pagerank_shares_isolated_nodes_rank_like_networkx() -> None:
    graph = path_graph()
    graph.add_node(99)
    assert centrality.pagerank(graph) == pytest.approx(nx.pagerank(graph, weight="weight"), abs=1e-6)


def test_k_core_by_hand() -> None:
    # A triangle 1-2-3 joined by 3-4-5 to a 4-clique 10..13, and a lone contact 6 of 4.
    # Peeling: 6 has one tie (core 1); then everyone else keeps two or more (core 2); the clique keeps 3.
    graph = nx.Graph([(1, 2), (2, 3), (1, 3), (3, 4), (4, 5), (5, 10), (4, 6)])
    graph.add_edges_from((a, b) for a in range(10, 14) for b in range(a + 1, 14))
    assert centrality.core_number(graph) == {1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 1, 10: 3, 11: 3, 12: 3, 13: 3}


def test_key_player_score_is_the_mean_of_scaled_degree_betweenness_and_pagerank() -> None:
    graph = path_graph()
    m = centrality.measure(graph)
    top_rank = max(m.pagerank.values())
    for node in graph:
        expected = (m.degree[node] / 2 + m.betweenness[node] / (4 / 6) + m.pagerank[node] / top_rank) / 3
        assert m.score[node] == pytest.approx(expected, abs=1e-6)
    assert max(m.score, key=m.score.get) == 3


def test_betweenness_sampled_above_the_size_limit_reports_its_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two groups of 30 joined only through one broker (node 0, tied to three members of each);
    # force the sampled mode on a small graph.
    graph = nx.Graph()
    for base in (100, 200):
        graph.add_edges_from((base + i, base + j) for i in range(30) for j in range(i + 1, 30) if (i + j) % 3)
        graph.add_edges_from((0, base + i) for i in range(3))
    monkeypatch.setattr(centrality, "EXACT_WORK", 10)
    monkeypatch.setattr(centrality, "SAMPLE_WORK", 40 * graph.number_of_edges())
    monkeypatch.setattr(centrality, "MIN_SAMPLE", 10)
    values, sample = centrality.betweenness(graph, seed=3)
    assert sample == 40
    again, _ = centrality.betweenness(graph, seed=3)
    assert values == again                              # seeded: the same sample every run
    exact, _ = centrality.betweenness(graph, sample=None)
    assert max(values, key=values.get) == 0 == max(exact, key=exact.get)
    assert values[0] == pytest.approx(exact[0], rel=0.35)


def test_measures_do_not_depend_on_the_order_ties_were_added() -> None:
    edges = list(nx.les_miserables_graph().edges(data=True))
    names = {name: i for i, name in enumerate(sorted({n for e in edges for n in e[:2]}))}
    one, two = nx.Graph(), nx.Graph()
    one.add_edges_from((names[a], names[b], d) for a, b, d in edges)
    random.Random(5).shuffle(edges)
    two.add_edges_from((names[b], names[a], d) for a, b, d in edges)
    first, second = centrality.measure(one), centrality.measure(two)
    assert first.score == second.score and first.betweenness == second.betweenness
