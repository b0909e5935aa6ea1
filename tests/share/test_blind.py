"""Blind deconfliction: keyed hashes find the same overlap as plain deconfliction and reveal nothing else."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from linkgraph.case import CaseFile
from linkgraph.case.audit import entries
from linkgraph.cli import main
from linkgraph.errors import InputError, LinkgraphError
from linkgraph.share.blind import export_hashes, match_hashes
from linkgraph.share.deconflict import deconflict, identifiers

SECRET = "crossroads task force 2024 spring"


def test_blind_matches_equal_plain_deconfliction(agency_copy, tmp_path: Path, shared_phones: set[str]) -> None:
    ours, theirs = agency_copy("Stockton PD"), agency_copy("HSI")
    hash_file = tmp_path / "hsi.hashes.json"
    with CaseFile.open(theirs) as other:
        written = export_hashes(other, SECRET, hash_file)
        their_identifiers = identifiers(other)
        assert written["hashes"] == len(their_identifiers)
        assert entries(other.conn)[-1]["action"] == "blind_export"
    with CaseFile.open(ours) as case, CaseFile.open(theirs, read_only=True) as other:
        plain = {(s.type, s.key) for s in deconflict(case, other).shared}
        blind = match_hashes(case, SECRET, hash_file)
    assert {(m.type, m.key) for m in blind} == plain == {("Phone", p) for p in shared_phones}
    assert all(m.ours["sources"] for m in blind)  # where each appears in our case


def test_hash_file_reveals_no_identifier_label_or_count_by_type(agency_copy, tmp_path: Path) -> None:
    theirs = agency_copy("HSI")
    hash_file = tmp_path / "hsi.hashes.json"
    with CaseFile.open(theirs) as other:
        export_hashes(other, SECRET, hash_file)
        keys = [key for _type, key in identifiers(other)]
        labels = [e.label for e in other.entities()]
    text = hash_file.read_text(encoding="utf-8")
    document = json.loads(text)
    assert set(document) == {"format", "format_version", "kdf", "check", "names", "hashes"}
    assert document["hashes"] == sorted(document["hashes"])  # order carries nothing
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in document["hashes"])
    for key in keys:
        assert key not in text and key.lstrip("+")[-7:] not in text.replace(document["check"], "")
    for label in labels:
        assert label not in text
    assert "HSI" not in text and "Phone" not in text


def test_wrong_secret_is_told_apart_from_no_overlap(agency_copy, tmp_path: Path) -> None:
    ours, theirs = agency_copy("Stockton PD"), agency_copy("HSI")
    hash_file = tmp_path / "hsi.hashes.json"
    with CaseFile.open(theirs) as other:
        export_hashes(other, SECRET, hash_file)
    with CaseFile.open(ours) as case:
        with pytest.raises(InputError, match="different secret"):
            match_hashes(case, SECRET + "x", hash_file)
        with pytest.raises(LinkgraphError, match="at least 12 characters"):
            export_hashes(case, "short", tmp_path / "weak.json")
    assert not (tmp_path / "weak.json").exists()
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"format": "linkgraph-blind-hashes", "hashes": ["zz"]}), encoding="utf-8")
    with CaseFile.open(ours) as case, pytest.raises(InputError, match="broken.json: the 'hashes' list"):
        match_hashes(case, SECRET, broken)


def test_exact_names_only_when_asked(agency_copy, tmp_path: Path) -> None:
    ours, theirs = agency_copy("Stockton PD"), agency_copy("HSI")
    with CaseFile.open(theirs) as other:
        export_hashes(other, SECRET, tmp_path / "with_names.json", names=True)
    with CaseFile.open(ours) as case:
        matches = match_hashes(case, SECRET, tmp_path / "with_names.json")
    names = {m.key for m in matches if m.type == "Name"}
    assert {"darnell haskins", "luis carranza"} <= names
    assert {m.key for m in matches if m.type == "Phone"}  # identifiers still match alongside names


def test_cli_blind_round_trip(agency_copy, tmp_path: Path, capsys: pytest.CaptureFixture,
                              shared_phones: set[str]) -> None:
    ours, theirs = agency_copy("Stockton PD"), agency_copy("HSI")
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET + "\n", encoding="utf-8")
    hash_file = tmp_path / "hsi.json"
    assert main(["blind-export", str(theirs), "-o", str(hash_file), "--secret-file", str(secret_file)]) == 0
    assert "keyed hashes" in capsys.readouterr().out
    assert main(["blind-match", str(ours), str(hash_file), "--secret-file", str(secret_file), "--json"]) == 0
    assert {m["key"] for m in json.loads(capsys.readouterr().out)} == shared_phones
