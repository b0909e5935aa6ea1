"""Phone evidence as agencies receive it: handset extractions (Cellebrite workbooks, iLEAPP/ALEAPP TSV, AXIOM
CSV), handset logs, analysts' generic call sheets, tower dumps, and the odd values real returns hold
(withheld callers, non-dialable IDs, IMEIs with a wrong 15th digit, a file from another country). Headers follow
the tools' published layouts; the rows are made up."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from importers import detect_kind, import_file
from importers.options import ImportOptions
from linkgraph.case import CaseFile
from linkgraph.errors import InputError, LinkgraphError
from linkgraph.identity import is_withheld, read_imei, region_mismatch

PACIFIC = ZoneInfo("America/Los_Angeles")
OWNER = "+12095550101"


def epoch(text: str, zone=UTC) -> int:
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone).timestamp())


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def links(case: CaseFile, kind: str | None = None) -> list[dict]:
    """Links with their end keys, start and attrs, in row order."""
    sql = ("SELECT l.type, a.key, b.key, l.start, l.duration, l.attrs, l.row FROM links l JOIN entities a ON a.id = l.src "
           "JOIN entities b ON b.id = l.dst" + (" WHERE l.type = ?" if kind else "") + " ORDER BY l.row, l.id")
    rows = case.conn.execute(sql, (kind,) if kind else ()).fetchall()
    return [{"type": t, "src": s, "dst": d, "start": st, "duration": du, "attrs": json.loads(a or "{}"), "row": r}
            for t, s, d, st, du, a, r in rows]


def cellebrite_workbook(path: Path, *, device: bool = True) -> Path:
    """A UFED Reader / Physical Analyzer style export: a sheet per artifact, a title row above each header."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Device Info" if device else "Report"
    rows = ([["Extraction Report - Device Information"], [], ["Name", "Value"], ["Model", "SM-G991U"],
             ["IMEI", "356938035643809"], ["MSISDN", "+1 (209) 555-0101"], ["ICCID", "8901260412345678901"]]
            if device else [["Report"], ["Created by UFED Reader"]])
    for row in rows:
        sheet.append(row)
    calls = book.create_sheet("Call Log")
    calls.append(["Call Log (5)"])
    calls.append(["#", "Parties", "Direction", "Type", "Timestamp: Time", "Duration", "Status", "Source", "Deleted",
                  "Account"])
    calls.append([1, "+12095550144 Big D", "Incoming", "", "03/01/2024 15:27:44(UTC-8)", "00:02:05", "Answered",
                  "Phone", "", ""])
    calls.append([2, "+12095550144 Big D", "Outgoing", "", "03/01/2024 16:00:01(UTC-8)", "00:00:41", "", "WhatsApp",
                  "", ""])
    calls.append([3, "Restricted", "Missed", "", "03/02/2024 01:12:00(UTC-8)", "00:00:00", "", "Phone", "Yes", ""])
    calls.append([4, "+12095550177", "Outgoing", "", "03/02/2024 09:00:00(UTC-8)", "n/a sec", "", "Phone", "", ""])
    calls.append([5, "", "Incoming", "", "03/02/2024 09:30:00(UTC-8)", "00:00:10", "", "Phone", "", ""])
    contacts = book.create_sheet("Contacts")
    contacts.append(["Contacts (3)"])
    contacts.append(["#", "Name", "Interaction Statuses", "Entries", "Source", "Deleted", "Account"])
    contacts.append([1, "Big D", "", "Phone-Mobile: +1 209-555-0144\nEmail-Home: bigd@example.com", "Phone", "", ""])
    contacts.append([2, "Mama", "", "User ID-WhatsApp User Id: 12095550199@s.whatsapp.net\nUser ID-Facebook Id: 100004512345678",
                     "WhatsApp", "", ""])
    contacts.append([3, "Nobody", "", "Email-Home: nobody@example.com", "Phone", "", ""])
    sms = book.create_sheet("SMS Messages")
    sms.append(["SMS Messages (2)"])
    sms.append(["#", "Parties", "Body", "Timestamp: Time", "Direction", "Status", "Folder", "Source", "Deleted"])
    sms.append([1, "From: +12095550144 Big D", "u up? new girl at the motel", "03/01/2024 22:10:00(UTC-8)",
                "Incoming", "Read", "Inbox", "SMS", ""])
    sms.append([2, "To: +12095550144 Big D", "on my way", "03/01/2024 22:12:00(UTC-8)", "Outgoing", "Sent", "Sent",
                "iMessage", ""])
    book.save(path)
    return path


