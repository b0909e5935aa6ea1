"""ImportSession's write settings: foreign keys off and synchronous NORMAL for the session only, its own
reference check in their place, and the batched v2 data digest equal to the row-by-row one."""

from __future__ import annotations

import hashlib
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
    assert seen == [(0, 1)]          # inside: no foreign keys, synchronous NORMAL
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
    return integrity.DIGEST_PREFIX + digest.hexdigest()


def test_batched_digest_equals_row_by_row_across_batches_and_gaps(case: CaseFile, tmp_path: Path,
                                                                  monkeypatch) -> None:
    monkeypatch.setattr(integrity, "_DIGEST_BATCH", 3)       # batches of 3: boundaries inside both tables
    rows = [2, 3, 5, 9, 10, 11, 12, 20, 21, 40]              # sparse row numbers
    import_calls(case, source_file(tmp_path, "a.csv", 1), [2])
    import_calls(case, source_file(tmp_path, "b.csv", 10), rows)
    recorded = case.conn.execute("SELECT details FROM audit WHERE action = 'import' ORDER BY seq DESC").fetchone()[0]
    digest = integrity.source_digest(case.conn, 2)
    assert digest == row_by_row_digest(case.conn, 2) and f'"data_digest": "{digest}"' in recorded
    assert verify_connection(case.conn).ok
    with case.transaction():                                  # a hole in the ids and the rows
        case.conn.execute("DELETE FROM links WHERE source_id = 2 AND row = 9")
        case.conn.execute("DELETE FROM source_rows WHERE source_id = 2 AND row = 11")
    edited = integrity.source_digest(case.conn, 2)
    assert edited == row_by_row_digest(case.conn, 2) and edited != digest
    assert integrity.source_digest(case.conn, 1) == row_by_row_digest(case.conn, 1)
    assert any("changed after import" in p for p in verify_connection(case.conn).problems)
