"""Screenshots of the main views on the sample case, for a person to look at: `python -m ui.screenshots OUTDIR`.

Run it under a real X server so fonts and styles are the ones a user sees, e.g.
`xvfb-run -s "-screen 0 1600x1000x24" python -m ui.screenshots screenshots/`. It builds the sample
case in OUTDIR, opens it, runs the analysis, selects the controller, and saves one PNG per view.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

SIZE = (1560, 960)
SCREEN = (1600, 1000)


def _wait(app: QApplication, done: Callable[[], bool], timeout: float = 120.0) -> None:
    """Let the event loop run until `done()` (or fail after `timeout` seconds)."""
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the app did not finish in time")
        app.processEvents()
        time.sleep(0.01)


def _settle(app: QApplication, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def _save(app: QApplication, widget: QWidget, path: Path) -> Path:
    _settle(app)
    pixmap = widget.grab()
    if not pixmap.save(str(path)):
        raise OSError(f"cannot write {path}")
    print(f"wrote {path} ({pixmap.width()}x{pixmap.height()})")
    return path


def take(outdir: Path) -> list[Path]:
    """Build the sample case, drive the app through its main views and save a PNG of each."""
    from sample_cases.build import build_case
    from ui.app import application, install_error_handling
    from ui.main_window import MainWindow
    from ui.settings import Settings

    outdir.mkdir(parents=True, exist_ok=True)
    app = application()
    install_error_handling()
    work = Path(tempfile.mkdtemp(prefix="linkgraph-shots-"))
    settings = Settings(QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
    case_path = outdir / "crossroads.lgcase"
    build_case(case_path, review=True)
    settings.add_recent(case_path)

    window = MainWindow(settings)
    window.resize(*SIZE)
    window.show()
    written = [_save(app, window, outdir / "01_start_page.png")]

    window.open_case(case_path)
    _settle(app, 1.0)
    job = window.run_analysis()
    _wait(app, lambda: job is not None and job.outcome is not None and not window.jobs)
    window.chart_panel.chart.fit()
    written.append(_save(app, window, outdir / "02_chart_after_analysis.png"))

    case = window.case
    haskins = next(e.id for e in case.entities("Person") if e.label == "Darnell Haskins")
    window.select([haskins])
    window.inspector.tabs.setCurrentIndex(1)
    window.inspector.links.selectRow(0)
    written.append(_save(app, window, outdir / "03_selected_controller_inspector.png"))
    written.append(_save(app, window.docks["inspector"], outdir / "04_inspector_provenance.png"))

    panel = window.analysis_panel
    panel.tabs.setCurrentIndex(2)                 # number swaps
    table = panel.tables["replacements"]
    if table.model().rowCount():
        table.selectRow(0)
        panel._clicked(table, 0)
    written.append(_save(app, window, outdir / "05_number_swap_selected.png"))

    window.docks["timeline"].raise_()
    written.append(_save(app, window.docks["timeline"], outdir / "06_timeline.png"))
    window.docks["map"].raise_()
    written.append(_save(app, window.docks["map"], outdir / "07_map.png"))

    from sample_cases.build import sample_dir

    wizard = window.import_dialog(sample_dir() / "associates.csv")
    if wizard is not None:
        wizard.resize(1200, 720)
        _wait(app, lambda: wizard.preview is not None and not wizard.previewing)
        written.append(_save(app, wizard, outdir / "08_import_wizard.png"))
        wizard.reject()

    window.activateWindow()
    window.search.setFocus()
    window.search.setText("209 555 0144")
    window.search.search()
    window.search.completer_.complete()           # a user's typing opens it; here focus may not follow
    _settle(app)
    shot = app.primaryScreen().grabWindow(0)      # the whole screen: the matches list is its own popup window
    shot.save(str(outdir / "09_search.png"))
    written.append(outdir / "09_search.png")
    window.close()
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    outdir = Path(args[0] if args else "screenshots")
    take(outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
