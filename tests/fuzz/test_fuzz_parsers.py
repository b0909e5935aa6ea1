"""Property-based fuzzing (hypothesis) of what reads hostile bytes: ad text, package manifests, blind deconfliction
files, plausible ranges, and `verify` on a case edited cell by cell. 1,000 inputs per kind (`LINKGRAPH_FUZZ_EXAMPLES`
sets it); 0 tracebacks, and every cell edited outside linkgraph fails verification."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers.ad_text import extract_phones, normalize_ad_text
from linkgraph.case import CaseFile, ImportSession, merge_entities, verify_connection
from linkgraph.errors import LinkgraphError
from linkgraph.plausible import PLAUSIBLE, problem
from linkgraph.share.blind import REQUEST_FORMAT, RESPONSE_FORMAT, read_blind_file

EXAMPLES = int(os.environ.get("LINKGRAPH_FUZZ_EXAMPLES", "1000"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30)
AD_TEXT = st.text(alphabet=st.sampled_from("0123456789 ()-.+@abcdefoOlIsSB|xyz\n\t\x1b\u202e\u00e9\U0001f4de"),
                  max_size=3000) | st.text(max_size=500)


@FUZZ
@given(text=AD_TEXT)
def test_ad_text_never_fails(text: str) -> None:
    phones = extract_phones(text)
    assert all(0 <= p.start <= p.end <= len(text) for p in phones)
    assert isinstance(normalize_ad_text(text, phones), str)


@FUZZ
@given(field=st.sampled_from(sorted(PLAUSIBLE) + ["other"]),
       value=st.none() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20) | st.booleans())
def test_plausible_ranges_answer_every_value(field: str, value: object) -> None:
    assert problem(field, value) is None or isinstance(problem(field, value), str)


@FUZZ
@given(document=JSON, which=st.sampled_from([REQUEST_FORMAT, RESPONSE_FORMAT]), shaped=st.booleans())
def test_blind_files_are_read_or_refused_in_one_line(tmp_path_factory, document: object, which: str,
                                                     shaped: bool) -> None:
    if shaped and isinstance(document, dict):      # near-valid files reach the deeper checks
        document = {"format": which, "format_version": 2, "group": "x25519", "session": "0" * 32, **document}
    path = tmp_path_factory.mktemp("blind") / "file.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    try:
        read_blind_file(path, which)
    except LinkgraphError as exc:
        assert "\n" not in str(exc)


@pytest.fixture(scope="module")
def packaged(tmp_path_factory) -> Path:
    from linkgraph.share.package import create_package

    folder = tmp_path_factory.mktemp("package")
    with CaseFile.create(folder / "case.lgcase") as case:
        case.add_note(None, "packaged")
    out = folder / "case.lgpkg"
    create_package(folder / "case.lgcase", out)
    return out


@FUZZ
@given(manifest=JSON, keep_files=st.booleans(), files=st.lists(JSON, max_size=3))
def test_package_manifests_are_checked_or_refused(packaged: Path, tmp_path_factory, manifest: object,
                                                  keep_files: bool, files: list) -> None:
    from linkgraph.share.package import unpack_package, verify_package

    with zipfile.ZipFile(packaged) as archive:
        real = json.loads(archive.read("manifest.json"))
        case_member = next(name for name in archive.namelist() if name.startswith("case/"))
        case_bytes = archive.read(case_member)
    if isinstance(manifest, dict):
        manifest = {**real, **manifest} if keep_files else {**real, **manifest, "files": real["files"] + files}
    folder = tmp_path_factory.mktemp("crafted")
    crafted = folder / "crafted.lgpkg"
    with zipfile.ZipFile(crafted, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr(case_member, case_bytes)
    report = verify_package(crafted)
    assert all("\n" not in p for p in report.problems)
    try:
        unpack_package(crafted, folder / "out")
    except LinkgraphError as exc:
        assert "\n" not in str(exc)
        assert not (folder / "out").exists() or not any((folder / "out").rglob("*.lgcase"))
    else:
        assert report.ok


# ---- verify on a case edited cell by cell ----------------------------------------------------------------
@pytest.fixture(scope="module")
def built_case(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("verify")
    path = folder / "case.lgcase"
    sheet = folder / "calls.csv"
    sheet.write_text("from,to\n1,2\n3,4\n", encoding="utf-8")
    with CaseFile.create(path, timezone="America/Los_Angeles") as case:
        with ImportSession(case, sheet, kind="links", agency="Stockton PD") as session:
            session.set_header(["from", "to"], 1)
            a = session.entity("Phone", "+12095550001", "(209) 555-0001", row=2)
            b = session.entity("Phone", "+12095550002", "(209) 555-0002", row=3)
            victim = session.entity("Person", None, "Jane Roe", row=2, role="victim", minor=True)
            session.entity("Ad", "nightlist:1", "Ad 1", row=3, attrs={"body": "new in town"})
            session.link("call", a, b, row=2, start=1_700_000_000, duration=60.0, amount=5.0, currency="USD")
            session.reject(3, "to", "not a phone number", ["3", "4"])
            session.raw_row(2, ["1", "2"])
            session.raw_row(3, ["3", "4"])
        merge_entities(case, a, b, "same handset")
        case.add_note(victim, "Mother reported her missing")
        case.record_analysis({"measure": "degree"}, {"key_players": [a]})
    return path


CELLS = [("entities", c) for c in ("type", "key", "label", "attrs", "role", "minor", "first_seen", "last_seen",
                                    "merged_into", "source_id")] + \
        [("links", c) for c in ("type", "src", "dst", "start", "end", "duration", "amount", "currency", "weight",
                                "attrs", "source_id", "row")] + \
        [("sources", c) for c in ("name", "sha256", "size", "kind", "agency", "reliability", "information",
                                  "handling", "header", "options", "rows_imported")] + \
        [("notes", "text"), ("notes", "entity_id"), ("merges", "survivor"), ("merges", "undone_at"),
         ("analysis_runs", "summary"), ("analysis_runs", "params"), ("rejected_rows", "reason"),
         ("rejected_rows", "raw"), ("source_blocks", "raw"), ("entity_evidence", "row"), ("link_evidence", "row"),
         ("meta", "value"), ("audit", "details"), ("audit", "user")]
VALUES = (st.none() | st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1) | st.integers(min_value=10 ** 30, max_value=10 ** 40).map(str)
          | st.floats(allow_nan=False) | st.sampled_from([float("inf"), 1e308, -0.0])
          | st.text(max_size=30) | st.binary(max_size=8) | JSON.map(json.dumps))


@FUZZ
@given(cell=st.sampled_from(CELLS), value=VALUES, which=st.integers(min_value=0, max_value=3))
def test_any_cell_edited_outside_linkgraph_fails_verify(built_case: Path, tmp_path_factory, cell, value,
                                                        which: int) -> None:
    table, column = cell
    path = tmp_path_factory.mktemp("edit") / "case.lgcase"
    shutil.copyfile(built_case, path)
    conn = sqlite3.connect(path, isolation_level=None)
    without_rowid = table in ("source_blocks", "entity_evidence", "link_evidence")
    rowids = [None] if without_rowid else [r[0] for r in conn.execute(f"SELECT rowid FROM {table}")]
    target = rowids[which % len(rowids)] if rowids else None
    where = "" if target is None else f" WHERE rowid = {target}"
    before = conn.execute(f"SELECT {column}, typeof({column}) FROM {table}{where} LIMIT 1").fetchone()
    try:
        conn.execute(f"UPDATE {table} SET {column} = ?{where}", (value,))
    except sqlite3.Error:
        conn.close()
        return                                   # a constraint kept the edit out: nothing to catch
    after = conn.execute(f"SELECT {column}, typeof({column}) FROM {table}{where} LIMIT 1").fetchone()
    conn.close()
    with CaseFile.open(path, read_only=True) as case:
        report = verify_connection(case.conn)    # never raises, whatever the cell holds
    if before != after and not (table == "meta" and target is not None and _unstated_meta(path, target)):
        assert not report.ok, (table, column, before, after)


def _unstated_meta(path: Path, rowid: int) -> bool:
    """meta 'audit_signature' is written after the entry that records the state (checked by signature instead)."""
    conn = sqlite3.connect(path)
    try:
        key = conn.execute("SELECT key FROM meta WHERE rowid = ?", (rowid,)).fetchone()
    finally:
        conn.close()
    return key is not None and key[0] == "audit_signature"
