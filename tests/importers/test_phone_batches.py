"""Phone records read in batches (importers/phone_batches.py): a file read in many small batches gives the same
tables, row for row and id for id, as read whole; a file that cannot be read in batches exactly is read whole;
a failure in a late batch leaves nothing written."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

import importers.phone_batches as phone_batches
from importers import import_file
from importers.options import ImportOptions
from importers.readers import read_table
from linkgraph.case import CaseFile, verify_connection
from linkgraph.errors import Cancelled, InputError
from sample_cases.build import sample_dir

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from import_phone import carrier_frame  # noqa: E402

WHOLE = 10 ** 9
REAL_IMPORT = phone_batches._import
NOT_COMPARED = {"imported_at", "at"}        # the time of the import


def tables(path: Path) -> dict[str, list[tuple]]:
    """Every table of a case (the audit log's times and hashes aside), rows in stored order."""
    conn = sqlite3.connect(path)
    try:
        out = {}
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            if name in ("audit", "meta"):
                continue
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")') if r[1] not in NOT_COMPARED]
            chosen = ", ".join(f'"{c}"' for c in columns)
            try:
                out[name] = conn.execute(f'SELECT {chosen} FROM "{name}" ORDER BY rowid').fetchall()
            except sqlite3.OperationalError:      # WITHOUT ROWID: by its columns
                order = ", ".join(str(i + 1) for i in range(len(columns)))
                out[name] = conn.execute(f'SELECT {chosen} FROM "{name}" ORDER BY {order}').fetchall()
        digests = [row[0] for row in conn.execute(
            "SELECT json_extract(details, '$.data_digest') FROM audit WHERE action = 'import' ORDER BY seq")]
        out["data digests"] = digests
        return out
    finally:
        conn.close()


def build(folder: Path, name: str, files: list[Path], batch_rows: int, monkeypatch: pytest.MonkeyPatch,
          **options) -> tuple[Path, list[bool]]:
    """A case with the files imported in turn (the last with `batch_rows`, the others whole); whether each
    import went through the batches."""
    streamed: list[bool] = []
    real = REAL_IMPORT

    def spy(*args, **kwargs):
        streamed[-1] = True
        return real(*args, **kwargs)

    monkeypatch.setattr(phone_batches, "_import", spy)
    path = folder / f"{name}.lgcase"
    with CaseFile.create(path, name="Batches", timezone="America/Los_Angeles", region="US") as case:
        for number, file in enumerate(files):
            streamed.append(False)
            size = batch_rows if number == len(files) - 1 else WHOLE
            import_file(case, file, ImportOptions(kind="phone", extra={"batch_rows": size}, **options))
        assert verify_connection(case.conn).ok
    return path, streamed


def carrier_file(path: Path, rows: int = 1200) -> Path:
    """A T-Mobile-style return with what batches must get right: title lines, blank lines, a repeated header, a
    row of the wrong width, an unreadable date, a bad IMEI, 'Missed' only near the end (so every call keeps its
    direction as written), a caller ID withheld, a site first named in a late batch, and the notes below."""
    frame = carrier_frame(rows, seed=3).astype(str)
    frame.loc[rows - 5, "Direction"] = "Missed"
    frame.loc[40, "Date"] = "13/45/2024"
    frame.loc[77, "IMEI"] = "12345"
    frame.loc[90, "Calling Number"] = "Private"
    frame.loc[rows - 20, "1st LTE Site ID"] = "49999"
    lines = frame.to_csv(index=False, lineterminator="\n").splitlines()
    header = lines[0]
    body = lines[1:]
    body.insert(300, "")
    body.insert(301, header)
    body.insert(500, "03/01/2024,10:00:00,12")
    body.insert(650, "")
    text = "T-Mobile USA, Inc. - Law Enforcement Relations\nAll times are in UTC\n\n" + header + "\n"
    text += "\n".join(body) + f"\n\nTotal Records: {rows}\nEND OF REPORT\n"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("batch_rows", [97, 250])
def test_many_small_batches_give_the_tables_of_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   batch_rows: int) -> None:
    source = carrier_file(tmp_path / "tmobile_return.csv")
    whole, streamed_whole = build(tmp_path, "whole", [source], WHOLE, monkeypatch, strict=False)
    batched, streamed = build(tmp_path, "batched", [source], batch_rows, monkeypatch, strict=False)
    assert streamed_whole == [False] and streamed == [True]
    expected, found = tables(whole), tables(batched)
    assert expected.keys() == found.keys()
    for name in expected:
        assert found[name] == expected[name], name
    with CaseFile.open(batched, read_only=True) as case:
        source_id = case.sources()[0].id
        rejected = case.conn.execute("SELECT row, reason FROM rejected_rows WHERE source_id = ? ORDER BY row",
                                     (source_id,)).fetchall()
        assert len(rejected) >= 3                                   # the bad width, the bad date, the IMEI
        assert case.conn.execute("SELECT COUNT(*) FROM links WHERE attrs LIKE '%direction_as_written%'"
                                 ).fetchone()[0] > 1000


