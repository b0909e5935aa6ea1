"""The import wizard on a handset extraction workbook (Cellebrite: a sheet per artifact and a device sheet): it
lists every sheet with what it will be imported as, previews the sheet the user clicks, and imports only the sheets
ticked. Also the 'Phone region' field: a foreign return is refused with the region to give, then imports."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

from linkgraph.case import CaseFile
from ui.import_wizard import ImportWizard

HERE = Path(__file__).resolve().parent


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def workbook(tmp_path: Path) -> Path:
    extraction = _load("extraction_fixtures", HERE.parent / "importers" / "test_extraction.py")
    path = extraction.cellebrite_workbook(tmp_path / "UFED_Report.xlsx")
    import openpyxl

    book = openpyxl.load_workbook(path)
    notes = book.create_sheet("Timeline notes")         # a sheet that is none of the artifacts
    notes.append(["Examiner notes"])
    notes.append(["reviewed 2024-03-05"])
    book.save(path)
    return path


def _ready(wizard: ImportWizard) -> bool:
    return wizard.preview is not None and not wizard.previewing


def test_workbook_sheets_listed_previewed_and_chosen(qtbot, case_path: Path, tmp_path: Path) -> None:
    path = workbook(tmp_path)
    wizard = ImportWizard(case_path, timezone="America/Los_Angeles", region="US", file=path)
    qtbot.addWidget(wizard)
    qtbot.waitUntil(lambda: _ready(wizard), timeout=30000)
    found = wizard.preview
    assert found.kind == "extraction" and not found.problem
    plan = {s["name"]: (s["what"], s["chosen"]) for s in found.sheets}
    assert plan == {"Device Info": ("device info", False), "Call Log": ("calls", True), "Contacts": ("contacts", True),
                    "SMS Messages": ("messages", True), "Timeline notes": ("not imported", False)}
    device = next(s for s in found.sheets if s["name"] == "Device Info")
    assert "+12095550101" in device["note"]                             # the owner the import will use
    assert wizard.sheets_box.isVisibleTo(wizard) and wizard.sheets.rowCount() == 5
    shown = [wizard.sheets.item(r, 2).text() for r in range(5)]
    assert "calls (previewed below)" in shown
    assert found.sheet == "Call Log" and found.profile == "cellebrite-calls"
    assert found.rows[0]["values"]["party"] == "+12095550144 Big D"
    assert found.links == 9 and "Call Log" in found.assumed["kind"]      # 5 calls, 2 texts, 2 saved contacts

    # click the messages sheet: its rows and mapping are shown
    with qtbot.waitSignal(wizard.previewReady, timeout=30000):
        row = next(r for r in range(5) if wizard.sheets.item(r, 1).text() == "SMS Messages")
        wizard.sheets.cellClicked.emit(row, 1)
    assert wizard.preview.sheet == "SMS Messages" and wizard.preview.profile == "messages"
    assert wizard.preview.rows[0]["values"]["body"] == "u up? new girl at the motel"
    header = [wizard.rows.horizontalHeaderItem(c).text() for c in range(wizard.rows.columnCount())]
    assert any(h.startswith("body") for h in header)

    # untick the call log: the dry run and the import take the other two sheets only
    with qtbot.waitSignal(wizard.previewReady, timeout=30000):
        row = next(r for r in range(5) if wizard.sheets.item(r, 1).text() == "Call Log")
        from PySide6.QtCore import Qt

        wizard.sheets.item(row, 0).setCheckState(Qt.CheckState.Unchecked)
    assert wizard.chosen_sheets == ["Contacts", "SMS Messages"]
    assert "Call Log" not in wizard.preview.assumed["kind"]
    with qtbot.waitSignal(wizard.imported, timeout=60000) as imported:
        wizard.start_import()
    assert imported.args[0].kind == "extraction"
    with CaseFile.open(case_path) as case:
        kinds = dict(case.conn.execute("SELECT type, COUNT(*) FROM links GROUP BY type").fetchall())
    assert kinds == {"sms": 2, "knows": 2}


def test_phone_region_field(qtbot, case_path: Path, tmp_path: Path) -> None:
    rng = random.Random(3)
    lines = ["Calling Number,Called Number,Date/Time,Duration"]
    for index in range(30):
        other = rng.choice("6789") + "".join(rng.choice("0123456789") for _ in range(9))
        lines.append(f"9876543210,{other},2024-03-01 10:{index:02d}:00,60")
    path = tmp_path / "india.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    wizard = ImportWizard(case_path, timezone="Asia/Kolkata", region="US", file=path)
    qtbot.addWidget(wizard)
    qtbot.waitUntil(lambda: _ready(wizard), timeout=30000)
    assert "--region IN" in (wizard.preview.problem or "")
    with qtbot.waitSignal(wizard.previewReady, timeout=30000):
        wizard.phone_region.setText("in")
        wizard.phone_region.editingFinished.emit()
    assert not wizard.preview.problem and wizard.preview.assumed["region"] == "IN (--region)"
