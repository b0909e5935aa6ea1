"""The chart's legend: what each icon, colour and size means, in the chart's top-left corner.

It follows the chart's styling (colour by type, role, group or a measure; size by a measure) and
lists only what is on the chart, so a printed screenshot explains itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QWidget

ROW = 17          # pixels per legend line
PAD = 7


@dataclass
class LegendEntry:
    """One line: an icon (a type's pixmap) or a colour swatch (round), and what it stands for."""

    text: str
    colour: QColor | None = None
    icon: QPixmap | None = None
    heading: bool = False
    radius: float = 5.0


class Legend(QWidget):
    """A small translucent panel painted over the chart; click it to fold it to its title."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: list[LegendEntry] = []
        self.folded = False
        self.user_folded: bool | None = None     # the user's own choice (a click) wins over fitting the chart
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Legend: click to fold or unfold")
        self._font = QFont()
        self._font.setPixelSize(11)
        self._bold = QFont(self._font)
        self._bold.setBold(True)

    def set_entries(self, entries: list[LegendEntry]) -> None:
        self.entries = [LegendEntry("Legend (click to fold)", heading=True), *entries] if entries else []
        self.setVisible(bool(entries))
        self.fit_parent()

    def fit_parent(self) -> None:
        """Fold to the title when unfolded it would cover more than a quarter of the chart (unless the user
        chose); size to the entries."""
        parent = self.parentWidget()
        if self.user_folded is not None:
            self.folded = self.user_folded
        elif parent is not None:
            self.folded = False
            hint = self.sizeHint()
            self.folded = hint.width() * hint.height() > 0.25 * max(parent.width() * parent.height(), 1)
        self.entries[:1] = [LegendEntry("Legend (click to unfold)" if self.folded else "Legend (click to fold)",
                                        heading=True)] if self.entries else []
        self.adjustSize()
        self.update()

    def texts(self) -> list[str]:
        """Every line's text (what a test or a screen reader reads)."""
        return [e.text for e in self.entries]

    def _columns(self) -> list[list[LegendEntry]]:
        """The entries in as many columns as the chart's height needs (a heading never ends a column)."""
        shown = self.entries[:1] if self.folded else self.entries
        parent = self.parentWidget()
        room = max(int(((parent.height() * 0.9) if parent is not None else 600) - 2 * PAD) // ROW, 4)
        columns: list[list[LegendEntry]] = [[]]
        for entry in shown:
            column = columns[-1]
            if len(column) >= room or (entry.heading and len(column) >= room - 1):
                columns.append([])
            columns[-1].append(entry)
        return [c for c in columns if c]

    def _widths(self, columns: list[list[LegendEntry]]) -> list[float]:
        metrics = QFontMetricsF(self._bold)
        return [max((metrics.horizontalAdvance(e.text) + (0 if e.heading else 24) for e in c), default=0) + 12
                for c in columns]

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        columns = self._columns()
        return QSize(int(sum(self._widths(columns)) + 2 * PAD),
                     int(max((len(c) for c in columns), default=0) * ROW + 2 * PAD))

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.user_folded = not self.folded
        self.fit_parent()
        event.accept()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#c9ccd1")))
        painter.setBrush(QColor(255, 255, 255, 232))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 5, 5)
        columns = self._columns()
        left = PAD
        for column, width in zip(columns, self._widths(columns), strict=True):
            self._paint_column(painter, column, left)
            left += width
        painter.end()

    def _paint_column(self, painter: QPainter, column: list[LegendEntry], left: float) -> None:
        y = PAD
        for entry in column:
            middle = y + ROW / 2
            if entry.heading:
                painter.setFont(self._bold)
                painter.setPen(QColor("#333333"))
                painter.drawText(QRectF(left, y, self.width(), ROW), Qt.AlignmentFlag.AlignVCenter, entry.text)
            else:
                if entry.icon is not None:
                    painter.drawPixmap(int(left + 2), int(middle - entry.icon.height() / 2), entry.icon)
                elif entry.colour is not None:
                    painter.setPen(QPen(entry.colour.darker(140), 1))
                    painter.setBrush(entry.colour)
                    painter.drawEllipse(QPointF(left + 10, middle), entry.radius, entry.radius)
                painter.setFont(self._font)
                painter.setPen(QColor("#222222"))
                painter.drawText(QRectF(left + 24, y, self.width(), ROW), Qt.AlignmentFlag.AlignVCenter, entry.text)
            y += ROW
