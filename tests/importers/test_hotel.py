"""Hotel registries: the sample case's two motels against the answer key, the stay attributes the
analysis reads, a PMS folio layout, strict/lenient, atomicity, cross-source identity and the CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers import available_kinds, import_file
from importers.hotel import city_of
from importers.options import ImportOptions
from linkgraph.case import CaseFile
from linkgraph.case.integrity import verify_connection
from linkgraph.cli import main
from linkgraph.errors import Cancelled, InputError, LinkgraphError
from linkgraph.times import parse_iso
from sample_cases.build import answer_key, sample_dir

ZONE = "America/Los_Angeles"
KEY = answer_key()
HOTEL_FILES = ("hotel_delta_inn_stockton.csv", "hotel_sierra_motor_lodge_fresno.xlsx")


def new_case(path: Path) -> CaseFile:
    return CaseFile.create(path, name="Hotels", timezone=ZONE, region="US")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory):
    """Both sample registries imported without a mapping or a kind (detected)."""
    path = tmp_path_factory.mktemp("hotels") / "sample.lgcase"
    with new_case(path) as case:
        results = [import_file(case, sample_dir() / name, ImportOptions()) for name in HOTEL_FILES]
        yield case, {r.name: r for r in results}


def stay_links(case: CaseFile, source_id: int, link_type: str = "stayed_at") -> dict[int, list[dict]]:
    """row -> [{person, hotel, start, end, attrs}] of one source's stay links."""
    out: dict[int, list[dict]] = {}
    for row, person, hotel, start, end, attrs in case.conn.execute(
        "SELECT l.row, p.label, h.label, l.start, l.\"end\", l.attrs FROM links l JOIN entities p ON p.id = l.src "
        "JOIN entities h ON h.id = l.dst WHERE l.type = ? AND l.source_id = ?", (link_type, source_id)):
        out.setdefault(row, []).append({"person": person, "hotel": hotel, "start": start, "end": end,
                                        "attrs": json.loads(attrs)})
    return out


def users_of(case: CaseFile, etype: str, key: str) -> set[str]:
    return {label for (label,) in case.conn.execute(
        "SELECT p.label FROM links l JOIN entities p ON p.id = l.src JOIN entities e ON e.id = l.dst "
        "WHERE l.type = 'uses' AND e.type = ? AND e.key = ?", (etype, key))}


def test_registries_detected_with_hotel_name_and_city_from_title_lines(sample) -> None:
    case, results = sample
    delta, sierra = results["hotel_delta_inn_stockton.csv"], results["hotel_sierra_motor_lodge_fresno.xlsx"]
    assert (delta.kind, delta.profile, delta.rows_imported, delta.rows_rejected) == ("hotel", "guest-registry", 67, 0)
    assert (sierra.kind, sierra.profile, sierra.rows_imported, sierra.rows_rejected) == ("hotel", "guest-registry", 46, 0)
    hotels = {e.label: e.attrs for e in case.entities("Hotel")}
    assert hotels == {
        "Delta Inn & Suites": {"address": "1800 Canal Point Dr, Stockton CA 95206", "city": "Stockton"},
        "Sierra Motor Lodge": {"address": "2250 Oak Hollow Dr, Fresno CA 93721", "city": "Fresno"},
    }
    assert case.source(delta.source_id).options["encoding"] == "cp1252"
    assert any(e.label == "Rafael Muñoz" for e in case.entities("Person"))
    assert len(stay_links(case, delta.source_id)) == 67 and len(stay_links(case, sierra.source_id)) == 46


