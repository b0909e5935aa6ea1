"""What the app remembers between runs: window geometry and dock layout, recent cases, the last folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QMainWindow

RECENT_LIMIT = 10


class Settings:
    """A thin, typed face over QSettings (one per app; tests pass their own ini file)."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store or QSettings("linkgraph", "linkgraph")

    # ---- recent cases ------------------------------------------------------------------
    def recent_cases(self) -> list[Path]:
        """Recently opened case files that still exist, newest first."""
        value = self.store.value("recent_cases", [])
        if isinstance(value, str):
            value = [value]
        return [Path(p) for p in (value or []) if Path(p).is_file()]

    def add_recent(self, path: Path) -> None:
        """Put a case at the top of the recent list."""
        path = Path(path).resolve()
        paths = [str(path)] + [str(p) for p in self.recent_cases() if p.resolve() != path]
        self.store.setValue("recent_cases", paths[:RECENT_LIMIT])
        self.store.sync()

    def forget_recent(self, path: Path) -> None:
        """Drop a case from the recent list (e.g. it was moved or deleted)."""
        path = Path(path).resolve()
        self.store.setValue("recent_cases", [str(p) for p in self.recent_cases() if p.resolve() != path])
        self.store.sync()

    # ---- folders -----------------------------------------------------------------------
    def last_folder(self) -> str:
        """The folder the last file dialog ended in (home the first time)."""
        return str(self.store.value("last_folder", str(Path.home())))

    def set_last_folder(self, path: Path) -> None:
        folder = Path(path)
        self.store.setValue("last_folder", str(folder if folder.is_dir() else folder.parent))

    # ---- window ------------------------------------------------------------------------
    def save_window(self, window: QMainWindow) -> None:
        """Keep the window's size, position and dock layout."""
        self.store.setValue("window/geometry", window.saveGeometry())
        self.store.setValue("window/state", window.saveState())
        self.store.sync()

    def restore_window(self, window: QMainWindow) -> bool:
        """Put the window back as it was; False when there is nothing saved."""
        restored = False
        if self.store.contains("window/geometry"):
            restored = bool(window.restoreGeometry(self.store.value("window/geometry")))
        if self.store.contains("window/state"):
            window.restoreState(self.store.value("window/state"))
        return restored


def data_dir() -> Path:
    """Where the app keeps its own files (the built sample case, the error log)."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    folder = Path(base) if base else Path.home() / ".linkgraph"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
