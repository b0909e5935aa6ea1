"""Worker rosters: the sample compliance roster against the answer key, small real files with --map,
strict/lenient, the labour indicator rules fed by the import, and malformed rows (hypothesis)."""

from __future__ import annotations

import hashlib
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers import import_file
from importers.options import ImportOptions
from importers.roster import parse_pay
from linkgraph.analysis.indicators import run_rules
from linkgraph.analysis.records import load_records
from linkgraph.case import CaseFile
from linkgraph.errors import InputError, LinkgraphError
from sample_cases.build import answer_key, sample_dir

PACIFIC = ZoneInfo("America/Los_Angeles")
ROSTER = "roster_business_compliance.csv"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory):
    """The sample roster imported with no kind, profile or mapping given."""
    path = tmp_path_factory.mktemp("roster") / "roster.lgcase"
    with CaseFile.create(path, name="Compliance", timezone="America/Los_Angeles", region="US") as case:
        result = import_file(case, sample_dir() / ROSTER, ImportOptions())
    case = CaseFile.open(path)
    yield case, result
    case.close()


def ends(case: CaseFile, link_type: str, src_label: str) -> set[str]:
    rows = case.conn.execute(
        "SELECT b.label FROM links l JOIN entities a ON a.id = l.src JOIN entities b ON b.id = l.dst "
        "WHERE l.type = ? AND a.label = ?", (link_type, src_label)).fetchall()
    return {label for (label,) in rows}


def test_detected_and_counted(sample) -> None:
    _, result = sample
    assert (result.kind, result.profile, result.rows_imported, result.rows_rejected) == ("roster", "worker-roster", 24, 0)


def test_shared_addresses_phones_and_account(sample) -> None:
    case, _ = sample
    shared = answer_key()["shared_address_workers"]
    for group in shared["groups"]:
        for worker in group["workers"]:
            assert ends(case, "located_at", worker) == {group["address"]}
            assert ends(case, "employed_by", worker) == {group["employer"]}
            assert ends(case, "uses", worker) == {"(209) 555-" + group["phone"][-4:], group["account"]}
        address = [e for e in case.entities("Location") if e.label == group["address"]]
        assert len(address) == 1
        people = case.conn.execute("SELECT COUNT(DISTINCT src) FROM links WHERE type = 'located_at' AND dst = ?",
                                   (address[0].id,)).fetchone()[0]
        assert people == len(group["workers"])
    assert ends(case, "owns", shared["controller"]) == {shared["account"]}
    account = [e for e in case.entities("Account") if e.label == shared["account"]]
    assert len(account) == 1 and account[0].key == "XXXX8812@DELTAVALLEYBANK"
    wages = case.conn.execute("SELECT row, amount, currency, start, attrs FROM links WHERE type = 'paid' AND dst = ? "
                              "ORDER BY row", (account[0].id,)).fetchall()
    rule = next(i for i in answer_key()["indicators"] if i["rule"] == "wages_into_one_account")
    assert [r[0] for r in wages] == rule["rows"]
    assert wages[0][1:3] == (400.0, "USD") and wages[-1][1] == 1800.0
    inspection = int(datetime(2024, 4, 17, tzinfo=PACIFIC).timestamp())       # 'Inspections 04/17/2024 - ...'
    assert {r[3] for r in wages} == {inspection}
    assert '"category": "wages"' in wages[0][4] and '"worker": "Lan Pham"' in wages[0][4]


def test_honest_workers_share_nothing(sample) -> None:
    case, _ = sample
    for worker in answer_key()["shared_address_workers"]["legitimate_workers"]:
        used = ends(case, "uses", worker["name"])
        phone = "(209) 555-" + worker["phone"][-4:]
        assert phone in used and len(used) == 2
        account = next(u for u in used if u != phone)
        users = case.conn.execute("SELECT COUNT(*) FROM links l JOIN entities e ON e.id = l.dst WHERE e.label = ? "
                                  "AND l.type IN ('uses', 'owns')", (account,)).fetchone()[0]
        assert users == 1
    hourly = case.conn.execute("SELECT amount, attrs FROM links WHERE type = 'paid' AND row = 19").fetchone()
    assert hourly[0] == 17.5 and '"pay_unit": "hour"' in hourly[1]


def test_provenance_to_the_row(sample) -> None:
    case, result = sample
    link = case.conn.execute("SELECT id FROM links WHERE type = 'owns'").fetchone()[0]
    cite = case.link_provenance(link)[0]
    assert (cite["row"], cite["raw"]["Worker Name"], cite["raw"]["Role"]) == (18, "Vivian Tran", "Manager / owner")
    assert case.raw_row(result.source_id, 2) == {"line": "Inspections 04/17/2024 - 04/19/2024"}
    assert case.raw_row(result.source_id, 30) == {"line": "Total workers listed: 24"}


def test_labour_rules_see_the_import(sample) -> None:
    case, _ = sample
    found = run_rules(load_records(case))
    shared = {e["label"] for f in found if f["rule"] == "workers_share_address_and_phone" for e in f["entities"][:1]}
    groups = answer_key()["shared_address_workers"]["groups"]
    assert shared == {g["address"] for g in groups} | {"(209) 555-" + g["phone"][-4:] for g in groups}
    wages = [f for f in found if f["rule"] == "wages_into_one_account"]
    assert [f["entities"][0]["label"] for f in wages] == ["Delta Valley Bank XXXX8812"]


# ------------------------------------------------------------------------------------------ small real files


