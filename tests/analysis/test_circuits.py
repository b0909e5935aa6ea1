"""Circuits: the same phone or person advertised or staying in a sequence of cities."""

from __future__ import annotations

from linkgraph.analysis.circuits import CircuitParams, find_circuits
from linkgraph.analysis.records import load_records
from tests.analysis.conftest import at


def test_ads_and_stays_make_a_circuit_for_the_phone_and_its_user(case, write) -> None:
    with write("ads") as w:
        ann = w.person("Ann")
        phone = w.phone("0131")
        w.link("uses", ann, phone)
        posted = []
        for n, (city, day) in enumerate([("Oakland", "2024-04-02"), ("Oakland", "2024-04-03"),
                                         ("Stockton", "2024-04-05"), ("Sacramento, CA", "2024-04-08")]):
            ad = w.entity("Ad", f"site:{n}", f"Ad {n}", city=city)
            posted.append(w.link("posted", ad, phone, start=at(f"{day} 09:00")))
        late = w.entity("Ad", "site:late", "Ad late", city="Modesto")
        w.link("posted", late, phone, start=at("2024-06-01 09:00"))       # 7 weeks later: another trip
        hotel = w.entity("Hotel", None, "Sierra Lodge", city="Fresno")
        stay = w.link("stayed_at", ann, hotel, start=at("2024-04-11 15:00"), end=at("2024-04-12 11:00"))
    found = find_circuits(load_records(case))
    by_entity = {c["entity"]["id"]: c for c in found}
    assert set(by_entity) == {ann, phone}
    mine = by_entity[ann]
    assert mine["cities"] == ["Oakland", "Stockton", "Sacramento", "Fresno"] and mine["distinct_cities"] == 4
    assert mine["stops"][0] == {"city": "Oakland", "from": "2024-04-02 09:00:00 PDT", "to": "2024-04-03 09:00:00 PDT",
                                "ads": 2, "stays": 0}
    assert mine["sources"] == ["ads", "stays"] and mine["links"] == sorted(posted + [stay])
    assert by_entity[phone]["cities"] == ["Oakland", "Stockton", "Sacramento"]
    assert by_entity[phone]["sources"] == ["ads"]
    assert found[0]["entity"]["id"] == ann                 # most cities first
    assert find_circuits(load_records(case), CircuitParams(min_cities=4)) == [mine]
