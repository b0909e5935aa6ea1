"""All of a chart's links drawn by one item: batched lines per width, culled to what is exposed.

Thirty thousand QGraphicsLineItems make a chart crawl; one item that keeps every link as a row of
a numpy array (x1, y1, x2, y2) in width buckets and hands each bucket's rows to one drawLines call
(the array's memory read as QLineFs, no Python object per link) redraws in milliseconds. Level of
detail: zoomed out, lines are thin and not antialiased and the entities themselves are drawn here
as coloured dots (the view makes their icons transparent); on a chart of more than OVERVIEW_FROM
links, far zoom shows an overview: the links and dots drawn once into images of the whole chart at
a few resolutions (each twice the last), the one at least as fine as the screen scaled onto it, so
a 300,000-link chart redraws in milliseconds at any far zoom. Zoomed in, arrowheads (directed
charts) and link labels appear for the links in view.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import shiboken6
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ui.palette import EDGE_COLOUR, SELECTED_COLOUR, edge_widths

ARROW_LOD = 0.6          # arrowheads from this zoom up
LABEL_LOD = 1.3          # link labels from this zoom up
MAX_LABELS = 400         # at most this many link labels at once
SMOOTH_MOST = 1500       # antialiased lines only when at most this many links are in view
THIN_FROM = 5000         # one-pixel lines when more links than this are in view
SHORTEST = 3.0           # links shorter than this on screen (pixels) are covered by their ends and not drawn
OVERVIEW_FROM = 20_000   # charts with more links draw far zoom from pre-drawn overview images ...
OVERVIEW_PX = (1024, 2048)         # ... this many pixels across the chart's longer side, one image per size
OVERVIEW_ZOOM = 2.0      # the finest overview image is also shown enlarged up to this much
STUB_FROM = 260.0        # on such charts, far out, a link longer than this on screen (pixels) is two stubs ...
STUB = 36.0              # ... this long from each end, pointing at the other end (a hairball of long lines
                         # says nothing and costs most of a frame); a selected entity's links are drawn whole
BACKGROUND = QColor("#fbfbfa")     # the chart's background (the overview images are opaque)


def draw_lines(painter: QPainter, segments: np.ndarray) -> None:
    """Draw rows (x1, y1, x2, y2) in one call: the array's memory is read as QLineFs (two QPointFs of doubles)."""
    if len(segments):
        rows = np.ascontiguousarray(segments, dtype=np.float64)
        painter.drawLines(shiboken6.wrapInstance(rows.ctypes.data, QLineF), len(rows))


def draw_points(painter: QPainter, points: np.ndarray) -> None:
    """Draw rows (x, y) in one call, read in place as QPointFs."""
    if len(points):
        rows = np.ascontiguousarray(points, dtype=np.float64)
        painter.drawPoints(shiboken6.wrapInstance(rows.ctypes.data, QPointF), len(rows))


class _Dots(Mapping):
    """Node index -> (colour, radius) for a big chart, kept as columns (see EdgeLayer.set_dots)."""

    def __init__(self, members: np.ndarray, shades: list[QColor], sizes: np.ndarray) -> None:
        self.at = {int(i): j for j, i in enumerate(members.tolist())}
        self.shades = shades
        self.sizes = sizes

    def __getitem__(self, i: int) -> tuple[QColor, float]:
        j = self.at[i]
        return self.shades[j], float(self.sizes[j])

    def __iter__(self) -> Iterator[int]:
        return iter(self.at)

    def __len__(self) -> int:
        return len(self.at)


