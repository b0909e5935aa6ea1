"""The desktop app with the everyday mistakes and the readable chart: a case on read-only media, a data file
opened as a case, the chart's legend, labels and centring, analysis of the view on screen, export of what
is on screen with its exhibit number."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPointF

from linkgraph.analysis.disruption import TARGET_TYPES
from linkgraph.case import case_file as case_file_module
from ui import app as ui_app
from ui.main_window import ExportDialog, MainWindow


@pytest.fixture
def window(qtbot, settings):
    shown = MainWindow(settings)
    qtbot.addWidget(shown)
    shown.resize(1366, 768)
    shown.show()
    yield shown
    qtbot.waitUntil(lambda: not shown.jobs, timeout=60000)
    shown.close()


@pytest.fixture
def on_dvd(sample_case_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    real = case_file_module.unwritable_reason
    monkeypatch.setattr(case_file_module, "unwritable_reason", lambda path: "it is on read-only media"
                        if Path(path).resolve() == sample_case_path.resolve() else real(path))
    return sample_case_path


def test_a_case_on_read_only_media_opens_read_only_and_analyses(qtbot, window, on_dvd) -> None:
    before = len(ui_app.shown_errors())
    assert window.open_case(on_dvd)
    assert len(ui_app.shown_errors()) == before               # no refusal
    assert "(read-only)" in window.windowTitle()
    assert window.case_label.text().startswith("READ-ONLY (it is on read-only media)")
    assert "opened read-only" in window.statusBar().currentMessage()
    job = window.run_analysis()
    qtbot.waitUntil(lambda: job.outcome is not None, timeout=90000)
    assert job.outcome == "succeeded", job.error
    qtbot.waitUntil(lambda: window.analysis is not None, timeout=10000)
    assert "not kept in the case, which is read-only" in window.statusBar().currentMessage()
    person = next(e.id for e in window.case.entities("Person"))
    assert not window.edit_entity(person, {"label": "Someone else"})
    message = ui_app.shown_errors()[-1]
    assert "is read-only (it is on read-only media): nothing was changed" in message


def test_export_of_a_read_only_case_records_itself_beside_the_files(qtbot, window, on_dvd, tmp_path) -> None:
    import json

    assert window.open_case(on_dvd)
    out = tmp_path / "tables"
    job = window.export("csv", out)
    qtbot.waitUntil(lambda: job.outcome is not None, timeout=90000)
    assert job.outcome == "succeeded", job.error
    record = json.loads((out / "linkgraph-record.json").read_text(encoding="utf-8"))
    assert record["entries"][0]["action"] == "export"


def test_a_csv_opened_as_a_case_is_named_and_the_way_to_import_it_given(window, tmp_path) -> None:
    sheet = tmp_path / "associates.csv"
    sheet.write_text("From,To,Relationship\nAna,Ben,knows\n", encoding="utf-8")
    assert not window.open_case(sheet)
    message = ui_app.shown_errors()[-1]
    assert message.startswith("associates.csv is not a case file (a CSV text file).")
    assert "Import (Ctrl+I)" in message and "passphrase" not in message


def test_the_chart_opens_readable_with_a_legend_and_labels(qtbot, window, sample_case_path) -> None:
    assert window.open_case(sample_case_path)
    chart = window.chart_panel.chart
    qtbot.waitUntil(lambda: chart.labels_shown(), timeout=5000)
    assert window.chart_panel.current_filter().view == "persons"
    assert chart.colour_attr == "role" and chart.size_attr == "score"
    texts = chart.legend.texts()
    assert any(t.startswith("Person (") for t in texts) and "Colour: role of a person" in texts
    assert any(t.startswith("Size: ties") for t in texts)            # before analysis: ties stand in for scores
    # Fitted: every entity is inside the view.
    seen = chart.mapToScene(chart.viewport().rect()).boundingRect()
    assert all(seen.contains(item.pos()) for item in chart.items_by_id.values())
    # Labels: the best-connected entity in view is named; no two labels overlap on screen.
    shown = [n for n, label in chart.labels.items() if label.isVisible()]
    assert len(shown) >= 10
    rects = [chart.labels[n].boundingRect().translated(QPointF(chart.mapFromScene(chart.labels[n].scenePos())))
             .adjusted(1, 1, -1, -1) for n in shown]          # a pixel of rounding from mapFromScene
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])
    busiest = max(chart.graph.degree, key=lambda pair: pair[1])[0]
    assert chart.labels[busiest].isVisible()


def test_analysis_uses_the_view_on_screen_and_ranks_as_the_cli(qtbot, window, sample_case_path) -> None:
    assert window.open_case(sample_case_path)
    job = window.run_analysis()
    qtbot.waitUntil(lambda: job.outcome is not None, timeout=90000)
    assert job.outcome == "succeeded", job.error
    qtbot.waitUntil(lambda: window.analysis is not None, timeout=10000)
    assert window.analysis["graph"]["view"] == "persons"
    table = window.analysis_panel.tables["entities"]
    types = {e["id"]: e["type"] for e in window.analysis["entities"]}
    listed = [table.row_entities(row)[0] for row in range(table.model().rowCount())]
    ranked = [e["id"] for e in window.analysis["entities"] if e["type"] in TARGET_TYPES]
    assert listed == ranked and all(types[i] in TARGET_TYPES for i in listed)
    assert any(types[i] not in TARGET_TYPES for i in types)                  # places are measured, not listed
    assert any(t.startswith("Size: key-player score") for t in window.chart_panel.chart.legend.texts())


def test_choosing_a_row_centres_and_highlights_it_on_the_chart(qtbot, window, sample_case_path) -> None:
    assert window.open_case(sample_case_path)
    chart = window.chart_panel.chart
    far = max(chart.items_by_id, key=lambda n: chart.items_by_id[n].pos().x())
    window.select([far])
    middle = chart.mapToScene(chart.viewport().rect().center())
    spot = chart.items_by_id[far].pos()
    assert abs(spot.x() - middle.x()) * chart.zoom() < 30 and abs(spot.y() - middle.y()) * chart.zoom() < 30
    assert chart.items_by_id[far].isSelected() and chart.labels[far].isVisible()
    assert chart.zoom() >= 0.8


def test_export_dialog_exports_what_is_on_screen_with_the_exhibit_number(qtbot, window, sample_case_path) -> None:
    assert window.open_case(sample_case_path)
    chart = window.chart_panel.chart
    hidden = sorted(chart.shown_entities())[:3]
    chart.hide(hidden)
    dialog = ExportDialog("exhibit", Path("/tmp/x"), 0, window, on_chart=len(chart.shown_entities()),
                          view=window.chart_panel.view_box.currentText())
    dialog.exhibit_number.setText("GX-14")
    options = window.export_options(dialog)
    assert options.exhibit_number == "GX-14"
    assert options.filter.view == "persons"
    assert set(options.entity_ids) == chart.shown_entities() and not set(hidden) & set(options.entity_ids)
    assert options.extra["max_nodes"] == len(options.entity_ids)
    dialog.scope.setCurrentIndex(dialog.scope.findData("case"))
    assert window.export_options(dialog).entity_ids is None
