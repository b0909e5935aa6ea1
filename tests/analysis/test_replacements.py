"""Number replacement (burner or handset swap) on hand-written call records."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from linkgraph.analysis import replacements
from linkgraph.analysis.records import load_records
from linkgraph.analysis.replacements import ReplacementParams, find_replacements


def days(month: int, first: int, last: int, hour: int = 12) -> list[str]:
    return [f"2024-{month:02d}-{d:02d} {hour:02d}:00" for d in range(first, last + 1)]


def test_new_number_with_the_old_ones_contacts_and_handset(case, write) -> None:
    with write() as w:
        old, new, decoy = w.phone("0101"), w.phone("0144"), w.phone("0160")
        friends = [w.phone(f"01{n}") for n in (70, 71, 72, 73, 74, 75)]
        handset = w.entity("Device", "356938035643809", "IMEI 356938035643809")
        for day in days(3, 1, 31):
            for friend in friends[:5]:                 # the old number calls five people all March
                w.call(old, friend, day)
        w.call(old, friends[0], "2024-04-11 11:00")   # ... its last call
        for day in days(4, 13, 30) + days(5, 1, 20):
            for friend in friends[:4] + friends[5:]:   # the new one calls four of them and one more
                w.call(new, friend, day)
        for day in days(3, 1, 31) + days(4, 1, 30) + days(5, 1, 20):
            w.call(decoy, friends[0], day)            # talks to one of them all along: no swap
        uses_old = w.link("uses", handset, old, start=None)
        uses_new = w.link("uses", handset, new, start=None)
    found = find_replacements(load_records(case))
    assert len(found) == 1
    swap = found[0]
    assert (swap["old"], swap["new"]) == ("(209) 555-0101", "(209) 555-0144")
    assert (swap["old_id"], swap["new_id"]) == (old, new)
    assert swap["similarity"] == 0.8                    # 4 shared / 5 contacts on the smaller side
    assert swap["last_seen_old"] == "2024-04-11 11:00:00 PDT"
    assert swap["first_seen_new"] == "2024-04-13 12:00:00 PDT"
    assert swap["gap_days"] == 2.0
    assert swap["shared_contacts"] == ["(209) 555-0170", "(209) 555-0171", "(209) 555-0172", "(209) 555-0173"]
    assert swap["shared_devices"] == ["IMEI 356938035643809"]
    assert uses_old in swap["links"] and uses_new in swap["links"]


def test_a_swap_found_first_helps_find_the_next(case, write) -> None:
    # A and B call each other and swap numbers the same week. B keeps three other friends, so B's swap
    # shows in round 1; A has only two other friends plus B, so A's shows once B's new number counts as B.
    with write() as w:
        a1, a2, b1, b2 = w.phone("0111"), w.phone("0112"), w.phone("0121"), w.phone("0122")
        a_friends = [w.phone(n) for n in ("0131", "0132")]
        b_friends = [w.phone(n) for n in ("0141", "0142", "0143")]
        for day in days(3, 1, 31):
            w.call(a1, b1, day)
            for friend in a_friends:
                w.call(a1, friend, day, kind="sms")
            for friend in b_friends:
                w.call(b1, friend, day)
        w.call(b1, b_friends[0], "2024-04-01 09:00")
        for day in days(4, 3, 30):
            w.call(a2, b2, day)
            for friend in a_friends:
                w.call(a2, friend, day, kind="sms")
            for friend in b_friends:
                w.call(b2, friend, day)
    found = find_replacements(load_records(case))
    pairs = {(f["old_id"], f["new_id"]): f for f in found}
    assert set(pairs) == {(a1, a2), (b1, b2)}
    assert pairs[(b1, b2)]["round"] == 1 and pairs[(b1, b2)]["similarity"] == 0.75
    assert pairs[(a1, a2)]["round"] == 2 and pairs[(a1, a2)]["similarity"] == 1.0
    assert pairs[(a1, a2)]["shared_contacts"] == ["(209) 555-0122", "(209) 555-0131", "(209) 555-0132"]
    assert find_replacements(load_records(case), ReplacementParams(rounds=1)) == [pairs[(b1, b2)]]


def test_too_few_shared_contacts_or_too_long_a_gap_is_no_swap(case, write) -> None:
    with write() as w:
        old, new, late = w.phone("0101"), w.phone("0144"), w.phone("0199")
        friends = [w.phone(f"01{n}") for n in (70, 71, 72)]
        for day in days(3, 1, 31):
            for friend in friends:
                w.call(old, friend, day)
        for day in days(4, 2, 30):
            for friend in friends[:2]:               # only two shared: below min_shared = 3
                w.call(new, friend, day)
        for day in days(6, 10, 30):
            for friend in friends:                   # all three, but 41 days after the others stopped
                w.call(late, friend, day)
    assert find_replacements(load_records(case)) == []
    loose = find_replacements(load_records(case), ReplacementParams(min_shared=2))
    assert [(f["old_id"], f["new_id"]) for f in loose] == [(old, new)]


def test_a_swap_on_day_8_of_a_10_day_return_with_stray_calls_from_the_old_phone(case, write) -> None:
    # Ten days of records. The old phone calls its five people four times a day until day 8, then makes two
    # stray calls (days 9 and 10); the new phone starts on day 8 with four of the same people and a shared IMEI.
    with write() as w:
        old, new = w.phone("0101"), w.phone("0144")
        friends = [w.phone(f"01{n}") for n in (70, 71, 72, 73, 74, 75)]
        steady = w.phone("0180")
        for day in range(1, 11):
            w.call(steady, friends[0], f"2024-03-{day:02d} 09:00")     # the records run from day 1 to day 10
        for day in range(1, 8):
            for hour in (10, 13, 16, 19):
                for friend in friends[:5]:
                    w.call(old, friend, f"2024-03-{day:02d} {hour}:{friends.index(friend):02d}")
        for day in range(8, 11):
            for hour in (11, 14, 17, 20):
                for friend in friends[1:]:
                    w.call(new, friend, f"2024-03-{day:02d} {hour}:{friends.index(friend):02d}")
        stray_a = w.call(old, friends[0], "2024-03-09 08:15")
        stray_b = w.call(old, friends[2], "2024-03-10 21:40")
    found = find_replacements(load_records(case))
    assert [(f["old_id"], f["new_id"]) for f in found] == [(old, new)]
    swap = found[0]
    assert swap["quiet_by"] == "own rate"
    assert swap["old_busy_until"] == "2024-03-07 19:04:00 PST"
    assert swap["new_busy_from"] == "2024-03-08 11:01:00 PST"
    assert swap["last_seen_old"] == "2024-03-10 21:40:00 PDT"
    assert swap["old_records_after"] == 2 and {stray_a, stray_b} <= set(swap["links"])
    assert swap["shared_contacts"] == ["(209) 555-0171", "(209) 555-0172", "(209) 555-0173", "(209) 555-0174"]


def test_a_phone_that_calls_once_a_week_is_not_quiet_after_two_days(case, write) -> None:
    with write() as w:
        slow, other = w.phone("0101"), w.phone("0144")
        friends = [w.phone(f"01{n}") for n in (70, 71, 72)]
        for day in (1, 8, 15, 22):
            for friend in friends:
                w.call(slow, friend, f"2024-03-{day:02d} 10:00")
        for day in (24, 25, 26):
            for friend in friends:
                w.call(other, friend, f"2024-03-{day:02d} 10:00")
    assert find_replacements(load_records(case)) == []


# ---- the fast helpers held to their plain references -------------------------------------------------------

def _calls(rng: np.random.Generator, n: int, phones: int, *, in_order: bool) -> replacements._Calls:
    """Random calls between phones 5..phones+4 over 60 days, with ties in time (whole minutes) and no self-calls."""
    src = rng.integers(5, phones + 5, n)
    dst = rng.integers(5, phones + 5, n)
    keep = src != dst
    start = (1_709_280_000 + 60 * rng.integers(0, 60 * 24 * 60, n)).astype(float)[keep]
    calls = pd.DataFrame({"id": rng.permutation(n)[keep] + 1000, "src": src[keep], "dst": dst[keep], "start": start})
    if in_order:
        calls = calls.sort_values(["start", "id"]).reset_index(drop=True)
    return replacements._Calls(calls["src"].to_numpy(np.int64), calls["dst"].to_numpy(np.int64),
                               calls["start"].to_numpy(float), calls["id"].to_numpy(np.int64))


@pytest.mark.parametrize("seed", range(6))
def test_by_phone_and_contact_pairs_equal_their_references(seed: int) -> None:
    rng = np.random.default_rng(seed)
    calls = _calls(rng, 3_000, 120 if seed % 2 else 70_000, in_order=seed % 3 != 0)
    fast, plain = replacements._by_phone(calls), replacements._by_phone_reference(calls)
    for name in ("ends", "starts", "link_ids"):
        assert np.array_equal(getattr(fast, name), getattr(plain, name)), name
    span = int(max(calls.src.max(), calls.dst.max())) + 1
    wanted = rng.choice(np.arange(5, span), size=span // 3, replace=False)
    quick, slow = replacements._contact_pairs(calls, span, wanted), replacements._contact_pairs_reference(calls,
                                                                                                      span, wanted)
    for name in ("phone", "contact", "degree_of"):
        assert np.array_equal(getattr(quick, name), getattr(slow, name)), name


def _rows(sides: replacements._Sides) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    return (sorted(zip(sides.old_contact.tolist(), sides.old.tolist(), strict=True)),
            sorted(zip(sides.new_contact.tolist(), sides.new.tolist(), strict=True)))


@pytest.mark.parametrize("seed", range(8))
def test_side_pairs_and_shared_contacts_equal_their_references(seed: int) -> None:
    rng = np.random.default_rng(seed)
    calls = _calls(rng, 4_000, 150, in_order=True)
    span = int(max(calls.src.max(), calls.dst.max())) + 1
    phones = np.arange(5, span)
    olds = sorted(rng.choice(phones, 60, replace=False).tolist())
    news = sorted(rng.choice(phones, 60, replace=False).tolist())
    known = replacements._contact_pairs(calls, span, np.array(sorted(set(olds) | set(news))))
    lookup = np.arange(span, dtype=np.int64)
    if seed % 2:                                     # some chains: a few phones stand for another's first number
        for phone, top in zip(rng.choice(phones, 12, replace=False), rng.choice(phones, 12), strict=True):
            lookup[phone] = top
    fast = replacements._side_pairs(known.phone, known.contact, lookup, olds, news)
    plain = replacements._side_pairs_reference(known.phone, known.contact, lookup, olds, news)
    assert _rows(fast) == _rows(plain)
    first = np.full(span, np.nan)
    last = np.full(span, np.nan)
    first[phones] = 1_709_280_000 + rng.integers(0, 40, len(phones)) * 86_400.0 + rng.integers(0, 3, len(phones))
    last[phones] = first[phones] + rng.integers(0, 30, len(phones)) * 86_400.0
    busy_from, busy_until = first.copy(), last.copy()
    moved = rng.random(span) < 0.3
    busy_from[moved] += rng.integers(0, 5, moved.sum()) * 86_400.0
    busy_until[moved] -= rng.integers(0, 5, moved.sum()) * 86_400.0
    first[rng.choice(phones, 3)] = np.nan                     # a phone without a date fits nothing
    params = replacements.ReplacementParams(hub_limit=int(rng.integers(35, 200)),
                                            max_gap_days=float(rng.choice([3.0, 21.0])))
    args = (known.degree_of, (first, busy_from), (last, busy_until), lookup, params)
    expected = replacements._shared_contacts_reference(plain, *args)
    assert expected                                             # the case tests something
    assert replacements._shared_contacts(fast, *args) == expected
    mixed_old, mixed_new = rng.permutation(len(fast.old)), rng.permutation(len(fast.new))   # rows in any order
    mixed = replacements._Sides(fast.old_contact[mixed_old], fast.old[mixed_old], fast.new_contact[mixed_new],
                                fast.new[mixed_new])
    assert replacements._shared_contacts(mixed, *args) == expected
    # exact bounds: a gap of exactly max_gap_days, or exactly max_overlap_days before, still fits
    assert replacements._shared_contacts(fast, known.degree_of, (first,), (first - params.max_gap_days * 86_400,),
                                         lookup, params) == replacements._shared_contacts_reference(
        plain, known.degree_of, (first,), (first - params.max_gap_days * 86_400,), lookup, params)


def test_find_replacements_equals_the_plain_helpers_on_a_case_of_swaps(case, write, monkeypatch) -> None:
    rng = np.random.default_rng(5)
    with write() as w:
        phones = [w.phone(f"{n:04d}") for n in range(60)]
        for k in range(0, 40, 4):                            # ten swaps: the old phone's people move to the new one
            old, new, friends = phones[k], phones[k + 1], [phones[k + 2], phones[k + 3]] + [
                phones[int(i)] for i in rng.choice(np.arange(40, 60), 3, replace=False)]
            stop = int(rng.integers(8, 20))
            for day in range(1, stop + 1):
                for friend in friends:
                    w.call(old, friend, f"2024-03-{day:02d} {10 + k % 9}:{k:02d}")
            for day in range(stop + int(rng.integers(0, 4)), 31):
                for friend in friends[1:]:
                    w.call(new, friend, f"2024-03-{day:02d} {11 + k % 9}:{k:02d}")
        for day in range(1, 31):
            w.call(phones[40], phones[41], f"2024-03-{day:02d} 09:00")
    fast = find_replacements(load_records(case))
    assert len(fast) >= 5
    monkeypatch.setattr(replacements, "_by_phone", replacements._by_phone_reference)
    monkeypatch.setattr(replacements, "_contact_pairs", replacements._contact_pairs_reference)
    monkeypatch.setattr(replacements, "_rarely_so_few", replacements._rarely_so_few_reference)
    monkeypatch.setattr(replacements, "_side_pairs", replacements._side_pairs_reference)
    monkeypatch.setattr(replacements, "_shared_contacts", replacements._shared_contacts_reference)
    assert find_replacements(load_records(case)) == fast


def test_poisson_chance_without_scipy_equals_scipys() -> None:
    rng = np.random.default_rng(9)
    count = rng.integers(0, 6, 20_000)
    expected = np.r_[rng.random(10_000) * 40, rng.random(5_000) * 2_000, np.zeros(5_000)]
    from scipy.special import pdtr

    for chance in (1e-7, 0.01 / 100_000, 0.5):
        assert np.array_equal(replacements._rarely_so_few(count, expected, chance),
                              replacements._rarely_so_few_reference(count, expected, chance))
    at_the_edge = pdtr(count[:50], expected[:50])        # a chance exactly at the value goes to the reference
    for k, m, chance in zip(count[:50], expected[:50], at_the_edge, strict=True):
        if chance > 0:
            assert replacements._rarely_so_few(np.array([k]), np.array([m]), float(chance))[0]


def test_sorted_unique_but_a_few_equals_sorted_unique() -> None:
    rng = np.random.default_rng(2)
    for moved_share in (0.0, 0.01, 0.3, 1.0):
        keys = np.sort(rng.integers(0, 5_000, 3_000))
        moved = rng.random(len(keys)) < moved_share
        keys[moved] = rng.integers(0, 5_000, int(moved.sum()))
        assert np.array_equal(replacements._sorted_unique_but(keys, moved), replacements._sorted_unique(keys))


def test_by_phone_with_ids_far_apart_equals_its_reference() -> None:
    rng = np.random.default_rng(8)
    calls = _calls(rng, 2_000, 300, in_order=True)
    far = rng.choice(10**12, 400, replace=False).astype(np.int64)           # phone ids far apart
    calls = replacements._Calls(far[calls.src], far[calls.dst], calls.start, calls.ids)
    fast, plain = replacements._by_phone(calls), replacements._by_phone_reference(calls)
    for name in ("ends", "starts", "link_ids"):
        assert np.array_equal(getattr(fast, name), getattr(plain, name)), name