class _Lines:
    """Read-only QLineF view of the link array (`EdgeLayer.lines[i]`): made when asked, one at a time."""

    def __init__(self, layer: EdgeLayer) -> None:
        self.layer = layer

    def __len__(self) -> int:
        return len(self.layer.segments)

    def __getitem__(self, i: int) -> QLineF:
        return QLineF(*self.layer.segments[i].tolist())


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
        self._pairs: list[tuple[int, int]] | None = []       # (a, b) entity ids per link (see pairs)
        self.labels: list[Any] = []
        self.buckets: list[tuple[float, np.ndarray]] = []    # (pixel width, link indices)
        self.segments = np.zeros((0, 4))                     # (x1, y1, x2, y2) per link
        self.lines = _Lines(self)
        self.xy = np.zeros((0, 2))                           # node positions by node index
        self.ids: list[int] = []                             # node index -> entity id
        self.index: dict[int, int] = {}                      # entity id -> node index
        self._touch: tuple[np.ndarray, np.ndarray] | None = None   # links sorted by end, first per node (touching)
        self._low = self._high = np.zeros((0, 2))            # each link's box
        self._length = np.zeros(0)                           # each link's length
        self.highlight: set[int] = set()                     # node indices selected
        self.points_mode = False                             # draw entities as dots (far zoom)
        self.dots: Mapping[int, tuple[QColor, float]] = {}   # node index -> (colour, radius)
        self._dot_groups: list[tuple[QColor, float, np.ndarray]] | None = None
        self._overview: dict[int, tuple[QImage, float]] = {}   # pixels across -> (image, scale)
        self.drawn = {"links": 0, "arrows": 0, "labels": 0, "dots": 0, "overview": 0}   # what the last paint drew
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
        self.ids = list(positions)
        self.index = {n: i for i, n in enumerate(self.ids)}
        self.xy = np.array([positions[n] for n in self.ids], dtype=float).reshape(len(self.ids), 2)
        index = self.index
        columns = list(zip(*links, strict=True)) or [(), (), (), ()]    # ends, weights, labels as columns
        if not (index.keys() >= set(columns[0]) and index.keys() >= set(columns[1])):
            columns = list(zip(*[k for k in links if k[0] in index and k[1] in index], strict=True)) or [(), (), (), ()]
        firsts, seconds, weight_column, label_column = columns
        self._pairs = list(zip(firsts, seconds, strict=True))
        self.labels = list(label_column)
        self.ends = np.column_stack([np.fromiter(map(index.__getitem__, firsts), dtype=np.int64, count=len(firsts)),
                                     np.fromiter(map(index.__getitem__, seconds), dtype=np.int64, count=len(seconds))])
        weights = np.fromiter(weight_column, dtype=float, count=len(weight_column))
        self._take(weights)

    def set_link_columns(self, positions: dict[int, tuple[float, float]], firsts: np.ndarray, seconds: np.ndarray,
                         weights: list[float], labels: list[Any], *, directed: bool = False) -> None:
        """`set_links` for a big chart: the links' ends as node numbers (positions in the order of `positions`),
        their weights and labels as columns."""
        self.prepareGeometryChange()
        self.directed = directed
        self.ids = list(positions)
        self.index = {n: i for i, n in enumerate(self.ids)}
        self.xy = np.array(list(positions.values()), dtype=float).reshape(len(self.ids), 2)
        self.ends = np.column_stack([np.asarray(firsts, dtype=np.int64), np.asarray(seconds, dtype=np.int64)])
        self._pairs = None
        self.labels = list(labels)
        self._take(np.asarray(weights, dtype=float))

    @property
    def pairs(self) -> list[tuple[int, int]]:
        """(a, b) entity ids per link (made when first asked for on a big chart)."""
        if self._pairs is None:
            ids = self.ids
            self._pairs = [(ids[a], ids[b]) for a, b in self.ends.tolist()]
        return self._pairs

    def _take(self, weights: np.ndarray) -> None:
        widths = np.round(edge_widths(weights))
        self.buckets = [(float(w), np.flatnonzero(widths == w)) for w in np.unique(widths)]
        self._touch = None
        self._place_segments()
        self._dot_groups = None
        self._recompute_bounds()
        self.update()

    def _place_segments(self, links: np.ndarray | None = None) -> None:
        """The links' ends, boxes and lengths from the node positions (all, or only `links`)."""
        if links is None:
            self.segments = np.hstack([self.xy[self.ends[:, 0]], self.xy[self.ends[:, 1]]]).reshape(-1, 4)
            self._low = np.minimum(self.segments[:, :2], self.segments[:, 2:])
            self._high = np.maximum(self.segments[:, :2], self.segments[:, 2:])
            self._length = np.hypot(self.segments[:, 2] - self.segments[:, 0], self.segments[:, 3] - self.segments[:, 1])
        else:
            rows = np.hstack([self.xy[self.ends[links, 0]], self.xy[self.ends[links, 1]]])
            self.segments[links] = rows
            self._low[links] = np.minimum(rows[:, :2], rows[:, 2:])
            self._high[links] = np.maximum(rows[:, :2], rows[:, 2:])
            self._length[links] = np.hypot(rows[:, 2] - rows[:, 0], rows[:, 3] - rows[:, 1])
        self._overview = {}

    def touching_links(self, nodes: list[int]) -> np.ndarray:
        """The links that touch any of these node indices (sorted, each once)."""
        if self._touch is None:
            flat = self.ends.ravel()
            order = np.argsort(flat, kind="stable")
            first = np.searchsorted(flat[order], np.arange(len(self.xy) + 1))
            self._touch = (order // 2, first)
        order, first = self._touch
        if not nodes:
            return np.zeros(0, dtype=np.int64)
        found = [order[first[i]:first[i + 1]] for i in nodes if 0 <= i < len(first) - 1]
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)

    @property
    def touching(self) -> dict[int, list[int]]:
        """Node index -> the links that touch it (for code that asks by node; paint uses touching_links)."""
        return {i: self.touching_links([i]).tolist() for i in range(len(self.xy))}

    def move_nodes(self, moved: dict[int, tuple[float, float]]) -> None:
        """Entities moved (dragged, laid out again): their links follow."""
        chosen = [(self.index[e], p) for e, p in moved.items() if e in self.index]
        if not chosen:
            return
        rows = np.array([i for i, _ in chosen], dtype=np.int64)
        places = np.array([p for _, p in chosen], dtype=float).reshape(-1, 2)
        self.xy[rows] = places
        grow = bool(((places < [self._bounds.left(), self._bounds.top()])
                     | (places > [self._bounds.right(), self._bounds.bottom()])).any())
        self._place_segments(None if len(rows) > len(self.xy) // 4 else self.touching_links(rows.tolist()))
        self._dot_groups = None
        if grow or len(moved) > 50:
            self.prepareGeometryChange()
            self._recompute_bounds()
        self.update()

    def set_highlight(self, entities: set[int]) -> None:
        """Links of these entities are drawn in the selection colour."""
        self.highlight = {self.index[n] for n in entities if n in self.index}
        self.update()

    def set_dots(self, dots: Mapping[int, tuple[QColor, float]] | None = None, *,
                 colours: Mapping[int, QColor] | None = None, radius: Mapping[int, float] | None = None) -> None:
        """Entity id -> (colour, radius) for drawing entities as dots when zoomed far out; or the same as two
        mappings (colours, radius), which a 100,000-entity chart groups without a tuple per entity."""
        if dots is not None:
            self.dots = {self.index[n]: v for n, v in dots.items() if n in self.index}
            self._dot_groups = None
        else:
            assert colours is not None and radius is not None
            ids = self.ids
            known = [i for i, n in enumerate(ids) if n in colours] if len(colours) < len(ids) else range(len(ids))
            chosen = [ids[i] for i in known]
            shades = [colours[n] for n in chosen]
            keys = np.fromiter((c.rgba() for c in shades), dtype=np.int64, count=len(shades))
            sizes = np.round(np.fromiter((radius.get(n, 12.0) for n in chosen), dtype=float, count=len(chosen)))
            members = np.asarray(known, dtype=np.int64)
            self.dots = _Dots(members, shades, sizes)
            groups = []
            if len(members):
                kinds, first, which = np.unique(np.column_stack([keys, sizes]), axis=0, return_index=True,
                                                return_inverse=True)
                which = which.ravel()
                order = np.argsort(which, kind="stable")
                bounds = np.searchsorted(which[order], np.arange(len(kinds) + 1))
                groups = [(shades[int(first[g])], float(kinds[g][1]), members[order[bounds[g]:bounds[g + 1]]])
                          for g in range(len(kinds))]
            self._dot_groups = groups
        self._overview = {}
        self.update()

    def set_dot_columns(self, codes: np.ndarray, shades: list[QColor], radius: np.ndarray) -> None:
        """`set_dots` for every entity of a big chart as columns in node index order: each one's shade number
        (into `shades`) and radius (the same dots and groups, without asking a QColor per entity)."""
        from ui.chart.style_fast import dot_groups

        codes = np.asarray(codes, dtype=np.int64)
        sizes = np.round(np.asarray(radius, dtype=float))
        rgba = np.array([c.rgba() for c in shades], dtype=np.int64)
        self.dots = _Dots(np.arange(len(codes), dtype=np.int64), [shades[c] for c in codes.tolist()], sizes)
        self._dot_groups = [(shades[shade], size, members)
                            for shade, size, members in dot_groups(codes, rgba, sizes)]
        self._overview = {}
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
        return [self.ids[i] for i in np.flatnonzero(inside).tolist()]

    def nearest(self, x: float, y: float, reach: float) -> int | None:
        """The entity id nearest to (x, y) within `reach` chart units, if any."""
        if not len(self.xy):
            return None
        distance = np.hypot(self.xy[:, 0] - x, self.xy[:, 1] - y)
        best = int(np.argmin(distance))
        return self.ids[best] if distance[best] <= reach else None

    def drop_cache(self) -> None:
        """Throw away the cached rendering of the view so the next paint draws again (the overview images,
        which follow the links and dots, stay)."""
        self.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def link_count(self) -> int:
        return len(self.segments)

    def _recompute_bounds(self) -> None:
        self._overview = {}
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
        if not len(self.segments) and not (self.points_mode and self.dots):
            return
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        self.drawn = {"links": 0, "arrows": 0, "labels": 0, "dots": 0, "overview": 0}
        if self._paint_overview(painter, lod):
            self._paint_highlight(painter)
            return
        exposed = self._in_view(option.exposedRect)
        shown = self._exposed(exposed, lod)
        in_view = len(self.segments) if shown is None else int(shown.sum())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, lod >= 0.5 and in_view <= SMOOTH_MOST)
        thin = lod < 0.25 or in_view > THIN_FROM
        self.drawn.update(links=in_view, dots=len(self.dots) if self.points_mode else 0)
        for width, members in self.buckets:
            chosen = members if shown is None else members[shown[members]]
            if not len(chosen):
                continue
            painter.setPen(self._pen(1.0 if thin else width, self._colour))
            draw_lines(painter, self._stubbed(chosen, lod))
        self._paint_highlight(painter)
        if self.points_mode:
            self._paint_dots(painter, lod, exposed)
        if lod >= ARROW_LOD and self.directed:
            self._arrows(painter, shown, lod)
        if lod >= LABEL_LOD:
            self._labels(painter, shown, lod)

    def _in_view(self, exposed: QRectF) -> QRectF:
        """The exposed rectangle cut to what the view shows (a cached item is asked for all of itself)."""
        scene = self.scene()
        views = scene.views() if scene is not None else []
        if not views:
            return exposed
        view = views[0]
        seen = view.mapToScene(view.viewport().rect()).boundingRect().adjusted(-2, -2, 2, 2)
        return exposed.intersected(seen) if not exposed.isNull() else seen

    def _paint_highlight(self, painter: QPainter) -> None:
        if not self.highlight:
            return
        marked = self.touching_links(sorted(self.highlight))
        painter.setPen(self._pen(2.5, QColor(SELECTED_COLOUR).darker(115)))
        draw_lines(painter, self.segments[marked])
        if self.points_mode:
            lod = painter.worldTransform().m11()
            painter.setPen(self._pen(max(5.0, 2 * 14 * lod + 4), QColor(SELECTED_COLOUR)))
            draw_points(painter, self.xy[sorted(self.highlight)])
            for i in self.highlight:                       # the selected dots over the ring, in their colour
                colour, radius = self.dots.get(i, (QColor(EDGE_COLOUR), 12.0))
                painter.setPen(self._dot_pen(colour, radius, lod))
                draw_points(painter, self.xy[[i]])

    def _stubs(self) -> bool:
        """Whether long links are drawn as stubs: far out (entities as dots) on a chart of many links."""
        return self.points_mode and len(self.segments) > OVERVIEW_FROM

    def _stubbed(self, links: np.ndarray | None, lod: float) -> np.ndarray:
        """Rows (x1, y1, x2, y2) to draw for these links at `lod`: whole, or far out on a big chart two stubs
        when the link is longer than STUB_FROM pixels."""
        rows = self.segments if links is None else self.segments[links]
        length = self._length if links is None else self._length[links]
        if not self._stubs():
            return rows
        long = length * lod > STUB_FROM
        if not long.any():
            return rows
        far = rows[long]
        unit = (far[:, 2:] - far[:, :2]) / length[long][:, None] * (STUB / lod)
        stubs = np.vstack([np.hstack([far[:, :2], far[:, :2] + unit]), np.hstack([far[:, 2:] - unit, far[:, 2:]])])
        return np.vstack([rows[~long], stubs])

    def _paint_overview(self, painter: QPainter, lod: float) -> bool:
        """Far zoom on a big chart: the finest-needed overview image scaled onto the view; False when the view
        is too close for one (or the chart too small to need it)."""
        if not self.points_mode or len(self.segments) <= OVERVIEW_FROM or self._bounds.isEmpty():
            return False
        side = max(self._bounds.width(), self._bounds.height())
        fitting = [px for px in OVERVIEW_PX if px / side >= lod * 0.98]
        if not fitting and OVERVIEW_PX[-1] / side * OVERVIEW_ZOOM >= lod:
            fitting = [OVERVIEW_PX[-1]]               # a little closer: the finest image, enlarged smoothly
        if not fitting:
            return False
        image, scale = self.overview(fitting[0])
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < lod)
        painter.translate(self._bounds.topLeft())
        painter.scale(1 / scale, 1 / scale)
        painter.drawImage(0, 0, image)
        painter.restore()
        self.drawn.update(links=len(self.segments), dots=len(self.dots), overview=fitting[0])
        return True

    def overview(self, pixels: int) -> tuple[QImage, float]:
        """The overview image `pixels` across the chart's longer side and its scale (pixels per chart unit):
        every link one pixel wide and every entity a dot, drawn once after the links or dots last changed."""
        made = self._overview.get(pixels)
        if made is not None:
            return made
        side = max(self._bounds.width(), self._bounds.height(), 1.0)
        scale = pixels / side
        width = max(1, math.ceil(self._bounds.width() * scale))
        height = max(1, math.ceil(self._bounds.height() * scale))
        image = QImage(width, height, QImage.Format.Format_RGB32)
        image.fill(BACKGROUND)
        painter = QPainter(image)
        origin = np.array([self._bounds.left(), self._bounds.top()] * 2)
        long_enough = np.flatnonzero(self._length * scale >= SHORTEST)
        painter.setPen(self._pen(1.0, self._colour))
        draw_lines(painter, (self._stubbed(long_enough, scale) - origin) * scale)
        self._dots_at(painter, scale, (self.xy - origin[:2]) * scale)
        painter.end()
        self._overview[pixels] = (image, scale)
        return image, scale

    def warm(self) -> None:
        """Draw the overview images now (after a layout, while nothing else happens) so far zoom never waits."""
        if len(self.segments) > OVERVIEW_FROM and not self._bounds.isEmpty():
            for pixels in OVERVIEW_PX:
                self.overview(pixels)

    def _groups(self) -> list[tuple[QColor, float, np.ndarray]]:
        if self._dot_groups is None:
            groups: dict[tuple[int, float], list[int]] = {}
            colours: dict[int, QColor] = {}
            for i, (colour, radius) in self.dots.items():
                colours[colour.rgba()] = colour
                groups.setdefault((colour.rgba(), round(radius)), []).append(i)
            self._dot_groups = [(colours[c], float(r), np.array(members, dtype=np.int64))
                                for (c, r), members in groups.items()]
        return self._dot_groups

    def _dot_pen(self, colour: QColor, radius: float, lod: float) -> QPen:
        width = max(3.0, round(2 * radius * lod))
        pen = self._pen(width, colour)
        # Small dots as squares (filled spans, fast); bigger ones round, never antialiased (10,000 of them).
        pen.setCapStyle(Qt.PenCapStyle.SquareCap if width < 5 else Qt.PenCapStyle.RoundCap)
        return pen

    def _dots_at(self, painter: QPainter, lod: float, xy: np.ndarray, inside: np.ndarray | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for colour, radius, members in self._groups():
            chosen = members if inside is None else members[inside[members]]
            if len(chosen):
                painter.setPen(self._dot_pen(colour, radius, lod))
                draw_points(painter, xy[chosen])
                self.drawn["dots"] += len(chosen)

    def _paint_dots(self, painter: QPainter, lod: float, exposed: QRectF | None = None) -> None:
        """Entities as round dots in their colour, grouped so each colour and size is one call; only those in
        the exposed rectangle when it is a part of the chart (zoomed in, most dots are off screen)."""
        inside = None
        if exposed is not None and not exposed.isNull() and not exposed.contains(self._bounds) and len(self.xy):
            margin = 40.0 / max(lod, 1e-6)
            box = exposed.adjusted(-margin, -margin, margin, margin)
            inside = ((self.xy[:, 0] >= box.left()) & (self.xy[:, 0] <= box.right())
                      & (self.xy[:, 1] >= box.top()) & (self.xy[:, 1] <= box.bottom()))
        self.drawn["dots"] = 0
        self._dots_at(painter, lod, self.xy, inside)

    def _exposed(self, rect: QRectF, lod: float) -> np.ndarray | None:
        """Mask of the links worth drawing: their box meets the exposed rectangle and they are at least
        SHORTEST pixels long on screen (shorter ones hide under their entities' dots); None when all are."""
        if not len(self.segments):
            return None
        mask = self._length * lod >= SHORTEST
        if not rect.isNull() and not rect.contains(self._bounds):
            low, high = self._low, self._high
            mask &= ((high[:, 0] >= rect.left()) & (low[:, 0] <= rect.right())
                     & (high[:, 1] >= rect.top()) & (low[:, 1] <= rect.bottom()))
            if self._stubs():                           # a stubbed link shows only if an end is near the view
                stubbed = mask & (self._length * lod > STUB_FROM)
                if stubbed.any():
                    box = rect.adjusted(-STUB / lod, -STUB / lod, STUB / lod, STUB / lod)
                    near = np.zeros(len(mask), dtype=bool)
                    for at in (0, 2):
                        x, y = self.segments[:, at], self.segments[:, at + 1]
                        near |= (x >= box.left()) & (x <= box.right()) & (y >= box.top()) & (y <= box.bottom())
                    mask &= ~stubbed | near
        return None if mask.all() else mask

    def _arrows(self, painter: QPainter, shown: np.ndarray | None, lod: float) -> None:
        """A small filled head at the target end of each link in view (directed charts only)."""
        chosen = np.flatnonzero(shown) if shown is not None else np.arange(len(self.segments))
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
        chosen = np.flatnonzero(shown) if shown is not None else np.arange(len(self.segments))
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
