"""Dates, clock times and durations as carrier returns write them."""

from __future__ import annotations

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
