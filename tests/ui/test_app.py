"""The main window on the sample case: open, analysis selecting on the chart, edits with undo/redo,
merges, search, drag-and-drop, settings, error dialogs, and `linkgraph gui CASE`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent

from linkgraph.case import CaseFile, merges
from sample_cases.build import answer_key, sample_dir
from ui import app as ui_app
from ui.import_wizard import ImportWizard
from ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, settings):
    shown = MainWindow(settings)
    qtbot.addWidget(shown)
    shown.show()
    yield shown
    qtbot.waitUntil(lambda: not shown.jobs, timeout=60000)     # background work ends before the window closes
    shown.close()


@pytest.fixture
def opened(window, sample_case_path):
    assert window.open_case(sample_case_path)
    return window


def _person(window: MainWindow, label: str) -> int:
    return next(e.id for e in window.case.entities("Person") if e.label == label)


def test_start_page_then_open_the_sample_case(window, sample_case_path, settings):
    assert window.stack.currentWidget() is window.start_page
    assert not window.act_import.isEnabled()
    assert all(dock.isHidden() for dock in window.docks.values())
    assert window.open_case(sample_case_path)
    assert window.windowTitle() == f"{answer_key()['case']} — linkgraph"
    assert window.stack.currentWidget() is window.chart_panel
    assert all(dock.isVisible() for dock in (window.docks["inspector"], window.docks["analysis"]))
    counts = window.case.counts()
    assert f"{counts['entity_total']:,} entities" in window.case_label.text()
    assert len(window.chart_panel.chart.shown_entities()) > 100
    assert settings.recent_cases() == [sample_case_path.resolve()]
    assert window.recent_menu.actions()[0].data() == str(sample_case_path.resolve())
    assert window.act_import.isEnabled() and window.act_analyze.isEnabled()


def test_analysis_runs_off_the_gui_thread_and_a_click_selects_on_the_chart(qtbot, opened):
    job = opened.run_analysis()
    qtbot.waitUntil(lambda: job.outcome is not None, timeout=60000)
    assert job.outcome == "succeeded"
    qtbot.waitUntil(lambda: opened.analysis is not None, timeout=10000)
    assert opened.case.analysis_run()["id"] == opened.analysis["run_id"]
    panel = opened.analysis_panel
    table = panel.tables["entities"]
    top = opened.analysis["entities"][0]
    rect = table.visualRect(table.model().index(0, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.chart_panel.chart.selected_entities() == [top["id"]]
    assert opened.selection == [top["id"]]
    assert opened.inspector.title.text() == top["label"]
    assert opened.selection_label.text() == "1 selected"


def test_chart_selection_shows_in_the_inspector_and_notes(qtbot, opened):
    haskins = _person(opened, "Darnell Haskins")
    opened.chart_panel.chart.select_entities([haskins])
    assert opened.inspector.entity_id == haskins
    assert opened.notes.heading.text() == "Notes on Darnell Haskins"
    opened.notes.add_note("Seen with two of the Park Street girls at the Delta Inn")
    assert [n["text"] for n in opened.case.notes(haskins)] == ["Seen with two of the Park Street girls at the Delta Inn"]
    assert opened.notes.list.count() == 1


def test_role_and_minor_edits_from_the_inspector_undo_and_redo_with_the_keyboard(qtbot, opened):
    kayla = _person(opened, "Kayla Dunn")
    opened.select([kayla])
    inspector = opened.inspector
    index = inspector.role.findText("victim")
    inspector.role.setCurrentIndex(index)
    inspector.role.activated.emit(index)
    inspector.minor.click()
    entity = opened.case.entity(kayla)
    assert (entity.role, entity.minor) == ("victim", True)
    assert opened.chart_panel.chart.graph.nodes[kayla]["minor"] is True
    opened.activateWindow()
    qtbot.keyClick(opened, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert opened.case.entity(kayla).minor is False
    assert not inspector.minor.isChecked()
    opened.act_undo.trigger()
    assert opened.case.entity(kayla).role == "unknown" and inspector.role.currentText() == "unknown"
    qtbot.keyClick(opened, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    opened.act_redo.trigger()
    entity = opened.case.entity(kayla)
    assert (entity.role, entity.minor) == ("victim", True)


def test_merge_two_selected_entities_then_undo(qtbot, opened):
    first, second = [e.id for e in opened.case.entities("Person") if e.label == "Darnell Haskins"][:2]
    chart = opened.chart_panel.chart
    assert {first, second} <= chart.shown_entities()
    opened.select([first, second])
    assert opened.merge(first, second, "same DOB, address and phone")
    assert second not in chart.shown_entities() and first in chart.shown_entities()
    assert merges(opened.case)[0]["merged"] == second
    assert opened.undo_stack.undoText() == "Merge Darnell Haskins into Darnell Haskins"
    opened.act_undo.trigger()
    assert merges(opened.case) == []
    assert second in chart.shown_entities()
    opened.act_redo.trigger()
    assert second not in chart.shown_entities()
    opened.unmerge(merges(opened.case)[0]["id"])
    assert second in chart.shown_entities()


def test_a_refused_merge_is_a_dialog_not_a_traceback(opened):
    person = _person(opened, "Darnell Haskins")
    phone = opened.case.find_entity("Phone", "+12095550144").id
    before = len(ui_app.shown_errors())
    assert not opened.merge(person, phone)
    assert ui_app.shown_errors()[before] == "cannot merge a Phone into a Person; merge entities of one type"
    assert opened.undo_stack.count() == 0


def test_search_finds_a_number_written_any_way(qtbot, opened):
    phone = opened.case.find_entity("Phone", "+12095550144")
    opened.search.setText("209.555.0144")
    with qtbot.waitSignal(opened.search.entityChosen) as chosen:
        opened.search.returnPressed.emit()
    assert chosen.args == [phone.id]
    assert opened.selection == [phone.id]
    assert opened.inspector.title.text() == phone.label


def test_dropping_a_file_opens_the_import_wizard_on_it(qtbot, opened):
    file = sample_dir() / "associates.csv"
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(file))])
    event = QDropEvent(QPoint(10, 10).toPointF(), Qt.DropAction.CopyAction, data, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    opened.dropEvent(event)
    wizard = opened.wizard
    assert isinstance(wizard, ImportWizard) and wizard.file == file
    qtbot.waitUntil(lambda: wizard.preview is not None and not wizard.previewing, timeout=15000)
    assert wizard.preview.kind == "links"
    wizard.reject()


def test_dropping_a_case_file_opens_it(window, sample_case_path):
    window.drop_files([sample_case_path])
    assert window.case is not None and window.case.path == sample_case_path


def test_a_file_that_is_not_a_case_gives_a_dialog_that_says_so(window, tmp_path):
    bogus = tmp_path / "notes.lgcase"
    bogus.write_text("not a database", encoding="utf-8")
    before = len(ui_app.shown_errors())
    assert not window.open_case(bogus)
    message = ui_app.shown_errors()[before]
    assert message.startswith("notes.lgcase is not a case file (a text file).") and "Traceback" not in message
    assert "encrypted" not in message
    assert window.case is None


def test_an_unexpected_error_shows_a_sentence_and_logs_the_traceback(window):
    try:
        raise KeyError("layout")
    except KeyError as exc:
        ui_app._excepthook(KeyError, exc, exc.__traceback__)
    message = ui_app.shown_errors()[-1]
    assert message.startswith("Something went wrong that linkgraph did not expect: KeyError: 'layout'.")
    assert "Traceback" not in message and str(ui_app.log_path()) in message


def test_window_state_and_recent_cases_are_kept_between_runs(qtbot, settings, sample_case_path):
    first = MainWindow(settings)
    qtbot.addWidget(first)
    first.show()
    first.open_case(sample_case_path)
    first.docks["notes"].hide()
    first.close()
    assert settings.store.contains("window/geometry") and settings.store.contains("window/state")
    second = MainWindow(settings)
    qtbot.addWidget(second)
    second.show()
    assert all(dock.isHidden() for dock in second.docks.values())      # the start page stands alone
    second.open_case(sample_case_path)
    assert second.docks["notes"].isHidden() and not second.docks["inspector"].isHidden()
    assert second.settings.recent_cases() == [sample_case_path.resolve()]
    assert second.start_page.recent.count() == 1


@pytest.mark.parametrize("command", [["-m", "linkgraph", "gui"], ["linkgraph-gui"]])
def test_linkgraph_gui_case_starts_the_app_holding_that_case(command, sample_case_path, tmp_path):
    """`linkgraph gui CASE` and `linkgraph-gui CASE` as real processes: the app opens the case and holds it."""
    from linkgraph.case.locking import holder

    if command[0] == "-m":
        argv = [sys.executable, *command, str(sample_case_path)]
    else:
        argv = [str(Path(sys.executable).with_name(command[0])), str(sample_case_path)]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)}
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        held = None
        while time.monotonic() < deadline and process.poll() is None:
            held = holder(sample_case_path)
            if held is not None:
                break
            time.sleep(0.2)
        assert process.poll() is None, process.communicate()[1].decode(errors="replace")[-2000:]
        assert held is not None and held.pid == process.pid
    finally:
        process.terminate()
        process.wait(30)
    assert holder(sample_case_path) is None


def test_the_sample_case_is_built_on_a_worker_and_opened(qtbot, window, monkeypatch, tmp_path: Path):
    target = tmp_path / "sample" / "crossroads.lgcase"
    target.parent.mkdir()
    monkeypatch.setattr(window, "sample_path", lambda: target)
    job = window.open_sample()
    assert job is not None
    qtbot.waitUntil(lambda: window.case is not None, timeout=60000)
    assert window.case.path == target and not target.with_name(target.name + ".building").exists()
    with CaseFile.open(target, read_only=True) as case:
        assert case.counts()["sources"] >= 2


def test_export_runs_on_a_worker_and_is_audited(qtbot, opened, tmp_path):
    from linkgraph.case.audit import entries

    out = tmp_path / "tables"
    job = opened.export("csv", out)
    qtbot.waitUntil(lambda: job.outcome is not None, timeout=60000)
    assert job.outcome == "succeeded"
    written = sorted(p.name for p in job.result)
    assert written and all((out / name).is_file() for name in written)
    assert entries(opened.case.conn)[-1]["action"] == "export"
    qtbot.waitUntil(lambda: "Exported:" in opened.statusBar().currentMessage(), timeout=5000)


def test_names_that_may_be_one_person_are_suggested_and_merged_by_hand(qtbot, opened, monkeypatch):
    from ui.main_window import QInputDialog

    job = opened.find_name_matches()
    qtbot.waitUntil(lambda: job.outcome is not None and opened.name_matches is not None, timeout=30000)
    table = opened.analysis_panel.tables["name_matches"]
    haskins = sorted(e.id for e in opened.case.entities("Person") if e.label == "Darnell Haskins")
    pairs = [table.row_entities(row) for row in range(table.model().rowCount())]
    assert [haskins[0], haskins[1]] in pairs
    assert all(len(pair) == 2 for pair in pairs)
    row = pairs.index([haskins[0], haskins[1]])
    table.selectRow(row)
    answers = iter([(f"Keep Darnell Haskins (#{haskins[0]})", True)])
    monkeypatch.setattr(QInputDialog, "getItem", lambda *args, **kwargs: next(answers))
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("same DOB on both bookings", True))
    opened.analysis_panel.merge_pair.click()
    live = merges(opened.case)
    assert [(m["survivor"], m["merged"], m["reason"]) for m in live] == [
        (haskins[0], haskins[1], "same DOB on both bookings")]
    remaining = [table.row_entities(r) for r in range(table.model().rowCount())]
    assert [haskins[0], haskins[1]] not in remaining and len(remaining) == len(pairs) - 1
    opened.act_undo.trigger()
    assert len([table.row_entities(r) for r in range(table.model().rowCount())]) == len(pairs)


def test_rename_is_undoable_and_shown_everywhere(opened, monkeypatch):
    from ui.main_window import QInputDialog

    phone = opened.case.find_entity("Phone", "+12095550144")
    opened.select([phone.id])
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("Boss D burner #2", True))
    opened.act_rename.trigger()
    assert opened.case.entity(phone.id).label == "Boss D burner #2"
    assert opened.inspector.title.text() == "Boss D burner #2"
    assert opened.chart_panel.chart.graph.nodes[phone.id]["label"] == "Boss D burner #2"
    opened.act_undo.trigger()
    assert opened.case.entity(phone.id).label == phone.label
    assert opened.chart_panel.chart.graph.nodes[phone.id]["label"] == phone.label
