"""Communities and components on small graphs with an obvious answer."""

from __future__ import annotations

import networkx as nx
import pytest

from linkgraph.analysis import communities
from linkgraph.analysis.centrality import arrays


def three_cells() -> nx.Graph:
    """Three cliques of four (ids 1x, 2x, 3x) joined in a ring by single ties, calls dated by cell,
    plus a separate pair 90-91 (a second component)."""
    graph = nx.Graph()
    for cell in (10, 20, 30):
        members = range(cell, cell + 4)
        graph.add_edges_from((a, b, {"weight": 5.0, "count": 5, "first": cell * 1000, "last": cell * 1000 + 500})
                             for a in members for b in members if a < b)
    graph.add_edge(10, 20, weight=1.0, count=1, first=1, last=1)
    graph.add_edge(20, 30, weight=1.0, count=1, first=2, last=2)
    graph.add_edge(30, 10, weight=1.0, count=1, first=3, last=3)
    graph.add_edge(90, 91, weight=2.0, count=2, first=None, last=None)
    return graph


def groups(membership: dict[int, int]) -> set[frozenset[int]]:
    found: dict[int, set[int]] = {}
    for node, group in membership.items():
        found.setdefault(group, set()).add(node)
    return {frozenset(g) for g in found.values()}


CELLS = {frozenset(range(10, 14)), frozenset(range(20, 24)), frozenset(range(30, 34)), frozenset({90, 91})}


@pytest.mark.parametrize("method", ["leiden", "louvain"])
def test_each_cell_is_one_community(method: str) -> None:
    membership = communities.communities(three_cells(), method=method, seed=7)
    assert groups(membership) == CELLS
    # Numbered by size, then smallest member: the three cells are 0, 1, 2 and the pair is 3.
    assert [membership[n] for n in (10, 20, 30, 90)] == [0, 1, 2, 3]


def test_same_seed_same_groups_whatever_the_order_of_ties() -> None:
    graph = three_cells()
    reordered = nx.Graph()
    reordered.add_edges_from(reversed(list(graph.edges(data=True))))
    assert communities.leiden(graph, seed=11) == communities.leiden(reordered, seed=11)


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown community method"):
        communities.communities(three_cells(), method="spectral")


def test_components_numbered_largest_first() -> None:
    graph = three_cells()
    found = communities.components(graph)
    assert groups(found) == {frozenset(range(10, 14)) | frozenset(range(20, 24)) | frozenset(range(30, 34)),
                             frozenset({90, 91})}
    assert found[10] == 0 and found[90] == 1
    assert communities.components(graph, data=arrays(graph)) == found


def test_modularity_of_the_cells_by_hand() -> None:
    graph = three_cells()
    membership = communities.leiden(graph)
    # Total weight m = 3 cells x 6 ties x 5 + 3 bridges + 2 = 95. Each cell: internal 30, degree sum
    # 2 x 30 + 2 = 62; the pair: internal 2, degree sum 4. Q = sum(in/m - (deg/2m)^2).
    m = 95.0
    expected = 3 * (30 / m - (62 / (2 * m)) ** 2) + (2 / m - (4 / (2 * m)) ** 2)
    assert communities.modularity(graph, membership) == pytest.approx(expected)
    assert communities.modularity(graph, membership) == pytest.approx(
        nx.community.modularity(graph, [set(g) for g in groups(membership)], weight="weight"))


def test_summary_counts_internal_and_external_links_and_time_span() -> None:
    graph = three_cells()
    membership = communities.leiden(graph)
    scores = {n: (1.0 if n % 10 == 1 else 0.5) for n in graph}
    summary = communities.summarize(graph, membership, scores, top=2)
    first = summary[0]
    assert first["id"] == 0 and first["size"] == 4
    assert first["member_ids"][0] == 11                      # highest score first
    assert [m["id"] for m in first["top_members"]] == [11, 10]
    assert first["internal_links"] == 30 and first["internal_ties"] == 6
    assert first["external_links"] == 2 and first["external_ties"] == 2
    assert first["first"] == 10_000 and first["last"] == 10_500
    pair = summary[3]
    assert pair["size"] == 2 and pair["internal_links"] == 2 and pair["external_links"] == 0
    assert pair["first"] is None and pair["last"] is None


def test_same_groups_when_analyses_run_in_threads_at_once() -> None:
    from concurrent.futures import ThreadPoolExecutor

    graph = nx.les_miserables_graph()
    graph = nx.relabel_nodes(graph, {name: i for i, name in enumerate(sorted(graph))})
    alone = communities.leiden(graph, seed=3)
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda _: communities.leiden(graph, seed=3), range(8)))
    assert all(found == alone for found in together)


def test_group_name_reads_as_the_plain_reference() -> None:
    import random

    kinds = [*communities.NAMING_TYPES, "Ad", "Cell", None]
    labels = ["Haskins", "Mims", "Ortiz", "(209) 555-0101", "ad 12345", "a1b2c3d4e5", "", None, "  ", "Lee",
              "Lee ", "row 7", "Fresno Inn"]
    draw = random.Random(17)
    for _ in range(3000):
        size = draw.randint(0, 30)
        nodes = {m: {"type": draw.choice(kinds), "label": draw.choice(labels)} for m in range(size)}
        ids = list(range(size))
        draw.shuffle(ids)
        count = draw.randint(1, 4)
        expected = communities.group_name_reference(5, ids, nodes, count)
        assert communities.group_name(5, ids, nodes, count) == expected
        present = {nodes[m]["type"] for m in ids}       # as summarize passes them: the types among the members
        assert communities.group_name(5, ids, nodes, count, kinds=present) == expected
