"""Key players for disruption: greedy fragmentation, checked against removing each node by brute force."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest

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


# --- The fast route (one depth-first pass per step, removals masked) held to the igraph route ---

def _shapes() -> dict[str, nx.Graph]:
    """Graph shapes the fast route must agree on with the reference, typed and labelled."""
    import numpy as np

    shapes: dict[str, nx.Graph] = {
        "single edge": nx.path_graph(2),
        "star": nx.star_graph(7),
        "path": nx.path_graph(9),
        "cycle": nx.cycle_graph(8),
        "two cycles sharing a vertex": nx.compose(nx.cycle_graph(5), nx.cycle_graph(range(4, 9))),
        "cliques joined by bridges": nx.barbell_graph(6, 2),
        "disconnected pieces": nx.disjoint_union_all([nx.path_graph(4), nx.star_graph(3), nx.cycle_graph(4),
                                                       nx.complete_graph(5)]),
        "pairs apart": nx.Graph([(2 * i, 2 * i + 1) for i in range(6)]),
        "star above a hub row": nx.star_graph(disruption.HUB_ROW * 3 + 5),
        "tree": nx.balanced_tree(3, 4),
        "grid": nx.grid_2d_graph(6, 7),
    }
    hubs = nx.star_graph(disruption.HUB_ROW + 40)
    nx.add_path(hubs, [0, 1000, 1001, 1002, 1])                 # a cycle through the hub ...
    hubs.add_edges_from((1001, 2000 + i) for i in range(disruption.HUB_ROW + 3))   # ... and a second hub on it
    shapes["hubs above a hub row"] = hubs
    shapes["isolated entities beside a tie"] = nx.Graph([(0, 1)])
    shapes["isolated entities beside a tie"].add_nodes_from([5, 6, 7])
    rng = np.random.default_rng(17)
    for trial in range(6):
        n = int(rng.integers(20, 300))
        shapes[f"random {trial}"] = nx.gnm_random_graph(n, int(rng.integers(n // 2, 3 * n)), seed=trial)
    for name, graph in list(shapes.items()):
        shapes[name] = typed(nx.convert_node_labels_to_integers(graph))
    return shapes


def test_the_fast_route_equals_the_reference_on_every_shape() -> None:
    import numpy as np

    rng = np.random.default_rng(5)
    for name, graph in _shapes().items():
        scores = {node: float(rng.integers(0, 3)) for node in graph}
        for k in (1, 3, 6, graph.number_of_nodes() + 2):               # k beyond what can be removed too
            for given in (None, scores):
                assert disruption.key_players(graph, k=k, scores=given) == \
                    disruption.key_players_reference(graph, k=k, scores=given), (name, k)


def test_hub_rows_split_short_equal_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows split every 2 or 3 entries (most rows chained): the same pairs left, the same removals."""
    import numpy as np

    rng = np.random.default_rng(23)
    for hub_row in (2, 3, 5):
        monkeypatch.setattr(disruption, "HUB_ROW", hub_row)
        for trial in range(25):
            n = int(rng.integers(3, 90))
            graph = nx.gnm_random_graph(n, int(rng.integers(1, 3 * n)), seed=trial)
            for extra in range(int(rng.integers(0, 12))):            # pendant entities: more cut vertices
                graph.add_edge(int(rng.integers(0, n)), n + extra)
            typed(graph, "Phone")
            scores = {node: float(rng.integers(0, 4)) for node in graph}
            k = int(rng.integers(1, 10))
            assert disruption.key_players(graph, k=k, scores=scores) == \
                disruption.key_players_reference(graph, k=k, scores=scores), (hub_row, trial)


