"""The map: cell sites with their sector wedges, hotels and ad cities of the selected entities, played over time.

Offline by design: no tiles, no outlines fetched; places sit on a plain equirectangular plane
(kilometres, `linkgraph.geo.project`) over a latitude/longitude grid. The time slider (or Play)
walks through the selection's dated calls, stays and ads: places with records in the last
`window` light up, and the trail joins the places visited so far in time order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QPolygonF, QTransform, QWheelEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from linkgraph.analysis.records import Records
from linkgraph.case import CaseFile
from linkgraph.geo import MapData, map_data, project, wedge
from linkgraph.timeline import load
from linkgraph.times import format_time
from ui.palette import shape_path, type_colour

SCALE = 100.0            # scene units per kilometre
KIND_TYPE = {"site": "CellSite", "hotel": "Hotel", "ad_city": "Ad"}
WINDOWS = {"1 hour": 3600, "6 hours": 6 * 3600, "1 day": 86_400, "3 days": 3 * 86_400, "1 week": 7 * 86_400}
STEPS = 400              # slider positions across the selection's time span


class _MapCanvas(QGraphicsView):
    """The map's graphics view: wheel zoom under the mouse, drag to pan."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.scene().setBackgroundBrush(QColor("#eef2f5"))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    zoomed = Signal()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt name)
        factor = 1.25 ** (event.angleDelta().y() / 120.0)
        self.scale(factor, factor)
        self.zoomed.emit()
        event.accept()


