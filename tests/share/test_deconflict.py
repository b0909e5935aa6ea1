"""Deconfliction of two agencies' cases: exactly the shared identifiers, where each appears, names as suggestions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from linkgraph.case import CaseFile, ImportSession
from linkgraph.case.audit import entries
from linkgraph.cli import main
from linkgraph.share.blind import export_request, match_response, respond
from linkgraph.share.deconflict import deconflict


def test_shared_identifiers_are_exactly_the_known_overlap(agency_copy, shared_phones: set[str]) -> None:
    ours, theirs = agency_copy("Stockton PD"), agency_copy("HSI")
    with CaseFile.open(ours) as case, CaseFile.open(theirs, read_only=True) as other:
        result = deconflict(case, other)
        assert {(s.type, s.key) for s in result.shared} == {("Phone", p) for p in shared_phones}
        haskins_new = next(s for s in result.shared if s.key == "+12095550144")
        assert {src["file"] for src in haskins_new.ours["sources"]} == {"ads_nightlist.jsonl"}
        assert {src["file"] for src in haskins_new.theirs["sources"]} == {"ads_vibelist.csv", "phone_attribution.csv"}
        assert {src["agency"] for src in haskins_new.theirs["sources"]} == {"HSI"}
        attribution = next(src for src in haskins_new.theirs["sources"] if src["file"] == "phone_attribution.csv")
        assert attribution["row"] == 3  # "Darnell Haskins,Person,(209) 555-0144,Phone,uses" is data row 3
        assert result.their_agency == "HSI"
        # the set leaders are in both cases by name: suggested, never matched
        suggested = {(n["ours_label"], n["theirs_label"]) for n in result.name_suggestions}
        assert {("Darnell Haskins", "Darnell Haskins"), ("Luis Carranza", "Luis Carranza")} <= suggested
        assert all(n["score"] >= 90 for n in result.name_suggestions)
        assert entries(case.conn)[-1]["action"] == "deconflict"


def test_service_numbers_are_not_leads(tmp_path: Path) -> None:
    cases = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.lgcase"
        sheet = tmp_path / f"{name}.csv"
        sheet.write_text(f"From,To\n{name},voicemail\n", encoding="utf-8")
        with CaseFile.create(path) as case, ImportSession(case, sheet, kind="links") as session:
            session.raw_row(2, [name, "voicemail"])
            person = session.entity("Person", None, f"Person {name}", row=2)
            voicemail = session.entity("Phone", "+18056377243", "805-637-7243", row=2)
            shared = session.entity("Email", "same@example.net", "same@example.net", row=2)
            session.link("uses", person, voicemail, row=2)
            session.link("uses", person, shared, row=2)
        cases.append(path)
    with CaseFile.open(cases[0]) as case, CaseFile.open(cases[1], read_only=True) as other:
        result = deconflict(case, other)
    assert [(s.type, s.key) for s in result.shared] == [("Email", "same@example.net")]
    assert result.name_suggestions == []


def test_cli_deconflict_json(agency_copy, shared_phones: set[str], capsys: pytest.CaptureFixture) -> None:
    ours, theirs = agency_copy("Stockton PD"), agency_copy("HSI")
    assert main(["deconflict", str(ours), str(theirs), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {s["key"] for s in data["shared"]} == shared_phones
    assert main(["deconflict", str(ours), str(theirs)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{len(shared_phones)} identifiers in both")
    assert "(209) 555-0144" in out


# Hand-checked against the answer key: the two leaders call each other, so both of Haskins' and both of
# Carranza's numbers are in both carrier returns; Okafor (209-0112), Pruitt (559-0118) and Keisha Lamb
# (510-0131) are contacts of both (phone_swaps shared_contacts); Tasha Greene's 559-0133 is in the T-Mobile
# return and the night-list ads and books the Fresno motel; Keisha's kikibookings510 email is in a
# night-list ad and in both motel registries.
CARRIER_OVERLAP = {
    ("Phone", "+12095550101"), ("Phone", "+12095550144"), ("Phone", "+15105550123"), ("Phone", "+15105550178"),
    ("Phone", "+12095550112"), ("Phone", "+15595550118"), ("Phone", "+15105550131"), ("Phone", "+15595550133"),
    ("Email", "kikibookings510@example.net"),
}


def test_carrier_returns_of_two_agencies_share_the_known_identifiers(carrier_cases, tmp_path: Path) -> None:
    with CaseFile.open(carrier_cases["Sheriff"], read_only=True) as case, \
            CaseFile.open(carrier_cases["FBI"], read_only=True) as other:
        result = deconflict(case, other)
        assert {(s.type, s.key) for s in result.shared} == CARRIER_OVERLAP
        carranza = next(s for s in result.shared if s.key == "+15105550178")
        assert [src["file"] for src in carranza.ours["sources"]] == ["tmobile_return_haskins.xlsx"]
        assert [src["file"] for src in carranza.theirs["sources"]] == ["att_return_carranza.csv"]
    fbi, sheriff = tmp_path / "fbi.lgcase", tmp_path / "sheriff.lgcase"
    shutil.copyfile(carrier_cases["FBI"], fbi)
    shutil.copyfile(carrier_cases["Sheriff"], sheriff)
    with CaseFile.open(sheriff) as case:
        export_request(case, tmp_path / "request.json")
    with CaseFile.open(fbi) as other:
        respond(other, tmp_path / "request.json", tmp_path / "response.json")
    with CaseFile.open(sheriff) as case:
        assert {(m.type, m.key) for m in match_response(case, tmp_path / "response.json")} == CARRIER_OVERLAP
