"""Blind deconfliction (private set intersection): the same overlap as plain deconfliction, and no file that can be
tested offline against guessed identifiers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from linkgraph.case import CaseFile
from linkgraph.case.audit import entries
from linkgraph.cli import main
from linkgraph.errors import InputError
from linkgraph.share.blind import (
    REQUEST_FORMAT,
    _point,
    export_request,
    match_response,
    read_blind_file,
    respond,
)
from linkgraph.share.deconflict import deconflict, identifiers


def run(ours: Path, theirs: Path, tmp_path: Path, *, names: bool = False):
    request, response = tmp_path / "request.json", tmp_path / "response.json"
    with CaseFile.open(ours) as case:
        export_request(case, request, names=names)
    with CaseFile.open(theirs) as other:
        respond(other, request, response)
    with CaseFile.open(ours) as case:
        return match_response(case, response), request, response


def test_blind_matches_equal_plain_deconfliction(agency_copy, tmp_path: Path, shared_phones: set[str]) -> None:
    ours, theirs = agency_copy("Stockton PD"), agency_copy("HSI")
    blind, _, _ = run(ours, theirs, tmp_path)
    with CaseFile.open(ours, read_only=True) as case, CaseFile.open(theirs, read_only=True) as other:
        plain = {(s.type, s.key) for s in deconflict(case, other).shared}
        assert [e["action"] for e in entries(other.conn)][-1] == "blind_response"
        assert [e["action"] for e in entries(case.conn)][-2:] == ["blind_request", "blind_match"]
    assert {(m.type, m.key) for m in blind} == plain == {("Phone", p) for p in shared_phones}
    assert all(m.ours["sources"] for m in blind)  # where each appears in our case


def test_no_file_can_be_tested_against_guessed_identifiers(agency_copy, tmp_path: Path) -> None:
    """Every value sent is blinded by an exponent its holder keeps: hashing a guessed number (as the old keyed-hash
    file allowed, with the task force's secret) finds nothing in either file."""
    ours, theirs = agency_copy("Stockton PD"), agency_copy("HSI")
    _, request, response = run(ours, theirs, tmp_path)
    with CaseFile.open(ours, read_only=True) as case, CaseFile.open(theirs, read_only=True) as other:
        everyone = set(identifiers(case)) | set(identifiers(other))
        labels = [e.label for e in case.entities()] + [e.label for e in other.entities()]
    for path in (request, response):
        text = path.read_text(encoding="utf-8")
        document = json.loads(text)
        points = set(document["points"]) | set(document.get("reblinded", []))
        assert all(re.fullmatch(r"[0-9a-f]{64}", p) for p in points if p)
        assert not {_point(t, k).hex() for t, k in everyone} & points     # the plain hash of a guess is not there
        for _type, key in everyone:
            assert key not in text
        for label in labels:
            assert label not in text
        assert "HSI" not in text and "Phone" not in text and "secret" not in text
        assert (path.stat().st_mode & 0o777) == 0o600
    assert set(json.loads(request.read_text())) == {"format", "format_version", "group", "session", "names", "points"}


def test_a_request_too_large_is_refused_and_audited(agency_copy, tmp_path: Path) -> None:
    ours, theirs = agency_copy("Stockton PD"), agency_copy("HSI")
    request = tmp_path / "request.json"
    with CaseFile.open(ours) as case:
        sent = export_request(case, request)
    with CaseFile.open(theirs) as other, pytest.raises(InputError, match="more than the 3 allowed"):
        respond(other, request, tmp_path / "response.json", max_values=3)
    with CaseFile.open(theirs, read_only=True) as other:
        last = entries(other.conn)[-1]
    assert last["action"] == "blind_refused" and last["details"]["values"] == sent["values"]
    assert not (tmp_path / "response.json").exists()


@pytest.mark.parametrize("document", [
    "not json", "[]", json.dumps({"format": REQUEST_FORMAT}),
    json.dumps({"format": REQUEST_FORMAT, "format_version": "2", "group": "x25519", "session": "0" * 32, "points": []}),
    json.dumps({"format": REQUEST_FORMAT, "format_version": 2, "group": "x25519", "session": "zz", "points": []}),
    json.dumps({"format": REQUEST_FORMAT, "format_version": 2, "group": "x25519", "session": "0" * 32,
                "points": ["zz"]}),
    json.dumps({"format": REQUEST_FORMAT, "format_version": 2, "group": "x25519", "session": "0" * 32,
                "points": [1]}),
    "[" * 10_000 + "]" * 10_000,
    json.dumps({"format": "linkgraph-blind-hashes", "format_version": 1, "hashes": []}),
])
def test_malformed_blind_files_are_one_line_refusals(tmp_path: Path, document: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_blind_file(path, REQUEST_FORMAT)
    assert "bad.json" in str(caught.value) and "\n" not in str(caught.value)


def test_a_response_to_another_computers_request_is_refused(agency_copy, tmp_path: Path, monkeypatch) -> None:
    ours, theirs = agency_copy("Stockton PD"), agency_copy("HSI")
    request, response = tmp_path / "request.json", tmp_path / "response.json"
    with CaseFile.open(ours) as case:
        export_request(case, request)
    with CaseFile.open(theirs) as other:
        respond(other, request, response)
    monkeypatch.setenv("LINKGRAPH_CONFIG_DIR", str(tmp_path / "elsewhere"))
    with CaseFile.open(ours) as case, pytest.raises(InputError, match="did not make"):
        match_response(case, response)


def test_exact_names_only_when_asked(agency_copy, tmp_path: Path) -> None:
    matches, _, _ = run(agency_copy("Stockton PD"), agency_copy("HSI"), tmp_path, names=True)
    names = {m.key for m in matches if m.type == "Name"}
    assert {"darnell haskins", "luis carranza"} <= names
    assert {m.key for m in matches if m.type == "Phone"}  # identifiers still match alongside names


def test_cli_blind_round_trip(agency_copy, tmp_path: Path, capsys: pytest.CaptureFixture,
                              shared_phones: set[str]) -> None:
    ours, theirs = agency_copy("Stockton PD"), agency_copy("HSI")
    request, response = tmp_path / "request.json", tmp_path / "response.json"
    assert main(["blind-export", str(ours), "-o", str(request)]) == 0
    assert "blinded identifiers" in capsys.readouterr().out
    assert main(["blind-respond", str(theirs), str(request), "-o", str(response)]) == 0
    assert "answered" in capsys.readouterr().out
    assert main(["blind-match", str(ours), str(response), "--json"]) == 0
    assert {m["key"] for m in json.loads(capsys.readouterr().out)} == shared_phones
