"""The exhibit chart as one reportlab Drawing (PDF, SVG and PNG from the same picture): layout,
nodes by type and role, lines by number of records, title, exhibit number, legend and footer.

Qt-free: reportlab draws, networkx lays out (seeded, so the same case gives the same picture),
and `to_png` paints the same shapes with Pillow (reportlab's own bitmap backend needs Cairo).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
from PIL import Image, ImageDraw, ImageFont
from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from linkgraph.exports.fonts import fonts, plain
from linkgraph.model import Model
from linkgraph.safe_text import xml_text

PAGE = (1224.0, 792.0)                     # tabloid landscape (17 x 11 in): readable across a courtroom
MARGIN = 36.0
LEGEND_WIDTH = 210.0
HEADER = 92.0
FOOTER = 44.0
FONT, BOLD = fonts().regular, fonts().bold          # embedded TrueType (see fonts.py)
ROLE_COLOURS = {"suspect": "#b2182b", "victim": "#6a3d9a", "witness": "#1b7837", "associate": "#4d4d4d"}
ROLE_WORDS = {"suspect": "Suspect", "victim": "Victim", "witness": "Witness", "associate": "Associate"}
# model.yaml's chart shapes -> the outline drawn for them
OUTLINES = {"person": "circle", "phone": "square", "email": "square", "device": "square", "account": "square",
            "business": "hexagon", "hotel": "triangle", "location": "triangle", "tower": "triangle",
            "ad": "diamond", "vehicle": "hexagon", "group": "hexagon", "id": "square"}


@dataclass
class ChartText:
    """Everything written on the chart besides the graph itself."""

    title: str
    exhibit_number: str | None
    subtitle: str
    date_range: str
    footer: str
    edge_labels: dict[tuple[int, int], str]


def printable(text: str, limit: int | None = None) -> str:
    """Text the embedded font can show (a character it lacks is spelled out, never '?'), cut to `limit`; no ESC or
    other character XML forbids (the SVG stays well-formed)."""
    text = plain(" ".join(xml_text(text).split()))
    if limit and len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return text


def layout(graph: nx.Graph, width: float, height: float) -> dict[int, tuple[float, float]]:
    """Node positions inside a width x height box: each connected group laid out on its own
    (Kamada-Kawai, deterministic), then the groups packed in rows, biggest first."""
    if graph.number_of_nodes() == 0:
        return {}
    boxes = []
    for nodes in sorted(nx.connected_components(graph), key=lambda c: (-len(c), min(c))):
        sub = graph.subgraph(sorted(nodes))
        side = math.sqrt(len(nodes))
        if len(nodes) == 1:
            pos = {next(iter(nodes)): (0.0, 0.0)}
        elif len(nodes) == 2:
            a, b = sorted(nodes)
            pos = {a: (0.0, 0.0), b: (1.0, 0.0)}
        elif len(nodes) <= 120:
            pos = nx.kamada_kawai_layout(sub, weight=None)      # hops, not record counts, set distance
        else:
            pos = nx.spring_layout(sub, seed=7, iterations=200, weight=None)
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
        scaled = {n: ((p[0] - min(xs)) / span * side, (p[1] - min(ys)) / span * side) for n, p in pos.items()}
        w = max(p[0] for p in scaled.values())
        h = max(p[1] for p in scaled.values())
        boxes.append((scaled, w, h))
    gap = 1.0
    total = sum((w + gap) * (h + gap) for _, w, h in boxes)
    row_width = max(max(w for _, w, _ in boxes) + gap, math.sqrt(total * width / height) * 1.1)
    placed: dict[int, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for scaled, w, h in boxes:
        if x > 0 and x + w > row_width:
            x, y, row_height = 0.0, y + row_height + gap, 0.0
        for n, (px, py) in scaled.items():
            placed[n] = (x + px, y + py)
        x += w + gap
        row_height = max(row_height, h)
    max_x = max(p[0] for p in placed.values()) or 1.0
    max_y = max(p[1] for p in placed.values()) or 1.0
    pad_x, pad_y = 80.0, 40.0
    # stretch to fill the page (a wide page wants a wide picture), but never more than 2:1 out of shape
    scale_x, scale_y = (width - 2 * pad_x) / max_x, (height - 2 * pad_y) / max_y
    scale_x, scale_y = min(scale_x, 2 * scale_y), min(scale_y, 2 * scale_x)
    off_x = (width - max_x * scale_x) / 2
    off_y = (height - max_y * scale_y) / 2
    # rows run top to bottom on the page, so the biggest group sits top left
    return {n: (off_x + p[0] * scale_x, height - off_y - p[1] * scale_y) for n, p in placed.items()}


def spread(pos: dict[int, tuple[float, float]], widths: dict[int, float], height: float, box_w: float,
           box_h: float, rounds: int = 400) -> dict[int, tuple[float, float]]:
    """Push apart nodes whose label boxes overlap (each box: the label's width by `height`), inside the area."""
    nodes = sorted(pos)
    xy = {n: list(pos[n]) for n in nodes}
    margin_x, margin_y = 40.0, 20.0
    for _ in range(rounds):
        moved = False
        for i, a in enumerate(nodes):
            for b in nodes[i + 1:]:
                dx = xy[b][0] - xy[a][0]
                dy = xy[b][1] - xy[a][1]
                need_x = (widths[a] + widths[b]) / 2
                if abs(dx) >= need_x or abs(dy) >= height:
                    continue
                over_x, over_y = need_x - abs(dx), height - abs(dy)
                moved = True
                if over_y <= over_x:
                    shift = over_y / 2 + 0.5
                    sign = 1.0 if dy > 0 or (dy == 0 and a < b) else -1.0
                    xy[a][1] -= sign * shift
                    xy[b][1] += sign * shift
                else:
                    shift = over_x / 2 + 0.5
                    sign = 1.0 if dx > 0 or (dx == 0 and a < b) else -1.0
                    xy[a][0] -= sign * shift
                    xy[b][0] += sign * shift
        for n in nodes:
            half = widths[n] / 2
            xy[n][0] = min(max(xy[n][0], margin_x + half - 30), box_w - margin_x - half + 30)
            xy[n][1] = min(max(xy[n][1], margin_y + 14), box_h - margin_y)
        if not moved:
            break
    return {n: (xy[n][0], xy[n][1]) for n in nodes}


def _shape(kind: str, x: float, y: float, r: float, fill: str, stroke: str, width: float) -> list:
    common = {"fillColor": colors.HexColor(fill), "strokeColor": colors.HexColor(stroke), "strokeWidth": width}
    if kind == "circle":
        return [Circle(x, y, r, **common)]
    if kind == "square":
        return [Rect(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8, rx=2, ry=2, **common)]
    if kind == "diamond":
        return [Polygon([x, y + r * 1.15, x + r * 1.15, y, x, y - r * 1.15, x - r * 1.15, y], **common)]
    if kind == "triangle":
        return [Polygon([x, y + r * 1.15, x + r * 1.1, y - r * 0.8, x - r * 1.1, y - r * 0.8], **common)]
    points = []
    for i in range(6):
        angle = math.pi / 6 + i * math.pi / 3
        points += [x + r * math.cos(angle), y + r * math.sin(angle)]
    return [Polygon(points, **common)]


def _edge_width(count: int) -> float:
    return min(0.7 + 0.7 * math.log2(max(count, 1)), 5.0)


def draw_chart(graph: nx.Graph, model: Model, text: ChartText) -> Drawing:
    """The whole exhibit page: header, graph, legend and footer, in points on a tabloid landscape page."""
    width, height = PAGE
    drawing = Drawing(width, height)
    drawing.initialFontName, drawing.initialFontSize = FONT, 10    # renderers start here: no stray Helvetica
    drawing.add(Rect(0, 0, width, height, fillColor=colors.white, strokeColor=None))
    _header(drawing, text)
    area_w = width - 2 * MARGIN - LEGEND_WIDTH - 12
    area_h = height - HEADER - FOOTER - 16
    ox, oy = MARGIN, FOOTER + 8
    drawing.add(Rect(ox, oy, area_w, area_h, fillColor=None, strokeColor=colors.HexColor("#bbbbbb"),
                     strokeWidth=0.6))
    radius = 11.0 if graph.number_of_nodes() <= 40 else 8.0
    label_size = 8.5 if graph.number_of_nodes() <= 40 else 7.0
    widths = {n: max(stringWidth(printable(graph.nodes[n].get("label") or str(n), 30), BOLD, label_size) + 8,
                     2 * radius + 8) for n in graph.nodes}
    placed = spread(layout(graph, area_w, area_h), widths, 2 * radius + label_size + 10, area_w, area_h)
    pos = {n: (ox + x, oy + y) for n, (x, y) in placed.items()}
    for a, b, data in sorted(graph.edges(data=True), key=lambda e: (min(e[0], e[1]), max(e[0], e[1]))):
        (x1, y1), (x2, y2) = pos[a], pos[b]
        drawing.add(Line(x1, y1, x2, y2, strokeColor=colors.HexColor("#7f8c8d"),
                         strokeWidth=_edge_width(int(data.get("count", 1)))))
    few = graph.number_of_edges() <= 30
    # a line's label is written only where it covers no entity and no other label (the table has every count)
    taken = [(x - widths[n] / 2, y - radius - label_size - 4, x + widths[n] / 2, y + radius)
             for n, (x, y) in pos.items()]
    by_count = sorted(((min(a, b), max(a, b)) for a, b in graph.edges),
                      key=lambda e: (-graph.edges[e].get("count", 1), e))
    for (a, b) in by_count:
        words = text.edge_labels.get((a, b))
        if not words or not few and graph.edges[a, b].get("count", 1) < 2:
            continue
        (x1, y1), (x2, y2) = pos[a], pos[b]
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        words = printable(words, 28)
        w = stringWidth(words, FONT, label_size - 1.5) + 4
        box = (mx - w / 2, my - 3.5, mx + w / 2, my + label_size - 3)
        if any(box[0] < t[2] and t[0] < box[2] and box[1] < t[3] and t[1] < box[3] for t in taken):
            continue
        taken.append(box)
        drawing.add(Rect(mx - w / 2, my - 3.5, w, label_size + 0.5, fillColor=colors.Color(1, 1, 1, 0.85),
                         strokeColor=None))
        drawing.add(String(mx, my - 1, words, fontName=FONT, fontSize=label_size - 1.5, textAnchor="middle",
                           fillColor=colors.HexColor("#34495e")))
    for node in sorted(graph.nodes):
        data = graph.nodes[node]
        x, y = pos[node]
        etype = model.entities.get(data.get("type") or "")
        fill = etype.colour if etype else "#999999"
        outline = OUTLINES.get(etype.shape if etype else "", "circle")
        role = data.get("role") if data.get("role") in ROLE_COLOURS else None
        stroke = ROLE_COLOURS.get(role or "", "#333333")
        for shape in _shape(outline, x, y, radius, fill, stroke, 2.6 if role else 0.8):
            drawing.add(shape)
        if data.get("minor"):
            drawing.add(Circle(x, y, radius + 4, fillColor=None, strokeColor=colors.HexColor(ROLE_COLOURS["victim"]),
                               strokeWidth=1.2, strokeDashArray=[2, 1.5]))
        label = printable(data.get("label") or str(node), 30)
        w = stringWidth(label, BOLD, label_size) + 4
        drawing.add(Rect(x - w / 2, y - radius - label_size - 4, w, label_size + 2.5,
                         fillColor=colors.Color(1, 1, 1, 0.8), strokeColor=None))
        drawing.add(String(x, y - radius - label_size - 1.5, label, fontName=BOLD, fontSize=label_size,
                           textAnchor="middle", fillColor=colors.black))
    _legend(drawing, graph, model, width - MARGIN - LEGEND_WIDTH, height - HEADER - 8)
    _footer(drawing, text)
    return drawing


def _header(drawing: Drawing, text: ChartText) -> None:
    width, height = PAGE
    drawing.add(String(MARGIN, height - 46, printable(text.title, 90), fontName=BOLD, fontSize=24,
                       fillColor=colors.black))
    drawing.add(String(MARGIN, height - 68, printable(text.subtitle, 150), fontName=FONT, fontSize=13,
                       fillColor=colors.HexColor("#333333")))
    drawing.add(String(MARGIN, height - 86, printable(text.date_range, 150), fontName=FONT, fontSize=12,
                       fillColor=colors.HexColor("#333333")))
    if text.exhibit_number:
        label = printable(f"EXHIBIT {text.exhibit_number}", 30)
        w = stringWidth(label, BOLD, 20) + 24
        drawing.add(Rect(width - MARGIN - w, height - 58, w, 34, fillColor=colors.white,
                         strokeColor=colors.black, strokeWidth=1.5))
        drawing.add(String(width - MARGIN - w / 2, height - 48, label, fontName=BOLD, fontSize=20,
                           textAnchor="middle"))


def _footer(drawing: Drawing, text: ChartText) -> None:
    width, _ = PAGE
    drawing.add(Line(MARGIN, FOOTER - 6, width - MARGIN, FOOTER - 6, strokeColor=colors.HexColor("#999999"),
                     strokeWidth=0.5))
    y = FOOTER - 20
    for line in text.footer.split("\n")[:2]:
        drawing.add(String(MARGIN, y, printable(line, 200), fontName=FONT, fontSize=8.5,
                           fillColor=colors.HexColor("#333333")))
        y -= 11


def _legend(drawing: Drawing, graph: nx.Graph, model: Model, x: float, top: float) -> None:
    types = Counter(graph.nodes[n].get("type") for n in graph.nodes)
    roles = Counter(graph.nodes[n].get("role") for n in graph.nodes if graph.nodes[n].get("role") in ROLE_COLOURS)
    minors = sum(1 for n in graph.nodes if graph.nodes[n].get("minor"))
    y = top
    drawing.add(String(x, y - 14, "Legend", fontName=BOLD, fontSize=14))
    y -= 36
    drawing.add(String(x, y, "Entity types", fontName=BOLD, fontSize=10.5))
    y -= 20
    for name in sorted(t for t in types if t):
        etype = model.entities.get(name)
        outline = OUTLINES.get(etype.shape if etype else "", "circle")
        for shape in _shape(outline, x + 8, y + 3, 7, etype.colour if etype else "#999999", "#333333", 0.8):
            drawing.add(shape)
        drawing.add(String(x + 24, y, f"{name} ({types[name]})", fontName=FONT, fontSize=10))
        y -= 20
    if roles or minors:
        y -= 6
        drawing.add(String(x, y, "Roles (outline)", fontName=BOLD, fontSize=10.5))
        y -= 20
        for role in ROLE_COLOURS:
            if roles.get(role):
                drawing.add(Circle(x + 8, y + 3, 7, fillColor=colors.white,
                                   strokeColor=colors.HexColor(ROLE_COLOURS[role]), strokeWidth=2.6))
                drawing.add(String(x + 24, y, f"{ROLE_WORDS[role]} ({roles[role]})", fontName=FONT, fontSize=10))
                y -= 20
        if minors:
            drawing.add(Circle(x + 8, y + 3, 8, fillColor=None, strokeColor=colors.HexColor(ROLE_COLOURS["victim"]),
                               strokeWidth=1.2, strokeDashArray=[2, 1.5]))
            drawing.add(String(x + 24, y, f"Minor ({minors})", fontName=FONT, fontSize=10))
            y -= 20
    y -= 6
    drawing.add(String(x, y, "Lines (records summarised)", fontName=BOLD, fontSize=10.5))
    y -= 18
    for count in (1, 10, 100):
        drawing.add(Line(x, y + 3, x + 34, y + 3, strokeColor=colors.HexColor("#7f8c8d"),
                         strokeWidth=_edge_width(count)))
        drawing.add(String(x + 42, y, f"{count} record{'s' if count > 1 else ''}", fontName=FONT, fontSize=10))
        y -= 18
    y -= 4
    for line in ("Each line is backed by the source", "table: file, SHA-256, row and the", "original values."):
        drawing.add(String(x, y, line, fontName=FONT, fontSize=9, fillColor=colors.HexColor("#555555")))
        y -= 12


def _rgb(colour: colors.Color | None) -> tuple[int, int, int] | None:
    """A reportlab colour as 8-bit RGB, any transparency blended onto the white page."""
    if colour is None:
        return None
    alpha = getattr(colour, "alpha", 1.0)
    return tuple(int(round(255 * (c * alpha + (1 - alpha)))) for c in (colour.red, colour.green, colour.blue))


def _font(name: str, size: float) -> ImageFont.FreeTypeFont:
    """The PDF's own embedded font files, for the bitmap."""
    loaded = fonts()
    path = loaded.files[1] if name == loaded.bold else loaded.files[0]
    return ImageFont.truetype(str(path), max(1, int(round(size))))


def to_png(drawing: Drawing, path: Path, dpi: int = 300) -> Path:
    """Paint the drawing's shapes (rectangles, circles, polygons, lines, text) into a PNG at `dpi`."""
    scale = dpi / 72.0
    width, height = int(round(drawing.width * scale)), int(round(drawing.height * scale))
    image = Image.new("RGB", (width, height), "white")
    pen = ImageDraw.Draw(image)

    def xy(x: float, y: float) -> tuple[float, float]:
        return x * scale, height - y * scale

    for shape in drawing.contents:
        stroke = _rgb(getattr(shape, "strokeColor", None))
        line = max(1, int(round((getattr(shape, "strokeWidth", 1) or 0) * scale))) if stroke else 0
        fill = _rgb(getattr(shape, "fillColor", None))
        if isinstance(shape, Rect):
            (x0, y1), (x1, y0) = xy(shape.x, shape.y), xy(shape.x + shape.width, shape.y + shape.height)
            pen.rectangle([x0, y0, x1, y1], fill=fill, outline=stroke, width=line)
        elif isinstance(shape, Circle):
            cx, cy = xy(shape.cx, shape.cy)
            r = shape.r * scale
            box = [cx - r, cy - r, cx + r, cy + r]
            if getattr(shape, "strokeDashArray", None):
                pen.ellipse(box, fill=fill)
                for start in range(0, 360, 24):
                    pen.arc(box, start, start + 14, fill=stroke, width=line)
            else:
                pen.ellipse(box, fill=fill, outline=stroke, width=line)
        elif isinstance(shape, Polygon):
            points = [xy(shape.points[i], shape.points[i + 1]) for i in range(0, len(shape.points), 2)]
            pen.polygon(points, fill=fill, outline=stroke, width=line)
        elif isinstance(shape, Line):
            pen.line([xy(shape.x1, shape.y1), xy(shape.x2, shape.y2)], fill=stroke, width=line)
        elif isinstance(shape, String):
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}.get(shape.textAnchor, "ls")
            pen.text(xy(shape.x, shape.y), shape.text, font=_font(shape.fontName, shape.fontSize * scale),
                     fill=_rgb(shape.fillColor) or (0, 0, 0), anchor=anchor)
    image.save(path, format="PNG", dpi=(dpi, dpi), optimize=True)
    return path
