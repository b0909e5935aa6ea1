"""How fast the desktop chart is: opens a 10,000-entity / 30,000-link case offscreen and times the chart.

    QT_QPA_PLATFORM=offscreen python benchmarks/gui.py [--entities 10000] [--links 30000] [--keep DIR]

Targets (issues 8 and 20): the case opened and the chart shown in <= 3 s (100,000 entities: <= 5 s); zooming and
panning redraws in <= 50 ms per frame (wheel steps on a big chart scale a snapshot; the full frame when the wheel
stops is timed on its own line); every layout <= 10 s. The case is seeded (the same
arguments give the same case): calling groups of about fifty phones, persons who use them,
hotels and ads, with ties mostly inside a group. Frame times run from a wheel or pan step to its frame
painted (`viewport().repaint()`, synchronous), plus frames with the link layer's cache dropped. Prints the figures
and the machine; the open and the layouts also in CPU seconds of this process, which on a shared, loaded
machine are close to what the wall clock gives on an idle one (the work is single-threaded).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import __version__ as pyside_version  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from linkgraph.case import CaseFile, ImportSession  # noqa: E402

START = 1_709_280_000          # 2024-03-01 UTC
DAY = 86_400
GROUP = 50


def generate(path: Path, entities: int, links: int, seed: int = 8) -> Path:
    """A seeded case of `entities` entities (phones, persons, hotels, ads) and `links` distinct ties."""
    rng = np.random.default_rng(seed)
    source = path.with_suffix(".records.txt")
    source.write_text(f"synthetic chart benchmark {entities} {links} {seed}\n", encoding="utf-8")
    with CaseFile.create(path, name="chart benchmark", timezone="America/Los_Angeles") as case:
        with ImportSession(case, source, kind="links") as session:
            session.set_header(["synthetic"], 1)
            session.raw_row(2, ["synthetic record"])
            ids = []
            for i in range(entities):
                slot = i % GROUP
                if slot < 8:
                    ids.append(session.entity("Person", None, f"Person {i}", row=2,
                                              role="suspect" if slot == 0 else "victim" if slot == 7 else None,
                                              minor=slot == 7 and i % 3 == 0))
                elif slot == 8:
                    ids.append(session.entity("Hotel", None, f"Motel {i}", row=2))
                elif slot < 12:
                    ids.append(session.entity("Ad", f"ad:{i}", f"ad {i}", row=2))
                else:
                    ids.append(session.entity("Phone", f"+1{2_000_000_000 + i * 7 + 3}", f"phone {i}", row=2,
                                              attrs={"kind": "mobile_or_fixed"}))
            n = len(ids)
            pairs: set[tuple[int, int]] = set()
            while len(pairs) < links:
                a = rng.integers(0, n, links)
                inside = rng.random(links) < 0.9
                b = np.where(inside, (a // GROUP) * GROUP + rng.integers(0, GROUP, links), rng.integers(0, n, links))
                b = np.minimum(b, n - 1)
                for x, y in zip(a.tolist(), b.tolist(), strict=True):
                    if x != y:
                        pairs.add((min(x, y), max(x, y)))
                    if len(pairs) == links:
                        break
            ordered = sorted(pairs)
            starts = START + rng.integers(0, 90 * DAY, len(ordered))
            session.links_bulk(
                ("call", ids[a], ids[b], int(t), None, 60.0, None, None, None, float(1 + (a + b) % 4), None, 2)
                for (a, b), t in zip(ordered, starts.tolist(), strict=True)
            )
    return path


def machine() -> str:
    return (f"{platform.platform()} · {os.cpu_count()} CPUs · Python {platform.python_version()} · "
            f"PySide6 {pyside_version} · {os.environ.get('QT_QPA_PLATFORM')} · load average {os.getloadavg()[0]:.1f}")


def floor_ms(repeat: int = 5) -> float:
    """The machine's floor now: milliseconds to draw 10,000 seeded one-pixel lines (up to 400 px) into a
    1600x1000 image with Qt's raster engine (median of `repeat`). Frames are also given as multiples of it,
    which a loaded machine changes less than the milliseconds."""
    from PySide6.QtCore import QLineF
    from PySide6.QtGui import QColor, QImage, QPainter, QPen

    rng = np.random.default_rng(1)
    a = rng.uniform(0, 1600, (10_000, 2))
    b = a + rng.uniform(-200, 200, (10_000, 2))
    lines = [QLineF(x1, y1, x2, y2) for (x1, y1), (x2, y2) in zip(a.tolist(), b.tolist(), strict=True)]
    image = QImage(1600, 1000, QImage.Format.Format_RGB32)
    times = []
    for _ in range(repeat):
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setPen(QPen(QColor("#999999"), 1))
        start = time.perf_counter()
        painter.drawLines(lines)
        painter.end()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def step_frame(app: QApplication, view, action) -> float:
    """Milliseconds from an action (a zoom or pan step) to its frame fully painted: the action, then a
    synchronous repaint of the view. Pending events are handled before the clock starts, never inside."""
    app.processEvents()
    start = time.perf_counter()
    action()
    view.viewport().repaint()
    return (time.perf_counter() - start) * 1000


def cold_frame(app: QApplication, view) -> float:
    """Milliseconds of one repaint with the link layer's cache thrown away (the worst case of any frame)."""
    app.processEvents()
    view.edges.drop_cache()
    start = time.perf_counter()
    view.viewport().repaint()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--links", type=int, default=30_000)
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the generated case in")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="linkgraph-gui-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"chart-{args.entities}-{args.links}.lgcase"
    print(machine())
    if not path.exists():
        began = time.perf_counter()
        generate(path, args.entities, args.links)
        print(f"generated {path.name} in {time.perf_counter() - began:.1f} s")

    app = QApplication.instance() or QApplication([])
    from ui.chart.panel import ChartPanel

    panel = ChartPanel()
    panel.resize(1600, 1000)
    panel.show()
    app.processEvents()
    began, cpu = time.perf_counter(), time.process_time()
    case = CaseFile.open(path, read_only=True)
    panel.set_case(case)
    app.processEvents()
    panel.chart.viewport().repaint()
    shown, shown_cpu = time.perf_counter() - began, time.process_time() - cpu
    chart = panel.chart
    print(f"chart: {len(chart.shown_entities()):,} entities, {chart.edges.link_count():,} ties")
    print(f"open case + chart shown: {shown:.2f} s, {shown_cpu:.2f} s of CPU (target <= 3 s; 100,000: <= 5 s)")

    floor = floor_ms()
    print(f"floor (10,000 lines into an image): {floor:.1f} ms")
    rows = []
    chart.fit()
    rows.append(("whole chart, cache cold", chart.zoom(), [cold_frame(app, chart) for _ in range(3)]))
    zoom_in = [step_frame(app, chart, lambda: chart.zoom_by(1.25, interactive=True)) for _ in range(20)]
    rows.append(("wheel zoom in, 20 steps", chart.zoom(), zoom_in))
    rows.append(("full frame as the wheel stops", chart.zoom(), [step_frame(app, chart, chart.settle)]))
    rows.append(("zoomed in, cache cold", chart.zoom(), [cold_frame(app, chart) for _ in range(3)]))
    bar = chart.horizontalScrollBar()
    pan = [step_frame(app, chart, lambda: bar.setValue(bar.value() + 60)) for _ in range(20)]
    rows.append(("pan zoomed in, 20 steps", chart.zoom(), pan))
    zoom_out = [step_frame(app, chart, lambda: chart.zoom_by(0.8, interactive=True)) for _ in range(20)]
    rows.append(("wheel zoom out, 20 steps", chart.zoom(), zoom_out))
    rows.append(("full frame as the wheel stops", chart.zoom(), [step_frame(app, chart, chart.settle)]))
    pan = [step_frame(app, chart, lambda: bar.setValue(bar.value() - 60)) for _ in range(20)]
    rows.append(("pan zoomed out, 20 steps", chart.zoom(), pan))
    chart.fit()
    chart.zoom_by(4.0)
    rows.append(("mid zoom, cache cold", chart.zoom(), [cold_frame(app, chart) for _ in range(3)]))
    worst = 0.0
    print(f"{'frame':<30}{'zoom at end':>12}{'median ms':>11}{'max ms':>9}{'max/floor':>11}")
    for name, zoom, times in rows:
        worst = max(worst, max(times))
        print(f"{name:<30}{zoom:>12.3f}{statistics.median(times):>11.1f}{max(times):>9.1f}{max(times) / floor:>11.1f}")
    print(f"worst frame: {worst:.1f} ms = {worst / floor:.1f} floors (target <= 50 ms); floor after: {floor_ms():.1f} ms")
    for name in ("circular", "hierarchical", "peacock", "force"):
        began, cpu = time.perf_counter(), time.process_time()
        chart.set_layout(name)
        print(f"layout {name}: {time.perf_counter() - began:.2f} s, {time.process_time() - cpu:.2f} s of CPU "
              "(layout + moving the items)")
    case.close()


if __name__ == "__main__":
    main()
