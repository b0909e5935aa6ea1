"""Hold-out phone layouts: files shaped like public real ones the importer was not built from, imported as a new
user would (no flags, then the one obvious flag). Headers follow the published layouts (an Android call-log dump's
`number, date, duration, type, name` with Unix-millisecond dates; an Indian operator CDR's `CALLING_NO, CALLED_NO,
CALL_DATE, CALL_TIME, FIRST_CELL, ESN/IMEI`; anonymised research CDRs' `caller_id, recipient_id, txn_type`);
the rows are made up."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from importers import detect_kind, import_file
from importers.options import ImportOptions
from linkgraph.case import CaseFile
from linkgraph.errors import InputError
from linkgraph.identity import is_withheld, region_mismatch

OWNER = "+12095550101"
KOLKATA = ZoneInfo("Asia/Kolkata")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _links(case: CaseFile, kind: str) -> list[dict]:
    rows = case.conn.execute(
        "SELECT a.key, b.key, l.start, l.duration, l.attrs FROM links l JOIN entities a ON a.id = l.src "
        "JOIN entities b ON b.id = l.dst WHERE l.type = ? ORDER BY l.row, l.id", (kind,)).fetchall()
    return [{"src": s, "dst": d, "start": st, "duration": du, "attrs": json.loads(a or "{}")}
            for s, d, st, du, a in rows]


ANDROID_DUMP = """number,date,duration,type,name
+12095550144,1709335664000,75,1,Big D
2095550188,1709339264000,0,3,
-2,1709342864000,0,1,
,1709346464000,0,3,
2095550144,1709350064000,122,2,Big D
"""


def test_android_call_log_dump_unix_millisecond_dates_and_private_numbers(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "calllog.csv", ANDROID_DUMP)
    with pytest.raises(Exception, match="--owner"):                     # no flags: asks for the handset's number
        import_file(case, path)
    result = import_file(case, path, ImportOptions(extra={"owner": OWNER}))
    assert result.rows_imported == 5 and result.rows_rejected == 0
    assert result.assumed["time zone"].startswith("UTC (the times are Unix time")
    calls = _links(case, "call")
    assert calls[0]["start"] == int(datetime(2024, 3, 1, 23, 27, 44, tzinfo=UTC).timestamp())   # not local time
    assert [(c["src"], c["dst"]) for c in calls] == [
        ("+12095550144", OWNER), ("+12095550188", OWNER), ("withheld", OWNER), ("withheld", OWNER),
        (OWNER, "+12095550144")]                                          # '-2' is Android's private number


def test_android_presentation_values_are_withheld() -> None:
    assert is_withheld("-1") and is_withheld("-2") and is_withheld("-3")
    assert not is_withheld("2")


INDIA_CDR = """CALLING_NO,CALLED_NO,CALL_DATE,CALL_TIME,DURATION,FIRST_CELL,LAST_CELL,CALL_TYPE,ESN/IMEI,IMSI,TYPE_OF_CONN,ROAM_CIRCLE
9876543210,9123456780,01/03/2024,15:27:44,75,404-19-412-17611,404-19-412-17612,MOC,356938035643809,404190123456789,Prepaid,KERALA
9123456780,9876543210,01/03/2024,16:02:10,30,404-19-412-17611,404-19-412-17611,MTC,356938035643809,404190123456789,Prepaid,KERALA
9876543210,8012345678,02/03/2024,09:10:00,0,404-19-412-17613,,SMS_MO,35693803564380,404190123456789,Prepaid,KERALA
9876543210,7012345678,02/03/2024,10:10:00,44,404-19-412-17613,404-19-412-17613,MOC,3569380356438012,404190123456789,Prepaid,KERALA
"""


def test_indian_operator_cdr_is_detected_refused_as_us_then_read_day_first_with_region(
        case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "cdr.csv", INDIA_CDR)
    assert detect_kind(path, ImportOptions()) == "phone"
    with pytest.raises(InputError, match="give --region IN"):           # three of four are valid US numbers too
        import_file(case, path)
    result = import_file(case, path, ImportOptions(region="IN", tz="Asia/Kolkata"))
    assert result.rows_imported == 4 and result.rows_rejected == 0
    assert "day first" in result.assumed["date order"]
    calls = _links(case, "call")
    assert (calls[0]["src"], calls[0]["dst"]) == ("+919876543210", "+919123456780")
    assert calls[0]["start"] == int(datetime(2024, 3, 1, 15, 27, 44, tzinfo=KOLKATA).timestamp())  # 1 March
    assert [t["dst"] for t in _links(case, "sms")] == ["+918012345678"]                  # SMS_MO is a text
    sites = {k for (k,) in case.conn.execute("SELECT key FROM entities WHERE type = 'CellSite'")}
    assert sites == {"site:404-19-412-17611", "site:404-19-412-17612", "site:404-19-412-17613"}
    devices = [u["src"] for u in _links(case, "uses")]
    assert "356938035643809" in devices


def test_region_mismatch_counts_foreign_numbers_that_are_also_valid_us_numbers() -> None:
    # Indian mobiles: about half are valid US numbers; a quarter invalid here, all valid in India, is Indian.
    found = region_mismatch(["9876543210", "9123456780", "8012345678", "7012345678"], "US")
    assert found == ("IN", 1, 4)
    assert region_mismatch(["2095550144", "2095550188", "3125550101", "9876543210", "4155550100"], "US") is None


def test_day_first_dates_are_read_whole_column_when_a_day_is_above_12(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "sheet.csv", "Calling Number,Called Number,Date,Duration\n"
                  "2095550101,2095550144,01/03/2024 10:00,5\n2095550101,2095550144,13/03/2024 10:00,5\n")
    import_file(case, path)
    starts = [c["start"] for c in _links(case, "call")]
    la = ZoneInfo("America/Los_Angeles")
    assert starts == [int(datetime(2024, 3, 1, 10, tzinfo=la).timestamp()),
                      int(datetime(2024, 3, 13, 10, tzinfo=la).timestamp())]   # not 3 Jan beside 13 March


PSEUDO_CDR = """txn_type,caller_id,recipient_id,timestamp,duration,caller_antenna,recipient_antenna,international
call,jb9f3j,ad8b3b,2020-01-01 00:00:42,253.0,AJK3,KB3,domestic
text,ad8b3b,bncz83,2020-02-12 10:12:08,,KB9,KB8,domestic
"""


def test_anonymised_cdr_with_pseudonymous_ids_is_a_two_party_call_sheet(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "cdr.csv", PSEUDO_CDR)
    assert detect_kind(path, ImportOptions()) == "phone"                 # not a handset's log asking for --owner
    result = import_file(case, path)
    assert result.profile == "analyst" and result.rows_imported == 2
    assert [(c["src"], c["dst"]) for c in _links(case, "call")] == [("id:jb9f3j", "id:ad8b3b")]
    assert [(t["src"], t["dst"]) for t in _links(case, "sms")] == [("id:ad8b3b", "id:bncz83")]


def test_names_in_a_from_to_sheet_are_still_not_phone_records(tmp_path: Path) -> None:
    path = _write(tmp_path / "people.csv", "From,To,Date,Duration\nJohn Smith,Ann Lee,2024-03-01,5\n"
                  "Ann Lee,Bo Chan,2024-03-02,7\n")
    try:
        kind = detect_kind(path, ImportOptions())
    except InputError:
        kind = None
    assert kind != "phone"


def test_tower_dump_imei_uses_the_phone_not_the_cell_site(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "dump.csv", "phone_number,tower_id,datetime,latitude,longitude,imei\n"
                  "2095550101,TWR-0042,2024-03-01 15:27:44,37.6391,-120.9969,356938035643809\n"
                  "2095550144,TWR-0042,2024-03-01 15:30:00,37.6391,-120.9969,\n")
    import_file(case, path)
    assert [(u["src"], u["dst"]) for u in _links(case, "uses")] == [("356938035643809", OWNER)]


AXIOM_IST = """Partner,Partner Name,Call Type,Direction,Call Date/Time - UTC+05:30 (dd/MM/yyyy),Duration,Source,Evidence number,Recovery method,Item ID
+919876543210,Ravi,Voice,Incoming,01/03/2024 10:15:00,00:01:15,contacts2.db,Phone.zip,Parsing,101
+919123456780,,Voice,Outgoing,02/03/2024 11:00:00,00:00:30,contacts2.db,Phone.zip,Parsing,102
"""


def test_axiom_export_at_a_half_hour_offset_with_day_first_dates(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "Android Call Logs.csv", AXIOM_IST)
    result = import_file(case, path, ImportOptions(extra={"owner": "+919000000001"}, region="IN"))
    assert result.assumed["time zone"].startswith("Asia/Kolkata (the column")
    assert result.assumed["date order"] == "day first (the time column's name says so)"
    calls = _links(case, "call")
    assert calls[0]["start"] == int(datetime(2024, 3, 1, 10, 15, tzinfo=KOLKATA).timestamp())   # 1 March, +05:30


ALEAPP_CALLS = ("Call Date\tPhone Account Address\tPartner\tType\tDuration in Secs\tPartner Location\tCountry ISO\tDeleted"
                "\tSource File\n"
                "2024-03-01 15:27:44+00:00\t+12095550101\t+12095550144\tIncoming\t75\tCalifornia\tUS\t0\tcalllog.db\n"
                "2024-03-01 17:00:00+00:00\t+12095550101\t2095550177\tOutgoing\t30\t\tUS\t1\tcalllog.db\n")


def test_aleapp_call_log_names_its_handset_in_phone_account_address(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "Call logs.tsv", ALEAPP_CALLS)
    result = import_file(case, path)                                       # no --owner needed
    assert result.assumed["owner"] == f"{OWNER} (column 'Phone Account Address')"
    assert [(c["src"], c["dst"]) for c in _links(case, "call")] == [("+12095550144", OWNER), (OWNER, "+12095550177")]


def test_two_sim_accounts_still_ask_for_the_owner(case: CaseFile, tmp_path: Path) -> None:
    text = ALEAPP_CALLS.replace("17:00:00+00:00\t+12095550101", "17:00:00+00:00\t+12095550102")
    with pytest.raises(Exception, match="--owner"):
        import_file(case, _write(tmp_path / "Call logs.tsv", text))


def test_iso_times_with_different_offsets_are_each_read_at_their_own(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "calls.csv", "caller_number,receiver_number,call_datetime,duration_seconds\n"
                  "2095550101,2095550144,2024-03-01T15:27:44Z,10\n"
                  "2095550144,2095550101,2024-03-01T15:27:44+05:30,10\n"
                  "2095550101,2095550177,2024-03-01 15:27:44,10\n")
    result = import_file(case, path)                                     # no traceback on mixed offsets
    assert "each time carries its own UTC offset" in result.assumed["time zone"]
    starts = [c["start"] for c in _links(case, "call")]
    assert starts == [int(datetime(2024, 3, 1, 15, 27, 44, tzinfo=UTC).timestamp()),
                      int(datetime(2024, 3, 1, 9, 57, 44, tzinfo=UTC).timestamp()),
                      int(datetime(2024, 3, 1, 15, 27, 44, tzinfo=ZoneInfo("America/Los_Angeles")).timestamp())]


def test_one_offset_for_every_time_is_utc_not_the_case_zone(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "calls.csv", "caller_number,receiver_number,call_datetime,duration_seconds\n"
                  "2095550101,2095550144,2024-03-01T15:27:44Z,10\n2095550144,2095550101,2024-03-01T16:00:00Z,10\n")
    import_file(case, path)
    assert _links(case, "call")[0]["start"] == int(datetime(2024, 3, 1, 15, 27, 44, tzinfo=UTC).timestamp())


def test_aggregate_telecom_activity_grid_is_refused_in_one_line(tmp_path: Path) -> None:
    # the Telecom Italia Milan grid: counts per square and interval, not call records
    path = _write(tmp_path / "sms-call-internet-mi.csv", "square_id,time_interval,country_code,sms_in,sms_out,"
                  "call_in,call_out,internet\n1,1383260400000,39,0.08,0.04,0.02,0.01,57.8\n")
    with pytest.raises(InputError, match="cannot tell what kind"):
        detect_kind(path, ImportOptions())


def test_directions_written_as_phrases_orient_the_call(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "log.csv", "Date/Time,Phone Number,Direction,Duration,Contact\n"
                  "2024-03-01 15:27:44,+12095550144,Incoming Call,00:01:15,Big D\n"
                  "2024-03-01 16:00:00,+12095550144,Outgoing Call,00:00:30,Big D\n"
                  "2024-03-01 17:00:00,+12095550177,Missed Call,00:00:00,\n"
                  "2024-03-01 18:00:00,+12095550177,OUTGOING_TYPE,00:00:10,\n")
    result = import_file(case, path, ImportOptions(extra={"owner": OWNER}))
    assert not result.set_aside
    assert [(c["src"], c["dst"]) for c in _links(case, "call")] == [
        ("+12095550144", OWNER), (OWNER, "+12095550144"), ("+12095550177", OWNER), (OWNER, "+12095550177")]


ANDROID_SMS = """_id,thread_id,address,date,date_sent,read,type,body
1,1,+12095550144,1709335664000,1709335660000,1,1,u up?
2,1,+12095550144,1709335764000,0,1,2,"on my way, 20 min"
3,2,Private,1709336664000,0,1,1,call me
"""


def test_android_sms_dump_is_messages_not_online_ads(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "mmssms.csv", ANDROID_SMS)
    assert detect_kind(path, ImportOptions()) == "extraction"
    import_file(case, path, ImportOptions(extra={"owner": OWNER}))
    texts = _links(case, "sms")
    assert [(t["src"], t["dst"], t["attrs"]["body"]) for t in texts] == [
        ("+12095550144", OWNER, "u up?"), (OWNER, "+12095550144", "on my way, 20 min"), ("withheld", OWNER, "call me")]
    assert texts[0]["start"] == int(datetime(2024, 3, 1, 23, 27, 44, tzinfo=UTC).timestamp())


def test_a_contact_without_a_number_is_counted_not_dropped(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "contacts.csv", "Display Name,Phone Number,Source\nBig D,(209) 555-0144,Phone\n"
                  "Nobody,,Phone\n")
    result = import_file(case, path, ImportOptions(extra={"owner": OWNER}))
    assert result.set_aside == {"the contact has no phone number": 1}
    assert [k["dst"] for k in _links(case, "knows")] == ["+12095550144"]


CELLEBRITE_SPLIT = ("\ufeffCall Log (2)\n#,Parties,Direction,Type,Timestamp: Date,Timestamp: Time,Duration,Status,Source,"
                    "Deleted\n1,\"From: +12095550144 Big D\",Incoming,,03/01/2024,15:27:44(UTC-8),00:02:05,Answered,"
                    "Phone,\n2,\"To: +12095550177\",Outgoing,,03/01/2024,16:00:01(UTC-8),00:00:41,,WhatsApp,\n")


def test_cellebrite_date_and_time_in_two_columns_keep_the_date_and_offset(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "Call Log.csv", CELLEBRITE_SPLIT)
    result = import_file(case, path, ImportOptions(extra={"owner": OWNER}))
    assert "each time carries its own UTC offset" in result.assumed["time zone"]
    starts = [c["start"] for c in _links(case, "call")]
    assert starts == [int(datetime(2024, 3, 1, 23, 27, 44, tzinfo=UTC).timestamp()),
                      int(datetime(2024, 3, 2, 0, 0, 1, tzinfo=UTC).timestamp())]    # not today's date


def test_a_time_without_a_date_is_refused_not_read_as_today(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "calls.csv", "caller_number,receiver_number,call_datetime\n2095550101,2095550144,15:27:44\n")
    with pytest.raises(InputError, match="row 2, column 'call_datetime'"):
        import_file(case, path)


def test_indian_a_party_b_party_cdr_of_three_numbers_is_still_refused_as_us(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "cdr.csv", "Target No,A PARTY,B PARTY,DATE,TIME,DURATION,CALL TYPE,FIRST CELL ID,IMEI\n"
                  "9876543210,9876543210,9123456780,01-03-2024,15:27:44,75,OUT,17611,356938035643809\n"
                  "9876543210,9123456780,9876543210,01-03-2024,16:02:10,30,IN,17611,356938035643809\n"
                  "9876543210,9876543210,8012345678,02-03-2024,09:10:00,0,SMS-OUT,17613,356938035643809\n")
    with pytest.raises(InputError, match="give --region IN"):
        import_file(case, path)
    import_file(case, path, ImportOptions(region="IN"))
    assert [t["dst"] for t in _links(case, "sms")] == ["+918012345678"]
