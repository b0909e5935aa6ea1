"""Hold-out layouts: headers copied from the downloads people actually get (Chase checking, Wells Fargo's
headerless CSV, Bank of America checking with its summary block, Apple Card, Capital One, Mint, YNAB,
PayPal's statement download, Memex CDR and Elasticsearch dumps, Booking.com, the hotel-booking-demand
dataset) with rows of our own, run as a new user runs them: no flags first. Each test says who paid whom."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from importers import import_file
from importers.options import ImportOptions
from linkgraph.case import CaseFile
from linkgraph.cli import main


@pytest.fixture
def case(tmp_path: Path):
    found = CaseFile.create(tmp_path / "holdout.lgcase", timezone="America/New_York")
    yield found
    found.close()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(case: CaseFile, path: Path, **options) -> object:
    extra = options.pop("extra", {})
    return import_file(case, path, ImportOptions(strict=False, extra=dict(extra), **options))


def payments(case: CaseFile) -> list[tuple[str, str, str, str, float]]:
    """(payer type, payer, payee type, payee, amount) per payment, in row order."""
    return case.conn.execute(
        "SELECT a.type, a.label, b.type, b.label, l.amount FROM links l JOIN entities a ON a.id = l.src "
        "JOIN entities b ON b.id = l.dst WHERE l.type IN ('paid', 'transferred') ORDER BY l.row").fetchall()


def labels(case: CaseFile, etype: str) -> set[str]:
    return {r[0] for r in case.conn.execute("SELECT label FROM entities WHERE type = ?", (etype,))}


# ------------------------------------------------------------------------------------------ Zelle


CHASE_CHECKING = """Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #
DEBIT,03/28/2024,"Zelle payment to Tasha Reed JPM99a1b2c3",-250.00,QUICKPAY_DEBIT,1204.11,,
CREDIT,03/27/2024,"Zelle payment from KIARA VANCE WFCT0ABC123",500.00,QUICKPAY_CREDIT,1454.11,,
DEBIT,03/25/2024,"MOTEL 6 STOCKTON CA          03/24",-89.99,DEBIT_CARD,954.11,,
"""


def test_zelle_in_a_chase_description_is_a_person_not_a_business(case: CaseFile, tmp_path: Path) -> None:
    result = run(case, write(tmp_path, "Chase1234_Activity_20240401.CSV", CHASE_CHECKING))
    assert result.kind == "finance"
    found = payments(case)
    holder = "Account of unknown holder (Chase1234_Activity_20240401.CSV)"
    assert found[0] == ("Account", holder, "Person", "Tasha Reed", 250.0)
    assert found[1] == ("Person", "Kiara Vance", "Account", holder, 500.0)
    assert not any("zelle" in label.lower() for label in labels(case, "Business") | labels(case, "Person"))


WELLS_FARGO = '''"03/28/2024","-250.00","*","","ZELLE TO REED TASHA ON 03/28 REF # WFCT0ABC123"
"03/27/2024","500.00","*","","ZELLE FROM VANCE KIARA ON 03/27 REF # PP0ABC"
"03/13/2024","-120.00","*","1045","CHECK # 1045"
'''


def test_wells_fargo_headerless_download(case: CaseFile, tmp_path: Path) -> None:
    """Wells Fargo's CSV has no header: refused with how to map it, then read by column number."""
    path = write(tmp_path, "Checking1.csv", WELLS_FARGO)
    with pytest.raises(Exception, match="looks like data"):
        run(case, path)
    run(case, path, kind="finance", mapping={"date": "1", "amount": "2", "description": "5"},
        extra={"no_header": True})
    found = payments(case)
    assert found[0][2:] == ("Person", "Reed Tasha", 250.0)         # the name as written (order not guessed)
    assert found[1][:2] == ("Person", "Vance Kiara")
    assert found[2][3] == "Payee of cheque #1045 (not named)"