@pytest.mark.parametrize("fact", KEY["hotel_stays"], ids=[f"{s['booker']}-{s['arrival']}" for s in KEY["hotel_stays"]])
def test_every_planted_stay_matches_the_answer_key(sample, fact: dict) -> None:
    case, results = sample
    source = results[fact["file"]].source_id
    stays, booked = stay_links(case, source), stay_links(case, source, "booked")
    arrival, departure = date.fromisoformat(fact["arrival"]), date.fromisoformat(fact["departure"])
    nights = (departure - arrival).days
    expected_rows = len(fact["rooms"]) * (nights if fact["night_by_night"] else 1)
    assert len(fact["rows"]) == expected_rows
    seen = []
    for row in fact["rows"]:
        (stay,) = stays[row]
        attrs = stay["attrs"]
        assert stay["hotel"] == fact["hotel"]
        room = next(r for r in fact["rooms"] if r["room"] == attrs["room"])
        assert stay["person"] == room["guest"]
        assert attrs["payment"] == fact["payment"]
        assert attrs["cash_or_prepaid"] is (fact["payment"] in ("Cash", "Prepaid card"))
        assert attrs["rooms_same_night"] == len(fact["rooms"])
        assert attrs["night_by_night"] is fact["night_by_night"]
        assert attrs["nights"] == (1 if fact["night_by_night"] else nights)
        first = arrival + timedelta(days=len([s for s in seen if s == attrs["room"]]))
        assert stay["start"] == parse_iso(first.isoformat(), ZONE)
        assert stay["end"] == parse_iso((first + timedelta(days=attrs["nights"])).isoformat(), ZONE)
        assert attrs["extension"] is (first > arrival)
        seen.append(attrs["room"])
        if room["guest"] == fact["booker"]:
            assert row not in booked and "booked_by" not in attrs
        else:
            (by,) = booked[row]
            assert (by["person"], by["hotel"], by["start"], by["attrs"]["guest"]) == (
                fact["booker"], fact["hotel"], stay["start"], room["guest"])
        if room["minor"]:
            assert not case.conn.execute(
                "SELECT count(*) FROM links l JOIN entities p ON p.id = l.src JOIN entities d ON d.id = l.dst "
                "WHERE l.source_id = ? AND p.label = ? AND d.type = 'IdDocument'", (source, room["guest"])).fetchone()[0]
    assert users_of(case, "Phone", fact["booker_phone"]) == {fact["booker"]}


def test_decoy_family_booking_is_two_card_paid_rooms_of_one_guest(sample) -> None:
    case, results = sample
    decoy = KEY["hotel_decoy"]
    stays = stay_links(case, results["hotel_delta_inn_stockton.csv"].source_id)
    hers = [s for found in stays.values() for s in found if s["person"] == decoy["name"]]
    assert sorted(s["attrs"]["room"] for s in hers) == ["203", "204"]
    assert all(s["attrs"]["cash_or_prepaid"] is False and s["attrs"]["rooms_same_night"] == 2 for s in hers)
    assert all(s["attrs"]["night_by_night"] is False and s["attrs"]["payment"] == "Visa" for s in hers)
    assert users_of(case, "Phone", decoy["phone"]) == {decoy["name"]}


def test_identifiers_cited_on_every_row_that_repeats_them(sample) -> None:
    case, results = sample
    source = results["hotel_delta_inn_stockton.csv"].source_id
    (link_id,) = [i for (i,) in case.conn.execute(
        "SELECT l.id FROM links l JOIN entities e ON e.id = l.dst WHERE l.type = 'uses' AND e.type = 'Vehicle' "
        "AND e.key = ? AND l.source_id = ?", ("9BQZ310", source))]
    rows = [c["row"] for c in case.link_provenance(link_id)]
    assert rows == [21, 22, 23, 26, 27, 28, 29, 30, 31]      # Keisha Lamb's plate on each night's three folios
    assert case.link_provenance(link_id)[0]["raw"]["Vehicle Plate"] == "9BQZ310"
    assert users_of(case, "IdDocument", "D4721115") == {"Amber Lowell"}
    sierra = results["hotel_sierra_motor_lodge_fresno.xlsx"].source_id
    prepaid = [s["attrs"] for found in stay_links(case, sierra).values() for s in found
               if s["attrs"]["payment"] == "Prepaid card"]
    assert prepaid and {a["card_last4"] for a in prepaid} == {"5120"}


def test_city_of_addresses() -> None:
    assert city_of("1800 Canal Point Dr, Stockton CA 95206") == "Stockton"
    assert city_of("785 Tule Reed Dr, Reno, NV 89501") == "Reno"
    assert city_of("2250 Oak Hollow Dr, Fresno, CA") == "Fresno"
    assert city_of("somewhere") == ""


