"""Victim protection: who gets a pseudonym, how stable it is, and that names and numbers vanish from text."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from linkgraph.case import CaseFile, ImportSession, audit
from linkgraph.errors import Cancelled
from linkgraph.exports import ExportOptions, export
from linkgraph.exports.redaction import Redactor

from .conftest import phone_spellings


def ids(case: CaseFile) -> dict[str, int]:
    return {e.label: e.id for e in case.entities()}


def test_victim_her_phone_and_her_ad_get_pseudonyms(small_case: CaseFile) -> None:
    redactor = Redactor(small_case, True)
    found = ids(small_case)
    assert redactor.label(found["Rosa Delgado"], "Rosa Delgado") == "Jane Doe 1"
    assert redactor.label(found["(209) 555-0188"], "(209) 555-0188") == "Victim phone 1"
    assert redactor.label(found["VL-1"], "VL-1") == "Victim ad 1"
    assert redactor.key(found["(209) 555-0188"], "+12095550188") == "Victim phone 1"
    # the suspect and his phone are not protected
    assert redactor.label(found["Marcus Bell"], "Marcus Bell") == "Marcus Bell"
    assert redactor.label(found["(209) 555-0111"], "(209) 555-0111") == "(209) 555-0111"
    assert not redactor.is_protected(found["Tower 7"])


def test_pseudonyms_are_stable_and_follow_entity_ids(small_case: CaseFile) -> None:
    first = {p.entity_id: p.pseudonym for p in Redactor(small_case, True).protected.values()}
    second = {p.entity_id: p.pseudonym for p in Redactor(small_case, True).protected.values()}
    assert first == second
    assert sorted(first.values()) == ["Jane Doe 1", "Victim ad 1", "Victim phone 1"]


def test_text_scrubs_every_spelling_of_her_name_and_number(small_case: CaseFile) -> None:
    redactor = Redactor(small_case, True)
    for spelling in phone_spellings("+12095550188") + ["+1 209 555 0188", "12095550188"]:
        assert redactor.text(f"called {spelling} twice") == "called Victim phone 1 twice", spelling
    assert redactor.text("dialled 555-0188 from the motel") == "dialled Victim phone 1 from the motel"
    assert redactor.text("Delgado, Rosa") == "Jane Doe 1"
    assert redactor.text("ROSA DELGADO at the motel") == "Jane Doe 1 at the motel"
    assert redactor.text("rosa.delgado@example.com") == "Jane Doe 1@example.com"
    assert redactor.text("venmo @Rosa-Delgado-17, rosadelgado99") == "venmo @Jane Doe 1-17, Jane Doe 1 99"
    assert redactor.text("Rosalind Smith") == "Rosalind Smith"
    # other numbers and names stay; dates and amounts are not mistaken for her number
    assert redactor.text("Marcus Bell (209) 555-0111 on 2024-04-05 paid $2,095.55") == \
        "Marcus Bell (209) 555-0111 on 2024-04-05 paid $2,095.55"


def test_a_protected_ads_raw_row_loses_its_text(small_case: CaseFile) -> None:
    redactor = Redactor(small_case, True)
    source_id = small_case.sources()[0].id
    raw = redactor.raw(source_id, 11, small_case.raw_row(source_id, 11))
    assert raw["a"] == "[redacted]" and raw["b"] == "[redacted]"
    assert raw["when"] == "2024-04-04 10:00"


def test_disabled_redactor_changes_nothing(small_case: CaseFile) -> None:
    redactor = Redactor(small_case, False)
    assert redactor.protected == {}
    assert redactor.text("Rosa Delgado 2095550188") == "Rosa Delgado 2095550188"


def test_key_file_is_written_only_when_asked(small_case: CaseFile, tmp_path: Path) -> None:
    export(small_case, "csv", tmp_path / "plain", ExportOptions(redact_victims=True))
    assert sorted(p.name for p in (tmp_path / "plain").iterdir()) == ["ads.csv", "entities.csv", "links.csv"]
    key_file = tmp_path / "apart" / "key.csv"
    export(small_case, "csv", tmp_path / "keyed", ExportOptions(redact_victims=True, key_file=key_file))
    with key_file.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    found = ids(small_case)
    assert {(r["pseudonym"], int(r["entity_id"]), r["label"]) for r in rows} == {
        ("Jane Doe 1", found["Rosa Delgado"], "Rosa Delgado"),
        ("Victim phone 1", found["(209) 555-0188"], "(209) 555-0188"),
        ("Victim ad 1", found["VL-1"], "VL-1"),
    }
    text = (tmp_path / "keyed" / "links.csv").read_text(encoding="utf-8-sig")
    assert "Rosa" not in text and "555-0188" not in text and "Jane Doe 1" in text


def test_csv_export_without_redaction_keeps_names(small_case: CaseFile, tmp_path: Path) -> None:
    export(small_case, "csv", tmp_path, ExportOptions())
    assert "Rosa Delgado" in (tmp_path / "entities.csv").read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("fmt", ["exhibit", "csv", "xlsx"])
def test_cancelled_export_leaves_no_file(small_case: CaseFile, tmp_path: Path, fmt: str) -> None:
    calls = []

    def cancel_second_step(done: int, total: int | None, message: str = "") -> bool:
        calls.append(message)
        return len(calls) < 2

    out = tmp_path / "out"
    with pytest.raises(Cancelled):
        export(small_case, fmt, out / "target", ExportOptions(), cancel_second_step)
    assert list(out.iterdir()) == []


def test_exhibit_of_the_small_case_draws_the_victim_by_pseudonym(small_case: CaseFile, tmp_path: Path) -> None:
    written = export(small_case, "exhibit", tmp_path / "x", ExportOptions(exhibit_number="3"))
    assert sorted(p.name for p in written) == ["chart.png", "chart.svg", "exhibit.pdf", "manifest.json",
                                               "method.txt", "source_table.csv"]
    svg = (tmp_path / "x" / "chart.svg").read_text(encoding="utf-8")
    assert "Jane Doe 1" in svg and "Victim phone 1" in svg and "Marcus Bell" in svg
    assert "Rosa" not in svg and "0188" not in svg
    assert "4 calls" in svg                                  # the line between the two phones says what it counts


def test_records_of_one_name_share_a_pseudonym(sample_case: CaseFile, key: dict) -> None:
    redactor = Redactor(sample_case, True)
    jasmine = [e.id for e in sample_case.entities("Person") if e.label == "Jasmine Reyes"]
    assert len(jasmine) >= 2                          # named in two files, never merged automatically
    names = {redactor.label(i, "Jasmine Reyes") for i in jasmine}
    assert len(names) == 1 and next(iter(names)).startswith("Jane Doe ")
    victims = {e.label for e in sample_case.entities("Person") if redactor.is_protected(e.id)
               and e.role == "victim"}
    assert victims == {v["name"] for v in key["victims"]}
    pseudonyms = {redactor.label(e.id, e.label) for e in sample_case.entities("Person") if redactor.is_protected(e.id)}
    assert pseudonyms == {f"Jane Doe {n}" for n in range(1, len(key["victims"]) + 1)} | {"Relative 1"}
    # her mother (a family link to the minor) is protected too, by a pseudonym of her own
    mother = next(e for e in sample_case.entities("Person") if e.label == "Ana Reyes")
    assert redactor.label(mother.id, mother.label) == "Relative 1"
    assert redactor.text("Ana Reyes reported her missing") == "Relative 1 reported her missing"
    # each victim's phones from the answer key are protected
    for victim in key["victims"]:
        for phone in victim["phones"]:
            found = sample_case.find_entity("Phone", phone)
            assert found is not None and redactor.is_protected(found.id), (victim["name"], phone)


def test_working_names_of_protected_ads_become_aliases(sample_case: CaseFile) -> None:
    redactor = Redactor(sample_case, True)
    # Kayla Dunn (17) advertises as "Kandi" from her work phone; her own contact list saves her by it
    kandi = [e for e in sample_case.entities("Ad") if e.attrs.get("name") == "Kandi"]
    assert kandi and all(redactor.is_protected(e.id) for e in kandi)
    scrubbed = redactor.text("Type: Call; Contact Name: Kandi")
    assert scrubbed.startswith("Type: Call; Contact Name: Victim alias ") and "Kandi" not in scrubbed
    assert redactor.text("Kandinsky print") == "Kandinsky print"


def test_a_victims_recorded_working_name_protects_ads_posted_from_another_phone(small_case: CaseFile,
                                                                                 tmp_path: Path) -> None:
    found = ids(small_case)
    source = tmp_path / "ads.csv"
    source.write_text("ads\n", encoding="utf-8")
    with ImportSession(small_case, source, kind="links") as session:
        session.set_header(["ad", "name", "text"], 1)
        session.raw_row(2, ["NL-9", "Cherry", "Sweet Cherry new in town, ask for Cherry"])
        ad = session.entity("Ad", "nightlist.example/NL-9", "NL-9", row=2,
                            attrs={"names": ["Cherry"], "body": "Sweet Cherry new in town, ask for Cherry"})
        his_phone = session.entity("Phone", "+12095550111", "(209) 555-0111", row=2)
        session.link("posted", his_phone, ad, row=2)
    before = Redactor(small_case, True)
    ad_id = next(e.id for e in small_case.entities("Ad") if e.label == "NL-9")
    assert not before.is_protected(ad_id)
    small_case.set_aliases(found["Rosa Delgado"], ["Cherry"])
    assert small_case.entity(found["Rosa Delgado"]).attrs["alias"] == ["Cherry"]
    redactor = Redactor(small_case, True)
    assert redactor.is_protected(ad_id)
    assert "Cherry" not in redactor.text("Sweet Cherry new in town")
    assert redactor.text("ask for cherry") == "ask for Victim alias 1"
    assert set(redactor.raw(small_case.sources()[-1].id, 2, {"text": "ask for Cherry"}).values()) == {"[redacted]"}
    export(small_case, "csv", tmp_path / "out", ExportOptions(redact_victims=True))
    for path in (tmp_path / "out").iterdir():
        assert "cherry" not in path.read_text(encoding="utf-8-sig").lower(), path.name
    # the suspect's phone that posted it is not hidden
    assert "(209) 555-0111" in (tmp_path / "out" / "entities.csv").read_text(encoding="utf-8-sig")


def test_aliases_are_recorded_with_the_edit_command(small_case: CaseFile, capsys: pytest.CaptureFixture) -> None:
    from linkgraph.cli import main
    rosa = ids(small_case)["Rosa Delgado"]
    path = small_case.path
    small_case.close()
    assert main(["edit", str(path), str(rosa), "--alias", "Cherry", "--alias", "Lexi"]) == 0
    assert "aliases Cherry, Lexi" in capsys.readouterr().out
    with CaseFile.open(path) as case:
        assert case.entity(rosa).attrs["alias"] == ["Cherry", "Lexi"]
        assert any(e["action"] == "edit_entity" and e["details"]["new"] == {"alias": ["Cherry", "Lexi"]}
                   for e in audit.entries(case.conn))
