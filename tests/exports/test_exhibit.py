"""The court exhibit package on the sample case: files, chart text, source table, method note, redaction."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from linkgraph.case import CaseFile
from linkgraph.errors import LinkgraphError
from linkgraph.exports import ExportOptions, export

from .conftest import phone_spellings

FILES = ["chart.png", "chart.svg", "exhibit.pdf", "manifest.json", "method.txt", "source_table.csv"]


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def table(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def entity_id(case: CaseFile, label: str) -> int:
    return next(e.id for e in case.entities() if e.label == label)


@pytest.fixture(scope="module")
def package(sample_master: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A Haskins ego-network exhibit of the sample case, victims redacted (the default)."""
    out = tmp_path_factory.mktemp("exhibit")
    case_copy = out.parent / "exhibit_case.lgcase"
    case_copy.write_bytes(sample_master.read_bytes())
    with CaseFile.open(case_copy) as case:
        haskins = case.find_entity("Phone", "+12095550144")
        sha = case.sha256()
        export(case, "exhibit", out / "pkg", ExportOptions(ego=haskins.id, exhibit_number="14",
                                                           title="Darnell Haskins: new phone's contacts"))
        sources = {s.name: s.sha256 for s in case.sources()}
    return out / "pkg", {"sha": sha, "sources": sources, "ego": haskins.id}


def test_package_holds_every_file_and_the_manifest_proves_them(package: tuple[Path, dict]) -> None:
    out, facts = package
    assert sorted(p.name for p in out.iterdir()) == FILES
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["case_file_sha256"] == facts["sha"]
    assert manifest["redacted"] is True and manifest["exhibit_number"] == "14"
    import hashlib

    for name, digest in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest


def test_chart_pdf_carries_title_number_legend_dates_and_footer(package: tuple[Path, dict]) -> None:
    out, facts = package
    reader = PdfReader(out / "exhibit.pdf")
    first = reader.pages[0].extract_text()
    assert "Darnell Haskins: new phone's contacts" in first
    assert "EXHIBIT 14" in first
    assert "Legend" in first and "Phone (" in first and "Entity types" in first
    assert re.search(r"Records from 2024-\d\d-\d\d .* to 2024-\d\d-\d\d", first)
    assert facts["sha"] in first and "Operation Crossroads" in first
    # every later page repeats the footer with the case file's digest and the page number
    assert all(facts["sha"] in page.extract_text() for page in reader.pages[1:])
    assert "Exhibit 14 - page 2" in reader.pages[1].extract_text()


def test_png_is_high_resolution_and_svg_parses(package: tuple[Path, dict]) -> None:
    out, _ = package
    with Image.open(out / "chart.png") as image:
        assert image.size == (5100, 3300)          # 17 x 11 inches at 300 dpi
        assert round(image.info["dpi"][0]) == 300
        colours = image.convert("RGB").getcolors(1 << 20)
    assert colours is not None and len(colours) > 20   # a drawing, not a blank page
    root = ET.parse(out / "chart.svg").getroot()
    texts = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    assert "EXHIBIT 14" in texts and "Legend" in texts


def test_source_table_lists_every_record_behind_every_line(package: tuple[Path, dict],
                                                           sample_master: Path) -> None:
    out, facts = package
    rows = table(out / "source_table.csv")
    assert rows
    for row in rows:
        assert row["file_sha256"] == facts["sources"][row["file"]]
        assert int(row["row"]) >= 1 and row["raw values"]
    with CaseFile.open(sample_master, read_only=True) as case:
        # each link cited is a real record between the two ends of its line, and every citation is listed
        for row in rows[:200]:
            link = int(row["link"])
            cites = {(c["file"], c["row"]) for c in case.link_provenance(link)}
            assert (row["file"], int(row["row"])) in cites
        links = {int(r["link"]) for r in rows}
        expected = sum(len(case.link_provenance(i)) for i in links)
    assert len(rows) == expected
    # the ego's own calls are there with their original time and duration
    calls = [r for r in rows if r["type"] == "call" and r["duration_s"]]
    assert calls and all(re.match(r"2024-\d\d-\d\d \d\d:\d\d:\d\d P[DS]T", r["date and time"]) for r in calls)