BOA_CHECKING = '''Description,,Summary Amt.
Beginning balance as of 03/01/2024,,"1,000.00"
Total credits,,"500.00"
Total debits,,"-459.99"
Ending balance as of 03/31/2024,,"1,040.01"

Date,Description,Amount,Running Bal.
03/01/2024,Beginning balance as of 03/01/2024,,"1,000.00"
03/05/2024,"Zelle Transfer Conf# abc123; Reed, Tasha","-250.00","750.00"
03/06/2024,"Zelle Transfer Conf# def456; Vance, Kiara","500.00","1,250.00"
03/07/2024,"MOTEL 6 03/06 PURCHASE STOCKTON CA","-89.99","1,160.01"
'''


def test_bank_of_america_summary_block_is_not_the_holder(case: CaseFile, tmp_path: Path) -> None:
    """The summary lines above the header ('Total credits,,"500.00"') are not a person."""
    run(case, write(tmp_path, "stmt.csv", BOA_CHECKING))
    assert not any("total" in label.lower() for label in labels(case, "Person"))
    found = payments(case)
    assert found[0][2:] == ("Person", "Tasha Reed", 250.0)            # 'Reed, Tasha' read as a name
    assert found[1][:2] == ("Person", "Kiara Vance") and found[1][4] == 500.0
    assert found[2][3] == "Motel 6"


MINT = '''"Date","Description","Original Description","Amount","Transaction Type","Category","Account Name","Labels","Notes"
"3/14/2024","Motel 6","MOTEL 6 FRESNO CA","89.99","debit","Hotel","CREDIT CARD","",""
"3/13/2024","Zelle","ZELLE FROM VANCE KIARA","500.00","credit","Transfer","Checking","",""
'''


def test_mint_zelle_and_its_own_category(case: CaseFile, tmp_path: Path) -> None:
    """Mint shortens the description to 'Zelle': the original description names the person; Mint's
    'Hotel' category is our 'lodging' (which the indicators read), Mint's word kept beside it."""
    run(case, write(tmp_path, "transactions.csv", MINT))
    found = payments(case)
    assert found[0][1:] == ("CREDIT CARD", "Hotel", "Motel 6", 89.99)
    assert found[1][1:] == ("Vance Kiara", "Account", "Checking", 500.0)
    attrs = json.loads(case.conn.execute("SELECT attrs FROM links WHERE amount = 89.99").fetchone()[0])
    assert attrs["category"] == "lodging" and attrs["source_category"] == "Hotel"


# ------------------------------------------------------------------------------------------ card downloads


APPLE_CARD = '''Transaction Date,Clearing Date,Description,Merchant,Category,Type,Amount (USD),Purchased By
03/14/2024,03/15/2024,"MOTEL 6 FRESNO CA","Motel 6","Hotels","Purchase","89.99","Dre Mills"
03/13/2024,03/14/2024,"UBER *TRIP HELP.UBER.COM","Uber","Transportation","Purchase","23.10","Dre Mills"
03/10/2024,03/10/2024,"ACH DEPOSIT INTERNET TRANSFER FROM ACCOUNT ENDING IN 1234","Ach Deposit Internet Transfer From Account Ending In 1234","Payment","Payment","-500.00","Dre Mills"
'''


def test_apple_card_is_money_not_ads(case: CaseFile, tmp_path: Path) -> None:
    """Apple Card's export was taken for an ad scrape ('Description'); purchases are positive and the
    'Payment' row is the holder paying the card, not a business named after the ACH text."""
    result = run(case, write(tmp_path, "Apple Card Transactions - March 2024.csv", APPLE_CARD))
    assert (result.kind, result.profile) == ("finance", "card")
    assert result.assumed["amounts"].startswith("purchases-positive")
    found = payments(case)
    assert found[0][1:] == ("Dre Mills", "Hotel", "MOTEL 6", 89.99)
    assert found[1][1:] == ("Dre Mills", "Business", "Uber", 23.1)
    assert found[2] == ("Account", "Account paying Dre Mills (not named in the file)", "Person", "Dre Mills", 500.0)
    assert not any("ACH" in label for label in labels(case, "Business"))


