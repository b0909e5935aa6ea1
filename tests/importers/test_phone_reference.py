"""The fast phone importer (importers/phone.py) against the reference (importers/phone_reference.py): for any
generated T-Mobile return they store the same entities, links, raw rows, turned-away rows and set-aside values.
Run as networkx runs one suite against every backend: the reference says what is right, the fast one must agree."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers import import_file, phone_reference
from importers.options import ImportOptions
from linkgraph.case import CaseFile

# The layout benchmarks/import_phone.py and T-Mobile's law-enforcement returns use (the fast importer detects it).
HEADER = ["Date", "(UTC) Time", "Duration", "Call Type", "Direction", "Calling Number", "Dialed Number",
          "Called Number", "IMSI", "IMEI", "1st LTE Site ID", "1st LTE Sector ID", "1st Tower Azimuth",
          "1st Tower LAT", "1st Tower LONG", "Last LTE Site ID", "Last LTE Sector ID", "Last Tower Azimuth"]
NUMBERS = ["12095550123", "2095550147", "+1 (209) 555-0188", "1-510-555-0178", "12095550123", "4155550199",
           "Restricted", "PRIVATE", "0", "0000000000", "", "N/A", "-2", "1.20956E+10", "SUB-000173", "611"]
IMEIS = ["356938035643809", "35693803564380", "3569380356438001", "356938035643801", "490154203237518",
         "12345", "", "-I"]
IMSIS = ["310260418822017", "310260418822018", "", "99"]
CALL_TYPES = ["mSOriginating", "mSTerminating", "mSOriginatingSMSinMSC", "mSTerminatingSMSinMSC", "moc",
              "callForwarding", "", "Voice"]
DIRECTIONS = ["Outgoing", "Incoming", "", "Missed"]


@st.composite
def record(draw: st.DrawFn) -> list[str]:
    """One row: any mix of good, blank and odd cells."""
    day = draw(st.sampled_from(["03/01/2024", "12/31/2023", "02/29/2024", "", "13/45/2024", "2024-03-05",
                                "03/01/2024 00:00:00"]))
    clock = draw(st.sampled_from(["15:27:44", "00:00:00", "23:59:59", "", "7:05:00", "1899-12-30 08:15:00",
                                  "25:99", "15:27:44(UTC-8)"]))
    site = draw(st.sampled_from(["", "40001", "40002", "40003.0", "40017"]))
    sector = draw(st.sampled_from(["1", "2", "3"])) if site else ""
    last = draw(st.sampled_from(["", "40001", "40017", "40020"]))
    last_sector = draw(st.sampled_from(["1", "2", "3"])) if last else ""

    def azimuth(sector: str) -> str:
        return "" if not sector else draw(st.sampled_from([str((int(sector) - 1) * 120), "north"]))

    lat = f"{37.9 + int(float(site)) % 100 / 1000:.6f}" if site else ""
    lon = f"{-121.3 - int(float(site)) % 100 / 1000:.6f}" if site else ""
    return [day, clock, draw(st.sampled_from(["0", "61", "1:05", "", "abc", "3600"])),
            draw(st.sampled_from(CALL_TYPES)), draw(st.sampled_from(DIRECTIONS)),
            draw(st.sampled_from(NUMBERS)), draw(st.sampled_from(NUMBERS)), draw(st.sampled_from(NUMBERS)),
            draw(st.sampled_from(IMSIS)), draw(st.sampled_from(IMEIS)), site, sector, azimuth(sector),
            draw(st.sampled_from([lat, "bad"])) if site else "", lon, last, last_sector, azimuth(last_sector)]


def write_return(path: Path, rows: list[list[str]], preamble: bool) -> None:
    text = io.StringIO()
    if preamble:
        text.write("T-Mobile USA, Inc. - Law Enforcement Relations\nAll times are in UTC\n\n")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    if preamble:
        text.write(f"\nTotal Records: {len(rows)}\n")
    path.write_text(text.getvalue(), encoding="utf-8")


def stored(case_path: Path) -> dict[str, object]:
    """What an import stored, entities named by (type, key) so that ids need not agree."""
    conn = sqlite3.connect(case_path)
    try:
        entity = {row[0]: (row[1], row[2]) for row in conn.execute("SELECT id, type, key FROM entities")}
        entities = sorted((t, k, label, json.loads(attrs), role, minor, first, last)
                          for _, t, k, label, attrs, role, minor, first, last in conn.execute(
                              "SELECT id, type, key, label, attrs, role, minor, first_seen, last_seen FROM entities"))
        links = sorted([(t, entity[src], entity[dst], start, end, duration, amount, currency,
                        entity.get(location), weight, json.dumps(json.loads(attrs), sort_keys=True) if attrs else None,
                        row)
                       for t, src, dst, start, end, duration, amount, currency, location, weight, attrs, row in
                       conn.execute("SELECT type, src, dst, start, end, duration, amount, currency, location, weight, "
                                    "attrs, row FROM links")], key=repr)
        return {
            "entities": entities,
            "entity ids": sorted(entity.items()),
            "links": links,
            "link ids": conn.execute("SELECT id, row, type FROM links ORDER BY id").fetchall(),
            "entity evidence": sorted((entity[e], row) for e, row in
                                      conn.execute("SELECT entity_id, row FROM entity_evidence")),
            "link evidence": conn.execute("SELECT link_id, row FROM link_evidence ORDER BY 1, 2").fetchall(),
            "raw rows": conn.execute("SELECT row, raw FROM source_rows ORDER BY row").fetchall(),
            "rejected and set aside": sorted(conn.execute("SELECT row, column, reason, raw FROM rejected_rows"),
                                             key=repr),
        }
    finally:
        conn.close()


def both(rows: list[list[str]], preamble: bool) -> tuple[dict, dict]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tmobile_return.csv"
        write_return(path, rows, preamble)
        found = []
        for run in (import_file, phone_reference.import_file):
            case_path = Path(folder) / f"{run.__module__}.lgcase"
            with CaseFile.create(case_path, name="t", timezone="America/Los_Angeles", region="US") as case:
                run(case, path, ImportOptions(kind="phone", strict=False))
            found.append(stored(case_path))
        return found[0], found[1]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(record(), min_size=1, max_size=25), st.booleans())
def test_fast_importer_stores_what_the_reference_stores(rows: list[list[str]], preamble: bool) -> None:
    fast, reference = both(rows, preamble)
    for part in fast:
        assert fast[part] == reference[part], part


def test_a_plain_return_agrees() -> None:
    """One fixed return of every kind of row (readable without hypothesis when the property fails)."""
    rows = [
        ["03/01/2024", "15:27:44", "61", "mSOriginating", "Outgoing", "12095550123", "5105550178", "15105550178",
         "310260418822017", "356938035643809", "40001", "1", "0", "37.901000", "-121.301000", "40002", "2", "120"],
        ["03/01/2024", "16:00:00", "", "mSTerminatingSMSinMSC", "Incoming", "Restricted", "", "12095550123",
         "310260418822017", "3569380356438001", "", "", "", "", "", "", "", ""],
        ["", "", "5", "moc", "Outgoing", "12095550123", "", "14155550199", "", "", "", "", "", "", "", "", "", ""],
        ["03/02/2024", "09:00:00", "abc", "Voice", "Missed", "1.20956E+10", "", "12095550123", "99", "12345",
         "40017", "3", "north", "bad", "-121.317000", "", "", ""],
    ]
    fast, reference = both(rows, preamble=True)
    for part in fast:
        assert fast[part] == reference[part], part
