"""Money as it is downloaded: one test per sign convention asserting who paid whom, cheques and fees with
no invented parties, the holder's own accounts, Venmo charges and transfers, PayPal e-mails and zones, OFX,
headerless files, unsupported formats named, a corrected copy that does not double the money, and dates
read in one day/month order per column. Files in tests/importers/money/ (real headers, rows of our own)."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from importers import import_file
from importers.options import ImportOptions
from linkgraph.case import CaseFile
from linkgraph.cli import main
from linkgraph.errors import InputError

MONEY = Path(__file__).parent / "money"


@pytest.fixture
def case(tmp_path: Path):
    found = CaseFile.create(tmp_path / "money.lgcase", timezone="America/Los_Angeles")
    yield found
    found.close()


def payments(case: CaseFile, source_id: int | None = None) -> list[dict]:
    """Each payment as {row, type, payer, payee, payer_type, payee_type, amount, start, attrs}."""
    rows = case.conn.execute(
        "SELECT l.row, l.type, a.label, b.label, a.type, b.type, l.amount, l.start, l.attrs FROM links l "
        "JOIN entities a ON a.id = l.src JOIN entities b ON b.id = l.dst WHERE l.type IN ('paid', 'transferred') "
        + ("AND l.source_id = ? " if source_id else "") + "ORDER BY l.source_id, l.row",
        (source_id,) if source_id else ()).fetchall()
    keys = ("row", "type", "payer", "payee", "payer_type", "payee_type", "amount", "start", "attrs")
    return [{**dict(zip(keys, r, strict=True)), "attrs": json.loads(r[8] or "{}")} for r in rows]


def by_row(found: list[dict]) -> dict[int, tuple[str, str, float]]:
    return {p["row"]: (p["payer"], p["payee"], p["amount"]) for p in found}


def run(case: CaseFile, name: str, mapping: dict[str, str] | None = None, **extra) -> object:
    options = ImportOptions(kind="finance", strict=False, mapping=dict(mapping or {}), extra=dict(extra))
    return import_file(case, MONEY / name, options)


# ------------------------------------------------------------------------------------------ conventions


def test_card_download_purchases_positive(case: CaseFile) -> None:
    """Amex: purchases positive, the payment negative; the card holder pays the merchants and the
    payment comes from the holder's own (unnamed) account, interest goes to the issuer."""
    result = run(case, "amex.csv")
    assert result.profile == "amex"
    assert result.assumed["amounts"].startswith("purchases-positive")
    rows = by_row(payments(case))
    card = "American Express ending 41006"
    assert rows[2] == (card, "Motel 6", 73.15)
    assert rows[3] == ("Account paying JANE Q ROE (not named in the file)", card, 500.0)
    assert rows[4] == (card, "Uber", 22.84)
    assert rows[5] == (card, "American Express", 4.12)          # interest: to the issuer, not a business "INTEREST"
    owner = case.conn.execute(
        "SELECT a.label FROM links l JOIN entities a ON a.id = l.src JOIN entities b ON b.id = l.dst "
        "WHERE l.type = 'owns' AND b.label = ?", (card,)).fetchall()
    assert owner == [("JANE Q ROE",)]


def test_card_download_purchases_negative_read_from_type_column(case: CaseFile) -> None:
    """Chase card: 'Sale' rows negative, the payment positive, a return positive (money back)."""
    result = run(case, "chase_card.csv")
    assert result.profile == "card"
    assert result.assumed["amounts"] == "purchases-negative (purchase rows are negative)"
    found = payments(case)
    rows = by_row(found)
    holder = "Account of unknown holder (chase_card.csv)"
    assert rows[2] == (holder, "Motel 6", 73.15)
    assert rows[3][1] == holder and rows[3][0].startswith("Account paying")
    assert rows[5][1] == holder and rows[5][2] == 22.84          # the return comes back from Uber
    assert found[0]["attrs"]["category"] == "lodging" and found[0]["attrs"]["source_category"] == "Travel"