CAPITAL_ONE = '''Transaction Date,Posted Date,Card No.,Description,Category,Debit,Credit
2024-03-14,2024-03-15,5158,MOTEL 6 FRESNO CA,Lodging,89.99,
2024-03-10,2024-03-10,5158,CAPITAL ONE AUTOPAY PYMT,Payment/Credit,,500.00
'''


def test_capital_one_autopay_and_transaction_date(case: CaseFile, tmp_path: Path) -> None:
    run(case, write(tmp_path, "2024-03-31_transaction_download.csv", CAPITAL_ONE))
    found = payments(case)
    assert found[0][3:] == ("Motel 6", 89.99)
    assert found[1][1].startswith("Account paying") and found[1][4] == 500.0      # the card's payment, by the holder
    assert "CAPITAL ONE AUTOPAY PYMT" not in labels(case, "Business")
    start = case.conn.execute("SELECT start FROM links WHERE amount = 89.99").fetchone()[0]
    assert start == 1710388800                    # 2024-03-14 (the transaction), not 03-15 (posted), New York


# ------------------------------------------------------------------------------------------ PayPal, YNAB


PAYPAL_STATEMENT = '''"Date","Time","Time Zone","Description","Currency","Gross ","Fee ","Net","Balance","Transaction ID","From Email Address","Name","Bank Name","Bank Account","Shipping and Handling Amount","Sales Tax","Invoice ID","Reference Txn ID"
"14/03/2024","23:30:00","Europe/London","General Payment","GBP","-150.00","0.00","-150.00","-150.00","1AB23456CD789012E","dre.mills@example.com","Tasha Reed","","","0.00","0.00","",""
"15/07/2024","01:05:00","Europe/London","General Payment","GBP","400.00","-12.00","388.00","238.00","2AB23456CD789012F","kiara.v@example.com","Kiara Vance","","","0.00","0.00","",""
'''


def test_paypal_statement_download_without_to_email(case: CaseFile, tmp_path: Path) -> None:
    """PayPal's 'Balance Affecting Payments' statement has no To Email Address: it was refused as 'no payee
    in this row'. The sign of Gross says which way; Name is the other side; the row's zone is used."""
    result = run(case, write(tmp_path, "Download.CSV", PAYPAL_STATEMENT))
    assert result.profile == "paypal-statement"
    assert "day first" in result.assumed["day/month order (date)"]
    found = payments(case)
    holder = "PayPal of unknown holder (Download.CSV)"
    assert found[0] == ("Account", holder, "Person", "Tasha Reed", 150.0)
    assert found[1] == ("Person", "Kiara Vance", "Account", holder, 400.0)
    starts = [r[0] for r in case.conn.execute("SELECT start FROM links WHERE type = 'transferred' ORDER BY row")]
    assert starts == [1710459000, 1721001900]        # 23:30 GMT in March; 01:05 BST (00:05 UTC) in July


YNAB = '''"Account","Flag","Date","Payee","Category Group/Category","Category Group","Category","Memo","Outflow","Inflow","Cleared"
"Checking","","03/14/2024","Motel 6","Travel: Lodging","Travel","Lodging","",$89.99,$0.00,"Cleared"
"Checking","","03/13/2024","Kiara Vance","Inflow: Ready to Assign","Inflow","Ready to Assign","",$0.00,$500.00,"Cleared"
'''


def test_ynab_register_export(case: CaseFile, tmp_path: Path) -> None:
    """YNAB was 'cannot tell what kind': Outflow/Inflow are money out/in of the row's own Account."""
    result = run(case, write(tmp_path, "My Budget as of 2024-04-01 - Register.csv", YNAB))
    assert (result.kind, result.profile) == ("finance", "ynab")
    found = payments(case)
    assert found[0] == ("Account", "Checking", "Hotel", "Motel 6", 89.99)
    assert found[1] == ("Person", "Kiara Vance", "Account", "Checking", 500.0)