FOLIO = """Reservation History Report
Property Name: Harborview Suites

Confirmation No,First Name,Last Name,Room Number,Arrival Date,Arrival Time,Departure Date,Adults,Room Rate,Payment Type,Reserved By,Mobile Phone,Email Address,License Plate,ID Type,ID Number
H-100,Nia,Walker,412,2024-06-10,22:40,2024-06-11,2,$129.00,CA,Rico Vance,(510) 555-0171,rv@example.net,7ABC123,State ID,S1234567
H-101,Nia,Walker,412,2024-06-11,14:00,2024-06-12,2,$129.00,CA,Rico Vance,(510) 555-0171,rv@example.net,7ABC123,State ID,S1234567
H-102,Rico,Vance,414,2024-06-10,22:45,2024-06-12,1,$129.00,PP,Rico Vance,(510) 555-0171,rv@example.net,7ABC123,Driver License,D7654321
H-103,Ann,Ortiz,300,2024-06-10,15:00,2024-06-13,2,$99.00,VI,Ann Ortiz,415-555-0190,ann@example.org,,Passport,X99
"""


def test_pms_folio_export_with_first_and_last_names(tmp_path: Path) -> None:
    path = tmp_path / "harborview_folios.csv"
    path.write_text(FOLIO, encoding="utf-8")
    with new_case(tmp_path / "c.lgcase") as case:
        result = import_file(case, path, ImportOptions(kind="hotel", extra={"hotel": "Harborview Suites Oakland"}))
        assert (result.profile, result.rows_imported) == ("pms-folio", 4)
        stays = stay_links(case, result.source_id)
        assert [s["person"] for r in sorted(stays) for s in stays[r]] == ["Nia Walker", "Nia Walker", "Rico Vance",
                                                                           "Ann Ortiz"]
        first, second, rico, ann = (stays[r][0] for r in sorted(stays))
        assert first["hotel"] == "Harborview Suites Oakland"
        assert first["start"] == parse_iso("2024-06-10T22:40", ZONE)
        assert first["attrs"]["payment"] == "Cash" and rico["attrs"]["payment"] == "Prepaid card"
        assert ann["attrs"]["payment"] == "Visa" and ann["attrs"]["cash_or_prepaid"] is False
        assert second["attrs"]["extension"] is True and second["attrs"]["extension_of"] == "H-100"
        assert first["attrs"]["night_by_night"] is True and rico["attrs"]["night_by_night"] is False
        assert first["attrs"]["rooms_same_night"] == 2 and ann["attrs"]["rooms_same_night"] == 1
        assert users_of(case, "Phone", "+15105550171") == {"Rico Vance"}
        assert users_of(case, "Vehicle", "7ABC123") == {"Rico Vance"}
        assert users_of(case, "IdDocument", "S1234567") == {"Nia Walker"}
        kinds = {e.key: e.attrs.get("kind") for e in case.entities("IdDocument")}
        assert kinds == {"S1234567": "State ID", "D7654321": "Driver License", "X99": "Passport"}
        booked = stay_links(case, result.source_id, "booked")
        assert sorted(booked) == [5, 6]


