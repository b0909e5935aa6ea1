"""Co-location: shared hotel nights, phones on one cell site within minutes, an ad's city against stays
and towers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.analysis import colocation
from linkgraph.analysis.colocation import ColocationParams, find_colocations
from linkgraph.analysis.records import load_records
from tests.analysis.conftest import at


def kinds(found: list[dict], kind: str) -> list[dict]:
    return [f for f in found if f["kind"] == kind]


def test_guests_on_overlapping_nights_at_one_hotel(case, write) -> None:
    with write("hotel") as w:
        hotel = w.entity("Hotel", None, "Delta Inn", city="Stockton")
        other = w.entity("Hotel", None, "Sierra Lodge", city="Fresno")
        ann, bea, cy, dee = (w.person(n) for n in ("Ann", "Bea", "Cy", "Dee"))
        s1 = w.link("stayed_at", ann, hotel, start=at("2024-03-01 15:00"), end=at("2024-03-04 11:00"),
                    attrs={"room": "101"})
        s2 = w.link("stayed_at", bea, hotel, start=at("2024-03-02 16:00"), end=at("2024-03-05 10:00"),
                    attrs={"room": "102"})
        w.link("stayed_at", cy, hotel, start=at("2024-03-05 15:00"), end=at("2024-03-06 11:00"))  # after Bea left
        w.link("stayed_at", dee, other, start=at("2024-03-02 15:00"), end=at("2024-03-03 11:00"))  # elsewhere
    found = kinds(find_colocations(load_records(case)), "hotel")
    assert len(found) == 1
    item = found[0]
    assert [e["label"] for e in item["entities"]] == ["Ann", "Bea"]
    assert item["place"]["label"] == "Delta Inn" and item["city"] == "Stockton"
    # Ann's nights: Mar 1, 2, 3; Bea's: Mar 2, 3, 4 -> together the nights of Mar 2 and 3.
    assert (item["from"], item["to"], item["nights"]) == ("2024-03-02", "2024-03-04", 2)
    assert item["rooms"] == ["101", "102"] and item["same_room"] is False
    assert item["links"] == sorted([s1, s2])


def test_a_crowded_hotel_night_counts_for_nothing(case, write) -> None:
    # A resort on a holiday weekend: 20 guests on the night of March 2 (the crowd limit is 15). Ann and Bea
    # share that night and, on a quiet night, March 9: only March 9 shows.
    with write("hotel") as w:
        resort = w.entity("Hotel", None, "Lakeside Resort", city="Tahoe")
        ann, bea = w.person("Ann"), w.person("Bea")
        crowd = [w.person(f"Guest {n}") for n in range(18)]
        for guest in [ann, bea, *crowd]:
            w.link("stayed_at", guest, resort, start=at("2024-03-02 15:00"), end=at("2024-03-03 11:00"))
        quiet = [w.link("stayed_at", guest, resort, start=at("2024-03-09 15:00"), end=at("2024-03-10 11:00"))
                 for guest in (ann, bea)]
    records = load_records(case)
    found = kinds(find_colocations(records), "hotel")
    assert [([e["label"] for e in f["entities"]], f["from"], f["nights"]) for f in found] == [
        (["Ann", "Bea"], "2024-03-09", 1)]
    assert set(quiet) <= set(found[0]["links"])
    assert records.memo("crowded_hotel_nights", None) == [
        {"hotel": {"id": resort, "label": "Lakeside Resort", "type": "Hotel"}, "night": "2024-03-02", "guests": 20}]
    assert len(kinds(find_colocations(load_records(case), ColocationParams(hotel_crowd=30)), "hotel")) == 190


def test_phones_on_one_cell_site_within_minutes_on_two_days(case, write) -> None:
    with write("phone") as w:
        site = w.entity("CellSite", "310-260-1234-5", "Site 1234 Stockton", city="Stockton")
        p, q, r, x, y, z = (w.phone(n) for n in ("0101", "0102", "0103", "0180", "0181", "0182"))
        met = [w.call(p, x, "2024-03-01 10:00", site=site), w.call(q, y, "2024-03-01 10:09", site=site),
               w.call(p, x, "2024-03-02 22:00", site=site), w.call(q, y, "2024-03-02 22:14", site=site)]
        w.call(r, z, "2024-03-01 10:40", site=site)      # 31 minutes after Q: not together
    found = kinds(find_colocations(load_records(case)), "cell_site")
    assert len(found) == 1
    item = found[0]
    assert [e["id"] for e in item["entities"]] == [p, q]
    assert item["meetings"] == 2 and item["records"] == 2
    assert (item["from"], item["to"]) == ("2024-03-01", "2024-03-02")
    assert item["links"] == sorted(met)
    assert kinds(find_colocations(load_records(case), ColocationParams(min_meetings=3)), "cell_site") == []


def test_ad_city_and_date_against_stays_and_towers(case, write) -> None:
    with write("ads") as w:
        hotel = w.entity("Hotel", None, "Delta Inn", city="Stockton")
        stockton = w.entity("CellSite", "site-s", "Site S", city="Stockton")
        fresno = w.entity("CellSite", "site-f", "Site F", city="Fresno")
        ann = w.person("Ann")
        phone, friend = w.phone("0131"), w.phone("0180")
        w.link("uses", ann, phone)
        here = w.entity("Ad", "site:1", "Ad 1", city="Stockton, CA")
        away = w.entity("Ad", "site:2", "Ad 2", city="Bakersfield")
        posted_here = w.link("posted", here, phone, start=at("2024-04-05 09:00"))
        posted_away = w.link("posted", away, phone, start=at("2024-04-20 09:00"))
        stay = w.link("stayed_at", ann, hotel, start=at("2024-04-04 15:00"), end=at("2024-04-06 11:00"))
        tower_here = w.call(phone, friend, "2024-04-05 13:00", site=stockton)
        tower_away = w.call(phone, friend, "2024-04-20 13:00", site=fresno)
    found = find_colocations(load_records(case))
    (ad_stay,) = kinds(found, "ad_stay")
    assert ad_stay["ad"]["id"] == here and [e["id"] for e in ad_stay["entities"]] == [ann]
    assert ad_stay["place"]["id"] == hotel and ad_stay["city"] == "Stockton"
    assert ad_stay["links"] == sorted([posted_here, stay])
    (ad_tower,) = kinds(found, "ad_tower")
    assert ad_tower["ad"]["id"] == here and ad_tower["links"] == sorted([posted_here, tower_here])
    (elsewhere,) = kinds(found, "ad_elsewhere")
    assert elsewhere["ad"]["id"] == away and elsewhere["tower_cities"] == ["Fresno"]
    assert elsewhere["links"] == sorted([posted_away, tower_away])


def test_source_targets_equal_their_reference() -> None:
    rng = np.random.default_rng(1)
    for trial in range(150):
        n = int(rng.integers(1, 60))
        src, dst = rng.integers(1, 12, n), rng.integers(1, 12, n)
        if trial % 3 == 0:                               # a carrier return: one phone at an end of most records
            src[: n // 2 + 1] = 5
        links = pd.DataFrame({"source_id": rng.integers(1, 4, n), "src": src, "dst": dst})
        fast, plain = colocation._source_targets(links), colocation._source_targets_reference(links)
        assert fast.to_dict() == plain.to_dict()
        assert np.array_equal(links["source_id"].map(fast).to_numpy(), links["source_id"].map(plain).to_numpy(),
                              equal_nan=True)
