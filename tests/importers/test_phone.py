"""Phone-records import (`--kind phone`): the sample case's five returns against the answer key, each
pitfall on a small real file, strict versus lenient, saved profiles, and malformed rows (hypothesis)."""

from __future__ import annotations

import hashlib
import json
import tempfile
from datetime import UTC, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import xlwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers import import_file
from importers.mapping import profiles, user_profile_dir
from importers.options import ImportOptions
from linkgraph.case import CaseFile, verify_connection
from linkgraph.errors import Cancelled, InputError, LinkgraphError
from sample_cases.build import answer_key, sample_dir

PHONE_FILES = ["tmobile_return_haskins.xlsx", "att_return_carranza.csv", "sprint_return_mims.txt",
               "verizon_tower_sutter.csv", "analyst_sheet_jr_phone.xlsx"]
PACIFIC = ZoneInfo("America/Los_Angeles")


def epoch(text: str, zone: ZoneInfo | timezone = UTC) -> int:
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone).timestamp())


# ------------------------------------------------------------------------------------------ the sample case


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory):
    """The five phone returns imported with no kind, profile or mapping given."""
    path = tmp_path_factory.mktemp("sample") / "phones.lgcase"
    with CaseFile.create(path, name="Crossroads", timezone="America/Los_Angeles", region="US") as case:
        results = {name: import_file(case, sample_dir() / name, ImportOptions()) for name in PHONE_FILES}
    case = CaseFile.open(path)
    yield case, results
    case.close()


def _events_of(case: CaseFile, source_id: int) -> dict[str, int]:
    """Distinct call/sms links a source holds, as its own or cited from it."""
    rows = case.conn.execute(
        "SELECT type, COUNT(DISTINCT id) FROM links WHERE type IN ('call', 'sms') AND (source_id = ?1 OR id IN "
        "(SELECT link_id FROM link_evidence WHERE source_id = ?1)) GROUP BY type", (source_id,)).fetchall()
    return dict(rows)


def test_every_profile_maps_every_field() -> None:
    fields = {"caller", "callee", "start", "date", "time", "duration", "direction", "call_type", "imei", "imsi",
              "first_site", "last_site", "site_lat", "site_lon", "azimuth"}
    two_sided = [p for p in profiles("phone") if "caller" in p.fields]
    for profile in two_sided:
        assert fields <= set(profile.fields), profile.name
    assert {p.name for p in two_sided} == {"tmobile", "att", "sprint", "tower-analysis", "analyst"}
    one_sided = {p.name for p in profiles("phone") if {"party", "party_from"} & set(p.fields)}
    assert one_sided == {"handset-log", "cellebrite-calls", "ileapp-calls", "aleapp-calls", "axiom-calls",
                         "aleapp-whatsapp-calls", "ileapp-viber-calls"}


def test_profiles_detected(sample) -> None:
    _, results = sample
    assert {name: (r.kind, r.profile) for name, r in results.items()} == {
        "tmobile_return_haskins.xlsx": ("phone", "tmobile"), "att_return_carranza.csv": ("phone", "att"),
        "sprint_return_mims.txt": ("phone", "sprint"), "verizon_tower_sutter.csv": ("phone", "tower-analysis"),
        "analyst_sheet_jr_phone.xlsx": ("phone", "analyst"),
    }
    assert all(r.rows_rejected == 0 for r in results.values())


def test_events_per_file_match_answer_key(sample) -> None:
    case, results = sample
    key = answer_key()
    for name, expected in key["phone_events"].items():
        found = _events_of(case, results[name].source_id)
        assert (found.get("call", 0), found.get("sms", 0)) == (expected["calls"], expected["texts"]), name
    total = case.conn.execute("SELECT COUNT(*) FROM links WHERE type IN ('call', 'sms')").fetchone()[0]
    assert total == key["distinct_events"]


