"""The main window: menus, the start page or the chart, docks for the inspector, analysis, notes, map
and timeline, the search box, undo/redo, drag-and-drop import, and the status bar.

Selection is shared: the chart, the analysis panel, the search box and the inspector's links all
end in `select()`, which tells every view. Edits and merges go through the undo stack
(`ui.undo`); long work (imports, analysis, exports, the sample case) runs on `ui.workers` jobs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from linkgraph.case import CaseFile
from linkgraph.case.case_file import NotACaseFile
from linkgraph.case.merges import merges
from linkgraph.errors import CaseFileError, LinkgraphError
from linkgraph.exports import EXPORT_FORMATS, ExportOptions
from linkgraph.graph import GraphFilter
from linkgraph.workspace import Workspace
from ui import workers
from ui.analysis_panel import AnalysisPanel
from ui.app import show_error
from ui.chart.panel import ChartPanel
from ui.import_wizard import ImportWizard
from ui.inspector import Inspector
from ui.map_view import MapView
from ui.notes import NotesPanel
from ui.search_box import SearchBox
from ui.settings import Settings, data_dir
from ui.start_page import StartPage
from ui.timeline_view import TimelineView
from ui.undo import EditEntityCommand, MergeCommand, UnmergeCommand, perform

CASE_FILTER = "linkgraph cases (*.lgcase);;All files (*)"
ZONES = ["America/Los_Angeles", "America/Denver", "America/Phoenix", "America/Chicago", "America/New_York",
         "America/Anchorage", "Pacific/Honolulu", "UTC", "Europe/London"]
SAMPLE_NAME = "operation-crossroads.lgcase"
NAMES_TITLE = "Comparing names"


def fmt_charts(fmt: str) -> bool:
    """Formats that draw a chart and cap its size by default (the exhibit): given the chart's entities, all show."""
    return fmt == "exhibit"