# ------------------------------------------------------------------------------------------ extractions


def test_cellebrite_workbook_calls_contacts_messages_and_owner_from_device_sheet(case: CaseFile, tmp_path: Path) -> None:
    path = cellebrite_workbook(tmp_path / "UFED_Report.xlsx")
    assert detect_kind(path, ImportOptions()) == "extraction"
    result = import_file(case, path)                                     # strict, nothing given
    assert result.kind == "extraction" and result.rows_rejected == 0
    assert result.assumed["owner"] == f"{OWNER} (sheet 'Device Info', MSISDN)"
    assert "each time carries its own UTC offset" in result.assumed["time zone (Call Log)"]
    calls = links(case, "call")
    assert [(c["src"], c["dst"]) for c in calls] == [
        ("+12095550144", OWNER), (OWNER, "+12095550144"), ("withheld", OWNER), (OWNER, "+12095550177"),
        ("withheld", OWNER)]                                             # one party per row, oriented by direction
    assert calls[0]["start"] == epoch("2024-03-01 23:27:44") and calls[0]["duration"] == 125
    assert calls[0]["attrs"]["contact"] == "Big D" and calls[1]["attrs"]["app"] == "WhatsApp"
    assert calls[2]["attrs"]["direction_as_written"] == "Missed"
    assert calls[3]["duration"] is None                                  # the bad duration set aside, call kept
    assert result.set_aside == {"duration not readable (seconds, MM:SS or HH:MM:SS)": 1,
                                "no phone number in the contact's entries": 1}
    texts = links(case, "sms")
    assert [(t["src"], t["dst"], t["attrs"]["body"]) for t in texts] == [
        ("+12095550144", OWNER, "u up? new girl at the motel"), (OWNER, "+12095550144", "on my way")]
    knows = links(case, "knows")
    assert [(k["src"], k["dst"], k["attrs"]["saved_name"]) for k in knows] == [
        (OWNER, "+12095550144", "Big D"), (OWNER, "+12095550199", "Mama")]
    assert case.conn.execute("SELECT COUNT(*) FROM entities WHERE type = 'Person'").fetchone()[0] == 0  # no merges
    # every row traces to its sheet and its row there
    raw = case.conn.execute("SELECT row, raw FROM raw_rows ORDER BY row").fetchall() if _has_raw_table(case) else []
    if raw:
        first = json.loads(raw[0][1])
        assert first["sheet"] == "Call Log" and first["row"] == 3 and first["cells"]["Parties"] == "+12095550144 Big D"


def _has_raw_table(case: CaseFile) -> bool:
    return case.conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'raw_rows'").fetchone()[0] == 1


def test_extraction_without_device_sheet_needs_owner(case: CaseFile, tmp_path: Path) -> None:
    path = cellebrite_workbook(tmp_path / "report.xlsx", device=False)
    with pytest.raises(LinkgraphError, match="give it with --owner NUMBER"):
        import_file(case, path, ImportOptions(kind="extraction"))
    result = import_file(case, path, ImportOptions(kind="extraction", extra={"owner": "209-555-0101"}))
    assert result.assumed["owner"] == f"{OWNER} (--owner)"
    assert len(links(case, "call")) == 5


ILEAPP_TSV = ("Timestamp\tPhone Number\tName\tAnswered\tCall Type\tCall Direction\tCall Duration\tISO Country Code\t"
              "Location\tService Provider\n"
              "2024-03-01 23:27:44\t+12095550144\tBig D\tYes\tPhone Call\tIncoming\t00:02:05\tus\tStockton, CA\t"
              "com.apple.Telephony\n"
              "2024-03-02 00:00:01\t2095550177\t\tNo\tFaceTime Audio\tOutgoing\t00:00:00\tus\t\tcom.apple.FaceTime\n"
              "2024-03-02 01:00:00\t\t\tNo\tPhone Call\tIncoming\t00:00:00\t\t\tcom.apple.Telephony\n")
