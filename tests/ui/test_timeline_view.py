"""The timeline on the sample case: lanes per entity, and a heat map equal to the analysis' activity counts."""

from __future__ import annotations

import pytest

from linkgraph.analysis import AnalysisParams, analyze
from linkgraph.case import CaseFile
from linkgraph.timeline import events, load
from ui.timeline_view import LANE, LEFT, TimelineView


@pytest.fixture
def case(built_sample):
    with CaseFile.open(built_sample, read_only=True) as opened:
        yield opened


@pytest.fixture
def timeline_view(case: CaseFile, qtbot) -> TimelineView:
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    view.set_case(case)
    return view


def test_heat_map_values_equal_the_core_hour_and_weekday_counts(case: CaseFile, timeline_view: TimelineView) -> None:
    old = case.find_entity("Phone", "+12095550101").id
    core = analyze(case, AnalysisParams(activity=[old], findings=False))["activity"][0]
    timeline_view.show_entities([old])
    grid = timeline_view.heat.values
    assert grid.sum() == core["records"] > 0
    assert grid.sum(axis=0).tolist() == core["by_hour"]
    assert grid.sum(axis=1).tolist() == list(core["by_weekday"].values())


def test_lanes_show_the_phone_swap(case: CaseFile, timeline_view: TimelineView) -> None:
    old = case.find_entity("Phone", "+12095550101").id
    new = case.find_entity("Phone", "+12095550144").id
    timeline_view.show_entities([new, old])
    activity = timeline_view.lanes.activity
    assert activity.entities == sorted([old, new])
    dates = activity.dates()
    old_days = [dates[i] for i in activity.counts[activity.entities.index(old)].nonzero()[0]]
    new_days = [dates[i] for i in activity.counts[activity.entities.index(new)].nonzero()[0]]
    assert max(d for d in old_days) <= "2024-04-11" < "2024-04-13" <= min(d for d in new_days)
    assert activity.counts.sum() == len(events(load(case), [old, new]))
    lane = activity.entities.index(new)
    column = dates.index(new_days[0])
    x = LEFT + (column + 0.5) * timeline_view.lanes._day_width()
    found = timeline_view.lanes.day_at(x, lane * LANE + LANE / 2)
    assert found == (new, new_days[0], int(activity.counts[lane, column]))
    assert "2 entities" in timeline_view.summary.text()


def test_no_selection_says_what_to_do(timeline_view: TimelineView) -> None:
    timeline_view.show_entities([])
    assert timeline_view.summary.text() == "Select entities to see their activity."
    assert timeline_view.heat.values.sum() == 0
