"""ImportSession's write settings: foreign keys off for the session only (synchronous kept FULL), its own
reference check in their place, and the batched v2 data digest equal to the row-by-row one."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from linkgraph.case import CaseFile, ImportSession, integrity, verify_connection
from linkgraph.errors import LinkgraphError


@pytest.fixture
def case(tmp_path: Path):
    with CaseFile.create(tmp_path / "case.lgcase", name="Test", timezone="UTC", region="US") as opened:
        yield opened


def source_file(tmp_path: Path, name: str, rows: int) -> Path:
    """A small From/To sheet (the session only hashes it; rows are written by the test)."""
    path = tmp_path / name
    lines = ["from,to"] + [f"+1209555{r:04d},+1209556{r:04d}" for r in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def pragmas(case: CaseFile) -> tuple[int, int]:
    return (case.conn.execute("PRAGMA foreign_keys").fetchone()[0],
            case.conn.execute("PRAGMA synchronous").fetchone()[0])


def import_calls(case: CaseFile, path: Path, rows: list[int], known: int | None = None) -> range:
    """One session: a Phone per row pair, call links written by links_columns (ids returned), raw rows,
    and, when given, an entity and a link already in the case cited."""
    with ImportSession(case, path, kind="links") as session:
        session.set_header(["from", "to"], 1)
        src = [session.entity("Phone", f"+1209555{r:04d}", f"A {r}", row=r) for r in rows]
        dst = [session.entity("Phone", f"+1209556{r:04d}", f"B {r}", row=r) for r in rows]
        ids = session.links_columns([
            ["call"] * len(rows), src, dst, [1_700_000_000 + r for r in rows], [None] * len(rows),
            [float(r) for r in rows], [None] * len(rows), [None] * len(rows), [None] * len(rows),
            [1.0] * len(rows), [f'{{"n": {r}}}' for r in rows], rows])
        session.raw_texts_bulk(rows, [f"+1209555{r:04d},+1209556{r:04d}" for r in rows], ",")
        if known is not None:
            session.cite_entity(known, rows[0])
            session.cite(known, rows[0])
    return ids


def test_session_switches_foreign_keys_off_and_restores_them(case: CaseFile, tmp_path: Path) -> None:
    assert pragmas(case) == (1, 2)
    first = import_calls(case, source_file(tmp_path, "a.csv", 3), [2, 3, 4])
    seen: list[tuple[int, int]] = []
    with ImportSession(case, source_file(tmp_path, "b.csv", 2), kind="links") as session:
        seen.append(pragmas(case))
        caller = session.entity("Phone", "+12095550002", "A 2", row=2)     # both from the first import
        callee = session.entity("Phone", "+12095560003", "B 3", row=2)
        session.link("call", caller, callee, row=2)
        session.cite(first[1], 3)
    assert seen == [(0, 2)]          # inside: no foreign keys; synchronous stays FULL (a case is evidence)
    assert pragmas(case) == (1, 2)   # after: as the case file set them
    assert case.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert verify_connection(case.conn).ok


def test_link_to_a_missing_entity_is_refused_and_nothing_written(case: CaseFile, tmp_path: Path) -> None:
    import_calls(case, source_file(tmp_path, "a.csv", 2), [2, 3])
    before = case.conn.execute("SELECT COUNT(*) FROM links").fetchone()[0]
    with pytest.raises(LinkgraphError, match=r"names entities that are not in the case \(999\)"):
        with ImportSession(case, source_file(tmp_path, "b.csv", 1), kind="links") as session:
            phone = session.entity("Phone", "+12095550099", "C", row=2)
            session.link("call", phone, 999, row=2)
    assert case.conn.execute("SELECT COUNT(*) FROM links").fetchone()[0] == before
    assert case.conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 1
    assert pragmas(case) == (1, 2)


def test_citing_a_missing_link_or_entity_is_refused(case: CaseFile, tmp_path: Path) -> None:
    with pytest.raises(LinkgraphError, match=r"names entities that are not in the case \(12345\)"):
        import_calls(case, source_file(tmp_path, "a.csv", 2), [2, 3], known=12345)
    with pytest.raises(LinkgraphError, match=r"names links that are not in the case \(777\)"):
        with ImportSession(case, source_file(tmp_path, "b.csv", 1), kind="links") as session:
            session.cite(777, 2)
    assert case.conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 0
    assert pragmas(case) == (1, 2)


def row_by_row_digest(conn: sqlite3.Connection, source_id: int) -> str:
    """The v2 digest as first defined: every row of each query, one line each."""
    lo, hi = conn.execute("SELECT MIN(id), MAX(id) FROM links WHERE source_id = ?", (source_id,)).fetchone()
    digest = hashlib.sha256()
    for sql in integrity._DIGEST_QUERIES:
        digest.update(sql.encode() + b"\n")
        for (line,) in conn.execute(sql, (source_id, lo or 0, hi or -1) if "?2" in sql else (source_id,)):
            digest.update(line + b"\n")
    return integrity.V2_PREFIX + digest.hexdigest()


def recorded_digest(case: CaseFile, source_id: int) -> str:
    for (details,) in case.conn.execute("SELECT details FROM audit WHERE action = 'import'"):
        entry = json.loads(details)
        if entry["source"] == source_id:
            return entry["data_digest"]
    raise AssertionError(f"no import entry for source {source_id}")


def test_v2_digest_batched_equals_row_by_row_across_batches_and_gaps(case: CaseFile, tmp_path: Path,
                                                                     monkeypatch) -> None:
    monkeypatch.setattr(integrity, "_DIGEST_BATCH", 3)       # batches of 3: boundaries inside both tables
    rows = [2, 3, 5, 9, 10, 11, 12, 20, 21, 40]              # sparse row numbers
    import_calls(case, source_file(tmp_path, "a.csv", 1), [2])
    import_calls(case, source_file(tmp_path, "b.csv", 10), rows)
    v2 = integrity.source_digest(case.conn, 2, version="v2:")
    assert v2.startswith("v2:") and v2 == row_by_row_digest(case.conn, 2)
    with case.transaction():                                  # a hole in the ids and the rows
        case.conn.execute("DELETE FROM links WHERE source_id = 2 AND row = 9")
        case.conn.execute("UPDATE source_blocks SET raw = json_remove(raw, '$[3]') WHERE source_id = 2 "
                          "AND first_row = 9")           # row 12, the last of the block of rows 9-12
    edited = integrity.source_digest(case.conn, 2, version="v2:")
    assert edited == row_by_row_digest(case.conn, 2) and edited != v2
    assert integrity.source_digest(case.conn, 1, version="v2:") == row_by_row_digest(case.conn, 1)


def test_v3_digest_hashed_while_writing_equals_the_one_read_back(case: CaseFile, tmp_path: Path,
                                                                 monkeypatch) -> None:
    """Links written by links_columns in two calls and by link(), raw rows in two calls: the digest the import
    recorded is the one verify rebuilds from the case file (in batches of any size), and an edit changes it."""
    with ImportSession(case, source_file(tmp_path, "a.csv", 6), kind="links") as session:
        phones = [session.entity("Phone", f"+120955500{r:02d}", f"P {r}", row=r) for r in range(2, 8)]
        session.link("call", phones[0], phones[1], row=2, start=1_700_000_002, duration=-0.0,
                     attrs={"note": "caf\u00e9 \"quoted\""})
        for rows in ([3, 4], [5, 6, 7]):
            session.links_columns([
                ["sms"] * len(rows), [phones[r - 2] for r in rows], [phones[0]] * len(rows),
                [1_700_000_000 + r for r in rows], [None] * len(rows), [float("nan")] * len(rows),
                [12.5] * len(rows), ["USD"] * len(rows), [None] * len(rows), [1] * len(rows),
                [None] * len(rows), rows])
        session.raw_texts_bulk([2, 3, 4], ["a,b", "c,d", "e,\u00e9"], ",")
        session.raw_texts_bulk([5, 6, 7], ["g,h", "", "k,l"], ",")
        session.reject(8, "to", "not a phone number", ["x", "y"])
    recorded = recorded_digest(case, 1)
    assert recorded.startswith("v3:") and recorded == integrity.source_digest(case.conn, 1)
    monkeypatch.setattr(integrity, "_DIGEST_BATCH", 2)
    assert integrity.source_digest(case.conn, 1) == recorded and verify_connection(case.conn).ok
    for edit in ("UPDATE links SET amount = 12.25 WHERE row = 4", "UPDATE links SET duration = 0 WHERE row = 3",
                 "UPDATE links SET currency = NULL WHERE row = 5",
                 "UPDATE source_blocks SET raw = json_set(raw, '$[0]', 'g;h') WHERE first_row = 5",
                 "UPDATE source_blocks SET raw = json_remove(raw, '$[2]') WHERE first_row = 5",
                 "UPDATE rejected_rows SET reason = 'fine'", "UPDATE links SET start = '1700000003' WHERE row = 4"):
        with case.transaction():
            case.conn.execute("SAVEPOINT edit")
            case.conn.execute(edit)
            changed = integrity.source_digest(case.conn, 1)
            case.conn.execute("ROLLBACK TO edit")
        assert changed != recorded, edit


def test_out_of_order_or_oddly_typed_rows_still_get_a_digest_that_verifies(case: CaseFile, tmp_path: Path) -> None:
    with ImportSession(case, source_file(tmp_path, "a.csv", 3), kind="links") as session:
        a = session.entity("Phone", "+12095550001", "A", row=2)
        b = session.entity("Phone", "+12095550002", "B", row=3)
        session.link("call", a, b, row=3, start=1_700_000_000)
        session.raw_texts_bulk([3, 4], ["c,d", "e,f"], ",")
        session.raw_texts_bulk([2], ["a,b"], ",")          # raw rows out of order: read back at the end
    assert recorded_digest(case, 1).startswith("v3:") and verify_connection(case.conn).ok
    with ImportSession(case, source_file(tmp_path, "b.csv", 1), kind="links") as session:
        a = session.entity("Phone", "+12095550001", "A", row=2)
        session.link("call", a, a, row=2, start=1.5)         # a fractional start: SQLite keeps a real
    assert recorded_digest(case, 2).startswith("v2:") and verify_connection(case.conn).ok


def test_first_and_last_seen_come_from_the_links_written(case: CaseFile, tmp_path: Path) -> None:
    """Kept from the written batches (links_columns and link()), merged with what an earlier import set."""
    with ImportSession(case, source_file(tmp_path, "a.csv", 3), kind="links") as session:
        a = session.entity("Phone", "+12095550001", "A", row=2)
        b = session.entity("Phone", "+12095550002", "B", row=2)
        c = session.entity("Phone", "+12095550003", "C", row=4)
        session.links_columns([["call"] * 3, [a, a, b], [b, c, c], [1000, None, 3000], [None, 9000, 3500],
                               [None] * 3, [None] * 3, [None] * 3, [None] * 3, [1.0] * 3, [None] * 3, [2, 3, 4]])
        session.link("call", c, a, row=5, start=500)
    seen = dict((e, (lo, hi)) for e, lo, hi in case.conn.execute("SELECT id, first_seen, last_seen FROM entities"))
    assert seen == {a: (500, 1000), b: (1000, 3500), c: (500, 3500)}   # the untimed a->c link counts for nothing
    with ImportSession(case, source_file(tmp_path, "b.csv", 1), kind="links") as session:
        b = session.entity("Phone", "+12095550002", "B", row=2)
        d = session.entity("Phone", "+12095550004", "D", row=2)
        session.link("call", b, d, row=2, start=200, end=260)
    seen = dict((e, (lo, hi)) for e, lo, hi in case.conn.execute("SELECT id, first_seen, last_seen FROM entities"))
    assert seen == {a: (500, 1000), b: (200, 3500), c: (500, 3500), d: (200, 260)}
    assert all(isinstance(v, int) for pair in seen.values() for v in pair)


def test_columns_of_one_value_are_stored_as_binding_would_store_them(case: CaseFile, tmp_path: Path) -> None:
    """links_columns writes a column holding one value as an SQL literal: same values and types as bound ones."""
    with ImportSession(case, source_file(tmp_path, "a.csv", 2), kind="links") as session:
        a = session.entity("Phone", "+12095550001", "A", row=2)
        b = session.entity("Phone", "+12095550002", "B", row=2)
        for constant in (True, False):
            pick = (lambda value, other: [value, value]) if constant else (lambda value, other: [value, other])
            session.links_columns([
                pick("it's", "it's "), [a, a], pick(b, a), pick(1_700_000_000.0, 1_700_000_001), pick(None, 5),
                pick(float("nan"), 2.5), pick(True, 2), pick("US'D", "EUR"), [None, None], pick(1, 1.5),
                pick('{"n": "\u00e9"}', None), [2, 3] if constant else [4, 5]])
    stored = case.conn.execute(
        "SELECT type, src, dst, start, typeof(start), end, duration, amount, typeof(amount), currency, location, "
        "weight, typeof(weight), attrs, source_id, row FROM links ORDER BY id").fetchall()
    first = ("it's", a, b, 1_700_000_000, "integer", None, None, 1.0, "real", "US'D", None, 1.0, "real",
             '{"n": "\u00e9"}', 1)
    assert stored[:2] == [(*first, 2), (*first, 3)]
    assert stored[2] == ("it's", a, b, 1_700_000_000, "integer", None, None, 1.0, "real", "US'D", None, 1.0, "real",
                         '{"n": "\u00e9"}', 1, 4)
    assert stored[3] == ("it's ", a, a, 1_700_000_001, "integer", 5, 2.5, 2.0, "real", "EUR", None, 1.5, "real",
                         None, 1, 5)
    assert verify_connection(case.conn).ok


def test_arrow_columns_are_written_and_hashed_like_lists(case: CaseFile, tmp_path: Path) -> None:
    """Attrs, durations (an Arrow NaN is NULL, as SQLite stores it) and raw texts given as Arrow arrays."""
    import pyarrow as pa

    with ImportSession(case, source_file(tmp_path, "a.csv", 2), kind="links") as session:
        a = session.entity("Phone", "+12095550001", "A", row=2)
        b = session.entity("Phone", "+12095550002", "B", row=3)
        session.links_columns([pa.array(["call", "sms"]), [a, b], [b, a], [100, 200], [None, None],
                               pa.array([float("nan"), 7.5]), [None, None], [None, None], [None, None], [1.0, 1.0],
                               pa.array(['{"x": 1}', None]), [2, 3]])
        session.raw_texts_bulk([2, 3], pa.array(["a,b", "c,\u00e9"]), ",")
    stored = case.conn.execute("SELECT type, duration, attrs FROM links ORDER BY id").fetchall()
    assert stored == [("call", None, '{"x": 1}'), ("sms", 7.5, None)]
    assert case.conn.execute("SELECT raw FROM source_rows ORDER BY row").fetchall() == [("a,b",), ("c,\u00e9",)]
    assert recorded_digest(case, 1) == integrity.source_digest(case.conn, 1) and verify_connection(case.conn).ok


def test_numpy_columns_written_behind_the_importer_like_lists(case: CaseFile, tmp_path: Path) -> None:
    """NumPy columns (NaN durations, an Arrow location with nulls) go to the writer thread: the rows, the
    entities' first/last seen and the recorded digest are what lists would give."""
    import numpy as np
    import pyarrow as pa

    with ImportSession(case, source_file(tmp_path, "a.csv", 3), kind="links") as session:
        a = session.entity("Phone", "+12095550001", "A", row=2)
        b = session.entity("Phone", "+12095550002", "B", row=3)
        site = session.entity("CellSite", "T-Mobile:1", "site 1", row=2)
        for rows in (np.array([2, 3]), np.array([4])):
            count = len(rows)
            session.links_columns([
                np.array(["call", "sms", "call"][:count], dtype=object) if count > 1 else np.array(["sms"], dtype=object),
                np.array([a, b][:count]), np.array([b, a][:count]), np.array([100, 200][:count]) + rows,
                [None] * count, np.array([60.0, np.nan][:count]), [None] * count, [None] * count,
                pa.array(np.array([site, -1][:count]), mask=np.array([False, True][:count])), [1.0] * count,
                pa.array(['{"n": 1}', '{"n": 2}'][:count]), rows])
        session.raw_texts_bulk(np.array([2, 3, 4]), pa.array(["a,b", "c,d", "e,f"]), ",")
    stored = case.conn.execute("SELECT id, type, src, dst, start, duration, location, row FROM links ORDER BY id").fetchall()
    assert stored == [(1, "call", a, b, 102, 60.0, site, 2), (2, "sms", b, a, 203, None, None, 3),
                      (3, "sms", a, b, 104, 60.0, site, 4)]
    seen = dict(case.conn.execute("SELECT id, first_seen FROM entities WHERE type = 'Phone'").fetchall())
    assert seen == {a: 102, b: 102}
    assert recorded_digest(case, 1) == integrity.source_digest(case.conn, 1) and verify_connection(case.conn).ok


