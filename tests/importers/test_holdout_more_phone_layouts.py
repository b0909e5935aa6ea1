"""A second hold-out pass: five more public phone layouts, headers as the public code that writes or reads them
names them, rows made up. ALEAPP's "WhatsApp - Call Logs" report; iLEAPP's Viber call report (Timestamp, Caller,
Call Type, Duration); the Facebook Messenger calls report of ALEAPP/iLEAPP (Caller ID, Receiver ID: app IDs, not
numbers); an Indian tower-dump/CDR sheet (A Party, B Party, First Cell ID A, IMEI A, IMSI A); and the Android
calllog.db query of the SANS FOR585 course notes (number, name, Timestamp, Duration_in_Seconds, Call Type,
phone_account_address ...)."""

from __future__ import annotations

import json
from pathlib import Path

from importers import detect_kind, import_file
from importers.options import ImportOptions
from linkgraph.case import CaseFile

OWNER = "+12095550101"
NOT_NAMED = "the other party of an outgoing call is not in the record (the log names only the handset's side)"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _links(case: CaseFile) -> list[tuple]:
    rows = case.conn.execute(
        "SELECT l.type, a.key, b.key, l.duration, l.attrs, l.location FROM links l JOIN entities a ON a.id = l.src "
        "JOIN entities b ON b.id = l.dst WHERE l.type IN ('call', 'sms') ORDER BY l.row, l.id").fetchall()
    return [(t, s, d, du, json.loads(a or "{}"), loc) for t, s, d, du, a, loc in rows]


def test_aleapp_whatsapp_call_logs(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "WhatsApp - Call Logs.tsv",
                  "Call Start Timestamp\tCall End Timestamp\tCall Duration\tGroup Name\tCall Direction\tCaller\t"
                  "Caller JID\tCall Type\n"
                  "2024-03-01 22:10:00\t2024-03-01 22:12:05\t125\t\tIncoming\tBig D\t12095550144@s.whatsapp.net\tAudio\n"
                  "2024-03-01 23:00:00\t2024-03-01 23:00:40\t40\t\tOutgoing\tSelf\t\tVideo\n")
    result = import_file(case, path, ImportOptions(extra={"owner": OWNER}))
    assert result.profile == "aleapp-whatsapp-calls" and "UTC" in result.assumed["time zone"]
    calls = _links(case)
    assert [(s, d, du) for _, s, d, du, _, _ in calls] == [("+12095550144", OWNER, 125), (OWNER, "unreadable", 40)]
    assert calls[0][4]["contact"] == "Big D"
    # ALEAPP leaves the other party of an outgoing call blank: never a call to the withheld marker or to itself
    assert result.set_aside == {NOT_NAMED: 1}


def test_ileapp_viber_calls(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "Viber - Call Remnants.tsv",
                  "Timestamp\tCaller\tCall Type\tDuration\n"
                  "2024-03-01 22:10:00\tBig D, +12095550144\tIncoming\t125\n"
                  "2024-03-01 23:00:00\tMe, +12095550101\tOutgoing\t40\n"
                  "2024-03-02 01:00:00\t+12095550199\tMissed\t0\n")
    result = import_file(case, path, ImportOptions(extra={"owner": OWNER}))
    assert result.profile == "ileapp-viber-calls"
    assert [(s, d) for _, s, d, *_ in _links(case)] == [("+12095550144", OWNER), (OWNER, "unreadable"),
                                                        ("+12095550199", OWNER)]
    assert result.set_aside == {NOT_NAMED: 1}           # iLEAPP writes the handset's own user as the outgoing Caller


def test_messenger_calls_keep_app_ids(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "Facebook Messenger - Calls.tsv",
                  "Timestamp\tCall Duration\tCaller ID\tReceiver Name\tReceiver ID\tVideo Call\tThread Key\tSource File\n"
                  "2024-03-01 22:10:00\t125\t100004512345678\tBig D\t100009876543210\t\t"
                  "ONE_TO_ONE:100004512345678:100009876543210\tthreads_db2\n")
    assert detect_kind(path, ImportOptions()) == "phone"
    result = import_file(case, path)
    assert result.rows_imported == 1
    assert [(s, d) for _, s, d, *_ in _links(case)] == [("100004512345678", "100009876543210")]
    assert any("not dialable numbers" in note for note in result.notes)


def test_indian_tower_dump_with_a_party_columns(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "tdr.csv",
                  "A Party,B Party,Date,Time,Duration,Call Type,First Cell ID A,Last Cell ID A,IMEI A,IMSI A\n"
                  "919876543210,919812345678,01/03/2024,10:15:00,65,OUT,404-45-1234-56789,404-45-1234-56790,"
                  "356938035643809,404450123456789\n"
                  "919876543210,919899990000,02/03/2024,09:00:00,0,SMS-OUT,404-45-1234-56791,,356938035643809,"
                  "404450123456789\n")
    result = import_file(case, path, ImportOptions(region="IN"))
    assert result.profile == "analyst" and "day first" in result.assumed.get("date order", "day first")
    calls = _links(case)
    assert [(t, s, d) for t, s, d, *_ in calls] == [("call", "+919876543210", "+919812345678"),
                                                   ("sms", "+919876543210", "+919899990000")]
    assert all(loc is not None for *_, loc in calls)                  # the A party's first cell is a CellSite
    devices = [k for (k,) in case.conn.execute("SELECT key FROM entities WHERE type = 'Device' ORDER BY key")]
    assert devices == ["356938035643809", "404450123456789"]          # the IMEI A handset and the IMSI A SIM


def test_android_calllog_db_query_export(case: CaseFile, tmp_path: Path) -> None:
    path = _write(tmp_path / "calllog.csv",
                  "_id,number,name,Timestamp,Duration_in_Seconds,Call Type,subscription_id,phone_account_address,"
                  "geocoded_location,formatted_number,Deleted,Valid Entry,transcription\n"
                  "1,2095550144,Big D,2024-03-01 23:27:44,125,incoming,1,+12095550101,California,(209) 555-0144,NA,NA,\n"
                  "2,2095550177,,2024-03-02 01:00:00,40,outgoing,1,+12095550101,California,(209) 555-0177,deleted,NA,\n")
    result = import_file(case, path)                   # no --owner: phone_account_address names the SIM's number
    assert result.profile == "handset-log" and result.assumed["owner"] == f"{OWNER} (column 'phone_account_address')"
    assert [(s, d, du) for _, s, d, du, *_ in _links(case)] == [("+12095550144", OWNER, 125),
                                                                (OWNER, "+12095550177", 40)]
