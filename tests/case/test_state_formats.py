"""The case-state digest's formats: s2 (written now) hashes an analysis run's result by the SHA-256 kept beside it,
so a write does not read every earlier run again; a case whose last entry recorded s1 (the whole results) still
verifies, and an edit shows in either format."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from linkgraph.case import CaseFile, audit, verify_connection
from tests.case.conftest import rechain
from tests.case.test_tampering import build


def _restate_last(conn: sqlite3.Connection, version: str) -> None:
    """Record the state in `version`'s format in the last entry, as a linkgraph of that format wrote it."""
    seq, details = conn.execute("SELECT seq, details FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    entry = json.loads(details)
    entry["state"], entry["state_tables"] = audit.state_digests(conn, version)
    conn.execute("UPDATE audit SET details = ? WHERE seq = ?", (json.dumps(entry, sort_keys=True), seq))
    rechain(conn)


def test_writes_record_s2_and_the_formats_differ_only_in_the_runs(tmp_path: Path) -> None:
    path, _ = build(tmp_path)
    with CaseFile.open(path, read_only=True) as case:
        last = json.loads(case.conn.execute("SELECT details FROM audit ORDER BY seq DESC").fetchone()[0])
        assert last["state"].startswith("s2:") and audit.STATE_PREFIX == "s2:"
        old, old_tables = audit.state_digests(case.conn, "s1:")
        new, new_tables = audit.state_digests(case.conn, "s2:")
        assert old.startswith("s1:") and old[3:] != new[3:]
        assert {k for k in new_tables if new_tables[k] != old_tables[k]} == {"analysis_runs"}
        assert audit.state_version(old) == "s1:" and audit.state_version("x9:00") is None


def test_a_case_last_written_with_s1_verifies_and_shows_edits(tmp_path: Path) -> None:
    path, ids = build(tmp_path)
    conn = sqlite3.connect(path, isolation_level=None)
    _restate_last(conn, "s1:")
    conn.close()
    with CaseFile.open(path, read_only=True) as case:
        report = verify_connection(case.conn)
        assert report.ok, report.problems
        assert any("as audited entry" in c for c in report.checks)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE notes SET text = 'nothing' WHERE id = ?", (ids["note"],))
    conn.close()
    with CaseFile.open(path, read_only=True) as case:
        assert any("changed outside linkgraph" in p and "notes" in p for p in verify_connection(case.conn).problems)
    with CaseFile.open(path) as case:            # the next write records s2, and the case verifies again
        case.conn.execute("UPDATE notes SET text = 'Mother reported her missing' WHERE id = ?", (ids["note"],))
        case.add_note(None, "checked")
        last = json.loads(case.conn.execute("SELECT details FROM audit ORDER BY seq DESC").fetchone()[0])
        assert last["state"].startswith("s2:")
        assert verify_connection(case.conn).ok


def test_a_rewritten_result_shows_in_s2(tmp_path: Path) -> None:
    """s2 leaves a run's result to its digest: a result rewritten alone fails the digest check, a result and
    digest rewritten together change the state."""
    path, ids = build(tmp_path)
    for sql in ("UPDATE analysis_runs SET summary = '{\"key_players\": []}' WHERE id = ?",
                "UPDATE analysis_runs SET summary = '{\"key_players\": []}', digest = 'x' || digest WHERE id = ?"):
        copy = tmp_path / f"copy{time.monotonic_ns()}.lgcase"
        copy.write_bytes(path.read_bytes())
        conn = sqlite3.connect(copy, isolation_level=None)
        conn.execute(sql, (ids["run"],))
        rechain(conn)
        conn.close()
        with CaseFile.open(copy, read_only=True) as case:
            assert not verify_connection(case.conn).ok, sql


def test_an_unknown_state_format_is_a_problem(tmp_path: Path) -> None:
    path, _ = build(tmp_path)
    conn = sqlite3.connect(path, isolation_level=None)
    seq, details = conn.execute("SELECT seq, details FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    entry = json.loads(details)
    entry["state"] = "s9:" + entry["state"][3:]
    conn.execute("UPDATE audit SET details = ? WHERE seq = ?", (json.dumps(entry, sort_keys=True), seq))
    rechain(conn)
    conn.close()
    with CaseFile.open(path, read_only=True) as case:
        assert any("does not know" in p for p in verify_connection(case.conn).problems)
