"""The import wizard offers what `linkgraph import` offers for money and hotel files: the statement holder and
their account (--holder, --holder-account), the hotel a Booking.com download is from (--hotel) and the zone of
the file's times (--source-tz). Each reaches the preview (which says what it assumed) and the import."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import QLineEdit

from linkgraph.case import CaseFile
from ui.import_wizard import ImportWizard

TESTS = Path(__file__).parents[1]
MONEY, HOTELS = TESTS / "importers" / "money", TESTS / "importers" / "hotels"
CASH_APP = TESTS.parent / "sample_cases" / "gang_enterprise" / "cashapp_haskins.csv"


def _wizard(qtbot, case_path: Path, file: Path) -> ImportWizard:
    wizard = ImportWizard(case_path, timezone="America/Los_Angeles", region="US", file=file)
    qtbot.addWidget(wizard)
    qtbot.waitUntil(lambda: wizard.preview is not None and not wizard.previewing, timeout=15000)
    return wizard


def _type(qtbot, wizard: ImportWizard, field: QLineEdit, text: str) -> None:
    """Type into a field and leave it, as a user would; wait for the new preview."""
    with qtbot.waitSignal(wizard.previewReady, timeout=15000):
        field.setText(text)
        field.editingFinished.emit()


def test_the_wizard_has_every_money_and_hotel_option_of_the_cli(qtbot, case_path: Path) -> None:
    wizard = _wizard(qtbot, case_path, MONEY / "venmo.csv")
    for name in ("amounts", "holder", "holderAccount", "hotel", "sourceTz", "dayfirst", "noHeader"):
        assert wizard.findChild(object, name) is not None, name


def test_holder_and_holder_account_reach_the_import(qtbot, case_path: Path) -> None:
    wizard = _wizard(qtbot, case_path, CASH_APP)
    assert wizard.preview.profile == "cashapp"
    _type(qtbot, wizard, wizard.holder, "Darnell Haskins")
    _type(qtbot, wizard, wizard.holder_account, "$BossD209")
    assert wizard.options().extra == {"holder": "Darnell Haskins", "holder_account": "$BossD209"}
    with qtbot.waitSignal(wizard.imported, timeout=60000):
        wizard.start_import()
    with CaseFile.open(case_path) as case:
        owns = case.conn.execute(
            "SELECT a.label, b.key FROM links l JOIN entities a ON a.id = l.src JOIN entities b ON b.id = l.dst "
            "WHERE l.type = 'owns'").fetchall()
    assert ("Darnell Haskins", "$bossd209") in owns


def test_source_time_zone_field_overrides_venmo_utc(qtbot, case_path: Path) -> None:
    wizard = _wizard(qtbot, case_path, MONEY / "venmo.csv")
    assert wizard.preview.assumed["time zone"].startswith("UTC (Venmo statements give Datetime in UTC")
    assert "time zone UTC (Venmo" in wizard.verdict.text()
    _type(qtbot, wizard, wizard.source_tz, "Mars/Base")
    assert "unknown time zone 'Mars/Base'" in wizard.problem.text() and not wizard.import_button.isEnabled()
    _type(qtbot, wizard, wizard.source_tz, "America/New_York")
    assert wizard.preview.assumed["time zone"] == "America/New_York (as given (--source-tz))"
    assert wizard.options().tz == "America/New_York"
    with qtbot.waitSignal(wizard.imported, timeout=60000):
        wizard.start_import()
    with CaseFile.open(case_path) as case:
        start = case.conn.execute("SELECT start FROM links WHERE row = 5 AND type = 'transferred'").fetchone()[0]
    assert datetime.fromtimestamp(start, UTC) == datetime(2024, 3, 3, 3, 6, 29, tzinfo=UTC)   # 22:06:29 EST


def test_hotel_name_field_names_a_booking_com_download(qtbot, case_path: Path) -> None:
    wizard = _wizard(qtbot, case_path, HOTELS / "booking_com.csv")
    assert wizard.preview.profile == "booking-com"
    assert "the file does not name the hotel" in wizard.preview.assumed["hotel"]
    _type(qtbot, wizard, wizard.hotel, "Sierra Motor Lodge")
    assert wizard.preview.assumed["hotel"] == "'Sierra Motor Lodge' (as given (--hotel))"
    with qtbot.waitSignal(wizard.imported, timeout=60000):
        wizard.start_import()
    with CaseFile.open(case_path) as case:
        hotels = case.conn.execute("SELECT label FROM entities WHERE type = 'Hotel'").fetchall()
    assert hotels == [("Sierra Motor Lodge",)]