# ------------------------------------------------------------------------------------------ ads


CDR = [
    {"_id": "A1B2C3D4E5F6", "url": "http://fresno.backpage.com/FemaleEscorts/sweet-lexi-21/21931442",
     "timestamp": 1457998320000, "content_type": "text/html", "crawler": "hg-crawler", "team": "HyperionGray",
     "version": 2.0, "raw_content": "<html><body>Call 209 555 0143 &amp; ask for Lexi</body></html>",
     "extracted_text": "Sweet Lexi new in town Call 209 555 0143 & ask for Lexi",
     "extracted_metadata": {"title": "Sweet Lexi new in town"}},
    {"_id": "B1B2C3D4E5F6", "url": "http://fresno.backpage.com/FemaleEscorts/kandi-visiting-22/21931443",
     "timestamp": 1458003900000, "content_type": "text/html", "crawler": "hg-crawler", "team": "HyperionGray",
     "version": 2.0, "raw_content": "<html><body>two zero nine 555 0177</body></html>",
     "extracted_text": "Kandi visiting two zero nine 555 0177", "extracted_metadata": {"title": "Kandi visiting"}},
]


def ads(case: CaseFile) -> dict[str, dict]:
    return {key: json.loads(attrs) for key, attrs in
            case.conn.execute("SELECT key, attrs FROM entities WHERE type = 'Ad' ORDER BY id")}


def test_memex_cdr_lines_detected(case: CaseFile, tmp_path: Path) -> None:
    """Memex CDR documents (raw_content, extracted_text, crawler, team) were 'cannot tell what kind'."""
    path = write(tmp_path, "cdr.jsonl", "\n".join(json.dumps(d) for d in CDR) + "\n")
    result = run(case, path)
    assert (result.kind, result.profile) == ("ads", "memex-cdr")
    found = ads(case)
    assert set(found) == {"fresno.backpage.com/21931442", "fresno.backpage.com/21931443"}
    first = found["fresno.backpage.com/21931442"]
    assert first["title"] == "Sweet Lexi new in town" and first["db_id"] == "A1B2C3D4E5F6"
    assert first["posted"].startswith("2016-03-14 19:32")               # epoch ms, shown in New York time
    phones = {r[0] for r in case.conn.execute("SELECT label FROM entities WHERE type = 'Phone'")}
    assert phones == {"(209) 555-0143", "(209) 555-0177"}


def test_elasticsearch_dump_of_a_memex_index(case: CaseFile, tmp_path: Path) -> None:
    """Hits of an index dump keep the document under _source: read as the document, _id beside it."""
    hits = [{"_index": "memex-escorts", "_type": "ad", "_id": "AVb1x", "_score": 1.0, "_source": {
        "url": "http://fresno.backpage.com/FemaleEscorts/sweet-lexi/21931442", "timestamp": 1457998320000,
        "bodyText": {"content": "Call 209 555 0143 &amp; ask for Lexi"}, "titleText": {"content": "Sweet Lexi"},
        "locationText": {"content": "Fresno, CA"}}}]
    result = run(case, write(tmp_path, "es_dump.json", json.dumps(hits)))
    assert (result.kind, result.profile) == ("ads", "memex-scrape")
    found = ads(case)["fresno.backpage.com/21931442"]
    assert found["body"] == "Call 209 555 0143 & ask for Lexi" and found["db_id"] == "AVb1x"


def test_scraper_csv_with_a_separate_time_column(case: CaseFile, tmp_path: Path) -> None:
    """A Backpage scraper's CSV (post_id, date, time, age, gender, phone, region): the time is read."""
    text = ("post_id,date,time,age,gender,phone,region,title,body\n"
            "21931442,2016-03-14,11:32 PM,21,female,(209) 555-0143,fresno,Sweet Lexi,incall only\n")
    result = run(case, write(tmp_path, "backpage.csv", text))
    assert result.assumed["time zone"].startswith("America/New_York")      # said on the import line
    start = case.conn.execute("SELECT start FROM links WHERE type = 'posted'").fetchone()[0]
    assert start == 1458012720                       # 2016-03-14 23:32 EDT


