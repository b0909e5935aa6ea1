"""Raw rows kept in blocks: split at gaps, read back exactly (through the source_rows view and raw_row), rows
kept twice refused, and a version-1 case (one SQLite row per raw row) migrated with its digests unchanged."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from linkgraph.case import CaseFile, ImportSession, bulk_writer, integrity, raw_rows, verify_connection
from linkgraph.case.schema import SCHEMA_VERSION
from linkgraph.errors import LinkgraphError

TRICKY = ['plain,line', 'a "quoted", cell', 'back\\slash,\\"both\\"', 'caf\u00e9,\u5317\u4eac,\U0001f600',
          'tab\there', 'line\nbreak\r\n', '\x01\x08\x0c\x1f,controls', '', '\u2028\u2029,\x7f', '"', '\\']


@pytest.fixture
def case(tmp_path: Path):
    with CaseFile.create(tmp_path / "case.lgcase", name="Test", timezone="UTC", region="US") as opened:
        yield opened


def source_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text(f"from,to\n{name},x\n", encoding="utf-8")
    return path


def blocks(case: CaseFile, source_id: int = 1) -> list[tuple[int, int]]:
    """Each block of a source as (first row, row count)."""
    return case.conn.execute("SELECT first_row, json_array_length(raw) FROM source_blocks WHERE source_id = ? "
                             "ORDER BY first_row", (source_id,)).fetchall()


def test_blocks_split_at_gaps_and_every_block_rows(case: CaseFile, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(raw_rows, "BLOCK_ROWS", 3)
    rows = [2, 3, 4, 5, 6, 7, 8, 10, 11, 40]
    with ImportSession(case, source_file(tmp_path, "a.csv"), kind="links") as session:
        session.raw_texts_bulk(np.array(rows), pa.array([f"r{r}" for r in rows]), ",")
    assert blocks(case) == [(2, 3), (5, 3), (8, 1), (10, 2), (40, 1)]
    assert case.conn.execute("SELECT row, raw FROM source_rows ORDER BY row").fetchall() == [
        (r, f"r{r}") for r in rows]
    assert verify_connection(case.conn).ok


def test_the_view_and_raw_text_give_back_exactly_what_was_written(case: CaseFile, tmp_path: Path) -> None:
    rows = list(range(2, 2 + len(TRICKY)))
    with ImportSession(case, source_file(tmp_path, "lines.csv"), kind="links") as session:
        session.raw_texts_bulk(rows, pa.array(TRICKY), ",")
    cells = [["a", 'say "hi"', "c:\\dir"], {"title": "caf\u00e9 \U0001f600", "n": 3, "none": None}, []]
    with ImportSession(case, source_file(tmp_path, "cells.jsonl"), kind="links") as session:
        session.set_header(["x", "y", "z"], 1)
        for row, value in zip([2, 3, 5], cells, strict=True):
            session.raw_row(row, value)
        session.raw_rows_bulk([(7, json.dumps(["\x00nul", "\u00e9"], ensure_ascii=False))])
    assert case.conn.execute("SELECT row, raw FROM source_rows WHERE source_id = 1 ORDER BY row").fetchall() == [
        *zip(rows, TRICKY, strict=True)]
    assert [case.raw_text(1, r) for r in rows] == TRICKY
    assert [json.loads(case.raw_text(2, r)) for r in (2, 3, 5, 7)] == [*cells, ["\x00nul", "\u00e9"]]
    assert case.raw_row(2, 2) == {"x": "a", "y": 'say "hi"', "z": "c:\\dir"}
    assert case.raw_row(2, 3) == {"title": "caf\u00e9 \U0001f600", "n": "3", "none": "None"}
    assert case.raw_row(1, 2) == {"column_1": "plain", "column_2": "line"}
    assert verify_connection(case.conn).ok


def test_control_characters_and_nul_survive_in_a_delimited_line(case: CaseFile, tmp_path: Path) -> None:
    texts = ["a\x00b,c", "\x1b[0m,\x00", "x"]
    with ImportSession(case, source_file(tmp_path, "a.csv"), kind="links") as session:
        session.raw_texts_bulk([2, 3, 4], texts, ",")
    assert [case.raw_text(1, r) for r in (2, 3, 4)] == texts
    assert verify_connection(case.conn).ok


def test_raw_row_of_the_first_middle_and_last_row_of_a_block(case: CaseFile, tmp_path: Path,
                                                             monkeypatch) -> None:
    monkeypatch.setattr(raw_rows, "BLOCK_ROWS", 5)
    rows = list(range(10, 22))                      # blocks 10-14, 15-19, 20-21
    with ImportSession(case, source_file(tmp_path, "a.csv"), kind="links") as session:
        session.set_header(["from", "to"], 1)
        session.raw_texts_bulk(rows, [f"+1{r},+2{r}" for r in rows], ",")
    assert blocks(case) == [(10, 5), (15, 5), (20, 2)]
    for row in (10, 12, 14, 15, 19, 20, 21):
        assert case.raw_row(1, row) == {"from": f"+1{row}", "to": f"+2{row}"}, row
    assert case.raw_row(1, 9) == {} and case.raw_row(1, 22) == {} and case.raw_row(2, 10) == {}
    assert case.raw_rows([(1, 21), (1, 10), (1, 99)]) == {(1, 21): {"from": "+121", "to": "+221"},
                                                         (1, 10): {"from": "+110", "to": "+210"}}


def test_raw_row_reads_a_block_again_after_it_changes(case: CaseFile, tmp_path: Path) -> None:
    with ImportSession(case, source_file(tmp_path, "a.csv"), kind="links") as session:
        session.raw_texts_bulk([2, 3], ["a,b", "c,d"], ",")
    assert case.raw_text(1, 3) == "c,d"
    with case.transaction():
        case.conn.execute("UPDATE source_blocks SET raw = json_set(raw, '$[1]', 'edited')")
        assert case.raw_text(1, 3) == "edited"
    assert case.raw_text(1, 3) == "edited"
    other = sqlite3.connect(case.path)
    other.execute("UPDATE source_blocks SET raw = json_set(raw, '$[1]', 'by another program')")
    other.commit()
    other.close()
    assert case.raw_text(1, 3) == "by another program"


def test_rows_out_of_order_are_sorted_and_a_row_kept_twice_is_refused(case: CaseFile, tmp_path: Path) -> None:
    with ImportSession(case, source_file(tmp_path, "a.csv"), kind="links") as session:
        session.raw_texts_bulk([5, 3, 4], ["e", "c", "d"], ",")
        session.raw_row(2, ["b"])
    assert case.conn.execute("SELECT row, raw FROM source_rows ORDER BY row").fetchall() == [
        (2, '["b"]'), (3, "c"), (4, "d"), (5, "e")]
    assert verify_connection(case.conn).ok
    for first, second in (([2, 3, 2], None), ([2, 3, 4], [3]), ([2, 3, 4], [1, 2])):
        with pytest.raises(LinkgraphError, match="kept twice"):
            with ImportSession(case, source_file(tmp_path, "b.csv"), kind="links", force=True) as session:
                session.raw_texts_bulk(first, ["x"] * len(first), ",")
                if second:
                    session.raw_texts_bulk(second, ["y"] * len(second), ",")
    assert case.conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 1


def test_inserting_into_the_view_keeps_a_block_of_one(case: CaseFile, tmp_path: Path) -> None:
    with ImportSession(case, source_file(tmp_path, "a.csv"), kind="links") as session:
        session.raw_texts_bulk([2, 3, 4], ["a", "b", "c"], ",")
    with case.transaction() as conn:
        conn.execute("INSERT INTO source_rows VALUES (1, 9, ?)", ('say "hi"',))
        conn.execute("INSERT INTO source_rows VALUES (1, 10, json('[1]'))")      # kept as text, not as JSON
        for row in (2, 4, 9):
            with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
                conn.execute("INSERT INTO source_rows VALUES (1, ?, 'again')", (row,))
        with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
            conn.execute("INSERT INTO source_rows VALUES (1, 11, NULL)")
    assert blocks(case) == [(2, 3), (9, 1), (10, 1)]
    assert case.raw_text(1, 9) == 'say "hi"' and case.raw_text(1, 10) == "[1]"


def test_bulk_writes_restores_the_sorter_threads(case: CaseFile, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(bulk_writer, "BULK_ROWS", 1)
    before = case.conn.execute("PRAGMA threads").fetchone()[0]
    with ImportSession(case, source_file(tmp_path, "a.csv"), kind="links") as session:
        with session.bulk_writes(10):
            a = session.entity("Phone", "+12095550001", "A", row=2)
            session.link("call", a, a, row=2, start=1_700_000_000)
    assert case.conn.execute("PRAGMA threads").fetchone()[0] == before
    assert {name for (name,) in case.conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'links' AND "
                                                   "type = 'index' AND sql IS NOT NULL")} == {
        "links_src", "links_dst", "links_source"}
    assert verify_connection(case.conn).ok


# ---- a version-1 case: the same schema with one SQLite row per raw row ------------------------------------
V1_SOURCE_ROWS = """CREATE TABLE source_rows (
    source_id INTEGER NOT NULL REFERENCES sources(id),
    row       INTEGER NOT NULL,           -- row number as a person sees it in the file
    raw       TEXT NOT NULL,              -- JSON list of the row's cells, in header order
    PRIMARY KEY (source_id, row)
) WITHOUT ROWID"""


def as_version_1(path: Path) -> None:
    """Rewrite a case file as version 1 stored it: the source_rows table (old DDL) instead of blocks and view,
    and an audit log without state digests (which version 1 did not record)."""
    from tests.case.conftest import rechain

    conn = sqlite3.connect(path, isolation_level=None)
    rows = conn.execute("SELECT source_id, row, raw FROM source_rows ORDER BY source_id, row").fetchall()
    conn.execute("BEGIN")
    conn.execute("DROP VIEW source_rows")
    conn.execute("DROP TABLE source_blocks")
    conn.execute(V1_SOURCE_ROWS)
    conn.executemany("INSERT INTO source_rows VALUES (?,?,?)", rows)
    conn.execute("PRAGMA user_version = 1")
    rechain(conn, strip_state=True)
    conn.execute("COMMIT")
    conn.execute("VACUUM")
    assert conn.execute("SELECT type FROM sqlite_master WHERE name = 'source_rows'").fetchone() == ("table",)
    conn.close()


def digests(conn: sqlite3.Connection, source_id: int) -> tuple[str, str, str]:
    return (integrity.source_digest(conn, source_id), integrity.source_digest(conn, source_id, version="v2:"),
            integrity.source_digest(conn, source_id, legacy=True))


def test_a_version_1_case_migrates_to_blocks_with_every_digest_unchanged(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(raw_rows, "BLOCK_ROWS", 4)
    path = tmp_path / "old.lgcase"
    lines = [2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 30]
    with CaseFile.create(path) as case:
        with ImportSession(case, source_file(tmp_path, "calls.csv"), kind="links") as session:
            session.set_header(["from", "to"], 1)
            a = session.entity("Phone", "+12095550001", "A", row=2)
            session.link("call", a, a, row=2, start=1_700_000_000)
            session.raw_texts_bulk(lines, [TRICKY[r % len(TRICKY)] + f",{r}" for r in lines], ",")
        with ImportSession(case, source_file(tmp_path, "ads.jsonl"), kind="links") as session:
            session.raw_row(1, {"line": "Title"})
            session.raw_rows_bulk((r, json.dumps({"ad": f"caf\u00e9 {r}"}, ensure_ascii=False)) for r in range(3, 9))
            session.reject(9, "phone", "not a phone number", ["x"])
    as_version_1(path)
    with CaseFile.open(path, read_only=True) as old:        # read as it is (not migrated): readers still work
        assert old.conn.execute("PRAGMA user_version").fetchone()[0] == 1
        before = {source_id: digests(old.conn, source_id) for source_id in (1, 2)}
        shown = {(s, r): old.raw_row(s, r) for s, r in ((1, 2), (1, 13), (1, 30), (2, 1), (2, 8))}
        stored = old.conn.execute("SELECT source_id, row, raw FROM source_rows ORDER BY 1, 2").fetchall()
        assert verify_connection(old.conn).ok
    with CaseFile.open(path) as case:
        assert case.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        assert case.conn.execute("SELECT type FROM sqlite_master WHERE name = 'source_rows'").fetchone() == ("view",)
        assert blocks(case, 1) == [(2, 4), (6, 4), (10, 1), (12, 2), (30, 1)]
        assert blocks(case, 2) == [(1, 1), (3, 4), (7, 2)]
        assert case.conn.execute("SELECT source_id, row, raw FROM source_rows ORDER BY 1, 2").fetchall() == stored
        assert {source_id: digests(case.conn, source_id) for source_id in (1, 2)} == before
        assert {key: case.raw_row(*key) for key in shown} == shown
        migrated = json.loads(case.conn.execute(
            "SELECT details FROM audit WHERE action = 'migrate'").fetchone()[0])
        assert {k: migrated[k] for k in ("from", "to", "steps")} == {"from": 1, "to": 2, "steps": [2]}
        assert migrated["state"].startswith("s2:") and verify_connection(case.conn).ok
        report = verify_connection(case.conn)
        assert report.ok, report.problems
        case.conn.execute("UPDATE source_blocks SET raw = json_set(raw, '$[1]', 'edited') "
                          "WHERE source_id = 2 AND first_row = 3")
        assert any("source 2" in p and "changed after import" in p for p in verify_connection(case.conn).problems)


def test_a_block_edited_out_of_shape_fails_verification(case: CaseFile, tmp_path: Path) -> None:
    with ImportSession(case, source_file(tmp_path, "a.csv"), kind="links") as session:
        session.raw_texts_bulk([2, 3], ["a,b", "c,d"], ",")
    for edit in ("'not json'", "'{\"a\": 1}'", "'[\"a,b\", 5]'", "'[\"a,b\"]'"):
        with case.transaction():
            case.conn.execute("SAVEPOINT edit")
            case.conn.execute(f"UPDATE source_blocks SET raw = {edit}")
            problems = verify_connection(case.conn).problems
            case.conn.execute("ROLLBACK TO edit")
        assert any("changed after import" in p for p in problems), edit
    assert verify_connection(case.conn).ok


def file_line_array(data: bytes) -> pa.Array:
    """A file's lines with their line breaks on, cut at each newline (as the phone importer hands them over)."""
    ends = [i + 1 for i, byte in enumerate(data) if byte == 0x0A]
    if not ends or ends[-1] != len(data):
        ends.append(len(data))
    offsets = np.array([0, *ends], dtype=np.int32)
    return pa.StringArray.from_buffers(len(ends), pa.py_buffer(offsets.tobytes()), pa.py_buffer(data))