def test_bank_download_debits_negative_parentheses_and_day_first(case: CaseFile) -> None:
    """A bank download: ($52.00) is money out; dates with a day above 12 make the whole column day first."""
    result = run(case, "bank_parentheses.csv")
    assert result.assumed["amounts"].startswith("purchases-negative")
    assert result.assumed["day/month order (Date)"].startswith("day first (decided by the column's values")
    found = payments(case)
    holder = "Account of unknown holder (bank_parentheses.csv)"
    assert by_row(found)[2] == (holder, "Taco Bell", 52.0)
    assert by_row(found)[3] == ("PAYROLL ACME STAFFING", holder, 1200.0)
    # 02/04/2024 in a day-first column is the 2nd of April, never the 4th of February
    april = datetime.fromtimestamp(found[2]["start"], UTC)
    assert (april.month, april.day) == (4, 2)
    assert found[2]["payer"].startswith("Institution holding") and found[2]["attrs"]["category"] == "interest"


def test_unsigned_amounts_with_a_type_column(case: CaseFile) -> None:
    """Mint: unsigned Amount and Transaction Type debit/credit; Account Name is the holder's own account,
    and 'Transfer to My Savings' goes to another of the holder's accounts, not to a person."""
    result = run(case, "mint.csv")
    assert result.profile == "mint" and result.assumed["amounts"].startswith("type-column")
    rows = by_row(payments(case))
    assert rows[2] == ("My Checking", "Motel 6", 73.15)
    assert rows[3] == ("Acme Staffing", "My Checking", 1200.0)
    assert rows[4] == ("My Checking", "My Savings", 300.0)
    assert not case.conn.execute("SELECT 1 FROM entities WHERE type = 'Person'").fetchall()


def test_amounts_option_overrides_the_detection(case: CaseFile) -> None:
    """--amounts purchases-positive reverses a file read bank style: the user's word, said on the line."""
    result = run(case, "headerless.csv", {"date": "1", "description": "2", "amount": "3"}, no_header=True,
                 amounts="purchases-positive")
    assert result.assumed["amounts"] == "purchases-positive (as given (--amounts))"
    rows = by_row(payments(case))
    holder = "Account of unknown holder (headerless.csv)"
    assert rows[1] == ("Motel 6", holder, 73.15)           # -73.15 on a card is money back
    assert rows[2] == (holder, "PAYROLL ACME STAFFING", 1200.0)


def test_unsigned_amounts_without_a_clue_are_refused(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "unsigned.csv"
    path.write_text("Date,Description,Amount\n03/01/2024,MOTEL 6,73.15\n03/02/2024,PAYROLL,1200.00\n")
    with pytest.raises(InputError, match="every amount is unsigned"):
        import_file(case, path, ImportOptions(kind="finance"))
    assert not case.conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0]


# ------------------------------------------------------------------------------------------ apps


def test_venmo_payment_charge_and_transfer_to_own_bank(case: CaseFile) -> None:
    result = run(case, "venmo.csv")
    assert result.profile == "venmo" and result.rows_rejected == 0
    rows = by_row(payments(case))
    holder = "Venmo @Jane-Roe-7"
    assert rows[5] == (holder, "Mark Poe", 100.0)             # payment: From pays To
    assert rows[6] == ("Lia Fox", holder, 40.0)               # Jane charged Lia: Lia pays
    assert rows[7] == (holder, "Lia Fox", 25.0)               # Lia charged Jane: Jane pays
    assert rows[8] == (holder, "Golden Bank Personal Checking *0217", 50.0)    # Standard Transfer, no From/To
    merchant = next(p for p in payments(case) if p["row"] == 9)
    assert (merchant["type"], merchant["payee"], merchant["payee_type"]) == ("paid", "Blue Bottle Coffee", "Business")
    assert merchant["attrs"]["tax"] == 0.5 and merchant["attrs"]["terminal_location"] == "Blue Bottle Oakland"
    owns = case.conn.execute(
        "SELECT a.label, b.label FROM links l JOIN entities a ON a.id = l.src JOIN entities b ON b.id = l.dst "
        "WHERE l.type = 'owns' ORDER BY b.label").fetchall()
    assert ("Jane Roe", "Golden Bank Personal Checking *0217") in owns


