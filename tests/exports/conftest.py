"""Fixtures of the export tests: the sample case (built once per session, victims marked from the
answer key, one analysis run stored) and a small hand-made case with a victim and a hostile ad."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from linkgraph.analysis import AnalysisParams, analyze
from linkgraph.case import CaseFile, ImportSession
from linkgraph.times import parse_iso
from sample_cases.build import answer_key

ZONE = "America/Los_Angeles"


def mark_victims(case: CaseFile, key: dict) -> dict[str, bool]:
    """Flag every person named as a victim in the answer key (role victim, minor as the key says) and
    record her working names from the interviews."""
    victims = {v["name"]: bool(v["minor"]) for v in key["victims"]}
    names = {v["name"]: v.get("ad_names") or [] for v in key["victims"]}
    for entity in case.entities("Person"):
        if entity.label in victims:
            case.edit_entity(entity.id, role="victim", minor=victims[entity.label])
            if names[entity.label]:
                case.set_aliases(entity.id, names[entity.label])
    return victims


@pytest.fixture(scope="session")
def sample_master(sample_built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample case as the investigator leaves it before exporting (do not write to it: copy it)."""
    path = sample_built.copy(tmp_path_factory.mktemp("sample") / "crossroads.lgcase")
    with CaseFile.open(path) as case:
        mark_victims(case, answer_key())
        params = AnalysisParams()
        case.record_analysis(params.as_dict(), analyze(case, params))
    return path


@pytest.fixture
def sample_case(sample_master: Path, tmp_path: Path):
    """A fresh copy of the sample case for one test (exports append to the audit log)."""
    path = tmp_path / "crossroads.lgcase"
    shutil.copyfile(sample_master, path)
    with CaseFile.open(path) as case:
        yield case


@pytest.fixture(scope="session")
def key() -> dict:
    return answer_key()


def phone_spellings(e164: str) -> list[str]:
    """The ways a North American number is written in records: +1..., 10 digits, (209) 555-0171, 209-555-0171."""
    digits = re.sub(r"\D", "", e164)[-10:]
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return [e164, digits, f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}"]


@pytest.fixture
def small_case(case: CaseFile, tmp_path: Path) -> CaseFile:
    """A victim (Rosa Delgado) who uses (209) 555-0188 and is advertised; a suspect who calls her;
    an analyst's sheet that names her in a contact cell; an ad whose title and body are hostile."""
    source = tmp_path / "calls.csv"
    source.write_text("records\n", encoding="utf-8")
    with ImportSession(case, source, kind="links") as session:
        session.set_header(["what", "a", "b", "when"], 1)
        session.raw_row(2, ["person", "Rosa Delgado", "", ""])
        victim = session.entity("Person", None, "Rosa Delgado", row=2, role="victim", minor=True)
        session.raw_row(3, ["person", "Marcus Bell", "", ""])
        suspect = session.entity("Person", None, "Marcus Bell", row=3, role="suspect")
        session.raw_row(4, ["phone", "(209) 555-0188", "", ""])
        her_phone = session.entity("Phone", "+12095550188", "(209) 555-0188", row=4)
        session.raw_row(5, ["phone", "(209) 555-0111", "", ""])
        his_phone = session.entity("Phone", "+12095550111", "(209) 555-0111", row=5)
        session.raw_row(6, ["uses", "Rosa Delgado", "209.555.0188", ""])
        session.link("uses", victim, her_phone, row=6)
        session.raw_row(7, ["uses", "Marcus Bell", "2095550111", ""])
        session.link("uses", suspect, his_phone, row=7)
        for row, when in ((8, "2024-04-02 21:15"), (9, "2024-04-03 09:40"), (10, "2024-04-03 22:05")):
            session.raw_row(row, ["call", "2095550111", "+1 209 555 0188", when])
            session.link("call", his_phone, her_phone, row=row, start=parse_iso(when, ZONE), duration=95)
        session.raw_row(11, ["ad", "VL-1", '=HYPERLINK("http://evil.example","x")', "2024-04-04 10:00"])
        ad = session.entity("Ad", "vibelist.example/VL-1", "VL-1", row=11, attrs={
            "title": '=HYPERLINK("http://evil.example","x") Rosa in Stockton',
            "body": 'Call (209) 555-0188 <script>alert(1)</script> <img src="http://evil.example/p.png" '
                    'onerror="alert(2)">', "city": "Stockton", "region": "CA"})
        session.link("posted", her_phone, ad, row=11, start=parse_iso("2024-04-04 10:00", ZONE))
        session.raw_row(12, ["contact", "Marcus Bell", "Rosa D. cell", "Delgado, Rosa"])
        session.link("associate_of", suspect, victim, row=12)
        session.raw_row(13, ["site", "Tower 7", "", ""])
        site = session.entity("CellSite", "310-260-7", "Tower 7", row=13,
                              attrs={"lat": 37.95, "lon": -121.29, "address": "1 Main St, Stockton"})
        session.raw_row(14, ["call", "2095550111", "2095550188", "2024-04-05 20:00"])
        session.link("call", his_phone, her_phone, row=14, start=parse_iso("2024-04-05 20:00", ZONE), duration=30,
                     location=site)
        session.raw_row(15, ["seen", "Tower 7", "2095550111", ""])
        session.link("seen_at", his_phone, site, row=15, start=parse_iso("2024-04-05 20:00", ZONE))
    return case
