"""The timeline: each selected entity's records per day (one lane each), and a heat map of calls by hour and weekday.

The numbers come from `linkgraph.timeline` (the same records and time zone as the analysis),
so the heat map of one entity adds up to its `by_hour` / `by_weekday` activity in `analyze`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QHelpEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QLabel, QSplitter, QToolTip, QVBoxLayout, QWidget

from linkgraph.analysis.records import Records
from linkgraph.case import CaseFile
from linkgraph.timeline import WEEKDAYS, Activity, daily_activity, hour_weekday, load
from ui.palette import ramp_colour, type_colour

LANE = 34          # pixels per entity lane
LEFT = 170         # pixels for the entity names


class ActivityLanes(QWidget):
    """One lane per entity, a bar per day sized by that day's records; hover for the date and count."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.activity: Activity | None = None
        self.names: dict[int, str] = {}
        self.types: dict[int, str | None] = {}
        self.setMouseTracking(True)
        self.setMinimumHeight(LANE * 2)

    def set_activity(self, activity: Activity, names: dict[int, str], types: dict[int, str | None]) -> None:
        self.activity, self.names, self.types = activity, names, types
        self.setMinimumHeight(max(LANE * 2, LANE * len(activity.entities) + 24))
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(600, 200)

    def _day_width(self) -> float:
        days = len(self.activity.days) if self.activity is not None else 0
        return (self.width() - LEFT - 8) / max(days, 1)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        activity = self.activity
        if activity is None or not len(activity.entities):
            painter.setPen(QColor("#777777"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Select entities to see their activity.")
            return
        width = self._day_width()
        top = activity.counts.max() if activity.counts.size else 0
        font = QFont()
        font.setPixelSize(11)
        painter.setFont(font)
        for lane, entity in enumerate(activity.entities):
            y = lane * LANE
            painter.setPen(QColor("#222222"))
            painter.drawText(QRectF(4, y, LEFT - 8, LANE), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                             self.names.get(entity, str(entity)))
            painter.setPen(QPen(QColor("#e0e0e0")))
            painter.drawLine(QPointF(LEFT, y + LANE - 1), QPointF(self.width(), y + LANE - 1))
            colour = type_colour(self.types.get(entity))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            counts = activity.counts[lane]
            for day in np.flatnonzero(counts).tolist():
                height = (LANE - 6) * (counts[day] / top) ** 0.5 if top else 0
                painter.drawRect(QRectF(LEFT + day * width, y + LANE - 2 - height, max(width - 0.5, 1.0), height))
        # Month ticks along the bottom.
        painter.setPen(QColor("#555555"))
        dates = activity.dates()
        base = len(activity.entities) * LANE
        for i, text in enumerate(dates):
            if text.endswith("-01") or i == 0:
                x = LEFT + i * width
                painter.drawLine(QPointF(x, base), QPointF(x, base + 5))
                painter.drawText(QPointF(x + 2, base + 16), text[:7] if text.endswith("-01") else text)
        painter.end()

    def day_at(self, x: float, y: float) -> tuple[int, str, int] | None:
        """(entity, date, records) under a point of the widget, if any."""
        activity = self.activity
        if activity is None or x < LEFT or not len(activity.days):
            return None
        lane, day = int(y // LANE), int((x - LEFT) // self._day_width())
        if not (0 <= lane < len(activity.entities) and 0 <= day < len(activity.days)):
            return None
        return activity.entities[lane], activity.dates()[day], int(activity.counts[lane, day])

    def event(self, event: QEvent) -> bool:  # noqa: D102 (tooltips per day)
        if event.type() == event.Type.ToolTip:
            help_event: QHelpEvent = event
            found = self.day_at(help_event.pos().x(), help_event.pos().y())
            if found:
                entity, date, count = found
                QToolTip.showText(help_event.globalPos(), f"{self.names.get(entity, entity)}\n{date}: {count} records")
            else:
                QToolTip.hideText()
            return True
        return super().event(event)


class HeatMap(QWidget):
    """Calls and texts by weekday (rows, Monday first) and local hour (columns), darker for more."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values = np.zeros((7, 24), dtype=np.int64)
        self.setMinimumHeight(150)

    def set_values(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=np.int64)
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(600, 180)

    def cell(self, day: int, hour: int) -> QRectF:
        """Where a weekday x hour cell is drawn."""
        width = (self.width() - 44) / 24
        height = (self.height() - 20) / 7
        return QRectF(40 + hour * width, 2 + day * height, width - 1, height - 1)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        top = int(self.values.max()) if self.values.size else 0
        font = QFont()
        font.setPixelSize(10)
        painter.setFont(font)
        for day in range(7):
            box = self.cell(day, 0)
            painter.setPen(QColor("#333333"))
            painter.drawText(QRectF(0, box.top(), 36, box.height()),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, WEEKDAYS[day])
            for hour in range(24):
                box = self.cell(day, hour)
                value = int(self.values[day, hour])
                colour = ramp_colour(value / top) if value and top else QColor("#f4f4f4")
                painter.fillRect(box, colour)
                if value and box.width() > 16:
                    painter.setPen(QColor("white") if top and value / top > 0.55 else QColor("#333333"))
                    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, str(value))
        painter.setPen(QColor("#333333"))
        for hour in range(0, 24, 3):
            box = self.cell(6, hour)
            painter.drawText(QPointF(box.left(), box.bottom() + 13), f"{hour:02d}")
        painter.end()


class TimelineView(QWidget):
    """Activity of the selected entities over time, and when in the week they call."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case: CaseFile | None = None
        self.records: Records | None = None
        self.entities: list[int] = []
        self.summary = QLabel("Select entities to see their activity.")
        self.lanes = ActivityLanes()
        self.heat = HeatMap()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.lanes)
        holder = QWidget()
        inner = QVBoxLayout(holder)
        inner.setContentsMargins(0, 0, 0, 0)
        self.heat_title = QLabel("Calls and texts by hour and weekday")
        inner.addWidget(self.heat_title)
        inner.addWidget(self.heat, 1)
        split.addWidget(holder)
        box = QVBoxLayout(self)
        box.setContentsMargins(2, 2, 2, 2)
        box.addWidget(self.summary)
        box.addWidget(split, 1)

    def set_case(self, case: CaseFile) -> None:
        """Show a case; its records are read when entities are first shown (then kept until the next set_case)."""
        self.case = case
        self.records = None
        self.show_entities(self.entities)

    def _empty(self) -> None:
        self.lanes.set_activity(Activity(self.entities, np.zeros(0, dtype=np.int64),
                                         np.zeros((len(self.entities), 0), dtype=np.int64)), {}, {})
        self.heat.set_values(np.zeros((7, 24), dtype=np.int64))
        self.summary.setText("Select entities to see their activity.")

    def show_entities(self, ids: Iterable[int]) -> None:
        """Show the daily activity and hour x weekday heat map of these entities."""
        self.entities = sorted({int(i) for i in ids})
        if self.records is None and self.case is not None and self.entities:
            self.records = load(self.case)
        if self.records is None:
            self._empty()
            return
        records = self.records
        activity = daily_activity(records, self.entities)
        names = {e: records.label(e) for e in self.entities}
        types = {e: records.entities["type"].get(e) for e in self.entities}
        self.lanes.set_activity(activity, names, types)
        grid = hour_weekday(records, self.entities)
        self.heat.set_values(grid)
        total = int(activity.counts.sum())
        if not self.entities:
            self.summary.setText("Select entities to see their activity.")
        elif not total:
            self.summary.setText("No dated records for the selection.")
        else:
            dates = activity.dates()
            self.summary.setText(f"{len(self.entities)} entities · {total:,} dated records from {dates[0]} to "
                                 f"{dates[-1]} · {int(grid.sum()):,} calls and texts")