def test_method_note_names_selection_filter_and_run(package: tuple[Path, dict]) -> None:
    out, facts = package
    note = (out / "method.txt").read_text(encoding="utf-8")
    assert f"Entity {facts['ego']} ((209) 555-0144) and its direct contacts" in note
    assert "Carrier voicemail, short codes and service numbers: left out" in note
    assert re.search(r"Run \d+ at .* result digest [0-9a-f]{64}", note)
    assert re.search(r"communities by (leiden|multiplex) \(seed 7", note)   # multiplex when 2+ layers
    assert "was not written" in note
    text = pdf_text(out / "exhibit.pdf")
    assert "METHOD NOTE" in text and "SOURCE TABLE" in text


def test_no_victim_name_or_number_anywhere_in_the_package(package: tuple[Path, dict], key: dict) -> None:
    out, _ = package
    texts = {p.name: p.read_bytes().decode("utf-8", "replace") for p in out.iterdir() if p.suffix != ".png"}
    texts["exhibit.pdf (text)"] = pdf_text(out / "exhibit.pdf")
    texts["exhibit.pdf (metadata)"] = json.dumps({k: str(v) for k, v in
                                                 (PdfReader(out / "exhibit.pdf").metadata or {}).items()})
    needles = []
    for victim in key["victims"]:
        needles.append(victim["name"])
        for phone in victim["phones"]:
            needles += phone_spellings(phone)
    for name, text in texts.items():
        folded = text.lower()
        for needle in needles:
            assert needle.lower() not in folded, f"{needle} found in {name}"
    assert "Victim phone" in texts["source_table.csv"] or "Jane Doe" in texts["source_table.csv"]


def test_without_redaction_victims_appear_by_name(sample_case: CaseFile, tmp_path: Path) -> None:
    victim = entity_id(sample_case, "Jasmine Reyes")
    export(sample_case, "exhibit", tmp_path, ExportOptions(ego=victim, redact_victims=False))
    assert "Jasmine Reyes" in (tmp_path / "source_table.csv").read_text(encoding="utf-8-sig")
    assert "Not applied" in (tmp_path / "method.txt").read_text(encoding="utf-8")


def test_community_and_path_selections(sample_case: CaseFile, tmp_path: Path) -> None:
    run = sample_case.analysis_run()
    biggest = max(run["summary"]["communities"], key=lambda c: c["size"])
    export(sample_case, "exhibit", tmp_path / "community", ExportOptions(community=biggest["id"]))
    note = (tmp_path / "community" / "method.txt").read_text(encoding="utf-8")
    assert f"Community {biggest['id']} of analysis run {run['id']}" in note
    old = sample_case.find_entity("Phone", "+12095550101").id
    new = sample_case.find_entity("Phone", "+12095550144").id
    export(sample_case, "exhibit", tmp_path / "path", ExportOptions(path=(old, new)))
    rows = table(tmp_path / "path" / "source_table.csv")
    note = (tmp_path / "path" / "method.txt").read_text(encoding="utf-8")
    steps = int(re.search(r"Shortest path from entity \d+ to entity \d+ \((\d+) steps\)", note).group(1))
    assert len({r["line"] for r in rows}) == steps


def test_unknown_focus_is_a_clear_error(sample_case: CaseFile, tmp_path: Path) -> None:
    with pytest.raises(LinkgraphError, match="no community 999"):
        export(sample_case, "exhibit", tmp_path, ExportOptions(community=999))
    with pytest.raises(LinkgraphError, match="no entity 999999"):
        export(sample_case, "exhibit", tmp_path, ExportOptions(ego=999999))
