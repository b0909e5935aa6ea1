"""The link chart driven like an analyst would: select, zoom, drag, expand, hide, pin, layouts, styles, filters."""

from __future__ import annotations

import networkx as nx
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from linkgraph.analysis import analyze
from linkgraph.case import CaseFile
from linkgraph.graph import GraphFilter, build_graph
from ui.chart.panel import ChartPanel
from ui.chart.view import LABEL_ZOOM, POINT_ZOOM, ChartView
from ui.palette import category_colour, type_colour


def small_graph() -> nx.Graph:
    """Boss (person) with two phones; phone 2 calls three numbers; a victim who is a minor; weights 1..5."""
    graph = nx.Graph()
    nodes = {
        1: {"type": "Person", "label": "Darnell Haskins", "role": "suspect", "minor": False, "community": 0,
            "score": 1.0},
        2: {"type": "Phone", "label": "(209) 555-0101", "community": 0, "score": 0.6},
        3: {"type": "Phone", "label": "(209) 555-0144", "community": 0, "score": 0.5},
        4: {"type": "Phone", "label": "(209) 555-0171", "community": 1, "score": 0.2},
        5: {"type": "Person", "label": "Kayla Dunn", "role": "victim", "minor": True, "community": 1, "score": 0.1},
        6: {"type": "Hotel", "label": "Delta Inn & Suites", "community": 1, "score": 0.05},
    }
    for node, attrs in nodes.items():
        graph.add_node(node, **attrs)
    for a, b, weight in ((1, 2, 1), (1, 3, 1), (2, 4, 5), (3, 4, 2), (5, 4, 1), (5, 6, 3)):
        graph.add_edge(a, b, weight=weight, count=weight, types="call" if a != 5 else "uses")
    return graph


@pytest.fixture
def chart(qtbot) -> ChartView:
    view = ChartView()
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    view.set_graph(small_graph())
    return view


def on_screen(view: ChartView, entity: int) -> QPoint:
    return view.mapFromScene(view.items_by_id[entity].scenePos())


def test_every_entity_and_tie_is_drawn(chart: ChartView) -> None:
    assert chart.shown_entities() == {1, 2, 3, 4, 5, 6}
    assert chart.edges.link_count() == 6
    assert chart.shown_colour(2) == type_colour("Phone")


def test_select_from_code_and_by_clicking_emits_selection(chart: ChartView, qtbot) -> None:
    with qtbot.waitSignal(chart.selectionChanged) as signal:
        chart.select_entities([2, 5, 999])
    assert signal.args == [[2, 5]]
    assert chart.selected_entities() == [2, 5]
    chart.fit()
    with qtbot.waitSignal(chart.selectionChanged) as signal:
        qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=on_screen(chart, 6))
    assert signal.args == [[6]]


def test_double_click_activates_the_entity(chart: ChartView, qtbot) -> None:
    chart.fit()
    with qtbot.waitSignal(chart.entityActivated) as signal:
        qtbot.mouseDClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=on_screen(chart, 3))
    assert signal.args == [3]


def test_wheel_and_keys_zoom_with_level_of_detail(chart: ChartView, qtbot) -> None:
    chart.fit()
    start = chart.zoom()
    qtbot.keyClick(chart, Qt.Key.Key_Plus)
    assert chart.zoom() == pytest.approx(start * 1.25)
    chart.zoom_by(LABEL_ZOOM / chart.zoom() * 1.01)
    assert chart.labels_shown() and chart.labels[1].isVisible()
    chart.zoom_by(POINT_ZOOM / chart.zoom() * 0.9)
    assert chart.labels[1].isVisible()               # far out, the key player keeps its name
    assert chart.points_shown() and chart.items_by_id[1].effectiveOpacity() == 0.0
    chart.zoom_by(1 / 0.8)
    assert not chart.points_shown() and chart.items_by_id[1].effectiveOpacity() == 1.0


