"""The map on the sample case: sector wedges, hotels and ad cities of a selection, and the time slider."""

from __future__ import annotations

import json

import pytest

from linkgraph.case import CaseFile
from sample_cases.build import answer_key
from ui.map_view import STEPS, MapView


@pytest.fixture
def case(built_sample):
    with CaseFile.open(built_sample, read_only=True) as opened:
        yield opened


@pytest.fixture
def map_view(case: CaseFile, qtbot) -> MapView:
    view = MapView()
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    view.set_case(case)
    return view


def sectors_of_sites_used(case: CaseFile, phone: int) -> tuple[set[int], int]:
    """Independently, from SQL: the cell sites the phone's records name, and their sectors counted."""
    sites = {row[0] for row in case.conn.execute(
        "SELECT DISTINCT l.location FROM links l JOIN entities e ON e.id = l.location "
        "WHERE e.type = 'CellSite' AND (l.src = ? OR l.dst = ?)", (phone, phone))}
    sectors = 0
    for site in sites:
        attrs = json.loads(case.conn.execute("SELECT attrs FROM entities WHERE id = ?", (site,)).fetchone()[0])
        azimuth = attrs.get("azimuth")
        sectors += len(set(azimuth.values())) if isinstance(azimuth, dict) else (1 if azimuth is not None else 0)
    return sites, sectors


def test_the_new_phone_shows_its_sites_wedges_and_ad_circuit(case: CaseFile, map_view: MapView) -> None:
    phone = case.find_entity("Phone", "+12095550144").id
    map_view.show_entities([phone])
    sites, sectors = sectors_of_sites_used(case, phone)
    assert sites and sectors
    assert {p for p in map_view.place_items if isinstance(p, int)} == sites
    assert len(map_view.wedge_items) == sectors
    cities = {label for _, label in answer_key()["ad_city_sequences"]["+12095550144"]}
    shown = {p.label for p in map_view.data.places if p.kind == "ad_city"}
    assert shown == cities == {"Stockton", "Modesto", "San Jose", "Oakland", "Sacramento"}
    assert f"{sectors} sectors" in map_view.summary.text()


def test_the_time_slider_lights_the_places_of_the_moment(case: CaseFile, map_view: MapView) -> None:
    phone = case.find_entity("Phone", "+12095550144").id
    map_view.show_entities([phone])
    events = map_view.data.events
    ad = events[events["kind"] == "ad"].iloc[0]
    map_view.set_time(int(ad["start"]))
    assert ad["place"] in map_view.active_places()
    map_view.set_time(int(events["start"].min()) - 10 * 86_400)
    assert map_view.active_places() == []
    assert map_view.trail.path().elementCount() == 0
    map_view.slider.setValue(STEPS)
    assert map_view.trail.path().elementCount() > 1
    map_view.play_button.setChecked(True)
    assert map_view.slider.value() == 0 and map_view.play_button.text() == "Pause"
    map_view._advance()
    assert map_view.slider.value() == 1
    map_view.play_button.setChecked(False)


def test_a_hotel_and_nothing_placeable(case: CaseFile, map_view: MapView) -> None:
    hotel = next(e for e in case.entities("Hotel") if e.label == "Sierra Motor Lodge")
    map_view.show_entities([hotel.id])
    assert [p.kind for p in map_view.data.places] == ["hotel"]
    assert map_view.wedge_items == []
    person = case.entities("Business")[0]
    map_view.show_entities([person.id])
    assert map_view.place_items == {} and "No cell sites" in map_view.summary.text()