class NewCaseDialog(QDialog):
    """Name, time zone, phone region and agency of a new case."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New case")
        self.name = QLineEdit(path.stem.replace("-", " ").replace("_", " "))
        self.zone = QComboBox()
        self.zone.setEditable(True)
        from linkgraph.case.case_file import machine_timezone

        here = machine_timezone()
        self.zone.addItems([here, *(z for z in ZONES if z != here)])       # this computer's zone first
        self.region = QLineEdit("US")
        self.agency = QLineEdit()
        form = QFormLayout(self)
        form.addRow("File", QLabel(str(path)))
        form.addRow("Case name", self.name)
        form.addRow("Time zone of the case", self.zone)
        form.addRow("Phone region (for local numbers)", self.region)
        form.addRow("Agency", self.agency)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class ExportDialog(QDialog):
    """Where to write an export and what to put in it: what is on the chart (its view, filters and the entities
    shown) by default, the selection, or the whole case; the exhibit number; victims redacted by default for
    exhibits."""

    def __init__(self, fmt: str, start: Path, selected: int, parent: QWidget | None = None, *,
                 on_chart: int = 0, view: str = "entities") -> None:
        super().__init__(parent)
        self.fmt = fmt
        self.setWindowTitle(f"Export: {EXPORT_FORMATS[fmt].title}")
        self.out = QLineEdit(str(start))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        self.title = QLineEdit()
        self.exhibit_number = QLineEdit()
        self.exhibit_number.setPlaceholderText("e.g. 14 or GX-14 (printed on every page)")
        self.scope = QComboBox()
        self.scope.addItem(f"What is on the chart: {on_chart:,} entities, {view} view, its filters", "chart")
        if selected:
            self.scope.addItem(f"Only the {selected} selected entities", "selected")
        self.scope.addItem("The whole case (entities view, no filters)", "case")
        self.redact = QCheckBox("Replace victims' and minors' identities with pseudonyms")
        self.redact.setChecked(fmt == "exhibit")
        self.only_selected = QCheckBox(f"Only the {selected} selected entities")   # kept for scripts and tests
        self.only_selected.setEnabled(selected > 0)
        self.only_selected.toggled.connect(
            lambda on: self.scope.setCurrentIndex(self.scope.findData("selected" if on else "chart")))
        self.only_selected.hide()
        form = QFormLayout(self)
        form.addRow("Folder" if EXPORT_FORMATS[fmt].folder else "File", self.out)
        form.addRow("", browse)
        form.addRow("Export", self.scope)
        form.addRow("Exhibit number", self.exhibit_number)
        form.addRow("Title", self.title)
        form.addRow("", self.redact)
        if fmt == "exhibit":
            self.exhibit_number.setFocus()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        if EXPORT_FORMATS[self.fmt].folder:
            chosen = QFileDialog.getExistingDirectory(self, "Export into folder", self.out.text())
        else:
            chosen, _ = QFileDialog.getSaveFileName(self, "Export to file", self.out.text())
        if chosen:
            self.out.setText(chosen)


class MainWindow(QMainWindow):
    """The detective's workspace around one open case."""

    caseOpened = Signal(object)
    selectionShown = Signal(list)
    analysisShown = Signal(object)

    def __init__(self, settings: Settings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or Settings()
        self.workspace = Workspace()             # the state the views subscribe to (Qt-free: linkgraph.workspace)
        self.passphrase: str | None = None
        self.jobs: list[workers.Job] = []
        self.wizard: ImportWizard | None = None
        self.undo_stack = QUndoStack(self)
        self._selecting = False                  # the chart is being told the selection: not a new choice
        self._from_chart = False                 # the selection came from the chart: it needs no telling
        self.setWindowTitle("linkgraph")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.resize(1500, 950)

        self.start_page = StartPage()
        self.chart_panel = ChartPanel()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.start_page)
        self.stack.addWidget(self.chart_panel)
        self.setCentralWidget(self.stack)

        self.inspector = Inspector()
        self.analysis_panel = AnalysisPanel()
        self.notes = NotesPanel()
        self.map_view = MapView()
        self.timeline = TimelineView()
        self.search = SearchBox()
        self.docks: dict[str, QDockWidget] = {}
        self._dock("inspector", "Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("notes", "Notes", self.notes, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("analysis", "Analysis", self.analysis_panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        timeline_scroll = QScrollArea()          # one row per selected entity: it scrolls rather than squeeze the chart
        timeline_scroll.setWidgetResizable(True)
        timeline_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        timeline_scroll.setWidget(self.timeline)
        self._dock("timeline", "Timeline", timeline_scroll, Qt.DockWidgetArea.BottomDockWidgetArea)
        self._dock("map", "Map", self.map_view, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.docks["inspector"], self.docks["notes"])
        self.splitDockWidget(self.docks["analysis"], self.docks["timeline"], Qt.Orientation.Horizontal)
        self.splitDockWidget(self.docks["timeline"], self.docks["map"], Qt.Orientation.Horizontal)
        self.docks["inspector"].raise_()
        self._docks_shown: list[str] = []
        self._sized = False

        self.case_label = QLabel("No case open")
        self.selection_label = QLabel("")
        self.job_label = QLabel("")
        self.job_bar = QProgressBar()
        self.job_bar.setMaximumWidth(220)
        self.job_cancel = QPushButton("Cancel")
        self.job_cancel.clicked.connect(self.cancel_background)
        self.statusBar().addWidget(self.case_label, 1)
        self.statusBar().addWidget(self.selection_label)
        self.statusBar().addPermanentWidget(self.job_label)
        self.statusBar().addPermanentWidget(self.job_bar)
        self.statusBar().addPermanentWidget(self.job_cancel)
        self._show_job(None)

        self.chart_panel.chart.run_job = self._run     # big charts' layouts: off the GUI thread, with Cancel
        self._make_actions()
        self._make_menus()
        self._connect()
        self.settings.restore_window(self)
        self._fit_to_screen()
        self._show_case_state()

    # ---- the workspace's fields, as the window's (scripts and tests read them here) ---------------
    @property
    def case(self) -> CaseFile | None:
        return self.workspace.case

    @property
    def selection(self) -> list[int]:
        return list(self.workspace.selection)

    @property
    def analysis(self) -> dict[str, Any] | None:
        return self.workspace.analysis

    @property
    def name_matches(self) -> list[dict[str, Any]] | None:
        return self.workspace.name_matches

    def _fit_to_screen(self) -> None:
        """Never larger than the screen's free area (a 1366x768 laptop shows the whole window, status bar too)."""
        screen = self.screen()
        if screen is None:
            return
        free = screen.availableGeometry()
        width, height = min(self.width(), free.width()), min(self.height(), free.height())
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
            self.move(free.topLeft())

    # ---- building ----------------------------------------------------------------------
    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[name] = dock

    def _action(self, text: str, slot: Any, shortcut: QKeySequence | str | None = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _make_actions(self) -> None:
        key = QKeySequence.StandardKey
        self.act_new = self._action("&New case…", self.new_case_dialog, key.New)
        self.act_open = self._action("&Open case…", self.open_case_dialog, key.Open)
        self.act_sample = self._action("Open the &sample case", self.open_sample)
        self.act_close = self._action("&Close case", self.close_case, key.Close)
        self.act_import = self._action("&Import…", self.import_dialog, "Ctrl+I", "Import a file into the case")
        self.act_quit = self._action("&Quit", self.close, key.Quit)
        self.act_undo = self.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(QKeySequence(key.Undo))
        self.act_redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo_keys = {QKeySequence(k).toString(): QKeySequence(k) for k in ("Ctrl+Shift+Z", "Ctrl+Y")}
        for standard in QKeySequence.keyBindings(key.Redo):
            redo_keys.setdefault(standard.toString(), standard)
        self.act_redo.setShortcuts(list(redo_keys.values()))
        self.act_merge = self._action("&Merge selected…", self.merge_dialog, "Ctrl+M",
                                      "Treat two selected entities of one type as one (reversible)")
        self.act_unmerge = self._action("&Unmerge…", self.unmerge_dialog, "Ctrl+Shift+M")
        self.act_note = self._action("Add &note…", self.note_dialog, "Ctrl+Shift+N")
        self.act_rename = self._action("Re&name…", self.rename_dialog, "F2", "Change the label the chart shows")
        self.act_search = self._action("&Find…", self.focus_search, key.Find)
        self.act_analyze = self._action("&Run analysis", self.run_analysis, "F5",
                                        "Key players, groups, number swaps, co-locations, circuits, indicators")
        self.act_fit = self._action("&Fit chart to window", lambda: self.chart_panel.chart.fit(), "Ctrl+0")
        self.act_start = self._action("&Start page", self.show_start_page)
        self.act_about = self._action("&About linkgraph", self.about)
        self.act_shortcuts = self._action("&Keyboard shortcuts", self.show_shortcuts, "F1")

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.act_new, self.act_open])
        self.recent_menu = file_menu.addMenu("Open &recent")
        file_menu.addActions([self.act_sample, self.act_close])
        file_menu.addSeparator()
        file_menu.addAction(self.act_import)
        self.export_menu = file_menu.addMenu("&Export")
        self.export_actions: dict[str, QAction] = {}
        for fmt in EXPORT_FORMATS:
            action = self.export_menu.addAction(EXPORT_FORMATS[fmt].title + "…")
            action.setData(fmt)
            action.triggered.connect(self._export_triggered)
            self.export_actions[fmt] = action
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)

        edit = bar.addMenu("&Edit")
        edit.addActions([self.act_undo, self.act_redo])
        edit.addSeparator()
        edit.addActions([self.act_rename, self.act_merge, self.act_unmerge, self.act_note])
        edit.addSeparator()
        edit.addAction(self.act_search)

        view = bar.addMenu("&View")
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        view.addActions([self.act_fit, self.act_start])

        analysis = bar.addMenu("&Analysis")
        analysis.addAction(self.act_analyze)

        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.act_shortcuts, self.act_about])

        tools = QToolBar("Main")
        tools.setObjectName("toolbar_main")
        tools.addActions([self.act_open, self.act_import, self.act_analyze])
        tools.addSeparator()
        tools.addActions([self.act_undo, self.act_redo, self.act_merge])
        tools.addSeparator()
        tools.addWidget(self.search)
        self.addToolBar(tools)
        self._fill_recent()

    def _connect(self) -> None:
        self.start_page.newRequested.connect(self.new_case_dialog)
        self.start_page.openRequested.connect(self.open_case_dialog)
        self.start_page.sampleRequested.connect(self.open_sample)
        self.start_page.recentChosen.connect(self.open_case)
        self.chart_panel.selectionChanged.connect(self._chart_selection)
        self.chart_panel.filterApplied.connect(self._filter_applied)
        self.chart_panel.entityActivated.connect(self._entity_activated)
        self.analysis_panel.entitiesChosen.connect(self.select)
        self.analysis_panel.runRequested.connect(self.run_analysis)
        self.analysis_panel.namesRequested.connect(self.find_name_matches)
        self.analysis_panel.mergeRequested.connect(self.merge_pair_dialog)
        self.inspector.editRequested.connect(self.edit_entity)
        self.inspector.entityActivated.connect(lambda entity_id: self.select([entity_id]))
        self.search.entityChosen.connect(lambda entity_id: self.select([entity_id]))
        self.notes.noteAdded.connect(lambda _note: self.statusBar().showMessage("Note added", 3000))
        events = self.workspace.events
        events.case.connect(self._case_changed)
        events.selection.connect(self._selection_changed)
        events.analysis.connect(self._analysis_changed)
        events.name_matches.connect(lambda _matches: self._show_name_matches())

    def _filter_applied(self, flt: GraphFilter) -> None:
        """The chart shows another view or filter: analysis and exports take it from the workspace."""
        self.workspace.view = flt.view
        self.workspace.filter = flt

    def _case_changed(self, case: CaseFile | None) -> None:
        """A case opened or closed: every view reads it (the workspace then clears selection and analysis)."""
        for view in (self.inspector, self.notes, self.search):
            view.set_case(case)
        self.undo_stack.clear()
        if case is not None:
            self.map_view.set_case(case)
            self.timeline.set_case(case)
            self.chart_panel.set_case(case)

    # ---- the case ----------------------------------------------------------------------
    def new_case_dialog(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "New case file", self.settings.last_folder(), CASE_FILTER)
        if not name:
            return
        path = Path(name) if name.endswith(".lgcase") else Path(name + ".lgcase")
        dialog = NewCaseDialog(path, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.new_case(path, name=dialog.name.text(), timezone=dialog.zone.currentText(),
                      region=dialog.region.text() or "US", agency=dialog.agency.text() or None)

    def new_case(self, path: Path, *, name: str | None = None, timezone: str | None = None, region: str = "US",
                 agency: str | None = None) -> bool:
        """Create a case file and open it."""
        try:
            from linkgraph.case.case_file import machine_timezone

            CaseFile.create(path, name=name or None, timezone=timezone or machine_timezone(), region=region,
                            agency=agency).close()
        except LinkgraphError as exc:
            show_error(self, exc)
            return False
        return self.open_case(path)

    def open_case_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open case", self.settings.last_folder(), CASE_FILTER)
        if name:
            self.open_case(Path(name))

    def open_case(self, path: Path, passphrase: str | None = None) -> bool:
        """Open a case file (held for writing, so another program is told who has it) and show it."""
        path = Path(path)
        try:
            case = CaseFile.open(path, passphrase=passphrase, lock=True)
        except NotACaseFile as exc:
            hint = (" To bring its records into a case, open the case and choose Import (Ctrl+I), or drop the file "
                    "on the open case." if any(w in exc.what for w in ("text", "CSV", "Excel", "JSON", "separated"))
                    else " A case file ends in .lgcase: open one, or make one with New case (Ctrl+N).")
            show_error(self, f"{exc}.{hint}")
            return False
        except CaseFileError as exc:
            if passphrase is None and "encrypted" in str(exc):
                given, ok = QInputDialog.getText(self, "Encrypted case", f"Passphrase for {path.name}:",
                                                 QLineEdit.EchoMode.Password)
                return bool(ok and given) and self.open_case(path, given)
            if not path.exists():
                self.settings.forget_recent(path)
                self._fill_recent()
            show_error(self, exc)
            return False
        except LinkgraphError as exc:
            if not path.exists():
                self.settings.forget_recent(path)
                self._fill_recent()
            show_error(self, exc)
            return False
        self._release_case()
        self.passphrase = passphrase
        self.settings.add_recent(path)
        self.settings.set_last_folder(path)
        self._fill_recent()
        self.workspace.case = case
        run = case.analysis_run()
        self.show_analysis(run["summary"] if run else None)
        self._show_workspace()
        self._show_case_state()
        if case.read_only_reason:
            self.statusBar().showMessage(
                f"{path.name} is read-only ({case.read_only_reason}): opened read-only. Analysis and exports run "
                "(exports record themselves beside their files); edits and imports need a copy in a folder you may "
                "write to.", 30000)
        self.caseOpened.emit(path)
        return True

    def close_case(self) -> None:
        """Close the open case and go back to the start page."""
        self._release_case()
        self._show_case_state()

    def _release_case(self) -> None:
        case = self.case
        if case is None:
            return
        self.workspace.case = None
        case.close()
        self.passphrase = None

    def show_start_page(self) -> None:
        """The start page, alone: the docks step aside until a case is open (and come back as they were)."""
        self.start_page.set_recent(self.settings.recent_cases())
        if self.stack.currentWidget() is not self.start_page or not self._docks_shown:
            shown = [name for name, dock in self.docks.items() if not dock.isHidden()]
            if shown:
                self._docks_shown = shown
        for dock in self.docks.values():
            dock.hide()
        self.stack.setCurrentWidget(self.start_page)

    def _default_dock_sizes(self) -> None:
        """First run: chart and inspector above; analysis, timeline and map side by side below (on a laptop
        screen, one tabbed panel below, so the chart keeps most of the height)."""
        self._sized = True
        if self.width() < 1600 or self.height() < 900:
            self.tabifyDockWidget(self.docks["analysis"], self.docks["timeline"])
            self.tabifyDockWidget(self.docks["analysis"], self.docks["map"])
            self.docks["analysis"].raise_()
            self.resizeDocks([self.docks["inspector"]], [max(280, self.width() // 4)], Qt.Orientation.Horizontal)
            self.resizeDocks([self.docks["analysis"]], [max(200, self.height() * 30 // 100)], Qt.Orientation.Vertical)
            return
        width = max(self.width(), 1200)
        self.resizeDocks([self.docks["inspector"]], [min(460, width // 3)], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["analysis"]], [max(300, self.height() // 3)], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["analysis"], self.docks["timeline"], self.docks["map"]],
                         [width * 36 // 100, width * 38 // 100, width * 26 // 100], Qt.Orientation.Horizontal)

    def _show_workspace(self) -> None:
        """The chart with the docks the user had open (all of them the first time)."""
        if self.stack.currentWidget() is not self.chart_panel:
            for name in self._docks_shown or list(self.docks):
                self.docks[name].show()
            self.docks["inspector"].raise_()
            if not self._sized and not self.settings.store.contains("window/state"):
                self._default_dock_sizes()
        self.stack.setCurrentWidget(self.chart_panel)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_cases()
        for index, path in enumerate(recent, start=1):
            action = self.recent_menu.addAction(f"&{index} {path.name}   ({path.parent})")
            action.setData(str(path))
            action.triggered.connect(self._recent_triggered)
        self.recent_menu.setEnabled(bool(recent))
        self.start_page.set_recent(recent)

    def _recent_triggered(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.open_case(Path(action.data()))

    def _show_case_state(self) -> None:
        has_case = self.case is not None
        for action in (self.act_close, self.act_import, self.act_merge, self.act_unmerge, self.act_note, self.act_rename,
                       self.act_analyze, self.act_search, self.act_fit, *self.export_actions.values()):
            action.setEnabled(has_case)
        self.search.setEnabled(has_case)
        self.export_menu.setEnabled(has_case)
        if not has_case:
            self.setWindowTitle("linkgraph")
            self.case_label.setText("No case open: start a new one, open one, or open the sample case.")
            self.selection_label.setText("")
            self.show_start_page()
            return
        counts = self.case.counts()
        read_only = f"READ-ONLY ({self.case.read_only_reason})  ·  " if self.case.read_only_reason else ""
        self.setWindowTitle(f"{self.case.name}{' (read-only)' if read_only else ''} — linkgraph")
        self.case_label.setText(
            f"{read_only}{self.case.name}  ·  {counts['sources']} sources, {counts['entity_total']:,} entities, "
            f"{counts['link_total']:,} links  ·  {self.case.timezone}  ·  {self.case.path}"
        )

    # ---- the sample case ---------------------------------------------------------------
    def sample_path(self) -> Path:
        folder = data_dir() / "sample"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / SAMPLE_NAME

    def open_sample(self) -> workers.Job | None:
        """Open the bundled sample case, building it first (on a worker, with progress) when needed."""
        target = self.sample_path()
        if target.exists() and self._sample_current(target):
            self.open_case(target)
            return None
        job = workers.Job("Building the sample case", workers.sample_work(target))
        job.done.connect(self._sample_built)
        self._run(job, dialog=True)
        return job

    def _sample_current(self, target: Path) -> bool:
        """False when more importers exist now than when the sample case was built."""
        from importers import available_kinds
        from sample_cases.build import answer_key

        kinds = set(available_kinds())
        wanted = sum(1 for item in answer_key()["files"] if item["kind"] in kinds)
        try:
            with CaseFile.open(target, read_only=True) as case:
                return case.counts()["sources"] >= wanted
        except LinkgraphError:
            return False

    def _sample_built(self, job: workers.Job) -> None:
        if job.outcome == "succeeded":
            self.open_case(job.result)
        elif job.outcome == "failed":
            show_error(self, job.error or "the sample case could not be built")

    # ---- importing ---------------------------------------------------------------------
    def import_dialog(self, file: Path | None = None) -> ImportWizard | None:
        """Open the import wizard (on `file` when given)."""
        if self.case is None:
            show_error(self, "Open or create a case first, then import files into it.")
            return None
        wizard = ImportWizard(self.case.path, timezone=self.case.timezone, region=self.case.region,
                              file=Path(file) if file else None, passphrase=self.passphrase, parent=self)
        wizard.imported.connect(self._imported)
        self.wizard = wizard
        wizard.open()
        if file is None:
            wizard.choose_file()
        return wizard

    def _imported(self, result: Any) -> None:
        self.statusBar().showMessage(
            f"Imported {result.name}: {result.rows_imported:,} rows, {result.entities_created:,} new entities, "
            f"{result.links_created:,} links ({result.rows_rejected:,} rows rejected)", 10000)
        self.refresh_case()

    def refresh_case(self) -> None:
        """Read the case again into every view (after an import, merge or edit)."""
        if self.case is None:
            return
        keep = list(self.selection)
        self.chart_panel.set_case(self.case)
        if self.analysis:
            self.chart_panel.set_analysis(self.analysis)
        self.map_view.set_case(self.case)
        self.timeline.set_case(self.case)
        self._show_name_matches()
        self._show_case_state()
        reps = self.case.representatives()
        self.select(list(dict.fromkeys(reps.get(i, i) for i in keep)))

    # ---- drag and drop -----------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        files = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        self.drop_files(files)

    def drop_files(self, files: list[Path]) -> None:
        """A dropped case file opens; any other file opens the import wizard on it."""
        for file in files:
            if file.suffix.lower() == ".lgcase":
                self.open_case(file)
                return
        if files:
            self.import_dialog(files[0])

    # ---- selection ---------------------------------------------------------------------
    def select(self, ids: list[int]) -> None:
        """Select entities everywhere: on the chart, in the inspector, notes, map and timeline."""
        self.workspace.select(ids)

    def _chart_selection(self, ids: list) -> None:
        if not self._selecting:                  # chosen on the chart: the chart shows it already
            self._from_chart = True
            try:
                self.workspace.select(ids)
            finally:
                self._from_chart = False

    def _selection_changed(self, selected: tuple[int, ...]) -> None:
        ids = list(selected)
        if not self._from_chart and self.case is not None:
            self._selecting = True
            try:
                self.chart_panel.chart.select_entities(ids)
            finally:
                self._selecting = False
        first = ids[0] if ids else None
        self.inspector.show_entity(first)
        self.notes.show_entity(first)
        self.map_view.show_entities(ids)
        self.timeline.show_entities(ids)
        if ids:
            self.docks["inspector"].raise_()
        self.selection_label.setText(f"{len(ids)} selected" if ids else "")
        self.selectionShown.emit(ids)

    def _entity_activated(self, entity_id: int) -> None:
        self.select([entity_id])
        self.docks["inspector"].show()
        self.docks["inspector"].raise_()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # ---- edits, merges, notes (undoable) -------------------------------------------------
    def _changed(self, ids: list[int]) -> None:
        self.refresh_case()
        self.inspector.refresh()

    def _undo_failed(self, error: BaseException) -> None:
        show_error(self, error)
        self.refresh_case()

    def edit_entity(self, entity_id: int, changes: dict) -> bool:
        """Change role/minor/label through the undo stack (audited by the core)."""
        if self.case is None:
            return False
        try:
            perform(self.undo_stack, EditEntityCommand(self.case, entity_id, changes, self._changed, self._undo_failed))
        except LinkgraphError as exc:
            show_error(self, exc)
            self.inspector.refresh()
            return False
        return True

    def merge(self, survivor: int, merged: int, reason: str = "") -> bool:
        """Merge `merged` into `survivor` through the undo stack."""
        if self.case is None:
            return False
        try:
            perform(self.undo_stack, MergeCommand(self.case, survivor, merged, reason, self._changed,
                                                  self._undo_failed))
        except LinkgraphError as exc:
            show_error(self, exc)
            return False
        return True

    def unmerge(self, merge_id: int) -> bool:
        """Undo a recorded merge through the undo stack."""
        if self.case is None:
            return False
        try:
            perform(self.undo_stack, UnmergeCommand(self.case, merge_id, self._changed, self._undo_failed))
        except LinkgraphError as exc:
            show_error(self, exc)
            return False
        return True

    def merge_dialog(self) -> None:
        if self.case is None:
            return
        if len(self.selection) != 2:
            show_error(self, "Select exactly two entities of the same type to merge (Ctrl+click on the chart).")
            return
        self.merge_pair_dialog(*self.selection)

    def merge_pair_dialog(self, first_id: int, second_id: int) -> None:
        """Ask which of two entities stands for both, and why; then merge through the undo stack."""
        if self.case is None:
            return
        self.select([first_id, second_id])
        first, second = self.case.entity(first_id), self.case.entity(second_id)
        choices = [f"Keep {first.label} (#{first.id})", f"Keep {second.label} (#{second.id})"]
        choice, ok = QInputDialog.getItem(self, "Merge entities", f"Merge {first.label} and {second.label}:",
                                          choices, 0, False)
        if not ok:
            return
        reason, ok = QInputDialog.getText(self, "Merge entities", "Why are they one? (kept in the audit log)")
        if not ok:
            return
        keep, gone = (first, second) if choice == choices[0] else (second, first)
        self.merge(keep.id, gone.id, reason)

    def unmerge_dialog(self) -> None:
        if self.case is None:
            return
        made = merges(self.case)
        if not made:
            show_error(self, "There are no merges to undo in this case.")
            return
        labels = [f"#{m['id']}: {self.case.entity(m['merged']).label} into {self.case.entity(m['survivor']).label}"
                  f" ({m['at']}, {m['by']})" for m in made]
        choice, ok = QInputDialog.getItem(self, "Unmerge", "Merge to undo:", labels, 0, False)
        if ok:
            self.unmerge(made[labels.index(choice)]["id"])

    def rename_dialog(self) -> None:
        """Relabel the selected entity (undoable; the old label stays in the audit log)."""
        if self.case is None or not self.selection:
            show_error(self, "Select the entity to rename first.")
            return
        entity = self.case.entity(self.selection[0])
        text, ok = QInputDialog.getText(self, "Rename", f"New label for {entity.type} {entity.label}:",
                                        QLineEdit.EchoMode.Normal, entity.label)
        if ok and text.strip() and text.strip() != entity.label:
            self.edit_entity(entity.id, {"label": text.strip()})

    def note_dialog(self) -> None:
        if self.case is None:
            return
        about = self.case.entity(self.selection[0]).label if self.selection else "the case"
        text, ok = QInputDialog.getMultiLineText(self, "Add note", f"Note on {about}:")
        if ok and text.strip():
            self.notes.add_note(text)
            self.docks["notes"].show()
            self.docks["notes"].raise_()

    def find_name_matches(self) -> workers.Job | None:
        """Suggest persons whose names may be one person (never merged without the analyst)."""
        if self.case is None:
            return None
        job = workers.Job(NAMES_TITLE, workers.name_match_work(self.case.path, self.passphrase))
        job.done.connect(self._name_matches_done)
        self._run(job)
        return job

    def _name_matches_done(self, job: workers.Job) -> None:
        if job.outcome == "succeeded":
            self.workspace.name_matches = job.result
        elif job.outcome == "failed":
            show_error(self, job.error or "the names could not be compared")

    def _show_name_matches(self) -> None:
        """The suggested pairs that are still two entities (a confirmed merge drops out; an unmerge returns)."""
        if self.case is None or self.name_matches is None:
            self.analysis_panel.set_name_matches(None)
            return
        reps = self.case.representatives()
        self.analysis_panel.set_name_matches([
            m for m in self.name_matches
            if reps.get(m["left_id"], m["left_id"]) != reps.get(m["right_id"], m["right_id"])])

    # ---- analysis ----------------------------------------------------------------------
    def run_analysis(self) -> workers.Job | None:
        """Run the analysis on a worker (status-bar progress, cancellable) and show its findings."""
        if self.case is None:
            return None
        from linkgraph.analysis import AnalysisParams

        params = AnalysisParams(filter=self.workspace.filter)    # the view and filters on screen
        job = workers.Job("Analysing", workers.analysis_work(self.case.path, params, save=not self.case.read_only,
                                                             passphrase=self.passphrase))
        job.done.connect(self._analysis_done)
        self._run(job)
        return job

    def _analysis_done(self, job: workers.Job) -> None:
        if job.outcome == "succeeded":
            self.show_analysis(job.result)
            self.find_name_matches()
            self.docks["analysis"].show()
            self.docks["analysis"].raise_()
            if self.case is not None and self.case.read_only:
                self.statusBar().showMessage("Analysis done; not kept in the case, which is read-only "
                                             f"({self.case.read_only_reason}): export it to keep it", 10000)
            else:
                self.statusBar().showMessage("Analysis done and kept in the case", 5000)
        elif job.outcome == "failed":
            show_error(self, job.error or "the analysis failed")
        else:
            self.statusBar().showMessage("Analysis cancelled", 5000)

    def show_analysis(self, result: dict[str, Any] | None) -> None:
        """Show a result in the analysis panel and colour the chart by its communities and scores."""
        self.workspace.show_analysis(result)

    def _analysis_changed(self, result: dict[str, Any] | None) -> None:
        self.analysis_panel.set_result(result)
        if result:
            self.chart_panel.set_analysis(result)
        self.analysisShown.emit(result)

    # ---- exports -----------------------------------------------------------------------
    def _export_triggered(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.export_dialog(str(action.data()))

    def export_dialog(self, fmt: str) -> None:
        if self.case is None:
            return
        folder = Path(self.settings.last_folder())
        stem = self.case.path.stem
        chosen = EXPORT_FORMATS[fmt]
        start = folder / (f"{stem}-{fmt}" if chosen.folder else stem + chosen.suffix)
        dialog = ExportDialog(fmt, start, len(self.selection), self, on_chart=len(self.chart_panel.chart.shown_entities()),
                              view=self.chart_panel.view_box.currentText())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.export(fmt, Path(dialog.out.text()), self.export_options(dialog))

    def export_options(self, dialog: ExportDialog) -> ExportOptions:
        """What the export dialog asks for: by default exactly what is on the chart (its view and filters, the
        entities shown after hiding and expanding), or the selection, or the whole case."""
        scope = dialog.scope.currentData()
        common = {"redact_victims": dialog.redact.isChecked(), "title": dialog.title.text().strip() or None,
                  "exhibit_number": dialog.exhibit_number.text().strip() or None}
        if scope == "case":
            return ExportOptions(**common)
        chart = self.chart_panel.chart
        flt = self.workspace.filter
        ids = list(self.selection) if scope == "selected" else sorted(chart.shown_entities())
        return ExportOptions(filter=flt, entity_ids=ids,
                             extra={"max_nodes": max(len(ids), 1)} if fmt_charts(dialog.fmt) else {}, **common)

    def export(self, fmt: str, out: Path, options: ExportOptions | None = None) -> workers.Job | None:
        """Write an export on a worker, with a progress dialog."""
        if self.case is None:
            return None
        self.settings.set_last_folder(out)
        job = workers.Job(f"Exporting {fmt}", workers.export_work(self.case.path, fmt, out, options,
                                                                          self.passphrase, self.case.read_only_reason))
        job.done.connect(self._export_done)
        self._run(job, dialog=True)
        return job

    def _export_done(self, job: workers.Job) -> None:
        if job.outcome == "succeeded":
            files = job.result or []
            shown = ", ".join(str(p) for p in files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
            record = [p for p in files if str(p).endswith("linkgraph-record.json")]
            self.statusBar().showMessage(f"Exported: {shown}" + (
                f" · the case is read-only, so this export is recorded in {record[0]}" if record else ""), 15000)
        elif job.outcome == "failed":
            show_error(self, job.error or "the export failed")

    # ---- background jobs ---------------------------------------------------------------
    def _run(self, job: workers.Job, *, dialog: bool = False) -> None:
        """Start a job; keep it alive until its thread has finished."""
        self.jobs.append(job)
        job.progressed.connect(self._job_progress)
        job.done.connect(self._job_done)
        if dialog:
            workers.JobProgressDialog(self, job)
        self._show_job(job)
        workers.start(job)

    def _job_progress(self, done: int, total: int, message: str) -> None:
        if total:
            self.job_bar.setRange(0, total)
            self.job_bar.setValue(min(done, total))
        self.job_label.setText(message)

    def _job_done(self, job: workers.Job) -> None:
        if job.thread is not None:
            job.thread.wait()
        if job in self.jobs:
            self.jobs.remove(job)
        self._show_job(self.jobs[-1] if self.jobs else None)

    def _show_job(self, job: workers.Job | None) -> None:
        busy = job is not None
        self.job_bar.setVisible(busy)
        self.job_cancel.setVisible(busy)
        self.job_label.setText(job.title if job else "")
        if busy:
            self.job_bar.setRange(0, 0)

    def cancel_background(self) -> None:
        """Cancel the running background work (it rolls back)."""
        for job in self.jobs:
            job.cancel()

    # ---- help and closing --------------------------------------------------------------
    def show_shortcuts(self) -> None:
        rows = [(a.text().replace("&", "").rstrip("…"), a.shortcut().toString(QKeySequence.SequenceFormat.NativeText))
                for a in (self.act_new, self.act_open, self.act_close, self.act_import, self.act_undo, self.act_redo,
                          self.act_rename, self.act_merge, self.act_unmerge, self.act_note, self.act_search, self.act_analyze,
                          self.act_fit, self.act_quit)]
        text = "\n".join(f"{keys:<16} {name}" for name, keys in rows if keys)
        box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts", text, QMessageBox.StandardButton.Ok, self)
        box.setStyleSheet("QLabel { font-family: monospace; }")
        box.open()

    def about(self) -> None:
        from linkgraph import __version__

        QMessageBox.about(self, "About linkgraph",
                          f"linkgraph {__version__}\nOffline link analysis for human-trafficking investigations.\n"
                          "Nothing leaves this computer unless you export it.")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        for job in self.jobs:
            if job.outcome is None and job.title == NAMES_TITLE:     # only reads: stop it without asking
                job.cancel()
        running = [job for job in self.jobs if job.outcome is None and job.title != NAMES_TITLE]
        if running:
            answer = QMessageBox.question(
                self, "Work still running",
                f"{running[0].title} is still running. Cancel it and quit? (Nothing half-done is kept.)")
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            for job in running:
                job.cancel()
        for job in list(self.jobs):
            if job.thread is not None:
                job.thread.wait(30_000)
        self.settings.save_window(self)
        self._release_case()
        super().closeEvent(event)
