"""Colours and vector icons per entity type (from linkgraph/model.yaml `colour`/`shape`), role badges.

Icons are QPainterPaths in a unit box (-1..1) drawn by the chart, the map and the legend;
no image files. Categorical colours for communities and a two-colour ramp for scores.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from linkgraph.model import load_model

ROLE_COLOURS = {"suspect": "#c0392b", "victim": "#8e44ad", "witness": "#2471a3", "associate": "#7f8c8d",
                "unknown": "#95a5a6"}
ROLE_LETTERS = {"suspect": "S", "victim": "V", "witness": "W", "associate": "A", "unknown": "?"}
MINOR_COLOUR = "#e67e22"
SELECTED_COLOUR = "#f1c40f"
EDGE_COLOUR = "#8a8f98"
# Tableau-like categories, readable on white, for communities.
CATEGORIES = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
              "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
              "#e6550d", "#31a354", "#756bb1", "#636363")


def type_colour(entity_type: str | None) -> QColor:
    """The model's colour for an entity type (grey for an unknown type)."""
    etype = load_model().entities.get(entity_type or "")
    return QColor(etype.colour if etype else "#7f7f7f")


def type_shape(entity_type: str | None) -> str:
    """The model's icon shape name for an entity type."""
    etype = load_model().entities.get(entity_type or "")
    return etype.shape if etype else "circle"


def category_colour(value: object) -> QColor:
    """A stable colour per category (community number, role...); None is light grey."""
    if value is None:
        return QColor("#c8c8c8")
    if isinstance(value, int):
        return QColor(CATEGORIES[value % len(CATEGORIES)])
    return QColor(CATEGORIES[sum(ord(c) for c in str(value)) % len(CATEGORIES)])


def ramp_colour(share: float) -> QColor:
    """Light yellow (0) to deep red (1) for a measure scaled to 0..1."""
    share = min(max(share, 0.0), 1.0)
    low, high = QColor("#fde8a8"), QColor("#a50f15")
    return QColor(round(low.red() + (high.red() - low.red()) * share),
                  round(low.green() + (high.green() - low.green()) * share),
                  round(low.blue() + (high.blue() - low.blue()) * share))


def _polygon(points: list[tuple[float, float]]) -> QPainterPath:
    path = QPainterPath()
    path.addPolygon(QPolygonF([QPointF(x, y) for x, y in points]))
    path.closeSubpath()
    return path


