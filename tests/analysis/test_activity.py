"""Activity: calls by local hour and weekday; a person counts the phones they use."""

from __future__ import annotations

from linkgraph.analysis.activity import activity
from linkgraph.analysis.records import load_records


def test_calls_by_hour_and_weekday_in_the_case_zone(case, write) -> None:
    with write() as w:
        ann = w.person("Ann")
        a, b, c = w.phone("0101"), w.phone("0102"), w.phone("0103")
        w.link("uses", ann, a)
        w.call(a, b, "2024-03-01 23:30")              # Friday night (07:30 UTC on Saturday)
        w.call(b, a, "2024-03-02 01:15", kind="sms")  # Saturday night
        w.call(a, c, "2024-03-04 14:00")              # Monday afternoon
        w.call(b, c, "2024-03-05 09:00")              # not Ann's
    (mine, phone) = activity(load_records(case), [ann, a])
    assert mine["id"] == ann and mine["records"] == 3 and phone["records"] == 3
    assert mine["by_hour"][23] == 1 and mine["by_hour"][1] == 1 and mine["by_hour"][14] == 1
    assert sum(mine["by_hour"]) == 3
    assert mine["by_weekday"] == {"Mon": 1, "Tue": 0, "Wed": 0, "Thu": 0, "Fri": 1, "Sat": 1, "Sun": 0}
    assert mine["night_share"] == round(2 / 3, 3) and mine["busiest_hour"] == 1
    (quiet,) = activity(load_records(case), [w.row + 1000])
    assert quiet["records"] == 0 and quiet["busiest_hour"] is None
