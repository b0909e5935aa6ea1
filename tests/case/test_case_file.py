"""The case file: creation, atomic imports, duplicate refusal, audit chain, schema versions, merges."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from linkgraph.case import CaseFile, ImportSession, importing, merge_entities, unmerge, verify_connection
from linkgraph.case.schema import SCHEMA_VERSION
from linkgraph.errors import CaseFileError, DuplicateSourceError, InputError, LinkgraphError


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def import_rows(case: CaseFile, path: Path, rows: int, fail_at: int | None = None) -> None:
    """Write `rows` call links through a session, raising at row `fail_at` (mid-import failure)."""
    with ImportSession(case, path, kind="links") as session:
        session.set_header(["a", "b"], 1)
        for row in range(2, rows + 2):
            if row == fail_at:
                raise session.fail("bad value", row=row, column="b")
            a = session.entity("Phone", f"+1209555{row % 97:04d}", f"(209) 555-{row % 97:04d}", row=row)
            b = session.entity("Person", None, f"Person {row % 13}", row=row)
            session.link("uses", b, a, row=row, start=1_700_000_000 + row)
            session.raw_row(row, [str(a), str(b)])


def test_create_and_reopen_keeps_metadata(case_path: Path) -> None:
    with CaseFile.open(case_path) as case:
        assert case.name == "Test case"
        assert case.timezone == "America/Los_Angeles"
        assert case.region == "US"
        assert case.counts()["entity_total"] == 0
        assert verify_connection(case.conn).ok


def test_create_refuses_to_overwrite(case_path: Path) -> None:
    with pytest.raises(CaseFileError, match="exists already"):
        CaseFile.create(case_path)


def test_failed_import_leaves_case_byte_identical(case_path: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(importing, "FLUSH_EVERY", 50)  # links are flushed to SQLite before the failure
    source = write(tmp_path / "calls.csv", "a,b\n1,2\n")
    before = sha(case_path)
    with CaseFile.open(case_path) as case:
        with pytest.raises(InputError, match=r"calls.csv, row 400, column 'b': bad value"):
            import_rows(case, source, 1000, fail_at=400)
        for table in ("sources", "entities", "links", "source_rows", "entity_evidence"):
            assert case.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table
    assert sha(case_path) == before


def test_import_keeps_provenance_and_counts(case: CaseFile, tmp_path: Path) -> None:
    source = write(tmp_path / "calls.csv", "a,b\n1,2\n")
    import_rows(case, source, 30)
    src = case.sources()[0]
    assert src.name == "calls.csv" and src.sha256 == sha(source) and src.rows_imported == 30
    link_id = case.conn.execute("SELECT id FROM links WHERE row = 7").fetchone()[0]
    cite = case.link_provenance(link_id)
    assert cite[0]["file"] == "calls.csv" and cite[0]["row"] == 7 and cite[0]["grade"] == "B21"
    assert set(cite[0]["raw"]) == {"a", "b"}
    phone = case.find_entity("Phone", "+12095550007")
    assert phone is not None and phone.first_seen == 1_700_000_007 + 0 * 97
    assert verify_connection(case.conn).ok


def test_same_file_twice_refused_unless_forced(case: CaseFile, tmp_path: Path) -> None:
    source = write(tmp_path / "calls.csv", "a,b\n1,2\n")
    import_rows(case, source, 3)
    with pytest.raises(DuplicateSourceError, match="imported already"):
        import_rows(case, source, 3)
    copy = write(tmp_path / "renamed.csv", "a,b\n1,2\n")
    with pytest.raises(DuplicateSourceError):
        import_rows(case, copy, 3)
    with ImportSession(case, source, kind="links", force=True) as session:
        session.raw_row(2, ["x"])
    assert len(case.sources()) == 2


def test_same_key_is_one_entity_across_sources(case: CaseFile, tmp_path: Path) -> None:
    for name in ("one.csv", "two.csv"):
        with ImportSession(case, write(tmp_path / name, name), kind="links") as session:
            session.entity("Phone", "+12095550123", "(209) 555-0123", row=2)
            session.entity("Person", None, "DeShawn Miller", row=2)
            session.entity("Person", None, "deshawn  miller", row=3)  # same written name, same file: one person
    assert len(case.entities("Phone")) == 1
    assert len(case.entities("Person")) == 2  # names are never merged across sources
    phone = case.find_entity("Phone", "+12095550123")
    assert [c["file"] for c in case.entity_provenance(phone.id)] == ["one.csv", "two.csv"]


def test_audit_chain_detects_edited_entry(case_path: Path, tmp_path: Path) -> None:
    with CaseFile.open(case_path) as case:
        import_rows(case, write(tmp_path / "calls.csv", "x"), 5)
    conn = sqlite3.connect(case_path)
    conn.execute("UPDATE audit SET user = 'someone else' WHERE action = 'import'")
    conn.commit()
    conn.close()
    with CaseFile.open(case_path) as case:
        report = verify_connection(case.conn)
    assert not report.ok
    assert any("was edited after it was written" in p for p in report.problems)


def test_verify_detects_tampered_link_row_and_removed_entry(case_path: Path, tmp_path: Path) -> None:
    with CaseFile.open(case_path) as case:
        import_rows(case, write(tmp_path / "calls.csv", "x"), 5)
    conn = sqlite3.connect(case_path)
    conn.execute("UPDATE links SET start = start + 3600 WHERE row = 3")
    conn.commit()
    conn.close()
    with CaseFile.open(case_path) as case:
        problems = verify_connection(case.conn).problems
    assert any("changed after import" in p for p in problems)

    conn = sqlite3.connect(case_path)
    conn.execute("DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)")
    conn.commit()
    conn.close()
    with CaseFile.open(case_path) as case:
        problems = verify_connection(case.conn).problems
    assert any("entries removed from the end" in p for p in problems)


def test_audited_role_edit_and_tampered_role(case_path: Path, tmp_path: Path) -> None:
    with CaseFile.open(case_path) as case:
        with ImportSession(case, write(tmp_path / "p.csv", "p"), kind="links") as session:
            person = session.entity("Person", None, "Jane Roe", row=2)
        case.edit_entity(person, role="victim", minor=True)
        assert case.entity(person).role == "victim" and case.entity(person).minor
        assert verify_connection(case.conn).ok
        with pytest.raises(LinkgraphError, match="unknown role"):
            case.edit_entity(person, role="boss")
    conn = sqlite3.connect(case_path)
    conn.execute("UPDATE entities SET role = 'suspect' WHERE id = ?", (person,))
    conn.commit()
    conn.close()
    with CaseFile.open(case_path) as case:
        assert any("role is 'suspect'" in p for p in verify_connection(case.conn).problems)


def test_newer_schema_refused_clearly(case_path: Path) -> None:
    conn = sqlite3.connect(case_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(CaseFileError, match="newer linkgraph"):
        CaseFile.open(case_path)


def test_not_a_case_file_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.lgcase"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(CaseFileError, match="not a linkgraph case"):
        CaseFile.open(other)


def test_merge_is_reversible_and_deletes_nothing(case: CaseFile, tmp_path: Path) -> None:
    with ImportSession(case, write(tmp_path / "a.csv", "a"), kind="links") as session:
        a = session.entity("Person", None, "DeShawn Miller", row=2)
        b = session.entity("Person", None, "D. Miller", row=3)
        p = session.entity("Phone", "+12095550123", "(209) 555-0123", row=3)
        session.link("uses", b, p, row=3)
    merge_id = merge_entities(case, a, b, "same DOB")
    assert [e.id for e in case.entities("Person")] == [a]
    assert case.representatives() == {b: a}
    assert case.conn.execute("SELECT COUNT(*) FROM entities").fetchone()[0] == 3
    unmerge(case, merge_id)
    assert {e.id for e in case.entities("Person")} == {a, b}
    with pytest.raises(LinkgraphError, match="undone already"):
        unmerge(case, merge_id)
    actions = [row[0] for row in case.conn.execute("SELECT action FROM audit ORDER BY seq")]
    assert actions[-2:] == ["merge_entities", "unmerge"]


def test_data_digest_catches_edits_of_raw_rows_entities_and_attrs(case_path: Path, tmp_path: Path) -> None:
    """The v2 digest (rows encoded by SQLite) is what imports record, and any edited row breaks it."""
    from linkgraph.case.integrity import DIGEST_PREFIX, source_digest

    with CaseFile.open(case_path) as case:
        import_rows(case, write(tmp_path / "calls.csv", "x"), 6)
        recorded = case.conn.execute("SELECT details FROM audit WHERE action = 'import'").fetchone()[0]
        assert f'"data_digest": "{DIGEST_PREFIX}' in recorded
        assert verify_connection(case.conn).ok
        before = source_digest(case.conn, 1)
    for edit in ("UPDATE source_blocks SET raw = json_set(raw, '$[' || (4 - first_row) || ']', '[\"1\", \"3\"]') "
                 "WHERE first_row <= 4 AND first_row + json_array_length(raw) > 4",
                 "UPDATE entities SET key = '+12095550999' WHERE type = 'Phone' AND id = (SELECT MIN(id) FROM entities)",
                 "UPDATE links SET attrs = '{\"note\": 1}' WHERE row = 2",
                 "UPDATE links SET duration = 1.5 WHERE row = 5"):
        copy = tmp_path / "copy.lgcase"
        copy.write_bytes(case_path.read_bytes())
        conn = sqlite3.connect(copy)
        conn.execute(edit)
        conn.commit()
        assert source_digest(conn, 1) != before, edit
        conn.close()
        with CaseFile.open(copy) as edited:
            assert any("changed after import" in p for p in verify_connection(edited.conn).problems), edit


def test_legacy_data_digest_still_verifies(case_path: Path, tmp_path: Path) -> None:
    """A case imported before v2 digests recorded the repr digest: verify checks it the old way."""
    from linkgraph.case.integrity import source_digest

    with CaseFile.open(case_path) as case:
        import_rows(case, write(tmp_path / "calls.csv", "x"), 4)
        legacy = source_digest(case.conn, 1, legacy=True)
        assert not legacy.startswith("v2:") and legacy != source_digest(case.conn, 1)
        with case.transaction():
            case.audit("import", {"source": 1, "file": "calls.csv", "sha256": sha(tmp_path / "calls.csv"),
                                  "data_digest": legacy})
        assert verify_connection(case.conn).ok
    conn = sqlite3.connect(case_path)
    conn.execute("UPDATE links SET dst = src WHERE row = 3")
    conn.commit()
    conn.close()
    with CaseFile.open(case_path) as case:
        assert any("changed after import" in p for p in verify_connection(case.conn).problems)


def test_stored_analysis_json_is_sorted_and_reads_back_equal() -> None:
    import json

    import numpy as np

    from linkgraph.case.case_file import result_json

    data = {"b": [1, 2.5, 1e-7, np.float64(0.25), np.int64(3)], "a": {"é": "ü", 2: None}, "c": (1, 2), "s": {3}}
    text = result_json(data).decode("utf-8")
    assert text.index('"a"') < text.index('"b"') < text.index('"c"')
    assert json.loads(text) == {"a": {"é": "ü", "2": None}, "b": [1, 2.5, 1e-7, 0.25, 3], "c": [1, 2], "s": "{3}"}
    assert json.loads(result_json({"big": 2 ** 70})) == {"big": 2 ** 70}     # beyond orjson: the stdlib writes it
    # Keys that are all strings are written without orjson's OPT_NON_STR_KEYS: the same bytes as with it.
    import orjson

    plain = {"z": [{"b": 1.5, "a": None}], "y": {"é": np.float64(2.0)}}
    assert result_json(plain) == orjson.dumps(plain, default=str, option=orjson.OPT_SORT_KEYS
                                              | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)
