"""Financial imports: the sample case's Cash App, Venmo, bank and money-transfer files against the answer key,
cross-source identity, each layout on small realistic files, strict/lenient, and malformed rows (hypothesis)."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers import detect_kind, import_file
from importers.categories import classify, describe
from importers.finance import account_key, parse_money
from importers.options import ImportOptions
from linkgraph.case import CaseFile
from linkgraph.cli import main
from linkgraph.errors import Cancelled, InputError, LinkgraphError
from sample_cases.build import answer_key, sample_dir

PACIFIC = ZoneInfo("America/Los_Angeles")
FINANCE_FILES = ["cashapp_haskins.csv", "venmo_lamb.csv", "bank_haskins_detailing.xlsx", "money_transfers_quicksend.csv"]


def local(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=PACIFIC).timestamp())


# ------------------------------------------------------------------------------------------ the sample case


@pytest.fixture(scope="module")
def sample(sample_built, tmp_path_factory: pytest.TempPathFactory):
    """The whole sample case built as `linkgraph demo` builds it (finance files with no mapping)."""
    path, results = sample_built.copy(tmp_path_factory.mktemp("sample") / "crossroads.lgcase"), sample_built.results
    case = CaseFile.open(path)
    yield case, {r.name: r for r in results}
    case.close()


def money_links(case: CaseFile, source_id: int) -> list[dict]:
    rows = case.conn.execute(
        "SELECT l.id, l.type, l.row, l.amount, l.currency, l.start, l.attrs, l.location, a.type, a.label, a.key, "
        "b.type, b.label, b.key, l.src, l.dst FROM links l JOIN entities a ON a.id = l.src "
        "JOIN entities b ON b.id = l.dst WHERE l.source_id = ? AND l.type IN ('paid', 'transferred') ORDER BY l.row",
        (source_id,)).fetchall()
    names = ("id", "type", "row", "amount", "currency", "start", "attrs", "location", "src_type", "src_label",
             "src_key", "dst_type", "dst_label", "dst_key", "src", "dst")
    out = []
    for row in rows:
        item = dict(zip(names, row, strict=True))
        item["attrs"] = json.loads(item["attrs"] or "{}")
        out.append(item)
    return out


def by_category(links: list[dict]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for link in links:
        found[link["attrs"].get("category")].append(link["row"])
    return {k: sorted(v) for k, v in found.items()}


def test_profiles_detected_without_mapping(sample) -> None:
    _, results = sample
    assert {n: (results[n].kind, results[n].profile, results[n].rows_rejected) for n in FINANCE_FILES} == {
        "cashapp_haskins.csv": ("finance", "cashapp", 0), "venmo_lamb.csv": ("finance", "venmo", 0),
        "bank_haskins_detailing.xlsx": ("finance", "bank-statement", 0),
        "money_transfers_quicksend.csv": ("finance", "money-transfer", 0),
    }
    for name in FINANCE_FILES + ["roster_business_compliance.csv"]:
        expected = next(f["kind"] for f in answer_key()["files"] if f["file"] == name)
        assert detect_kind(sample_dir() / name, ImportOptions()) == expected


def test_cashapp_rows_by_category(sample) -> None:
    case, results = sample
    key = answer_key()
    links = money_links(case, results["cashapp_haskins.csv"].source_id)
    assert len(links) == 142
    expected = dict(key["cashapp_categories"])
    expected["p2p_in"] = sorted(expected.pop("earnings") + expected["p2p_in"])   # both are 'Received P2P'
    assert by_category(links) == expected
    first = links[0]          # 63f3200,2024-05-31 23:55:08 PDT,Received P2P,USD,"$1,130.00",...,Keisha Lamb
    assert (first["row"], first["type"], first["amount"], first["currency"]) == (2, "transferred", 1130.0, "USD")
    assert first["start"] == local("2024-05-31 23:55:08")
    assert (first["src_label"], first["dst_key"]) == ("Keisha Lamb", "$bossd209")
    assert first["attrs"]["transaction_id"] == "63f3200" and first["attrs"]["method"] == "cash app"
    ad = next(x for x in links if x["row"] == 6)      # -$36.46 card purchase at Vibelist Classifieds
    assert (ad["type"], ad["amount"], ad["src_key"], ad["dst_label"], ad["attrs"]["method"]) == (
        "paid", 36.46, "$bossd209", "Vibelist", "card")
    motel = next(x for x in links if x["row"] == 10)
    assert (motel["dst_type"], motel["dst_label"]) == ("Hotel", "Delta Inn & Suites")


def test_cashapp_holder_is_the_controller(sample) -> None:
    case, _ = sample
    account = case.find_entity("Account", "$bossd209")
    assert account is not None and account.label == "Cash App $BossD209"
    owners = case.conn.execute(
        "SELECT e.label FROM links l JOIN entities e ON e.id = l.src WHERE l.type = 'owns' AND l.dst = ?",
        (account.id,)).fetchall()
    assert owners == [("Darnell Haskins",)]


def test_venmo_holder_balance_rows_and_routing(sample) -> None:
    case, results = sample
    key = answer_key()
    source = results["venmo_lamb.csv"].source_id
    links = money_links(case, source)
    account = case.find_entity("Account", "@keisha-lamb-510")
    assert account is not None
    assert case.conn.execute("SELECT e.label FROM links l JOIN entities e ON e.id = l.src WHERE l.type = 'owns' "
                             "AND l.dst = ?", (account.id,)).fetchall() == [("Keisha Lamb",)]
    rows = {x["row"] for x in links}
    assert 4 not in rows and 53 not in rows             # beginning balance and disclaimer: raw rows only
    assert case.raw_row(source, 4)["Beginning Balance"] == "$42.18"
    assert case.raw_row(source, 53)["Ending Balance"] == "$2,792.18"
    assert case.rejected_rows(source) == []
    assert "2 balance/total rows kept as raw rows" in results["venmo_lamb.csv"].notes[0]
    balance = key["venmo_balance"]["beginning"]
    for link in links:
        if link["dst"] == account.id:
            balance += link["amount"]
        elif link["src"] == account.id and "Credit Union" not in link["attrs"].get("funding_source", ""):
            balance -= link["amount"]
    assert round(balance, 2) == key["venmo_balance"]["ending"]
    routed = next(i for i in key["indicators"] if i["rule"] == "earnings_routed_to_controller"
                  and i["file"] == "venmo_lamb.csv")
    for link in (x for x in links if x["row"] in routed["rows"]):
        assert (link["src_label"], link["dst_key"]) in {
            ("Jasmine Reyes", "@keisha-lamb-510"), ("Destiny Park", "@keisha-lamb-510"),
            ("Nicole Alvarez", "@keisha-lamb-510")} or (link["src_key"], link["dst_label"]) == (
            "@keisha-lamb-510", "Darnell Haskins")


def test_bank_categories_balances_and_titles(sample) -> None:
    case, results = sample
    key = answer_key()
    source = results["bank_haskins_detailing.xlsx"].source_id
    links = money_links(case, source)
    assert by_category(links) == key["bank_categories"]
    debits = sum(x["amount"] for x in links if x["src_key"] == "XXXX8830@SANJOAQUINMUTUALBANK")
    credits = sum(x["amount"] for x in links if x["dst_key"] == "XXXX8830@SANJOAQUINMUTUALBANK")
    assert round(debits, 2) == key["bank_balances"]["total_debits"]
    assert round(credits, 2) == key["bank_balances"]["total_credits"]
    assert case.raw_row(source, 8)["Balance"] == str(key["bank_balances"]["beginning"])
    assert case.raw_row(source, 102)["Description"] == "ENDING BALANCE"
    assert case.rejected_rows(source) == []
    account = case.find_entity("Account", "XXXX8830@SANJOAQUINMUTUALBANK")
    assert account.attrs["kind"] == "business" and account.attrs["institution"] == "SAN JOAQUIN MUTUAL BANK"
    owner = case.conn.execute("SELECT e.type, e.label, l.row FROM links l JOIN entities e ON e.id = l.src "
                              "WHERE l.type = 'owns' AND l.dst = ?", (account.id,)).fetchall()
    assert owner == [("Business", "HASKINS MOBILE DETAILING LLC", 4)]
    assert case.raw_row(source, 4) == {"line": "Account Number: XXXXXX8830"}
    deposits = [x for x in links if x["attrs"]["category"] == "cash_deposit"]
    assert {x["attrs"]["city"] for x in deposits} == {"Fresno", "Sacramento", "Bakersfield", "San Jose"}
    assert all(x["dst"] == account.id and x["src_type"] == "Location" for x in deposits)
    assert next(x for x in links if x["row"] == 9)["start"] == local("2024-03-01 00:00:00")


def test_bank_free_text_counterparties_match_known_entities(sample) -> None:
    case, results = sample
    links = {x["row"]: x for x in money_links(case, results["bank_haskins_detailing.xlsx"].source_id)}
    cash_out = links[14]            # CASH APP*CASH OUT TRANSFER DARNELL HASKINS
    assert (cash_out["src_type"], cash_out["src_label"]) == ("Person", "Darnell Haskins")
    person_files = {c["file"] for c in case.entity_provenance(cash_out["src"])}
    assert {"cashapp_haskins.csv", "bank_haskins_detailing.xlsx"} <= person_files
    motel = links[25]               # CHECKCARD 0315 DELTA INN & SUITES STOCKTON CA: the hotel already in the case
    hotel_files = {c["file"] for c in case.entity_provenance(motel["dst"])}
    assert motel["dst_type"] == "Hotel" and "hotel_delta_inn_stockton.csv" in hotel_files
    assert links[41]["dst_label"] == "Jamal Pruitt" and links[41]["attrs"]["category"] == "wire"
    notes = " ".join(results["bank_haskins_detailing.xlsx"].notes)
    assert "'XXXXXX8830' ends in the same digits as" in notes and "Checking 8830" in notes


def test_money_transfers_to_the_controller(sample) -> None:
    case, results = sample
    key = answer_key()
    links = money_links(case, results["money_transfers_quicksend.csv"].source_id)
    assert len(links) == 34 and {x["attrs"]["method"] for x in links} == {"wire"}
    routed = next(i for i in key["indicators"] if i["rule"] == "earnings_routed_to_controller"
                  and i["file"] == "money_transfers_quicksend.csv")["rows"]
    assert sorted(x["row"] for x in links if x["dst_label"] == "Darnell Haskins") == routed
    first = links[0]       # 1384531925,03/01/2024,13:07,Destiny Park,...,Darnell Haskins,...,Stockton,CA,USA,550.00
    assert (first["attrs"]["mtcn"], first["amount"], first["start"]) == ("1384531925", 550.0, local("2024-03-01 13:07:00"))
    assert case.entity(first["location"]).label == "Stockton, CA, USA"
    uses = dict(case.conn.execute(
        "SELECT e.key, COUNT(*) FROM links l JOIN entities e ON e.id = l.dst WHERE l.type = 'uses' AND l.src = ? "
        "GROUP BY e.key", (first["dst"],)).fetchall())
    assert set(uses) == {"+12095550101", "+12095550144"}
    abroad = next(x for x in links if x["attrs"].get("payout_currency") == "MXN")
    assert abroad["dst_type"] == "Person" and abroad["attrs"]["payout_amount"] > abroad["amount"]


def test_controller_phone_one_entity_joined_to_ads_stays_payments_calls(sample) -> None:
    case, _ = sample
    for number in answer_key()["controller"]["phones"]:
        phones = [e for e in case.entities("Phone") if e.key == number]
        assert len(phones) == 1
        phone = phones[0].id
        direct = {t for (t,) in case.conn.execute("SELECT DISTINCT type FROM links WHERE src = ?1 OR dst = ?1",
                                                   (phone,))}
        assert {"call", "posted", "uses"} <= direct
        users = [u for (u,) in case.conn.execute("SELECT src FROM links WHERE type = 'uses' AND dst = ?", (phone,))]
        marks = ",".join("?" * len(users))
        via_users = {t for (t,) in case.conn.execute(
            f"SELECT DISTINCT type FROM links WHERE src IN ({marks}) OR dst IN ({marks})", users + users)}
        assert {"transferred"} <= via_users and via_users & {"stayed_at", "booked"}


# ------------------------------------------------------------------------------------------ small real files

BANK_CSV = """First Valley Credit Union
Personal Checking - Statement of Account
MARISOL DIAZ
Account No: 4417-220-981
Period 06/01/2024 - 06/30/2024

