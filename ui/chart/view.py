"""The link chart: entities as icons on a QGraphicsView, links drawn in batches, level of detail.

Nodes are QGraphicsPathItems (painted by Qt in C++) whose path is the entity type's icon with its
details cut out; labels, role, minor and pin badges are child items; links are one `EdgeLayer`.
Where entities are is kept in `placed` (and the link layer's arrays); on a chart of more than
EAGER_MOST entities an entity's item is made only when it is needed: in view close enough to see
icons, selected, pinned, or asked for through `items_by_id`. Far out, the link layer draws every
entity as a dot, so a 100,000-entity chart opens with a few hundred items. Zoom with the wheel (or
+/-), pan by dragging the background, rubber-band select with Shift, drag entities, and expand /
hide / pin from the keyboard or the context menu. Positions come from `linkgraph.layout`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import networkx as nx
import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QContextMenuEvent,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QMenu,
    QToolTip,
    QWidget,
)

from linkgraph.layout import LAYOUTS, around, layout
from linkgraph.layout_fast import edge_ends
from ui.chart import style_fast
from ui.chart.edges import EdgeLayer
from ui.chart.legend import Legend, LegendEntry
from ui.palette import (
    MINOR_COLOUR,
    ROLE_COLOURS,
    ROLE_LETTERS,
    SELECTED_COLOUR,
    category_colour,
    icon_pixmap,
    ramp_colour,
    shape_detail,
    shape_path,
    type_colour,
    type_shape,
)

NODE_RADIUS = 12.0
LABEL_ZOOM = 0.45        # from this zoom up every entity in view may have a label (space permitting) ...
LABEL_MOST = 600         # ... when at most this many entities are in view; otherwise the key players first
LABEL_BUDGET = 160       # labels placed at most per view (the most important first; overlapping ones left out)
LABEL_PX = 12            # label text height in screen pixels, whatever the zoom
LABEL_CHARS = 28         # longer labels are cut with an ellipsis (the inspector shows them whole)
POINT_ZOOM = 0.35        # below this zoom entities are drawn as dots by the link layer
MIN_ZOOM, MAX_ZOOM = 0.01, 12.0
LAYOUT_AWAY_FROM = 3000  # charts with more entities are laid out in a background process (progress, Cancel)
PREVIEW_FROM = 2000      # charts with more entities zoom on a snapshot while the wheel turns ...
PREVIEW_SETTLE_MS = 140  # ... and draw in full this long after the last step
EAGER_MOST = 2000        # charts with more entities make an entity's item only when it is needed (see _Nodes)
ENTITY = 0               # QGraphicsItem.data key holding the entity id
CATEGORICAL = ("type", "community", "role", "component")
MEASURE_NAMES = {"score": "key-player score", "degree": "ties", "weighted_degree": "links (weighted ties)",
                 "betweenness": "betweenness (bridging)", "pagerank": "PageRank", "eigenvector": "eigenvector",
                 "closeness": "closeness", "community": "group", "role": "role", "component": "component"}
NeighbourSource = Callable[[int], nx.Graph]
NODE_FLAGS = QGraphicsItem.GraphicsItemFlag.ItemIsSelectable | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
_PENS: dict[int, QPen] = {}


def _icon(shape: str, radius: float) -> QPainterPath:
    """The icon of `shape` at `radius`, its inner details cut out (one path: Qt paints it in one go)."""
    scale = QTransform.fromScale(radius, radius)
    outline = scale.map(shape_path(shape))
    detail = shape_detail(shape)
    if detail.isEmpty():
        return outline
    stroker = QPainterPathStroker()
    stroker.setWidth(0.14)
    return outline.subtracted(scale.map(stroker.createStroke(detail)))


class LabelItem(QGraphicsItem):
    """An entity's name under its icon, the same size on screen at every zoom, on a light halo so it
    reads over links (drawn by the view's label level of detail: key players first, no overlaps)."""

    def __init__(self, text: str, font: QFont, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.text = text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1] + "…"
        self.font = font
        metrics = QFontMetricsF(font)
        self.width = metrics.horizontalAdvance(self.text)
        self.height = metrics.height()
        self.ascent = metrics.ascent()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(5)
        self.above = False            # placed above the icon (below was taken by another label)

    def set_above(self, above: bool) -> None:
        if above != self.above:
            self.prepareGeometryChange()
            self.above = above

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt name)
        top = -(self.height + 3) if self.above else 1
        return QRectF(-self.width / 2 - 3, top, self.width + 6, self.height + 2)

    def paint(self, painter: QPainter, option: Any, widget: QWidget | None = None) -> None:
        painter.fillRect(self.boundingRect(), LABEL_HALO)       # a plain rectangle: hundreds cost nothing
        painter.setFont(self.font)
        painter.setPen(LABEL_INK)
        painter.drawText(QPointF(-self.width / 2, self.boundingRect().top() + 1 + self.ascent), self.text)


class NodeItem(QGraphicsPathItem):
    """An entity's icon; moving it (a drag, or code) moves its place on the chart and its links."""

    def __init__(self, view: ChartView, node: int) -> None:
        super().__init__()
        self.view = view
        self.node = node

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:  # noqa: N802 (Qt name)
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged and not self.view._syncing:
            self.view._item_moved(self.node, value)
        return super().itemChange(change, value)


class _Nodes(Mapping):
    """Entity id -> its NodeItem, for every entity on the chart; an item is made the first time it is asked
    for (iterating, `in` and `len` make none)."""

    def __init__(self, view: ChartView) -> None:
        self.view = view
        self.made: dict[int, NodeItem] = {}

    def __getitem__(self, node: int) -> NodeItem:
        item = self.made.get(node)
        if item is None:
            if node not in self.view.placed:
                raise KeyError(node)
            item = self.view._make_item(node)
        return item

    def __iter__(self) -> Iterator[int]:
        return iter(self.view.placed)

    def __len__(self) -> int:
        return len(self.view.placed)

    def __contains__(self, node: object) -> bool:
        return node in self.view.placed


LABEL_HALO = QColor(255, 255, 255, 215)
LABEL_INK = QColor("#1d1d1d")