ALEAPP_TSV = ("Call Date\tPhone Account Address\tPartner\tType\tDuration in Secs\tPartner Location\tCountry ISO\tData\t"
              "Mime Type\tTranscription\tDeleted\tSource File\n"
              "2024-03-01 23:27:44\t\t+12095550144\tIncoming\t125\tCalifornia\tUS\t\t\t\t0\t/data/calllog.db\n"
              "2024-03-02 00:00:01\t\t2095550177\tMissed\t0\t\tUS\t\t\t\t0\t/data/calllog.db\n"
              "2024-03-02 00:10:00\t\tPrivate\tRejected\t0\t\t\t\t\t\t0\t/data/calllog.db\n")
AXIOM_CSV = ("Partner,Partner Name,Direction,Call Type,\"Call Date/Time - UTC-05:00 (M/d/yyyy)\",Duration,Source,"
             "Artifact type,Item ID,Evidence number\n"
             "+12095550144,Big D,Incoming,Phone,3/1/2024 6:27:44 PM,00:02:05,calllog.db,Android Call Logs,11,Pixel 3\n"
             "2095550177,,Outgoing,Phone,3/1/2024 7:00:01 PM,00:00:41,calllog.db,Android Call Logs,12,Pixel 3\n")


@pytest.mark.parametrize("name,text,profile", [
    ("Call History.tsv", ILEAPP_TSV, "ileapp-calls"),
    ("Call Logs.tsv", ALEAPP_TSV, "aleapp-calls"),
    ("Android Call Logs.csv", AXIOM_CSV, "axiom-calls")])
def test_forensic_tool_call_logs(case: CaseFile, tmp_path: Path, name: str, text: str, profile: str) -> None:
    path = _write(tmp_path / name, text)
    with pytest.raises(LinkgraphError, match="--owner NUMBER"):
        import_file(case, path)
    result = import_file(case, path, ImportOptions(extra={"owner": OWNER}))
    assert (result.kind, result.profile, result.rows_rejected) == ("phone", profile, 0)
    calls = links(case, "call")
    assert (calls[0]["src"], calls[0]["dst"], calls[0]["duration"]) == ("+12095550144", OWNER, 125)
    assert calls[0]["start"] == epoch("2024-03-01 23:27:44")           # AXIOM: the header's UTC-05:00 is read
    assert (calls[1]["src"], calls[1]["dst"]) in ((OWNER, "+12095550177"), ("+12095550177", OWNER))
    if len(calls) > 2:
        assert calls[2]["src"] == "withheld"                          # blank / Private: the withheld marker


def test_handset_log_one_party_per_row(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "call_log.csv", "date,number,type,duration,name\n"
                  "2024-03-01 15:27:44,2095550144,Incoming,125,Big D\n"
                  "2024-03-01 16:00:00,2095550144,Outgoing,41,Big D\n"
                  "2024-03-01 17:00:00,0,Missed,0,\n"
                  "2024-03-01 18:00:00,Unavailable,Missed,0,\n")
    result = import_file(case, path, ImportOptions(extra={"owner": OWNER}))
    assert (result.profile, result.rows_imported) == ("handset-log", 4)
    assert "America/Los_Angeles (the case's zone" in result.assumed["time zone"]
    calls = links(case, "call")
    assert [(c["src"], c["dst"]) for c in calls] == [("+12095550144", OWNER), (OWNER, "+12095550144"),
                                                     ("withheld", OWNER), ("withheld", OWNER)]
    assert calls[0]["start"] == epoch("2024-03-01 15:27:44", PACIFIC)


# ------------------------------------------------------------------------------------------ generic sheets


@pytest.mark.parametrize("header", [
    "Calling Number,Called Number,Date,Time,Duration,Call Type",
    "caller_number,receiver,call_datetime,duration_seconds,tower_id",
    "calling_number,called_number,call_datetime,duration_seconds,tower_id"])