def test_a_failed_write_behind_the_importer_leaves_the_case_unchanged(case: CaseFile, tmp_path: Path) -> None:
    """A write that fails on the writer thread (a NULL type) is raised by the session, and nothing lands."""
    before = hashlib.sha256(case.path.read_bytes()).hexdigest()
    with pytest.raises(sqlite3.IntegrityError):
        with ImportSession(case, source_file(tmp_path, "a.csv", 2), kind="links") as session:
            a = session.entity("Phone", "+12095550001", "A", row=2)
            session.raw_texts_bulk([2, 3], ["a,b", "c,d"], ",")
            session.links_columns([[None, "call"], [a, a], [a, a], [1, 2], [None, None], [None, None],
                                   [None, None], [None, None], [None, None], [1.0, 1.0], [None, None], [2, 3]])
            session.entity("Phone", "+12095550002", "B", row=3)     # the next use of the case meets the error
    assert case.conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 0
    assert not case.conn.in_transaction
    assert hashlib.sha256(case.path.read_bytes()).hexdigest() == before


def test_cancel_while_links_are_being_written_rolls_everything_back(case: CaseFile, tmp_path: Path) -> None:
    from linkgraph.errors import Cancelled

    calls = []

    def progress(done, total, message):
        calls.append(message)
        return len(calls) < 2                       # the second report says stop

    with pytest.raises(Cancelled):
        with ImportSession(case, source_file(tmp_path, "a.csv", 2), kind="links", progress=progress) as session:
            a = session.entity("Phone", "+12095550001", "A", row=2)
            session.raw_texts_bulk([2, 3], ["a,b", "c,d"], ",")
            session.links_columns([["call"], [a], [a], [1], [None], [None], [None], [None], [None], [1.0], [None], [2]])
            session.check_cancel(1, 2, "writing")
            session.check_cancel(2, 2, "writing")
    assert case.conn.execute("SELECT COUNT(*) FROM links").fetchone()[0] == 0
    assert case.conn.execute("SELECT COUNT(*) FROM source_rows").fetchone()[0] == 0


