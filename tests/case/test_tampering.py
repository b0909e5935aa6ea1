"""What a defence expert with write access to a case file can change, and that `verify` catches each change.

Each tampering is made as the sqlite3 shell would (no foreign keys, no linkgraph), and, where it helps the
attacker, followed by recomputing the whole audit chain with linkgraph's own functions.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from linkgraph.case import CaseFile, ImportSession, merge_entities, signing, unmerge, verify_connection
from tests.case.conftest import rechain


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def build(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    """A small case with everything an exhibit reads: an import (phones, a victim who is a minor, an ad with
    its body, calls), an edit, a merge and an undone merge, notes and an analysis run."""
    path = tmp_path / "case.lgcase"
    ids: dict[str, int] = {}
    with CaseFile.create(path, name="Tamper", timezone="America/Los_Angeles") as case:
        with ImportSession(case, _write(tmp_path / "calls.csv", "from,to\n1,2\n3,4\n"), kind="links",
                           agency="Stockton PD") as session:
            session.set_header(["from", "to"], 1)
            ids["a"] = session.entity("Phone", "+12095550001", "(209) 555-0001", row=2)
            ids["b"] = session.entity("Phone", "+12095550002", "(209) 555-0002", row=2)
            ids["c"] = session.entity("Phone", "+12095550003", "(209) 555-0003", row=3)
            ids["victim"] = session.entity("Person", None, "Jane Roe", row=2, role="victim", minor=True)
            ids["suspect"] = session.entity("Person", None, "John Doe", row=3, role="suspect")
            ids["ad"] = session.entity("Ad", "nightlist:1", "Ad 1", row=3, attrs={"body": "new in town, call me"})
            session.link("call", ids["a"], ids["b"], row=2, start=1_700_000_000, duration=60.0)
            session.link("call", ids["b"], ids["c"], row=3, start=1_700_000_100, duration=30.0)
            session.raw_row(2, ["1", "2"])
            session.raw_row(3, ["3", "4"])
        case.edit_entity(ids["suspect"], label="John Q. Doe")
        ids["merge"] = merge_entities(case, ids["a"], ids["c"], "same handset")
        ids["undone"] = merge_entities(case, ids["a"], ids["b"], "mistake")
        unmerge(case, ids["undone"])
        ids["note"] = case.add_note(ids["victim"], "Mother reported her missing")
        ids["run"] = case.record_analysis({"measure": "degree"}, {"key_players": [ids["a"]]})
    return path, ids


TAMPERINGS = {
    "rename a person": "UPDATE entities SET label = 'Someone Else' WHERE id = {victim}",
    "change a role": "UPDATE entities SET role = 'suspect' WHERE id = {victim}",
    "clear the minor flag": "UPDATE entities SET minor = 0 WHERE id = {victim}",
    "rewrite an ad body": "UPDATE entities SET attrs = '{{\"body\": \"nothing to see\"}}' WHERE id = {ad}",
    "insert a call with no source": "INSERT INTO links (type, src, dst, start, source_id, row) "
                                    "VALUES ('call', {a}, {b}, 1700000200, 99, 2)",
    "insert a call citing a real source": "INSERT INTO links (type, src, dst, start, source_id, row) "
                                          "VALUES ('call', {a}, {b}, 1700000200, 1, 2)",
    "merge silently": "UPDATE entities SET merged_into = {a} WHERE id = {b}",
    "unmerge silently": "UPDATE entities SET merged_into = NULL WHERE id = {c}",
    "delete a merge record": "DELETE FROM merges WHERE id = {merge}",
    "delete a note": "DELETE FROM notes WHERE id = {note}",
    "rewrite a note": "UPDATE notes SET text = 'nothing' WHERE id = {note}",
    "rewrite an analysis run": "UPDATE analysis_runs SET summary = '{{\"key_players\": []}}', digest = "
                               "'" + hashlib.sha256(b'{"key_players": []}').hexdigest() + "' WHERE id = {run}",
    "change a source's grade": "UPDATE sources SET reliability = 'A', information = '1'",
    "change a source's agency": "UPDATE sources SET agency = 'FBI'",
    "change a source's file name": "UPDATE sources SET name = 'other.csv'",
    "change the case time zone": "UPDATE meta SET value = 'UTC' WHERE key = 'timezone'",
    "change the case name": "UPDATE meta SET value = 'Other' WHERE key = 'name'",
    "add a trigger": "CREATE TRIGGER hide AFTER INSERT ON notes BEGIN DELETE FROM notes WHERE id = NEW.id; END",
    "add a view": "CREATE VIEW everyone AS SELECT * FROM entities",
    "add a table": "CREATE TABLE extra (x)",
    "non-JSON attributes": "UPDATE entities SET attrs = 'not json' WHERE id = {a}",
    "a blob in a label": "UPDATE entities SET label = x'00ff' WHERE id = {a}",
    "an infinite call": "UPDATE links SET duration = 9e999 WHERE id = 1",
    "a link to a missing entity": "UPDATE links SET dst = 999 WHERE id = 2",
}


@pytest.mark.parametrize("recompute", [False, True], ids=["as edited", "chain recomputed"])
@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_each_tampering_fails_verification(tmp_path: Path, name: str, recompute: bool) -> None:
    path, ids = build(tmp_path)
    with CaseFile.open(path, read_only=True) as case:
        assert verify_connection(case.conn).ok, verify_connection(case.conn).problems
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(TAMPERINGS[name].format(**ids))
    if recompute:
        rechain(conn)                 # the attacker also rebuilds every audit hash
    conn.close()
    with CaseFile.open(path, read_only=True) as case:
        report = verify_connection(case.conn)
    assert not report.ok, name


def test_dropping_the_last_audit_entries_fails_verification(tmp_path: Path) -> None:
    """The edit stays, its audit entry and the ones after it go, meta 'audit_head' points at the new end."""
    path, ids = build(tmp_path)
    conn = sqlite3.connect(path, isolation_level=None)
    last = conn.execute("SELECT seq FROM audit WHERE action = 'note'").fetchone()[0]
    conn.execute("DELETE FROM audit WHERE seq >= ?", (last,))
    seq, digest = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{seq}:{digest}",))
    conn.close()
    with CaseFile.open(path, read_only=True) as case:
        report = verify_connection(case.conn)
    assert not report.ok
    assert any("notes" in p for p in report.problems)
    assert any("cut from the end" in w for w in report.warnings)     # this computer's ledger knows the later head


def test_a_rewritten_chain_with_its_state_restated_fails_only_against_an_anchor(tmp_path: Path) -> None:
    """The strongest attacker recomputes state digests and hashes: only an anchor outside the file catches it."""
    path, ids = build(tmp_path)
    with CaseFile.open(path, read_only=True) as case:
        cited = case.meta("audit_head")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"UPDATE entities SET minor = 0 WHERE id = {ids['victim']}")
    rechain(conn, restate=True)
    conn.close()
    with CaseFile.open(path, read_only=True) as case:
        assert not verify_connection(case.conn, anchors=[cited]).ok
        assert not verify_connection(case.conn, anchors=[cited.split(":")[1]]).ok


def test_a_signed_case_rechained_without_the_key_fails(tmp_path: Path) -> None:
    signing.new_key("Det. A. Examiner")
    path, ids = build(tmp_path)
    with CaseFile.open(path, read_only=True) as case:
        token = case.meta("audit_signature")
        report = verify_connection(case.conn, anchors=[token])
        assert report.ok, report.problems
        assert any("your own key" in c for c in report.checks)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"UPDATE entities SET role = 'suspect' WHERE id = {ids['victim']}")
    rechain(conn, restate=True)           # the stored signature no longer covers any entry
    conn.close()
    with CaseFile.open(path, read_only=True) as case:
        problems = verify_connection(case.conn).problems
        assert any("signature" in p for p in problems), problems
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DELETE FROM meta WHERE key = 'audit_signature'")
    rechain(conn, strip_state=True)       # every trace of the signer removed too
    conn.close()
    with CaseFile.open(path, read_only=True) as case:
        assert not verify_connection(case.conn, anchors=[token]).ok


def test_a_signature_by_an_unknown_key_is_not_an_anchor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other" / "forger.key"
    signing.new_key("Forger", other)
    monkeypatch.setenv("LINKGRAPH_SIGNING_KEY", str(other))
    path, _ = build(tmp_path)
    monkeypatch.setenv("LINKGRAPH_SIGNING_KEY", "none")
    with CaseFile.open(path, read_only=True) as case:
        token = case.meta("audit_signature")
        report = verify_connection(case.conn, anchors=[token])
        assert not report.ok and "do not know" in report.problems[0]
        forged = token[:-2] + ("00" if not token.endswith("00") else "11")
        assert not verify_connection(case.conn, anchors=[forged]).ok
        key = signing.parse_public((other.parent / "forger.key.pub").read_text())
        assert verify_connection(case.conn, anchors=[token], trusted=[key]).ok


def test_every_write_records_the_state_and_old_entries_still_verify(tmp_path: Path) -> None:
    """A case written by an older linkgraph (no state digests) verifies; its next write records the state."""
    path, ids = build(tmp_path)
    conn = sqlite3.connect(path, isolation_level=None)
    rechain(conn, strip_state=True)
    conn.close()
    with CaseFile.open(path) as case:
        report = verify_connection(case.conn)
        assert report.ok and any("older linkgraph" in c for c in report.checks)
        case.add_note(None, "checked")
        last = json.loads(case.conn.execute("SELECT details FROM audit ORDER BY seq DESC").fetchone()[0])
        assert last["state"].startswith("s2:")
        assert verify_connection(case.conn).ok