@pytest.mark.parametrize("data", [
    "a,b\n\ncaf\u00e9,\u5317\u4eac \U0001f600\nlast,one\n".encode(),
    b"a,b\r\nc,d\r\n\r\ne,f",                                   # CRLF, a blank line, no break at the end
    b"x\ty\tz\nw\t\t\n",                                        # tab-separated: tabs become \t in JSON
])
def test_lines_cut_straight_from_the_file_bytes_read_back_exactly(case: CaseFile, tmp_path: Path, monkeypatch,
                                                                 data: bytes) -> None:
    monkeypatch.setattr(raw_rows, "BLOCK_ROWS", 2)
    monkeypatch.setattr(bulk_writer, "DIGEST_LINES", 3)
    lines = file_line_array(data)
    assert raw_rows.file_lines(lines) is not None               # the fast path is the one taken
    expected = [line.rstrip("\r\n") for line in data.decode().split("\n")][:len(lines)]
    rows = list(range(5, 5 + len(lines)))
    with ImportSession(case, source_file(tmp_path, "lines.csv"), kind="links") as session:
        session.raw_texts_bulk(np.array(rows), lines, ",", line_breaks=True)
    assert case.conn.execute("SELECT row, raw FROM source_rows ORDER BY row").fetchall() == [
        *zip(rows, expected, strict=True)]
    assert all(count <= 2 for _, count in blocks(case))
    recorded = json.loads(case.conn.execute("SELECT details FROM audit WHERE action = 'import'").fetchone()[0])
    assert recorded["data_digest"] == integrity.source_digest(case.conn, 1) and verify_connection(case.conn).ok


@pytest.mark.parametrize("data", [b'a,"b"\n', b"a\\b\n", b"a,b\r\nc,d\n", b"a\rb\n", b"a\x01b\n"])
def test_lines_that_need_escaping_or_mix_line_breaks_take_the_careful_path(case: CaseFile, tmp_path: Path,
                                                                          data: bytes) -> None:
    """Quotes, backslashes, mixed or lone carriage returns and control characters: not cut from the bytes,
    yet stored exactly all the same."""
    lines = file_line_array(data)
    assert raw_rows.file_lines(lines) is None
    expected = [line.rstrip("\r\n") for line in data.decode().split("\n")][:len(lines)]
    with ImportSession(case, source_file(tmp_path, "odd.csv"), kind="links") as session:
        session.raw_texts_bulk(np.arange(2, 2 + len(lines)), lines, ",", line_breaks=True)
    assert [raw for (raw,) in case.conn.execute("SELECT raw FROM source_rows ORDER BY row")] == expected
    assert verify_connection(case.conn).ok