class MapView(QWidget):
    """Places of the selected entities on an offline plane, with calls and stays animated over time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case: CaseFile | None = None
        self.records: Records | None = None
        self.data: MapData | None = None
        self.entities: list[int] = []
        self.place_items: dict[int | str, QGraphicsPathItem] = {}
        self.wedge_items: list[QGraphicsPathItem] = []
        self.pulse_items: dict[int | str, QGraphicsEllipseItem] = {}
        self.trail = QGraphicsPathItem()
        self.coords: dict[int | str, QPointF] = {}
        self.site_labels: list[QGraphicsSimpleTextItem] = []
        self.times = np.zeros(0)
        self.current: int | None = None
        self.canvas = _MapCanvas(self)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, STEPS)
        self.play_button = QToolButton()
        self.play_button.setText("Play")
        self.play_button.setCheckable(True)
        self.window_box = QComboBox()
        for text, seconds in WINDOWS.items():
            self.window_box.addItem(text, seconds)
        self.window_box.setCurrentText("1 day")
        self.time_label = QLabel("")
        self.summary = QLabel("Select entities to see where they were.")
        self.summary.setWordWrap(True)
        fit = QToolButton()
        fit.setText("Fit")
        fit.clicked.connect(self.fit)
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(QLabel("window"))
        controls.addWidget(self.window_box)
        controls.addWidget(self.time_label)
        controls.addWidget(fit)
        box = QVBoxLayout(self)
        box.setContentsMargins(2, 2, 2, 2)
        box.addWidget(self.summary)
        box.addWidget(self.canvas, 1)
        box.addLayout(controls)
        self._timer = QTimer(self)
        self._timer.setInterval(80)
        self._timer.timeout.connect(self._advance)
        self.play_button.toggled.connect(self._play)
        self.slider.valueChanged.connect(self._slid)
        self.window_box.currentIndexChanged.connect(lambda _: self._slid(self.slider.value()))
        self.canvas.zoomed.connect(self._label_sites)

    # ---- data ---------------------------------------------------------------------------------
    def set_case(self, case: CaseFile) -> None:
        """Show a case; its records are read when entities are first shown (then kept until the next set_case)."""
        self.case = case
        self.records = None
        self.show_entities(self.entities)

    def show_entities(self, ids: Iterable[int]) -> None:
        """Draw the places of these entities (and of the phones a person uses) and their records over time."""
        self.entities = sorted({int(i) for i in ids})
        self.play_button.setChecked(False)
        scene = self.canvas.scene()
        scene.clear()
        self.place_items, self.wedge_items, self.pulse_items, self.coords = {}, [], {}, {}
        self.site_labels = []
        self.trail = QGraphicsPathItem()
        if self.records is None and self.case is not None and self.entities:
            self.records = load(self.case)
        if self.records is None:
            self._empty()
            return
        self.data = map_data(self.records, self.entities)
        if not self.data.places:
            missing = f" ({self.data.unplaced} places have no position)" if self.data.unplaced else ""
            self.summary.setText("No cell sites, hotels or ad cities with a position for the selection" + missing
                                 if self.entities else "Select entities to see where they were.")
            self.times = np.zeros(0)
            self.time_label.setText("")
            return
        lat0 = float(np.mean([p.lat for p in self.data.places]))
        for place in self.data.places:
            x, y = project(place.lat, place.lon, lat0)
            self.coords[place.id] = QPointF(x * SCALE, y * SCALE)
        self._grid(lat0)
        for place in self.data.places:
            self._place(place)
        pen = QPen(QColor(192, 57, 43, 170), 2.5)
        pen.setCosmetic(True)
        self.trail.setPen(pen)
        self.trail.setZValue(5)
        scene.addItem(self.trail)
        self.times = self.data.events["start"].to_numpy(dtype=float)
        counts = self.data.events["kind"].value_counts().to_dict()
        told = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        self.summary.setText(f"{len(self.data.places)} places, {self.data.wedge_count()} sectors"
                             + (f"; {told} records over time" if told else "")
                             + (f"; {self.data.unplaced} places without a position" if self.data.unplaced else ""))
        self.slider.blockSignals(True)
        self.slider.setValue(STEPS)
        self.slider.blockSignals(False)
        self._slid(STEPS)
        self.fit()

    def _empty(self) -> None:
        self.data = None
        self.times = np.zeros(0)
        self.time_label.setText("")
        self.summary.setText("Select entities to see where they were.")

    def _grid(self, lat0: float) -> None:
        """Latitude and longitude lines every tenth, half or whole degree, labelled, round the places."""
        assert self.data is not None
        lats = [p.lat for p in self.data.places]
        lons = [p.lon for p in self.data.places]
        span = max(max(lats) - min(lats), max(lons) - min(lons), 0.05)
        step = 0.1 if span < 1 else 0.5 if span < 4 else 1.0
        south, north = math.floor(min(lats) / step - 1) * step, math.ceil(max(lats) / step + 1) * step
        west, east = math.floor(min(lons) / step - 1) * step, math.ceil(max(lons) / step + 1) * step
        pen = QPen(QColor("#c9d3dc"), 1)
        pen.setCosmetic(True)
        scene = self.canvas.scene()
        font = QFont()
        font.setPixelSize(10)
        for lat in np.arange(south, north + step / 2, step):
            a, b = project(lat, west, lat0), project(lat, east, lat0)
            scene.addLine(a[0] * SCALE, a[1] * SCALE, b[0] * SCALE, b[1] * SCALE, pen).setZValue(-5)
            text = scene.addSimpleText(f"{lat:.1f}°", font)
            text.setBrush(QColor("#8899aa"))
            text.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            text.setPos(a[0] * SCALE, a[1] * SCALE)
        for lon in np.arange(west, east + step / 2, step):
            a, b = project(north, lon, lat0), project(south, lon, lat0)
            scene.addLine(a[0] * SCALE, a[1] * SCALE, b[0] * SCALE, b[1] * SCALE, pen).setZValue(-5)
            text = scene.addSimpleText(f"{lon:.1f}°", font)
            text.setBrush(QColor("#8899aa"))
            text.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            text.setPos(a[0] * SCALE, a[1] * SCALE)

    def _place(self, place) -> None:
        scene = self.canvas.scene()
        spot = self.coords[place.id]
        etype = KIND_TYPE[place.kind]
        colour = type_colour(etype)
        if place.kind == "site":
            for azimuth in place.azimuths:
                points = wedge(spot.x() / SCALE, spot.y() / SCALE, azimuth)
                outline = QPainterPath()
                outline.addPolygon(QPolygonF([QPointF(x * SCALE, y * SCALE) for x, y in points]))
                outline.closeSubpath()
                item = scene.addPath(outline, QPen(colour.darker(140), 0), QBrush(QColor(colour.red(), colour.green(),
                                                                                      colour.blue(), 70)))
                item.setToolTip(f"{place.label}\nsector azimuth {azimuth:g}°")
                item.setZValue(1)
                self.wedge_items.append(item)
        pulse = QGraphicsEllipseItem(-14, -14, 28, 28)
        pulse.setBrush(QColor(241, 196, 15, 150))
        pulse.setPen(QPen(QColor("#d35400"), 1.5))
        pulse.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        pulse.setPos(spot)
        pulse.setZValue(8)
        pulse.setVisible(False)
        scene.addItem(pulse)
        self.pulse_items[place.id] = pulse
        size = 8.0 if place.kind == "site" else 10.0
        icon = QGraphicsPathItem(QTransform.fromScale(size, size).map(shape_path({"site": "tower", "hotel": "hotel",
                                                                                  "ad_city": "ad"}[place.kind])))
        icon.setBrush(colour)
        icon.setPen(QPen(colour.darker(160), 1))
        icon.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        icon.setPos(spot)
        icon.setZValue(10)
        extra = f"\n{len(place.ads)} ads" if place.ads else ""
        icon.setToolTip(f"{place.label}\n{place.lat:.5f}, {place.lon:.5f}{extra}")
        scene.addItem(icon)
        self.place_items[place.id] = icon
        label = QGraphicsSimpleTextItem(place.label + (f" ({len(place.ads)} ads)" if place.ads else ""), icon)
        font = QFont()
        font.setPixelSize(10)
        label.setFont(font)
        # A hotel and its city's ads can share the city centre: hotel names above, ad cities below.
        label.setPos(size + 2, {"site": -6, "hotel": -16, "ad_city": 2}[place.kind])
        if place.kind == "site":
            self.site_labels.append(label)

    def fit(self) -> None:
        """Zoom to show every place."""
        if not self.coords:
            return
        box = QRectF()
        for point in self.coords.values():
            box = box.united(QRectF(point.x() - 1, point.y() - 1, 2, 2))
        pad = max(box.width(), box.height()) * 0.15 + 2 * SCALE
        box = box.adjusted(-pad, -pad, pad, pad)
        self.canvas.scene().setSceneRect(box.adjusted(-box.width() * 3, -box.height() * 3, box.width() * 3,
                                                      box.height() * 3))
        self.canvas.fitInView(box, Qt.AspectRatioMode.KeepAspectRatio)
        self._label_sites()

    def _label_sites(self) -> None:
        """Cell-site names only when sites are far enough apart on screen to read (hotels and cities always)."""
        points = [self.coords[p.id] for p in self.data.places if p.kind == "site"][:300] if self.data else []
        scale = self.canvas.transform().m11()
        closest = min((abs(a.x() - b.x()) + abs(a.y() - b.y()) for i, a in enumerate(points) for b in points[i + 1:]),
                      default=float("inf"))
        readable = closest * scale > 60 or len(points) <= 1
        for label in self.site_labels:
            label.setVisible(readable)

    # ---- time -----------------------------------------------------------------------------------
    def set_time(self, epoch: int) -> None:
        """Show the records up to `epoch`: the trail so far and the places active in the window before it."""
        self.current = int(epoch)
        if self.data is None or not len(self.times):
            return
        events = self.data.events
        first, last = float(self.times.min()), float(self.times.max())
        step = round((epoch - first) / (last - first) * STEPS) if last > first else STEPS
        self.slider.blockSignals(True)
        self.slider.setValue(min(max(step, 0), STEPS))
        self.slider.blockSignals(False)
        window = int(self.window_box.currentData())
        done = events[self.times <= epoch]
        recent = events[(self.times <= epoch) & (self.times > epoch - window)]
        active = recent["place"].value_counts().to_dict()
        for place, pulse in self.pulse_items.items():
            count = active.get(place, 0)
            pulse.setVisible(count > 0)
            if count:
                radius = 8 + 4 * math.sqrt(count)
                pulse.setRect(-radius, -radius, 2 * radius, 2 * radius)
        path = QPainterPath()
        previous = None
        for place in done["place"].tolist():
            if place == previous or place not in self.coords:
                continue
            point = self.coords[place]
            if previous is None:
                path.moveTo(point)
            else:
                path.lineTo(point)
            previous = place
        self.trail.setPath(path)
        zone = self.case.timezone if self.case is not None else "UTC"
        self.time_label.setText(f"{format_time(epoch, zone)} · {len(recent)} records")

    def active_places(self) -> list[int | str]:
        """The places lit up at the current time."""
        return [p for p, item in self.pulse_items.items() if item.isVisible()]

    def _slid(self, value: int) -> None:
        if not len(self.times):
            return
        first, last = float(self.times.min()), float(self.times.max())
        self.set_time(int(first + (last - first) * value / STEPS))

    def _play(self, on: bool) -> None:
        if on:
            if self.slider.value() >= STEPS:
                self.slider.setValue(0)
            self._timer.start()
            self.play_button.setText("Pause")
        else:
            self._timer.stop()
            self.play_button.setText("Play")

    def _advance(self) -> None:
        if self.slider.value() >= STEPS:
            self.play_button.setChecked(False)
            return
        self.slider.setValue(self.slider.value() + 1)


__all__ = ["MapView"]