@cache
def shape_path(shape: str) -> QPainterPath:
    """The icon of a shape name as a filled outline in the box -1..1 (y down)."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)
    if shape == "person":
        path.addEllipse(QPointF(0, -0.5), 0.38, 0.38)
        body = QPainterPath()
        body.moveTo(-0.8, 0.95)
        body.cubicTo(-0.8, 0.05, 0.8, 0.05, 0.8, 0.95)
        body.closeSubpath()
        path.addPath(body)
    elif shape == "phone":
        path.addRoundedRect(QRectF(-0.5, -0.95, 1.0, 1.9), 0.22, 0.22)
    elif shape == "email":
        path.addRect(QRectF(-0.95, -0.6, 1.9, 1.2))
    elif shape == "device":
        path.addRoundedRect(QRectF(-0.75, -0.95, 1.5, 1.9), 0.12, 0.12)
    elif shape == "account":
        path.addPath(_polygon([(-0.95, -0.25), (0.0, -0.95), (0.95, -0.25)]))
        path.addRect(QRectF(-0.8, -0.2, 1.6, 0.95))
        path.addRect(QRectF(-0.95, 0.75, 1.9, 0.2))
    elif shape == "business":
        path.addRect(QRectF(-0.9, -0.5, 1.8, 1.45))
        path.addPath(_polygon([(-0.95, -0.5), (-0.6, -0.95), (0.6, -0.95), (0.95, -0.5)]))
    elif shape == "hotel":
        path.addRect(QRectF(-0.7, -0.95, 1.4, 1.9))
    elif shape == "location":
        path.moveTo(0, 0.95)
        path.cubicTo(-1.2, -0.3, -0.6, -0.95, 0, -0.95)
        path.cubicTo(0.6, -0.95, 1.2, -0.3, 0, 0.95)
        path.closeSubpath()
    elif shape == "tower":
        path.addPath(_polygon([(0, -0.95), (0.7, 0.95), (-0.7, 0.95)]))
    elif shape == "ad":
        path.addPath(_polygon([(-0.75, -0.95), (0.35, -0.95), (0.75, -0.55), (0.75, 0.95), (-0.75, 0.95)]))
    elif shape == "vehicle":
        path.addRoundedRect(QRectF(-0.95, -0.2, 1.9, 0.75), 0.2, 0.2)
        path.addPath(_polygon([(-0.55, -0.2), (-0.3, -0.7), (0.35, -0.7), (0.6, -0.2)]))
        path.addEllipse(QPointF(-0.5, 0.6), 0.25, 0.25)
        path.addEllipse(QPointF(0.5, 0.6), 0.25, 0.25)
    elif shape == "group":
        for x, y in ((-0.45, 0.3), (0.45, 0.3), (0.0, -0.4)):
            path.addEllipse(QPointF(x, y), 0.5, 0.5)
    elif shape == "id":
        path.addRoundedRect(QRectF(-0.95, -0.65, 1.9, 1.3), 0.15, 0.15)
    else:
        path.addEllipse(QPointF(0, 0), 0.95, 0.95)
    return path.simplified()


@cache
def shape_detail(shape: str) -> QPainterPath:
    """Inner strokes drawn over an icon in white (envelope flap, hotel windows, phone screen...)."""
    path = QPainterPath()
    if shape == "email":
        path.moveTo(-0.95, -0.6)
        path.lineTo(0, 0.15)
        path.lineTo(0.95, -0.6)
    elif shape == "phone":
        path.addRect(QRectF(-0.32, -0.7, 0.64, 1.1))
    elif shape == "hotel":
        for row in (-0.6, -0.15, 0.3):
            for col in (-0.35, 0.15):
                path.addRect(QRectF(col, row, 0.2, 0.22))
    elif shape == "ad":
        for y in (-0.4, 0.0, 0.4):
            path.moveTo(-0.5, y)
            path.lineTo(0.5, y)
    elif shape == "tower":
        path.moveTo(0, -0.95)
        path.lineTo(0, 0.95)
    elif shape == "account":
        for x in (-0.5, 0.0, 0.5):
            path.moveTo(x, -0.1)
            path.lineTo(x, 0.65)
    elif shape == "id":
        path.addEllipse(QPointF(-0.45, -0.05), 0.25, 0.25)
        path.moveTo(0.05, -0.2)
        path.lineTo(0.7, -0.2)
        path.moveTo(0.05, 0.15)
        path.lineTo(0.7, 0.15)
    elif shape == "device":
        path.addRect(QRectF(-0.5, -0.7, 1.0, 1.1))
    return path


def icon_pixmap(entity_type: str, size: int = 16) -> QPixmap:
    """A small icon of an entity type in its colour (legend, combo boxes, inspector)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.translate(size / 2, size / 2)
    painter.scale(size / 2.2, size / 2.2)
    shape = type_shape(entity_type)
    painter.setPen(QPen(type_colour(entity_type).darker(140), 0.1))
    painter.setBrush(type_colour(entity_type))
    painter.drawPath(shape_path(shape))
    painter.setPen(QPen(QColor("white"), 0.12))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(shape_detail(shape))
    painter.end()
    return pixmap


def edge_widths(weights: np.ndarray) -> np.ndarray:
    """`edge_width` of many weights at once (a 300,000-link chart in milliseconds)."""
    return 1.0 + np.minimum(4.0, 0.7 * np.log2(np.maximum(np.asarray(weights, dtype=float), 1.0)))


def edge_width(weight: float) -> float:
    """Line width (pixels) for an edge's summed weight: 1 for one link, growing with the logarithm (at most 5)."""
    return 1.0 + min(4.0, 0.7 * math.log2(max(weight, 1.0)))
