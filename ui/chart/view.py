"""The link chart: entities as icons on a QGraphicsView, links drawn in batches, level of detail.

Nodes are plain QGraphicsPathItems (painted by Qt in C++, so ten thousand stay smooth) whose
path is the entity type's icon with its details cut out; labels, role, minor and pin badges are
child items; links are one `EdgeLayer`. Zoom with the wheel (or +/-), pan by dragging the
background, rubber-band select with Shift, drag entities, and expand / hide / pin from the
keyboard or the context menu. Positions come from `linkgraph.layout`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import networkx as nx
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QContextMenuEvent,
    QFont,
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
    QWidget,
)

from linkgraph.layout import LAYOUTS, around, layout
from ui.chart.edges import EdgeLayer
from ui.palette import (
    MINOR_COLOUR,
    ROLE_COLOURS,
    ROLE_LETTERS,
    SELECTED_COLOUR,
    category_colour,
    ramp_colour,
    shape_detail,
    shape_path,
    type_colour,
    type_shape,
)

NODE_RADIUS = 12.0
LABEL_ZOOM = 0.45        # labels shown from this zoom up ...
LABEL_MOST = 600         # ... when at most this many entities are in view
POINT_ZOOM = 0.35        # below this zoom entities are drawn as dots by the link layer
MIN_ZOOM, MAX_ZOOM = 0.01, 12.0
ENTITY = 0               # QGraphicsItem.data key holding the entity id
CATEGORICAL = ("type", "community", "role", "component")
NeighbourSource = Callable[[int], nx.Graph]


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
        self.items_by_id: dict[int, QGraphicsPathItem] = {}
        self.labels: dict[int, QGraphicsSimpleTextItem] = {}
        self.hidden: set[int] = set()
        self.pinned: set[int] = set()
        self.layout_name = "force"
        self.colour_attr: str | None = None
        self.size_attr: str | None = None
        self.radius: dict[int, float] = {}
        self.colours: dict[int, QColor] = {}
        self._labels_on = False
        self._font = QFont()
        self._font.setPixelSize(10)
        self._points = False
        self._band = QRectF()
        self.rubberBandChanged.connect(self._banded)
        self._neighbours: NeighbourSource | None = None
        self._dragging = False
        self._quiet = False
        self._last_selection: list[int] = []
        self._outlined: set[int] = set()
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
        if positions is None:
            fresh = [n for n in shown if n not in old]
            if fresh or not old:
                positions = layout(shown, self.layout_name, pinned=old or None)
                positions.update(old)
            else:
                positions = dict(old)
        self._populate(positions)
        if selected:
            self.select_entities(selected & set(self.items_by_id))
        if not keep_view:
            self.fit()

    def _shown_graph(self) -> nx.Graph:
        if not self.hidden:
            return self.graph
        return self.graph.subgraph([n for n in self.graph.nodes if n not in self.hidden])

    def _populate(self, positions: dict[int, tuple[float, float]]) -> None:
        """Rebuild the node items and the link layer for the shown graph."""
        self._quiet = True
        scene = self.scene()
        scene.removeItem(self.node_layer)       # the old icons go with their parent, in one call
        self.node_layer = QGraphicsPathItem()
        self.node_layer.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        self.node_layer.setOpacity(0.0 if self._points else 1.0)
        scene.addItem(self.node_layer)
        self.items_by_id.clear()
        self.labels.clear()
        shown = self._shown_graph()
        placed = {}
        for node in sorted(shown.nodes):
            x, y = positions.get(node, (0.0, 0.0))
            self._add_node(node, shown.nodes[node], x, y)
            placed[node] = (x, y)
        self._restyle()
        self._refresh_links(placed)
        self._quiet = False
        self._update_labels()
        self._notify.start()

    def _add_node(self, node: int, attrs: dict[str, Any], x: float, y: float) -> QGraphicsPathItem:
        item = QGraphicsPathItem()
        item.setData(ENTITY, int(node))
        item.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable | QGraphicsItem.GraphicsItemFlag.ItemIsMovable)
        item.setPos(x, y)
        item.setToolTip(self._tooltip(node, attrs))
        role = attrs.get("role")
        if role in ROLE_LETTERS and role != "unknown" and attrs.get("type") == "Person":
            _badge(item, ROLE_LETTERS[role], ROLE_COLOURS[role], QPointF(NODE_RADIUS * 0.85, -NODE_RADIUS * 0.85))
        if attrs.get("minor"):
            _badge(item, "M", MINOR_COLOUR, QPointF(-NODE_RADIUS * 0.85, -NODE_RADIUS * 0.85))
        if node in self.pinned:
            _badge(item, "P", "#34495e", QPointF(NODE_RADIUS * 0.85, NODE_RADIUS * 0.85)).setData(ENTITY, "pin")
        item.setParentItem(self.node_layer)
        self.items_by_id[int(node)] = item
        return item

    def _label(self, node: int) -> QGraphicsSimpleTextItem:
        """The entity's name under its icon, made the first time it is in view close enough to read."""
        label = self.labels.get(node)
        if label is None:
            item = self.items_by_id[node]
            label = QGraphicsSimpleTextItem(str(self.graph.nodes[node].get("label") or node), item)
            label.setFont(self._font)
            label.setBrush(QColor("#222222"))
            label.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            box = label.boundingRect()
            label.setPos(-box.width() / 2, self.radius.get(node, NODE_RADIUS) + 1)
            self.labels[node] = label
        return label

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

    def _refresh_links(self, positions: dict[int, tuple[float, float]] | None = None) -> None:
        shown = self._shown_graph()
        links = []
        for a, b, data in shown.edges(data=True):
            count = int(data.get("count", 1) or 1)
            label = f"{count} x {data.get('types') or 'link'}" if count > 1 else str(data.get("types") or "link")
            links.append((a, b, float(data.get("weight", 1.0) or 1.0), label))
        if positions is None or len(positions) != len(self.items_by_id):
            positions = self.positions()
        self.edges.set_links(positions, links, directed=shown.is_directed())
        self.edges.set_dots({n: (self.colours[n], self.radius.get(n, NODE_RADIUS)) for n in self.items_by_id})

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
        """Each shown entity's value of `attr` as a share of the largest (0 when missing)."""
        values = {}
        for node, item_attrs in self._shown_graph().nodes(data=True):
            value = item_attrs.get(attr)
            if value is None and attr == "degree":
                value = self.graph.degree(node)
            try:
                values[node] = float(value) if value is not None else 0.0
            except (TypeError, ValueError):
                values[node] = 0.0
        top = max(values.values(), default=0.0)
        return {n: (v / top if top > 0 else 0.0) for n, v in values.items()}

    def _restyle(self) -> None:
        attrs = self.graph.nodes
        sizes = self._shares(self.size_attr) if self.size_attr else {}
        numeric = self.colour_attr not in (None, *CATEGORICAL)
        colours = self._shares(self.colour_attr) if numeric and self.colour_attr else {}
        selected = {n for n, item in self.items_by_id.items() if item.isSelected()}
        self._outlined = selected
        paths: dict[tuple[str, float], QPainterPath] = {}
        for node, item in self.items_by_id.items():
            data = attrs[node]
            radius = NODE_RADIUS * (0.7 + 1.8 * sizes[node] ** 0.5) if sizes else NODE_RADIUS
            radius = round(radius, 1)
            self.radius[node] = radius
            shape = type_shape(data.get("type"))
            key = (shape, radius)
            if key not in paths:
                paths[key] = _icon(shape, radius)
            item.setPath(paths[key])
            if self.colour_attr is None or self.colour_attr == "type":
                colour = type_colour(data.get("type"))
            elif numeric:
                colour = ramp_colour(colours.get(node, 0.0))
            else:
                colour = category_colour(data.get(self.colour_attr))
            item.setBrush(QBrush(colour))
            self.colours[node] = colour
            self._outline(item, node in selected)
            label = self.labels.get(node)
            if label is not None:
                box = label.boundingRect()
                label.setPos(-box.width() / 2, radius + 1)
        self.edges.set_dots({n: (self.colours[n], self.radius[n]) for n in self.items_by_id})

    def _outline(self, item: QGraphicsPathItem, selected: bool) -> None:
        node = item.data(ENTITY)
        colour = self.colours.get(node) or item.brush().color()
        pen = QPen(QColor(SELECTED_COLOUR).darker(110), 3.0) if selected else QPen(colour.darker(150), 1.0)
        pen.setCosmetic(True)
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
        placed = layout(shown, name, pinned={n: current[n] for n in self.pinned if n in current} or None)
        self._move(placed)
        self.fit()

    def _move(self, placed: dict[int, tuple[float, float]]) -> None:
        for node, (x, y) in placed.items():
            item = self.items_by_id.get(node)
            if item is not None:
                item.setPos(x, y)
        self.edges.move_nodes(placed)

    def positions(self) -> dict[int, tuple[float, float]]:
        """Where each shown entity is now (chart coordinates)."""
        return {n: (item.pos().x(), item.pos().y()) for n, item in self.items_by_id.items()}

    # ---- selection ------------------------------------------------------------------------------
    def select_entities(self, ids: Iterable[int]) -> None:
        """Select exactly these entities (those not shown are ignored) and bring them into view."""
        wanted = {int(i) for i in ids}
        self._quiet = True
        self.scene().clearSelection()
        chosen = [self.items_by_id[i] for i in wanted if i in self.items_by_id]
        for item in chosen:
            item.setSelected(True)
        self._quiet = False
        if chosen:
            box = QRectF()
            for item in chosen:
                box = box.united(item.sceneBoundingRect())
            self.ensureVisible(box, 40, 40)
        self._emit_selection()

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
            item = self.items_by_id.get(node)
            if item is not None:
                self._outline(item, node in picked)
        self._outlined = picked
        self.edges.set_highlight(picked)
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
        centre = self.items_by_id[entity_id].pos()
        ring = around((centre.x(), centre.y()), len(added), radius=80.0 + 6 * len(added))
        self._quiet = True
        for node, (x, y) in zip(added, ring, strict=True):
            self._add_node(node, self.graph.nodes[node], x, y)
        self._restyle()
        self._refresh_links()
        self._quiet = False
        self._update_labels()
        return added

    def hide(self, ids: Iterable[int]) -> None:
        """Take entities off the chart (their links go with them); `show_hidden` brings them back."""
        gone = {int(i) for i in ids} & set(self.items_by_id)
        if not gone:
            return
        self._quiet = True
        for node in gone:
            self.scene().removeItem(self.items_by_id.pop(node))
            self.labels.pop(node, None)
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
        changed = {int(i) for i in ids} & set(self.items_by_id)
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
        """Zoom to show every entity."""
        if not self.items_by_id:
            return
        box = self.edges.boundingRect()          # every entity's position, with a margin
        self.scene().setSceneRect(box.adjusted(-box.width(), -box.height(), box.width(), box.height()))
        self.fitInView(box, Qt.AspectRatioMode.KeepAspectRatio)
        self._zoomed()

    def zoom(self) -> float:
        """The current zoom (1 = one chart unit per pixel)."""
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        """Zoom in (factor > 1) or out, within limits."""
        target = min(max(self.zoom() * factor, MIN_ZOOM), MAX_ZOOM)
        factor = target / self.zoom()
        self.scale(factor, factor)
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

    def _update_labels(self) -> None:
        """Labels on when zoomed in enough and few enough entities are in view; made for those in view."""
        want = self.zoom() >= LABEL_ZOOM
        in_view: list[int] = []
        if want:
            seen = self.mapToScene(self.viewport().rect()).boundingRect()
            in_view = self.edges.nodes_in(seen)
            want = len(in_view) <= LABEL_MOST
        if want:
            for node in in_view:
                if node in self.items_by_id:
                    self._label(node).setVisible(True)
        if want != self._labels_on:
            self._labels_on = want
            for label in self.labels.values():
                label.setVisible(want)

    def points_shown(self) -> bool:
        """Whether entities are drawn as dots (zoomed far out)."""
        return self._points

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802 (Qt name)
        super().scrollContentsBy(dx, dy)
        if self.zoom() >= LABEL_ZOOM:
            self._update_labels()

    def labels_shown(self) -> bool:
        return self._labels_on

    # ---- events -------------------------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt name)
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.25 ** steps)
        event.accept()

    def _banded(self, rect: QRect, start: QPointF, end: QPointF) -> None:
        if not rect.isNull():
            self._band = QRectF(start, end).normalized()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
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
                self.select_entities(chosen)
                event.accept()
                return
        item = self._entity_at(event.position().toPoint())
        self._dragging = item is not None and event.button() == Qt.MouseButton.LeftButton
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        super().mouseMoveEvent(event)
        if self._dragging:
            moved = {int(i.data(ENTITY)): (i.pos().x(), i.pos().y()) for i in self.scene().selectedItems()
                     if isinstance(i.data(ENTITY), int)}
            self.edges.move_nodes(moved)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        banding = self.dragMode() == QGraphicsView.DragMode.RubberBandDrag
        super().mouseReleaseEvent(event)
        if banding and self._points and not self._band.isNull():
            self.select_entities(set(self.selected_entities()) | set(self.edges.nodes_in(self._band)))
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
            self.select_entities([entity])
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
            self.zoom_by(1.25)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(0.8)
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
            self.select_entities(self.items_by_id)
        elif key == Qt.Key.Key_Escape:
            self.select_entities([])
        else:
            super().keyPressEvent(event)
            return
        event.accept()
