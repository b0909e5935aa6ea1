"""More hold-out layouts, headers as the real downloads write them, rows of our own, run with no flags first:
Capital One 360 checking (amounts signed on some rows only, the type column says debit or credit), Bank of
America's credit-card download, Wise and Revolut statements, Airbnb's host reservations export and Wells
Fargo's card suffix. Each test says who paid whom (or who stayed where)."""

from __future__ import annotations

from pathlib import Path

import pytest

from importers import import_file
from importers.categories import describe
from importers.options import ImportOptions
from linkgraph.case import CaseFile


@pytest.fixture
def case(tmp_path: Path):
    found = CaseFile.create(tmp_path / "holdout.lgcase", timezone="America/Los_Angeles")
    yield found
    found.close()


def run(case: CaseFile, tmp_path: Path, name: str, text: str, **extra) -> object:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return import_file(case, path, ImportOptions(extra=dict(extra)))


def payments(case: CaseFile) -> list[tuple[str, str, str, str, float]]:
    """(payer type, payer, payee type, payee, amount) per payment, in row order."""
    return case.conn.execute(
        "SELECT a.type, a.label, b.type, b.label, l.amount FROM links l JOIN entities a ON a.id = l.src "
        "JOIN entities b ON b.id = l.dst WHERE l.type IN ('paid', 'transferred') ORDER BY l.row").fetchall()


CAPITAL_ONE_360 = """Account Number,Transaction Date,Transaction Amount,Transaction Type,Transaction Description,Balance
8401,03/01/24,1200.00,Credit,Deposit from ACME STAFFING PAYROLL,1700.00
8401,03/02/24,-45.10,Debit,Debit Card Purchase - SIERRA MOTOR LODGE FRESNO CA,1654.90
8401,03/04/24,250.00,Debit,Check #456 Cashed,1404.90
8401,03/05/24,300.00,Debit,Zelle money sent to Tasha Reed,1104.90
8401,03/06/24,-60.00,Debit,ATM Withdrawal - 1234 MAIN ST FRESNO CA,1044.90
"""


def test_capital_one_360_debits_written_without_a_sign_are_money_out(case: CaseFile, tmp_path: Path) -> None:
    """Before: the unsigned 'Check #456 Cashed' and 'Zelle money sent' debits were read as money IN, from a
    business called 'Check Cashed' and from Tasha Reed."""
    result = run(case, tmp_path, "360Checking.csv", CAPITAL_ONE_360)
    assert result.rows_rejected == 0
    assert result.assumed["amounts"].startswith("type-column (the 'Transaction Type' column says debit or credit; "
                                                "2 debit amounts written without a minus sign)")
    own = "Account ending 8401"                     # 'Account Number': the holder's own account on each row
    assert payments(case) == [
        ("Business", "ACME STAFFING PAYROLL", "Account", own, 1200.0),
        ("Account", own, "Hotel", "SIERRA MOTOR LODGE", 45.1),
        ("Account", own, "Account", "Payee of cheque #456 (not named)", 250.0),
        ("Account", own, "Person", "Tasha Reed", 300.0),
        ("Account", own, "Location", "Cash, Fresno, CA", 60.0)]


def test_a_credit_written_negative_keeps_the_signs(case: CaseFile, tmp_path: Path) -> None:
    """A type column that a sign contradicts is not trusted over the signs (a reversal written '-20.00 Credit')."""
    text = CAPITAL_ONE_360.replace("8401,03/01/24,1200.00,Credit", "8401,03/01/24,-1200.00,Credit")
    result = run(case, tmp_path, "360Checking.csv", text)
    assert result.assumed["amounts"].startswith("purchases-negative")


BOFA_CARD = """Posted Date,Reference Number,Payee,Address,Amount
03/04/2024,24692164063100000012345,MOTEL 6 #7449,SACRAMENTO CA ,-73.15
03/05/2024,24445004065000000054321,BACKPAGE.COM ADS,855-555-0100 TX ,-40.00
03/15/2024,00000000000000000000000,PAYMENT - THANK YOU,,500.00
"""


