"""Layouts: every entity placed, repeatable, pins respected, and each layout's shape as the analyst expects."""

from __future__ import annotations

import math

import networkx as nx
import pytest

from linkgraph.layout import LAYOUTS, SPACING, around, layout


def two_groups() -> nx.Graph:
    """Two five-person rings joined by one tie, plus a lone pair; communities 0, 1 and 2 given as attributes."""
    graph = nx.Graph()
    for base, group in ((1, 0), (11, 1)):
        members = list(range(base, base + 5))
        for a, b in zip(members, members[1:] + members[:1], strict=True):
            graph.add_edge(a, b)
        for m in members:
            graph.nodes[m]["community"] = group
    graph.add_edge(1, 11)
    graph.add_edge(30, 31)
    graph.nodes[30]["community"] = graph.nodes[31]["community"] = 2
    return graph


@pytest.mark.parametrize("name", LAYOUTS)
def test_every_layout_places_every_entity_once_and_repeatably(name: str) -> None:
    graph = two_groups()
    first = layout(graph, name, seed=3)
    again = layout(graph, name, seed=3)
    assert set(first) == set(graph.nodes)
    assert first == again
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in first.values())
    points = {(round(x, 3), round(y, 3)) for x, y in first.values()}
    assert len(points) == graph.number_of_nodes()          # no two entities on top of each other


@pytest.mark.parametrize("name", LAYOUTS)
def test_pinned_entities_stay_where_they_were_pinned(name: str) -> None:
    graph = two_groups()
    placed = layout(graph, name, pinned={1: (1000.0, -500.0), 12: (-40.0, 7.5)})
    assert placed[1] == (1000.0, -500.0)
    assert placed[12] == (-40.0, 7.5)


def test_circular_puts_each_community_on_its_own_ring() -> None:
    placed = layout(two_groups(), "circular")
    for members in (range(1, 6), range(11, 16)):
        xs = [placed[m][0] for m in members]
        ys = [placed[m][1] for m in members]
        cx, cy = sum(xs) / 5, sum(ys) / 5
        radii = [math.dist((cx, cy), placed[m]) for m in members]
        assert max(radii) - min(radii) < 1e-6               # all on one circle
    centre_a = [sum(placed[m][i] for m in range(1, 6)) / 5 for i in (0, 1)]
    centre_b = [sum(placed[m][i] for m in range(11, 16)) / 5 for i in (0, 1)]
    assert math.dist(centre_a, centre_b) > 2 * SPACING       # the rings do not overlap


def test_circular_takes_communities_given_by_the_caller() -> None:
    graph = nx.path_graph(6)
    placed = layout(graph, "circular", communities={0: 0, 1: 0, 2: 0, 3: 1, 4: 1, 5: 1})
    ring = [placed[n] for n in (0, 1, 2)]
    cx, cy = sum(p[0] for p in ring) / 3, sum(p[1] for p in ring) / 3
    assert len({round(math.dist((cx, cy), p), 6) for p in ring}) == 1


def test_hierarchical_hangs_a_star_from_its_hub() -> None:
    graph = nx.star_graph(6)                    # 0 is the hub
    graph.add_edge(1, 10)                       # one grandchild
    placed = layout(graph, "hierarchical")
    hub_y = placed[0][1]
    child_y = {placed[n][1] for n in range(1, 7)}
    assert len(child_y) == 1 and child_y.pop() > hub_y
    assert placed[10][1] > placed[1][1]


def test_peacock_fans_one_contact_numbers_round_their_target() -> None:
    graph = nx.star_graph(30)                   # a target phone and thirty numbers that call only it
    graph.add_edge(0, 100)
    graph.add_edge(100, 101)
    graph.add_edge(101, 0)                      # a triangle so the hub has a core to sit in
    placed = layout(graph, "peacock")
    hub = placed[0]
    distances = [math.dist(hub, placed[n]) for n in range(1, 31)]
    assert min(distances) == pytest.approx(SPACING)         # first ring at one spacing
    assert max(distances) > SPACING                          # thirty do not fit one ring of twelve


def test_unknown_layout_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown layout 'spiral'"):
        layout(two_groups(), "spiral")


def test_empty_graph_and_ring_positions() -> None:
    assert layout(nx.Graph(), "force") == {}
    ring = around((10.0, 20.0), 4, radius=5.0)
    assert [tuple(round(v, 6) for v in p) for p in ring] == [(15.0, 20.0), (10.0, 25.0), (5.0, 20.0), (10.0, 15.0)]


def test_force_layout_keeps_groups_apart_and_key_players_unstacked() -> None:
    """Three stars (a boss and eight contacts each) joined boss to boss and by a few shared contacts: the
    bosses keep room between them and each group gathers round its own boss."""
    import math

    from linkgraph.layout import ROOM, SPACING

    graph = nx.Graph()
    bosses = [1, 2, 3]
    for boss in bosses:
        for k in range(8):
            graph.add_edge(boss, boss * 100 + k)
    graph.add_edges_from([(1, 2), (2, 3), (1, 3), (100, 2), (200, 3), (300, 1)])
    placed = layout(graph, "force")
    gap = min(math.dist(placed[a], placed[b]) for a in placed for b in placed if a < b)
    assert gap >= SPACING * ROOM * 0.9                          # nothing stacked
    for boss in bosses:
        own = [math.dist(placed[boss], placed[boss * 100 + k]) for k in range(1, 8)]
        others = [math.dist(placed[boss], placed[other]) for other in bosses if other != boss]
        assert sum(own) / len(own) < min(others)                # its group round it, the other bosses further
