"""The import wizard driven like a user: preview, a mapping changed by dropdown, import, cancel, strict failure."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from linkgraph.case import CaseFile
from ui import app as ui_app
from ui.import_wizard import ImportWizard


def _wizard(qtbot, case_path: Path, file: Path) -> ImportWizard:
    with CaseFile.open(case_path) as case:
        tz, region = case.timezone, case.region
    wizard = ImportWizard(case_path, timezone=tz, region=region, file=file)
    qtbot.addWidget(wizard)
    qtbot.waitUntil(lambda: wizard.preview is not None and not wizard.previewing, timeout=15000)
    return wizard


def _cell_texts(table, column: int) -> list[str]:
    return [table.item(row, column).text() for row in range(table.rowCount())]


def _combo(wizard: ImportWizard, field: str) -> QComboBox:
    combo = wizard.mapping.findChild(QComboBox, f"map_{field}")
    assert combo is not None, f"no dropdown for {field}"
    return combo


def _snapshot(case_path: Path) -> tuple[str, dict]:
    with CaseFile.open(case_path, read_only=True) as case:
        return case.sha256(), case.counts()


def test_preview_shows_kind_profile_mapping_and_the_row_that_would_be_rejected(qtbot, case_path, link_sheet):
    wizard = _wizard(qtbot, case_path, link_sheet)
    preview = wizard.preview
    assert preview.kind == "links" and preview.profile == "generic-links"
    assert wizard.kind.currentText() == "(detect): links"
    assert wizard.profile.currentText() == "(detect): generic-links"
    assert _combo(wizard, "source").currentText() == "Person A"
    assert _combo(wizard, "target").currentText() == "Person B"
    assert _combo(wizard, "notes").currentText() == "Source notes"
    # the first rows, mapped: row numbers are the file's own, the last column says why a row would be rejected
    rows = wizard.rows
    assert _cell_texts(rows, 0) == ["2", "3", "4", "5", "6", "7", "8"]
    header = [rows.horizontalHeaderItem(c).text() for c in range(rows.columnCount())]
    assert header[1] == "source\n(Person A)" and header[-1] == "rejected because"
    reasons = _cell_texts(rows, rows.columnCount() - 1)
    assert reasons[4] == "no target entity in this row [Person B]"
    assert [r for i, r in enumerate(reasons) if i != 4] == [""] * 6
    assert rows.item(4, 1).background().color().name() == "#ffdddd"
    assert "1 would be rejected" in wizard.verdict.text()
    # six good rows: five people (Vidal, Pena, Torres, Ruiz, Lopez) and one set; six links
    assert (preview.entities, preview.links) == (6, 6)
    assert wizard.import_button.isEnabled()


def test_changing_a_column_by_dropdown_previews_again_with_the_new_mapping(qtbot, case_path, link_sheet):
    wizard = _wizard(qtbot, case_path, link_sheet)
    first = wizard.preview
    combo = _combo(wizard, "notes")
    combo.setCurrentIndex(combo.findText("Analyst"))
    with qtbot.waitSignal(wizard.previewReady, timeout=15000):
        combo.activated.emit(combo.currentIndex())
    assert wizard.preview is not first
    assert wizard.preview.mapping["notes"] == "Analyst"
    notes_column = [wizard.rows.horizontalHeaderItem(c).text() for c in range(wizard.rows.columnCount())].index(
        "notes\n(Analyst)")
    assert _cell_texts(wizard.rows, notes_column)[:2] == ["K. Ortiz", "K. Ortiz"]
    assert wizard.options().mapping == {"notes": "Analyst"}


def test_import_lenient_writes_the_good_rows_and_keeps_the_bad_one(qtbot, case_path, link_sheet):
    wizard = _wizard(qtbot, case_path, link_sheet)
    wizard.lenient.setChecked(True)
    assert "They will be kept as rejected rows." in wizard.verdict.text()
    with qtbot.waitSignal(wizard.imported, timeout=20000) as imported:
        qtbot.mouseClick(wizard.import_button, Qt.MouseButton.LeftButton)
    result = imported.args[0]
    assert (result.rows_imported, result.rows_rejected, result.links_created) == (6, 1, 6)
    with CaseFile.open(case_path) as case:
        assert case.counts()["link_total"] == 6
        assert [(r["row"], r["column"]) for r in case.rejected_rows()] == [(6, "Person B")]
        assert case.sources()[0].name == "gang_intel_2024.csv"
        assert case.find_entity("Person", "Ramon Vidal") is None   # persons have no key; found by label instead
        assert any(e.label == "Ramon Vidal" for e in case.entities("Person"))
    assert wizard.outcome == "imported"


def test_cancel_during_the_import_leaves_the_case_unchanged(qtbot, case_path, link_sheet):
    before = _snapshot(case_path)
    wizard = _wizard(qtbot, case_path, link_sheet)
    wizard.lenient.setChecked(True)

    def cancel_at_once(job):
        # Cancel before the worker process has started: its first progress report (from inside the
        # import's transaction) answers False, so the importer raises Cancelled and rolls back.
        job.cancel()

    wizard.importStarting.connect(cancel_at_once)
    job = wizard.start_import()
    qtbot.waitUntil(lambda: wizard.outcome is not None, timeout=20000)
    assert job.outcome == "cancelled" and wizard.outcome == "cancelled"
    assert wizard.status.text() == "Import cancelled: the case is unchanged."
    assert wizard.isVisible() is False or wizard.result is None
    assert _snapshot(case_path) == before


def test_strict_import_of_a_bad_row_fails_with_a_dialog_and_writes_nothing(qtbot, case_path, link_sheet):
    before = _snapshot(case_path)
    wizard = _wizard(qtbot, case_path, link_sheet)
    shown = len(ui_app.shown_errors())
    wizard.start_import()
    qtbot.waitUntil(lambda: wizard.outcome is not None, timeout=20000)
    assert wizard.outcome == "failed"
    message = ui_app.shown_errors()[shown]
    assert message.startswith("gang_intel_2024.csv, row 6, column 'Person B': no target entity in this row")
    assert "Traceback" not in message
    assert _snapshot(case_path) == before
    assert wizard.import_button.isEnabled()


def test_unmappable_file_says_what_is_missing_and_cannot_be_imported(qtbot, case_path, tmp_path):
    odd = tmp_path / "odd_links.csv"
    odd.write_text("Suspect,Contact,When\nAl Diaz,Bo Chen,2024-03-01\n", encoding="utf-8")
    with CaseFile.open(case_path) as case:
        tz = case.timezone
    wizard = ImportWizard(case_path, timezone=tz, file=None)
    qtbot.addWidget(wizard)
    wizard.kind.setCurrentIndex(wizard.kind.findData("links"))
    with qtbot.waitSignal(wizard.previewReady, timeout=15000):
        wizard.set_file(odd)
        wizard.kind.setCurrentIndex(wizard.kind.findData("links"))
        wizard._kind_changed(0)
    assert "no column found for source" in wizard.problem.text()
    assert not wizard.import_button.isEnabled()
    # map both ends with the dropdowns: the preview then reads the row
    with qtbot.waitSignal(wizard.previewReady, timeout=15000):
        wizard.set_mapping("source", "Suspect")
        wizard.set_mapping("target", "Contact")
    assert wizard.problem.text() == ""
    assert wizard.preview.rows[0]["values"]["source"] == "Al Diaz"
    assert wizard.import_button.isEnabled()


def test_save_mapping_as_profile(qtbot, case_path, link_sheet):
    wizard = _wizard(qtbot, case_path, link_sheet)
    combo = _combo(wizard, "notes")
    combo.setCurrentIndex(combo.findText("Analyst"))
    with qtbot.waitSignal(wizard.previewReady, timeout=15000):
        combo.activated.emit(combo.currentIndex())
    wizard.save_name.setText("intel-sheet")
    path = wizard.save_mapping()
    assert path is not None and path.name == "intel-sheet.yaml"
    text = path.read_text(encoding="utf-8")
    assert "notes:\n  - Analyst" in text
    assert wizard.profile.findData("intel-sheet") >= 0


def test_a_carrier_return_from_the_sample_case_is_detected_and_imported(qtbot, case_path):
    from sample_cases.build import sample_dir

    file = sample_dir() / "tmobile_return_haskins.xlsx"
    wizard = _wizard(qtbot, case_path, file)
    assert (wizard.preview.kind, wizard.preview.profile) == ("phone", "tmobile")
    assert wizard.kind.currentText() == "(detect): phone"
    assert _combo(wizard, "caller").currentText() == "Calling Number"
    assert wizard.rows.rowCount() == 200 and wizard.preview.rejected == []
    with qtbot.waitSignal(wizard.imported, timeout=60000) as imported:
        wizard.start_import()
    result = imported.args[0]
    assert result.kind == "phone" and result.rows_rejected == 0 and result.rows_imported > 200
    with CaseFile.open(case_path) as case:
        assert case.find_entity("Phone", "+12095550144") is not None
        assert case.sources()[0].profile == "tmobile"


def test_a_file_of_no_known_kind_asks_for_the_kind_then_previews(qtbot, case_path, tmp_path):
    odd = tmp_path / "inventory.csv"
    odd.write_text("Item,Shelf,Count\nbolts,A3,40\n", encoding="utf-8")
    wizard = ImportWizard(case_path, file=odd)
    qtbot.addWidget(wizard)
    qtbot.waitUntil(lambda: wizard.preview_job is not None and wizard.preview_job.outcome == "failed", timeout=15000)
    qtbot.waitUntil(lambda: wizard.problem.text() != "", timeout=5000)
    assert wizard.problem.text() == "inventory.csv: cannot tell what kind of records this is: choose the kind of records above."
    assert not wizard.import_button.isEnabled()
    with qtbot.waitSignal(wizard.previewReady, timeout=15000):
        wizard.kind.setCurrentIndex(wizard.kind.findData("links"))
        wizard.kind.activated.emit(wizard.kind.currentIndex())
    assert wizard.preview.kind == "links" and "no column found for source" in wizard.problem.text()


def test_a_pdf_dropped_on_the_wizard_is_named_as_not_importable(qtbot, case_path, tmp_path):
    pdf = tmp_path / "T-Mobile subpoena response.pdf"
    pdf.write_bytes(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 4)
    with CaseFile.open(case_path) as case:
        tz, region = case.timezone, case.region
    wizard = ImportWizard(case_path, timezone=tz, region=region, file=pdf)
    qtbot.addWidget(wizard)
    assert wizard.problem.text().startswith("T-Mobile subpoena response.pdf is a PDF document, which linkgraph "
                                            "does not import")
    assert not wizard.import_button.isEnabled()


def test_money_options_amounts_and_dayfirst_reach_the_preview_and_the_import(qtbot, case_path):
    """The wizard's amounts dropdown and day-first box: the preview says what is assumed, the import follows."""
    money = Path(__file__).parents[1] / "importers" / "money"
    wizard = _wizard(qtbot, case_path, money / "amex.csv")
    assert wizard.preview.kind == "finance" and wizard.preview.profile == "amex"
    assert wizard.preview.assumed["amounts"].startswith("purchases-positive")
    wizard.amounts.setCurrentIndex(wizard.amounts.findData("purchases-negative"))
    wizard.dayfirst.setChecked(True)
    wizard.refresh_preview()
    qtbot.waitUntil(lambda: not wizard.previewing and wizard.preview is not None and wizard.preview.assumed.get("amounts", "").startswith(
        "purchases-negative"), timeout=15000)
    assert wizard.options().extra == {"amounts": "purchases-negative", "dayfirst": True}
    with qtbot.waitSignal(wizard.imported, timeout=20000) as imported:
        qtbot.mouseClick(wizard.import_button, Qt.MouseButton.LeftButton)
    assert imported.args[0].assumed["amounts"] == "purchases-negative (as given (--amounts))"
    with CaseFile.open(case_path) as case:
        motel = case.conn.execute(
            "SELECT a.label FROM links l JOIN entities a ON a.id = l.src WHERE l.type IN ('paid', 'transferred') "
            "AND l.row = 2").fetchone()
    assert motel == ("Motel 6",)          # read as the user said: the +73.15 is money in from the motel


def test_headerless_file_mapped_by_column_number(qtbot, case_path):
    money = Path(__file__).parents[1] / "importers" / "money"
    with CaseFile.open(case_path) as case:
        tz, region = case.timezone, case.region
    wizard = ImportWizard(case_path, timezone=tz, region=region, file=money / "headerless.csv")
    qtbot.addWidget(wizard)
    qtbot.waitUntil(lambda: not wizard.previewing, timeout=15000)
    wizard.kind.setCurrentIndex(wizard.kind.findData("finance"))
    wizard.overrides = {"date": "1", "description": "2", "amount": "3"}
    wizard.no_header.setChecked(True)
    qtbot.waitUntil(lambda: not wizard.previewing and wizard.preview is not None and wizard.preview.columns == ["1", "2", "3"]
                    and wizard.preview.links == 2, timeout=15000)
    assert wizard.options().extra == {"no_header": True}
