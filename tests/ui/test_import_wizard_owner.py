"""The import wizard on a handset's call log: without the owner's number it says what is missing; with the
'Handset owner' field filled it previews and imports (the same --owner the CLI takes)."""

from __future__ import annotations

from pathlib import Path

from linkgraph.case import CaseFile
from ui.import_wizard import ImportWizard


def test_handset_log_needs_the_owner_then_imports(qtbot, case_path: Path, tmp_path: Path) -> None:
    log = tmp_path / "call_log.csv"
    log.write_text("date,number,type,duration,name\n2024-03-01 15:27:44,2095550144,Missed,0,Big D\n"
                   "2024-03-01 16:00:00,Restricted,Incoming,12,\n", encoding="utf-8")
    wizard = ImportWizard(case_path, timezone="America/Los_Angeles", region="US", file=log)
    qtbot.addWidget(wizard)
    qtbot.waitUntil(lambda: wizard.preview is not None and not wizard.previewing, timeout=15000)
    assert wizard.preview.profile == "handset-log" and "Handset owner" in wizard.preview.problem
    with qtbot.waitSignal(wizard.previewReady, timeout=15000):
        wizard.owner.setText("(209) 555-0101")
        wizard.owner.editingFinished.emit()
    assert not wizard.preview.problem and wizard.preview.assumed["owner"] == "+12095550101 (--owner)"
    with qtbot.waitSignal(wizard.imported, timeout=60000) as imported:
        wizard.start_import()
    assert imported.args[0].rows_imported == 2
    with CaseFile.open(case_path) as case:
        ends = case.conn.execute("SELECT a.key, b.key FROM links l JOIN entities a ON a.id = l.src "
                                 "JOIN entities b ON b.id = l.dst ORDER BY l.row").fetchall()
    assert ends == [("+12095550144", "+12095550101"), ("withheld", "+12095550101")]
