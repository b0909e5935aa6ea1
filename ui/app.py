"""The desktop app's entry points (`linkgraph gui [CASE]`, `linkgraph-gui`) and its error dialogs.

Errors reach the user as a dialog with one plain sentence and what to do next; the full
traceback of an unexpected error goes to a log file, never to the screen.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from linkgraph.errors import LinkgraphError

APP_NAME = "linkgraph"
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


def main(argv: Sequence[str] | None = None) -> int:
    """Start the app; `argv` may hold one case file to open. Returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    app = application()
    install_error_handling()
    from ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    cases = [a for a in args if not a.startswith("-")]
    if cases:
        window.open_case(Path(cases[0]))
    return int(app.exec())


def run() -> None:
    """The `linkgraph-gui` script."""
    sys.exit(main())