def test_generic_call_sheets_are_analyst_sheets_in_local_time(case: CaseFile, tmp_path: Path, header: str) -> None:
    cells = {"Date": "03/01/2024", "Time": "15:27:44", "call_datetime": "2024-03-01 15:27:44", "Duration": "125",
             "duration_seconds": "125", "Call Type": "Voice", "tower_id": "40123-2"}
    columns = header.split(",")
    row = ",".join(["2095550144", "2095550101"] + [cells[c] for c in columns[2:]])
    result = import_file(case, _write(tmp_path / "sheet.csv", header + "\n" + row + "\n"))
    assert result.profile == "analyst"                                  # not T-Mobile: its signature is absent
    assert result.assumed["time zone"].startswith("America/Los_Angeles (the case's zone")
    call = links(case, "call")[0]
    assert call["start"] == epoch("2024-03-01 15:27:44", PACIFIC)       # local times stay local
    if "tower_id" in columns:
        site = case.find_entity("CellSite", "site:40123")
        assert site is not None and call["attrs"]["first_sector"] == "2"    # sector digits split from the site id


# ------------------------------------------------------------------------------------------ tower records


def test_tower_dump_is_phone_at_cell_site(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "tower_dump.csv", "phone_number,tower_id,datetime,latitude,longitude,city,state,zip\n"
                  "2095550144,TWR-0042_1,2024-03-01 15:27:44,37.9577,-121.2908,Stockton,CA,95202\n"
                  "2095550177,TWR-0042_2,2024-03-01 15:29:00,37.9577,-121.2908,Stockton,CA,95202\n"
                  "2095550144,TWR-0043,2024-03-01 16:00:00,north,-121.3,Lodi,CA,95240\n")
    result = import_file(case, path)
    assert (result.profile, result.rows_imported, result.rows_rejected) == ("tower-dump", 3, 0)
    seen = links(case, "seen_at")
    assert [(s["src"], s["dst"]) for s in seen] == [("+12095550144", "site:TWR-0042"), ("+12095550177", "site:TWR-0042"),
                                                    ("+12095550144", "site:TWR-0043")]
    site = case.find_entity("CellSite", "site:TWR-0042")
    assert (site.attrs["lat"], site.attrs["lon"], site.attrs["city"], site.attrs["state"], site.attrs["zip"]) == (
        37.9577, -121.2908, "Stockton", "CA", "95202")
    assert result.set_aside == {"the lat is not a number": 1}


def test_lac_and_cell_id_sites_keep_their_coordinates(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "gsm.csv", "Calling Number,Called Number,Date,Time,Duration,LAC,Cell ID,Latitude,"
                  "Longitude,Tower Address\n"
                  "2095550144,2095550101,03/01/2024,15:27:44,60,4021,18533,37.95,-121.29,1 Main St\n")
    import_file(case, path)
    site = case.find_entity("CellSite", "site:4021-18533")
    assert (site.attrs["lat"], site.attrs["lon"], site.attrs["address"]) == (37.95, -121.29, "1 Main St")


# ------------------------------------------------------------------------------------------ values


def test_withheld_values_are_one_marker() -> None:
    for value in ("0", "000", "Restricted", "PRIVATE", "Unavailable", "Anonymous", "Private Number", "withheld"):
        assert is_withheld(value), value
    assert not is_withheld("2095550123") and not is_withheld("")


def test_imei_is_its_first_14_digits() -> None:
    good = read_imei("356938035643809")
    wrong = read_imei("356938035643801")
    sv = read_imei("3569380356438012")
    assert good.key == wrong.key == sv.key == "356938035643809"
    assert wrong.written == "356938035643801" and "check digit" in wrong.note
    assert "IMEISV" in sv.note and read_imei("12345") is None