def test_hotel_name_from_a_column_and_no_title(tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    path.write_text("Hotel,Guest Name,Room,Check In,Check Out,Payment\n"
                    "Budget Inn Modesto,Lee Park,5,06/01/2024,06/02/2024,Cash\n"
                    "Budget Inn Modesto,Lee Park,6,06/01/2024,06/02/2024,cash\n", encoding="utf-8")
    with new_case(tmp_path / "c.lgcase") as case:
        result = import_file(case, path, ImportOptions())
        assert result.kind == "hotel"
        stays = [s for found in stay_links(case, result.source_id).values() for s in found]
        assert {s["hotel"] for s in stays} == {"Budget Inn Modesto"}
        assert [s["attrs"]["rooms_same_night"] for s in stays] == [2, 2]
        assert [s["attrs"]["payment"] for s in stays] == ["Cash", "Cash"]


BAD = """Folio #,Room,Guest Name,Phone,Arrival,Departure,Guests,Rate,Payment
F1,101,Ana Diaz,209-555-0170,03/01/2024,03/02/2024,1,$80.00,Cash
F2,102,,209-555-0171,03/01/2024,03/02/2024,1,$80.00,Cash
F3,103,Bo Reyes,209-555-0172,03/05/2024,03/02/2024,1,$80.00,Cash
F4,104,Cy Lane,not a phone,03/01/2024,03/02/2024,1,$80.00,Cash
F5,105,Di Moss,209-555-0174,03/01/2024,03/02/2024,two,$80.00,Cash
F6,106,Ed Fox,209-555-0175,yesterday,03/02/2024,1,$80.00,Cash
F7,107,Flo Kim,209-555-0176,03/01/2024,03/02/2024,1,eighty,Cash
"""


def test_strict_stops_at_the_first_bad_row_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad_registry.csv"
    path.write_text(BAD, encoding="utf-8")
    with new_case(tmp_path / "c.lgcase") as case:
        with pytest.raises(InputError) as error:
            import_file(case, path, ImportOptions(kind="hotel"))
        message = str(error.value)
        assert "bad_registry.csv" in message and "row 3" in message and "Guest Name" in message
        assert case.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
        assert case.conn.execute("SELECT count(*) FROM entities").fetchone()[0] == 0


def test_lenient_keeps_each_bad_row_with_its_reason(tmp_path: Path) -> None:
    path = tmp_path / "bad_registry.csv"
    path.write_text(BAD, encoding="utf-8")
    with new_case(tmp_path / "c.lgcase") as case:
        result = import_file(case, path, ImportOptions(kind="hotel", strict=False))
        # a stay with an odd phone is still a stay: the phone is set aside, the registration kept
        assert (result.rows_imported, result.rows_rejected) == (2, 5)
        assert result.set_aside == {"not a phone number": 1}
        assert [(v["row"], v["column"], v["value"]) for v in case.set_aside_values()] == [(5, "Phone", "not a phone")]
        rejected = [r for r in case.rejected_rows()]
        assert [(r["row"], r["column"]) for r in rejected] == [(3, "Guest Name"), (4, "Departure"), (6, "Guests"),
                                                              (7, "Arrival"), (8, "Rate")]
        assert "departure '03/02/2024' is before arrival '03/05/2024'" in rejected[1]["reason"]
        assert "cannot read the arrival date 'yesterday'" in rejected[3]["reason"]
        assert sorted(e.label for e in case.entities("Person")) == ["Ana Diaz", "Cy Lane"]


def test_cancel_leaves_the_case_unchanged(tmp_path: Path) -> None:
    with new_case(tmp_path / "c.lgcase") as case:
        with pytest.raises(Cancelled):
            import_file(case, sample_dir() / HOTEL_FILES[0], ImportOptions(kind="hotel"),
                        progress=lambda done, total, message: False)
        assert case.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0


CELL = st.text(alphabet=st.sampled_from(list("0123456789/-:$., aZé\"\n")), max_size=14)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=6, max_size=6), min_size=1, max_size=5), strict=st.booleans(),
       cut=st.integers(min_value=0, max_value=300), encoding=st.sampled_from(["utf-8", "cp1252", "utf-16"]))
def test_malformed_registries_never_crash_or_half_write(tmp_path_factory, rows, strict: bool, cut: int,
                                                        encoding: str) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    lines = ["Folio #,Room,Guest Name,Phone,Arrival,Departure"]
    lines += [",".join('"' + c.replace('"', '""') + '"' for c in cells) for cells in rows]
    data = "\r\n".join(lines).encode(encoding, errors="replace")
    path = folder / "fuzz.csv"
    path.write_bytes(data[: max(len(lines[0]) + 2, len(data) - cut)])
    with new_case(folder / "c.lgcase") as case:
        try:
            result = import_file(case, path, ImportOptions(kind="hotel", strict=strict))
        except (InputError, LinkgraphError) as exc:
            assert str(exc)
            assert case.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
            assert case.conn.execute("SELECT count(*) FROM links").fetchone()[0] == 0
        else:
            stays = case.conn.execute("SELECT count(*) FROM links WHERE type = 'stayed_at'").fetchone()[0]
            assert stays == result.rows_imported
        assert verify_connection(case.conn).ok


