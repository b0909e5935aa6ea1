"""A big chart's styling as columns (ui.chart.style_fast) against the plain per-entity loop: the same sizes,
colours, dots and legend for every colour and size choice."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import ui.chart.view as chart_view
from ui.chart.view import ChartView

ROLES = [None, "suspect", "victim", "unknown", "buyer"]
TYPES = ["Person", "Phone", "Hotel", "Ad"]


def big_graph(n: int = 2300, seed: int = 4) -> nx.Graph:
    """More entities than EAGER_MOST: types, roles, communities and scores, some missing or odd."""
    rng = np.random.default_rng(seed)
    graph = nx.Graph()
    for node in range(n):
        kind = TYPES[int(rng.integers(0, len(TYPES)))]
        attrs = {"type": kind, "label": f"e{node}", "role": ROLES[int(rng.integers(0, len(ROLES)))],
                 "community": int(rng.integers(0, 12)) if node % 7 else None}
        if node % 5:
            attrs["score"] = float(rng.random()) if node % 11 else "n/a"
        attrs["betweenness"] = float(rng.random() ** 3)
        graph.add_node(node * 3 + 1, **attrs)
    ends = rng.integers(0, n, (n * 3, 2)) * 3 + 1
    graph.add_edges_from((int(a), int(b), {"weight": 1.0}) for a, b in ends if a != b)
    return graph


def styled(view: ChartView) -> tuple:
    groups = [(colour.rgba(), size, members.tolist()) for colour, size, members in view.edges._groups()]
    dots = {i: (colour.rgba(), radius) for i, (colour, radius) in view.edges.dots.items()}
    legend = [(e.text, e.heading, e.colour.rgba() if e.colour is not None else None, e.radius)
              for e in view.legend.entries]
    return (dict(view.radius), {n: c.rgba() for n, c in view.colours.items()}, list(view.colours), groups, dots,
            legend, view._sized_by)


@pytest.mark.parametrize("colour", [None, "role", "community", "score", "betweenness", "component"])
@pytest.mark.parametrize("size", [None, "score", "degree", "betweenness"])
def test_columns_style_a_big_chart_as_the_loop_does(qtbot, monkeypatch, colour, size) -> None:
    graph = big_graph()
    view = ChartView()
    qtbot.addWidget(view)
    view.set_graph(graph, {n: (float(i % 50) * 30, float(i // 50) * 30) for i, n in enumerate(sorted(graph))})
    view.colour_attr, view.size_attr = colour, size
    assert len(view.placed) > chart_view.EAGER_MOST
    view._restyle()
    fast = styled(view)
    monkeypatch.setattr(chart_view, "EAGER_MOST", 10**9)        # the plain loop
    view._restyle()
    assert styled(view) == fast