def test_bank_of_america_card_download(case: CaseFile, tmp_path: Path) -> None:
    result = run(case, tmp_path, "March2024_1234.csv", BOFA_CARD)
    assert result.assumed["amounts"].startswith("purchases-negative (card payments are positive")
    found = payments(case)
    holder = "Account of unknown holder (March2024_1234.csv)"
    assert found[0] == ("Account", holder, "Hotel", "Motel 6", 73.15)
    assert found[1] == ("Account", holder, "Business", "Backpage", 40.0)
    assert found[2][2:] == ("Account", holder, 500.0) and found[2][1].startswith("Account paying")


WISE = """TransferWise ID,Date,Amount,Currency,Description,Payment Reference,Running Balance,Exchange From,Exchange To,Exchange Rate,Payer Name,Payee Name,Payee Account Number,Merchant,Card Last Four Digits,Card Holder Full Name,Attachment,Note,Total fees,Exchange To Amount
TRANSFER-1034567890,02-03-2024,-500.00,USD,Sent money to Maria Lopez,rent,1500.00,,,,,Maria Lopez,4415000099,,,,,,2.15,
TRANSFER-1034567891,05-03-2024,800.00,USD,Received money from Jamal Pruitt with reference pay,pay,2300.00,,,,Jamal Pruitt,,,,,,,,0.00,
CARD-1034567892,14-03-2024,-45.10,USD,Card transaction of 45.10 USD issued by Sierra Motor Lodge FRESNO,,2254.90,,,,,,,Sierra Motor Lodge,4321,Dre Mills,,,0.00,
"""


def test_wise_payer_payee_and_merchant(case: CaseFile, tmp_path: Path) -> None:
    """Before: read by the generic ledger profile, each description became a business ('Sent money to ...')."""
    result = run(case, tmp_path, "statement_USD.csv", WISE, holder="Dre Mills")
    assert result.profile == "wise" and result.rows_rejected == 0
    assert "day first" in result.assumed["day/month order (Date)"]
    assert payments(case) == [
        ("Person", "Dre Mills", "Person", "Maria Lopez", 500.0),
        ("Person", "Jamal Pruitt", "Person", "Dre Mills", 800.0),
        ("Person", "Dre Mills", "Hotel", "Sierra Motor Lodge", 45.1)]


REVOLUT = """Type,Product,Started Date,Completed Date,Description,Amount,Fee,Currency,State,Balance
TRANSFER,Current,2024-03-02 10:15:03,2024-03-02 10:15:04,To Maria Lopez,-500.00,0.00,EUR,COMPLETED,1500.00
CARD_PAYMENT,Current,2024-03-03 21:40:11,2024-03-04 09:02:55,Sierra Motor Lodge,-45.10,0.00,EUR,COMPLETED,1454.90
TOPUP,Current,2024-03-05 08:00:00,2024-03-05 08:00:01,Payment from Jamal Pruitt,800.00,0.00,EUR,COMPLETED,2254.90
CARD_PAYMENT,Current,2024-03-06 12:00:00,,Uber,-14.20,0.00,EUR,REVERTED,2254.90
"""


def test_revolut_statement_is_money_not_ads(case: CaseFile, tmp_path: Path) -> None:
    """Before: detected as an ad scrape (four ads keyed by row number, no money at all)."""
    result = run(case, tmp_path, "account-statement_2024-03-01_2024-03-31_en_1a2b3c.csv", REVOLUT)
    assert (result.kind, result.profile, result.rows_rejected) == ("finance", "revolut", 0)
    holder = "Revolut of unknown holder (account-statement_2024-03-01_2024-03-31_en_1a2b3c.csv)"
    assert payments(case) == [
        ("Account", holder, "Person", "Maria Lopez", 500.0),
        ("Account", holder, "Hotel", "Sierra Motor Lodge", 45.1),
        ("Person", "Jamal Pruitt", "Account", holder, 800.0)]
    assert any("failed/cancelled" in note for note in result.notes)          # the REVERTED card payment
    currencies = {r[0] for r in case.conn.execute("SELECT currency FROM links WHERE amount IS NOT NULL")}
    assert currencies == {"EUR"}


