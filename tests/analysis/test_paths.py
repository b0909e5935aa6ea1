"""Shortest path, all paths up to k hops, and the connecting network of a chosen set."""

from __future__ import annotations

import networkx as nx

from linkgraph.analysis import paths


def web() -> nx.Graph:
    """1-2-3-6 and 1-4-5-6 (two 3-hop routes), a shortcut 1-7-6, a tail 6-8, and 9 alone."""
    graph = nx.Graph([(1, 2), (2, 3), (3, 6), (1, 4), (4, 5), (5, 6), (1, 7), (7, 6), (6, 8)])
    graph.add_node(9)
    for u, v in graph.edges:
        graph.edges[u, v].update(types="call", count=u + v)
    nx.set_node_attributes(graph, {n: f"N{n}" for n in graph}, "label")
    return graph


def test_shortest_path_takes_the_fewest_hops_and_lowest_ids() -> None:
    graph = web()
    assert paths.shortest_path(graph, 1, 8) == [1, 7, 6, 8]
    graph.remove_node(7)
    assert paths.shortest_path(graph, 1, 6) == [1, 2, 3, 6]       # 1-2-3-6 before 1-4-5-6
    assert paths.shortest_path(graph, 1, 9) is None
    assert paths.shortest_path(graph, 1, 404) is None


def test_all_paths_up_to_k_hops() -> None:
    graph = web()
    assert paths.all_paths(graph, 1, 6, max_hops=2) == {"paths": [[1, 7, 6]], "truncated": False}
    assert paths.all_paths(graph, 1, 6, max_hops=3)["paths"] == [[1, 7, 6], [1, 2, 3, 6], [1, 4, 5, 6]]
    few = paths.all_paths(graph, 1, 6, max_hops=3, limit=2)
    assert few == {"paths": [[1, 7, 6], [1, 2, 3, 6]], "truncated": True}


def test_hops_carry_types_and_counts() -> None:
    assert paths.hops(web(), [1, 7, 6]) == [{"from": 1, "to": 7, "types": "call", "count": 8},
                                            {"from": 7, "to": 6, "types": "call", "count": 13}]


def test_connecting_network_keeps_every_shortest_route_between_the_chosen() -> None:
    graph = web()
    graph.remove_node(7)
    sub = paths.connecting_network(graph, [1, 6, 9])
    assert {frozenset(e) for e in sub.edges} == {frozenset(e) for e in [(1, 2), (2, 3), (3, 6), (1, 4), (4, 5),
                                                                          (5, 6)]}
    assert sorted(n for n in sub if sub.nodes[n].get("selected")) == [1, 6, 9]
    assert 8 not in sub and 9 in sub                    # the tail is not between them; 9 stays alone

