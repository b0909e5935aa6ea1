"""Dates, clock times and durations as carrier returns write them."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from importers.dates import clock_seconds, parse_datetimes, to_epoch


def test_clock_times_in_every_common_form():
    values = ["10:00:00", "23:59:59", "9:05 PM", "12:00 AM", "1:02:03", "21:05", "", "24:00:00", "10:00:00 EST", "x"]
    got = clock_seconds(values)
    assert got[:6].tolist() == [36000, 86399, 75900, 0, 3723, 75900]
    assert np.isnan(got[6:]).all()


def test_wall_clock_read_in_a_zone_with_summer_time():
    naive = parse_datetimes(["2024-03-10 01:30:00", "2024-07-01 12:00:00"], tz="UTC")
    utc = to_epoch(naive, "America/Los_Angeles")
    assert (utc - naive).tolist() == [8 * 3600, 7 * 3600]
    assert np.isnan(to_epoch(np.array([np.nan]), "UTC")).all()


def test_day_month_order_is_decided_for_the_whole_column() -> None:
    from importers.dates import day_order

    # one value above 12 settles it, for every value of the column
    report: dict = {}
    values = ["03/04/2024", "13/04/2024", "02/05/2024 14:05"]
    read = parse_datetimes(values, tz="UTC", report=report)
    assert report["day_order"].dayfirst and report["day_order"].decided_by == "values"
    assert [datetime.fromtimestamp(v, UTC).strftime("%m-%d") for v in read] == ["04-03", "04-13", "05-02"]
    # month first, settled the other way
    assert not day_order(["03/04/2024", "12/30/2024"]).dayfirst
    # undecidable: the option, else the profile's format, else month first (said so)
    assert day_order(["03/04/2024"], True).decided_by == "option"
    assert day_order(["03/04/2024"], None, ["%d/%m/%Y"]).dayfirst
    undecided = day_order(["03/04/2024"])
    assert not undecided.dayfirst and "give --dayfirst" in undecided.describe()
    assert day_order(["2024-03-04"]) is None


def test_never_per_value_and_never_rolled_over() -> None:
    report: dict = {}
    # 13/01 says day first, 12/30 says month first: the majority wins and the value against it stays unread
    read = parse_datetimes(["13/01/2024", "14/01/2024", "12/30/2024"], tz="UTC", report=report)
    assert report["day_order"].dayfirst and report["day_order"].against == 1
    assert np.isnan(read[2]) and not np.isnan(read[0])
    # impossible dates are not rolled over into the next month
    read = parse_datetimes(["02/31/2024", "2024-02-30", "03/01/2024"], tz="UTC")
    assert np.isnan(read[0]) and np.isnan(read[1]) and not np.isnan(read[2])


def test_unix_seconds_and_milliseconds() -> None:
    read = parse_datetimes(["1709280000", "1709280000000"], tz="America/Los_Angeles")
    assert read.tolist() == [1709280000.0, 1709280000.0]