Posting Date,Description,Amount,Running Balance
06/01/2024,Opening Balance,,500.00
06/02/2024,POS PURCHASE UBER *TRIP HELP.UBER.COM CA,-25.10,474.90
06/03/2024,ATM CASH DEPOSIT #311 SACRAMENTO CA,"1,200.00","1,674.90"
06/04/2024,CHECKCARD 0604 RED ROOF INN #155 MODESTO CA,(89.99),"1,584.91"
06/05/2024,ZELLE PAYMENT TO ANDRE MIMS,-200.00,"1,384.91"
06/06/2024,PAYROLL DIRECT DEP ACME FOODS,850.00,"2,234.91"
06/06/2024,CAFÉ LUNA,-9.00,"2,225.91"
06/30/2024,Closing Balance,,"2,225.91"
Total,,"1,725.91",
"""


def test_bank_csv_signed_amounts_cp1252_and_titles(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "statement.csv"
    path.write_bytes(BANK_CSV.encode("cp1252"))
    result = import_file(case, path, ImportOptions(kind="finance"))
    assert (result.profile, result.rows_rejected) == ("bank-statement", 0)
    links = money_links(case, result.source_id)
    assert [(x["row"], x["attrs"].get("category"), x["amount"], x["type"]) for x in links] == [
        (9, "ride_hail", 25.10, "paid"), (10, "cash_deposit", 1200.0, "transferred"),
        (11, "lodging", 89.99, "paid"), (12, "p2p_transfer", 200.0, "transferred"),
        (13, "payroll", 850.0, "paid"), (14, None, 9.0, "paid")]
    account = case.find_entity("Account", "4417220981")
    assert account is not None and account.attrs["institution"] == "First Valley Credit Union"
    assert all(x["src"] == account.id for x in links if x["row"] in (9, 11, 12, 14))
    assert all(x["dst"] == account.id for x in links if x["row"] in (10, 13))
    assert next(x for x in links if x["row"] == 12)["dst_label"] == "Andre Mims"
    assert next(x for x in links if x["row"] == 11)["dst_label"] == "Red Roof Inn"
    assert next(x for x in links if x["row"] == 14)["dst_label"] == "CAFÉ LUNA"
    assert next(x for x in links if x["row"] == 10)["attrs"]["city"] == "Sacramento"
    assert case.conn.execute("SELECT e.label FROM links l JOIN entities e ON e.id = l.src WHERE l.type = 'owns'"
                             ).fetchall() == [("MARISOL DIAZ",)]
    assert not any("running balance" in n for n in result.notes)
    assert case.raw_row(result.source_id, 16) == {"line": "Total 1,725.91"}       # the totals line is kept too


def test_free_text_names_exact_match_or_suggestion(case: CaseFile, tmp_path: Path) -> None:
    people = tmp_path / "associates.csv"
    people.write_text("Person A,Person B,Relationship\nJamal Pruitt,Rico Salas,associate_of\n", encoding="utf-8")
    import_file(case, people, ImportOptions(kind="links"))
    path = tmp_path / "wires.csv"
    path.write_text("Date,Description,Debit,Credit,Balance\n"
                    "04/01/2024,WIRE TRANSFER OUT BNF: JAMAL PRUITT REF 2404010087 FRESNO CA,3500.00,,\n"
                    "04/02/2024,WIRE TRANSFER OUT BNF: RICO SALLAS REF 2404020011 FRESNO CA,100.00,,\n",
                    encoding="utf-8")
    result = import_file(case, path, ImportOptions(kind="finance", extra={"holder_account": "7700112233"}))
    links = money_links(case, result.source_id)
    known = case.conn.execute("SELECT id FROM entities WHERE label = 'Jamal Pruitt'").fetchall()
    assert links[0]["dst"] == known[0][0] and len(known) == 1          # exact: linked to the person already known
    assert links[1]["dst_label"] == "Rico Sallas"                       # close: a new person and a suggestion
    assert any("'RICO SALLAS' may be Person" in n and "'Rico Salas'" in n for n in result.notes)


VENMO = (",ID,Datetime,Type,Status,Note,From,To,Amount (total),Amount (tip),Amount (fee),Funding Source,Destination,"
         "Beginning Balance,Ending Balance\n"
         ",,,,,,,,,,,,,$10.00,\n"
         ",001,2024-03-02T22:06:29,Payment,Complete,café ☕,Zoë Peña,Rosa Diaz,+ $20.00,,,,Venmo balance,,\n"
         ",002,2024-03-03T09:00:00,Payment,Complete,rent,Rosa Diaz,Luis Mora,- $25.50,,,Venmo balance,,,\n"
         ",,,,,,,,,,,,,,$4.50\n")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_venmo_statement_in_any_encoding(case: CaseFile, tmp_path: Path, encoding: str) -> None:
    text = "Account Statement - (@Rosa-Diaz-7) - March 2024\nAccount Activity\n" + VENMO
    if encoding == "cp1252":
        text = text.replace(" ☕", "")
    path = tmp_path / "venmo.csv"
    path.write_bytes(text.encode(encoding))
    result = import_file(case, path, ImportOptions())
    assert (result.profile, result.rows_rejected) == ("venmo", 0)
    links = money_links(case, result.source_id)
    assert [(x["src_label"], x["src_key"], x["dst_label"], x["dst_key"], x["amount"]) for x in links] == [
        ("Zoë Peña", None, "Venmo @Rosa-Diaz-7", "@rosa-diaz-7", 20.0),
        ("Venmo @Rosa-Diaz-7", "@rosa-diaz-7", "Luis Mora", None, 25.5)]
    # Venmo's Datetime is UTC
    assert links[0]["start"] == datetime(2024, 3, 2, 22, 6, 29, tzinfo=UTC).timestamp() and links[0]["attrs"]["description"] == text.split(
        "Complete,")[1].split(",")[0]


def test_cancel_rolls_back(case_path: Path, tmp_path: Path) -> None:
    before = hashlib.sha256(case_path.read_bytes()).hexdigest()
    with CaseFile.open(case_path) as case, pytest.raises(Cancelled):
        import_file(case, sample_dir() / "bank_haskins_detailing.xlsx", ImportOptions(kind="finance"),
                    lambda done, total, message: False)
    assert hashlib.sha256(case_path.read_bytes()).hexdigest() == before


def test_running_balance_gap_is_noted(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "gap.csv"
    path.write_text("Date,Description,Debit,Credit,Balance\n06/01/2024,BEGINNING BALANCE,,,100.00\n"
                    "06/02/2024,WALGREENS #1 FRESNO CA,10.00,,90.00\n06/04/2024,TACO BELL #2 FRESNO CA,5.00,,60.00\n",
                    encoding="utf-8")
    result = import_file(case, path, ImportOptions(kind="finance", extra={"holder": "Ana Ruiz",
                                                                           "holder_account": "5512-0099"}))
    assert any("does not add up at 1 rows (first: row 4)" in n for n in result.notes)
    assert case.find_entity("Account", "55120099") is not None


def test_cashapp_without_holder_notes_it(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "cash_app_report.csv"
    path.write_text(
        "Transaction ID,Date,Transaction Type,Currency,Amount,Fee,Net Amount,Asset Type,Asset Price,Asset Amount,"
        "Status,Notes,Name of sender/receiver,Account\n"
        "a1,2023-12-06 19:56:39 PST,Received P2P,USD,$40.00,$0,$40.00,,,,COMPLETE,🌹,$JohnnyB,Your Cash\n"
        "a2,2023-10-06 19:56:39 EDT,Cash Card Debit,USD,-$2.90,$0,-$2.90,,,,COMPLETE,,Lyft,Visa Debit 1111\n"
        "a3,2023-10-07 10:00:00 EDT,Sent P2P,USD,-$15.00,$0,-$15.00,,,,FAILED,,Rita Gomez,Your Cash\n",
        encoding="utf-8")
    result = import_file(case, path, ImportOptions())
    assert (result.kind, result.profile) == ("finance", "cashapp")
    links = money_links(case, result.source_id)
    assert [(x["row"], x["amount"], x["start"]) for x in links] == [
        (2, 40.0, int(datetime(2023, 12, 7, 3, 56, 39, tzinfo=UTC).timestamp())),
        (3, 2.90, int(datetime(2023, 10, 6, 23, 56, 39, tzinfo=UTC).timestamp()))]
    assert links[0]["src_type"] == "Account" and links[0]["src_key"] == "$johnnyb"
    assert links[0]["dst_key"].startswith("UNKNOWN:")
    assert any("--holder" in n for n in result.notes) and any("failed/cancelled" in n for n in result.notes)


def test_ledger_xlsx_with_map_and_category_column(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Paid on", "Who paid", "Paid to", "USD", "What for", "Category"])
    sheet.append([datetime(2024, 2, 1, 18, 30), "Boss", "Recruiter Lee", 1500, "visa fee", "recruitment_fee"])
    sheet.append([datetime(2024, 2, 3, 9, 0), "Boss", "$CashKing", "2,000.50", "", ""])
    book.save(path)
    options = ImportOptions(kind="finance", profile="ledger", mapping={
        "date": "Paid on", "payer": "Who paid", "payee": "Paid to", "amount": "USD"})
    result = import_file(case, path, options)
    links = money_links(case, result.source_id)
    assert [(x["src_label"], x["dst_label"], x["dst_type"], x["amount"], x["attrs"].get("category")) for x in links] == [
        ("Boss", "Recruiter Lee", "Person", 1500.0, "recruitment_fee"), ("Boss", "$CashKing", "Account", 2000.5, None)]
    assert links[0]["start"] == local("2024-02-01 18:30:00")


def test_strict_bad_amount_names_row_and_column_and_writes_nothing(case_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "bank.csv"
    path.write_text("Date,Description,Debit,Credit,Balance\n03/01/2024,BEGINNING BALANCE,,,100.00\n"
                    "03/02/2024,CHECKCARD 0302 MOTEL 6 #12 FRESNO CA,12.x0,,88.00\n", encoding="utf-8")
    before = hashlib.sha256(case_path.read_bytes()).hexdigest()
    with CaseFile.open(case_path) as case, pytest.raises(InputError) as error:
        import_file(case, path, ImportOptions(kind="finance"))
    assert "bank.csv, row 3, column 'Debit': cannot read the amount '12.x0'" in str(error.value)
    assert hashlib.sha256(case_path.read_bytes()).hexdigest() == before


def test_lenient_keeps_bad_rows_with_reasons(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "transfers.csv"
    path.write_text(
        "MTCN,Date,Time,Sender Name,Sender Phone,Receiver Name,Receiver Phone,Payout City,Payout Country,Amount\n"
        "1111111111,03/01/2024,13:07,Ana Diaz,209-555-0164,Luis Mora,209-555-0101,Stockton,USA,550.00\n"
        "2222222222,03/31/2024,25:99,Ana Diaz,209-555-0164,Luis Mora,209-555-0101,Stockton,USA,100.00\n"
        "3333333333,04/01/2024,10:00,Ana Diaz,N/A,Luis Mora,209-555-0101,Stockton,USA,100.00\n"
        "4444444444,04/02/2024,10:00,Ana Diaz,209-555-0164,Luis Mora,209-555-0101,Stockton,USA,\n",
        encoding="utf-8")
    result = import_file(case, path, ImportOptions(kind="finance", strict=False))
    assert (result.rows_imported, result.rows_rejected) == (1, 3)
    reasons = {r["row"]: (r["column"], r["reason"]) for r in case.rejected_rows(result.source_id)}
    assert reasons[3][0] == "Date" and "cannot read the date" in reasons[3][1]
    assert reasons[4] == ("Sender Phone", "'N/A' is not a phone number")
    assert reasons[5] == ("Amount", "no amount in this row")
    cited = {r for (r,) in case.conn.execute("SELECT DISTINCT row FROM entity_evidence WHERE source_id = ?",
                                              (result.source_id,))}
    assert cited == {2}                 # nothing made from the rows turned away


def test_cli_import_with_holder_and_broken_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    case = tmp_path / "c.lgcase"
    assert main(["new", str(case), "--tz", "America/Los_Angeles"]) == 0
    assert main(["import", str(case), str(sample_dir() / "cashapp_haskins.csv"), "--holder", "Darnell Haskins",
                 "--holder-account", "$BossD209"]) == 0
    out = capsys.readouterr().out
    assert "profile 'cashapp' (detected); 142 rows imported, 0 rejected" in out
    assert main(["info", str(case)]) == 0
    assert "cashapp_haskins.csv" in capsys.readouterr().out
    broken = tmp_path / "broken.csv"
    broken.write_text("Date,Description,Debit,Credit,Balance\n03/02/2024,UBER *TRIP,abc,,88.00\n", encoding="utf-8")
    assert main(["import", str(case), str(broken)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "broken.csv, row 2, column 'Debit'" in err


# ------------------------------------------------------------------------------------------ values


@pytest.mark.parametrize(("text", "value"), [
    ("$1,130.00", 1130.0), ("-$2.90", -2.9), ("- $20.00", -20.0), ("+ $20.00", 20.0), ("(89.99)", -89.99),
    ("12.50-", -12.5), ("9.00 DR", -9.0), ("9.00 CR", 9.0), ("USD 15", 15.0), ("$0", 0.0), ("", None),
    ("abc", None), ("1.2.3", None), ("--5", 5.0)])
def test_parse_money(text: str, value: float | None) -> None:
    assert parse_money(text) == value


def test_category_table_and_descriptions() -> None:
    assert classify(("CHECKCARD 0310 PREPAID WIRELESS REFILL METROPCS",), "out").name == "telecom"
    assert classify(("WIRE TRANSFER FEE",), "out").name == "bank_fee"
    assert classify(("CASH APP*CASH OUT TRANSFER DARNELL HASKINS",), "in").name == "p2p_transfer"
    assert classify(("Cash out", "", ""), "out").name == "cash_out"
    assert classify(("Received P2P", "Susan Oyelaran"), "in").name == "p2p_in"
    assert classify(("Cash Card Debit", "Vanilla Gift Card"), "out").merchant == "Vanilla Gift Card"
    assert describe("CASH DEPOSIT - BRANCH #0377 SAN JOSE CA").city == "San Jose"
    assert describe("CHECKCARD 0306 TACO BELL #8488 FRESNO CA").name == "TACO BELL"
    assert describe("UBER *TRIP HELP.UBER.COM CA").city is None
    assert account_key("$BossD209") == ("$bossd209", "$BossD209", None)
    assert account_key("Delta Valley Bank XXXX8812")[0] == "XXXX8812@DELTAVALLEYBANK"
    assert account_key("XXXXXX8830", "SAN JOAQUIN MUTUAL BANK")[0] == "XXXX8830@SANJOAQUINMUTUALBANK"


# ------------------------------------------------------------------------------------------ malformed rows

CELL = st.one_of(
    st.sampled_from(["", "N/A", "$1,130.00", "-$2.90", "- $20.00", "(5.00)", "12.x0", "03/02/2024", "13/45/2024",
                     "2023-10-06 19:56:39 EDT", "BEGINNING BALANCE", "Total", "CHECKCARD 0306 TACO BELL #1 FRESNO CA",
                     "=1+1", '"', "\t", "Zoë"]),
    st.text(max_size=12),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELL, min_size=5, max_size=5), min_size=1, max_size=6),
       short=st.lists(CELL, min_size=2, max_size=4) | st.none(), strict=st.booleans())
def test_malformed_rows_never_crash_or_half_write(rows: list[list[str]], short: list[str] | None,
                                                  strict: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        case_path = Path(folder) / "case.lgcase"
        CaseFile.create(case_path, name="f", timezone="America/Los_Angeles", region="US").close()
        before = hashlib.sha256(case_path.read_bytes()).hexdigest()
        lines = ["Date,Description,Debit,Credit,Balance"]
        for cells in rows + ([short] if short else []):
            lines.append(",".join('"' + c.replace('"', '""') + '"' for c in cells))
        source = Path(folder) / "statement.csv"
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with CaseFile.open(case_path) as case:
            try:
                result = import_file(case, source, ImportOptions(kind="finance", strict=strict,
                                                                 extra={"holder_account": "1234-5678"}))
            except LinkgraphError as exc:
                assert str(exc).strip() and "\n" not in str(exc)
                failed = True
            else:
                failed = False
                rejected = case.conn.execute("SELECT COUNT(*) FROM rejected_rows").fetchone()[0]
                assert rejected == result.rows_rejected and (strict is False or rejected == 0)
                money = case.conn.execute("SELECT COUNT(*) FROM links WHERE type IN ('paid', 'transferred')").fetchone()[0]
                assert money <= len(rows) + 1
        if failed:
            assert hashlib.sha256(case_path.read_bytes()).hexdigest() == before
