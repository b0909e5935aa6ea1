"""Reading dates, times and durations from source columns, each distinct value once.

Values come as text in any common layout ("09/14/2024", "2024-09-14 21:05", "14-Sep-24",
"2023-10-06 19:56:39 EDT", Excel ISO strings); the result is UTC epoch seconds. Naive
times are read in the source's zone (UTC for carrier returns that say so, otherwise the
case's zone). Unreadable values come back as missing so the importer can name the row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from linkgraph.times import zone

EARLIEST, LATEST = 0, 4_102_444_800  # 1970 .. 2100: a year outside is a misread, not a record
COMMON_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d",
    "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y",
    "%m/%d/%y %H:%M:%S", "%m/%d/%y %H:%M", "%m/%d/%y %I:%M %p", "%m/%d/%y",
    "%m-%d-%Y %H:%M:%S", "%m-%d-%Y", "%d-%b-%Y %H:%M:%S", "%d-%b-%Y", "%d-%b-%y", "%b %d, %Y %H:%M",
    "%b %d, %Y", "%Y%m%d%H%M%S", "%Y%m%d", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y",
)
# Day-first layouts ('13/03/2024'): tried first for a region that writes dates day first (most of the world),
# and read whenever they fit more of a column than the month-first ones (a day above 12 decides).
DAY_FIRST_FORMATS = (
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %I:%M:%S %p", "%d/%m/%Y %I:%M %p", "%d/%m/%Y",
    "%d/%m/%y %H:%M:%S", "%d/%m/%y %H:%M", "%d/%m/%y", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y",
    "%d-%m-%y", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y",
)
# Regions whose own records write numeric dates month first; elsewhere '01/03/2024' is 1 March.
MONTH_FIRST_REGIONS = frozenset({"US", "CA", "PH", "PR", "GU", "VI", "AS", "MP", "UM", "FM", "MH", "PW"})

# Zone abbreviations that appear in app exports ("2023-10-06 19:56:39 EDT"), as UTC offsets.
_ABBREVIATIONS = {
    "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
    "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10,
    "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "SGT": 8, "HKT": 8,
    "AWST": 8, "JST": 9, "KST": 9, "ACST": 9.5, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
}
_ABBR_RE = re.compile(r"\s+(" + "|".join(_ABBREVIATIONS) + r")$", re.IGNORECASE)
_ABBR_PRESENT = re.compile(r"\s+(?:" + "|".join(_ABBREVIATIONS) + r")$", re.IGNORECASE)
_CLOCK_ONLY = r"^\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:[+-]\d{2}:?\d{2}|Z)?\s*$"
_CLOCK_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp]\.?[Mm]\.?)?$")
_DURATION_RE = re.compile(r"^\s*(?:(\d+):)?(\d{1,3}):(\d{1,2})(?:\.\d+)?\s*$")


# Dates written with numbers only, day and month in either order: 03/04/2024, 3-4-24, 03.04.2024 14:05.
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?!\d)")
_EPOCH = re.compile(r"\d{9,10}(?:\.\d+)?|\d{12,13}")
_FORMAT_ORDER = re.compile(r"%([md])[/.\-]%([md])")


@dataclass(frozen=True)
class DayOrder:
    """How a column's numeric dates (03/04/2024) are read: day first or month first, and why.
    `decided_by` is 'values' (a value above 12 settles it), 'option' (--dayfirst), 'profile' (the
    profile's date format) or 'default' (month first, US style); `against` counts values that
    contradict the order chosen (they are left unread, never read the other way)."""

    dayfirst: bool
    decided_by: str
    example: str | None = None
    against: int = 0

    def describe(self) -> str:
        order = "day first" if self.dayfirst else "month first"
        if self.decided_by == "values":
            why = f"decided by the column's values, e.g. '{self.example}'"
        elif self.decided_by == "option":
            why = "as given (--dayfirst)" if self.dayfirst else "as given"
        elif self.decided_by == "profile":
            why = "the profile's date format (no value above 12 settles it)"
        else:
            why = "no value above 12 settles it; give --dayfirst if the file is day first"
        return f"{order} ({why})"


def day_order(values: Sequence[str] | pd.Series, dayfirst: bool | None = None,
              formats: Sequence[str] = ()) -> DayOrder | None:
    """The day/month order of a whole column, from all its values (None when no value is a numeric
    d/m/y date). A day above 12 in either place settles it; otherwise the option, the profile's
    format, or month first. Never decided per value."""
    text = pd.Series(pd.unique(pd.Series(values, dtype="object").fillna("").astype(str).str.strip()), dtype="object")
    parts = text.str.extract(_NUMERIC_DATE)
    parts = parts[parts[0].notna()]
    if parts.empty:
        return None
    first, second = parts[0].astype(int), parts[1].astype(int)
    day_first_votes = (first > 12) & (second <= 12)
    month_first_votes = (second > 12) & (first <= 12)
    days, months = int(day_first_votes.sum()), int(month_first_votes.sum())
    if days or months:
        chosen = days > months or (days == months and bool(dayfirst))
        votes = day_first_votes if chosen else month_first_votes
        example = str(text[parts.index[votes.to_numpy()][0]])
        return DayOrder(chosen, "values", example, months if chosen else days)
    if dayfirst is not None:
        return DayOrder(bool(dayfirst), "option")
    for fmt in formats:
        found = _FORMAT_ORDER.search(fmt)
        if found:
            return DayOrder(found.group(1) == "d", "profile")
    return DayOrder(False, "default")


def _consistent(fmt: str, order: DayOrder | None) -> bool:
    found = _FORMAT_ORDER.search(fmt)
    return order is None or found is None or (found.group(1) == "d") == order.dayfirst


def _day_first_variants(candidates: Sequence[str]) -> list[str]:
    """The month-first formats with day and month swapped (13/02/2024 14:05 read day first)."""
    return [_FORMAT_ORDER.sub(lambda m: f"%{m.group(2)}{m.group(0)[2]}%{m.group(1)}", fmt) for fmt in candidates
            if (found := _FORMAT_ORDER.search(fmt)) and found.group(1) == "m"]


def parse_datetimes(
    values: Sequence[str] | pd.Series,
    *,
    tz: str,
    formats: Sequence[str] = (),
    dayfirst: bool | None = None,
    report: dict | None = None,
) -> np.ndarray:
    """UTC epoch seconds (float64, NaN where unreadable) for text datetimes read in zone `tz`.
    Numeric dates (03/04/2024) are read in one day/month order for the whole column (`day_order`);
    a value that contradicts it, or an impossible date (02/31/2024), stays unread. With `report`,
    the order used is put in report['day_order'] (a DayOrder) when the column has such dates."""
    series = pd.Series(values, dtype="object").fillna("").astype(str)
    codes, uniques = pd.factorize(series.str.strip())
    text = pd.Series(np.asarray(uniques, dtype=object), dtype="object")
    order = day_order(text, dayfirst, formats)
    if report is not None and order is not None:
        report["day_order"] = order
    candidates: list[str] = [*formats, *COMMON_FORMATS]
    if order is not None:
        if order.dayfirst:
            candidates = [*formats, *_day_first_variants(formats), *_day_first_variants(COMMON_FORMATS),
                          *COMMON_FORMATS]
        candidates = [fmt for fmt in candidates if _consistent(fmt, order)]
    offsets = pd.Series(np.nan, index=text.index)
    if text.head(300).str.contains(_ABBR_PRESENT).any():
        found = text.str.extract(_ABBR_RE, expand=False)
        offsets = found.str.upper().map(_ABBREVIATIONS).astype("float64")
        text = text.str.replace(_ABBR_RE, "", regex=True)
    naive = np.full(len(text), np.nan)
    remaining = (text != "").to_numpy().copy()
    epoch = text.str.fullmatch(_EPOCH).to_numpy(dtype=bool) & remaining
    if epoch.any():
        # Unix time in seconds (1709280000) or milliseconds (1709280000000): UTC by definition
        numbers = text[epoch].astype(float).to_numpy()
        seconds = np.where(numbers >= 1e11, numbers / 1000.0, numbers)
        good = (seconds >= EARLIEST) & (seconds < LATEST)
        index = np.flatnonzero(epoch)[good]
        naive[index] = np.floor(seconds[good])
        offsets = offsets.copy()
        offsets.iloc[index] = 0.0
        remaining[index] = False
        if report is not None:
            report["epoch"] = int(good.sum())
    for fmt in _likely_formats(text[remaining], candidates):
        if not remaining.any():
            break
        index = np.flatnonzero(remaining)
        attempt = pc.strptime(pa.array(text.iloc[index].tolist(), type=pa.string()), format=fmt, unit="s",
                              error_is_null=True)
        good = ~np.asarray(attempt.is_null().to_numpy(zero_copy_only=False))
        seconds = attempt.cast(pa.int64()).fill_null(0).to_numpy()
        good &= (seconds >= EARLIEST) & (seconds < LATEST)
        naive[index[good]] = seconds[good]
        remaining[index[good]] = False
    offsets = offsets.to_numpy(dtype="float64", copy=True)
    if remaining.any():
        remaining &= ~text.str.match(_CLOCK_ONLY).to_numpy(dtype=bool)   # a time without a date is not today
    if remaining.any():
        index = np.flatnonzero(remaining)
        seconds, aware = _read_mixed(text.iloc[index], bool(order and order.dayfirst))
        good = ~np.isnan(seconds) & (seconds >= EARLIEST) & (seconds < LATEST)   # a year outside is a misread
        naive[index[good]] = seconds[good]
        offsets[index[good & aware]] = 0.0             # '2024-03-01T15:27:44Z', '...+05:30': read as written, in UTC
    _drop_misread(text, naive, order)
    epochs = _to_epoch(naive, offsets, tz)
    out = epochs[codes]
    out[codes < 0] = np.nan
    return out


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")


def _drop_misread(text: pd.Series, naive: np.ndarray, order: DayOrder | None) -> None:
    """Unread (NaN) every value whose day and month as written are not the ones read: an impossible date
    (02/31/2024) that a parser rolled over to March, or a value pandas read in the other day/month order."""
    read = ~np.isnan(naive)
    if not read.any():
        return
    index = np.flatnonzero(read)
    values = text.iloc[index]
    stamps = pd.to_datetime(naive[index].astype("int64"), unit="s")
    day_read, month_read = np.asarray(stamps.day, dtype=float), np.asarray(stamps.month, dtype=float)
    iso = values.str.extract(_ISO_DATE)
    wrong = iso[0].notna().to_numpy() & ((iso[2].astype(float).to_numpy() != day_read)
                                         | (iso[1].astype(float).to_numpy() != month_read))
    if order is not None:
        parts = values.str.extract(_NUMERIC_DATE)
        numeric = parts[0].notna().to_numpy()
        day = (parts[0] if order.dayfirst else parts[1]).astype(float).to_numpy()
        month = (parts[1] if order.dayfirst else parts[0]).astype(float).to_numpy()
        wrong |= numeric & ((day != day_read) | (month != month_read))
    naive[index[wrong]] = np.nan


def _read_mixed(text: pd.Series, dayfirst: bool) -> tuple[np.ndarray, np.ndarray]:
    """Wall-clock seconds (NaN unreadable) of values no common format read, and which of them carried their own
    offset (those are UTC seconds). Values with different offsets are read one by one."""
    try:
        attempt = pd.to_datetime(text, format="mixed", dayfirst=dayfirst, errors="coerce")
    except (ValueError, TypeError):                    # naive beside offsets, or several offsets
        seconds = np.full(len(text), np.nan)
        aware = np.zeros(len(text), dtype=bool)
        for position, value in enumerate(text.tolist()):
            try:
                stamp = pd.Timestamp(pd.to_datetime(value, dayfirst=dayfirst))
            except (ValueError, TypeError, OverflowError):
                continue
            if stamp is pd.NaT:
                continue
            if stamp.tzinfo is not None:
                stamp, aware[position] = stamp.tz_convert("UTC").tz_localize(None), True
            try:
                seconds[position] = float(stamp.timestamp())   # naive: its wall clock as seconds
            except (OverflowError, ValueError, OSError):
                continue
        return seconds, aware
    is_aware = getattr(attempt.dt, "tz", None) is not None
    if is_aware:
        attempt = attempt.dt.tz_convert("UTC").dt.tz_localize(None)
    good = attempt.notna().to_numpy()
    seconds = np.full(len(text), np.nan)
    seconds[good] = attempt[good].astype("datetime64[s]").astype("int64").to_numpy()
    return seconds, np.full(len(text), is_aware)


def clock_seconds(values: Sequence[str]) -> np.ndarray:
    """Seconds after midnight of clock times ('21:05', '21:05:09', '9:05 PM'); NaN where a value is not one.
    The common 'HH:MM:SS' is read by Arrow in one pass, the rest one value at a time."""
    out = np.full(len(values), np.nan)
    if not len(values):
        return out
    text = pa.array(values if isinstance(values, np.ndarray) else list(values), type=pa.string())
    parsed = pc.strptime(text, format="%H:%M:%S", unit="s", error_is_null=True)
    seconds = parsed.cast(pa.int64()).to_numpy(zero_copy_only=False)
    read = ~np.asarray(parsed.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    lengths = pc.fill_null(pc.utf8_length(text), 0).to_numpy(zero_copy_only=False)
    read &= lengths == 8                          # exactly HH:MM:SS (Arrow also takes '9:5:7')
    out[read] = np.asarray(seconds[read], dtype=np.float64) % 86400
    for index in np.flatnonzero(~read):
        out[index] = _clock_seconds(values[index])
    return out


def _clock_seconds(text: str) -> float:
    match = _CLOCK_RE.match(text)
    if not match:
        return np.nan
    hours, minutes, seconds, half = match.groups()
    hour, minute, second = int(hours), int(minutes), int(seconds or 0)
    if half:
        if not 1 <= hour <= 12:
            return np.nan
        hour = hour % 12 + (12 if half[0] in "Pp" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return np.nan
    return float(hour * 3600 + minute * 60 + second)


def to_epoch(naive: np.ndarray, tz: str) -> np.ndarray:
    """UTC epoch seconds from naive wall-clock seconds read in zone `tz` (NaN stays NaN)."""
    return _to_epoch(np.asarray(naive, dtype=np.float64), np.full(len(naive), np.nan), tz)


def _likely_formats(text: pd.Series, candidates: Sequence[str]) -> list[str]:
    """The formats that read a sample of the values, most successful first (a 1M-row column is tried once)."""
    sample = pa.array(text.head(300).tolist(), type=pa.string())
    hits = []
    for order, fmt in enumerate(dict.fromkeys(candidates)):
        try:
            parsed = pc.strptime(sample, format=fmt, unit="s", error_is_null=True)
        except pa.ArrowInvalid:
            continue
        seconds = parsed.cast(pa.int64()).fill_null(-1).to_numpy()
        count = int(((seconds >= EARLIEST) & (seconds < LATEST)).sum())
        if count:
            hits.append((-count, order, fmt))
    return [fmt for _, _, fmt in sorted(hits)]


def _to_epoch(naive: np.ndarray, offsets: np.ndarray, tz: str) -> np.ndarray:
    """UTC epoch seconds from naive wall-clock seconds: explicit offsets first, else zone `tz`."""
    out = np.full(len(naive), np.nan)
    has_offset = ~np.isnan(offsets) & ~np.isnan(naive)
    out[has_offset] = naive[has_offset] - offsets[has_offset] * 3600
    rest = np.isnan(offsets) & ~np.isnan(naive)
    if not rest.any():
        return out
    if tz.upper() == "UTC":
        out[rest] = naive[rest]
        return out
    wall = pd.DatetimeIndex(naive[rest].astype("int64").astype("datetime64[s]"))
    local = wall.tz_localize(zone(tz), ambiguous="NaT", nonexistent="shift_forward")
    seconds = local.tz_convert("UTC").tz_localize(None).as_unit("s").asi8.astype("float64")
    ambiguous = np.asarray(local.isna())
    if ambiguous.any():
        # an hour repeated at the end of summer time: take the first (daylight) reading
        retry = wall[ambiguous].tz_localize(zone(tz), ambiguous=np.ones(int(ambiguous.sum()), dtype=bool),
                                            nonexistent="shift_forward")
        seconds[ambiguous] = retry.tz_convert("UTC").tz_localize(None).as_unit("s").asi8
    out[rest] = seconds
    return out


def combine_date_time(dates: pd.Series, times: pd.Series) -> pd.Series:
    """One text column 'date time' from a date column and a time column (Excel ISO dates trimmed)."""
    day = dates.fillna("").astype(str).str.strip().str.replace(r"[ T]00:00:00$", "", regex=True)
    clock = times.fillna("").astype(str).str.strip().str.replace(r"^1899-12-3[01][ T]", "", regex=True)
    return (day + " " + clock).str.strip()


def parse_durations(values: Sequence[str] | pd.Series) -> np.ndarray:
    """Seconds (float64, NaN where unreadable) from '75', '75.0', '1:15' (MM:SS) or '0:01:15' (HH:MM:SS)."""
    series = pd.Series(values, dtype="object").fillna("").astype(str).str.strip()
    uniques = series.unique()
    lookup: dict[str, float] = {}
    for raw in uniques:
        lookup[raw] = _duration(raw)
    return series.map(lookup).to_numpy(dtype="float64")


def _duration(raw: str) -> float:
    if raw == "":
        return np.nan
    try:
        value = float(raw.replace(",", ""))
    except ValueError:
        pass
    else:
        return value if value >= 0 else np.nan
    match = _DURATION_RE.match(raw)
    if not match:
        # Excel time cells read back as '00:01:15' or '1900-01-00 ...' forms
        tail = raw.rsplit(" ", 1)[-1]
        match = _DURATION_RE.match(tail) if tail != raw else None
        if not match:
            return np.nan
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