def test_paypal_emails_are_the_accounts_and_each_row_has_its_zone(case: CaseFile) -> None:
    result = run(case, "paypal.csv")
    assert result.profile == "paypal" and result.assumed["time zone"] == "each row's own zone column"
    found = payments(case)
    rows = by_row(found)
    assert rows[2] == ("PayPal jane.roe@example.com", "PayPal mark.poe@example.net", 100.0)
    assert rows[3] == ("PayPal lia.fox@example.org", "PayPal jane.roe@example.com", 40.0)
    # 21:05 PST is 05:05 UTC the next day; 09:00 PDT is 16:00 UTC
    assert datetime.fromtimestamp(found[0]["start"], UTC) == datetime(2024, 3, 3, 5, 5, tzinfo=UTC)
    assert datetime.fromtimestamp(found[1]["start"], UTC) == datetime(2024, 3, 12, 16, 0, tzinfo=UTC)
    # a withdrawal to the holder's bank goes to the holder's own account; a conversion and a denied payment
    # move no money between parties and stay raw rows
    assert rows[5] == ("PayPal jane.roe@example.com", "Golden Bank", 30.0) and 4 not in rows and 6 not in rows
    assert any("currency conversions" in note for note in result.notes)
    euro = next(p for p in found if p["row"] == 7)          # 18:00 at GMT+01:00 is 17:00 UTC
    assert datetime.fromtimestamp(euro["start"], UTC) == datetime(2024, 3, 22, 17, 0, tzinfo=UTC)
    assert any("failed/cancelled" in note for note in result.notes)
    emails = {r[0] for r in case.conn.execute("SELECT label FROM entities WHERE type = 'Email'")}
    assert {"mark.poe@example.net", "lia.fox@example.org"} <= emails
    owners = case.conn.execute(
        "SELECT a.label FROM links l JOIN entities a ON a.id = l.src JOIN entities b ON b.id = l.dst "
        "WHERE l.type = 'owns' AND b.label = 'PayPal mark.poe@example.net'").fetchall()
    assert owners == [("Mark Poe",)]


# ------------------------------------------------------------------------------------------ no invented parties


def test_cheque_has_an_unknown_payee_and_fees_go_to_the_institution(case: CaseFile) -> None:
    run(case, "chase_checking.csv")
    found = payments(case)
    cheque = next(p for p in found if p["row"] == 3)
    assert cheque["payee"] == "Payee of cheque #1234 (not named)" and cheque["payee_type"] == "Account"
    assert cheque["attrs"]["cheque_number"] == "1234"
    fee = next(p for p in found if p["row"] == 5)
    assert fee["payee"].startswith("Institution holding") and fee["attrs"]["category"] == "bank_fee"
    labels = {r[0] for r in case.conn.execute("SELECT label FROM entities")}
    assert not any(label.upper().startswith(("CHECK", "MONTHLY SERVICE")) for label in labels)


# ------------------------------------------------------------------------------------------ formats


def test_ofx_download(case: CaseFile) -> None:
    result = run(case, "bank.ofx")
    assert result.profile == "ofx" and result.rows_imported == 3
    found = payments(case)
    account = "Golden State Credit Union 000123456789"
    assert by_row(found)[1] == (account, "Motel 6", 73.15)
    assert by_row(found)[2] == (account, "Payee of cheque #1234 (not named)", 250.0)
    assert by_row(found)[3] == ("PAYROLL ACME STAFFING", account, 1200.0)
    assert found[0]["attrs"]["fitid"] == "202403020001"
    assert datetime.fromtimestamp(found[0]["start"], UTC) == datetime(2024, 3, 2, 20, 0, tzinfo=UTC)


def test_ofx_detected_without_kind(case: CaseFile) -> None:
    result = import_file(case, MONEY / "bank.ofx", ImportOptions())
    assert result.kind == "finance"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("statement.pdf", b"%PDF-1.4\n...", "this is a PDF document, which linkgraph does not import"),
    ("statement.qif", b"!Type:Bank\nD03/02/2024\nT-73.15\n^\n", "QIF (Quicken interchange): not supported"),
    ("statement.txt", b"!Type:CCard\nD03/02/2024\nT-73.15\n^\n", "QIF (Quicken interchange): not supported"),
])
def test_unsupported_formats_are_named(case: CaseFile, tmp_path: Path, name: str, content: bytes,
                                       message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=re.escape(message)) as error:
        import_file(case, path, ImportOptions(kind="finance"))
    assert "column" not in str(error.value)


