"""The chart with its toolbar: view, layout, colour by, size by, time window, entity types, minimum weight.

Filters rebuild the graph with the core (`linkgraph.graph` with the case's entities and links
read once), so the chart shows exactly what `linkgraph analyze` would count; entities already
on the chart keep their places. Analysis results add community and key-player measures to
the nodes for colouring and sizing.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from linkgraph.case import CaseFile
from linkgraph.graph import (
    CHART_COLUMNS,
    GraphFilter,
    collector_paused,
    graph_from_links,
    graph_links,
    load_entities,
    load_links,
)
from linkgraph.layout import LAYOUT_LABELS, LAYOUTS
from linkgraph.times import format_time
from ui.chart.view import ChartView
from ui.palette import icon_pixmap

DAY = 86_400
VIEW_LABELS = {"persons": "Persons (phones folded in)", "entities": "Entities (every record)",
               "ad_phones": "Phones in the same ads"}
COLOUR_CHOICES = {"Role": "role", "Group (community)": "community", "Type": None, "Key-player score": "score",
                  "Betweenness": "betweenness", "Component": "component"}
SIZE_CHOICES = {"Key-player score": "score", "Same size": None, "Degree": "degree", "Weighted degree":
                "weighted_degree", "Betweenness": "betweenness", "PageRank": "pagerank", "Eigenvector": "eigenvector",
                "Closeness": "closeness"}
MEASURES = ("community", "score", "degree", "weighted_degree", "betweenness", "pagerank", "eigenvector",
            "closeness", "k_core", "component")


class ChartPanel(QWidget):
    """ChartView plus the controls an analyst filters and styles it with."""

    selectionChanged = Signal(list)          # noqa: N815 (Qt signal names)
    entityActivated = Signal(int)            # noqa: N815
    contextRequested = Signal(int, QPoint)   # noqa: N815
    filterApplied = Signal(object)           # noqa: N815 (the GraphFilter now on screen)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chart = ChartView(self)
        self.chart.color_by("role")             # the readable default: persons by role, sized by key-player score
        self.chart.size_by("score")
        self.case: CaseFile | None = None
        self.entities: pd.DataFrame | None = None
        self.links: pd.DataFrame | None = None
        self.measures: dict[int, dict[str, Any]] = {}
        self.span: tuple[int, int] | None = None       # first and last day (epoch of local midnight-ish)
        self.full: nx.Graph = nx.Graph()               # the unfiltered graph of the view (for expand)
        self._case_path: str | None = None
        self._refilter = QTimer(self)
        self._refilter.setSingleShot(True)
        self._refilter.setInterval(250)
        self._refilter.timeout.connect(self.apply_filter)

        self.view_box = QComboBox()
        for name, text in VIEW_LABELS.items():
            self.view_box.addItem(text, name)
        self.layout_box = QComboBox()
        for name in LAYOUTS:
            self.layout_box.addItem(LAYOUT_LABELS[name], name)
        self.colour_box = QComboBox()
        for text, attr in COLOUR_CHOICES.items():
            self.colour_box.addItem(text, attr)
        self.size_box = QComboBox()
        for text, attr in SIZE_CHOICES.items():
            self.size_box.addItem(text, attr)
        self.types_button = QToolButton()
        self.types_button.setText("Types")
        self.types_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.types_menu = QMenu(self.types_button)
        self.types_button.setMenu(self.types_menu)
        self.type_actions: dict[str, QAction] = {}
        self.weight_box = QDoubleSpinBox()
        self.weight_box.setRange(0, 10_000)
        self.weight_box.setDecimals(0)
        self.weight_box.setPrefix("min links ")
        self.weight_box.setToolTip("Leave out ties with fewer links (summed weight) than this")
        self.start_slider = QSlider(Qt.Orientation.Horizontal)
        self.end_slider = QSlider(Qt.Orientation.Horizontal)
        for slider in (self.start_slider, self.end_slider):
            slider.setRange(0, 0)
            slider.setMinimumWidth(120)
        self.window_label = QLabel("all time")
        self.fit_button = QToolButton()
        self.fit_button.setText("Fit")
        self.fit_button.setToolTip("Zoom to the whole chart (F)")
        self.unhide_button = QToolButton()
        self.unhide_button.setText("Show hidden")
        self.count_label = QLabel("")

        for box in (self.view_box, self.layout_box, self.colour_box, self.size_box):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(9)          # a 1366-pixel laptop screen fits the whole row
        top = QHBoxLayout()
        for text, widget in (("View", self.view_box), ("Layout", self.layout_box), ("Colour", self.colour_box),
                             ("Size", self.size_box)):
            top.addWidget(QLabel(text))
            top.addWidget(widget)
        top.addWidget(self.types_button)
        top.addWidget(self.weight_box)
        top.addWidget(self.fit_button)
        top.addWidget(self.unhide_button)
        top.addStretch(1)
        top.addWidget(self.count_label)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("From"))
        bottom.addWidget(self.start_slider, 1)
        bottom.addWidget(QLabel("to"))
        bottom.addWidget(self.end_slider, 1)
        bottom.addWidget(self.window_label)
        box = QVBoxLayout(self)
        box.setContentsMargins(2, 2, 2, 2)
        box.addLayout(top)
        box.addLayout(bottom)
        box.addWidget(self.chart, 1)

        self.view_box.currentIndexChanged.connect(self._view_changed)
        self.layout_box.currentIndexChanged.connect(lambda _: self.chart.set_layout(self.layout_box.currentData()))
        self.colour_box.currentIndexChanged.connect(lambda _: self.chart.color_by(self.colour_box.currentData()))
        self.size_box.currentIndexChanged.connect(lambda _: self.chart.size_by(self.size_box.currentData()))
        self.weight_box.valueChanged.connect(lambda _: self._refilter.start())
        self.start_slider.valueChanged.connect(self._slid)
        self.end_slider.valueChanged.connect(self._slid)
        self.fit_button.clicked.connect(self.chart.fit)
        self.unhide_button.clicked.connect(self.chart.show_hidden)
        self.chart.selectionChanged.connect(self.selectionChanged)
        self.chart.entityActivated.connect(self.entityActivated)
        self.chart.contextRequested.connect(self.contextRequested)
        self.chart.set_neighbour_source(self._neighbours)

    # ---- data ---------------------------------------------------------------------------------
    def set_case(self, case: CaseFile) -> None:
        """Show a case: read its entities and links once, set the filters' ranges, draw the chart.

        Called again for the same case file (after an import, merge or edit), entities keep their places.
        The cycle collector rests meanwhile: the graph's hundreds of thousands of dicts form no cycles, and
        on a 100,000-entity case its full passes over them cost a tenth of the open.
        """
        same = self._case_path == str(case.path)
        self.case = case
        self._case_path = str(case.path)
        if not same:
            self.measures = {}
        with collector_paused():
            self.entities = load_entities(case)
            self.links = load_links(case, columns=CHART_COLUMNS)
            self._set_types()
            self._set_span(same)
            self.apply_filter(keep_view=same)

    def set_analysis(self, result: dict[str, Any]) -> None:
        """Take communities and key-player measures from an `analyze` result onto the chart's entities."""
        self.measures = {int(e["id"]): {k: e.get(k) for k in MEASURES} for e in result.get("entities", [])}
        for graph in (self.chart.graph, self.full):
            for node, values in self.measures.items():
                if node in graph:
                    graph.nodes[node].update(values)
        self.chart._restyle()

    def current_filter(self) -> GraphFilter:
        """The filter the controls describe."""
        start = end = None
        if self.span and (self.start_slider.value() > 0 or self.end_slider.value() < self.end_slider.maximum()):
            start = self.span[0] + self.start_slider.value() * DAY
            end = self.span[0] + (self.end_slider.value() + 1) * DAY - 1
        types = {name for name, action in self.type_actions.items() if action.isChecked()}
        return GraphFilter(start=start, end=end, view=self.view_box.currentData() or "entities",
                           entity_types=types if types and len(types) < len(self.type_actions) else None,
                           min_weight=float(self.weight_box.value()))

    def apply_filter(self, keep_view: bool = True) -> None:
        """Rebuild the chart's graph under the current filter (entities on the chart stay put)."""
        if self.case is None or self.entities is None or self.links is None:
            return
        flt = self.current_filter()
        graph = self._graph(flt)
        if flt.start is None and flt.end is None and not flt.entity_types \
                and flt.min_weight <= 0:
            self.full = graph
        else:
            self.full = self._graph(GraphFilter(view=flt.view))
        self.chart.set_graph(graph, keep_view=keep_view and bool(self.chart.items_by_id))
        ties = self.chart.edges.link_count() if not self.chart.hidden else graph.number_of_edges()  # counted once
        self.count_label.setText(f"{graph.number_of_nodes():,} entities · {ties:,} ties")
        self.filterApplied.emit(flt)

    def _view_changed(self) -> None:
        """Another view is another chart: entities it shares keep their places, and it opens fitted."""
        self.apply_filter()
        self.chart.fit()

    def _graph(self, flt: GraphFilter) -> nx.Graph:
        assert self.case is not None and self.entities is not None
        chosen = graph_links(self.case, flt, entities=self.entities, links=self.links)
        graph = graph_from_links(chosen, self.entities, flt)
        for node, values in self.measures.items():
            if node in graph:
                graph.nodes[node].update(values)
        return graph

    def _neighbours(self, entity_id: int) -> nx.Graph:
        """The entity and its neighbours in the unfiltered graph (what `expand` brings in)."""
        if entity_id not in self.full:
            return nx.Graph()
        return self.full.subgraph([entity_id, *self.full.neighbors(entity_id)])

    # ---- controls -------------------------------------------------------------------------------
    def _set_types(self) -> None:
        assert self.entities is not None
        present = sorted(set(self.entities["type"].dropna()))
        unchecked = {name for name, action in self.type_actions.items() if not action.isChecked()}
        self.types_menu.clear()
        self.type_actions = {}
        for name in present:
            action = self.types_menu.addAction(QIcon(icon_pixmap(name)), name)
            action.setCheckable(True)
            action.setChecked(name not in unchecked)
            action.toggled.connect(lambda _: self._refilter.start())
            self.type_actions[name] = action

    def _set_span(self, keep: bool) -> None:
        assert self.links is not None
        starts = self.links["start"].to_numpy(float)
        starts = starts[~np.isnan(starts)]
        old = (self.start_slider.value(), self.end_slider.value(), self.end_slider.maximum())
        if not len(starts):
            self.span = None
            days = 0
        else:
            first = int(starts.min()) // DAY * DAY
            self.span = (first, int(starts.max()))
            days = (int(starts.max()) - first) // DAY
        for slider in (self.start_slider, self.end_slider):
            slider.blockSignals(True)
            slider.setRange(0, days)
        keep_window = keep and old[2] == days
        self.start_slider.setValue(old[0] if keep_window else 0)
        self.end_slider.setValue(old[1] if keep_window else days)
        for slider in (self.start_slider, self.end_slider):
            slider.blockSignals(False)
        self._show_window()

    def set_window(self, start_day: int, end_day: int) -> None:
        """Limit the chart to links between two days (counted from the first day of the case's records)."""
        self.start_slider.setValue(start_day)
        self.end_slider.setValue(end_day)
        self._refilter.stop()
        self.apply_filter()

    def _slid(self) -> None:
        if self.start_slider.value() > self.end_slider.value():
            other = self.end_slider if self.sender() is self.start_slider else self.start_slider
            other.blockSignals(True)
            other.setValue(self.sender().value())
            other.blockSignals(False)
        self._show_window()
        self._refilter.start()

    def _show_window(self) -> None:
        flt = self.current_filter()
        if self.span is None or flt.start is None or self.case is None:
            self.window_label.setText("all time")
            return
        zone = self.case.timezone
        self.window_label.setText(f"{format_time(flt.start, zone, with_zone=False)[:10]} – "
                                  f"{format_time(flt.end, zone, with_zone=False)[:10]}")