# ------------------------------------------------------------------------------------------ statements


def test_newest_first_running_balance_is_not_a_gap(case: CaseFile, tmp_path: Path) -> None:
    """Chase lists the newest row first: its running balance adds up read that way (no false 'rows may be
    missing' note); a real gap in it is still noted."""
    result = run(case, write(tmp_path, "Chase1234_Activity.CSV", CHASE_CHECKING))
    assert not any("does not add up" in n for n in result.notes)
    gap = CHASE_CHECKING.replace("1454.11", "1504.11")
    with CaseFile.create(tmp_path / "gap.lgcase", timezone="America/New_York") as other:
        result = run(other, write(tmp_path, "Chase1234_gap.CSV", gap))
    assert any("does not add up" in n for n in result.notes)


SGML_QFX = """OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20240401120000[0:GMT]<LANGUAGE>ENG
<FI><ORG>B1<FID>10898</FI><INTU.BID>10898</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>322271627<ACCTID>000000123456789<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20240301<DTEND>20240331
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240328120000[0:GMT]<TRNAMT>-250.00<FITID>202403280
<NAME>Zelle payment to Tasha Reed<MEMO>JPM99a1b2c3</STMTTRN>
<STMTTRN><TRNTYPE>POS<DTPOSTED>20240325<TRNAMT>-89.99<FITID>202403250
<NAME>POS PURCHASE MOTEL 6 STOCKTON CA 0412 CARD 1234</STMTTRN>
</BANKTRANLIST><LEDGERBAL><BALAMT>1204.11<DTASOF>20240401</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1>
</OFX>
"""


def test_qfx_with_a_private_intuit_tag(tmp_path: Path, capsys) -> None:
    """Quicken downloads carry <INTU.BID>: no warning text reaches the user; the line says the zone rule."""
    case_path = tmp_path / "q.lgcase"
    assert main(["new", str(case_path), "--tz", "America/New_York"]) == 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["import", str(case_path), str(write(tmp_path, "download.qfx", SGML_QFX))]) == 0
    assert not [w for w in caught if "INTU" in str(w.message)]
    out = capsys.readouterr()
    assert "Warning" not in out.err and "warn" not in out.out.lower()
    assert "profile ofx (detected)" in out.out and "GMT where a time has none" in out.out
    with CaseFile.open(case_path) as case:
        found = payments(case)
    assert found[0][2:] == ("Person", "Tasha Reed", 250.0)        # not a person called 'Zelle payment to ...'
    assert found[1][2:4] == ("Hotel", "Motel 6")


# ------------------------------------------------------------------------------------------ hotels


HOTEL_BOOKINGS_HEADER = (
    "hotel,is_canceled,lead_time,arrival_date_year,arrival_date_month,arrival_date_week_number,"
    "arrival_date_day_of_month,stays_in_weekend_nights,stays_in_week_nights,adults,children,babies,meal,country,"
    "market_segment,distribution_channel,is_repeated_guest,previous_cancellations,previous_bookings_not_canceled,"
    "reserved_room_type,assigned_room_type,booking_changes,deposit_type,agent,company,days_in_waiting_list,"
    "customer_type,adr,required_car_parking_spaces,total_of_special_requests,reservation_status,"
    "reservation_status_date")