def test_sample_returns_in_batches_match_them_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample case's text returns: Sprint's, Verizon's tower analysis, and T-Mobile's return saved as CSV (its
    calls already in the case from AT&T's return are cited, not stored twice); AT&T's legs are read whole."""
    folder = sample_dir()
    tmobile = read_table(folder / "tmobile_return_haskins.xlsx")
    tmobile_csv = tmp_path / "tmobile_return_haskins.csv"
    tmobile.frame.to_csv(tmobile_csv, index=False, lineterminator="\n")
    att = folder / "att_return_carranza.csv"
    for files, batch_rows, expect in (([att, folder / "sprint_return_mims.txt"], 13, True),
                                      ([att, folder / "verizon_tower_sutter.csv"], 29, True),
                                      ([att, tmobile_csv], 17, True),
                                      ([tmobile_csv, att], 31, False)):
        name = "-".join(f.stem for f in files)
        whole, _ = build(tmp_path, f"whole-{name}", files, WHOLE, monkeypatch)
        batched, streamed = build(tmp_path, f"batched-{name}", files, batch_rows, monkeypatch)
        assert streamed[-1] is expect, name
        assert tables(batched) == tables(whole), name
    with CaseFile.open(tmp_path / "batched-att_return_carranza-tmobile_return_haskins.lgcase", read_only=True) as case:
        assert case.conn.execute("SELECT COUNT(*) FROM link_evidence le JOIN sources s ON s.id = le.source_id "
                                 "WHERE s.name = 'tmobile_return_haskins.csv'").fetchone()[0] > 10


def test_a_quoted_value_over_lines_is_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = carrier_file(tmp_path / "quoted.csv", rows=400)
    text = source.read_text(encoding="utf-8").splitlines()
    text[300] = text[300].replace("Outgoing", '"Outgoing\nrouted"').replace("Incoming", '"Incoming\nrouted"')
    source.write_text("\n".join(text) + "\n", encoding="utf-8")
    whole, _ = build(tmp_path, "whole", [source], WHOLE, monkeypatch, strict=False)
    batched, streamed = build(tmp_path, "batched", [source], 50, monkeypatch, strict=False)
    assert streamed == [True]                   # tried, found the quoted line break, rolled back, read whole
    assert tables(batched) == tables(whole)


def test_a_failure_in_a_late_batch_writes_nothing(tmp_path: Path) -> None:
    source = carrier_file(tmp_path / "strict.csv", rows=600)
    path = tmp_path / "case.lgcase"
    shutil.rmtree(path, ignore_errors=True)
    with CaseFile.create(path, name="Atomic", timezone="America/Los_Angeles", region="US") as case:
        before = tables(path)
        messages = []
        for batch_rows in (WHOLE, 60):                  # strict: the first bad row stops it, the same row
            with pytest.raises(InputError) as failed:
                import_file(case, source, ImportOptions(kind="phone", extra={"batch_rows": batch_rows}))
            messages.append(str(failed.value))
        assert messages[0] == messages[1] and "row 505: 3 cells where the header has 18" in messages[0]
        calls = []

        def cancel_late(done: int, total: int | None, message: str = "") -> bool:
            calls.append(done)
            return len(calls) < 8
        with pytest.raises(Cancelled):
            import_file(case, source, ImportOptions(kind="phone", strict=False, extra={"batch_rows": 60}),
                        cancel_late)
        assert tables(path) == before and verify_connection(case.conn).ok
    assert not list(tmp_path.glob(".linkgraph-import-*"))          # the spilled calls are gone


def test_tower_dump_in_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tower dump (a phone seen at a cell site per row): Phone -> CellSite events, sites by first reading."""
    lines = ["phone_number,tower_id,datetime,latitude,longitude,sector,azimuth,IMEI"]
    for row in range(400):
        site = 100 + row % 7
        lines.append(f"209555{row % 53:04d},{site},2024-03-01 {row // 60 % 24:02d}:{row % 60:02d}:00,"
                     f"{37.9 + site / 1000:.4f},{-121.3 - site / 1000:.4f},{row % 3 + 1},{row % 3 * 120},"
                     f"{'356938035643809' if row % 5 == 0 else ''}")
    lines[150] = lines[150].replace(",100,", ",,")                     # no site: the row is turned away
    source = tmp_path / "tower_dump.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    whole, _ = build(tmp_path, "whole", [source], WHOLE, monkeypatch, strict=False)
    batched, streamed = build(tmp_path, "batched", [source], 37, monkeypatch, strict=False)
    assert streamed == [True]
    assert tables(batched) == tables(whole)
    with CaseFile.open(batched, read_only=True) as case:
        assert case.conn.execute("SELECT COUNT(*) FROM links WHERE type = 'seen_at'").fetchone()[0] > 390


def test_the_import_line_says_the_file_was_read_in_batches(tmp_path: Path) -> None:
    source = carrier_file(tmp_path / "tmobile_return.csv", rows=600)
    notes = {}
    for batch_rows in (WHOLE, 250):
        with CaseFile.create(tmp_path / f"{batch_rows}.lgcase", name="Line", timezone="America/Los_Angeles",
                             region="US") as case:
            result = import_file(case, source, ImportOptions(kind="phone", strict=False,
                                                             extra={"batch_rows": batch_rows}))
            notes[batch_rows] = " ".join(result.notes)
    assert "read in batches of 250 lines" in notes[250]
    assert "batches" not in notes[WHOLE]
