"""All of a chart's links drawn by one item: batched lines per width, culled to what is exposed.

Thirty thousand QGraphicsLineItems make a chart crawl; one item that keeps every link as a
QLineF in width buckets and calls drawLines once per bucket redraws in milliseconds. Level of
detail: zoomed out, lines are thin and not antialiased and the entities themselves are drawn
here as coloured dots (the view makes their icons transparent), so a 10,000-entity chart
still redraws in a few tens of milliseconds; zoomed in, arrowheads (directed charts) and link
labels appear for the links in view.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ui.palette import EDGE_COLOUR, SELECTED_COLOUR, edge_widths

ARROW_LOD = 0.6          # arrowheads from this zoom up
LABEL_LOD = 1.3          # link labels from this zoom up
MAX_LABELS = 400         # at most this many link labels at once
SMOOTH_MOST = 1500       # antialiased lines only when at most this many links are in view
THIN_FROM = 5000         # one-pixel lines when more links than this are in view
SHORTEST = 3.0           # links shorter than this on screen (pixels) are covered by their ends and not drawn


def link_text(label: Any) -> str:
    """A link's label: given text, or "3 x call" from an edge's data (count and types)."""
    if isinstance(label, str):
        return label
    count = int(label.get("count", 1) or 1)
    types = label.get("types") or "link"
    return f"{count} x {types}" if count > 1 else str(types)


class EdgeLayer(QGraphicsItem):
    """Every link of the chart in one item; the view tells it where nodes are and which are selected."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(-10)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.directed = False
        self.ends = np.zeros((0, 2), dtype=np.int64)        # (a, b) node indices per link
        self.pairs: list[tuple[int, int]] = []               # (a, b) entity ids per link
        self.labels: list[str] = []
        self.buckets: list[tuple[float, np.ndarray]] = []    # (pixel width, link indices)
        self.lines: list[QLineF] = []
        self.xy = np.zeros((0, 2))                           # node positions by node index
        self.index: dict[int, int] = {}                      # entity id -> node index
        self._touching: dict[int, list[int]] | None = {}     # node index -> link indices (see touching)
        self.highlight: set[int] = set()                     # node indices selected
        self.points_mode = False                             # draw entities as dots (far zoom)
        self.dots: dict[int, tuple[QColor, float]] = {}      # node index -> (colour, radius)
        self._dot_groups: list[tuple[QColor, float, list[QPointF]]] | None = None
        self.drawn = {"links": 0, "arrows": 0, "labels": 0, "dots": 0}   # what the last paint drew
        self._bounds = QRectF()
        self._pens: dict[tuple[float, int], QPen] = {}
        self._colour = QColor(EDGE_COLOUR).lighter(125)     # opaque: blending 30,000 lines costs 5x more

    # ---- data ---------------------------------------------------------------------------
    def set_links(self, positions: dict[int, tuple[float, float]], links: list[tuple[int, int, float, Any]],
                  *, directed: bool = False) -> None:
        """Links (a, b, weight, label) between entities placed at `positions`; a label may be the edge's data
        dict (count and types), turned into text only for the few links labelled on screen."""
        self.prepareGeometryChange()
        self.directed = directed
        ids = list(positions)
        self.index = {n: i for i, n in enumerate(ids)}
        self.xy = np.array([positions[n] for n in ids], dtype=float).reshape(len(ids), 2)
        index = self.index
        kept = [link for link in links if link[0] in index and link[1] in index]
        self.pairs = [(a, b) for a, b, _, _ in kept]
        self.labels = [t for _, _, _, t in kept]
        self.ends = np.array([(index[a], index[b]) for a, b in self.pairs], dtype=np.int64).reshape(-1, 2)
        weights = np.array([w for _, _, w, _ in kept], dtype=float)
        widths = np.round(edge_widths(weights))
        self.buckets = [(float(w), np.flatnonzero(widths == w)) for w in np.unique(widths)]
        self._touching = None
        points = self.xy.tolist()
        self.lines = [QLineF(points[a][0], points[a][1], points[b][0], points[b][1]) for a, b in self.ends.tolist()]
        self._dot_groups = None
        self._recompute_bounds()
        self.update()

    @property
    def touching(self) -> dict[int, list[int]]:
        """Node index -> the links that touch it (made the first time a selection or a drag needs it)."""
        if self._touching is None:
            touching: dict[int, list[int]] = {}
            for i, (a, b) in enumerate(self.ends.tolist()):
                touching.setdefault(a, []).append(i)
                touching.setdefault(b, []).append(i)
            self._touching = touching
        return self._touching

    def move_nodes(self, moved: dict[int, tuple[float, float]]) -> None:
        """Entities moved (dragged, laid out again): their links follow."""
        grow = False
        for entity, (x, y) in moved.items():
            i = self.index.get(entity)
            if i is None:
                continue
            self.xy[i] = (x, y)
            for link in self.touching.get(i, ()):
                a, b = self.ends[link]
                self.lines[link] = QLineF(*self.xy[a], *self.xy[b])
            grow = grow or not self._bounds.contains(QPointF(x, y))
        self._dot_groups = None
        if grow or len(moved) > 50:
            self.prepareGeometryChange()
            self._recompute_bounds()
        self.update()

    def set_highlight(self, entities: set[int]) -> None:
        """Links of these entities are drawn in the selection colour."""
        self.highlight = {self.index[n] for n in entities if n in self.index}
        self.update()

    def set_dots(self, dots: dict[int, tuple[QColor, float]]) -> None:
        """Entity id -> (colour, radius) for drawing entities as dots when zoomed far out."""
        self.dots = {self.index[n]: v for n, v in dots.items() if n in self.index}
        self._dot_groups = None
        self.update()

    def set_points_mode(self, on: bool) -> None:
        """Draw the entities as dots here (far zoom) or leave them to their own items."""
        self.points_mode = on
        self.update()

    def nodes_in(self, rect: QRectF) -> list[int]:
        """Entity ids whose position lies in a chart rectangle."""
        if not len(self.xy):
            return []
        inside = ((self.xy[:, 0] >= rect.left()) & (self.xy[:, 0] <= rect.right())
                  & (self.xy[:, 1] >= rect.top()) & (self.xy[:, 1] <= rect.bottom()))
        ids = list(self.index)
        return [ids[i] for i in np.flatnonzero(inside).tolist()]

    def nearest(self, x: float, y: float, reach: float) -> int | None:
        """The entity id nearest to (x, y) within `reach` chart units, if any."""
        if not len(self.xy):
            return None
        distance = np.hypot(self.xy[:, 0] - x, self.xy[:, 1] - y)
        best = int(np.argmin(distance))
        return list(self.index)[best] if distance[best] <= reach else None

    def drop_cache(self) -> None:
        """Throw away the cached rendering so the next paint draws every link again."""
        self.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def link_count(self) -> int:
        return len(self.lines)

    def _recompute_bounds(self) -> None:
        if not len(self.xy):
            self._bounds = QRectF()
            return
        low, high = self.xy.min(axis=0), self.xy.max(axis=0)
        self._bounds = QRectF(low[0], low[1], high[0] - low[0], high[1] - low[1]).adjusted(-50, -50, 50, 50)

    # ---- painting -----------------------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt name)
        return self._bounds

    def _pen(self, width: float, colour: QColor) -> QPen:
        key = (width, colour.rgba())
        pen = self._pens.get(key)
        if pen is None:
            pen = QPen(colour, width)
            pen.setCosmetic(True)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            self._pens[key] = pen
        return pen

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if not self.lines:
            return
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        shown = self._exposed(option.exposedRect, lod)
        in_view = len(self.lines) if shown is None else int(shown.sum())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, lod >= 0.5 and in_view <= SMOOTH_MOST)
        thin = lod < 0.25 or in_view > THIN_FROM
        lines = self.lines
        self.drawn = {"links": in_view, "arrows": 0, "labels": 0, "dots": len(self.dots) if self.points_mode else 0}
        for width, members in self.buckets:
            chosen = members if shown is None else members[shown[members]]
            if not len(chosen):
                continue
            painter.setPen(self._pen(1.0 if thin else width, self._colour))
            painter.drawLines([lines[i] for i in chosen.tolist()])
        if self.highlight:
            marked = sorted({i for n in self.highlight for i in self.touching.get(n, ())})
            painter.setPen(self._pen(2.5, QColor(SELECTED_COLOUR).darker(115)))
            painter.drawLines([lines[i] for i in marked])
        if self.points_mode:
            self._paint_dots(painter, lod, option.exposedRect)
        if lod >= ARROW_LOD and self.directed:
            self._arrows(painter, shown, lod)
        if lod >= LABEL_LOD:
            self._labels(painter, shown, lod)

    def _paint_dots(self, painter: QPainter, lod: float, exposed: QRectF | None = None) -> None:
        """Entities as round dots in their colour, grouped so each colour and size is one call; only those in
        the exposed rectangle when it is a part of the chart (zoomed in, most dots are off screen)."""
        if self._dot_groups is None:
            groups: dict[tuple[int, float], list[int]] = {}
            colours: dict[int, QColor] = {}
            for i, (colour, radius) in self.dots.items():
                colours[colour.rgba()] = colour
                groups.setdefault((colours[colour.rgba()].rgba(), round(radius)), []).append(i)
            self._dot_groups = [(colours[c], float(r), [QPointF(*self.xy[i]) for i in members],
                                 np.array(members, dtype=np.int64)) for (c, r), members in groups.items()]
        inside = None
        if exposed is not None and not exposed.isNull() and not exposed.contains(self._bounds) and len(self.xy):
            margin = 40.0 / max(lod, 1e-6)
            box = exposed.adjusted(-margin, -margin, margin, margin)
            inside = ((self.xy[:, 0] >= box.left()) & (self.xy[:, 0] <= box.right())
                      & (self.xy[:, 1] >= box.top()) & (self.xy[:, 1] <= box.bottom()))
        if self.highlight:
            painter.setPen(self._pen(max(5.0, 2 * 14 * lod + 4), QColor(SELECTED_COLOUR)))
            painter.drawPoints([QPointF(*self.xy[i]) for i in self.highlight])
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for colour, radius, points, members in self._dot_groups:
            if inside is not None:
                keep = inside[members]
                if not keep.any():
                    continue
                if not keep.all():
                    points = [points[j] for j in np.flatnonzero(keep).tolist()]
            width = max(3.0, round(2 * radius * lod))
            pen = self._pen(width, colour)
            # Small dots as squares (filled spans, fast); bigger ones round, never antialiased (10,000 of them).
            pen.setCapStyle(Qt.PenCapStyle.SquareCap if width < 5 else Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawPoints(points)

    def _exposed(self, rect: QRectF, lod: float) -> np.ndarray | None:
        """Mask of the links worth drawing: their box meets the exposed rectangle and they are at least
        SHORTEST pixels long on screen (shorter ones hide under their entities' dots); None when all are."""
        if not len(self.lines):
            return None
        a, b = self.xy[self.ends[:, 0]], self.xy[self.ends[:, 1]]
        mask = np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]) * lod >= SHORTEST
        if not rect.isNull() and not rect.contains(self._bounds):
            low, high = np.minimum(a, b), np.maximum(a, b)
            mask &= ((high[:, 0] >= rect.left()) & (low[:, 0] <= rect.right())
                     & (high[:, 1] >= rect.top()) & (low[:, 1] <= rect.bottom()))
        return None if mask.all() else mask

    def _arrows(self, painter: QPainter, shown: np.ndarray | None, lod: float) -> None:
        """A small filled head at the target end of each link in view (directed charts only)."""
        chosen = np.flatnonzero(shown) if shown is not None else np.arange(len(self.lines))
        if len(chosen) > 5000:
            return
        size = 7.0 / lod
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(EDGE_COLOUR))
        for i in chosen.tolist():
            line = self.lines[i]
            length = line.length()
            if length < 30:
                continue
            ux, uy = line.dx() / length, line.dy() / length
            tip = QPointF(line.x2() - ux * 16, line.y2() - uy * 16)
            back = QPointF(tip.x() - ux * size, tip.y() - uy * size)
            painter.drawPolygon(QPolygonF([tip, QPointF(back.x() - uy * size / 2, back.y() + ux * size / 2),
                                           QPointF(back.x() + uy * size / 2, back.y() - ux * size / 2)]))
            self.drawn["arrows"] += 1

    def _labels(self, painter: QPainter, shown: np.ndarray | None, lod: float) -> None:
        """Each link in view labelled at its middle with its count and types ("3 x call")."""
        chosen = np.flatnonzero(shown) if shown is not None else np.arange(len(self.lines))
        if len(chosen) > MAX_LABELS:
            return
        font = QFont()
        font.setPointSizeF(max(1.0, 7.5 / lod))
        painter.setFont(font)
        painter.setPen(QColor("#444444"))
        for i in chosen.tolist():
            line = self.lines[i]
            if line.length() * lod < 60:
                continue
            middle = line.center()
            angle = math.degrees(math.atan2(line.dy(), line.dx()))
            if angle > 90 or angle < -90:
                angle += 180
            painter.save()
            painter.translate(middle)
            painter.rotate(angle)
            text = link_text(self.labels[i])
            painter.drawText(QPointF(-len(text) * 2.2 / lod, -2 / lod), text)
            painter.restore()
            self.drawn["labels"] += 1
