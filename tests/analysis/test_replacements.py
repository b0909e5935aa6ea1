"""Number replacement (burner or handset swap) on hand-written call records."""

from __future__ import annotations

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
