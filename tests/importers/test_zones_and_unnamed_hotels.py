"""Which zone a file's times are in, and which hotel a file that names none is from: Venmo statements are
read in UTC (both the 2021 layout and the current one), `--source-tz` overrides any file's zone and the
import line says which zone and why; a Booking.com download gets `--hotel NAME`, or a hotel of its own
that is never matched to another by name. Files in tests/importers/money/ and hotels/ (real headers)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from importers import import_file
from importers.options import ImportOptions
from linkgraph.case import CaseFile
from linkgraph.cli import main
from linkgraph.errors import LinkgraphError

HERE = Path(__file__).parent
MONEY, HOTELS = HERE / "money", HERE / "hotels"


@pytest.fixture
def case(tmp_path: Path):
    found = CaseFile.create(tmp_path / "zones.lgcase", timezone="America/Los_Angeles")
    yield found
    found.close()


def starts(case: CaseFile, file: str | None = None) -> dict[int, datetime]:
    rows = case.conn.execute(
        "SELECT l.row, l.start FROM links l JOIN sources s ON s.id = l.source_id WHERE l.type IN ('paid', "
        "'transferred') AND s.name = coalesce(?, s.name)", (file,)).fetchall()
    return {row: datetime.fromtimestamp(start, UTC) for row, start in rows}


# ------------------------------------------------------------------------------------------ Venmo in UTC


@pytest.mark.parametrize(("name", "row", "written"), [
    ("venmo.csv", 5, datetime(2024, 3, 2, 22, 6, 29, tzinfo=UTC)),          # current layout (Amount (tax))
    ("venmo_2021.csv", 5, datetime(2021, 3, 29, 3, 43, 8, tzinfo=UTC)),      # 2021 layout (no tax columns)
])
def test_venmo_datetime_is_utc(case: CaseFile, name: str, row: int, written: datetime) -> None:
    result = import_file(case, MONEY / name, ImportOptions(kind="finance"))
    assert result.profile == "venmo" and result.rows_rejected == 0
    assert starts(case)[row] == written                  # the instant written, not 7 or 8 hours later
    assert result.assumed["time zone"].startswith("UTC (Venmo statements give Datetime in UTC")


def test_source_tz_overrides_the_layout_and_is_said(case: CaseFile) -> None:
    result = import_file(case, MONEY / "venmo.csv", ImportOptions(kind="finance", tz="America/New_York"))
    assert result.assumed["time zone"] == "America/New_York (as given (--source-tz))"
    assert starts(case)[5] == datetime(2024, 3, 3, 3, 6, 29, tzinfo=UTC)     # 22:06:29 EST


def test_a_file_that_says_nothing_is_read_in_the_case_zone_and_says_so(case: CaseFile) -> None:
    result = import_file(case, MONEY / "chase_checking.csv", ImportOptions(kind="finance"))
    assert result.assumed["time zone"].startswith("America/Los_Angeles (the case's zone: the file does not say")


def test_cli_source_tz_and_a_new_case_zone(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """--tz sets the case's zone; a Venmo file is still UTC; --source-tz is for any file; a misspelt zone is
    one clear line."""
    target = tmp_path / "cli.lgcase"
    assert main(["new", str(target), "--tz", "UTC"]) == 0
    venmo = tmp_path / "venmo.csv"
    shutil.copy(MONEY / "venmo.csv", venmo)
    assert main(["import", str(target), str(venmo), "--tz", "America/Chicago"]) == 0
    out = capsys.readouterr().out
    assert "time zone UTC (Venmo statements give Datetime in UTC" in out
    bank = tmp_path / "bank.csv"
    shutil.copy(MONEY / "chase_checking.csv", bank)
    assert main(["import", str(target), str(bank)]) == 0
    assert "time zone America/Chicago (the case's zone" in capsys.readouterr().out
    mint = tmp_path / "mint.csv"
    shutil.copy(MONEY / "mint.csv", mint)
    assert main(["import", str(target), str(mint), "--source-tz", "America/Denver"]) == 0
    assert "time zone America/Denver (as given (--source-tz))" in capsys.readouterr().out
    with CaseFile.open(target) as case:
        assert starts(case, "venmo.csv")[5] == datetime(2024, 3, 2, 22, 6, 29, tzinfo=UTC)
    assert main(["import", str(target), str(MONEY / "amex.csv"), "--source-tz", "Pacific/Nowhere"]) != 0
    assert "unknown time zone 'Pacific/Nowhere'" in capsys.readouterr().err


def test_source_tz_checked_by_the_importer(case: CaseFile) -> None:
    with pytest.raises(LinkgraphError, match="unknown time zone 'Mars/Base'"):
        import_file(case, MONEY / "venmo.csv", ImportOptions(kind="finance", tz="Mars/Base"))


# ------------------------------------------------------------------------------------------ unnamed hotels


def hotels(case: CaseFile) -> list[tuple[str, str]]:
    return case.conn.execute("SELECT key, label FROM entities WHERE type = 'Hotel' ORDER BY id").fetchall()


def test_booking_com_without_hotel_gets_its_own_unnamed_hotel(case: CaseFile, tmp_path: Path) -> None:
    first = import_file(case, HOTELS / "booking_com.csv", ImportOptions(kind="hotel"))
    assert first.assumed["hotel"].startswith("'Hotel of booking_com.csv (not named in the file)': the file does "
                                             "not name the hotel")
    other = tmp_path / "booking_com_copy.csv"
    other.write_text((HOTELS / "booking_com.csv").read_text().replace("4012345678", "4099999999"))
    import_file(case, other, ImportOptions(kind="hotel"))
    found = hotels(case)
    assert [label for _, label in found] == ["Hotel of booking_com.csv (not named in the file)",
                                             "Hotel of booking_com_copy.csv (not named in the file)"]
    assert all(key.startswith("UNNAMED:") for key, _ in found)
    # a hotel really called by that name elsewhere is a different entity: never matched by name
    named = tmp_path / "registry.csv"
    named.write_text("Folio #,Room,Guest Name,Arrival,Departure,Hotel\n"
                     "F1,101,Ana Diaz,03/01/2024,03/02/2024,Hotel of booking_com.csv (not named in the file)\n")
    import_file(case, named, ImportOptions(kind="hotel"))
    assert len(hotels(case)) == 3


def test_hotel_option_names_the_property(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    target = tmp_path / "cli.lgcase"
    assert main(["new", str(target), "--tz", "America/Los_Angeles"]) == 0
    assert main(["import", str(target), str(HOTELS / "booking_com.csv"), "--hotel", "Sierra Motor Lodge"]) == 0
    out = capsys.readouterr().out
    assert "hotel 'Sierra Motor Lodge' (as given (--hotel))" in out
    registry = tmp_path / "registry.csv"
    registry.write_text("SIERRA MOTOR LODGE\nFolio #,Room,Guest Name,Arrival,Departure\n"
                        "F1,101,Ana Diaz,03/01/2024,03/02/2024\n")
    assert main(["import", str(target), str(registry)]) == 0
    with CaseFile.open(target) as case:
        assert [label for _, label in hotels(case)] == ["Sierra Motor Lodge"]      # matched by name, as named
        stays = case.conn.execute("SELECT count(*) FROM links WHERE type = 'stayed_at'").fetchone()[0]
    assert stays == 2


# ------------------------------------------------------------------------------------------ OFX amounts and payees


def test_ofx_thousands_separators_and_who_the_payee_is(case: CaseFile) -> None:
    """NAME is the payee as the bank writes it: a person's name, a merchant's text, or the bank's wording with the
    payee in MEMO; amounts written '-3,100.00' are read as 3100 and the import line says so."""
    result = import_file(case, MONEY / "bank_names.ofx", ImportOptions())
    assert result.profile == "ofx" and result.rows_rejected == 0
    assert result.assumed["thousands separators"].startswith("taken out of 2 amounts (e.g. '-3,100.00')")
    rows = {r[0]: r[1:] for r in case.conn.execute(
        "SELECT l.row, a.type, a.label, b.type, b.label, l.amount FROM links l JOIN entities a ON a.id = l.src "
        "JOIN entities b ON b.id = l.dst WHERE l.type IN ('paid', 'transferred')")}
    account = "Golden State Credit Union 000123456789"
    assert rows[1] == ("Account", account, "Hotel", "SIERRA MOTOR LODGE", 45.1)       # POS PURCHASE + MEMO
    assert rows[2][2:4] == ("Business", "AMZN Mktp US*2K4LJ0QX2")                     # merchant text, not a person
    assert rows[3][2:4] == ("Person", "Reed Tasha")                                   # ZELLE TO REED TASHA
    assert rows[5][2:4] == ("Account", "SAV ...4411")                                 # the holder's own savings
    assert rows[7][2:4] == ("Business", "Venmo")                                      # VENMO PAYMENT names nobody
    assert rows[8][:2] == ("Person", "TASHA REED")                                    # a name written as a person's
    assert rows[9][2:4] == ("Business", "NETFLIX.COM CA")                             # Wells Fargo's card suffix off
    assert rows[10] == ("Account", account, "Person", "Jamal Pruitt", 3100.0)         # WIRE ... BNF: in MEMO
    labels = {r[0].upper() for r in case.conn.execute("SELECT label FROM entities")}
    assert not labels & {"POS PURCHASE", "WIRE TRANSFER OUT", "VENMO PAYMENT", "ATM WITHDRAWAL", "OVERDRAFT FEE"}


@pytest.mark.parametrize(("written", "line_part"), [("-1,250", "<TRNAMT>-1,250"), ("2,500", "<TRNAMT>2,500")])
def test_ofx_ambiguous_thousands_separator_is_refused(case: CaseFile, tmp_path: Path, written: str,
                                                      line_part: str) -> None:
    path = tmp_path / "statement.qfx"
    path.write_text((MONEY / "bank.ofx").read_text().replace("<TRNAMT>-250.00", f"<TRNAMT>{written}"))
    with pytest.raises(LinkgraphError) as error:
        import_file(case, path, ImportOptions())
    message = str(error.value)
    assert message.startswith("statement.qfx: OFX/QFX: line 44 (FITID 202403040001): the amount " + line_part)
    assert "could be read two ways" in message
    assert case.conn.execute("SELECT count(*) FROM links").fetchone()[0] == 0


def test_ofx_xml_amounts_with_separators() -> None:
    from importers.ofx import normalise_amounts

    data = (b"<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><TRNAMT>-1,234.56</TRNAMT><FITID>A1</FITID></STMTTRN>"
            b"<STMTTRN><TRNAMT>1.234,50</TRNAMT></STMTTRN><STMTTRN><TRNAMT>12,50</TRNAMT></STMTTRN>"
            b"<LEDGERBAL><BALAMT>1,234,567</BALAMT></LEDGERBAL>")
    out, amounts = normalise_amounts(data, Path("x.ofx"))
    assert b"<TRNAMT>-1234.56</TRNAMT>" in out and b"<TRNAMT>1234.50</TRNAMT>" in out
    assert b"<TRNAMT>12,50</TRNAMT>" in out             # a decimal comma, which OFX allows: left to the parser
    assert b"<BALAMT>1234567</BALAMT>" in out and amounts.normalised == 3
