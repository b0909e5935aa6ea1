"""Indicator rules as data, run on hand-written records: thresholds, windows, evidence, and bad rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from linkgraph.analysis import indicators
from linkgraph.analysis.indicators import RuleError, _parse, load_rules, run_rules
from linkgraph.analysis.records import load_records
from tests.analysis.conftest import at


def rules(*ids: str):
    return [r for r in load_rules() if r.id in ids]


def test_one_booker_several_rooms_each_time_but_not_a_family_on_a_card(case, write) -> None:
    with write("hotel") as w:
        inn = w.entity("Hotel", None, "Delta Inn", city="Stockton")
        boss, family = w.person("Boss"), w.person("Family")
        girls = [w.person(n) for n in ("Amy", "Bea")]
        march = [w.link("booked", boss, inn, start=at("2024-03-08 15:00"), end=at("2024-03-11 11:00"),
                        attrs={"room": room, "payment": "Cash"}) for room in ("112", "114")]
        april = [w.link("booked", boss, inn, start=at("2024-04-19 15:00"), end=at("2024-04-20 11:00"),
                        attrs={"room": room, "payment": "Prepaid card"}) for room in ("201", "203")]
        for girl in girls:
            w.link("stayed_at", girl, inn, start=at("2024-03-08 15:00"), end=at("2024-03-11 11:00"),
                   attrs={"room": "1", "payment": "Cash", "booked_by": "Boss"})
        for room in ("203", "204"):
            w.link("booked", family, inn, start=at("2024-05-01 15:00"), end=at("2024-05-02 11:00"),
                   attrs={"room": room, "payment": "Visa"})
    found = run_rules(load_records(case), rules("hotel_one_booker_several_rooms"))
    assert [sorted(f["links"]) for f in found] == [sorted(march), sorted(april)]    # two windows, two findings
    assert all(f["entities"][0]["id"] == boss for f in found)
    assert found[0]["summary"] == "Boss at Delta Inn held 2 rooms at the same time"


def test_regular_payers_and_the_money_passed_on(case, write) -> None:
    with write("finance") as w:
        bottom = w.entity("Account", "venmo:bottom", "Venmo @bottom")
        boss, stranger = w.person("Boss"), w.person("Stranger")
        girls = [w.person(n) for n in ("Amy", "Bea", "Cy")]
        paid_in = [w.link("transferred", g, bottom, start=at(f"2024-03-0{d} 12:00"), amount=100.0)
                   for g in girls for d in (1, 2)]
        w.link("transferred", stranger, bottom, start=at("2024-03-03 12:00"), amount=50.0)    # once: not regular
        onward = [w.link("transferred", bottom, boss, start=at(f"2024-03-0{d} 20:00"), amount=250.0)
                  for d in (2, 3, 4)]
        w.link("transferred", bottom, girls[0], start=at("2024-03-05 20:00"), amount=20.0)
    (found,) = run_rules(load_records(case), rules("earnings_routed_to_controller"))
    assert [e["id"] for e in found["entities"][:2]] == [bottom, boss]
    assert found["links"] == sorted(paid_in + onward)
    assert found["summary"].startswith("Venmo @bottom: 6 payments from 3 regular payers")


def test_consecutive_ad_numbers_cite_every_ad(case, write) -> None:
    with write("ads") as w:
        phones = [w.phone(n) for n in ("0150", "0151", "0152", "0199")]
        posted = []
        for n, phone in enumerate(phones):
            ad = w.entity("Ad", f"site:{n}", f"Ad {n}", city="Stockton")
            posted.append(w.link("posted", ad, phone, start=at(f"2024-03-0{n + 1} 21:00")))
    (found,) = run_rules(load_records(case), rules("ad_consecutive_numbers"))
    assert [e["id"] for e in found["entities"]] == phones[:3] and found["links"] == posted[:3]


def test_a_rule_that_cannot_be_read_is_refused() -> None:
    with pytest.raises(RuleError, match="unknown kind 'magic'"):
        _parse("rules:\n  - {id: x, title: X, area: ads, kind: magic}\n")
    with pytest.raises(RuleError, match="missing area"):
        _parse("rules:\n  - {id: x, title: X, kind: links}\n")
    with pytest.raises(RuleError, match="appears twice"):
        _parse("rules:\n  - {id: x, title: X, area: a, kind: links}\n  - {id: x, title: X, area: a, kind: links}\n")


def test_controller_phone_is_never_a_victims_own_phone(case, write) -> None:
    with write("phone") as w:
        boss_phone = w.phone("0101")
        girls = [w.person(n, role="victim") for n in ("Amy", "Bea", "Cy")]
        their_phones = [w.phone(n) for n in ("0171", "0173", "0175")]
        for girl, phone in zip(girls, their_phones, strict=True):
            w.link("uses", girl, phone)
            w.call(boss_phone, phone, "2024-03-02 21:00")
        w.call(their_phones[0], their_phones[1], "2024-03-03 10:00")    # victims call each other too
        w.call(their_phones[0], their_phones[2], "2024-03-03 11:00")
    ranks = {"betweenness": {boss_phone: 1, their_phones[0]: 2}}     # both brokers, the victim's phone too
    found = run_rules(load_records(case), rules("controller_phone"), ranks=ranks)
    assert [f["entities"][0]["id"] for f in found] == [boss_phone]


@pytest.mark.parametrize("wide", [False, True])
def test_group_sizes_equal_pandas_groupby(wide: bool) -> None:
    rng = np.random.default_rng(4)
    keys = rng.integers(0, 10**15 if wide else 500, 5_000)
    for chosen in (keys, keys[:0], keys[:1]):
        expected = pd.DataFrame({"key": chosen}).groupby("key", sort=True).size()
        assert indicators._group_sizes(chosen).equals(expected)


def test_night_calling_by_either_end_reads_each_hour_once_and_finds_the_same(case, write) -> None:
    # A phone that calls at night (grouped by either end, each call is read twice): its hour read off the records
    # once equals the hour of each end's row, and the finding names it.
    with write() as w:
        owl, friends = w.phone("0101"), [w.phone(f"01{n}") for n in range(10, 16)]
        for day in range(1, 29):
            for k, friend in enumerate(friends):
                w.call(owl, friend, f"2024-03-{day:02d} {'23' if k < 5 else '02'}:{10 + k:02d}")
            w.call(friends[0], friends[1], f"2024-03-{day:02d} 12:00")
    records = load_records(case)
    rule = next(r for r in indicators.bundled_rules() if r.id == "night_calling")
    frame, values = indicators._select(rule, records, rule.spec)
    assert len(frame) == 2 * len(records.of_types(("call", "sms")))
    plain = indicators._Values(frame, records)            # no links: the hour of each row's own start
    assert values("hour").equals(plain("hour")) and values("weekday").equals(plain("weekday"))
    found = indicators.run_rules(records, [rule])
    assert [f["entities"][0]["id"] for f in found] == [owl]