def _shade(key: tuple) -> QColor:
    """The fill colour of a colour key: ("type", t), ("role", r), ("ramp", share) or ("group", value)."""
    if key[0] == "type":
        return type_colour(key[1])
    if key[0] == "role":
        return QColor(ROLE_COLOURS.get(key[1], ROLE_COLOURS["unknown"]))
    if key[0] == "ramp":
        return ramp_colour(key[1])
    return category_colour(key[1])


def _badge(parent: QGraphicsItem, letter: str, colour: str, corner: QPointF) -> QGraphicsEllipseItem:
    badge = QGraphicsEllipseItem(-5.5, -5.5, 11, 11, parent)
    badge.setPos(corner)
    badge.setBrush(QColor(colour))
    badge.setPen(QPen(QColor("white"), 1.2))
    badge.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
    text = QGraphicsSimpleTextItem(letter, badge)
    font = QFont()
    font.setPixelSize(8)
    font.setBold(True)
    text.setFont(font)
    text.setBrush(QColor("white"))
    box = text.boundingRect()
    text.setPos(-box.width() / 2, -box.height() / 2)
    return badge


class ChartView(QGraphicsView):
    """An interactive link chart of a networkx graph (nodes are entity ids with type, label, role, minor...)."""

    selectionChanged = Signal(list)          # noqa: N815 (Qt signal names)
    entityActivated = Signal(int)            # noqa: N815
    contextRequested = Signal(int, QPoint)   # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.scene().setBackgroundBrush(QColor("#fbfbfa"))
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.edges = EdgeLayer()
        self.scene().addItem(self.edges)
        # Every entity icon is a child of one empty item, so far-zoom dots fade them all in one call.
        self.node_layer = QGraphicsPathItem()
        self.scene().addItem(self.node_layer)
        self.graph: nx.Graph = nx.Graph()
        self._owned = True
        self.placed: dict[int, tuple[float, float]] = {}   # every entity on the chart -> where it is
        self.items_by_id = _Nodes(self)                     # -> its icon item (made when first needed)
        self._syncing = False         # True while the chart itself moves items (their moves are already known)
        self.labels: dict[int, LabelItem] = {}
        self.label_layer = QGraphicsPathItem()             # labels: above every icon, visible at any zoom
        self.label_layer.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        self.label_layer.setZValue(20)
        self.scene().addItem(self.label_layer)
        self._auto_fit = False        # True from fit() until the user zooms or pans: resizing refits
        self._priority: np.ndarray | None = None     # label priority per node index of the link layer
        self.hidden: set[int] = set()
        self.pinned: set[int] = set()
        self.layout_name = "force"
        self.run_job: Callable[[Any], None] | None = None   # starts a background job (the main window's, with
        self.layout_job: Any = None                          # status-bar progress and Cancel); None: lay out here
        self.colour_attr: str | None = None
        self.size_attr: str | None = None
        self.radius: dict[int, float] = {}
        self.colours: dict[int, QColor] = {}
        self._labels_on = False
        self._font = QFont()
        self._font.setPixelSize(LABEL_PX)
        self._points = False
        self._band = QRectF()
        self.rubberBandChanged.connect(self._banded)
        self._neighbours: NeighbourSource | None = None
        self._dragging = False
        self._quiet = False
        self._last_selection: list[int] = []
        self._outlined: set[int] = set()
        self._preview: Any = None                  # a snapshot of the view while a wheel zoom goes on (big charts)
        self._preview_transform = QTransform()
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(PREVIEW_SETTLE_MS)
        self._settle.timeout.connect(self._settled)
        self._label_timer = QTimer(self)          # labels follow a pan once it pauses (not on every frame)
        self._label_timer.setSingleShot(True)
        self._label_timer.setInterval(60)
        self._label_timer.timeout.connect(self._update_labels)
        self._warm = QTimer(self)                 # the link layer's overview images, drawn once the chart is shown
        self._warm.setSingleShot(True)
        self._warm.setInterval(600)
        self._warm.timeout.connect(lambda: self.edges.warm())
        self._warm_due = False
        self.legend = Legend(self)
        self.legend.move(8, 8)
        self._sized_by = None         # the measure sizes really follow (score falls back to ties before analysis)
        self._notify = QTimer(self)
        self._notify.setSingleShot(True)
        self._notify.setInterval(0)
        self._notify.timeout.connect(self._emit_selection)
        self.scene().selectionChanged.connect(self._notify.start)

    # ---- contents -----------------------------------------------------------------------------
    def set_graph(self, graph: nx.Graph, positions: dict[int, tuple[float, float]] | None = None, *,
                  keep_view: bool = False) -> None:
        """Show `graph`; positions from the current layout when not given.

        With `keep_view`, entities already on the chart keep their place, and hidden and pinned
        entities stay so (used when a filter changes); new entities are laid out around them.
        """
        old = self.positions() if keep_view else {}
        selected = set(self.selected_entities()) if keep_view else set()
        if not keep_view:
            self.hidden.clear()
            self.pinned.clear()
        self.graph = graph                      # copied before `expand` changes it (see _own_graph)
        self._owned = False
        shown = self._shown_graph()
        ties = self._ties(shown)
        if positions is None:
            fresh = [n for n in shown if n not in old]
            if fresh or not old:
                positions = layout(shown, self.layout_name, pinned=old or None, ends=ties[:2] if ties else None)
                positions.update(old)
            else:
                positions = dict(old)
        self._populate(positions, ties)
        if selected:
            self.select_entities(selected & set(self.items_by_id), centre=False)
        if not keep_view:
            self.fit()

    def _shown_graph(self) -> nx.Graph:
        if not self.hidden:
            return self.graph
        return self.graph.subgraph([n for n in self.graph.nodes if n not in self.hidden])

    @staticmethod
    def _ties(shown: nx.Graph) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]]] | None:
        """A big chart's edges read once from the adjacency, as places in `sorted(shown.nodes)` (the order of
        `placed`) and their data, for the layout and the link layer both; None for a small chart."""
        if shown.number_of_nodes() <= EAGER_MOST or shown.is_multigraph():
            return None
        return edge_ends(shown, {n: i for i, n in enumerate(sorted(shown.nodes))}, data=True)

    def _populate(self, positions: dict[int, tuple[float, float]],
                  ties: tuple[np.ndarray, np.ndarray, list[dict[str, Any]]] | None = None) -> None:
        """Rebuild the node items and the link layer for the shown graph (`ties`: its edges, see _ties)."""
        self._quiet = True
        scene = self.scene()
        scene.removeItem(self.node_layer)       # the old icons go with their parent, in one call
        self.node_layer = QGraphicsPathItem()
        self.node_layer.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        self.node_layer.setOpacity(0.0 if self._points else 1.0)
        scene.addItem(self.node_layer)
        self.items_by_id.made.clear()
        self.placed = {}
        scene.removeItem(self.label_layer)
        self.label_layer = QGraphicsPathItem()
        self.label_layer.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        self.label_layer.setZValue(20)
        scene.addItem(self.label_layer)
        self.labels.clear()
        shown = self._shown_graph()
        for node in sorted(shown.nodes):
            x, y = positions.get(node, (0.0, 0.0))
            self.placed[node] = (float(x), float(y))
        self._refresh_links(self.placed, ties)
        self._restyle()
        if len(self.placed) <= EAGER_MOST:
            for node in self.placed:
                self.items_by_id[node]
        self._quiet = False
        self._update_labels()
        self._notify.start()
        self._warm_due = True

    def _make_item(self, node: int) -> NodeItem:
        """The icon item of an entity on the chart, styled and placed (made when first needed)."""
        attrs = self.graph.nodes[node] if node in self.graph else {}
        item = NodeItem(self, node)
        item.setData(ENTITY, int(node))
        item.setFlags(NODE_FLAGS)
        self._syncing = True
        item.setPos(*self.placed[node])
        self._syncing = False
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges, True)
        self._style_item(item, node)
        role = attrs.get("role")
        if role in ROLE_LETTERS and role != "unknown" and attrs.get("type") == "Person":
            _badge(item, ROLE_LETTERS[role], ROLE_COLOURS[role], QPointF(NODE_RADIUS * 0.85, -NODE_RADIUS * 0.85))
        if attrs.get("minor"):
            _badge(item, "M", MINOR_COLOUR, QPointF(-NODE_RADIUS * 0.85, -NODE_RADIUS * 0.85))
        if node in self.pinned:
            _badge(item, "P", "#34495e", QPointF(NODE_RADIUS * 0.85, NODE_RADIUS * 0.85)).setData(ENTITY, "pin")
        item.setParentItem(self.node_layer)
        self.items_by_id.made[int(node)] = item
        return item

    def _make_in_view(self) -> None:
        """Make the items of the entities in view (and a margin) when icons are shown (not far out)."""
        if self._points or len(self.items_by_id.made) >= len(self.placed) or not len(self.edges.xy):
            return
        seen = self.mapToScene(self.viewport().rect()).boundingRect()
        margin = NODE_RADIUS * 4
        xy = self.edges.xy
        inside = np.flatnonzero((xy[:, 0] >= seen.left() - margin) & (xy[:, 0] <= seen.right() + margin)
                                & (xy[:, 1] >= seen.top() - margin) & (xy[:, 1] <= seen.bottom() + margin))
        made, ids = self.items_by_id.made, self.edges.ids
        for i in inside.tolist():
            if ids[i] not in made and ids[i] in self.placed:
                self._make_item(ids[i])

    def _item_moved(self, node: int, pos: QPointF) -> None:
        """An item was moved by a drag or by code: its place, links and label follow."""
        if node in self.placed:
            self.placed[node] = (pos.x(), pos.y())
            self.edges.move_nodes({node: self.placed[node]})
            self._place_label(node)

    def _label(self, node: int) -> LabelItem:
        """The entity's name under its icon, made the first time it is chosen to be shown."""
        label = self.labels.get(node)
        if label is None:
            label = LabelItem(str(self.graph.nodes[node].get("label") or node), self._font, self.label_layer)
            self.labels[node] = label
            self._place_label(node)
        return label

    def _place_label(self, node: int) -> None:
        label, pos = self.labels.get(node), self.placed.get(node)
        if label is not None and pos is not None:
            reach = self.radius.get(node, NODE_RADIUS)
            label.setPos(pos[0], pos[1] - reach if label.above else pos[1] + reach)

    @staticmethod
    def _tooltip(node: int, attrs: dict[str, Any]) -> str:
        parts = [f"{attrs.get('type', '')}: {attrs.get('label') or node}"]
        if attrs.get("key") and attrs.get("key") != attrs.get("label"):
            parts.append(str(attrs["key"]))
        if attrs.get("role"):
            parts.append(f"role: {attrs['role']}" + (" (minor)" if attrs.get("minor") else ""))
        elif attrs.get("minor"):
            parts.append("minor")
        if attrs.get("community") is not None:
            parts.append(f"community {attrs['community']}")
        if attrs.get("score") is not None:
            parts.append(f"key-player score {float(attrs['score']):.3f}")
        return "\n".join(parts)

    def _refresh_links(self, positions: dict[int, tuple[float, float]] | None = None,
                       ties: tuple[np.ndarray, np.ndarray, list[dict[str, Any]]] | None = None) -> None:
        """The link layer for the shown graph (`ties`: its edges already read, in the order of `positions`)."""
        shown = self._shown_graph()
        if positions is None or len(positions) != len(self.placed):
            positions = self.positions()
        if len(positions) > EAGER_MOST and not shown.is_multigraph() and positions.keys() >= shown.nodes.keys():
            # a big chart: the edges read straight from the adjacency, in numpy
            ids = list(positions)
            if ties is None or len(ids) != shown.number_of_nodes():
                ties = edge_ends(shown, {n: i for i, n in enumerate(ids)}, data=True)
            firsts, seconds, attrs = ties
            weights = [float(d.get("weight", 1.0) or 1.0) for d in attrs]
            self.edges.set_link_columns(positions, firsts, seconds, weights, attrs, directed=shown.is_directed())
        else:
            links = [(a, b, float(data.get("weight", 1.0) or 1.0), data) for a, b, data in shown.edges(data=True)]
            self.edges.set_links(positions, links, directed=shown.is_directed())
        if all(n in self.colours for n in self.placed):
            self.edges.set_dots(colours=self.colours, radius=self.radius)

    # ---- style ---------------------------------------------------------------------------------
    def color_by(self, attr: str | None) -> None:
        """Colour entities by type (None), a category (community, role...) or a measure (score...)."""
        self.colour_attr = attr
        self._restyle()

    def size_by(self, attr: str | None) -> None:
        """Size entities by a measure (score, degree, betweenness...) or all alike (None)."""
        self.size_attr = attr
        self._restyle()

    def _shares(self, attr: str) -> dict[int, float]:
        """Each shown entity's value of `attr` as a share of the largest (0 when missing); the key-player
        score falls back to ties while no analysis has given scores."""
        if attr == "score" and not any(d.get("score") is not None for _, d in self._shown_graph().nodes(data=True)):
            attr = "degree"
        self._sized_by = attr
        values = {}
        degree = dict(self.graph.degree()) if attr == "degree" else {}
        for node, item_attrs in self._shown_graph().nodes(data=True):
            value = item_attrs.get(attr)
            if value is None and attr == "degree":
                value = degree[node]
            try:
                values[node] = float(value) if value is not None else 0.0
            except (TypeError, ValueError):
                values[node] = 0.0
        top = max(values.values(), default=0.0)
        return {n: (v / top if top > 0 else 0.0) for n, v in values.items()}

    def _restyle(self) -> None:
        """Size and colour every entity on the chart (kept per entity; items made so far take them now).
        A big chart is styled as columns (ui.chart.style_fast, held equal to the loop here by tests)."""
        if len(self.placed) > EAGER_MOST:
            self._restyle_columns()
            return
        attrs = self.graph._node
        sizes = self._shares(self.size_attr) if self.size_attr else {}
        sized_by = self._sized_by                # what sizes follow (a colour measure does not change it)
        numeric = self.colour_attr not in (None, *CATEGORICAL)
        colours = self._shares(self.colour_attr) if numeric and self.colour_attr else {}
        self._sized_by = sized_by
        made = self.items_by_id.made
        self._outlined = {n for n, item in made.items() if item.isSelected()}
        shared: dict[Any, QColor] = {}          # one QColor per type, role or group, not one per entity
        self.radius, self.colours = {}, {}
        for node in self.placed:
            data = attrs[node] if node in attrs else {}
            radius = NODE_RADIUS * (0.7 + 1.8 * sizes[node] ** 0.5) if sizes else NODE_RADIUS
            self.radius[node] = round(radius, 1)
            kind = data.get("type")
            if self.colour_attr is None or self.colour_attr == "type":
                key: Any = ("type", kind)
            elif self.colour_attr == "role":
                key = ("role", data.get("role") or "unknown") if kind == "Person" else ("type", kind)
            elif numeric:
                key = ("ramp", round(colours.get(node, 0.0), 3))
            else:
                key = ("group", data.get(self.colour_attr))
            colour = shared.get(key)
            if colour is None:
                colour = shared[key] = _shade(key)
            self.colours[node] = colour
        self._restyled(bool(sizes))
        self.edges.set_dots(colours=self.colours, radius=self.radius)

    def _restyle_columns(self) -> None:
        """_restyle for a big chart: sizes, colour keys and the link layer's dots as columns."""
        ids = list(self.placed)
        rows = style_fast.node_rows(self.graph._node, ids)
        sized = None
        if self.size_attr:
            sized, self._sized_by = style_fast.shares(ids, rows, self.size_attr, lambda: dict(self.graph.degree()))
        numeric = self.colour_attr not in (None, *CATEGORICAL)
        ramp = None
        if numeric and self.colour_attr:
            ramp, _ = style_fast.shares(ids, rows, self.colour_attr, lambda: dict(self.graph.degree()))
        radius = style_fast.radii(sized, NODE_RADIUS) if sized is not None and len(ids) else [NODE_RADIUS] * len(ids)
        codes, keys = style_fast.numbered(style_fast.colour_keys(rows, self.colour_attr, ramp))
        shades = [_shade(key) for key in keys]
        self.radius = dict(zip(ids, radius, strict=True))
        self.colours = dict(zip(ids, map(shades.__getitem__, codes.tolist()), strict=True))
        self._outlined = {n for n, item in self.items_by_id.made.items() if item.isSelected()}
        self._restyled(bool(len(ids)) and sized is not None)
        if self.edges.ids == ids:
            self.edges.set_dot_columns(codes, shades, np.asarray(radius, dtype=float))
        else:
            self.edges.set_dots(colours=self.colours, radius=self.radius)

    def _restyled(self, sized: bool) -> None:
        """After sizes and colours change: the items made so far take them, labels move, the legend follows."""
        made = self.items_by_id.made
        self._paths: dict[tuple[str, float], QPainterPath] = {}
        for node, item in made.items():
            self._style_item(item, node)
            self._place_label(node)
        for node in self.labels:
            self._place_label(node)
        self._priority = None
        self._update_legend(sized)

    def _style_item(self, item: QGraphicsPathItem, node: int) -> None:
        """An item's icon at the entity's size, in its colour, outlined when selected."""
        data = self.graph.nodes[node] if node in self.graph else {}
        radius = self.radius.get(node, NODE_RADIUS)
        shape = type_shape(data.get("type"))
        paths = getattr(self, "_paths", None)
        if paths is None:
            paths = self._paths = {}
        key = (shape, radius)
        if key not in paths:
            paths[key] = _icon(shape, radius)
        item.setPath(paths[key])
        colour = self.colours.get(node) or type_colour(data.get("type"))
        item.setBrush(QBrush(colour))
        self._outline(item, node in self._outlined)

    def _update_legend(self, sized: bool) -> None:
        """The legend for what is on the chart now: types, the colour key, what size means, the badges."""
        attrs = self.graph._node                   # the plain dict (100,000 lookups)
        shown = [n for n in self.placed if n in attrs]
        counts: dict[str, int] = {}
        for node in shown:
            kind = attrs[node].get("type") or "?"
            counts[kind] = counts.get(kind, 0) + 1
        if not shown:
            self.legend.set_entries([])
            return
        entries = [LegendEntry("On the chart: icon = type", heading=True)]
        entries += [LegendEntry(f"{kind} ({count:,})", icon=icon_pixmap(kind, 15))
                    for kind, count in sorted(counts.items(), key=lambda kv: -kv[1])]
        attr = self.colour_attr
        if attr == "role":
            roles: dict[str, int] = {}
            for node in shown:
                if attrs[node].get("type") == "Person":
                    role = attrs[node].get("role") or "unknown"
                    roles[role] = roles.get(role, 0) + 1
            entries.append(LegendEntry("Colour: role of a person", heading=True))
            entries += [LegendEntry(f"{role} ({roles[role]:,})", colour=QColor(ROLE_COLOURS[role]))
                        for role in ROLE_COLOURS if role in roles]
            if len(counts) > 1 or "Person" not in counts:
                entries.append(LegendEntry("other entities: colour of their type", colour=QColor("#bdbdbd")))
        elif attr in ("community", "component"):
            groups: dict[Any, int] = {}
            for node in shown:
                groups[attrs[node].get(attr)] = groups.get(attrs[node].get(attr), 0) + 1
            named = sorted((g for g in groups if g is not None), key=lambda g: -groups[g])
            entries.append(LegendEntry(f"Colour: {MEASURE_NAMES[attr]} (analysis)", heading=True))
            entries += [LegendEntry(f"{MEASURE_NAMES[attr]} {g} ({groups[g]:,})", colour=category_colour(g))
                        for g in named[:8]]
            if len(named) > 8:
                entries.append(LegendEntry(f"… {len(named) - 8} more groups", colour=QColor("#dddddd")))
            if None in groups:
                entries.append(LegendEntry("not analysed yet", colour=category_colour(None)))
        elif attr is not None and attr != "type":
            entries.append(LegendEntry(f"Colour: {MEASURE_NAMES.get(attr, attr)}", heading=True))
            entries += [LegendEntry("lowest", colour=ramp_colour(0.0)), LegendEntry("highest", colour=ramp_colour(1.0))]
        if self.size_attr and sized and self._sized_by:
            name = MEASURE_NAMES.get(self._sized_by, self._sized_by)
            note = " (run the analysis for key-player scores)" if self.size_attr == "score" and self._sized_by != "score" else ""
            entries.append(LegendEntry(f"Size: {name}{note}", heading=True))
            entries += [LegendEntry("highest on the chart", colour=QColor("#9e9e9e"), radius=8.5),
                        LegendEntry("lowest", colour=QColor("#9e9e9e"), radius=3.5)]
        badges = {attrs[n].get("role") for n in shown if attrs[n].get("type") == "Person"} - {None, "unknown"}
        if badges or any(attrs[n].get("minor") for n in shown):
            entries.append(LegendEntry("Badges", heading=True))
            entries += [LegendEntry(f"{ROLE_LETTERS[r]}  {r}", colour=QColor(ROLE_COLOURS[r]), radius=5.5)
                        for r in ROLE_COLOURS if r in badges]
            if any(attrs[n].get("minor") for n in shown):
                entries.append(LegendEntry("M  minor", colour=QColor(MINOR_COLOUR), radius=5.5))
        self.legend.set_entries(entries)

    def _outline(self, item: QGraphicsPathItem, selected: bool) -> None:
        node = item.data(ENTITY)
        colour = self.colours.get(node) or item.brush().color()
        key = -1 if selected else colour.rgba()
        pen = _PENS.get(key)
        if pen is None:                 # one pen per colour, shared (a 100,000-entity chart makes a handful)
            pen = QPen(QColor(SELECTED_COLOUR).darker(110), 3.0) if selected else QPen(colour.darker(150), 1.0)
            pen.setCosmetic(True)
            _PENS[key] = pen
        item.setPen(pen)

    def shown_colour(self, entity_id: int) -> QColor:
        """The fill colour an entity is drawn in (what the analyst sees)."""
        return QColor(self.colours[entity_id])

    # ---- layout ---------------------------------------------------------------------------------
    def set_layout(self, name: str) -> None:
        """Lay the shown entities out again by `name` (force, circular, hierarchical, peacock); pins stay."""
        if name not in LAYOUTS:
            raise ValueError(f"unknown layout '{name}' (layouts: {', '.join(LAYOUTS)})")
        self.layout_name = name
        current = self.positions()
        shown = self._shown_graph()
        if not shown.number_of_nodes():
            return
        pinned = {n: current[n] for n in self.pinned if n in current} or None
        if self.run_job is not None and shown.number_of_nodes() > LAYOUT_AWAY_FROM:
            self._layout_away(shown, name, pinned)
            return
        placed = layout(shown, name, pinned=pinned)
        self._move(placed)
        self.fit()

    def _layout_away(self, shown: nx.Graph, name: str, pinned: dict[int, tuple[float, float]] | None) -> None:
        """A big chart's layout in a background process: the chart stays usable, the status bar shows it
        running with Cancel; the entities move when it is done (and stay put when cancelled)."""
        from ui import workers

        if self.layout_job is not None and self.layout_job.outcome is None:
            self.layout_job.cancel()
        communities = {n: int(c) for n, c in shown.nodes(data="community") if c is not None} or None
        job = workers.Job(f"Laying out the chart ({name})",
                          workers.layout_work(list(shown.nodes), list(shown.edges), name, communities=communities,
                                              pinned=pinned))
        job.done.connect(self._layout_done)
        self.layout_job = job
        assert self.run_job is not None
        self.run_job(job)

    def _layout_done(self, job: Any) -> None:
        if job is not self.layout_job:
            return
        self.layout_job = None
        if job.outcome == "succeeded" and job.result:
            self._move({n: p for n, p in job.result.items() if n in self.items_by_id})
            self.fit()

    def _move(self, placed: dict[int, tuple[float, float]]) -> None:
        moved = {n: (float(x), float(y)) for n, (x, y) in placed.items() if n in self.placed}
        self.placed.update(moved)
        made = self.items_by_id.made
        self._syncing = True
        for node in moved.keys() & made.keys():
            made[node].setPos(*moved[node])
        self._syncing = False
        for node in self.labels:
            self._place_label(node)
        self.edges.move_nodes(moved)
        self._update_labels()
        self._warm_due = True

    def positions(self) -> dict[int, tuple[float, float]]:
        """Where each shown entity is now (chart coordinates)."""
        return dict(self.placed)

    # ---- selection ------------------------------------------------------------------------------
    def select_entities(self, ids: Iterable[int], *, centre: bool = True) -> None:
        """Select exactly these entities (those not shown are ignored); with `centre`, bring them to the middle
        of the view, close enough to read (a search result, a finding, a table row chosen elsewhere)."""
        wanted = {int(i) for i in ids}
        self._quiet = True
        self.scene().clearSelection()
        chosen = [self.items_by_id[i] for i in wanted if i in self.items_by_id]
        for item in chosen:
            item.setSelected(True)
        self._quiet = False
        self._emit_selection()
        if chosen and centre:
            self.centre_on([int(item.data(ENTITY)) for item in chosen])

    def selected_entities(self) -> list[int]:
        """The selected entities' ids, sorted."""
        return sorted(int(item.data(ENTITY)) for item in self.scene().selectedItems() if item.data(ENTITY) is not None
                      and not isinstance(item.data(ENTITY), str))

    def _emit_selection(self) -> None:
        if self._quiet:
            return
        chosen = self.selected_entities()
        picked = set(chosen)
        for node in picked ^ self._outlined:        # only the entities whose selection changed
            item = self.items_by_id.made.get(node)
            if item is not None:
                self._outline(item, node in picked)
        self._outlined = picked
        self.edges.set_highlight(picked)
        self._update_labels()
        if chosen != self._last_selection:
            self._last_selection = chosen
            self.selectionChanged.emit(chosen)

    # ---- expand / hide / pin -------------------------------------------------------------------------
    def set_neighbour_source(self, source: NeighbourSource | None) -> None:
        """Where `expand` gets an entity's neighbours: fn(entity_id) -> graph of it and its neighbours."""
        self._neighbours = source

    def expand(self, entity_id: int) -> list[int]:
        """Bring an entity's neighbours onto the chart round it; returns the entities added."""
        if self._neighbours is None or entity_id not in self.items_by_id:
            return []
        found = self._neighbours(entity_id)
        added = sorted(n for n in found.nodes if n not in self.items_by_id)
        if not self._owned:
            self.graph = self.graph.copy()      # never change the caller's graph
            self._owned = True
        for node in added:
            self.hidden.discard(node)
            if node not in self.graph:
                self.graph.add_node(node, **found.nodes[node])
        for a, b, data in found.edges(data=True):
            if not self.graph.has_edge(a, b):
                self.graph.add_edge(a, b, **data)
        centre = self.placed[entity_id]
        ring = around(centre, len(added), radius=80.0 + 6 * len(added))
        self._quiet = True
        for node, (x, y) in zip(added, ring, strict=True):
            self.placed[node] = (float(x), float(y))
        self._refresh_links()
        self._restyle()
        if len(self.placed) <= EAGER_MOST:
            for node in added:
                self.items_by_id[node]
        self._quiet = False
        self._update_labels()
        return added

    def hide(self, ids: Iterable[int]) -> None:
        """Take entities off the chart (their links go with them); `show_hidden` brings them back."""
        gone = {int(i) for i in ids if int(i) in self.placed}
        if not gone:
            return
        self._quiet = True
        for node in gone:
            del self.placed[node]
            item = self.items_by_id.made.pop(node, None)
            if item is not None:
                self.scene().removeItem(item)
            label = self.labels.pop(node, None)
            if label is not None:
                self.scene().removeItem(label)
        self.hidden |= gone
        self.pinned -= gone
        self._refresh_links()
        self._quiet = False
        self._emit_selection()

    def show_hidden(self) -> None:
        """Bring back every hidden entity at its laid-out place."""
        if not self.hidden:
            return
        self.hidden.clear()
        self.set_graph(self.graph, keep_view=True)

    def pin(self, ids: Iterable[int], pinned: bool = True) -> None:
        """Pin entities where they are (layouts leave them), or unpin with pinned=False."""
        changed = {int(i) for i in ids if int(i) in self.placed}
        for node in changed:
            item = self.items_by_id[node]
            for child in item.childItems():
                if child.data(ENTITY) == "pin":
                    self.scene().removeItem(child)
            if pinned:
                self.pinned.add(node)
                _badge(item, "P", "#34495e", QPointF(NODE_RADIUS * 0.85, NODE_RADIUS * 0.85)).setData(ENTITY, "pin")
            else:
                self.pinned.discard(node)

    def shown_entities(self) -> set[int]:
        """The entities on the chart now."""
        return set(self.items_by_id)

    # ---- view ---------------------------------------------------------------------------------------
    def fit(self) -> None:
        """Zoom to show every entity (and keep it fitted while the window is resized, until the user zooms)."""
        if not self.items_by_id:
            return
        self._settle.stop()
        self._preview = None
        box = self.edges.boundingRect()          # every entity's position, with a margin
        box = box.adjusted(-NODE_RADIUS * 2, -NODE_RADIUS * 2, NODE_RADIUS * 2, NODE_RADIUS * 4)   # icons, labels
        self.scene().setSceneRect(box.adjusted(-box.width(), -box.height(), box.width(), box.height()))
        view = self.viewport().rect()
        beside = self.legend.width() + 16 if self.legend.isVisible() else 0     # the legend covers the left edge
        room_w, room_h = max(view.width() - beside - 8, 40), max(view.height() - 8, 40)
        zoom = min(room_w / max(box.width(), 1.0), room_h / max(box.height(), 1.0), 1.6)  # few: not poster size
        zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        self.setTransform(QTransform.fromScale(zoom, zoom))
        centre = box.center()
        self.centerOn(QPointF(centre.x() - beside / 2 / zoom, centre.y()))
        self._auto_fit = True
        self._zoomed()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self.legend.fit_parent()
        if self._auto_fit:
            self.fit()
        else:
            self._update_labels()

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        if self._auto_fit:
            self.fit()

    def zoom(self) -> float:
        """The current zoom (1 = one chart unit per pixel)."""
        return self.transform().m11()

    def zoom_by(self, factor: float, *, interactive: bool = False) -> None:
        """Zoom in (factor > 1) or out, within limits. `interactive` (the wheel, +/-): on a big chart the steps
        scale a snapshot of the view, and the chart is drawn in full once the steps pause (level of detail)."""
        target = min(max(self.zoom() * factor, MIN_ZOOM), MAX_ZOOM)
        factor = target / self.zoom()
        if interactive and len(self.items_by_id) > PREVIEW_FROM and self.isVisible():
            if self._preview is None:
                self._preview = self.viewport().grab()
                self._preview_transform = self.viewportTransform()
            self.scale(factor, factor)
            self._auto_fit = False
            self._settle.start()
            return
        self.scale(factor, factor)
        self._auto_fit = False
        self._zoomed()

    def _settled(self) -> None:
        """The wheel has stopped: drop the snapshot, apply the level of detail, draw in full."""
        if self._preview is None:
            return
        self._preview = None
        self._zoomed()
        self.viewport().update()

    def settle(self) -> None:
        """Finish a wheel zoom now (tests and benchmarks; the app waits PREVIEW_SETTLE_MS)."""
        self._settle.stop()
        self._settled()

    def paintEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        if self._warm_due:                       # the chart is being shown: draw the overview images soon after
            self._warm_due = False
            self._warm.start()
        if self._preview is None:
            self._make_in_view()
            super().paintEvent(event)
            return
        painter = QPainter(self.viewport())
        painter.fillRect(self.viewport().rect(), self.scene().backgroundBrush())
        inverse, _ = self._preview_transform.inverted()
        painter.setTransform(inverse * self.viewportTransform())
        painter.drawPixmap(0, 0, self._preview)
        painter.end()

    def centre_on(self, ids: Iterable[int]) -> None:
        """Bring entities to the middle of the view, zoomed in close enough to read them."""
        chosen = [self.items_by_id[i] for i in ids if i in self.items_by_id]
        if not chosen:
            return
        self.settle()
        box = QRectF()
        for item in chosen:
            box = box.united(item.sceneBoundingRect())
        view = self.viewport().rect()
        if box.width() * self.zoom() > view.width() * 0.8 or box.height() * self.zoom() > view.height() * 0.8:
            self.fitInView(box.adjusted(-60, -60, 60, 60), Qt.AspectRatioMode.KeepAspectRatio)
        elif self.zoom() < 0.8:
            self.zoom_by(0.8 / self.zoom())
        self.centerOn(box.center())
        self._auto_fit = False
        self._zoomed()

    def _zoomed(self) -> None:
        """Level of detail: dots when far out, labels only when they can be read, antialiasing when it shows."""
        zoom = self.zoom()
        points = zoom < POINT_ZOOM
        if points != self._points:
            self._points = points
            self.node_layer.setOpacity(0.0 if points else 1.0)
            self.edges.set_points_mode(points)
        self._update_labels()
        self.setRenderHint(QPainter.RenderHint.Antialiasing, zoom >= 0.3)

    def _label_priority(self) -> np.ndarray:
        """Per node index of the link layer: selected first, then key-player score, then ties."""
        if self._priority is None or len(self._priority) != len(self.edges.index):
            attrs = self.graph._node               # the plain dict: 100,000 lookups in milliseconds
            degree = dict(self.graph.degree())
            top_degree = max(degree.values(), default=1) or 1
            empty: dict[str, Any] = {}
            values = []
            for node in self.edges.ids:
                data = attrs.get(node, empty)
                score = data.get("score")
                try:
                    score = float(score) if score is not None else None
                except (TypeError, ValueError):
                    score = None
                base = score + 1.0 if score is not None else degree.get(node, 0) / top_degree
                values.append(base + 0.05 if data.get("type") == "Person" else base)
            self._priority = np.array(values, dtype=float)
        return self._priority

    def _update_labels(self) -> None:
        """Level of detail for labels: the most important entities in view first (selected, then by key-player
        score or ties), each label kept only where it overlaps no label already placed (declutter), at most
        LABEL_BUDGET. A small chart gets every label that fits; a big one its key players; zooming in adds more."""
        if not self.items_by_id or not len(self.edges.xy):
            self._labels_on = False
            return
        seen = self.mapToScene(self.viewport().rect()).boundingRect()
        xy = self.edges.xy
        inside = np.flatnonzero((xy[:, 0] >= seen.left()) & (xy[:, 0] <= seen.right())
                                & (xy[:, 1] >= seen.top()) & (xy[:, 1] <= seen.bottom()))
        zoom = self.zoom()
        if zoom >= LABEL_ZOOM and len(inside) <= LABEL_MOST:
            budget = LABEL_BUDGET * 2
        elif zoom >= POINT_ZOOM:
            budget = LABEL_BUDGET
        else:
            budget = max(12, LABEL_BUDGET // 4)         # far out: the key players only
        priority = self._label_priority()
        selected = np.array([self.edges.index[n] for n in self._outlined if n in self.edges.index], dtype=np.int64)
        order = inside[np.argsort(-priority[inside], kind="stable")][: budget * 4]
        if len(selected):
            order = np.concatenate([selected, order[~np.isin(order, selected)]])
        ids = self.edges.ids
        transform = self.viewportTransform()
        height = QFontMetricsF(self._font).height() + 2
        cell = 48.0
        taken: dict[tuple[int, int], list[QRectF]] = {}
        chosen: list[int] = []
        frame = QRectF(self.viewport().rect()).adjusted(2, 2, -2, -2)
        if self.legend.isVisible():
            legend = QRectF(self.legend.geometry())

        def cells_of(box: QRectF) -> list[tuple[int, int]]:
            return [(cx, cy) for cx in range(int(box.left() // cell), int(box.right() // cell) + 1)
                    for cy in range(int(box.top() // cell), int(box.bottom() // cell) + 1)]

        for i in order.tolist():
            node = ids[i]
            if node not in self.items_by_id:
                continue
            radius = self.radius.get(node, NODE_RADIUS)
            centre = transform.map(QPointF(xy[i][0], xy[i][1]))
            reach = radius * zoom
            icon = QRectF(centre.x() - reach, centre.y() - reach, 2 * reach, 2 * reach)
            label = self._label(node)
            below = QRectF(centre.x() - label.width / 2 - 3, centre.y() + reach + 1, label.width + 6, height)
            above = below.translated(0, -(2 * reach + height + 4))
            box = None
            for candidate in (below, above):          # under the icon, or over it when under is taken
                if (frame.contains(candidate) and not (self.legend.isVisible() and legend.intersects(candidate))
                        and not any(candidate.intersects(other) for c in cells_of(candidate)
                                    for other in taken.get(c, ()))):
                    box = candidate
                    break
            # A more important entity's icon is never covered by a lesser one's label: reserve it either way.
            for c in cells_of(icon):
                taken.setdefault(c, []).append(icon)
            if box is None:
                continue
            if label.above != (box is above):
                label.set_above(box is above)
                self._place_label(node)
            for c in cells_of(box):
                taken.setdefault(c, []).append(box)
            chosen.append(node)
            if len(chosen) >= budget:
                break
        keep = set(chosen)
        for node, label in self.labels.items():
            label.setVisible(node in keep)
        self._labels_on = bool(keep)
    def points_shown(self) -> bool:
        """Whether entities are drawn as dots (zoomed far out)."""
        return self._points

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802 (Qt name)
        super().scrollContentsBy(dx, dy)
        self._label_timer.start()

    def labels_shown(self) -> bool:
        return self._labels_on

    # ---- events -------------------------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt name)
        steps = event.angleDelta().y() / 120.0
        self._auto_fit = False
        if steps:
            self.zoom_by(1.25 ** steps, interactive=True)
        event.accept()

    def _banded(self, rect: QRect, start: QPointF, end: QPointF) -> None:
        if not rect.isNull():
            self._band = QRectF(start, end).normalized()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.settle()
        if event.button() == Qt.MouseButton.LeftButton and event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
            self._band = QRectF()
        elif self._points and event.button() == Qt.MouseButton.LeftButton:
            # Far out the icons are transparent: pick the nearest dot instead.
            spot = self.mapToScene(event.position().toPoint())
            hit = self.edges.nearest(spot.x(), spot.y(), 8 / self.zoom())
            if hit is not None:
                chosen = set(self.selected_entities())
                if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                    chosen ^= {hit}
                else:
                    chosen = {hit}
                self.select_entities(chosen, centre=False)
                event.accept()
                return
        item = self._entity_at(event.position().toPoint())
        self._dragging = item is not None and event.button() == Qt.MouseButton.LeftButton
        if item is None:
            self._auto_fit = False            # panning: the user has taken the view over
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        super().mouseMoveEvent(event)           # dragged items tell the chart where they are (NodeItem.itemChange)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        banding = self.dragMode() == QGraphicsView.DragMode.RubberBandDrag
        super().mouseReleaseEvent(event)
        if banding and self._points and not self._band.isNull():
            self.select_entities(set(self.selected_entities()) | set(self.edges.nodes_in(self._band)), centre=False)
        self._dragging = False
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        item = self._entity_at(event.position().toPoint())
        if self._points:
            spot = self.mapToScene(event.position().toPoint())
            hit = self.edges.nearest(spot.x(), spot.y(), 8 / self.zoom())
            item = self.items_by_id.get(hit) if hit is not None else None
        if item is not None:
            self.entityActivated.emit(int(item.data(ENTITY)))
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def _entity_at(self, point: QPoint) -> QGraphicsItem | None:
        item = self.itemAt(point)
        while item is not None and not isinstance(item.data(ENTITY), int):
            item = item.parentItem()
        return item

    def viewportEvent(self, event: Any) -> bool:  # noqa: N802 (Qt name)
        """Tooltips made when asked for (not one string per entity when a 100,000-entity chart opens)."""
        if event.type() == QEvent.Type.ToolTip:
            text = self.tooltip_at(event.pos())
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def tooltip_at(self, point: QPoint) -> str | None:
        """The tooltip of the entity under a viewport point (its dot when zoomed far out), or None."""
        item = self._entity_at(point)
        node = int(item.data(ENTITY)) if item is not None else None
        if node is None:                 # far out (dots), or between an icon's parts: the nearest within reach
            spot = self.mapToScene(point)
            node = self.edges.nearest(spot.x(), spot.y(), max(8 / self.zoom(), NODE_RADIUS))
        return self._tooltip(node, self.graph.nodes[node]) if node is not None and node in self.graph else None

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        item = self._entity_at(event.pos())
        if item is None:
            menu = QMenu(self)
            menu.addAction("Fit chart", self.fit)
            menu.addAction("Show hidden entities", self.show_hidden).setEnabled(bool(self.hidden))
            menu.exec(event.globalPos())
            return
        entity = int(item.data(ENTITY))
        if not item.isSelected():
            self.select_entities([entity], centre=False)
        self.contextRequested.emit(entity, event.globalPos())
        chosen = self.selected_entities()
        menu = QMenu(self)
        menu.addAction("Expand neighbours (E)", lambda: self.expand(entity)).setEnabled(self._neighbours is not None)
        menu.addAction("Hide (H)", lambda: self.hide(chosen))
        if all(n in self.pinned for n in chosen):
            menu.addAction("Unpin (P)", lambda: self.pin(chosen, False))
        else:
            menu.addAction("Pin (P)", lambda: self.pin(chosen))
        menu.exec(event.globalPos())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        chosen = self.selected_entities()
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1.25, interactive=True)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(0.8, interactive=True)
        elif key == Qt.Key.Key_F:
            self.fit()
        elif key in (Qt.Key.Key_H, Qt.Key.Key_Delete) and chosen:
            self.hide(chosen)
        elif key == Qt.Key.Key_P and chosen:
            self.pin(chosen, not all(n in self.pinned for n in chosen))
        elif key == Qt.Key.Key_E and chosen:
            for node in chosen:
                self.expand(node)
        elif event.matches(QKeySequence.StandardKey.SelectAll):
            self.select_entities(self.items_by_id, centre=False)
        elif key == Qt.Key.Key_Escape:
            self.select_entities([], centre=False)
        else:
            super().keyPressEvent(event)
            return
        event.accept()
