"""The import preview: the importer's own verdicts on the first rows, nothing written to the case."""

from __future__ import annotations

from pathlib import Path

import pytest

from importers.options import ImportOptions
from importers.preview import mapping_problem, preview_import
from linkgraph.case import CaseFile
from linkgraph.errors import InputError


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text(
        "From,To,Relationship,Weight,Date\n"
        "Rosa Vega,Tom Reyes,associate_of,3,2024-01-04\n"
        "Tom Reyes,,associate_of,1,2024-01-05\n"
        "Rosa Vega,Ivy Chan,family_of,lots,2024-01-06\n"
        "Ivy Chan,Tom Reyes,associate_of,2,someday\n"
        "Ivy Chan,Rosa Vega,family_of,1,2024-01-08\n",
        encoding="utf-8",
    )
    return path


def test_preview_reports_the_importers_rejections_with_row_and_column(sheet: Path) -> None:
    found = preview_import(sheet, timezone="America/Los_Angeles")
    assert (found.kind, found.profile, found.detected) == ("links", "generic-links", True)
    assert found.mapping == {"source": "From", "target": "To", "type": "Relationship", "weight": "Weight",
                             "date": "Date"}
    assert [r["row"] for r in found.rows] == [2, 3, 4, 5, 6]
    assert found.rows[0]["values"] == {"source": "Rosa Vega", "target": "Tom Reyes", "type": "associate_of",
                                       "weight": "3", "date": "2024-01-04"}
    assert [(r["row"], r["column"]) for r in found.rejected] == [(3, "To"), (4, "Weight"), (5, "Date")]
    assert found.rejected[1]["reason"] == "weight 'lots' is not a number"
    assert found.rejected[2]["reason"].startswith("cannot read the date 'someday'")
    assert (found.rows_read, found.entities, found.links) == (5, 3, 2)
    assert found.importable


def test_preview_limits_rows_and_never_touches_the_case(sheet: Path, case_path: Path) -> None:
    with CaseFile.open(case_path) as case:
        before = case.sha256()
    found = preview_import(sheet, ImportOptions(kind="links"), rows=2)
    assert [r["row"] for r in found.rows] == [2, 3]
    assert [r["row"] for r in found.rejected] == [3]
    with CaseFile.open(case_path) as case:
        assert case.sha256() == before and case.counts()["sources"] == 0


def test_preview_with_an_incomplete_mapping_names_the_missing_field(tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("Suspect,Contact,Notes\nAl Diaz,Bo Chen,met twice\n", encoding="utf-8")
    found = preview_import(odd, ImportOptions(kind="links"))
    assert not found.importable
    assert "no column found for source" in found.problem
    assert found.columns == ["Suspect", "Contact", "Notes"]
    assert found.mapping == {"notes": "Notes"}
    assert found.rows == [] and found.rejected == []
    fixed = preview_import(odd, ImportOptions(kind="links", mapping={"source": "Suspect", "target": "Contact"}))
    assert fixed.importable and fixed.links == 1
    assert mapping_problem("links", fixed.columns, None, {"source": "Suspect", "target": "Contact"}) is None
    assert "not a links field" in mapping_problem("links", fixed.columns, None, {"caller": "Suspect"})


def test_preview_of_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        preview_import(tmp_path / "gone.csv")