def test_command_line_import_and_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    case = tmp_path / "c.lgcase"
    assert main(["new", str(case), "--tz", ZONE]) == 0
    assert main(["import", str(case), str(sample_dir() / HOTEL_FILES[1])]) == 0
    assert "46 rows imported, 0 rejected" in capsys.readouterr().out
    assert main(["info", str(case)]) == 0
    assert "Hotel 1" in capsys.readouterr().out
    broken = tmp_path / "broken.csv"
    broken.write_text(BAD, encoding="utf-8")
    assert main(["import", str(case), str(broken), "--kind", "hotel"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "broken.csv" in err[0] and "row 3" in err[0]


@pytest.fixture(scope="module")
def whole_sample(sample_built):
    """The whole sample case, every file whose importer is installed (the run's shared build, read only)."""
    with CaseFile.open(sample_built.path, read_only=True) as case:
        yield case, list(sample_built.results)


def test_controller_phone_is_one_entity_joined_to_ads_stays_and_calls(whole_sample) -> None:
    case, _ = whole_sample
    controller = KEY["controller"]["name"]
    number = "+12095550101"
    (phone_id,) = [i for (i,) in case.conn.execute("SELECT id FROM entities WHERE type = 'Phone' AND key = ?",
                                                   (number,))]
    types = dict(case.conn.execute("SELECT type, count(*) FROM links WHERE src = ? OR dst = ? GROUP BY type",
                                   (phone_id, phone_id)).fetchall())
    assert types["posted"] == sum(1 for a in KEY["ads"] if number in a["phones"])
    if "phone" in available_kinds():
        assert types["call"] + types.get("sms", 0) > 0
    hotel_users = case.conn.execute(
        "SELECT DISTINCT p.id FROM links u JOIN entities p ON p.id = u.src JOIN sources s ON s.id = u.source_id "
        "WHERE u.type = 'uses' AND u.dst = ? AND s.kind = 'hotel'", (phone_id,)).fetchall()
    assert hotel_users
    stays = case.conn.execute(
        f"SELECT DISTINCT h.label, l.start FROM links l JOIN entities h ON h.id = l.dst WHERE l.type IN "
        f"('stayed_at', 'booked') AND l.src IN ({','.join(str(u) for (u,) in hotel_users)})").fetchall()
    assert ("Delta Inn & Suites", parse_iso("2024-03-08", ZONE)) in stays
    assert {case.entity(u).label for (u,) in hotel_users} == {controller}
    if "finance" in available_kinds():      # payments reach the phone through the statement's holder of it
        payers = case.conn.execute(
            "SELECT count(*) FROM links u JOIN sources s ON s.id = u.source_id JOIN links m ON m.src = u.src "
            "OR m.dst = u.src WHERE u.type = 'uses' AND u.dst = ? AND s.kind = 'finance' "
            "AND m.type IN ('paid', 'transferred')", (phone_id,)).fetchone()[0]
        assert payers > 0


def test_user_mapping_of_odd_columns(tmp_path: Path) -> None:
    path = tmp_path / "night_audit.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Occupant", "Unit", "From", "To", "Tender", "Cell"])
    sheet.append(["Mae Cruz", 9, date(2024, 6, 1), date(2024, 6, 2), "Green Dot", 2095550181])
    book.save(path)
    mapping = {"guest": "Occupant", "room": "Unit", "arrival": "From", "departure": "To", "payment": "Tender",
               "phone": "Cell"}
    with new_case(tmp_path / "c.lgcase") as case:
        result = import_file(case, path, ImportOptions(kind="hotel", mapping=mapping, extra={"hotel": "Motel 9"}))
        (stay,) = stay_links(case, result.source_id)[2]
        assert (stay["person"], stay["hotel"], stay["attrs"]["room"]) == ("Mae Cruz", "Motel 9", "9")
        assert stay["start"] == parse_iso("2024-06-01", ZONE) and stay["attrs"]["cash_or_prepaid"] is True
        assert users_of(case, "Phone", "+12095550181") == {"Mae Cruz"}
