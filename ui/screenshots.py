"""Screenshots of the main views on the sample case, for a person to look at: `python -m ui.screenshots OUTDIR`.

Run it under a real X server so fonts and styles are the ones a user sees, e.g.
`xvfb-run -s "-screen 0 1366x768x24" python -m ui.screenshots screenshots/`. It builds the sample
case in OUTDIR, opens it in a window filling the screen (a laptop's 1366x768, a desktop's 1920x1080),
runs the analysis, selects the controller, and saves one PNG per view (the screen's size in each name).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget


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
    free = app.primaryScreen().availableGeometry()
    window.resize(free.width(), free.height())             # the window filling the screen, as a user has it
    window.show()
    tag = f"{app.primaryScreen().size().width()}x{app.primaryScreen().size().height()}"
    written = [_save(app, window, outdir / f"01_start_page_{tag}.png")]

    window.open_case(case_path)
    _settle(app, 1.0)
    written.append(_save(app, window, outdir / f"02_chart_on_opening_{tag}.png"))
    job = window.run_analysis()
    _wait(app, lambda: job is not None and job.outcome is not None and not window.jobs)
    _settle(app, 0.5)
    written.append(_save(app, window, outdir / f"03_chart_after_analysis_{tag}.png"))
    chart = window.chart_panel.chart
    chart.legend.user_folded = False
    chart.legend.fit_parent()
    written.append(_save(app, window.chart_panel, outdir / f"04_chart_legend_open_{tag}.png"))
    chart.legend.user_folded = None
    chart.legend.fit_parent()
    window.chart_panel.colour_box.setCurrentIndex(window.chart_panel.colour_box.findData("community"))
    written.append(_save(app, window.chart_panel, outdir / f"05_chart_by_group_{tag}.png"))
    window.chart_panel.colour_box.setCurrentIndex(window.chart_panel.colour_box.findData("role"))
    chart.zoom_by(2.5)
    written.append(_save(app, window.chart_panel, outdir / f"06_chart_zoomed_in_{tag}.png"))
    chart.fit()

    case = window.case
    haskins = next(e.id for e in case.entities("Person") if e.label == "Darnell Haskins")
    window.select([haskins])
    window.inspector.tabs.setCurrentIndex(1)
    window.inspector.links.selectRow(0)
    written.append(_save(app, window, outdir / f"07_selected_controller_centred_{tag}.png"))
    written.append(_save(app, window.docks["inspector"], outdir / f"08_inspector_provenance_{tag}.png"))

    panel = window.analysis_panel
    panel.tabs.setCurrentIndex(2)                 # number swaps
    table = panel.tables["replacements"]
    if table.model().rowCount():
        table.selectRow(0)
        panel._clicked(table, 0)
    written.append(_save(app, window, outdir / f"09_number_swap_selected_{tag}.png"))

    window.docks["timeline"].raise_()
    written.append(_save(app, window, outdir / f"10_timeline_{tag}.png"))
    window.docks["map"].raise_()
    written.append(_save(app, window, outdir / f"11_map_{tag}.png"))
    window.docks["analysis"].raise_()
    for view in ("entities", "ad_phones"):
        window.chart_panel.view_box.setCurrentIndex(window.chart_panel.view_box.findData(view))
        _settle(app, 0.5)
        written.append(_save(app, window.chart_panel, outdir / f"12_chart_view_{view}_{tag}.png"))
    window.chart_panel.view_box.setCurrentIndex(window.chart_panel.view_box.findData("persons"))
    from ui.main_window import ExportDialog

    dialog = ExportDialog("exhibit", outdir / "exhibit", len(window.selection), window,
                          on_chart=len(chart.shown_entities()), view=window.chart_panel.view_box.currentText())
    dialog.show()
    written.append(_save(app, dialog, outdir / f"13_export_dialog_{tag}.png"))
    dialog.reject()

    from sample_cases.build import sample_dir

    wizard = window.import_dialog(sample_dir() / "associates.csv")
    if wizard is not None:
        wizard.resize(1200, 720)
        _wait(app, lambda: wizard.preview is not None and not wizard.previewing)
        written.append(_save(app, wizard, outdir / f"14_import_wizard_{tag}.png"))
        wizard.reject()

    window.activateWindow()
    window.search.setFocus()
    window.search.setText("209 555 0144")
    window.search.search()
    window.search.completer_.complete()           # a user's typing opens it; here focus may not follow
    _settle(app)
    shot = app.primaryScreen().grabWindow(0)      # the whole screen: the matches list is its own popup window
    shot.save(str(outdir / f"15_search_{tag}.png"))
    written.append(outdir / f"15_search_{tag}.png")
    window.close()
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    outdir = Path(args[0] if args else "screenshots")
    take(outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