def test_new_case_files_use_16_kib_pages(case: CaseFile) -> None:
    assert case.conn.execute("PRAGMA page_size").fetchone()[0] == 16_384


def test_links_written_in_chunks_and_hashed_after_them_verify(case: CaseFile, tmp_path: Path, monkeypatch) -> None:
    """links_columns turns its columns into Python values a chunk at a time on the writer thread, and its
    hashing waits until the links are written; rows across chunk edges, a link() between two bulk writes and
    raw rows still come out in order, and the recorded digest is the one verify rebuilds."""
    import numpy as np
    import pyarrow as pa

    from linkgraph.case import bulk_writer

    monkeypatch.setattr(bulk_writer, "PYTHON_CHUNK", 3)
    with ImportSession(case, source_file(tmp_path, "a.csv", 12), kind="links") as session:
        phones = [session.entity("Phone", f"+120955500{r:02d}", f"P {r}", row=r) for r in range(2, 14)]
        rows = np.arange(2, 9)
        first = session.links_columns([
            np.array(["call", "sms"] * 3 + ["call"], dtype=object), np.array(phones[:7]), np.array(phones[5:12]),
            1_700_000_000 + rows, [None] * 7, np.where(rows % 2 == 0, rows * 10.0, np.nan), [None] * 7, [None] * 7,
            pa.array(np.array(phones[:7]), mask=rows % 3 == 0), [1.0] * 7, pa.array([f'{{"n": {r}}}' for r in rows]),
            rows])
        session.link("call", phones[0], phones[1], row=9, start=1_700_000_009)
        second = session.links_columns([
            ["sms"] * 4, phones[8:12], phones[:4], [1_700_000_010 + r for r in range(4)], [None] * 4, [0.0] * 4,
            [None] * 4, [None] * 4, [None] * 4, [1.0] * 4, [None] * 4, [10, 11, 12, 13]])
        session.raw_texts_bulk(np.arange(2, 14), pa.array([f"r{r},x" for r in range(2, 14)]), ",")
    assert list(first) == [1, 2, 3, 4, 5, 6, 7] and list(second) == [9, 10, 11, 12]
    stored = case.conn.execute("SELECT id, type, src, dst, start, duration, location, attrs, row FROM links "
                               "ORDER BY id").fetchall()
    assert [row[0] for row in stored] == list(range(1, 13))
    assert stored[3] == (4, "sms", phones[3], phones[8], 1_700_000_005, None, phones[3], '{"n": 5}', 5)
    assert stored[4] == (5, "call", phones[4], phones[9], 1_700_000_006, 60.0, None, '{"n": 6}', 6)
    assert stored[7][1:5] == ("call", phones[0], phones[1], 1_700_000_009)
    assert stored[11] == (12, "sms", phones[11], phones[3], 1_700_000_013, 0.0, None, None, 13)
    assert recorded_digest(case, 1) == integrity.source_digest(case.conn, 1) and verify_connection(case.conn).ok