AIRBNB = """Confirmation code,Status,Guest name,Contact,# of adults,# of children,# of infants,Start date,End date,# of nights,Booked,Listing,Earnings
HMZDMY8FA9,Past guest,Tasha Reed,"+1 (209) 555-0143",2,0,0,03/14/2024,03/16/2024,2,2024-03-10,Canal Point Studio,"$412.50"
HMZDMY8FB1,Canceled by guest,Dre Mills,"+1 (209) 555-0177",1,0,0,03/20/2024,03/21/2024,1,2024-03-11,Canal Point Studio,"$0.00"
"""


def test_airbnb_reservations_export(case: CaseFile, tmp_path: Path) -> None:
    """Before: 'cannot tell what kind of records this is'."""
    result = run(case, tmp_path, "reservations.csv", AIRBNB)
    assert (result.kind, result.profile, result.rows_rejected) == ("hotel", "airbnb-reservations", 0)
    links = case.conn.execute(
        "SELECT l.type, a.label, b.label FROM links l JOIN entities a ON a.id = l.src JOIN entities b "
        "ON b.id = l.dst ORDER BY l.row, l.type").fetchall()
    assert links == [("stayed_at", "Tasha Reed", "Canal Point Studio"), ("uses", "Tasha Reed", "(209) 555-0143"),
                     ("reserved", "Dre Mills", "Canal Point Studio"), ("uses", "Dre Mills", "(209) 555-0177")]


def test_wells_fargo_card_suffix_and_a_street_before_the_city() -> None:
    found = describe("PURCHASE AUTHORIZED ON 03/01 SIERRA MOTOR LODGE FRESNO CA S384061234567890 CARD 1234")
    assert (found.name, found.city, found.state) == ("SIERRA MOTOR LODGE", "Fresno", "CA")
    assert describe("ATM WITHDRAWAL 1234 MAIN ST FRESNO CA").city == "Fresno"
    assert describe("TACO BELL ST LOUIS MO").city == "St Louis"


BACKPAGE_DETAILS = """post_id,date,time,age,gender,phone,region,loc0,loc1,loc2,loc3,loc4,loc5,loc6,loc7
48211903,2016-03-02,10:15 PM,21,female,209-555-0143,fresno,Fresno,Motel 6 Blackstone,,,,,,
48211977,2016-03-03,11:02 PM,19,female,(209) 555-0177,stockton,Stockton,,,,,,,
"""


def test_ad_scrape_of_details_without_text(case: CaseFile, tmp_path: Path) -> None:
    """A Backpage scraper's CSV keeps post id, time, age and phone but no ad text. Before: 'cannot tell what kind
    of records this is', and with --kind ads every row refused for having no title or body."""
    result = run(case, tmp_path, "backpage_fresno.csv", BACKPAGE_DETAILS)
    assert (result.kind, result.profile, result.rows_rejected) == ("ads", "ad-details-scrape", 0)
    posted = case.conn.execute(
        "SELECT a.label, b.label, b.attrs FROM links l JOIN entities a ON a.id = l.src JOIN entities b "
        "ON b.id = l.dst WHERE l.type = 'posted' ORDER BY l.row").fetchall()
    assert [(p[0], p[1]) for p in posted] == [("(209) 555-0143", "48211903"), ("(209) 555-0177", "48211977")]
    assert '"age": 21' in posted[0][2] and '"city": "Fresno"' in posted[0][2]


def test_an_ad_with_nothing_at_all_is_still_refused(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "empty_ads.csv"
    path.write_text("post_id,date,time,age,gender,phone,region,loc0\n1,2016-03-02,10:15 PM,21,female,,fresno,Fresno\n")
    result = import_file(case, path, ImportOptions(strict=False))
    assert result.rows_rejected == 1
    reason = case.conn.execute("SELECT reason FROM rejected_rows").fetchone()
    assert reason is not None and "no title, no body text and no phone or e-mail" in reason[0]
