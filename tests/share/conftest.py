"""Two agencies' cases built from disjoint files of the sample case, built once and copied per test."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from importers import import_file
from importers.options import ImportOptions
from linkgraph.case import CaseFile
from linkgraph.identity import normalize_phone
from sample_cases.build import answer_key, sample_dir

# Agency 1 (city police) holds the night-list ad scrape and the gang-intelligence sheet;
# agency 2 (HSI) holds the vibe-list scrape and the analyst's phone attribution sheet.
AGENCY_FILES = {
    "Stockton PD": ["ads_nightlist.jsonl", "associates.csv"],
    "HSI": ["ads_vibelist.csv", "phone_attribution.csv"],
}


@pytest.fixture(scope="session")
def shared_phones() -> set[str]:
    """Hand-derivable from the answer key and the attribution sheet: night-list ad phones that HSI also holds."""
    key = answer_key()
    night = {p for ad in key["ads"] if ad["file"] == "ads_nightlist.jsonl" for p in ad["phones"]}
    vibe = {p for ad in key["ads"] if ad["file"] == "ads_vibelist.csv" for p in ad["phones"]}
    attributed = set()
    with (sample_dir() / "phone_attribution.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for side in ("Source", "Target"):
                if row[f"{side} Type"] == "Phone":
                    attributed.add(normalize_phone(row[side]).e164)
    return night & (vibe | attributed)


@pytest.fixture(scope="session")
def agency_cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Agency name -> a built case file (do not modify: copy with `agency_copy`)."""
    folder = tmp_path_factory.mktemp("agencies")
    built = {}
    for number, (agency, files) in enumerate(AGENCY_FILES.items(), start=1):
        path = folder / f"agency{number}.lgcase"
        with CaseFile.create(path, name=f"Crossroads ({agency})", timezone="America/Los_Angeles",
                             agency=agency) as case:
            for name in files:
                import_file(case, sample_dir() / name, ImportOptions())
        built[agency] = path
    return built


@pytest.fixture
def agency_copy(agency_cases: dict[str, Path], tmp_path: Path):
    """A fresh copy of one agency's case in this test's folder."""
    def copy(agency: str) -> Path:
        target = tmp_path / agency_cases[agency].name
        shutil.copyfile(agency_cases[agency], target)
        return target
    return copy



# The scenario: agency 1 holds the controller's carrier return, an ad scrape and his Cash App;
# agency 2 holds a set leader's carrier return, both motel registries and a bottom's Venmo.
CARRIER_FILES = {
    "Sheriff": ["tmobile_return_haskins.xlsx", "ads_nightlist.jsonl", "cashapp_haskins.csv"],
    "FBI": ["att_return_carranza.csv", "hotel_delta_inn_stockton.csv", "hotel_sierra_motor_lodge_fresno.xlsx",
            "venmo_lamb.csv"],
}


@pytest.fixture(scope="session")
def carrier_cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Agency name -> a case built from CARRIER_FILES (do not modify: copy it)."""
    folder = tmp_path_factory.mktemp("carriers")
    built = {}
    for agency, files in CARRIER_FILES.items():
        path = folder / f"{agency.lower()}.lgcase"
        with CaseFile.create(path, name=f"Crossroads ({agency})", timezone="America/Los_Angeles",
                             agency=agency) as case:
            for name in files:
                import_file(case, sample_dir() / name, ImportOptions())
        built[agency] = path
    return built
