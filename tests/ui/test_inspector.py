"""The inspector on the sample case: attributes, links, provenance one click away, role/minor edits."""

from __future__ import annotations

import pytest

from linkgraph.case import CaseFile, merge_entities
from linkgraph.entity_links import link_count
from ui.inspector import Inspector


@pytest.fixture
def case(sample_case_path):
    with CaseFile.open(sample_case_path) as opened:
        yield opened


@pytest.fixture
def inspector(qtbot, case):
    widget = Inspector()
    qtbot.addWidget(widget)
    widget.set_case(case)
    return widget


def _rows(table) -> list[list[str]]:
    return [[table.item(r, c).text() if table.item(r, c) else "" for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def _haskins(case: CaseFile) -> int:
    return next(e.id for e in case.entities("Person") if e.label == "Darnell Haskins")


def test_shows_attributes_and_links_of_a_person(inspector, case):
    haskins = _haskins(case)
    inspector.show_entity(haskins)
    assert inspector.title.text() == "Darnell Haskins"
    assert inspector.subtitle.text().startswith(f"Person #{haskins}")
    assert inspector.person_box.isVisibleTo(inspector)
    assert inspector.role.currentText() == "unknown" and not inspector.minor.isChecked()
    attributes = dict((name, value) for name, value in _rows(inspector.attributes))
    assert attributes["address"] == "2418 Meadowlark St, Stockton, CA 95205"
    named_in = [value for name, value in _rows(inspector.attributes) if name == "named in"]
    assert named_in[0] == "hotel_delta_inn_stockton.csv row 7 (grade A11)"
    assert len(named_in) == len(case.entity_provenance(haskins)) > 1
    links = _rows(inspector.links)
    assert len(links) == link_count(case, haskins) > 0
    first = links[0]
    assert first[1:3] == ["→ stayed_at", "Delta Inn & Suites (Hotel)"]
    assert first[4] == "hotel_delta_inn_stockton.csv:7"
    assert first[0] == "2024-03-08 00:00"


def test_one_click_on_a_link_shows_the_source_row_and_raw_values(inspector, case):
    haskins = _haskins(case)
    inspector.show_entity(haskins)
    inspector.links.selectRow(0)
    link_id = inspector.selected_link()
    cited = case.link_provenance(link_id)[0]
    shown = _rows(inspector.provenance)
    assert shown == [[column, value] for column, value in cited["raw"].items()]
    assert ["Guest Name", "Darnell Haskins"] in shown and ["Payment", "Cash"] in shown
    assert inspector.provenance_title.text().startswith(
        f"Link {link_id} comes from hotel_delta_inn_stockton.csv row 7, grade {cited['grade']}")
    assert cited["sha256"][:12] in inspector.provenance_title.text()
    inspector.show_entity(case.find_entity("Phone", "+12095550144").id)       # another entity: no stale source
    assert inspector.provenance.rowCount() == 0
    assert inspector.provenance_title.text() == "Click a link to see the source row behind it."


def test_an_event_recorded_twice_shows_both_source_rows(inspector, case):
    link_id, = case.conn.execute("SELECT link_id FROM link_evidence ORDER BY link_id LIMIT 1").fetchone()
    cites = case.link_provenance(link_id)
    assert len(cites) == 2
    inspector.show_provenance(link_id)
    shown = _rows(inspector.provenance)
    assert shown[0] == [f"— {cites[0]['file']} row {cites[0]['row']}", ""]
    assert [f"— {cites[1]['file']} row {cites[1]['row']}", ""] in shown
    assert len(shown) == 2 + len(cites[0]["raw"]) + len(cites[1]["raw"])


def test_a_phone_has_no_role_and_a_call_shows_its_duration(inspector, case):
    phone = case.find_entity("Phone", "+12095550144")
    inspector.show_entity(phone.id)
    assert inspector.title.text() == phone.label
    assert not inspector.person_box.isVisibleTo(inspector)
    calls = [row for row in _rows(inspector.links) if row[1].endswith(" call")]
    assert calls and all(row[3] == "" or row[3].endswith(" s") for row in calls)
    assert sum(row[3].endswith(" s") for row in calls) > len(calls) / 2
    assert all(row[3] == "" for row in _rows(inspector.links) if row[1].endswith(" sms"))


def test_role_and_minor_changes_are_requested_not_written(qtbot, inspector, case):
    kayla = next(e.id for e in case.entities("Person") if e.label == "Kayla Dunn")
    inspector.show_entity(kayla)
    index = inspector.role.findText("victim")
    with qtbot.waitSignal(inspector.editRequested) as role:
        inspector.role.setCurrentIndex(index)
        inspector.role.activated.emit(index)
    assert role.args == [kayla, {"role": "victim"}]
    with qtbot.waitSignal(inspector.editRequested) as minor:
        inspector.minor.click()
    assert minor.args == [kayla, {"minor": True}]
    assert case.entity(kayla).role == "unknown" and not case.entity(kayla).minor   # the window's undo stack writes


def test_a_merged_entity_shows_the_one_that_stands_for_it(inspector, case):
    first, second = [e.id for e in case.entities("Person") if e.label == "Darnell Haskins"][:2]
    merge_entities(case, first, second, "same person")
    inspector.show_entity(second)
    assert inspector.entity_id == first
    attributes = dict(_rows(inspector.attributes))
    assert attributes["stands for"] == f"Darnell Haskins (#{second})"
    assert len(_rows(inspector.links)) == link_count(case, first)