def test_att_legs_fold_into_one_call(sample) -> None:
    case, results = sample
    legs = answer_key()["att_legs"]
    att = results["att_return_carranza.csv"]
    assert att.rows_read == att.rows_imported == legs["rows"]
    source = att.source_id
    cited_legs = case.conn.execute(
        "SELECT COUNT(*) FROM link_evidence e JOIN links l ON l.id = e.link_id WHERE e.source_id = ? AND l.source_id = ?",
        (source, source)).fetchone()[0]
    assert cited_legs == legs["rows"] - legs["calls"] == legs["multi_leg_calls"]
    forwarded = case.conn.execute(
        "SELECT attrs FROM links WHERE source_id = ? AND attrs LIKE '%forwarded_to%'", (source,)).fetchall()
    assert len(forwarded) == legs["forwarded_to_voicemail"]
    assert {json.loads(a)["forwarded_to"] for (a,) in forwarded} == {"+15105550100"}
    # the forwarded call is from the caller to the dialed number (Carranza), not to the voicemail platform
    callee = case.conn.execute(
        "SELECT DISTINCT e.key FROM links l JOIN entities e ON e.id = l.dst WHERE l.source_id = ? "
        "AND l.attrs LIKE '%forwarded_to%'", (source,)).fetchall()
    assert callee == [("+15105550178",)]


def test_duplicate_calls_stored_once_with_both_rows(sample) -> None:
    case, results = sample
    detail = answer_key()["duplicate_call_detail"]
    tmobile, att = results["tmobile_return_haskins.xlsx"].source_id, results["att_return_carranza.csv"].source_id
    pairs = case.conn.execute(
        "SELECT l.row, e.row, l.type FROM link_evidence e JOIN links l ON l.id = e.link_id "
        "WHERE e.source_id = ? AND l.source_id = ?", (att, tmobile)).fetchall()
    assert len(pairs) == answer_key()["duplicate_calls"]
    assert sorted(p[0] for p in pairs) == detail["tmobile_rows"]
    assert sorted(p[1] for p in pairs) == detail["att_rows"]
    assert sum(1 for p in pairs if p[2] == "call") == detail["calls"]
    assert sum(1 for p in pairs if p[2] == "sms") == detail["texts"]
    # provenance of one such call names both files and their raw rows
    link_id = case.conn.execute("SELECT link_id FROM link_evidence WHERE source_id = ? LIMIT 1", (att,)).fetchone()[0]
    files = {p["file"] for p in case.link_provenance(link_id)}
    assert files == {"tmobile_return_haskins.xlsx", "att_return_carranza.csv"}


def test_devices_and_the_handset_that_moved(sample) -> None:
    case, _ = sample
    uses = set(case.conn.execute(
        "SELECT d.key, p.key FROM links l JOIN entities d ON d.id = l.src JOIN entities p ON p.id = l.dst "
        "WHERE l.type = 'uses' AND d.type = 'Device' AND p.type = 'Phone'").fetchall())
    for device in answer_key()["devices"]:
        assert (device["imei"], device["phone"]) in uses
        assert (device["imsi"], device["phone"]) in uses
    shared = answer_key()["controller"]["imei"]
    assert {p for d, p in uses if d == shared} == {"+12095550101", "+12095550144"}