def test_each_pass_gives_the_pairs_left_of_a_brute_force_removal() -> None:
    """After masked removals, each pass's pairs left per entity equal igraph's on the graph with them deleted."""
    import numpy as np

    rng = np.random.default_rng(31)
    for trial in range(20):
        n = int(rng.integers(4, 80))
        graph = nx.gnm_random_graph(n, int(rng.integers(n // 2, 2 * n)), seed=100 + trial)
        graph.add_edges_from((int(rng.integers(0, n)), n + e) for e in range(5))
        if graph.number_of_edges() == 0:
            continue
        data = arrays(graph)
        rows = disruption._SearchRows.of(data)
        g = data.igraph.copy()
        left = list(range(len(data.nodes)))
        for _ in range(4):
            cut = disruption._cut_pass(rows)
            expected = disruption.pairs_after_removal(g)
            assert np.array_equal(cut.after[left], expected), trial
            assert (cut.after[np.setdiff1d(np.arange(len(data.nodes)), left)] == disruption.NONE).all()
            position = int(rng.integers(0, g.vcount()))
            v = left.pop(position)
            sizes = sorted(cut.sizes_without(v).tolist())
            g.delete_vertices(position)
            rows.remove(v)
            assert sizes == sorted(np.bincount(g.connected_components().membership).tolist()), trial
            if g.vcount() < 2:
                break


def test_a_type_filter_that_excludes_the_best_entity_picks_the_next() -> None:
    graph = typed(nx.barbell_graph(5, 1))                   # node 5 joins two cliques: the best by far
    graph.nodes[5]["type"] = "Hotel"
    for k in (1, 4):
        fast = disruption.key_players(graph, k=k)
        assert fast == disruption.key_players_reference(graph, k=k)
        assert 5 not in [r["id"] for r in fast["removed"]]
    graph.nodes[5]["type"] = "Person"
    assert disruption.key_players(graph, k=1)["removed"][0]["id"] == 5
    everyone_out = typed(nx.path_graph(5), "Hotel")
    assert disruption.key_players(everyone_out, k=3) == disruption.key_players_reference(everyone_out, k=3)
    assert disruption.key_players(everyone_out, k=3)["removed"] == []


def test_graphs_the_fast_route_leaves_to_the_reference() -> None:
    """No tie, a self-loop, or a score that is not a number: the igraph route answers (the same dict)."""
    empty = typed(nx.empty_graph(4))
    assert disruption.key_players(empty, k=2) == disruption.key_players_reference(empty, k=2)
    assert disruption.key_players(typed(nx.Graph()), k=2)["removed"] == []
    looped = typed(nx.path_graph(5))
    looped.add_edge(2, 2)
    assert disruption.key_players(looped, k=3) == disruption.key_players_reference(looped, k=3)
    path = typed(nx.path_graph(4))
    odd = {0: 0.0, 1: float("nan"), 2: 1.0, 3: 0.0}
    assert disruption.key_players(path, k=2, scores=odd) == disruption.key_players_reference(path, k=2, scores=odd)


def test_arrays_from_folded_edges_take_the_fast_route_to_the_same_answer() -> None:
    """The analysis's way in: arrays from folded edges (GraphArrays.from_edges), entity ids far apart."""
    import numpy as np
    import pandas as pd

    from linkgraph.analysis.centrality import GraphArrays

    rng = np.random.default_rng(41)
    ids = rng.choice(10**9, 400, replace=False).astype(np.int64)
    a, b = rng.choice(ids, 900), rng.choice(ids, 900)
    keep = a != b
    pairs = np.unique(np.column_stack([np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])]), axis=0)
    edges = pd.DataFrame({"a": pairs[:, 0], "b": pairs[:, 1], "weight": 1.0, "count": 1,
                          "first": np.nan, "last": np.nan})
    graph = nx.Graph()
    graph.add_nodes_from(np.unique(pairs).tolist(), type="Phone")
    scores = {int(node): float(rng.random()) for node in graph}
    fast = disruption.key_players(graph, k=5, scores=scores, data=GraphArrays.from_edges(edges))
    assert fast == disruption.key_players_reference(graph, k=5, scores=scores, data=GraphArrays.from_edges(edges))
    assert len(fast["removed"]) == 5


def test_ties_of_weight_zero_keep_the_fast_route() -> None:
    """The search rows come from the weighted matrix: a tie of weight 0 is still an entry there."""
    import numpy as np
    import pandas as pd

    from linkgraph.analysis.centrality import GraphArrays

    edges = pd.DataFrame({"a": [1, 2, 3, 4, 2], "b": [2, 3, 4, 5, 6], "weight": [0.0, 1.0, 0.0, 2.0, 0.0],
                          "count": 1, "first": np.nan, "last": np.nan})
    graph = typed(nx.Graph())
    graph.add_nodes_from(range(1, 7), type="Phone")
    data = GraphArrays.from_edges(edges)
    assert disruption._plain(data, {})
    assert disruption.key_players(graph, k=3, data=data) == \
        disruption.key_players_reference(graph, k=3, data=GraphArrays.from_edges(edges))