def test_anonymised_hotel_booking_demand_is_refused_by_name(tmp_path: Path, capsys) -> None:
    """The public hotel_bookings.csv has no guest: 'cannot tell what kind' before; now one line saying why."""
    text = (HOTEL_BOOKINGS_HEADER + "\nResort Hotel,0,342,2015,July,27,1,0,0,2,0,0,BB,PRT,Direct,Direct,0,0,0,"
            "C,C,3,No Deposit,NULL,NULL,0,Transient,0,0,0,Check-Out,2015-07-01\n")
    case_path = tmp_path / "h.lgcase"
    assert main(["new", str(case_path)]) == 0
    assert main(["import", str(case_path), str(write(tmp_path, "hotel_bookings.csv", text))]) != 0
    err = capsys.readouterr().err
    assert "no guest column" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


BOOKING_COM = """Book number,Booked by,Guest name(s),Check-in,Check-out,Booked on,Status,Rooms,People,Adults,Children,Children's ages,Price,Commission %,Commission amount,Payment status,Payment method,Remarks,Booker group,Booker country,Travel purpose,Device,Unit type,Duration (nights),Cancellation date,Address,Phone number
3942345678,"Mills, Dre",Tasha Reed,2024-03-14,2024-03-16,2024-03-13 22:41:10,ok,1,2,2,0,,178.00 USD,15,26.70 USD,Paid online,,"","Couple",us,Leisure,Mobile,Double Room,2,,,+1 209 555 0143
"""


def test_booking_com_download_says_where_the_hotel_name_came_from(case: CaseFile, tmp_path: Path) -> None:
    result = run(case, write(tmp_path, "booking_com.csv", BOOKING_COM))
    assert result.profile == "booking-com"
    assert "the file does not name the hotel" in result.assumed["hotel"]
    assert result.assumed["time zone"].startswith("America/New_York (the case's zone")
    stay = case.conn.execute(
        "SELECT a.label, b.label FROM links l JOIN entities a ON a.id = l.src JOIN entities b ON b.id = l.dst "
        "WHERE l.type = 'stayed_at'").fetchall()
    assert stay == [("Tasha Reed", "Hotel of booking_com.csv (not named in the file)")]
    booked = case.conn.execute("SELECT a.label FROM links l JOIN entities a ON a.id = l.src WHERE l.type = 'booked'")
    assert [r[0] for r in booked] == ["Dre Mills"]          # 'Mills, Dre' read last name first


# ------------------------------------------------------------------------------------------ bank descriptions


CHASE_DESCRIPTIONS = """Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #
CREDIT,03/29/2024,"ORIG CO NAME:GUSTO            ORIG ID:9138864001 DESC DATE:240329 CO ENTRY DESCR:PAYROLL   SEC:PPD    TRACE#:091000017611111 EED:240329   IND ID:XYZ123           IND NAME:DRE MILLS TRN: 0891111111TC",1200.00,ACH_CREDIT,2404.11,,
DEBIT,03/28/2024,"Online Transfer to SAV ...4411 transaction#: 19876543210 03/28",-300.00,ACCT_XFER,1204.11,,
DEBIT,03/25/2024,"CASH APP*TASHA REED*ADD 8774174551 CA               03/24",-60.00,DEBIT_CARD,1504.11,,
DEBIT,03/24/2024,"VENMO            PAYMENT    1029384756      WEB ID: 3264681992",-45.00,ACH_DEBIT,1564.11,,
"""


def test_bank_descriptions_name_their_party(case: CaseFile, tmp_path: Path) -> None:
    """ACH rows name their originator, 'Online Transfer to SAV ...4411' is the holder's own account,
    'CASH APP*NAME*' names a person, and a Venmo payment that names nobody went to Venmo: no business
    named after a whole description."""
    run(case, write(tmp_path, "Chase4411_Activity.CSV", CHASE_DESCRIPTIONS))
    found = payments(case)
    assert found[0][:2] == ("Business", "GUSTO") and found[0][4] == 1200.0
    assert found[1][2:] == ("Account", "SAV ...4411", 300.0)
    assert found[2][2:] == ("Person", "Tasha Reed", 60.0)
    assert found[3][2:] == ("Business", "Venmo", 45.0)
    assert all(len(label) < 40 for label in labels(case, "Business"))