def test_odd_values_on_a_carrier_return(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "calls.csv", "From,To,Date,Time,Duration,Type,IMEI\n"
                  "2095550144,SUB-000173,03/01/2024,10:00:00,60,Call,356938035643801\n"      # ID; wrong check digit
                  "0,2095550144,03/01/2024,11:00:00,60,Call,3569380356438012\n"              # withheld; IMEISV
                  "Restricted,2095550144,03/01/2024,12:00:00,60,Call,35693803564\n"          # bad IMEI: set aside
                  "2.09555E+09,2095550144,03/01/2024,13:00:00,60,Call,\n"                    # Excel lost digits
                  ",2095550144,03/01/2024,14:00:00,60,Call,\n"                               # blank caller
                  "2095550144,2095550101,03/45/2024,15:00:00,60,Call,\n")                    # the record is unreadable
    with pytest.raises(InputError, match="row 7"):
        import_file(case, path)                                          # strict stops only at the unreadable date
    result = import_file(case, path, ImportOptions(strict=False))
    assert (result.rows_imported, result.rows_rejected) == (5, 1)
    calls = links(case, "call")
    assert [(c["src"], c["dst"]) for c in calls] == [
        ("+12095550144", "id:sub-000173"), ("withheld", "+12095550144"), ("withheld", "+12095550144"),
        ("unreadable", "+12095550144"), ("withheld", "+12095550144")]
    assert case.find_entity("Phone", "id:sub-000173").attrs["note"] == "not a dialable number"
    device = case.find_entity("Device", "356938035643809")
    assert device.attrs["written"] == "356938035643801"
    assert result.set_aside == {"not an IMEI (14 to 16 digits)": 1,
                                "a spreadsheet wrote this number in scientific notation and lost digits": 1}
    assert any("not dialable" in note for note in result.notes)
    assert any(note.startswith("1 IMEIs keyed by their first 14 digits") for note in result.notes)


# an Indian CDR: the target written with its country code and no '+', the other party national
INDIAN = "".join(f"91{7 + d % 3}{d:03d}54321{d % 10},{7 + d % 3}{d:03d}6789{d % 10}1,2024-03-01 10:{d:02d}:00,60\n"
                 for d in range(20))


def test_numbers_of_another_country_ask_for_region(case: CaseFile, tmp_path: Path) -> None:
    assert region_mismatch([f"9198{d}5012345" for d in range(10)], "US")[0] == "IN"
    path = _write(tmp_path / "india.csv", "From,To,Date/Time,Duration\n" + INDIAN)
    with pytest.raises(InputError, match="give --region IN"):
        import_file(case, path)
    result = import_file(case, path, ImportOptions(region="IN"))
    assert result.assumed["region"] == "IN (--region)"
    assert links(case, "call")[0]["src"].startswith("+91")


def test_sample_style_numbers_are_not_a_region_mismatch() -> None:
    assert region_mismatch([f"20955501{d:02d}" for d in range(40)], "US") is None


# ------------------------------------------------------------------------------------------ CLI


def test_cli_owner_and_the_import_line(tmp_path: Path) -> None:
    case = tmp_path / "c.lgcase"
    path = _write(tmp_path / "call_log.csv", "date,number,type,duration,name\n"
                  "2024-03-01 15:27:44,2095550144,Incoming,abc,Big D\n")
    run = [sys.executable, "-m", "linkgraph"]
    subprocess.run([*run, "new", str(case), "--name", "t", "--tz", "America/Los_Angeles"], check=True,
                   capture_output=True)
    failed = subprocess.run([*run, "import", str(case), str(path)], capture_output=True, text=True)
    assert failed.returncode != 0 and "--owner NUMBER" in failed.stderr and "Traceback" not in failed.stderr
    done = subprocess.run([*run, "import", str(case), str(path), "--owner", "2095550101"], capture_output=True,
                          text=True, check=True)
    assert "profile 'handset-log'" in done.stdout and "owner +12095550101 (--owner)" in done.stdout
    assert "time zone America/Los_Angeles" in done.stdout and "region US (the case region)" in done.stdout
    assert "1 value set aside (record kept): duration not readable" in done.stdout


