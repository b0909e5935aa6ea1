"""Every byte of every redacted export of the sample case, PDF text included, searched for every
identifier a victim or minor holds (names, working names, phones in every spelling, ID documents,
addresses, e-mails, accounts, handles, plates, devices) and the names of their relatives.

The identifiers are found here from the case itself (holding links and person attributes), not
from the redactor, so a gap in the redactor's own list shows as a leak.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from linkgraph.case import CaseFile
from linkgraph.exports import FORMATS, ExportOptions, export
from linkgraph.exports.html import _vis_asset

from .conftest import phone_spellings

HOLDING = ("uses", "owns", "located_at")
IDENTIFIER_TYPES = ("Phone", "Email", "Account", "OnlineAccount", "Device", "Vehicle", "IdDocument", "Location")


def victim_identifiers(case: CaseFile) -> dict[str, str]:
    """needle (lower case) -> what it is: every identifier a victim or minor holds, and relatives' names."""
    reps = case.representatives()
    rows = {r[0]: r for r in case.conn.execute("SELECT id, type, key, label, role, minor, attrs FROM entities")}
    heads = {reps.get(i, i) for i, r in rows.items() if r[1] == "Person" and (r[4] == "victim" or r[5])}
    victims = {i for i in rows if reps.get(i, i) in heads}
    family = {name for name, t in case.model.links.items() if t.ftm == "Family"}
    links = case.conn.execute("SELECT type, src, dst FROM links").fetchall()
    relatives = {o for t, s, d in links if t in family for a, o in ((s, d), (d, s)) if a in victims
                 and rows[o][1] == "Person" and rows[o][4] != "suspect"}
    holders = victims | relatives
    held = {o for t, s, d in links if t in HOLDING for a, o in ((s, d), (d, s)) if a in holders
            and rows[o][1] in IDENTIFIER_TYPES}
    held |= {o for t, s, d in links if t == "uses" for a, o in ((s, d), (d, s)) if a in held
             and rows[o][1] == "Device"}
    needles: dict[str, str] = {}
    for entity in victims | relatives:
        needles[rows[entity][3].lower()] = f"name of person {entity}"
        attrs = json.loads(rows[entity][6] or "{}")
        for alias in attrs.get("alias") or []:
            needles[re.compile(rf"(?<![a-z]){re.escape(alias.lower())}(?![a-z])")] = f"working name of {entity}"
        for name in ("address", "id_number", "phone", "email"):
            if attrs.get(name):
                needles[str(attrs[name]).lower()] = f"{name} of person {entity}"
    for entity in held:
        etype, key, label = rows[entity][1], rows[entity][2], rows[entity][3]
        for text in {key, label}:
            if text and len(text) >= 4:
                needles[text.lower()] = f"{etype} {entity}"
        if etype == "Phone" and key:
            for spelling in phone_spellings(key):
                needles[spelling.lower()] = f"{etype} {entity}"
        if etype == "Location" and "," in label:
            needles[label.split(",")[0].strip().lower()] = f"street of {etype} {entity}"
    return needles


def readable(path: Path) -> dict[str, str]:
    """Every text a file holds: its bytes as text, an xlsx's XML parts, a PDF's text and metadata."""
    data = path.read_bytes()
    # a PDF's streams are compressed: what it says is read from its text and metadata below
    texts = {path.name: data.decode("utf-8", "replace")} if path.suffix not in (".pdf", ".png") else {}
    if path.suffix == ".html":
        # the page's own code (the bundled vis-network library, node shape names such as "diamond") is not
        # case data; everything else is searched
        page = texts[path.name].replace(_vis_asset("vis-network.min.js"), "")
        texts[path.name] = re.sub(r'"shape":"[a-z]+"', "", page)
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            for name in book.namelist():
                texts[f"{path.name}:{name}"] = book.read(name).decode("utf-8", "replace")
    if path.suffix == ".pdf":
        reader = PdfReader(path)
        texts[f"{path.name} (text)"] = "\n".join(page.extract_text() or "" for page in reader.pages)
        texts[f"{path.name} (metadata)"] = json.dumps({k: str(v) for k, v in (reader.metadata or {}).items()})
    return texts


@pytest.fixture(scope="module")
def redacted(sample_master: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, list[Path]], dict]:
    out = tmp_path_factory.mktemp("redacted")
    path = out / "case.lgcase"
    path.write_bytes(sample_master.read_bytes())
    with CaseFile.open(path) as case:
        needles = victim_identifiers(case)
        files = {fmt: export(case, fmt, out / fmt, ExportOptions(redact_victims=True)) for fmt in FORMATS}
    return files, needles


def test_the_sample_case_gives_the_check_something_to_find(redacted: tuple[dict, dict]) -> None:
    _, needles = redacted
    kinds = " ".join(needles.values())
    for kind in ("IdDocument", "Phone", "Location", "name of person", "working name"):
        assert kind in kinds, kind


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_no_victim_identifier_in_any_byte_of_a_redacted_export(redacted: tuple[dict, dict], fmt: str) -> None:
    files, needles = redacted
    found = []
    for path in files[fmt]:
        for name, text in readable(path).items():
            folded = text.lower()
            for needle, what in needles.items():
                hit = needle.search(folded) if isinstance(needle, re.Pattern) else needle in folded
                if hit:
                    found.append(f"{what} ({needle if isinstance(needle, str) else needle.pattern}) in {name}")
    assert not found, "\n".join(sorted(set(found))[:40])