AMEX_UK = """Date,Description,Amount,Extended Details,Appears On Your Statement As,Address,Town/City,Postcode,Country,Reference,Category
03/04/2024,TRAVELODGE LONDON,89.99,,TRAVELODGE LONDON,,LONDON,,UNITED KINGDOM,'AT240950012345678',Travel-Lodging
14/04/2024,PAYMENT RECEIVED - THANK YOU,-500.00,,PAYMENT RECEIVED - THANK YOU,,,,,'AT240950012345679',
"""


def test_amex_uk_day_first_and_payment_received(case: CaseFile, tmp_path: Path) -> None:
    """American Express UK: dates day first (14/04 settles the column), 'PAYMENT RECEIVED - THANK YOU' is
    the holder paying the card (it was a business of that name paying the holder)."""
    result = run(case, write(tmp_path, "activity.csv", AMEX_UK))
    assert "day first" in result.assumed["day/month order (Date)"]
    found = payments(case)
    assert found[0][2:] == ("Hotel", "TRAVELODGE LONDON", 89.99)
    assert found[1][0] == "Account" and found[1][1].startswith("Account paying") and found[1][4] == 500.0
    start = case.conn.execute("SELECT start FROM links WHERE amount = 89.99").fetchone()[0]
    assert start == 1712116800                       # 3 April 2024, New York midnight


USAA = """Date,Description,Original Description,Category,Amount,Status
2024-03-28,Zelle,ZELLE TO REED TASHA 03/28 REF 1234,Transfer,-250.00,Posted
2024-03-26,Kiara Vance,ZELLE FROM VANCE KIARA,Transfer,500.00,Posted
"""


def test_usaa_original_description_names_the_zelle_party(case: CaseFile, tmp_path: Path) -> None:
    """USAA's download cleans the description ('Zelle', 'Kiara Vance') and keeps the bank's text in
    Original Description: the person is read from either, never a business called 'Zelle' or 'Kiara Vance'."""
    run(case, write(tmp_path, "bk_download.csv", USAA))
    found = payments(case)
    assert found[0][2:] == ("Person", "Reed Tasha", 250.0)
    assert found[1][:2] == ("Person", "Kiara Vance") and found[1][4] == 500.0
    assert labels(case, "Business") == set()


CASH_APP = """Transaction ID,Date,Transaction Type,Currency,Amount,Fee,Net Amount,Asset Type,Asset Price,Asset Amount,Status,Notes,Name of sender/receiver,Account
x1,2024-03-14 23:10:02 EDT,Cash out,USD,-$300,-$4.50,-$304.50,,,,COMPLETE,,,Visa Debit 4411
x2,2024-03-13 10:00:00 EDT,Deposits,USD,$200,$0,$200,,,,COMPLETE,,,Chase Checking 4411
x3,2024-03-12 09:00:00 EDT,Bitcoin Buy,USD,-$50,-$1.00,-$51.00,BTC,"$70,000",0.00071,COMPLETE,,,Your Cash
x4,2024-03-11 09:00:00 EDT,P2P,USD,-$25,$0,-$25,,,,PAYMENT SENT,for dinner,$KiaraV,Your Cash
"""


def test_cash_app_rows_that_name_no_person(case: CaseFile, tmp_path: Path) -> None:
    """A 'Bitcoin Buy' row names nobody: it stopped the whole import ('an entity of type Business needs a
    label'); it goes to Cash App. 'Deposits' come from the bank account in the Account column."""
    run(case, write(tmp_path, "cash_app_report.csv", CASH_APP))
    found = payments(case)
    holder = "Cash App of unknown holder (cash_app_report.csv)"
    assert found[0] == ("Account", holder, "Account", "Visa Debit 4411", 300.0)
    assert found[1] == ("Account", "Chase Checking 4411", "Account", holder, 200.0)
    assert found[2] == ("Account", holder, "Business", "Cash App", 50.0)
    assert found[3] == ("Account", holder, "Account", "$KiaraV", 25.0)
