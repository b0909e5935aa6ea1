"""The court exhibit package on the sample case: files, chart text, source table, method note, redaction."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from linkgraph.case import CaseFile, ImportSession, audit
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
        chain = audit.entries(case.conn)
        problems = audit.check_chain(case.conn)
    return out / "pkg", {"sha": sha, "sources": sources, "ego": haskins.id, "chain": chain, "problems": problems}


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
    anchor = facts["chain"][-2]["hash"]             # the entry just before the export's own
    assert anchor in first and "Operation Crossroads" in first
    # every later page repeats the footer with the audit anchor and the page number
    assert all(anchor in page.extract_text() for page in reader.pages[1:])
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


def test_printed_anchor_is_an_entry_of_the_valid_audit_chain_and_the_export_records_it(
        package: tuple[Path, dict]) -> None:
    out, facts = package
    assert facts["problems"] == []
    footer = pdf_text(out / "exhibit.pdf")
    printed = re.search(r"Audit anchor: entry (\d+), SHA-256 ([0-9a-f]{64})", footer)
    assert printed, footer[:500]
    seq, digest = int(printed.group(1)), printed.group(2)
    by_seq = {e["seq"]: e for e in facts["chain"]}
    assert by_seq[seq]["hash"] == digest
    entry = by_seq[seq + 1]                            # the export's own entry follows the anchor
    assert entry["action"] == "export" and entry["details"]["anchor"] == f"{seq}:{digest}"
    import hashlib

    for name in FILES:
        assert entry["details"]["sha256"][name] == hashlib.sha256((out / name).read_bytes()).hexdigest()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["audit_anchor"] == f"{seq}:{digest}"
    assert f"Audit anchor: entry {seq} of the case's audit log, SHA-256 {digest}" in \
        (out / "method.txt").read_text(encoding="utf-8")


def test_fonts_are_embedded_truetype(package: tuple[Path, dict]) -> None:
    out, _ = package
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    listing = subprocess.run(["pdffonts", str(out / "exhibit.pdf")], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    assert listing
    for line in listing:
        assert "TrueType" in line and " yes yes " in line, line     # type TrueType, emb yes, sub yes


def test_emoji_and_other_scripts_in_raw_records_are_not_question_marks(small_case: CaseFile, tmp_path: Path) -> None:
    source = tmp_path / "cash.csv"
    source.write_text("cash\n", encoding="utf-8")
    with ImportSession(small_case, source, kind="links") as session:
        session.set_header(["from", "to", "note"], 1)
        session.raw_row(2, ["Marcus Bell", "Лена Петрова", "\U0001f4af for today \u2014 Ελένη 日本"])
        him = next(e.id for e in small_case.entities("Person") if e.label == "Marcus Bell")
        other = session.entity("Person", None, "Лена Петрова", row=2)
        session.link("paid", him, other, row=2, amount=100.0)
    export(small_case, "exhibit", tmp_path / "x", ExportOptions(redact_victims=False))
    text = pdf_text(tmp_path / "x" / "exhibit.pdf")
    assert "Лена Петрова" in text and "Ελένη" in text
    assert "?" not in "".join(re.findall(r"note: ([^\n]*)", text))
    # an emoji no embedded font can carry into the text layer is written out by name
    assert "[U+1F4AF HUNDRED POINTS SYMBOL]" in " ".join(text.split())


def test_exhibit_without_any_victim_marked_is_refused_unless_stated(case: CaseFile, tmp_path: Path) -> None:
    source = tmp_path / "calls.csv"
    source.write_text("calls\n", encoding="utf-8")
    with ImportSession(case, source, kind="links") as session:
        session.set_header(["a", "b"], 1)
        session.raw_row(2, ["Marcus Bell", "Rosa Delgado"])
        a = session.entity("Person", None, "Marcus Bell", row=2)
        b = session.entity("Person", None, "Rosa Delgado", row=2)
        session.link("associate_of", a, b, row=2)
    with pytest.raises(LinkgraphError, match="no one in this case is marked victim or minor"):
        export(case, "exhibit", tmp_path / "refused", ExportOptions())
    assert not (tmp_path / "refused").exists() or not any((tmp_path / "refused").iterdir())
    export(case, "exhibit", tmp_path / "stated", ExportOptions(no_victims_marked=True))
    text = pdf_text(tmp_path / "stated" / "exhibit.pdf")
    assert "Victims and minors shown by pseudonym" not in text and "Shown by pseudonym" not in text
    assert "No person marked victim or minor at export" in text
    # without redaction nothing is claimed and nothing refused
    export(case, "exhibit", tmp_path / "plain", ExportOptions(redact_victims=False))


def test_exhibit_footer_says_what_was_protected(small_case: CaseFile, tmp_path: Path) -> None:
    export(small_case, "exhibit", tmp_path / "x", ExportOptions())
    text = pdf_text(tmp_path / "x" / "exhibit.pdf")
    assert "Shown by pseudonym: 1 victim or minor" in text and "1 phone" in text and "1 ad" in text


def test_cli_refuses_then_accepts_no_victims_marked(case: CaseFile, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    from linkgraph.cli import main
    source = tmp_path / "calls.csv"
    source.write_text("calls\n", encoding="utf-8")
    with ImportSession(case, source, kind="links") as session:
        session.set_header(["a", "b"], 1)
        session.raw_row(2, ["Marcus Bell", "Ray Cole"])
        session.link("associate_of", session.entity("Person", None, "Marcus Bell", row=2),
                     session.entity("Person", None, "Ray Cole", row=2), row=2)
    path = case.path
    case.close()
    assert main(["export", str(path), "-f", "exhibit", "-o", str(tmp_path / "a")]) != 0
    assert "--no-victims-marked" in capsys.readouterr().err
    assert main(["export", str(path), "-f", "exhibit", "-o", str(tmp_path / "b"), "--no-victims-marked"]) == 0
