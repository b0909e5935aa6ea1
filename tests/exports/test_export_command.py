"""`linkgraph export` from the command line on the sample case, in every format."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from linkgraph.case import CaseFile
from linkgraph.cli import main
from linkgraph.exports import FORMATS

OUTPUTS = {"exhibit": "exhibit", "xlsx": "case.xlsx", "html": "chart.html", "graphml": "chart.graphml",
           "gexf": "chart.gexf", "anx": "chart.anx", "kml": "places.kml", "ftm": "case.ftm.json", "csv": "tables"}


@pytest.fixture
def case_file(sample_master: Path, tmp_path: Path) -> Path:
    path = tmp_path / "crossroads.lgcase"
    path.write_bytes(sample_master.read_bytes())
    return path


def test_every_format_from_the_command_line(case_file: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture) -> None:
    assert set(OUTPUTS) == set(FORMATS)
    for fmt, name in OUTPUTS.items():
        target = tmp_path / "out" / name
        assert main(["export", str(case_file), "--format", fmt, "-o", str(target)]) == 0, fmt
        printed = capsys.readouterr().out.splitlines()
        assert printed and all(line.startswith("wrote ") for line in printed)
        for line in printed:
            written = Path(line.removeprefix("wrote "))
            assert written.exists() and written.stat().st_size > 0
    assert (tmp_path / "out" / "exhibit" / "exhibit.pdf").exists()
    assert (tmp_path / "out" / "tables" / "links.csv").exists()


def test_exhibit_options_from_the_command_line(case_file: Path, tmp_path: Path) -> None:
    with CaseFile.open(case_file, read_only=True) as case:
        haskins = case.find_entity("Phone", "+12095550144").id
    key_file = tmp_path / "sealed" / "key.csv"
    out = tmp_path / "exhibit"
    assert main(["export", str(case_file), "-f", "exhibit", "-o", str(out), "--ego", str(haskins),
                 "--exhibit-number", "7A", "--title", "Phone 0144", "--key-file", str(key_file),
                 "--max-nodes", "12", "--from", "2024-04-13", "--to", "2024-05-31"]) == 0
    note = (out / "method.txt").read_text(encoding="utf-8")
    assert "Time window: 2024-04-13 00:00:00 PDT to 2024-05-31 23:59:59 PDT" in note
    assert "the chart keeps the 12 with the most records" in note
    with key_file.open(encoding="utf-8-sig") as handle:
        assert any(row["pseudonym"].startswith("Victim phone") for row in csv.DictReader(handle))
    assert not (out / "key.csv").exists()


def test_bad_focus_is_one_clear_line(case_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["export", str(case_file), "-f", "exhibit", "-o", str(tmp_path / "x"), "--ego", "999999"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no entity 999999" in err[0]
