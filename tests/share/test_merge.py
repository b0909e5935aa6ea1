"""Merging two agencies' cases: identifiers meet, provenance and agency kept, conflicts listed, atomic, audited."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from linkgraph.case import CaseFile, ImportSession, verify_connection
from linkgraph.case.audit import entries
from linkgraph.cli import main
from linkgraph.errors import Cancelled, LinkgraphError
from linkgraph.share.merge import merge_case
from sample_cases.build import answer_key


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def small_case(path: Path, agency: str, rows: list[tuple[str, str, str, dict, str | None]]) -> Path:
    """A hand-made case: each row (person, phone key, phone label, phone attrs, role) is one 'uses' link."""
    sheet = path.with_suffix(".csv")
    sheet.write_text("Person,Phone\n" + "".join(f"{p},{label}\n" for p, _k, label, _a, _r in rows), encoding="utf-8")
    with CaseFile.create(path, agency=agency, timezone="America/Los_Angeles") as case:
        with ImportSession(case, sheet, kind="links") as session:
            session.set_header(["Person", "Phone"], 1)
            for number, (person, key, label, attrs, role) in enumerate(rows, start=2):
                session.raw_row(number, [person, label])
                who = session.entity("Person", None, person, row=number, role=role)
                phone = session.entity("Phone", key, label, row=number, attrs=attrs)
                session.link("uses", who, phone, row=number)
    return path


def test_sample_agencies_merge_meets_exactly_the_shared_phones(agency_copy, shared_phones: set[str]) -> None:
    ours, theirs = agency_copy("Stockton PD"), agency_copy("HSI")
    expected = shared_phones
    assert len(expected) == 8 and {"+12095550101", "+12095550144"} <= expected  # Haskins' old and new number
    with CaseFile.open(ours) as case, CaseFile.open(theirs, read_only=True) as other:
        phones_before = {e.key for e in case.entities("Phone")}
        their_phones = {e.key for e in other.entities("Phone")}
        persons = len(case.entities("Person")) + len(other.entities("Person"))
        links = case.counts()["link_total"] + other.counts()["link_total"]
    with CaseFile.open(ours) as case:
        result = merge_case(case, theirs)
        assert {m["label"] for m in result.met if m["type"] == "Phone"}  # met phones are listed
        met_phones = {case.entity(m["entity"]).key for m in result.met if m["type"] == "Phone"}
        assert met_phones == expected
        assert {e.key for e in case.entities("Phone")} == phones_before | their_phones
        # persons never merge automatically: every person of both cases is still there
        assert len(case.entities("Person")) == persons
        assert case.counts()["link_total"] == links
        # each shared phone is one entity, cited by both agencies' files
        for key in expected:
            phone = case.find_entity("Phone", key)
            agencies = {p["agency"] for p in case.entity_provenance(phone.id)}
            assert agencies == {"Stockton PD", "HSI"}, key
        # the same people are suggested (not merged) across the two cases
        pairs = {(s["ours_label"], s["theirs_label"]) for s in result.person_suggestions}
        assert ("Darnell Haskins", "Darnell Haskins") in pairs
        assert verify_connection(case.conn).ok


def test_merged_links_trace_to_the_other_agencys_raw_rows(agency_copy) -> None:
    ours, theirs = agency_copy("Stockton PD"), agency_copy("HSI")
    with CaseFile.open(theirs, read_only=True) as other:
        their_source = next(s for s in other.sources() if s.name == "phone_attribution.csv")
        raw_row_2 = other.raw_row(their_source.id, 2)
    with CaseFile.open(ours) as case:
        merge_case(case, theirs)
        source = next(s for s in case.sources() if s.name == "phone_attribution.csv")
        assert source.kind == "case"
        assert source.agency == "HSI"
        assert source.sha256 == their_source.sha256
        assert source.grade == their_source.grade
        assert source.options["merged_from"]["kind"] == "links"
        link_id = case.conn.execute(
            "SELECT id FROM links WHERE source_id = ? AND row = 2", (source.id,)).fetchone()[0]
        trace = case.link_provenance(link_id)
        assert trace == [{"source_id": source.id, "file": "phone_attribution.csv", "sha256": their_source.sha256,
                          "row": 2, "grade": their_source.grade, "agency": "HSI", "raw": raw_row_2}]
        assert raw_row_2["Target"] == "(209) 555-0101"


def test_merge_is_audited_and_not_repeated(agency_copy) -> None:
    ours, theirs = agency_copy("Stockton PD"), agency_copy("HSI")
    with CaseFile.open(ours) as case:
        result = merge_case(case, theirs)
        log = entries(case.conn)
        merge_entry = [e for e in log if e["action"] == "merge_case"]
        assert len(merge_entry) == 1
        details = merge_entry[0]["details"]
        assert details["agency"] == "HSI" and details["sha256"] == sha(theirs)
        assert details["sources_added"] == result.sources_added
        assert merge_entry[0]["user"] == case.user
        imports = [e for e in log if e["action"] == "import" and e["details"].get("via") == "merge_case"]
        assert [e["details"]["source"] for e in imports] == result.sources_added
        with pytest.raises(LinkgraphError, match="merged into this case already"):
            merge_case(case, theirs)


def test_cancelled_merge_leaves_the_case_unchanged(agency_copy) -> None:
    ours, theirs = agency_copy("Stockton PD"), agency_copy("HSI")
    before = sha(ours)
    calls = []

    def stop_at_links(done: int, total: int | None, message: str = "") -> bool:
        calls.append(message)
        return "links" not in message

    with CaseFile.open(ours) as case:
        with pytest.raises(Cancelled):
            merge_case(case, theirs, progress=stop_at_links)
    assert calls[-1] == "Merging links"
    assert sha(ours) == before


def test_conflicts_are_listed_and_ours_kept(tmp_path: Path) -> None:
    ours = small_case(tmp_path / "city.lgcase", "City PD", [
        ("Keisha Lamb", "+15105550131", "(510) 555-0131", {"carrier": "T-Mobile"}, "suspect"),
        ("Ann Other", "+15105550199", "(510) 555-0199", {}, None),
    ])
    theirs = small_case(tmp_path / "fbi.lgcase", "FBI", [
        ("Keisha Lamb", "+15105550131", "510-555-0131", {"carrier": "AT&T", "prepaid": True}, "victim"),
        ("Zed Person", "+14155550100", "(415) 555-0100", {}, None),
    ])
    with CaseFile.open(ours) as case:
        result = merge_case(case, theirs)
        conflicts = {(c.field, c.ours, c.theirs, c.their_agency) for c in result.conflicts}
        assert conflicts == {("carrier", "T-Mobile", "AT&T", "FBI"), ("role", "suspect", "victim", "FBI")}
        phone = case.find_entity("Phone", "+15105550131")
        assert phone.attrs == {"carrier": "T-Mobile", "prepaid": True}  # ours kept, missing one filled
        keishas = [p for p in case.entities("Person") if p.label == "Keisha Lamb"]
        assert sorted(p.role for p in keishas) == ["suspect", "victim"]  # two persons, not merged
        assert result.entities_met == 1 and result.entities_added == 3
        audit_conflicts = [e for e in entries(case.conn) if e["action"] == "merge_case"][0]["details"]["conflicts"]
        assert {c["field"] for c in audit_conflicts} == {"carrier", "role"}
        assert verify_connection(case.conn).ok


def test_a_same_file_in_both_cases_is_not_copied_twice(tmp_path: Path) -> None:
    rows = [("Keisha Lamb", "+15105550131", "(510) 555-0131", {}, "suspect")]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ours = small_case(tmp_path / "a" / "city.lgcase", "City PD", rows)
    theirs = small_case(tmp_path / "b" / "city.lgcase", "FBI", rows)
    with CaseFile.open(ours) as case:
        result = merge_case(case, theirs)
        assert [s["file"] for s in result.sources_already_here] == ["city.csv"]
        assert result.sources_added == [] and result.links_added == 0
        assert len(case.entities("Person")) == 1  # the same file names the same person
        assert case.counts()["link_total"] == 1
        assert verify_connection(case.conn).ok


def test_merge_refuses_a_tampered_case(agency_copy) -> None:
    ours, theirs = agency_copy("Stockton PD"), agency_copy("HSI")
    import sqlite3

    conn = sqlite3.connect(theirs)
    conn.execute("UPDATE source_blocks SET raw = json_set(raw, '$[' || (2 - first_row) || ']', '[\"edited\"]') "
                 "WHERE first_row <= 2 AND first_row + json_array_length(raw) > 2")   # row 2 of every source
    conn.commit()
    conn.close()
    before = sha(ours)
    with CaseFile.open(ours) as case, pytest.raises(LinkgraphError, match="fails verification"):
        merge_case(case, theirs)
    assert sha(ours) == before


def test_cli_merge_prints_conflicts_and_json(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    ours = small_case(tmp_path / "city.lgcase", "City PD",
                      [("Keisha Lamb", "+15105550131", "(510) 555-0131", {"carrier": "T-Mobile"}, "suspect")])
    theirs = small_case(tmp_path / "fbi.lgcase", "FBI",
                        [("Keisha Lamb", "+15105550131", "(510) 555-0131", {"carrier": "AT&T"}, "victim")])
    assert main(["merge", str(ours), str(theirs)]) == 0
    out = capsys.readouterr().out
    assert "2 conflicts" in out and "AT&T" in out and "Keisha Lamb" in out
    assert main(["merge", str(ours), str(theirs), "--json"]) == 1
    assert "merged into this case already" in capsys.readouterr().err
    assert not (tmp_path / "city.lgcase.lock").exists()
    with CaseFile.open(ours) as case:
        assert json.loads(json.dumps([e["action"] for e in entries(case.conn)]))[-1] == "merge_case"


def test_carrier_returns_merge_keeps_both_agencies_calls(carrier_cases, tmp_path: Path) -> None:
    ours = tmp_path / "sheriff.lgcase"
    ours.write_bytes(carrier_cases["Sheriff"].read_bytes())
    with CaseFile.open(carrier_cases["FBI"], read_only=True) as other:
        their_links = other.counts()["link_total"]
    with CaseFile.open(ours) as case:
        before = case.counts()["link_total"]
        result = merge_case(case, carrier_cases["FBI"])
        # every call and text between Haskins and Carranza is in both returns (answer key: duplicate_calls):
        # those events meet and are cited, the rest are copied
        assert result.events_met == answer_key()["duplicate_calls"] == 64
        assert result.links_added == their_links - 64
        assert case.counts()["link_total"] == before + their_links - 64
        old, new = case.find_entity("Phone", "+15105550123"), case.find_entity("Phone", "+15105550178")
        haskins = case.find_entity("Phone", "+12095550101")
        # a call between the two leaders is cited by both agencies' returns, each under its own agency
        agencies = {
            p["agency"]
            for (link_id,) in case.conn.execute(
                "SELECT id FROM links WHERE type = 'call' AND ((src = ? AND dst = ?) OR (src = ? AND dst = ?))",
                (haskins.id, old.id, old.id, haskins.id))
            for p in case.link_provenance(link_id)
        }
        assert agencies == {"Sheriff", "FBI"}
        assert new is not None and verify_connection(case.conn).ok
        met = {case.entity(m["entity"]).key for m in result.met if m["type"] in ("Phone", "Email")}
        assert met == {"+12095550101", "+12095550144", "+15105550123", "+15105550178", "+12095550112",
                       "+15595550118", "+15105550131", "+15595550133", "kikibookings510@example.net"}


def test_merge_from_an_encrypted_case(tmp_path: Path) -> None:
    from linkgraph.case import encryption

    ours = small_case(tmp_path / "city.lgcase", "City PD", [("Ann Diaz", "+15105550131", "(510) 555-0131", {}, None)])
    theirs = small_case(tmp_path / "fbi.lgcase", "FBI", [("Bo Chen", "+15105550131", "(510) 555-0131", {}, None)])
    encryption.encrypt_case(theirs, "fbi passphrase 2024")
    with CaseFile.open(ours) as case:
        with pytest.raises(LinkgraphError, match="encrypted; give its passphrase"):
            merge_case(case, theirs)
        with pytest.raises(LinkgraphError, match="wrong passphrase"):
            merge_case(case, theirs, passphrase="not the passphrase")
        result = merge_case(case, theirs, passphrase="fbi passphrase 2024")
        assert result.entities_met == 1 and result.agency == "FBI"
        assert verify_connection(case.conn).ok
