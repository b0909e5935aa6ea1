"""An entity's links for the inspector: the other end, the source row, and merges followed."""

from __future__ import annotations

from pathlib import Path

from importers import import_file
from importers.options import ImportOptions
from linkgraph.case import CaseFile, merge_entities
from linkgraph.entity_links import entity_links, link_count


def _case(case_path: Path, tmp_path: Path) -> CaseFile:
    sheet = tmp_path / "ties.csv"
    sheet.write_text(
        "From,To,Relationship,Date\n"
        "Rosa Vega,Tom Reyes,associate_of,2024-01-04\n"
        "Ivy Chan,Rosa Vega,family_of,2024-01-02\n"
        "R. Vega,Ivy Chan,associate_of,2024-01-09\n"
        "Tom Reyes,Ivy Chan,associate_of,\n",
        encoding="utf-8",
    )
    case = CaseFile.open(case_path)
    import_file(case, sheet, ImportOptions(kind="links"))
    return case


def _person(case: CaseFile, label: str) -> int:
    return next(e.id for e in case.entities("Person") if e.label == label)


def test_links_of_an_entity_oldest_first_with_source_rows(case_path: Path, tmp_path: Path) -> None:
    with _case(case_path, tmp_path) as case:
        rosa = _person(case, "Rosa Vega")
        found = entity_links(case, rosa)
        assert [(f["type"], f["direction"], f["other_label"], f["row"]) for f in found] == [
            ("family_of", "in", "Ivy Chan", 3), ("associate_of", "out", "Tom Reyes", 2)]
        assert all(f["file"] == "ties.csv" and f["other_type"] == "Person" for f in found)
        assert link_count(case, rosa) == 2


def test_links_follow_merges_and_undated_links_come_last(case_path: Path, tmp_path: Path) -> None:
    with _case(case_path, tmp_path) as case:
        rosa, alias, ivy = _person(case, "Rosa Vega"), _person(case, "R. Vega"), _person(case, "Ivy Chan")
        merge_entities(case, rosa, alias, "same woman: booking photo")
        found = entity_links(case, alias)           # asking by the merged id shows the survivor's links
        assert [f["row"] for f in found] == [3, 2, 4]
        assert link_count(case, rosa) == 3
        ivy_links = entity_links(case, ivy)
        assert [(f["other"], f["row"]) for f in ivy_links][-1] == (_person(case, "Tom Reyes"), 5)
        assert {f["other"] for f in ivy_links if f["row"] in (3, 4)} == {rosa}
        assert entity_links(case, ivy, limit=1)[0]["row"] == 3
