"""The desktop app's entry points (`linkgraph gui [CASE]`, `linkgraph-gui`) and its error dialogs.

Errors reach the user as a dialog with one plain sentence and what to do next; the full
traceback of an unexpected error goes to a log file, never to the screen.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from linkgraph.errors import LinkgraphError

APP_NAME = "linkgraph"
SMOKE_SETTLE_MS = 1500     # --smoke: the window is mapped and painted well within this
log = logging.getLogger("linkgraph.ui")


def error_text(error: BaseException | str) -> tuple[str, str]:
    """The title and sentence shown for an error: the library's own message, or a plain one for a bug."""
    if isinstance(error, str):
        return "linkgraph", error
    if isinstance(error, LinkgraphError):
        return "linkgraph", str(error)
    if isinstance(error, OSError):
        where = f" ({error.filename})" if getattr(error, "filename", None) else ""
        return "File problem", (f"{error.strerror or error}{where}. Check the file exists, is not open in "
                                "another program, and that you may write to its folder.")
    return "Unexpected error", (
        f"Something went wrong that linkgraph did not expect: {type(error).__name__}: {error}. "
        f"Your case file is safe (every change is saved in one step or not at all). "
        f"Details were written to {log_path()}; send that file to support if it happens again."
    )


def show_error(parent: QWidget | None, error: BaseException | str) -> None:
    """Show an error as a dialog the user can act on (never a traceback)."""
    title, text = error_text(error)
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if QApplication.platformName() in ("offscreen", "minimal"):
        box.setObjectName("errorDialog")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()          # headless (tests): no modal loop; the text is kept for them to read
        _shown.append(text)
        return
    box.exec()


_shown: list[str] = []


def shown_errors() -> list[str]:
    """Texts of error dialogs shown on a headless platform (for tests), oldest first."""
    return list(_shown)


def log_path() -> Path:
    from ui.settings import data_dir

    return data_dir() / "linkgraph-gui.log"


def _excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """Uncaught errors in Qt slots: log the traceback, show the sentence."""
    if issubclass(kind, KeyboardInterrupt):
        QCoreApplication.quit()
        return
    if not isinstance(value, LinkgraphError):
        log.error("uncaught error\n%s", "".join(traceback.format_exception(kind, value, tb)))
    app = QApplication.instance()
    parent = app.activeWindow() if isinstance(app, QApplication) else None
    if app is None:
        sys.__excepthook__(kind, value, tb)
        return
    show_error(parent, value)


def install_error_handling() -> None:
    """Route uncaught exceptions to dialogs and write details to the log file."""
    handler = logging.FileHandler(log_path(), encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if not any(isinstance(h, logging.FileHandler) for h in log.handlers):
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    sys.excepthook = _excepthook


def application(argv: Sequence[str] | None = None) -> QApplication:
    """The one QApplication (made if needed), named so QSettings finds this app's settings."""
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else APP_NAME, *(argv or [])])
    return app  # type: ignore[return-value]


# Qt's xcb platform plugin (a real X11 display) loads these libraries; a fresh Debian desktop may lack
# some. soname -> the Debian/Ubuntu package that brings it.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0", "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0", "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0", "libxcb-xfixes.so.0": "libxcb-xfixes0", "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-sync.so.1": "libxcb-sync1", "libxcb-shm.so.0": "libxcb-shm0", "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0", "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1", "libfontconfig.so.1": "libfontconfig1",
}


def missing_system_packages(env: dict[str, str] | None = None) -> list[str]:
    """The Debian packages Qt's X11 plugin needs that this machine lacks (empty off Linux, or when another
    platform plugin is chosen): Qt itself would only abort with "could not load the Qt platform plugin"."""
    import ctypes

    env = dict(os.environ if env is None else env)
    platform = env.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux") or platform not in ("", "xcb") or (not platform and not env.get("DISPLAY")):
        return []
    missing = []
    for soname, package in XCB_LIBRARIES.items():
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing.append(package)
    return missing


def _smoke_report(window: Any, report: Path) -> None:
    """What a user would see, as data: the platform, the window on screen, the chart's entities and how
    much of the chart is drawn (pixels that differ from the background), with a screenshot beside it.
    `linkgraph gui --smoke REPORT.json CASE` writes it and quits (CI proves the real app starts)."""
    import json

    import numpy as np

    app = QApplication.instance()
    chart = window.chart_panel.chart
    screen = window.screen() or app.primaryScreen()
    shot = screen.grabWindow(window.winId())           # read back from the display server, not from Qt's buffer
    shot_path = report.with_suffix(".png")
    shot.save(str(shot_path))
    image = chart.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), dtype=np.uint32, count=image.width() * image.height())
    background = chart.scene().backgroundBrush().color().rgb()
    handle = window.windowHandle()
    data = {
        "platform": app.platformName(),
        "window_visible": window.isVisible(),
        "window_exposed": bool(handle is not None and handle.isExposed()),
        "window_size": [window.width(), window.height()],
        "screen_size": [screen.size().width(), screen.size().height()],
        "case": str(window.case.path) if window.case is not None else None,
        "entities_on_chart": len(chart.items_by_id),
        "ties_on_chart": chart.graph.number_of_edges(),
        "labels_shown": sum(1 for label in chart.labels.values() if label.isVisible()),
        "chart_pixels": int(image.width() * image.height()),
        "chart_pixels_drawn": int(np.count_nonzero((pixels & 0xFFFFFF) != (background & 0xFFFFFF))),
        "screenshot": str(shot_path),
        "errors": shown_errors(),
    }
    report.write_text(json.dumps(data, indent=2), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Start the app; `argv` may hold one case file to open, and `--smoke REPORT.json` (open the case, write
    what was shown to REPORT.json and a screenshot beside it, quit). Returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    smoke: Path | None = None
    if "--smoke" in args:
        at = args.index("--smoke")
        smoke = Path(args[at + 1])
        del args[at:at + 2]
    app = application()
    install_error_handling()
    from ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    cases = [a for a in args if not a.startswith("-")]
    if cases:
        window.open_case(Path(cases[0]))
    if smoke is not None:
        def finish() -> None:
            try:
                _smoke_report(window, smoke)
            finally:
                window.close()
                app.exit(0)

        QTimer.singleShot(SMOKE_SETTLE_MS, finish)
    return int(app.exec())


def run() -> None:
    """The `linkgraph-gui` script."""
    sys.exit(main())