def test_headerless_csv_by_column_number(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    target = tmp_path / "cli.lgcase"
    assert main(["new", str(target), "--tz", "America/Los_Angeles"]) == 0
    assert main(["import", str(target), str(MONEY / "headerless.csv"), "--no-header", "--kind", "finance",
                 "--map", "date=1", "--map", "description=2", "--map", "amount=3", "--dayfirst"]) == 0
    out = capsys.readouterr().out
    assert "2 rows imported" in out and "amounts purchases-negative" in out
    assert "day/month order (1) day first (as given (--dayfirst))" in out
    with CaseFile.open(target) as case:
        found = payments(case)
    assert datetime.fromtimestamp(found[0]["start"], UTC).month == 2      # 03/02/2024 read day first


# ------------------------------------------------------------------------------------------ no double money


def test_corrected_copy_cites_what_is_already_there(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    target = tmp_path / "dup.lgcase"
    assert main(["new", str(target), "--tz", "America/Los_Angeles"]) == 0
    first = tmp_path / "statement.csv"
    shutil.copy(MONEY / "chase_checking.csv", first)
    assert main(["import", str(target), str(first)]) == 0
    corrected = tmp_path / "statement (corrected).csv"
    shutil.copy(MONEY / "chase_checking_corrected.csv", corrected)
    assert main(["import", str(target), str(corrected), "--force"]) == 0
    out = capsys.readouterr().out
    assert "3 already in the case (this row cited, not stored twice)" in out
    with CaseFile.open(target) as case:
        found = payments(case)
        assert len(found) == 6                       # 4 + the changed fee + the new Uber ride
        assert round(sum(p["amount"] for p in found), 2) == 1483.45 + 15.00 + 9.10
    assert main(["info", str(target)]) == 0
    info = capsys.readouterr().out
    assert "money per source" in info
    line = next(x for x in info.splitlines() if x.startswith("statement (corrected).csv"))
    assert line.split()[2:] == ["USD", "2", "24.10", "3", "1,471.45"]


def test_two_equal_payments_in_one_file_stay_two(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "coffee.csv"
    path.write_text("Date,Description,Amount\n03/01/2024,STARBUCKS #1 FRESNO CA,-5.25\n"
                    "03/01/2024,STARBUCKS #1 FRESNO CA,-5.25\n03/02/2024,PAYROLL,100.00\n")
    import_file(case, path, ImportOptions(kind="finance"))
    assert len(payments(case)) == 3


# ------------------------------------------------------------------------------------------ dates


def test_impossible_date_is_refused_not_rolled_over(case: CaseFile) -> None:
    result = run(case, "impossible_date.csv")
    assert result.rows_rejected == 1
    reason = case.conn.execute("SELECT reason FROM rejected_rows").fetchone()[0]
    assert "02/31/2024" in reason and "never rolled over" in reason
    starts = [datetime.fromtimestamp(p["start"], UTC).month for p in payments(case)]
    assert starts == [3]                          # the good row only; no 2 March from 31 February


def test_a_headerless_file_without_the_option_says_so(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "wf.csv"
    path.write_text('"03/01/2024","-21.45","*","","TACO BELL #8488 FRESNO CA"\n'
                    '"03/02/2024","1200.00","*","","PAYROLL ACME STAFFING"\n')
    with pytest.raises(InputError, match="looks like data, not a header: give --no-header"):
        import_file(case, path, ImportOptions())
    with pytest.raises(Exception, match="looks like data, not a header: give --no-header"):
        import_file(case, path, ImportOptions(kind="finance"))
    result = import_file(case, path, ImportOptions(kind="finance", mapping={"date": "1", "amount": "2",
                                                                            "description": "5"},
                                                   extra={"no_header": True}))
    assert result.rows_imported == 2


@pytest.mark.parametrize("amount", ["1e999", "-1e999", "99999999999999999999"])
def test_an_impossible_amount_is_refused_with_its_reason(case: CaseFile, tmp_path: Path, amount: str) -> None:
    """An amount no statement can hold (infinite, beyond ten trillion) is refused, never stored or matched."""
    path = tmp_path / "bank.csv"
    path.write_text(f"Date,Description,Amount\n03/02/2024,MOTEL 6 STOCKTON,-73.15\n03/03/2024,ZELLE TO KIARA VANCE,{amount}\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match="amount") as error:
        import_file(case, path, ImportOptions(kind="finance"))
    assert error.value.row == 3
    result = import_file(case, path, ImportOptions(kind="finance", strict=False))
    assert result.rows_imported == 1 and result.rows_rejected == 1