# ------------------------------------------------------------------------------------------ one bad field


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# Every supported layout (its real column names), a good row, and its identifier columns.
LAYOUTS = {
    "analyst": ({"From": "2095550144", "To": "2095550101", "Date": "03/01/2024", "Time": "10:00:00",
                 "Duration": "60", "Type": "Call", "IMEI": "356938035643809", "IMSI": "310260418822017"},
                ["From", "To", "IMEI", "IMSI"], {}),
    "tmobile": ({"Date": "03/01/2024", "(UTC) Time": "10:00:00", "Calling Number": "12095550144",
                 "Called Number": "12095550101", "Dialed Number": "2095550101", "Call Type": "mSOriginating",
                 "Direction": "Outgoing", "Duration": "60", "1st LTE Site ID": "40012", "IMEI": "356938035643809",
                 "IMSI": "310260418822017", "Service Code": "voice"},
                ["Calling Number", "Called Number", "IMEI", "IMSI"], {}),
    "handset-log": ({"date": "2024-03-01 10:00:00", "number": "2095550144", "type": "Incoming", "duration": "60",
                     "name": "Big D"}, ["number"], {"owner": OWNER}),
    "ileapp-calls": ({"Timestamp": "2024-03-01 10:00:00", "Phone Number": "+12095550144", "Name": "", "Answered": "Yes",
                      "Call Type": "Phone Call", "Call Direction": "Incoming", "Call Duration": "00:01:00",
                      "ISO Country Code": "us", "Location": "", "Service Provider": "com.apple.Telephony"},
                     ["Phone Number"], {"owner": OWNER}),
    "aleapp-calls": ({"Call Date": "2024-03-01 10:00:00", "Phone Account Address": "", "Partner": "2095550144",
                      "Type": "Outgoing", "Duration in Secs": "60", "Partner Location": "", "Country ISO": "US",
                      "Source File": "calllog.db"}, ["Partner"], {"owner": OWNER}),
    "axiom-calls": ({"Partner": "+12095550144", "Partner Name": "Big D", "Direction": "Incoming", "Call Type": "Phone",
                     "Call Date/Time - UTC+00:00 (M/d/yyyy)": "3/1/2024 10:00:00 AM", "Duration": "00:01:00",
                     "Source": "calllog.db", "Artifact type": "Android Call Logs", "Item ID": "7",
                     "Evidence number": "Pixel"}, ["Partner"], {"owner": OWNER}),
    "messages": ({"#": "1", "Parties": "+12095550144 Big D", "Body": "u up?", "Timestamp: Time": "03/01/2024 22:10:00(UTC-8)",
                  "Direction": "Incoming", "Status": "Read", "Folder": "Inbox", "Source": "SMS", "Deleted": ""},
                 ["Parties"], {"owner": OWNER}),
    "tower-dump": ({"phone_number": "2095550144", "tower_id": "40012", "datetime": "2024-03-01 10:00:00",
                    "latitude": "37.95", "longitude": "-121.29", "IMEI": "356938035643809"},
                   ["phone_number", "IMEI"], {}),
}


def _damaged_number(kind: str, digits: int) -> str:
    """A number as spreadsheets and bad exports damage it."""
    number = str(2000000000 + digits % 7999999999)
    if kind == "scientific":
        return f"{number[0]}.{number[1:5]}E+09"          # digits lost
    if kind == "fraction":
        return number + ".5"
    return number[:3] + "\x07" + number[3:]              # a control character


def _not_an_id(column: str):
    from importers.phone import BLANKS
    from linkgraph.identity import normalize_imsi

    check = read_imei if column == "IMEI" else normalize_imsi
    return st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=20
                   ).filter(lambda v: v.strip() != "" and v.strip().lower() not in BLANKS and check(v) is None)


@st.composite
def corrupted(draw):
    layout = draw(st.sampled_from(sorted(LAYOUTS)))
    good, identifiers, extra = LAYOUTS[layout]
    column = draw(st.sampled_from(identifiers))
    if column in ("IMEI", "IMSI"):
        value = draw(_not_an_id(column))
    else:
        value = _damaged_number(draw(st.sampled_from(["scientific", "fraction", "control"])),
                                draw(st.integers(0, 10 ** 9)))
    return layout, column, value, draw(st.integers(0, 2))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=corrupted())
def test_one_corrupted_identifier_never_costs_the_record(tmp_path_factory: pytest.TempPathFactory, case) -> None:
    import csv
    import io

    layout, column, value, bad_row = case
    good, _, extra = LAYOUTS[layout]
    folder = tmp_path_factory.mktemp("prop")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(good))
    for index in range(3):
        cells = dict(good)
        if index == bad_row:
            cells[column] = value
        writer.writerow(list(cells.values()))
    path = folder / f"{layout}.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    with CaseFile.create(folder / "c.lgcase", name="p", timezone="UTC", region="US") as opened:
        kind = "extraction" if layout == "messages" else "phone"
        result = import_file(opened, path, ImportOptions(kind=kind, extra=dict(extra)))      # strict
        assert result.profile == layout
        assert (result.rows_imported, result.rows_rejected) == (3, 0)
        aside = [(v["row"], v["column"]) for v in opened.set_aside_values()]
        assert aside == [(bad_row + 2, column)]


