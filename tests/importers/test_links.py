"""Generic link import: auto-recognised columns, --map, entity types, strict and lenient."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pytest

from importers import import_file
from importers.options import ImportOptions
from linkgraph.case import CaseFile
from linkgraph.errors import InputError, LinkgraphError

SHEET = """Gang intelligence - field interview cards
Prepared by Det. R. Alvarez

Person A,Person B,Relationship,Date,Source Notes
DeShawn Miller,Marcus Reed,associate_of,09/14/2024,FI card 2291
Marcus Reed,Ridgeview Set,member_of,09/15/2024,admitted membership
Tasha Green,DeShawn Miller,family,10/01/2024,cousin
Tasha Green,Marcus Reed,knows,,
"""


def test_analyst_columns_recognised(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "associates.csv"
    path.write_text(SHEET, encoding="utf-8")
    result = import_file(case, path, ImportOptions(kind="links"))
    assert result.profile == "generic-links"
    assert (result.rows_imported, result.rows_rejected, result.links_created) == (4, 0, 4)
    links = case.conn.execute(
        "SELECT l.type, a.label, b.label, b.type, l.row FROM links l JOIN entities a ON a.id = l.src "
        "JOIN entities b ON b.id = l.dst ORDER BY l.row"
    ).fetchall()
    assert links == [
        ("associate_of", "DeShawn Miller", "Marcus Reed", "Person", 5),
        ("member_of", "Marcus Reed", "Ridgeview Set", "Organization", 6),
        ("family_of", "Tasha Green", "DeShawn Miller", "Person", 7),
        ("associate_of", "Tasha Green", "Marcus Reed", "Person", 8),
    ]
    first = case.conn.execute("SELECT id, start FROM links WHERE row = 5").fetchone()
    assert first[1] == 1726297200  # 2024-09-14 00:00 Pacific
    cite = case.link_provenance(first[0])[0]
    assert cite["raw"]["Source Notes"] == "FI card 2291"
    assert cite["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_user_mapping_and_types_xlsx(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "contacts.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Suspect phone", "Contact", "Strength"])
    sheet.append([2095550123, "209.555.0188", 12])
    sheet.append(["(209) 555-0123", "+1 209 555 0199", 3])
    book.save(path)
    options = ImportOptions(kind="links", mapping={"source": "Suspect phone", "target": "Contact", "weight": "Strength"},
                            extra={"source_type": "Phone", "target_type": "Phone", "link_type": "call"})
    result = import_file(case, path, options)
    assert result.links_created == 2
    phones = {e.key for e in case.entities("Phone")}
    assert phones == {"+12095550123", "+12095550188", "+12095550199"}
    weights = [w for (w,) in case.conn.execute("SELECT weight FROM links ORDER BY row")]
    assert weights == [12.0, 3.0]


def test_strict_names_file_row_column_and_writes_nothing(case_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "links.csv"
    path.write_text("From,To,Date\nA,B,2024-09-01\nC,D,next tuesday\n", encoding="utf-8")
    before = hashlib.sha256(case_path.read_bytes()).hexdigest()
    with CaseFile.open(case_path) as case, pytest.raises(InputError) as error:
        import_file(case, path, ImportOptions(kind="links"))
    assert "links.csv, row 3, column 'Date': cannot read the date 'next tuesday'" in str(error.value)
    assert hashlib.sha256(case_path.read_bytes()).hexdigest() == before


def test_lenient_keeps_rejected_rows_with_reasons(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "links.csv"
    path.write_text("From,To,Date\nA,B,2024-09-01\nC,D,next tuesday\n,E,2024-09-02\n", encoding="utf-8")
    result = import_file(case, path, ImportOptions(kind="links", strict=False))
    assert (result.rows_imported, result.rows_rejected) == (1, 2)
    rejected = case.rejected_rows()
    assert [(r["row"], r["column"]) for r in rejected] == [(3, "Date"), (4, "From")]
    assert rejected[0]["raw"] == ["C", "D", "next tuesday"]


def test_missing_columns_named_clearly(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("Alpha,Beta\n1,2\n", encoding="utf-8")
    with pytest.raises(LinkgraphError, match=r"odd.csv: no column found for source.*Columns in the file: Alpha, Beta"):
        import_file(case, path, ImportOptions(kind="links"))
    with pytest.raises(LinkgraphError, match="no column 'Gamma'"):
        import_file(case, path, ImportOptions(kind="links", mapping={"source": "Alpha", "target": "Gamma"}))


def test_saved_profile_is_reused(case: CaseFile, tmp_path: Path) -> None:
    first = tmp_path / "one.csv"
    first.write_text("Alpha,Beta\nAndre Price,Marcus Bell\n", encoding="utf-8")
    import_file(case, first, ImportOptions(kind="links", mapping={"source": "Alpha", "target": "Beta"},
                                           save_profile="alpha-beta"))
    second = tmp_path / "two.csv"
    second.write_text("Alpha,Beta\nCarla Diaz,Dion Reed\n", encoding="utf-8")
    result = import_file(case, second, ImportOptions(kind="links"))
    assert result.profile == "alpha-beta" and result.links_created == 1


def test_link_sheet_detected_without_kind(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "associates.csv"
    path.write_text(SHEET, encoding="utf-8")
    options = ImportOptions()
    result = import_file(case, path, options)
    assert options.kind == "links"
    assert result.profile == "generic-links"
    assert result.rows_imported == 4


def test_unrecognised_sheet_asks_for_kind(case: CaseFile, tmp_path: Path) -> None:
    path = tmp_path / "inventory.csv"
    path.write_text("Item,Shelf,Quantity\nbolts,A3,40\n", encoding="utf-8")
    with pytest.raises(InputError, match="cannot tell what kind of records this is; give --kind"):
        import_file(case, path, ImportOptions())
    assert case.conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 0
