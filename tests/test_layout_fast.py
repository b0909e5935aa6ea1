"""The numpy layouts for task-force charts against the plain ones: the same levels, nobody on anybody."""

from __future__ import annotations

import networkx as nx
import numpy as np

from linkgraph import layout as plain
from linkgraph.layout_fast import group_discs, layered


def forest(seed: int = 3) -> nx.Graph:
    """A few random trees and tie-rich clusters, a pair and lone entities (ids not in order)."""
    rng = np.random.default_rng(seed)
    graph = nx.Graph()
    graph.add_edges_from((int(a) + 1000, int(b) + 1000) for a, b in nx.random_labeled_tree(60, seed=seed).edges)
    graph.add_edges_from((int(a) + 5000, int(b) + 5000) for a, b in nx.gnm_random_graph(40, 120, seed=seed).edges)
    graph.add_edge(9000, 9001)
    graph.add_nodes_from([7, 8, 9])
    for node in graph.nodes:
        graph.nodes[node]["type"] = "Phone" if rng.random() < 0.7 else "Person"
    return graph


def test_layered_has_the_reference_levels_and_no_overlaps() -> None:
    graph = forest()
    reference = plain.hierarchical(graph)                       # Reingold-Tilford below FAST_FROM
    nodes = sorted(graph.nodes)
    xy = layered(plain._igraph(graph, nodes), plain.SPACING)
    fast = {n: tuple(p) for n, p in zip(nodes, xy.tolist(), strict=True)}
    connected = [n for n in nodes if graph.degree(n)]
    # The same breadth-first levels from the same roots: the same y for every entity with ties.
    assert all(abs(fast[n][1] - reference[n][1]) < 1e-6 for n in connected)
    places = [(round(x, 3), round(y, 3)) for x, y in fast.values()]
    assert len(set(places)) == len(places)                       # nobody on anybody
    assert {fast[n][1] for n in (7, 8, 9)} == {0.0}              # lone entities in a row after the trees


def test_hierarchical_switches_to_layered_for_big_charts(monkeypatch) -> None:
    graph = forest()
    monkeypatch.setattr(plain, "FAST_FROM", 10)
    fast = plain.layout(graph, "hierarchical")
    assert set(fast) == set(graph.nodes)
    monkeypatch.setattr(plain, "FAST_FROM", 10**9)
    slow = plain.layout(graph, "hierarchical")
    assert all(abs(fast[n][1] - slow[n][1]) < 1e-6 for n in graph.nodes if graph.degree(n))


def test_group_discs_put_the_most_linked_in_the_middle_and_keep_room() -> None:
    degree = np.array([1, 9, 3, 3, 2, 1, 5])
    centres = np.array([[0.0, 0.0], [1000.0, 0.0]])
    radius = np.array([300.0, 80.0])
    xy = group_discs([np.array([0, 1, 2, 3, 4]), np.array([5, 6])], degree, centres, radius, 7, plain.SPACING)
    distance = np.hypot(*(xy[:5] - centres[0]).T)
    assert np.argmin(distance) == 1                              # the hub at its group's middle
    assert (distance <= radius[0]).all()
    gaps = np.hypot(*(xy[:5, None, :] - xy[None, :5, :]).transpose(2, 0, 1))[np.triu_indices(5, 1)]
    assert gaps.min() > plain.SPACING * 0.45                     # room between members
    assert np.hypot(*(xy[5:] - centres[1]).T).max() <= radius[1]


def test_two_level_force_for_huge_charts_keeps_groups_apart(monkeypatch) -> None:
    monkeypatch.setattr(plain, "BIG", 10)
    monkeypatch.setattr(plain, "HUGE", 10)
    graph = nx.Graph()
    for group in range(6):                                       # six cliques joined in a ring
        members = [group * 100 + i for i in range(12)]
        graph.add_edges_from((a, b) for i, a in enumerate(members) for b in members[i + 1:])
        graph.add_edge(group * 100, ((group + 1) % 6) * 100)
    placed = plain.layout(graph, "force")
    assert placed == plain.layout(graph, "force")                # repeatable
    xy = np.array([placed[n] for n in sorted(graph.nodes)])
    gaps = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))[np.triu_indices(len(xy), 1)]
    assert gaps.min() > 1.0
    centres = np.array([xy[g * 12:(g + 1) * 12].mean(axis=0) for g in range(6)])
    spread = np.array([np.hypot(*(xy[g * 12:(g + 1) * 12] - centres[g]).T).max() for g in range(6)])
    between = np.hypot(*(centres[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))[np.triu_indices(6, 1)]
    assert between.min() > spread.max()                          # groups sit apart


def test_every_layout_places_every_entity_of_a_big_chart(monkeypatch) -> None:
    monkeypatch.setattr(plain, "BIG", 10)
    monkeypatch.setattr(plain, "HUGE", 10)
    monkeypatch.setattr(plain, "FAST_FROM", 10)
    graph = forest()
    for name in plain.LAYOUTS:
        placed = plain.layout(graph, name)
        assert set(placed) == set(graph.nodes), name
        assert all(np.isfinite(p).all() for p in placed.values()), name


def test_edge_ends_lists_every_edge_once() -> None:
    from linkgraph.layout_fast import edge_ends

    graph = forest()
    graph.add_edge(7, 7, weight=2)                               # a self-loop
    index = {n: i for i, n in enumerate(sorted(graph.nodes))}
    firsts, seconds, attrs = edge_ends(graph, index, data=True)
    got = sorted((int(a), int(b)) for a, b in zip(firsts, seconds, strict=True))
    assert got == sorted(tuple(sorted((index[a], index[b]))) for a, b in graph.edges())
    loop = int(np.flatnonzero((firsts == index[7]) & (seconds == index[7]))[0])
    assert len(attrs) == len(got) and attrs[loop] == {"weight": 2}
    directed = nx.DiGraph([(2, 1), (1, 2), (3, 1)])
    firsts, seconds, _ = edge_ends(directed, {1: 0, 2: 1, 3: 2})
    assert sorted(zip(firsts.tolist(), seconds.tolist(), strict=True)) == [(0, 1), (1, 0), (2, 0)]


def test_edges_read_once_give_the_same_layouts(monkeypatch) -> None:
    """The chart reads a big graph's edges once for the layout and its links: the same places as without."""
    from linkgraph.layout_fast import edge_ends

    for name, value in (("BIG", 10), ("HUGE", 10), ("FAST_FROM", 10)):
        monkeypatch.setattr(plain, name, value)
    graph = forest()
    firsts, seconds, _ = edge_ends(graph, {n: i for i, n in enumerate(sorted(graph.nodes))})
    for name in ("force", "hierarchical"):
        assert plain.layout(graph, name, ends=(firsts, seconds)) == plain.layout(graph, name), name