def test_handset_log_with_date_and_time_columns(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "log.csv", "date,time,number,type,duration\n03/01/2024,15:27:44,2095550144,Outgoing,60\n")
    result = import_file(case, path, ImportOptions(extra={"owner": OWNER}))
    assert result.profile == "handset-log"
    call = links(case, "call")[0]
    assert (call["src"], call["dst"], call["start"]) == (OWNER, "+12095550144", epoch("2024-03-01 15:27:44", PACIFIC))


ALEAPP_SMS = ("Date\tMSG ID\tThread ID\tAddress\tContact ID\tDate sent\tRead\tType\tBody\tService Center\tError code\n"
              "2024-03-01 23:27:44\t11\t3\t+12095550144\t\t2024-03-01 23:27:40\t1\t1\tu up?\t\t0\n"
              "2024-03-01 23:29:00\t12\t3\t+12095550144\t\t2024-03-01 23:29:00\t1\t2\tomw\t\t0\n")
ILEAPP_SMS = ("Message Date\tDate Read\tDate Delivered\tMessage\tService\tIs from Me\tContact ID\tAttachment\n"
              "2024-03-01 23:27:44\t\t\tu up?\tSMS\t0\t+12095550144\t\n"
              "2024-03-01 23:29:00\t\t\tomw\tiMessage\t1\tbigd@example.com\t\n")


@pytest.mark.parametrize("name,text", [("SMS messages.tsv", ALEAPP_SMS), ("SMS & iMessage - Messages.tsv", ILEAPP_SMS)])
def test_message_reports(case: CaseFile, tmp_path: Path, name: str, text: str) -> None:
    path = _write(tmp_path / name, text)
    assert detect_kind(path, ImportOptions()) == "extraction"
    import_file(case, path, ImportOptions(extra={"owner": OWNER}, tz="UTC"))
    texts = links(case, "sms")
    assert (texts[0]["src"], texts[0]["dst"], texts[0]["attrs"]["body"]) == ("+12095550144", OWNER, "u up?")
    assert texts[1]["src"] == OWNER and texts[1]["attrs"]["body"] == "omw"
    assert texts[0]["start"] == epoch("2024-03-01 23:27:44")


def test_unreadable_direction_is_set_aside_and_the_call_kept(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "log.csv", "date,number,type,duration\n2024-03-01 15:27:44,2095550144,???,60\n")
    result = import_file(case, path, ImportOptions(extra={"owner": OWNER}))
    assert result.rows_imported == 1
    assert [(v["column"], v["value"]) for v in case.set_aside_values()] == [("type", "???")]
    assert (links(case, "call")[0]["src"], links(case, "call")[0]["dst"]) == ("+12095550144", OWNER)


def test_cellebrite_call_log_csv_with_title_line(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "Call Log.csv",
                  "Call Log\n"
                  "#,Parties,Direction,Type,Timestamp: Time,Duration,Status,Source,Deleted,Account\n"
                  "1,\"From:  +12095550144 Big D\",Incoming,,03/01/2024 15:27:44(UTC-8),00:02:05,Answered,Phone,,\n"
                  "2,\"To:  +12095550177\",Outgoing,,03/01/2024 16:00:00(UTC-8),00:00:10,,WhatsApp,,\n")
    result = import_file(case, path, ImportOptions(extra={"owner": OWNER}))
    assert (result.kind, result.profile, result.rows_imported) == ("phone", "cellebrite-calls", 2)
    calls = links(case, "call")
    assert [(c["src"], c["dst"], c["start"]) for c in calls] == [
        ("+12095550144", OWNER, epoch("2024-03-01 23:27:44")), (OWNER, "+12095550177", epoch("2024-03-02 00:00:00"))]
