"""Common contacts of a set of phones."""

from __future__ import annotations

import networkx as nx

from linkgraph.analysis import contacts


def web() -> nx.Graph:
    """1-2-3-6 and 1-4-5-6, a shortcut 1-7-6, a tail 6-8, and 9 alone; each tie has u + v records."""
    graph = nx.Graph([(1, 2), (2, 3), (3, 6), (1, 4), (4, 5), (5, 6), (1, 7), (7, 6), (6, 8)])
    graph.add_node(9)
    for u, v in graph.edges:
        graph.edges[u, v].update(types="call", count=u + v)
    nx.set_node_attributes(graph, {n: f"N{n}" for n in graph}, "label")
    return graph


def test_common_contacts_of_a_set() -> None:
    graph = web()
    # 6's contacts are 3, 5, 7, 8; 1's are 2, 4, 7: only 7 is tied to both (with 8 + 13 records).
    assert contacts.common_contacts(graph, [1, 6]) == [
        {"id": 7, "label": "N7", "type": None, "contacts": [1, 6], "links": 21}]
    # Most records first: 5 has 9 + 11, 3 has 5 + 9, 1 has 3 + 5.
    three = contacts.common_contacts(graph, [2, 4, 6])
    assert [(c["id"], c["contacts"]) for c in three] == [(5, [4, 6]), (3, [2, 6]), (1, [2, 4])]


def test_one_member_needs_one_tie_and_a_threshold_can_be_asked() -> None:
    graph = web()
    assert [c["id"] for c in contacts.common_contacts(graph, [8])] == [6]
    assert [c["id"] for c in contacts.common_contacts(graph, [2, 4, 6], min_shared=3)] == []