def test_farm_crew_xlsx_with_map_and_pay_dates(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "crew.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Valley Growers - crew list"])
    sheet.append([])
    sheet.append(["Nombre", "Domicilio", "Telefono", "Patron", "Puesto", "Pago", "Cuenta", "Fecha de pago"])
    sheet.append(["José Ruiz", "12 Orchard Rd, Lodi, CA", 2095550190, "Valley Growers", "Picker", "$90.00/day",
                  "Pacific Farm Bank *7701", datetime(2024, 6, 7)])
    sheet.append(["Ana Ruiz", "12 Orchard Rd, Lodi, CA", "(209) 555-0190", "Valley Growers", "Crew leader", "$900",
                  "Pacific Farm Bank *7701", datetime(2024, 6, 7)])
    book.save(path)
    mapping = {"worker": "Nombre", "address": "Domicilio", "phone": "Telefono", "employer": "Patron",
               "role": "Puesto", "pay": "Pago", "pay_account": "Cuenta", "pay_date": "Fecha de pago"}
    result = import_file(case, path, ImportOptions(kind="roster", mapping=mapping))
    assert (result.rows_imported, result.rows_rejected) == (2, 0)
    assert [e.key for e in case.entities("Phone")] == ["+12095550190"]
    assert ends(case, "owns", "Ana Ruiz") == {"Pacific Farm Bank *7701"}
    assert ends(case, "uses", "José Ruiz") == {"(209) 555-0190", "Pacific Farm Bank *7701"}
    paid = case.conn.execute("SELECT amount, start, attrs FROM links WHERE type = 'paid' ORDER BY row").fetchall()
    assert [p[0] for p in paid] == [90.0, 900.0]
    assert paid[0][1] == int(datetime(2024, 6, 7, tzinfo=PACIFIC).timestamp()) and '"pay_unit": "day"' in paid[0][2]


def test_strict_bad_phone_names_row_and_column_and_writes_nothing(case_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("Worker Name,Phone,Employer,Pay Account\nLi Wu,209-555-0101,Jade Garden,XXXX1111\n"
                    "Bo Lin,call the office,Jade Garden,XXXX1111\n", encoding="utf-8")
    before = hashlib.sha256(case_path.read_bytes()).hexdigest()
    with CaseFile.open(case_path) as case, pytest.raises(InputError) as error:
        import_file(case, path, ImportOptions(kind="roster"))
    assert "roster.csv, row 3, column 'Phone': 'call the office' is not a phone number" in str(error.value)
    assert hashlib.sha256(case_path.read_bytes()).hexdigest() == before


def test_lenient_keeps_bad_rows(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("Worker Name,Phone,Employer,Pay\nLi Wu,209-555-0101,Jade Garden,$400\n,209-555-0102,Jade Garden,"
                    "$400\nBo Lin,209-555-0103,,$400\nMei Ho,209-555-0104,Jade Garden,lots\n", encoding="utf-8")
    result = import_file(case, path, ImportOptions(kind="roster", strict=False))
    assert (result.rows_imported, result.rows_rejected) == (1, 3)
    reasons = {r["row"]: (r["column"], r["reason"]) for r in case.rejected_rows(result.source_id)}
    assert reasons == {3: ("Worker Name", "no worker name in this row"), 4: ("Employer", "no employer in this row"),
                       5: ("Pay", "cannot read the pay 'lots'")}
    cited = {r for (r,) in case.conn.execute("SELECT DISTINCT row FROM entity_evidence WHERE source_id = ?",
                                              (result.source_id,))}
    assert cited == {2}


@pytest.mark.parametrize(("text", "pay"), [("$17.50/hr", (17.5, "hour")), ("$400.00", (400.0, None)),
                                           ("$1,800.00", (1800.0, None)), ("120 per day", (120.0, "day")),
                                           ("cash", (None, None))])
def test_parse_pay(text: str, pay: tuple) -> None:
    assert parse_pay(text) == pay


CELL = st.one_of(st.sampled_from(["", "N/A", "209-555-0184", "$400.00", "$17.50/hr", "lots", "XXXX8812", "Zoë",
                                  "=1+1", '"', "Delta Valley Bank XXXX8812", "Golden Lotus"]), st.text(max_size=10))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELL, min_size=5, max_size=5), min_size=1, max_size=5), strict=st.booleans())
def test_malformed_rows_never_crash_or_half_write(rows: list[list[str]], strict: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        case_path = Path(folder) / "case.lgcase"
        CaseFile.create(case_path, name="r", timezone="America/Los_Angeles", region="US").close()
        before = hashlib.sha256(case_path.read_bytes()).hexdigest()
        lines = ["Worker Name,Phone,Employer,Pay,Pay Account"]
        lines += [",".join('"' + c.replace('"', '""') + '"' for c in cells) for cells in rows]
        source = Path(folder) / "roster.csv"
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with CaseFile.open(case_path) as case:
            try:
                result = import_file(case, source, ImportOptions(kind="roster", strict=strict))
            except LinkgraphError as exc:
                assert str(exc).strip() and "\n" not in str(exc)
                failed = True
            else:
                failed = False
                employed = case.conn.execute("SELECT COUNT(*) FROM links WHERE type = 'employed_by'").fetchone()[0]
                assert employed <= result.rows_imported
                rejected = case.conn.execute("SELECT COUNT(*) FROM rejected_rows").fetchone()[0]
                assert rejected == result.rows_rejected and (strict is False or rejected == 0)
        if failed:
            assert hashlib.sha256(case_path.read_bytes()).hexdigest() == before