def test_swap_times_match_answer_key(sample) -> None:
    case, _ = sample
    for swap in answer_key()["phone_swaps"]:
        old = case.find_entity("Phone", swap["old"])
        new = case.find_entity("Phone", swap["new"])
        last_old = datetime.fromtimestamp(old.last_seen, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        first_new = datetime.fromtimestamp(new.first_seen, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert (last_old, first_new) == (swap["last_seen_old_utc"], swap["first_seen_new_utc"])


def test_service_numbers_marked(sample) -> None:
    case, _ = sample
    for item in answer_key()["service_numbers"]:
        entity = case.find_entity("Phone", item["number"])
        assert entity is not None, item
        assert entity.attrs["kind"] in ("service", "short_code"), item
    person = case.find_entity("Phone", "+12095550105")
    assert person.attrs["kind"] == "mobile_or_fixed"


def test_times_utc_and_local(sample) -> None:
    case, results = sample
    # T-Mobile row 8: 03/02/2024 06:04:36 UTC, original text kept
    start, attrs = case.conn.execute("SELECT start, attrs FROM links WHERE source_id = ? AND row = 8",
                                     (results["tmobile_return_haskins.xlsx"].source_id,)).fetchone()
    assert start == epoch("2024-03-02 06:04:36")
    assert json.loads(attrs)["time_text"] == "03/02/2024 06:04:36"
    # Sprint line 6: local Pacific 03/01/2024 17:35:46, called number '11'-prefixed (rolled to voicemail)
    start, attrs, callee = case.conn.execute(
        "SELECT l.start, l.attrs, e.key FROM links l JOIN entities e ON e.id = l.dst WHERE l.source_id = ? AND l.row = 6",
        (results["sprint_return_mims.txt"].source_id,)).fetchone()
    assert start == epoch("2024-03-01 17:35:46", PACIFIC)
    assert callee == "+15595550141" and json.loads(attrs)["rolled_to_voicemail"] == "yes"
    # AT&T: connection time minus SeizureTime is the call's start, the same second as T-Mobile's
    assert case.source(results["att_return_carranza.csv"].source_id).options["timezone"] == "UTC"


def test_cell_sites(sample) -> None:
    case, results = sample
    row = case.conn.execute(
        "SELECT l.location, l.attrs FROM links l WHERE l.source_id = ? AND l.row = 9",
        (results["tmobile_return_haskins.xlsx"].source_id,)).fetchone()
    site = case.entity(row[0])
    assert site.type == "CellSite" and site.key == "T-Mobile:40015"
    assert site.attrs["city"] == "Stockton" and site.attrs["lat"] == pytest.approx(37.982778)
    assert site.attrs["azimuth"]["1"] == 0.0
    attrs = json.loads(row[1])
    assert attrs["first_site"] == row[0] and attrs["first_azimuth"] == "0"
    # texts carry no cell site
    texts = case.conn.execute("SELECT COUNT(*) FROM links WHERE source_id = ? AND type = 'sms' AND location IS NOT NULL",
                              (results["tmobile_return_haskins.xlsx"].source_id,)).fetchone()[0]
    assert texts == 0
    # Sprint '1858' = sector 1 of cell 858
    sprint = case.conn.execute("SELECT location, attrs FROM links WHERE source_id = ? AND row = 6",
                               (results["sprint_return_mims.txt"].source_id,)).fetchone()
    assert case.entity(sprint[0]).key == "Sprint:858" and json.loads(sprint[1])["first_sector"] == "1"


def test_analyst_sheet_contacts_and_durations(sample) -> None:
    case, results = sample
    rows = case.conn.execute(
        "SELECT l.row, a.key, b.key, l.duration, l.start, l.attrs FROM links l JOIN entities a ON a.id = l.src "
        "JOIN entities b ON b.id = l.dst WHERE l.source_id = ? ORDER BY l.row LIMIT 3",
        (results["analyst_sheet_jr_phone.xlsx"].source_id,)).fetchall()
    assert rows[0][:4] == (5, "+15105550162", "+15105550146", 31.0)
    assert rows[0][4] == epoch("2024-03-01 13:26:54", PACIFIC)
    assert json.loads(rows[2][5])["contact"] == "Kiki \U0001f495" and rows[2][3] == 105.0


# ------------------------------------------------------------------------------------------ pitfalls


ANALYST_CSV = "From,To,Date,Time,Duration,Type\n{rows}"


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def _links(case: CaseFile) -> list[tuple]:
    return case.conn.execute(
        "SELECT l.type, a.key, b.key, l.start, l.duration, l.row FROM links l JOIN entities a ON a.id = l.src "
        "JOIN entities b ON b.id = l.dst WHERE l.type IN ('call', 'sms') ORDER BY l.id").fetchall()


def test_utc_column_two_column_dates_excel_floats(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "sheet.csv",
                  "Subject phone extraction\nTimes in UTC\n\n"
                  "Caller,Callee,Date,Time (UTC),Duration,Type\n"
                  "2.095550123E+09,2095550144.0,2024-03-02,06:04:36,1:02:03,Voice\n"
                  "+1 (209) 555-0144,1-209-555-0123,03/02/2024,07:00:00,75,SMS\n"
                  "Total records: 2\n")
    result = import_file(case, path, ImportOptions(kind="phone"))
    assert result.profile == "analyst" and result.rows_imported == 2
    assert _links(case) == [
        ("call", "+12095550123", "+12095550144", epoch("2024-03-02 06:04:36"), 3723.0, 5),
        ("sms", "+12095550144", "+12095550123", epoch("2024-03-02 07:00:00"), 75.0, 6),
    ]
    assert case.source(result.source_id).options["timezone"] == "UTC"


def test_withheld_caller_kept_as_service_number(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "blocked.csv", ANALYST_CSV.format(rows=(
        "Restricted,2095550144,03/02/2024,10:00:00,60,Call\n"
        "PRIVATE,2095550144,03/02/2024,11:00:00,30,Call\n")))
    result = import_file(case, path, ImportOptions(kind="phone"))
    assert (result.rows_imported, result.rows_rejected) == (2, 0)
    hidden = case.find_entity("Phone", "withheld")
    assert hidden.label == "Withheld number" and hidden.attrs["kind"] == "service"
    assert [link[1] for link in _links(case)] == ["withheld", "withheld"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_encodings(case: CaseFile, tmp_path: Path, encoding: str) -> None:
    path = _write(tmp_path / "calls.txt", "From\tTo\tDate\tTime\tDuration\tType\tContact\n"
                  "209-555-0123\t(209) 555-0144\t03/02/2024\t9:05 PM\t0:45\tCall\tJosé\n", encoding)
    import_file(case, path, ImportOptions(kind="phone"))
    start, attrs = case.conn.execute("SELECT start, attrs FROM links").fetchone()
    assert start == epoch("2024-03-02 21:05:00", PACIFIC)
    assert json.loads(attrs)["contact"] == "José"


def test_awkward_text_kept_as_valid_json(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "quotes.csv", 'From,To,Date,Time,Duration,Type,Contact\n'
                  '2095550123,2095550144,03/02/2024,10:00,60,Call,"Big ""T"" \\ <b>x</b>"\n'
                  '2095550144,2095550123,03/02/2024,10:05,60,Call,"line one\nline two"\n')
    result = import_file(case, path, ImportOptions(kind="phone"))
    assert result.rows_imported == 2
    contacts = [json.loads(a)["contact"] for (a,) in case.conn.execute("SELECT attrs FROM links ORDER BY row")]
    assert contacts == ['Big "T" \\ <b>x</b>', "line one\r\nline two"]
    source = case.sources()[0]
    assert case.raw_row(source.id, 3)["Contact"] == "line one\r\nline two"


def test_tower_layout_sites_and_bad_latitude(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "tower.csv",
                  "CALLING_NBR,CALLED_NBR,DIALED_DIGITS,START_DATE,Duration,1ST CELL,LAST CELL,Sector,Azimuth,"
                  "Latitude,Longitude,IMEI,IMSI,M_R\n"
                  "2095550127,2095550144,12095550144,03/01/2024 15:27:44,17,875,876,2,120,37.97,-121.30,"
                  "990004281135727,311480120934817,Outbound\n"
                  "2095550144,2095550127,2095550127,03/01/2024 16:00:00,5,875,875,1,0,north,-121.30,"
                  "990004281135727,311480120934817,Inbound\n"
                  "2095550144,2095550127,2095550127,03/01/2024 17:00:00,5,875,875,1,0,37.97,-121.30,"
                  "99000428113572,311480120934817,Inbound\n")
    result = import_file(case, path, ImportOptions(kind="phone"))          # strict: a bad field stops nothing
    assert (result.profile, result.rows_imported, result.rows_rejected) == ("tower-analysis", 3, 0)
    assert [(r["row"], r["column"], r["value"]) for r in case.set_aside_values()] == [(3, "Latitude", "north")]
    assert result.set_aside == {"the lat is not a number": 1}
    site = case.find_entity("CellSite", "Verizon:875")
    assert (site.attrs["lat"], site.attrs["lon"], site.attrs["azimuth"]) == (37.97, -121.3, {"1": 0.0, "2": 120.0})
    assert case.find_entity("CellSite", "Verizon:876") is not None
    # a 14-digit IMEI gets its check digit: the same handset as the 15-digit one
    phones = case.conn.execute("SELECT p.key FROM links l JOIN entities d ON d.id = l.src JOIN entities p "
                               "ON p.id = l.dst WHERE l.type = 'uses' AND d.key = '990004281135727'").fetchall()
    assert phones == [("+12095550127",)]


def test_cancel_leaves_case_unchanged(case_path: Path, tmp_path: Path) -> None:
    path = _write(tmp_path / "calls.csv", ANALYST_CSV.format(rows="2095550123,2095550144,03/02/2024,10:00,60,Call\n"))
    before = hashlib.sha256(case_path.read_bytes()).hexdigest()
    seen: list[str] = []

    def stop_when_writing(done: int, total: int | None, message: str) -> bool:
        seen.append(message)
        return not message.startswith("Writing")

    with CaseFile.open(case_path) as case, pytest.raises(Cancelled):
        import_file(case, path, ImportOptions(kind="phone"), stop_when_writing)
    assert "Writing calls and texts" in seen
    assert hashlib.sha256(case_path.read_bytes()).hexdigest() == before


def test_xlsx_with_title_lines_and_date_cells(case: CaseFile, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Download summary, handset of J.R."])
    sheet.append([])
    sheet.append(["From", "To", "Date", "Time", "Duration", "Type"])
    sheet.append([2095550123, "209.555.0144", datetime(2024, 5, 1), "11:30:00 PM", "2:00", "Call"])
    sheet.append([])
    sheet.append(["Prepared by Det. Smith"])
    path = tmp_path / "sheet.xlsx"
    book.save(path)
    result = import_file(case, path, ImportOptions())
    assert (result.kind, result.rows_imported) == ("phone", 1)
    assert _links(case) == [("call", "+12095550123", "+12095550144", epoch("2024-05-01 23:30:00", PACIFIC), 120.0, 4)]


def test_duplicates_across_returns_with_clock_skew(case: CaseFile, tmp_path: Path) -> None:
    mine = _write(tmp_path / "a.csv", ANALYST_CSV.format(rows=(
        "2095550123,2095550144,03/02/2024,10:00:00,60,Call\n"
        "2095550123,2095550144,03/02/2024,10:00:20,0,SMS\n"
        "2095550123,2095550144,03/02/2024,10:00:40,0,SMS\n"
        "2095550123,2095550177,03/02/2024,11:00:00,30,Call\n")))
    theirs = _write(tmp_path / "b.csv", ANALYST_CSV.format(rows=(
        "(209) 555-0123,(209) 555-0144,03/02/2024,10:00:12,60,Call\n"     # same call, clock 12 s off
        "(209) 555-0123,(209) 555-0144,03/02/2024,10:00:22,0,SMS\n"       # two texts a few seconds apart:
        "(209) 555-0123,(209) 555-0144,03/02/2024,10:00:41,0,SMS\n"       # each matched once
        "(209) 555-0123,(209) 555-0144,03/02/2024,10:00:12,61,Call\n"     # another duration: another call
        "(209) 555-0144,(209) 555-0123,03/02/2024,10:00:12,60,Call\n")))  # other direction: another call
    import_file(case, mine, ImportOptions(kind="phone"))
    second = import_file(case, theirs, ImportOptions(kind="phone"))
    assert second.duplicates_merged == 3 and second.links_created == 2
    cited = case.conn.execute("SELECT l.row, e.row FROM link_evidence e JOIN links l ON l.id = e.link_id "
                              "ORDER BY l.row").fetchall()
    assert cited == [(2, 2), (3, 3), (4, 4)]


def test_strict_names_row_and_column_and_writes_nothing(case_path: Path, tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.csv", ANALYST_CSV.format(rows=(
        "2095550123,2095550144,03/02/2024,10:00:00,60,Call\n"
        "2095550123,2095550144,03/45/2024,10:00:00,60,Call\n"
        "2095550123,not a phone,03/02/2024,10:00:00,60,Call\n")))
    before = hashlib.sha256(case_path.read_bytes()).hexdigest()
    with CaseFile.open(case_path) as case, pytest.raises(InputError) as error:
        import_file(case, path, ImportOptions(kind="phone"))
    message = str(error.value)
    assert "bad.csv" in message and "row 3" in message and "Date" in message and "03/45/2024" in message
    assert hashlib.sha256(case_path.read_bytes()).hexdigest() == before
    with CaseFile.open(case_path) as case:
        result = import_file(case, path, ImportOptions(kind="phone", strict=False))
        assert (result.rows_imported, result.rows_rejected) == (2, 1)       # only the unreadable date costs a row
        rejected = [(r["row"], r["column"]) for r in case.rejected_rows()]
        assert rejected == [(3, "Date")]
        other = case.find_entity("Phone", "id:notaphone")                   # text is an identifier, not dialable
        assert other.attrs["kind"] == "identifier" and other.attrs["note"] == "not a dialable number"


def test_map_date_format_and_saved_profile(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "odd.csv", "Target,Other Party,When (dd.mm.yyyy),Secs\n"
                  "2095550123,2095550144,02.03.2024 10:00,60\n")
    options = ImportOptions(kind="phone", profile="analyst", date_format="%d.%m.%Y %H:%M", save_profile="my-layout",
                            mapping={"caller": "Target", "callee": "Other Party", "start": "When (dd.mm.yyyy)",
                                     "duration": "Secs"})
    import_file(case, path, options)
    assert _links(case)[0][3] == epoch("2024-03-02 10:00:00", PACIFIC)
    saved = user_profile_dir() / "my-layout.yaml"
    assert saved.is_file()
    again = _write(tmp_path / "odd2.csv", "Target,Other Party,When (dd.mm.yyyy),Secs\n"
                   "2095550144,2095550123,03.03.2024 11:00,5\n")
    result = import_file(case, again, ImportOptions(kind="phone", profile=str(saved), date_format="%d.%m.%Y %H:%M"))
    assert result.profile == "my-layout" and result.links_created == 1


def test_wrong_columns_one_clear_message(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "nothing.csv", "Alpha,Beta,Gamma\n1,2,3\n")
    with pytest.raises(LinkgraphError, match="nothing.csv: no column found for caller"):
        import_file(case, path, ImportOptions(kind="phone"))
    with pytest.raises(LinkgraphError, match="not a phone field"):
        import_file(case, path, ImportOptions(kind="phone", mapping={"banana": "Alpha"}))


def test_truncated_workbook(case: CaseFile, tmp_path: Path) -> None:
    data = (sample_dir() / "analyst_sheet_jr_phone.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="cut.xlsx"):
        import_file(case, path, ImportOptions(kind="phone"))


def test_name_sheet_stays_a_link_sheet(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "people.csv", "From,To,Date\nDeShawn Miller,Marcus Reed,09/14/2024\n"
                  "Tasha Green,Marcus Reed,09/15/2024\n")
    assert import_file(case, path, ImportOptions()).kind == "links"


# ------------------------------------------------------------------------------------------ malformed rows

CELL = st.one_of(
    st.sampled_from(["", "-I", "N/A", "2095550123", "(209) 555-0144", "2.09555E+09", "611", "*86", "abc", "1:75",
                     "99:99", "03/02/2024", "13/45/2024", "10:00", "25:61:00", "Call", "SMS", "=1+1", '"', "\t"]),
    st.text(max_size=12),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELL, min_size=6, max_size=6), min_size=1, max_size=6),
       short=st.lists(CELL, min_size=2, max_size=5) | st.none(), strict=st.booleans())
def test_malformed_rows_never_crash_or_half_write(rows: list[list[str]], short: list[str] | None,
                                                  strict: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        case_path = Path(folder) / "case.lgcase"
        CaseFile.create(case_path, name="p", timezone="America/Los_Angeles", region="US").close()
        before = hashlib.sha256(case_path.read_bytes()).hexdigest()
        lines = ["From,To,Date,Time,Duration,Type"]
        for cells in rows + ([short] if short else []):
            lines.append(",".join('"' + c.replace('"', '""') + '"' for c in cells))
        source = Path(folder) / "calls.csv"
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with CaseFile.open(case_path) as case:
            try:
                result = import_file(case, source, ImportOptions(kind="phone", strict=strict))
            except LinkgraphError as exc:
                assert str(exc).strip() and "\n" not in str(exc)
                failed = True
            else:
                failed = False
                links = case.conn.execute("SELECT COUNT(*) FROM links WHERE type IN ('call', 'sms')").fetchone()[0]
                assert links == result.rows_imported
                rejected = len(case.rejected_rows())
                assert rejected == result.rows_rejected and (strict is False or rejected == 0)
        if failed:
            assert hashlib.sha256(case_path.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("newline, bom, last", [("\r\n", "", "\r\n"), ("\n", "\ufeff", "")])
def test_raw_rows_are_the_original_lines_without_line_breaks(case: CaseFile, tmp_path: Path, newline: str,
                                                             bom: str, last: str) -> None:
    """The file's bytes cut at newlines: no '\\r' or '\\n' kept, a BOM and a missing final newline are fine."""
    lines = ["From,To,Date,Time,Duration,Type", "2095550123,2095550144,2024-03-02,06:04:36,75,Voice",
             "2095550144,2095550123,2024-03-02,07:00:00,0,SMS \u00e9"]
    path = tmp_path / "calls.csv"
    path.write_bytes((bom + newline.join(lines) + last).encode("utf-8"))
    result = import_file(case, path, ImportOptions(kind="phone"))
    stored = case.conn.execute("SELECT row, raw FROM source_rows WHERE source_id = ? ORDER BY row",
                               (result.source_id,)).fetchall()
    assert stored == [(2, lines[1]), (3, lines[2])]
    assert case.raw_row(result.source_id, 3)["Type"] == "SMS \u00e9"


def test_legacy_xls_workbook_with_number_and_date_cells(case: CaseFile, tmp_path: Path) -> None:
    """An Excel 97-2003 .xls return (what older carrier portals still send): numbers stored as floats, a
    date cell and a time cell, title lines above the header and a note below."""
    book = xlwt.Workbook()
    sheet = book.add_sheet("CDR")
    day = xlwt.easyxf(num_format_str="MM/DD/YYYY")
    clock = xlwt.easyxf(num_format_str="HH:MM:SS")
    rows = [["Subscriber activity, MSISDN 2095550123"], [],
            ["From", "To", "Date", "Time", "Duration", "Type"],
            [2095550123.0, 12095550144.0, datetime(2024, 5, 1), 23.5 / 24, 120, "Call"],
            ["(209) 555-0144", 2095550123.0, datetime(2024, 5, 2), 8.25 / 24, 0, "SMS"],
            [], ["Prepared by Det. Smith"]]
    for number, row in enumerate(rows):
        for column, value in enumerate(row):
            style = day if isinstance(value, datetime) else clock if column == 3 else xlwt.Style.default_style
            sheet.write(number, column, value, style)
    path = tmp_path / "return.xls"
    book.save(str(path))
    result = import_file(case, path, ImportOptions(kind="phone"))
    assert result.rows_imported == 2 and result.rows_rejected == 0
    assert _links(case) == [
        ("call", "+12095550123", "+12095550144", epoch("2024-05-01 23:30:00", PACIFIC), 120.0, 4),
        ("sms", "+12095550144", "+12095550123", epoch("2024-05-02 08:15:00", PACIFIC), 0.0, 5)]
    assert verify_connection(case.conn).ok
    cut = tmp_path / "return-cut.xls"
    cut.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2])
    with pytest.raises(InputError, match=r"return-cut\.xls.*not a readable Excel workbook"):
        import_file(case, cut, ImportOptions(kind="phone"))
