"""Timeline and map data on a small hand-made case: events, daily counts, the hour x weekday grid, places."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkgraph import geo, timeline
from linkgraph.analysis.activity import activity
from linkgraph.case import CaseFile, ImportSession
from linkgraph.times import parse_iso

ZONE = "America/Los_Angeles"


def at(text: str) -> int:
    return parse_iso(text, ZONE)


@pytest.fixture
def small(case: CaseFile, tmp_path: Path) -> dict[str, int]:
    """Two phones of one person calling a third from a three-sector site; a stay in Fresno; an ad in Modesto."""
    source = tmp_path / "records.csv"
    source.write_text("what,a,b\n", encoding="utf-8")
    ids: dict[str, int] = {}
    row = iter(range(2, 100))
    with ImportSession(case, source, kind="links") as s:
        s.set_header(["what", "a", "b"], 1)

        def r() -> int:
            number = next(row)
            s.raw_row(number, ["x", str(number), ""])
            return number

        ids["boss"] = s.entity("Person", None, "Darnell Haskins", row=r(), role="suspect")
        ids["old"] = s.entity("Phone", "+12095550101", "(209) 555-0101", row=r(), attrs={"kind": "mobile_or_fixed"})
        ids["other"] = s.entity("Phone", "+12095550112", "(209) 555-0112", row=r(), attrs={"kind": "mobile_or_fixed"})
        ids["site"] = s.entity("CellSite", "T-Mobile:40006", "T-Mobile site 40006", row=r(), attrs={
            "lat": 37.954576, "lon": -121.304308, "azimuth": {"1": 0.0, "2": 120.0, "3": 240.0}})
        ids["bare_site"] = s.entity("CellSite", "T-Mobile:40007", "T-Mobile site 40007", row=r())
        ids["hotel"] = s.entity("Hotel", None, "Sierra Motor Lodge", row=r(),
                                attrs={"address": "2250 Oak Hollow Dr, Fresno CA 93721", "city": "Fresno"})
        ids["ad"] = s.entity("Ad", "nightlist:NL-1", "NL-1", row=r(), attrs={"city": "Modesto"})
        s.link("uses", ids["boss"], ids["old"], row=r())
        # Monday 2024-03-04 23:30 and 23:50, Tuesday 2024-03-05 08:15 local; one with no site, one at a bare site.
        s.link("call", ids["old"], ids["other"], row=r(), start=at("2024-03-04 23:30"), duration=60,
               location=ids["site"])
        s.link("sms", ids["other"], ids["old"], row=r(), start=at("2024-03-04 23:50"))
        s.link("call", ids["old"], ids["other"], row=r(), start=at("2024-03-05 08:15"), duration=30,
               location=ids["bare_site"])
        s.link("stayed_at", ids["boss"], ids["hotel"], row=r(), start=at("2024-03-06 15:00"))
        s.link("posted", ids["old"], ids["ad"], row=r(), start=at("2024-03-07 12:00"))
    return ids


def test_events_of_a_person_include_the_phone_they_use(case: CaseFile, small: dict[str, int]) -> None:
    records = timeline.load(case)
    found = timeline.events(records, [small["boss"]])
    assert found["type"].tolist() == ["call", "sms", "call", "stayed_at", "posted"]
    assert set(found["entity"]) == {small["boss"]}
    assert found["other_label"].tolist()[:3] == ["(209) 555-0112"] * 3
    assert found["row"].tolist() == sorted(found["row"].tolist())


def test_daily_activity_counts_records_per_local_day(case: CaseFile, small: dict[str, int]) -> None:
    series = timeline.daily_activity(timeline.load(case), [small["boss"], small["other"]])
    assert series.dates() == ["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07"]
    assert series.counts.tolist() == [[2, 1, 1, 1], [2, 1, 0, 0]]


def test_hour_weekday_grid_is_the_analysis_activity(case: CaseFile, small: dict[str, int]) -> None:
    records = timeline.load(case)
    grid = timeline.hour_weekday(records, [small["old"]])
    assert grid.shape == (7, 24)
    assert grid[0, 23] == 2 and grid[1, 8] == 1 and grid.sum() == 3     # Monday 23:xx twice, Tuesday 08:xx
    core = activity(records, [small["old"]])[0]
    assert grid.sum(axis=0).tolist() == core["by_hour"]
    assert grid.sum(axis=1).tolist() == list(core["by_weekday"].values())
    # Both ends selected: each call or text counts once.
    assert timeline.hour_weekday(records, [small["old"], small["other"]]).sum() == 3


def test_map_data_places_sites_hotels_and_ad_cities(case: CaseFile, small: dict[str, int]) -> None:
    data = geo.map_data(timeline.load(case), [small["boss"]])
    kinds = {(p.kind, p.label) for p in data.places}
    assert kinds == {("site", "T-Mobile site 40006"), ("hotel", "Sierra Motor Lodge"), ("ad_city", "Modesto")}
    assert data.wedge_count() == 3
    assert data.unplaced == 1                       # the site without coordinates is counted, not guessed
    assert data.events["kind"].tolist() == ["call", "stay", "ad"]
    hotel = next(p for p in data.places if p.kind == "hotel")
    assert (round(hotel.lat, 2), round(hotel.lon, 2)) == (36.74, -119.79)   # Fresno's centre from the gazetteer


def test_wedge_points_the_sector_azimuth_clockwise_from_north() -> None:
    north = geo.wedge(0.0, 0.0, 0.0, beam=2.0, radius=1.0, steps=2)
    assert north[0] == (0.0, 0.0)
    assert north[2] == pytest.approx((0.0, -1.0))                   # centre of the arc due north (up)
    east = geo.wedge(0.0, 0.0, 90.0, beam=2.0, radius=1.0, steps=2)
    assert east[2] == pytest.approx((1.0, 0.0))
    x, y = geo.project(38.0, -121.0, 38.0)
    x2, _ = geo.project(38.0, -120.0, 38.0)
    assert x2 - x == pytest.approx(111.19 * 0.788, rel=1e-3)          # a degree of longitude at 38° N
    assert geo.azimuths({"azimuth": {"1": 360.0, "2": "120"}}) == [0.0, 120.0]
