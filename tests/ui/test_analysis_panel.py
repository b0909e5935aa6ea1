"""The analysis panel on the sample case: sortable key players, findings, and clicks that name their evidence."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from linkgraph.analysis import analyze
from linkgraph.case import CaseFile
from sample_cases.build import answer_key
from ui.analysis_panel import AnalysisPanel, evidence_entities


@pytest.fixture(scope="module")
def result(built_sample):
    with CaseFile.open(built_sample, read_only=True) as case:
        return analyze(case)


@pytest.fixture
def panel(qtbot, result):
    widget = AnalysisPanel()
    qtbot.addWidget(widget)
    widget.set_result(result)
    return widget


def _column(table, column: int) -> list[str]:
    model = table.model()
    return [str(model.index(row, column).data()) for row in range(model.rowCount())]


def _click(qtbot, table, row: int) -> None:
    table.scrollTo(table.model().index(row, 1))
    rect = table.visualRect(table.model().index(row, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_key_players_in_score_order_and_sortable_by_any_column(panel, result):
    from linkgraph.analysis.disruption import TARGET_TYPES

    table = panel.tables["entities"]
    players = [e for e in result["entities"] if e["type"] in TARGET_TYPES]   # as `linkgraph analyze` lists them
    assert len(players) < len(result["entities"])                          # hotels and places: measured, not listed
    assert table.model().rowCount() == len(players)
    assert _column(table, 1)[:5] == [e["label"] for e in players[:5]]
    assert panel.tabs.tabText(0) == f"Key players ({len(players)})"
    table.sortByColumn(4, Qt.SortOrder.DescendingOrder)      # degree, numerically
    degrees = [int(float(v)) for v in _column(table, 4)]
    assert degrees == sorted(degrees, reverse=True)
    assert degrees[0] == max(e["degree"] for e in players)


def test_clicking_a_key_player_names_that_entity(qtbot, panel, result):
    table = panel.tables["entities"]
    table.sortByColumn(1, Qt.SortOrder.AscendingOrder)        # by label
    labels = _column(table, 1)
    row = labels.index("Darnell Haskins")
    wanted = next(e["id"] for e in result["entities"] if e["label"] == "Darnell Haskins")
    with qtbot.waitSignal(panel.entitiesChosen) as chosen:
        _click(qtbot, table, row)
    assert chosen.args == [[wanted]]


def test_the_controllers_number_swap_names_both_phones_and_the_handset(qtbot, panel, result, built_sample):
    swap = next(s for s in answer_key()["phone_swaps"] if s["person"] == "Darnell Haskins")
    with CaseFile.open(built_sample, read_only=True) as case:
        old = case.find_entity("Phone", swap["old"])
        new = case.find_entity("Phone", swap["new"])
        handset = case.find_entity("Device", swap["shared_imei"])
        contacts = {case.find_entity("Phone", number).id for number in swap["shared_contacts"]}
    table = panel.tables["replacements"]
    row = _column(table, 0).index(old.label)
    assert _column(table, 1)[row] == new.label
    with qtbot.waitSignal(panel.entitiesChosen) as chosen:
        _click(qtbot, table, row)
    ids = chosen.args[0]
    assert ids[:3] == [old.id, new.id, handset.id]
    assert set(ids[3:]) <= contacts and len(ids) > 3


def test_every_finding_row_selects_the_entities_it_names(panel, result):
    for key in ("communities", "colocations", "circuits", "indicators"):
        table = panel.tables[key]
        assert table.model().rowCount() == len(result[key])
        if not result[key]:
            continue
        assert table.row_entities(0) == evidence_entities(key, result[key][0])
        assert table.row_entities(0)
    circuit = result["circuits"][0]
    assert evidence_entities("circuits", circuit) == [circuit["entity"]["id"]]
    colocation = result["colocations"][0]
    assert evidence_entities("colocations", colocation) == [colocation["place"]["id"],
                                                             *[e["id"] for e in colocation["entities"]]]
    community = result["communities"][0]
    assert evidence_entities("communities", community) == community["member_ids"]


def test_clearing_the_panel(panel):
    panel.set_result(None)
    assert panel.tables["entities"].model().rowCount() == 0
    assert panel.summary.text().startswith("No analysis yet")


def test_the_summary_says_what_the_analysis_left_out(panel):
    large = {"ties": 698_447, "from_ties": 200_000, "not_computed": ["closeness", "eigenvector"],
             "betweenness_sources": 16, "betweenness_sources_full": 32, "how": "--full"}
    panel.set_result({"graph": {"nodes": 99_998, "edges": 698_447}, "communities": [],
                      "left_out": {"large_case": large, "sampled": {"betweenness": 16, "of": 99_998}}})
    text = panel.summary.text()
    assert "698,447 ties" in text and "closeness and eigenvector not computed" in text and "--full" in text
