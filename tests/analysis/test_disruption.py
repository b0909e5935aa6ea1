"""Key players for disruption: greedy fragmentation, checked against removing each node by brute force."""

from __future__ import annotations

import itertools

import networkx as nx

from linkgraph.analysis import disruption
from linkgraph.analysis.centrality import arrays


def reachable_pairs(graph: nx.Graph) -> int:
    return sum(len(c) * (len(c) - 1) // 2 for c in nx.connected_components(graph))


def typed(graph: nx.Graph, kind: str = "Person") -> nx.Graph:
    nx.set_node_attributes(graph, kind, "type")
    nx.set_node_attributes(graph, {n: f"P{n}" for n in graph}, "label")
    return graph


def test_pairs_after_removal_matches_brute_force() -> None:
    graph = nx.Graph()
    graph.add_edges_from(nx.barbell_graph(5, 3).edges)          # two cliques joined by a 3-node chain
    graph.add_edges_from([(20, 21), (21, 22), (21, 23)])         # a separate star
    graph.add_edges_from([(2, 30), (30, 31), (31, 2)])           # a triangle hanging off a clique
    data = arrays(graph)
    after = disruption.pairs_after_removal(data.igraph)
    for position, node in enumerate(data.nodes):
        rest = graph.copy()
        rest.remove_node(node)
        assert after[position] == reachable_pairs(rest), node


def test_bridge_broker_goes_first_with_sizes_before_and_after() -> None:
    # Two cells of five, each tied to broker 0; cell members are 1..5 and 11..15.
    graph = nx.Graph()
    for cell in (1, 11):
        graph.add_edges_from(itertools.combinations(range(cell, cell + 5), 2))
        graph.add_edge(0, cell)
    result = disruption.key_players(typed(graph), k=2)
    assert result["before"] == {"entities": 11, "components": 1, "largest": [11], "reachable_pairs": 55,
                                "fragmentation": 0.0}
    first = result["removed"][0]
    assert first["id"] == 0 and first["label"] == "P0" and first["largest"] == [5, 5]
    assert first["reachable_pairs"] == 20 and first["fragmentation"] == round(1 - 20 / 45, 6)
    # Next: removing a gateway (1 or 11) leaves 4 + 5 -> 6 + 10 = 16 pairs, as does any member; ties go to
    # the higher score, then the lower id.
    assert result["removed"][1]["id"] == 1 and result["after"]["largest"] == [5, 4]


def test_only_people_and_what_they_carry_are_targets() -> None:
    graph = typed(nx.star_graph(4))
    graph.nodes[0]["type"] = "Hotel"                 # a motel is not arrested, however central
    graph.add_edge(4, 5)
    graph.nodes[5].update(type="Person", label="P5")
    result = disruption.key_players(graph, k=1)
    assert result["removed"][0]["id"] == 4
    assert disruption.key_players(graph, k=1, types=None)["removed"][0]["id"] == 0


def test_scores_break_ties() -> None:
    graph = typed(nx.path_graph(4))                  # 0-1-2-3: removing 1 or 2 leaves 1 pair each
    assert disruption.key_players(graph, k=1)["removed"][0]["id"] == 1
    assert disruption.key_players(graph, k=1, scores={2: 1.0, 1: 0.5})["removed"][0]["id"] == 2


def test_the_edges_kept_beside_igraph_follow_its_deletions() -> None:
    import igraph as ig
    import numpy as np

    from linkgraph.analysis.disruption import pairs_after_removal

    g = ig.Graph.Erdos_Renyi(n=300, m=700)
    g.add_edges([(0, 299), (1, 298)])
    ends = np.asarray(g.get_edgelist(), dtype=np.int64)
    rng = np.random.default_rng(3)
    for _ in range(10):
        assert (pairs_after_removal(g, ends) == pairs_after_removal(g)).all()
        v = int(rng.integers(0, g.vcount()))
        g.delete_vertices(v)
        ends = ends[(ends[:, 0] != v) & (ends[:, 1] != v)]
        ends = ends - (ends > v)
        assert (ends == np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)).all()


def test_pieces_read_off_the_block_cut_tree_match_igraphs_components() -> None:
    """The fast greedy (the components a removal leaves read off the pass that chose it) against the plain one
    (igraph finds them again), on graphs with many cut vertices, several components and pendant trees."""
    import numpy as np

    rng = np.random.default_rng(11)
    for trial in range(40):
        n = int(rng.integers(5, 120))
        graph = nx.gnm_random_graph(n, int(rng.integers(n // 2, 2 * n)), seed=trial)
        for extra in range(int(rng.integers(0, 15))):          # pendant chains and stars hanging off
            graph.add_edge(int(rng.integers(0, n)), n + extra)
        graph.add_nodes_from(range(n + 20, n + 20 + int(rng.integers(0, 3))))   # isolated entities
        typed(graph, "Phone")
        if trial % 3 == 0:
            for node in list(graph)[::4]:
                graph.nodes[node]["type"] = "Hotel"
        scores = {node: float(rng.integers(0, 4)) for node in graph}
        k = int(rng.integers(1, 12))
        assert disruption.key_players(graph, k=k, scores=scores) == \
            disruption.key_players_reference(graph, k=k, scores=scores), trial