def test_dragging_an_entity_moves_its_ties(chart: ChartView, qtbot) -> None:
    chart.fit()
    chart.zoom_by(1.0 / chart.zoom())           # one unit per pixel: entities are large enough to grab
    chart.centerOn(chart.items_by_id[6])
    before = chart.items_by_id[6].pos()
    start = on_screen(chart, 6)
    qtbot.mousePress(chart.viewport(), Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(chart.viewport(), start + QPoint(10 * step, 6 * step))
    qtbot.mouseRelease(chart.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(50, 30))
    after = chart.items_by_id[6].pos()
    assert (after - before).manhattanLength() > 20
    link = chart.edges.pairs.index((5, 6)) if (5, 6) in chart.edges.pairs else chart.edges.pairs.index((6, 5))
    line = chart.edges.lines[link]
    assert (line.p1() == after) or (line.p2() == after)


def test_hide_pin_and_expand(chart: ChartView) -> None:
    full = small_graph()
    chart.set_neighbour_source(lambda n: full.subgraph([n, *full.neighbors(n)]))
    chart.select_entities([4])
    chart.hide([4])
    assert 4 not in chart.shown_entities() and chart.edges.link_count() == 3
    assert chart.selected_entities() == []
    added = chart.expand(2)                     # 2's neighbour 4 comes back, next to 2
    assert added == [4] and chart.edges.link_count() == 6
    chart.pin([1])
    chart.items_by_id[1].setPos(500, -300)
    chart.edges.move_nodes({1: (500.0, -300.0)})
    for name in ("circular", "hierarchical", "peacock", "force"):
        before = chart.positions()
        chart.set_layout(name)
        after = chart.positions()
        assert after[1] == (500.0, -300.0)
        assert name == "force" or after != before
    chart.pin([1], False)
    assert chart.pinned == set()
    chart.hide([5, 6])
    chart.show_hidden()
    assert chart.shown_entities() == {1, 2, 3, 4, 5, 6}


def test_keyboard_hides_and_pins_the_selection(chart: ChartView, qtbot) -> None:
    chart.select_entities([3])
    qtbot.keyClick(chart, Qt.Key.Key_P)
    assert chart.pinned == {3}
    qtbot.keyClick(chart, Qt.Key.Key_H)
    assert 3 not in chart.shown_entities()


def test_colour_and_size_by(chart: ChartView) -> None:
    chart.color_by("community")
    assert chart.shown_colour(1) == chart.shown_colour(2) == category_colour(0)
    assert chart.shown_colour(5) == category_colour(1) != chart.shown_colour(1)
    chart.color_by("score")
    assert chart.shown_colour(1) != chart.shown_colour(6)
    chart.size_by("score")
    assert chart.radius[1] > chart.radius[2] > chart.radius[6]
    assert chart.items_by_id[1].boundingRect().width() > chart.items_by_id[6].boundingRect().width()
    chart.size_by(None)
    assert chart.radius[1] == chart.radius[6]
    chart.color_by(None)
    assert chart.shown_colour(6) == type_colour("Hotel")


def test_badges_for_role_and_minor(chart: ChartView) -> None:
    def letters(entity: int) -> set[str]:
        return {grand.text() for child in chart.items_by_id[entity].childItems() for grand in child.childItems()
                if hasattr(grand, "text")}
    assert letters(1) == {"S"}
    assert letters(5) == {"V", "M"}
    assert letters(2) == set()


def test_panel_on_the_sample_case_filters_through_the_core(built_sample, qtbot) -> None:
    with CaseFile.open(built_sample, read_only=True) as case:
        panel = ChartPanel()
        qtbot.addWidget(panel)
        panel.resize(1200, 800)
        panel.set_case(case)
        persons = build_graph(case, GraphFilter(view="persons"))     # what opens: the persons view
        assert panel.current_filter().view == "persons"
        assert panel.chart.shown_entities() == set(persons.nodes)
        panel.view_box.setCurrentIndex(panel.view_box.findData("entities"))
        whole = build_graph(case)
        assert panel.chart.shown_entities() == set(whole.nodes)
        assert panel.chart.edges.link_count() == whole.number_of_edges()
        boss_phone = case.find_entity("Phone", "+12095550101").id
        new_phone = case.find_entity("Phone", "+12095550144").id
        assert {boss_phone, new_phone} <= panel.chart.shown_entities()
        # April 20 onwards: the old phone (dropped April 11) keeps only its standing ties (uses, owns...).
        first = panel.span[0]
        april_20 = (case.conn.execute("SELECT strftime('%s', '2024-04-20 07:00:00')").fetchone()[0])
        days = (int(april_20) - first) // 86_400
        panel.set_window(days, panel.end_slider.maximum())
        shown = panel.chart.shown_entities()
        assert new_phone in shown
        shown_graph = panel.chart.graph
        assert all(shown_graph.edges[boss_phone, n]["first"] is None for n in shown_graph.neighbors(boss_phone))
        assert any(shown_graph.edges[new_phone, n]["first"] is not None for n in shown_graph.neighbors(new_phone))
        assert panel.chart.edges.link_count() < whole.number_of_edges()
        expected = build_graph(case, GraphFilter(start=panel.current_filter().start, end=panel.current_filter().end))
        assert shown == set(expected.nodes)
        panel.set_window(0, panel.end_slider.maximum())
        panel.type_actions["Person"].setChecked(False)
        panel.apply_filter()
        assert not any(panel.chart.graph.nodes[n]["type"] == "Person" for n in panel.chart.shown_entities())
        panel.type_actions["Person"].setChecked(True)
        panel.weight_box.setValue(5)
        panel.apply_filter()
        heavy = build_graph(case, GraphFilter(min_weight=5))
        assert panel.chart.shown_entities() == set(heavy.nodes)
        panel.weight_box.setValue(0)
        panel.apply_filter()
        result = analyze(case)
        panel.set_analysis(result)
        panel.colour_box.setCurrentIndex(panel.colour_box.findData("community"))
        top = result["entities"][0]
        assert panel.chart.graph.nodes[top["id"]]["community"] == top["community"]
        assert panel.chart.shown_colour(top["id"]) == category_colour(top["community"])
        with qtbot.waitSignal(panel.selectionChanged) as signal:
            panel.chart.select_entities([new_phone])
        assert signal.args == [[new_phone]]
        added = panel.chart.expand(new_phone)
        assert added == []                       # all its neighbours are on the chart already
        panel.chart.hide([new_phone])
        assert new_phone not in panel.chart.shown_entities()
        neighbour = min(panel.full.neighbors(new_phone))
        assert new_phone in panel.chart.expand(neighbour)        # expanding a contact brings the phone back


def test_arrowheads_and_link_labels_drop_out_when_zoomed_out(qtbot) -> None:
    from ui.chart.edges import ARROW_LOD, LABEL_LOD

    graph = nx.DiGraph()
    for node, kind in ((1, "Phone"), (2, "Phone"), (3, "Person")):
        graph.add_node(node, type=kind, label=f"entity {node}")
    graph.add_edge(1, 2, weight=3, count=3, types="call")
    graph.add_edge(3, 1, weight=1, count=1, types="uses")
    view = ChartView()
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    view.set_graph(graph, {1: (0.0, 0.0), 2: (300.0, 0.0), 3: (0.0, 300.0)})

    def painted_at(zoom: float) -> dict[str, int]:
        view.zoom_by(zoom / view.zoom())
        view.centerOn(100, 100)
        QApplication.processEvents()            # the scene index learns the link layer's new bounds
        view.edges.drop_cache()
        view.viewport().repaint()
        return dict(view.edges.drawn)

    near = painted_at(LABEL_LOD * 1.1)
    assert near["links"] == 2 and near["arrows"] == 2 and near["labels"] == 2
    middle = painted_at((ARROW_LOD + LABEL_LOD) / 2)
    assert middle["arrows"] == 2 and middle["labels"] == 0
    far = painted_at(ARROW_LOD * 0.5)
    assert far["arrows"] == 0 and far["labels"] == 0 and far["links"] == 2


@pytest.mark.parametrize("far", [False, True])
def test_shift_drag_selects_a_rectangle(chart: ChartView, qtbot, far: bool) -> None:
    chart.set_graph(small_graph(), {1: (0, 0), 2: (200, 0), 3: (400, 0), 4: (0, 300), 5: (300, 300), 6: (400, 400)})
    if far:
        chart.zoom_by(POINT_ZOOM / chart.zoom() * 0.9)      # entities drawn as dots: picked by position
        assert chart.points_shown()
    corners = [on_screen(chart, n) for n in (5, 6)]
    left = min(p.x() for p in corners) - 15
    top = min(p.y() for p in corners) - 15
    right = max(p.x() for p in corners) + 15
    bottom = max(p.y() for p in corners) + 15
    shift = Qt.KeyboardModifier.ShiftModifier
    qtbot.mousePress(chart.viewport(), Qt.MouseButton.LeftButton, shift, QPoint(left, top))
    for step in range(1, 6):
        qtbot.mouseMove(chart.viewport(), QPoint(left + (right - left) * step // 5, top + (bottom - top) * step // 5))
    qtbot.mouseRelease(chart.viewport(), Qt.MouseButton.LeftButton, shift, QPoint(right, bottom))
    assert chart.selected_entities() == [5, 6]


def test_a_big_charts_layout_runs_in_the_background_and_can_be_cancelled(qtbot) -> None:
    from ui import workers
    from ui.chart.view import LAYOUT_AWAY_FROM

    graph = nx.connected_watts_strogatz_graph(LAYOUT_AWAY_FROM + 200, 4, 0.1, seed=3)
    for node in graph.nodes:
        graph.nodes[node].update(type="Phone", label=f"phone {node}")
    view = ChartView()
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    view.set_graph(graph)
    view.run_job = workers.start
    before = view.positions()
    view.set_layout("circular")
    job = view.layout_job
    assert job is not None and view.positions() == before          # returned at once: the GUI thread is free
    qtbot.waitUntil(lambda: job.outcome is not None, timeout=120000)
    assert job.outcome == "succeeded"
    moved = view.positions()
    assert moved != before and set(moved) == set(before)
    view.set_layout("force")
    running = view.layout_job
    running.cancel()
    qtbot.waitUntil(lambda: running.outcome is not None, timeout=60000)
    assert running.outcome == "cancelled" and view.positions() == moved
    qtbot.waitUntil(lambda: not workers.running_jobs(), timeout=30000)


def test_hovering_an_entity_shows_its_tooltip(chart: ChartView, qtbot) -> None:
    chart.fit()
    chart.zoom_by(1.0 / chart.zoom())
    chart.centerOn(chart.items_by_id[1])
    text = chart.tooltip_at(on_screen(chart, 1))
    assert "Darnell Haskins" in text and "key-player score 1.000" in text and "role: suspect" in text
    assert chart.tooltip_at(QPoint(1, 1)) is None


def test_a_small_chart_opens_fitted_with_every_name_and_a_legend(chart: ChartView) -> None:
    chart.fit()
    assert all(label.isVisible() for label in chart.labels.values()) and set(chart.labels) == set(range(1, 7))
    seen = chart.mapToScene(chart.viewport().rect()).boundingRect()
    assert all(seen.contains(item.sceneBoundingRect()) for item in chart.items_by_id.values())
    chart.color_by("role")
    chart.size_by("score")
    texts = chart.legend.texts()
    assert "Person (2)" in texts and "Phone (3)" in texts and "Hotel (1)" in texts
    assert "suspect (1)" in texts and "victim (1)" in texts and "Size: key-player score" in texts
    assert "M  minor" in texts
    assert chart.radius[1] > chart.radius[6]                      # the key player is drawn bigger
