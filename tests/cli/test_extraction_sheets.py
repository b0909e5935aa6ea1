"""`linkgraph import --sheet A --sheet B` on an extraction workbook imports those artifact sheets only (the owner
still read from the device sheet); one --sheet reads that sheet alone."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _cellebrite(tmp_path: Path) -> Path:
    spec = importlib.util.spec_from_file_location("extraction_fixtures",
                                                  ROOT / "tests" / "importers" / "test_extraction.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cellebrite_workbook(tmp_path / "UFED_Report.xlsx")


def test_chosen_sheets_of_an_extraction(tmp_path: Path) -> None:
    path = _cellebrite(tmp_path)
    case = tmp_path / "c.lgcase"
    run = [sys.executable, "-m", "linkgraph"]
    subprocess.run([*run, "new", str(case)], check=True, cwd=ROOT, capture_output=True)
    done = subprocess.run([*run, "import", str(case), str(path), "--sheet", "Contacts", "--sheet", "SMS Messages"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "contacts from Contacts" in done.stdout and "messages from SMS Messages" in done.stdout
    assert "Call Log" not in done.stdout and "owner +12095550101 (sheet 'Device Info', MSISDN)" in done.stdout
    done = subprocess.run([*run, "import", str(case), str(path), "--sheet", "Calendar", "--sheet", "Contacts",
                           "--force"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode != 0 and "no sheet named 'Calendar'" in done.stderr + done.stdout
