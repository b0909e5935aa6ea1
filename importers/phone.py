"""Phone records (`--kind phone`): carrier call detail records and analysts' call sheets.

Each layout is a profile in importers/profiles/phone/ (column synonyms, value maps for call
types and directions, date formats, time zone and quirks such as AT&T's one row per leg or
Sprint's sector-digit cell codes). Every row becomes a `call` or `sms` link caller -> callee
(start in UTC, duration, first cell site in `links.location`); IMEIs and IMSIs become Device
entities with `uses` links Device -> Phone; cell sites become CellSite entities. A call already
in the case from the other party's return is cited (link_evidence), not stored twice.
See docs/importing-phone-records.md.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from importers.coded import Coded
from importers.dates import (
    DAY_FIRST_FORMATS,
    MONTH_FIRST_REGIONS,
    clock_seconds,
    parse_datetimes,
    parse_durations,
    to_epoch,
)
from importers.mapping import Profile, column_key, header_scorer, match_columns, profiles, score, two_party_sheet
from importers.options import ImportOptions
from importers.readers import DELIMITERS, read_head
from importers.tabular import MappedTable, RowProblems, open_session, read_mapped, store_raw_rows
from linkgraph.case import CaseFile, ImportResult, ImportSession
from linkgraph.errors import InputError, LinkgraphError
from linkgraph.identity import (
    NOT_DIALABLE,
    WITHHELD,
    PhoneKey,
    damaged_number,
    identifier_key,
    is_withheld,
    normalize_imsi,
    normalize_phone,
    normalize_phones,
    read_imei,
    region_mismatch,
    service_numbers,
)
from linkgraph.progress import Progress, no_progress

KIND = "phone"
BATCH_ROWS = 250_000            # a big text file is read, parsed and kept this many lines at a time
WRITE_SLICE = 200_000           # links built and written this many at a time
FIRST_SLICE = 25_000            # ... after two small slices (this many, then three times as many)
DUPLICATE_SECONDS = 60          # the same call in two returns: start times at most this far apart
BLANKS = ("-i", "n/a", "na", "null", "none", "--")   # carrier blanks, any case
# A number a spreadsheet damaged (digits lost) is set aside; the call keeps this marker as that party, a service
# number like the withheld marker (linkgraph.identity.WITHHELD), so analysis leaves it out.
UNREADABLE = PhoneKey("unreadable", "service", "Unreadable number")
ONE_SIDED_FIELDS = ("party", "party_from", "party_to")     # a handset's log: the other party + a direction
EXTRA_FIELDS = ("contact", "feature", "body", "app", "status", "answered", "account")   # kept on each call/text
# Site attributes per end of a call: attribute -> field.
SITE_FIELDS = {
    "first": {"site": "first_site", "sector": "sector", "azimuth": "azimuth", "lat": "site_lat", "lon": "site_lon",
              "lac": "lac", "cell_id": "cell_id", "address": "site_address", "city": "site_city",
              "state": "site_state", "zip": "site_zip"},
    "last": {"site": "last_site", "sector": "last_sector", "azimuth": "last_azimuth", "lat": "last_lat",
             "lon": "last_lon", "lac": "last_lac", "cell_id": "last_cell_id", "address": "last_address",
             "city": "last_city", "state": "last_state", "zip": "last_zip"},
}
NUMERIC_SITE_ATTRS = ("lat", "lon", "azimuth")
PER_CALL_SITE_ATTRS = ("sector", "azimuth", "lac", "cell_id")   # vary by sector of one site: not site attributes
LINK_SITE_ATTRS = ("sector", "azimuth")                          # kept on each call (the rest is in its raw row)
# Meanings used when a profile's value map does not name a raw value (keys compared by column_key).
CALL_TYPE_WORDS = (("sms", "sms"), ("text", "sms"), ("mms", "sms"), ("chat", "sms"), ("message", "sms"))
# Words inside a longer direction ('Outgoing Call', 'Missed Call', Android's 'OUTGOING_TYPE'), first match wins.
DIRECTION_WORDS = (("outgoing", "outgoing"), ("outbound", "outgoing"), ("dialed", "outgoing"), ("dialled", "outgoing"),
                   ("incoming", "incoming"), ("inbound", "incoming"), ("missed", "incoming"), ("rejected", "incoming"),
                   ("declined", "incoming"), ("blocked", "incoming"), ("received", "incoming"),
                   ("voicemail", "incoming"))
DIRECTIONS = {"outgoing": "outgoing", "out": "outgoing", "outbound": "outgoing", "mo": "outgoing",
              "originating": "outgoing", "incoming": "incoming", "in": "incoming", "inbound": "incoming",
              "mt": "incoming", "terminating": "incoming", "routed": "routed", "forwarded": "routed",
              "missed": "incoming", "rejected": "incoming", "declined": "incoming", "blocked": "incoming",
              "received": "incoming", "sent": "outgoing", "dialed": "outgoing", "dialled": "outgoing",
              "voicemail": "incoming", "unread": "incoming", "read": "incoming"}


def kind_score(path: Path, options: ImportOptions) -> float:
    """How much the file looks like phone records: the best profile's header score, lowered when the
    caller column does not hold phone numbers (so a From/To sheet of names stays a link sheet)."""
    table = read_head(path, header_score=header_scorer(KIND), sheet=options.sheet)   # header + first rows
    ranked = sorted(((score(p, table.columns), p) for p in profiles(KIND)), key=lambda t: -t[0])
    if not ranked:
        return 0.0
    best, profile = ranked[0]
    if two_party_sheet(profile, table.columns):       # caller_id beside recipient_id: the two-party layout
        best, profile = next(((v, p) for v, p in ranked[1:] if v >= 1.0 and not two_party_sheet(p, table.columns)),
                             (best, profile))
    column = match_columns(profile, table.columns).get("caller")
    if column is None:
        return best
    sample = table.frame[column].head(50).fillna("").astype(str).str.strip()
    sample = sample[sample != ""]
    if not len(sample):
        return best
    found = normalize_phones(sample.tolist(), options.region or "US")
    share = sum(1 for v in sample if found[v] is not None or is_withheld(v) or damaged_number(v)
                or SUBSCRIBER_ID.fullmatch(v)) / len(sample)
    return best if share >= 0.5 else best * 0.3


# A subscriber or pseudonymous ID of anonymised call records ('jb9f3j', 'SUB-000173'): one token with a digit,
# never a person's name (a From/To sheet of names stays a link sheet).
SUBSCRIBER_ID = re.compile(r"(?=[^\s]*\d)[A-Za-z0-9][A-Za-z0-9_.:#-]{3,39}")


@dataclass
class Calls:
    """One file's rows read into columns: parsed values per row and the problems found. Text columns are
    coded (distinct values + a code per row); phone numbers are indexes into `phones`."""

    rows: np.ndarray                       # row number in the file, per table row
    phones: list[PhoneKey]                 # each distinct number once
    caller: np.ndarray                     # int64 index into phones, -1 = not a phone
    callee: np.ndarray
    forwarded_to: np.ndarray               # '(D)' rows: the number the call ended at (voicemail platform), or -1
    dialed: np.ndarray                     # the dialed digits' number, or -1
    start: np.ndarray                      # float epoch seconds, NaN = unreadable
    duration: np.ndarray                   # float seconds, NaN = not given
    kind: Coded                            # 'call' / 'sms'
    call_type: Coded                       # raw text
    direction: Coded                       # outgoing / incoming / routed / ''
    when: list[Coded]                      # the date and time as written: one column, or date and time
    imei: Coded                            # normalised IMEI, '' = none
    imsi: Coded
    sites: dict[str, Coded]                # 'first'/'last' -> site key, '' = none
    site_attrs: dict[str, dict[str, Coded]]   # 'first'/'last' -> attribute -> text
    extras: dict[str, Coded] = field(default_factory=dict)   # contact, feature...
    problems: list[tuple[int, str, str]] = field(default_factory=list)   # (index, field, reason)
    set_aside: list[tuple[int, str, str, str]] = field(default_factory=list)   # (index, field, value, reason)
    device_notes: dict[str, tuple[str, str]] = field(default_factory=dict)   # IMEI key -> (as written, note)
    tower: bool = False                    # a phone seen at a cell site per row (tower dump), not a call
    direction_written: Coded | None = None  # the direction column as written (when the file has one)
    direction_differs: bool = False        # ... and it says more than in or out ('Missed'): kept on each call


def import_file(case: CaseFile, path: Path, options: ImportOptions, progress: Progress = no_progress) -> ImportResult:
    """Import one phone-records file: calls and texts, phones, devices and cell sites, each cited to its row.
    A big CSV/TSV is read and written in batches of `BATCH_ROWS` lines (importers/phone_batches.py), the
    result the same as read whole; `options.extra['batch_rows']` sets another batch size."""
    from importers.phone_batches import import_in_batches

    batch_rows = int(options.extra.pop("batch_rows", 0) or BATCH_ROWS)
    streamed = import_in_batches(case, path, options, progress, batch_rows)
    if streamed is not None:
        return streamed
    mapped = read_mapped(path, KIND, options)
    frame = mapped.table.frame
    loose = {name: "str" for name in frame.columns if frame[name].dtype == object}
    if loose:                                    # workbooks come as Python objects: Arrow strings are faster
        mapped.table.frame = frame.astype(loose)
    profile = mapped.detection.profile
    region = (options.region or case.region or "US").upper()
    clock_only_start(mapped)
    tz, zone_why = file_zone(options, profile, mapped, case.timezone)
    owner = owner_phone(options, region) or account_owner(mapped, options, region)
    _check_region(mapped, options, region, path)
    progress(0, len(mapped), f"Reading {path.name}")
    with open_session(case, mapped, options, progress) as session:
        session.options["timezone"] = tz
        assume_basics(session, mapped, options, region, tz, zone_why, owner)
        with session.bulk_writes(len(mapped)):
            store_raw(session, mapped)            # written by the session's writer thread while the columns are read
            calls = read_calls(mapped, profile, tz, region, options.date_format, owner)
            problems = write_read_calls(session, mapped, calls, options)
            good = np.ones(len(mapped), dtype=bool)
            if problems.rejected:
                good[np.fromiter(problems.rejected, dtype=np.int64)] = False
            session.check_cancel(0, len(mapped), f"Importing {path.name}")
            write_calls(session, calls, good, profile, options)
        session.check_cancel(len(mapped), len(mapped), f"Importing {path.name}")
    return session.result


def write_read_calls(session: ImportSession, mapped: MappedTable, calls: Calls, options: ImportOptions) -> RowProblems:
    """Record what reading found: rows that cannot be read (strict: the first stops the import), values set
    aside with their records kept, and how many parties are not dialable numbers."""
    problems = record_problems(session, mapped, calls, options)
    reading_notes(session, len(calls.device_notes), sum(1 for p in calls.phones if p.kind in ("identifier", "invalid")))
    return problems


def record_problems(session: ImportSession, mapped: MappedTable, calls: Calls, options: ImportOptions) -> RowProblems:
    """Rows that cannot be read (strict: the first stops the import) and values set aside, records kept."""
    calls.problems.sort(key=lambda p: p[0])
    problems = RowProblems(session, mapped, options.strict)   # strict: the first bad row rolls it all back
    for index, name, reason in calls.problems:
        problems(index, name, reason)
    for index, name, value, reason in calls.set_aside:
        problems.set_aside(index, name, value, reason)
    return problems


def reading_notes(session: ImportSession, device_notes: int, odd: int) -> None:
    """The import line's notes on IMEIs keyed by 14 digits and parties that are not dialable numbers."""
    if device_notes:
        session.notes.append(f"{device_notes:,} IMEIs keyed by their first 14 digits: a 15th digit that "
                             "is not the check digit, or IMEISV digits, kept as written on the Device")
    if odd:
        session.notes.append(f"{odd:,} parties are not dialable numbers (subscriber or pseudonymous IDs, "
                             f"numbers of no valid length): kept as phone identifiers flagged '{NOT_DIALABLE}'")


def owner_phone(options: ImportOptions, region: str) -> PhoneKey | None:
    """The handset's own number given with --owner (or found by an extraction's device-information sheet)."""
    given = str(options.extra.get("owner") or "").strip()
    if not given:
        return None
    phone = normalize_phone(given, region)
    if phone is None or phone.kind in ("invalid", "short_code"):
        raise LinkgraphError(f"--owner {given}: not a phone number (give the handset's own number, e.g. "
                             "+12095550101)")
    return phone


def account_owner(mapped: MappedTable, options: ImportOptions, region: str) -> PhoneKey | None:
    """The handset's number from a one-party log's own account column (ALEAPP's 'Phone Account Address': the SIM's
    number) when the whole column names one dialable number; two SIMs or none: None (the user gives --owner)."""
    column = mapped.mapping.get("account")
    if column is None or "party" not in mapped.mapping and "party_from" not in mapped.mapping:
        return None
    values = [v for v in pd.unique(mapped.table.frame[column].dropna().astype(str).str.strip()) if v]
    keys = {key.e164 for key in (normalize_phone(v, region) for v in values[:50]) if key is not None}
    if len(values) > 50 or len(keys) != 1:
        return None
    phone = normalize_phone(values[0], region)
    if phone is None or phone.kind not in ("mobile_or_fixed", "toll_free"):
        return None
    options.extra["owner_source"] = f"column '{column}'"
    return phone


def _check_region(mapped: MappedTable, options: ImportOptions, region: str, path: Path) -> None:
    """Refuse, with the fix, a file whose numbers fit another region's numbering plan much better than the case's
    (identity.region_mismatch: an Indian return read as US would become look-alike US numbers); never switch the
    region on a guess. --region given: the user decided."""
    if options.region:
        return
    values: list[str] = []
    for name in ("caller", "callee", "party", "party_from", "party_to", "phone"):
        column = mapped.mapping.get(name)
        if column is not None:
            values.extend(pd.unique(mapped.table.frame[column].head(5000).dropna().astype(str)).tolist()[:400])
    found = region_mismatch(values, region)
    if found is not None:
        other, count, total = found
        raise InputError(f"{count} of {total} numbers looked at are not valid {region} numbers (or only as premium or "
                         f"VoIP look-alikes), and the file's numbers are valid {other} numbers: read as {region} they "
                         f"would become look-alike {region} numbers: give --region {other} (or --region {region} to read "
                         f"them as {region} numbers anyway)", file=path)


def _says_day_first(mapped: MappedTable) -> bool:
    """A time column whose name gives a day-first pattern, as AXIOM writes it: 'Call Date/Time - UTC+05:30 (dd/MM/yyyy)'."""
    header = " ".join(str(mapped.mapping.get(f, "")) for f in ("start", "date"))
    return re.search(r"\(\s*d{1,2}\s*[/.-]\s*M", header) is not None


def _numeric_dates(mapped: MappedTable) -> bool:
    """Whether the file's date column holds numeric dates whose order is a matter of convention ('01/03/2024')."""
    column = mapped.mapping.get("start") or mapped.mapping.get("date")
    if column is None or column not in mapped.table.frame.columns:
        return False
    head = mapped.table.frame[column].head(20).astype(str)
    return bool(head.str.match(r"^\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}").any())


def assume_basics(session: ImportSession, mapped: MappedTable, options: ImportOptions, region: str, tz: str,
                  zone_why: str, owner: PhoneKey | None) -> None:
    """What the import line says it assumed: kind, profile, time zone (and why), region, the handset owner."""
    if not options.profile:
        session.assume("profile", f"{mapped.detection.profile.name} (detected from the header)")
    session.assume("time zone", f"{tz} ({zone_why})")
    session.assume("region", f"{region} ({'--region' if options.region else 'the case region'})")
    if not options.date_format and _says_day_first(mapped):
        session.assume("date order", "day first (the time column's name says so)")
    elif not options.date_format and region.upper() not in MONTH_FIRST_REGIONS and _numeric_dates(mapped):
        session.assume("date order", f"day first ('01/03/2024' is 1 March: region {region}); give --date-format "
                                     "if the file writes month first")
    if owner is not None:
        session.assume("owner", f"{owner.e164} ({options.extra.get('owner_source', '--owner')})")


def store_raw(session: ImportSession, mapped: MappedTable) -> None:
    """Keep every data row: a text file's rows as their original lines (one line per record, delimiter
    known), anything else as JSON cells (tabular.store_raw_rows)."""
    found = _raw_lines(mapped)
    mapped.table.text = None             # the file's bytes: only the lines being written still need them
    rows = mapped.table.row_numbers
    session.set_header(mapped.table.columns, mapped.table.header_row)
    texts, delimiter = found if found is not None else (_json_rows(mapped.table.frame), None)
    if texts is None:
        store_raw_rows(session, mapped)
        return
    session.raw_texts_bulk(np.asarray(rows, dtype=np.int64), texts, delimiter, line_breaks=found is not None)


def _json_rows(frame: pd.DataFrame) -> pa.Array | None:
    """Each row's cells as a JSON list (what tabular.store_raw_rows writes), built column-wise; None when a
    cell holds a control character other than tab or line break (left to json.dumps)."""
    if not len(frame.columns):
        return None
    columns = []
    for name in frame.columns:
        array = pa.array(frame[name].fillna("").astype(str))
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        array = array.cast(pa.string())
        if pc.any(pc.match_substring_regex(array, r"[\x00-\x08\x0b\x0c\x0e-\x1f]")).as_py():
            return None
        columns.append(_escape(array))
    return pc.binary_join_element_wise("[", pc.binary_join_element_wise(*columns, ", "), "]", "")


def _raw_lines(mapped: MappedTable) -> tuple[pa.Array, str] | None:
    """The data rows' original lines, line breaks still on, and the delimiter; None when rows are not one
    line each."""
    table = mapped.table
    if table.text is None or len(table.columns) < 2:
        return None
    lines = _lines(table.text)
    rows = np.asarray(table.row_numbers, dtype=np.int64)
    if not len(rows) or rows.max() > len(lines) or table.header_row > len(lines):
        return None
    header = lines[table.header_row - 1].as_py().rstrip("\r\n")
    delimiter = next((d for d in DELIMITERS if len(next(csv.reader([header], delimiter=d))) == len(table.columns)),
                     None)
    if delimiter is None:
        return None
    contiguous = rows[-1] - rows[0] == len(rows) - 1 and bool((np.diff(rows) == 1).all())
    chosen = lines.slice(int(rows[0]) - 1, len(rows)) if contiguous else lines.take(pa.array(rows - 1))
    del lines                            # line breaks kept: the session's writer thread cuts them off
    if b'"' in table.text:
        quotes = pc.count_substring(chosen, '"').to_numpy(zero_copy_only=False)
        if (quotes % 2).any():
            return None                  # a quoted value runs over several lines: keep cells instead
    return chosen, delimiter


def _lines(data: bytes) -> pa.Array:
    """Every line of a text file's UTF-8 bytes (index = line number - 1, line breaks kept: callers trim
    them): the bytes become the Arrow array as they are, cut at each newline byte (no parsing, no copy)."""
    if len(data) >= 2 ** 31 - 1:                         # Arrow string offsets are 32-bit
        return pa.array(data.decode("utf-8").split("\n"), type=pa.string())
    raw = np.frombuffer(data, dtype=np.uint8)
    step = 1 << 20                                       # a block at a time: the comparison stays in cache
    breaks = np.concatenate([np.flatnonzero(raw[at:at + step] == 10).astype(np.int32) + (at + 1)
                             for at in range(0, len(raw), step)] or [np.zeros(0, dtype=np.int32)])
    ends = breaks if len(breaks) and breaks[-1] == len(data) else np.r_[breaks, np.int32(len(data))]
    offsets = np.r_[np.int32(0), ends].astype(np.int32, copy=False)
    return pa.StringArray.from_buffers(len(ends), pa.py_buffer(offsets), pa.py_buffer(data))


# Offsets of a part hour in a column name ('UTC+05:30', AXIOM's export zone): a zone that keeps it all year.
PART_HOUR_ZONES = {(5, 30): "Asia/Kolkata", (5, 45): "Asia/Kathmandu", (4, 30): "Asia/Kabul",
                   (6, 30): "Asia/Yangon", (9, 30): "Australia/Darwin", (8, 45): "Australia/Eucla",
                   (-9, -30): "Pacific/Marquesas"}


CLOCK_ONLY = re.compile(r"^\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:\(?(?:UTC|GMT)\s*[+-]\s*\d{1,2}(?::?\d{2})?\)?)?$")


def clock_only_start(mapped: MappedTable) -> None:
    """A 'date and time' column that holds only clock times beside a date column (Cellebrite's 'Timestamp: Date'
    and 'Timestamp: Time' as two columns) is the time of that date, not a date-time read as today."""
    start, date = mapped.mapping.get("start"), mapped.mapping.get("date")
    if start is None or date is None or "time" in mapped.mapping or start not in mapped.table.frame.columns:
        return
    head = [str(v).strip() for v in mapped.table.frame[start].head(50).tolist() if str(v).strip()]
    if head and all(CLOCK_ONLY.match(v) for v in head):
        mapped.mapping["time"] = mapped.mapping.pop("start")


def file_zone(options: ImportOptions, profile: Profile, mapped: MappedTable, case_zone: str) -> tuple[str, str]:
    """The zone of the file's times and why: --source-tz; UTC when the time column's name says UTC/GMT; the
    profile's zone only when the file carries that layout's signature columns (a carrier's return, not an
    analyst's sheet that shares a few column names: its local times stay local); else the case's zone."""
    case_zone = options.extra.get("case_tz") or case_zone     # --tz given with this import: the case's new zone
    if options.tz:
        return options.tz, "--source-tz"
    for name in ("start", "time", "date"):
        header = str(mapped.mapping.get(name, ""))
        offset = re.search(r"(?:utc|gmt)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", header, re.IGNORECASE)
        if offset and (int(offset.group(2)) or int(offset.group(3) or 0)):
            if int(offset.group(3) or 0) == 0:      # 'UTC-05:00' (AXIOM): Etc/GMT+5 (the Etc sign is inverted)
                zone = f"Etc/GMT{'-' if offset.group(1) == '+' else '+'}{int(offset.group(2))}"
                return zone, f"the column '{header}' says so"
            sign = 1 if offset.group(1) == "+" else -1
            fixed = PART_HOUR_ZONES.get((sign * int(offset.group(2)), sign * int(offset.group(3))))
            if fixed is None:
                raise LinkgraphError(f"{mapped.path.name}: the column '{header}' gives its times at an offset "
                                     "linkgraph cannot name: give --source-tz with the zone of that offset")
            return fixed, f"the column '{header}' says so: {fixed} is that offset all year"
        elif "utc" in column_key(header) or "gmt" in column_key(header):
            return "UTC", f"the column '{header}' says so"
    column = mapped.mapping.get("start") or mapped.mapping.get("time") or mapped.mapping.get("date")
    if column is not None and column in mapped.table.frame.columns:
        head = [str(v) for v in mapped.table.frame[column].head(20).tolist() if str(v).strip()]
        if head and all(EPOCH.match(v.strip()) for v in head):
            return "UTC", f"the times are Unix time, which is UTC (e.g. '{head[0]}')"
        if head and sum(1 for v in head if ZONE_SUFFIX.search(v) or ISO_OFFSET.search(v)) * 2 > len(head):
            return case_zone, f"each time carries its own UTC offset, e.g. '{head[0]}'; times without one: the case's zone"
    if profile.timezone:
        keys = {column_key(c) for c in mapped.table.columns}
        found = sum(1 for s in profile.signature if column_key(s) in keys)
        if profile.signature and found * 2 > len(profile.signature):
            return profile.timezone, f"profile {profile.name}: the layout's times are {profile.timezone}"
    return case_zone, "the case's zone: the file does not say its zone; give --source-tz if it differs"


def _coded_fields(mapped: MappedTable) -> dict[str, Coded]:
    """Every mapped field's cells coded (stripped, carrier blanks such as '-I' and 'N/A' made empty), all
    columns at once on every core."""
    frame = mapped.table.frame
    return Coded.of_columns({field: frame[column] for field, column in mapped.mapping.items()
                             if column in frame.columns}, BLANKS)


def _meaning(values: Coded, table: dict[str, str], fallback: dict[str, str] | None = None,
             words: tuple[tuple[str, str], ...] = ()) -> Coded:
    """Each raw value's meaning from a profile value map (compared by column_key), then `fallback`, then words."""
    table_keys = {column_key(k): v for k, v in table.items()}

    def meaning(raw: str) -> str:
        key = column_key(raw)
        found = table_keys.get(key) or (fallback or {}).get(key)
        if found is None:
            found = next((m for w, m in words if w in key), "")
        return found

    return values.with_values(values.per_value(meaning))


def _split_dialed(raw: Coded) -> tuple[Coded, Coded]:
    """AT&T cells like '12095550112\\n15105550178(D)': (the number, the dialed number marked '(D)')."""
    numbers, marks = [], []
    for value in raw.values:
        if "\n" not in value and "(d)" not in value.lower():
            numbers.append(value)
            marks.append("")
            continue
        lines = [line.strip() for line in value.splitlines() if line.strip()]
        marked = [line for line in lines if "(d)" in line.lower()]
        plain = [line for line in lines if "(d)" not in line.lower()]
        marks.append(marked[0] if marked else "")
        numbers.append(plain[0] if plain else (marked[0] if marked else ""))
    return raw.with_values(numbers), raw.with_values(marks)


def _printable(value: object, limit: int = 60) -> str:
    """A cell as a one-line message shows it: control characters escaped, long text cut."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(value))
    return text if len(text) <= limit else text[:limit] + "..."


_SITE_SECTOR = re.compile(r"(.*[0-9])[-_/]([0-9]|[A-Za-z])")    # 40123-2, TWR-0042_1, 8812/B


def _site_ids(raw: Coded, carrier: str, sector_digit: bool, split_suffix: bool = False) -> tuple[Coded, Coded]:
    """Site keys ('Sprint:858', '' for none) per row and the sector read from a leading digit where the
    layout has one, or (`split_suffix`, no sector column) from a suffix ('40123-2', '40123_B')."""
    keys, sectors = [], []
    for value in raw.values:
        text = value[:-2] if value.endswith(".0") else value
        sector = ""
        suffix = _SITE_SECTOR.fullmatch(text) if split_suffix else None
        if suffix:
            text, sector = suffix.group(1), suffix.group(2)
        elif sector_digit and len(text) >= 2 and text.isdigit() and text.isascii():
            sector, text = text[0], (text[1:].lstrip("0") or "0")
        keys.append(f"{carrier}:{text}" if text else "")
        sectors.append(sector)
    return raw.with_values(keys), raw.with_values(sectors)


def _lac_cell_ids(lac: Coded, cell: Coded, carrier: str) -> Coded:
    """2G/3G cells named by LAC + Cell ID (no LTE site): 'carrier:LAC-CELL', '' when either is missing."""
    pairs = np.unique(lac.codes * len(cell.values) + cell.codes, return_inverse=True)
    keys = []
    for pair in pairs[0].tolist():
        area, number = lac.values[pair // len(cell.values)], cell.values[pair % len(cell.values)]
        area = area[:-2] if area.endswith(".0") else area
        number = number[:-2] if number.endswith(".0") else number
        keys.append(f"{carrier}:{area}-{number}" if area and number else "")
    return Coded(pairs[1].ravel().astype(np.int64), np.asarray(keys, dtype=object)).unique()


_PARTY = re.compile(r"^(?:(?:from|to|sender|recipient)\s*:\s*)?(\+?[\d(][\d\s().\-]{2,}\d)(?:\s+(.*))?$", re.IGNORECASE)


_NAME_THEN_NUMBER = re.compile(r"(.*?[^\d\s].*?)\s*,\s*(\+?\d[\d\s().\-]{5,}\d)")


def _party_cell(text: str) -> tuple[str, str]:
    """A forensic tool's party cell as (number or identifier, saved name): '+12095550144 Big D',
    'From: +12095550144 Big D', 'Big D <+12095550144>'; the first line when several parties are listed."""
    line = next((part.strip() for part in str(text).splitlines() if part.strip()), "")
    line = re.sub(r"^(?:from|to|sender|recipient)\s*:\s*", "", line, flags=re.IGNORECASE)
    bracket = re.fullmatch(r"(.*?)\s*<([^<>]+)>", line)
    if bracket:
        return bracket.group(2).strip(), bracket.group(1).strip()
    named = _NAME_THEN_NUMBER.fullmatch(line)               # iLEAPP's 'Big D, +12095550144'
    if named:
        return named.group(2).strip(), named.group(1).strip()
    found = _PARTY.match(line)
    if found and found.group(2):
        return found.group(1).strip(), found.group(2).strip()
    return line, ""


def _party(coded, direction: Coded, n: int) -> tuple[Coded, Coded]:
    """The other party of each row of a handset's log and the name the handset saved for it: one 'party'
    column, or 'From'/'To' columns read by direction (the other end is From when incoming, To when outgoing)."""
    if coded("party").present().any() or not (coded("party_from").present().any()
                                                or coded("party_to").present().any()):
        raw = coded("party")
    else:
        incoming = direction.text() != "outgoing"
        source, target = coded("party_from"), coded("party_to")
        raw = Coded.of(pd.Series(np.where(incoming, source.text(), target.text()), dtype=object))
    split = raw.per_value(_party_cell)
    return raw.with_values([number for number, _ in split]), raw.with_values([name for _, name in split])


def _direction_by_owner(coded, direction: Coded, owner: PhoneKey, region: str) -> Coded:
    """A From/To message list with no readable direction (Oxygen's 'Messages' sheet): the handset's own number in
    'From' makes the row outgoing, in 'To' incoming; a direction the row states is kept."""
    said = direction.text()
    unknown = ~np.isin(said, ["outgoing", "incoming"])
    if not unknown.any():
        return direction

    def is_owner(raw: Coded) -> np.ndarray:
        def own(text: str) -> bool:
            key = normalize_phone(_party_cell(text)[0], region) if text else None
            return key is not None and key.e164 == owner.e164
        return raw.per_value(own, dtype=bool)[raw.codes]

    sent, received = is_owner(coded("party_from")), is_owner(coded("party_to"))
    found = np.where(unknown & sent & ~received, "outgoing", np.where(unknown & received & ~sent, "incoming", said))
    return Coded.of(pd.Series(found, dtype=object))


def _clean_day(value: str) -> str:
    """A date cell without the midnight Excel adds to dates ('2024-03-01 00:00:00')."""
    return re.sub(r"[ T]00:00:00$", "", value) if value.endswith("00:00:00") else value


def _clean_clock(value: str) -> str:
    """A time cell without the 1899-12-30 date Excel puts on times."""
    return re.sub(r"^1899-12-3[01][ T]", "", value) if value.startswith("1899-12-3") else value


def _cleaned(coded: Coded, clean: Callable[[str], str], starts_with: str = "", ends_with: str = "") -> Coded:
    """`clean` applied to each distinct value, only when some value has the Excel part it removes (a clock column
    of 86,400 distinct times is then not looked at value by value, batch after batch)."""
    text = pa.array(coded.values, type=pa.string())
    found = pc.starts_with(text, starts_with) if starts_with else pc.ends_with(text, ends_with)
    if not pc.any(found).as_py():
        return coded
    return coded.with_values(coded.per_value(clean))


def _parse_when(when: list[Coded], tz: str, formats: list[str]) -> np.ndarray:
    """Start times (UTC epoch seconds, NaN unreadable) of one date-time column, or of a date and a time
    column: each date and each clock time parsed once, added, then read in zone `tz`; values that are
    not a plain date and a plain clock time are read as 'date time' text, each distinct pair once."""
    if len(when) == 1:
        return when[0].map_array(lambda values: _parse_offsets(values, tz, formats))
    day, clock = when
    midnight = parse_datetimes(day.values, tz="UTC", formats=formats)
    seconds = clock_seconds(clock.values)
    plain_days = np.isnan(midnight) | (midnight % 86400 == 0)
    plain_clocks = ~np.isnan(seconds) | (clock.values == "")
    if plain_days[(day.values != "")].all() and plain_clocks.all():
        naive = midnight[day.codes] + np.nan_to_num(seconds, nan=0.0)[clock.codes]
        return to_epoch(naive, tz)
    pairs, index = np.unique(day.codes * len(clock.values) + clock.codes, return_inverse=True)
    texts = [f"{day.values[p // len(clock.values)]} {clock.values[p % len(clock.values)]}".strip() for p in pairs]
    return _parse_offsets(np.asarray(texts, dtype=object), tz, formats)[index.ravel()]   # '15:27:44(UTC-8)' kept


ISO_OFFSET = re.compile(r"\d[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$")   # ...T15:27:44Z, +05:30
ZONE_SUFFIX = re.compile(r"\s*\(?(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\)?\s*$", re.IGNORECASE)


EPOCH = re.compile(r"^(\d{10}|\d{13})(?:\.0*)?$")   # Unix time in seconds or milliseconds (Android call logs)


def _epoch_seconds(values: Sequence[str]) -> np.ndarray | None:
    """UTC epoch seconds when every non-empty value is a Unix time (10 digits: seconds, 13: milliseconds, as
    Android's call log and SMS tables store them); None otherwise. A Unix time is UTC whatever the zone."""
    head = [str(v) for v in values[:50] if str(v)]
    if not head or not all(EPOCH.match(v) for v in head):
        return None                                      # the usual case, decided on a few values
    texts = [str(v) for v in values]
    if not all(EPOCH.match(v) for v in texts if v):
        return None
    out = np.full(len(texts), np.nan)
    for index, text in enumerate(texts):
        match = EPOCH.match(text) if text else None
        if match:
            digits = match.group(1)
            out[index] = int(digits) / (1000 if len(digits) == 13 else 1)
    return out


def _parse_offsets(values: np.ndarray, tz: str, formats: list[str]) -> np.ndarray:
    """Distinct date-time texts to UTC epoch seconds; a time that carries its own offset, as forensic tools
    write them ('03/01/2024 15:27:44(UTC-8)', '... UTC+05:30'), is read at that offset, not in `tz`."""
    epoch = _epoch_seconds(values)
    if epoch is not None:
        return epoch
    found = [ZONE_SUFFIX.search(v) if v and v[-1:] in ")0123456789" else None for v in values]
    if not any(found):
        return parse_datetimes(values, tz=tz, formats=formats)
    out = np.full(len(values), np.nan)
    plain = np.array([m is None for m in found])
    if plain.any():
        out[plain] = parse_datetimes(np.asarray(values, dtype=object)[plain], tz=tz, formats=formats)
    marked = np.flatnonzero(~plain)
    texts = [values[i][:found[i].start()] for i in marked]
    offsets = np.array([(1 if found[i].group(1) == "+" else -1) * (int(found[i].group(2)) * 3600
                                                                   + int(found[i].group(3) or 0) * 60) for i in marked])
    out[marked] = parse_datetimes(np.asarray(texts, dtype=object), tz="UTC", formats=formats) - offsets
    return out


def _when_text(when: list[Coded], row: int) -> str:
    """The date and time of one row as the file gives them (for messages)."""
    return " ".join(part.at(row) for part in when if part.at(row))


def read_calls(mapped: MappedTable, profile: Profile, tz: str, region: str, date_format: str | None,
               owner: PhoneKey | None = None, numbers: dict[str, PhoneKey | None] | None = None) -> Calls:
    """Parse every column once per distinct value (numbers, times, durations, types, devices, sites).
    A handset's log (one party per row and a direction) is drawn between `owner` and that party.
    `numbers`: raw values already normalised (by earlier batches of the file), extended with this one's."""
    problems: list[tuple[int, str, str]] = []
    quirks = profile.options
    n = len(mapped)

    coded_fields = _coded_fields(mapped)

    def _coded(name: str) -> Coded:
        return coded_fields.get(name) or Coded.constant(n)

    def flag(mask: np.ndarray, name: str, reason: str, shown: Coded | None = None) -> None:
        for index in np.flatnonzero(mask):
            value = _printable(shown.at(index)) if shown is not None else ""
            problems.append((int(index), name, reason.format(value=value)))

    set_aside: list[tuple[int, str, str, str]] = []

    def aside(mask: np.ndarray, name: str, shown: Coded, reason: str) -> None:
        for index in np.flatnonzero(mask):
            set_aside.append((int(index), name, shown.at(index), reason))

    # call types and directions first: a handset's log (one party per row) needs them to orient each call
    call_type = _coded("call_type")
    meaning = _meaning(call_type, profile.values.get("call_type", {}), words=CALL_TYPE_WORDS)
    event = quirks.get("event")
    kind = meaning.with_values([event or ("sms" if m == "sms" else "call") for m in meaning.values])
    direction_raw = _coded("direction") if mapped.has("direction") else call_type
    direction = _meaning(direction_raw, profile.values.get("direction", {}), DIRECTIONS, words=DIRECTION_WORDS)
    if mapped.has("originated") and not mapped.has("direction"):
        originated = _coded("originated")
        direction = originated.with_values(originated.per_value(
            lambda v: "outgoing" if column_key(v) in ("1", "yes", "true", "outgoing") else
            ("incoming" if column_key(v) in ("0", "no", "false", "incoming") else "")))

    # numbers: every distinct value normalised once, rows coded by index into `phones`
    one_sided = any(mapped.has(name) for name in ONE_SIDED_FIELDS)
    if one_sided and owner is not None and (mapped.has("party_from") or mapped.has("party_to")):
        direction = _direction_by_owner(_coded, direction, owner, region)
    one_phone = mapped.has("phone") and not (mapped.has("caller") or mapped.has("callee") or one_sided)
    names = None
    if one_phone:                                      # a tower dump: one phone per row, seen at a cell site
        caller_raw = _coded("phone")
        callee_raw = Coded.constant(n)
        caller_dialed = Coded.constant(n)
    elif one_sided:
        party_raw, names = _party(_coded, direction, n)
        caller_raw = callee_raw = party_raw
        caller_dialed = Coded.constant(n)
    else:
        caller_raw, caller_dialed = _split_dialed(_coded("caller"))
        callee_raw, _ = _split_dialed(_coded("callee"))
    dialed_raw = _coded("dialed")
    distinct = dict.fromkeys([*caller_raw.values, *callee_raw.values, *dialed_raw.values, *caller_dialed.values])
    if numbers is None:
        lookup = normalize_phones(distinct, region)
    else:
        numbers.update(normalize_phones([v for v in distinct if v not in numbers], region))
        lookup = {v: numbers[v] for v in distinct}
    damaged: dict[str, str] = {}
    for raw in lookup:
        if raw and len(raw) <= 3 and lookup[raw] is not None and is_withheld(raw):
            lookup[raw] = WITHHELD                       # Android's '-2' (private) is not the short number 2
        elif lookup[raw] is None and raw:
            if is_withheld(raw):
                lookup[raw] = WITHHELD
            elif (why := damaged_number(raw)) is not None:
                damaged[raw] = why
            else:
                lookup[raw] = identifier_key(raw)          # a subscriber or pseudonymous ID: kept, not dialable
    phones = list({v.e164: v for v in lookup.values() if v is not None}.values())
    if owner is not None:
        phones.append(owner)
        phones = list({v.e164: v for v in phones}.values())
    for marker in (WITHHELD, UNREADABLE):
        if marker.e164 not in {p.e164 for p in phones}:
            phones.append(marker)
    position = {phone.e164: i for i, phone in enumerate(phones)}

    def phone_index(raw: Coded) -> np.ndarray:
        return raw.map(lambda v: position[lookup[v].e164] if lookup.get(v) is not None else -1, np.int64)

    def read_party(name: str, raw: Coded) -> np.ndarray:
        keys = phone_index(raw)
        empty = ~raw.present()
        bad = raw.per_value(lambda v: v in damaged, dtype=bool)[raw.codes]
        for index in np.flatnonzero(bad):
            value = raw.at(index)
            set_aside.append((int(index), name, value, damaged[value]))
        keys[bad] = position[UNREADABLE.e164]
        keys[empty] = position[WITHHELD.e164]             # a blank caller ID is a withheld number
        return keys

    if one_sided:
        party = read_party("party", party_raw)
        if owner is None:
            raise LinkgraphError(f"{mapped.path.name}: this is a handset's own log (one party per row and a direction): "
                                 "give the handset's own number (--owner NUMBER, or 'Handset owner' in the import "
                                 "wizard), or import the whole extraction, whose device-information sheet names it")
        own = position[owner.e164]
        outgoing = direction.text() == "outgoing"
        # an outgoing row whose party is blank or the handset itself: the log does not name the other party
        # (ALEAPP's WhatsApp calls, iLEAPP's Viber calls): kept as a call to an unknown number, never a self-call
        unnamed = outgoing & ((party == own) | ~party_raw.present())
        for index in np.flatnonzero(unnamed):
            set_aside.append((int(index), "party", party_raw.at(index),
                              "the other party of an outgoing call is not in the record (the log names only the "
                              "handset's side)"))
        party[unnamed] = position[UNREADABLE.e164]
        unknown = ~np.isin(direction.text(), ["outgoing", "incoming"])
        caller = np.where(outgoing, own, party)
        callee = np.where(outgoing, party, own)
        said = next((f for f in ("direction", "originated", "call_type") if mapped.has(f)), "direction")
        for index in np.flatnonzero(unknown):
            set_aside.append((int(index), said, _coded(said).at(index),
                              "direction not readable (drawn from the other party to the handset)"))
        dialed = np.full(n, -1, dtype=np.int64)
    elif one_phone:
        caller = read_party("phone", caller_raw)
        flag(~caller_raw.present(), "phone", "no phone number in this row")
        callee = np.full(n, -1, dtype=np.int64)
        dialed = np.full(n, -1, dtype=np.int64)
    else:
        caller = read_party("caller", caller_raw)
        callee = read_party("callee", callee_raw)
        both = ~caller_raw.present() & ~callee_raw.present()
        flag(both, "caller", "no caller and no callee in this row")
        marked_text = caller_dialed.present()
        dialed = np.where(marked_text, phone_index(caller_dialed), phone_index(dialed_raw))
    # '(D)': the call was to the dialed number and ended at the terminating one (e.g. voicemail)
    marked = caller_dialed.present() & (dialed >= 0)
    forwarded_to = np.where(marked, callee, -1)
    callee = np.where(marked, dialed, callee)

    # times
    if mapped.has("start"):
        when = [_coded("start")]
    elif mapped.has("time"):
        day, clock = _coded("date"), _coded("time")
        when = [_cleaned(day, _clean_day, ends_with="00:00:00"), _cleaned(clock, _clean_clock, starts_with="1899-12-3")]
    else:
        when = [_coded("date")]
    formats = [date_format] if date_format else list(profile.date_formats)
    if not date_format and (region.upper() not in MONTH_FIRST_REGIONS or _says_day_first(mapped)):
        formats += DAY_FIRST_FORMATS                 # '01/03/2024' in an Indian return is 1 March
    start = _parse_when(when, tz, formats)
    empty = ~np.logical_or.reduce([part.present() for part in when])
    when_field = "start" if mapped.has("start") else "date"
    for index in np.flatnonzero(empty):
        problems.append((int(index), when_field, "no date or time in this row"))
    for index in np.flatnonzero(~empty & np.isnan(start)):
        problems.append((int(index), when_field, f"cannot read the date/time '{_printable(_when_text(when, index))}' "
                                                 "(give --date-format)"))
    minus = quirks.get("start_minus")
    if minus and mapped.has(minus):
        offset = _coded(minus).map_array(parse_durations)
        start = start - np.nan_to_num(offset, nan=0.0)

    # durations: an unreadable duration is set aside, the call kept
    duration = np.full(n, np.nan)
    if mapped.has("duration"):
        raw = _coded("duration")
        duration = raw.map_array(parse_durations)
        aside(raw.present() & np.isnan(duration), "duration", raw,
              "duration not readable (seconds, MM:SS or HH:MM:SS)")
    elif mapped.has("end"):
        end = _coded("end").map_array(lambda values: parse_datetimes(values, tz=tz, formats=formats))
        duration = np.where(end >= start, end - start, np.nan)

    # devices: a handset is its first 14 digits; a value that is no IMEI/IMSI is set aside, the call kept
    devices: dict[str, Coded] = {}
    device_notes: dict[str, tuple[str, str]] = {}
    imei_raw = _coded("imei")
    readings = imei_raw.per_value(lambda v: read_imei(v) if v else None)
    devices["imei"] = imei_raw.with_values([r.key if r is not None else "" for r in readings])
    for reading in readings:
        if reading is not None and reading.note and reading.key not in device_notes:
            device_notes[reading.key] = (reading.written, reading.note)
    aside(imei_raw.present() & ~devices["imei"].present(), "imei", imei_raw, "not an IMEI (14 to 16 digits)")
    imsi_raw = _coded("imsi")
    devices["imsi"] = imsi_raw.with_values(imsi_raw.per_value(lambda v: (normalize_imsi(v) or "") if v else ""))
    aside(imsi_raw.present() & ~devices["imsi"].present(), "imsi", imsi_raw, "not an IMSI (14 or 15 digits)")

    # cell sites
    carrier = str(quirks.get("carrier") or "site")
    sites: dict[str, Coded] = {}
    site_attrs: dict[str, dict[str, Coded]] = {}
    for end_name, fields in SITE_FIELDS.items():
        columns = {attr: _coded(f) for attr, f in fields.items() if mapped.has(f)}
        if "site" not in columns and not ("lac" in columns and "cell_id" in columns):
            sites[end_name] = Coded.constant(n)
            site_attrs[end_name] = {}
            continue
        if "site" in columns:
            keys, sector = _site_ids(columns.pop("site"), carrier, bool(quirks.get("site_sector_digit")),
                                     split_suffix="sector" not in columns)
            if "sector" not in columns and sector.present().any():
                columns["sector"] = sector
        else:                                            # 2G/3G: the cell is its LAC + Cell ID
            keys = _lac_cell_ids(columns["lac"], columns["cell_id"], carrier)
        for attr in NUMERIC_SITE_ATTRS:
            if attr in columns:
                raw = columns[attr]
                unreadable = raw.per_value(lambda v: v != "" and _number(v) is None, dtype=bool)
                aside(unreadable[raw.codes], fields[attr], raw, f"the {attr} is not a number")
                if unreadable.any():
                    columns[attr] = raw.with_values(["" if bad else v for v, bad in zip(raw.values, unreadable,
                                                                                       strict=True)])
        sites[end_name] = keys
        site_attrs[end_name] = columns

    if one_phone:
        flag(~sites["first"].present(), "first_site", "no cell site in this row (a tower, or a LAC and Cell ID)")
    extras = {name: _coded(name) for name in EXTRA_FIELDS if mapped.has(name)}
    pairs = np.unique(direction_raw.codes * max(len(direction.values), 1) + direction.codes) if n else []
    written = [(direction_raw.values[p // max(len(direction.values), 1)], direction.values[p % max(len(direction.values), 1)])
               for p in np.asarray(pairs).tolist()]
    differs = mapped.has("direction") and any(column_key(raw) not in ("", column_key(meaning)) for raw, meaning in written)
    if differs:
        extras["direction_as_written"] = direction_raw      # 'Missed', 'Rejected': more than in or out
    if names is not None and names.present().any() and "contact" not in extras:
        extras["contact"] = names
    prefix = quirks.get("voicemail_prefix")
    if prefix:
        pattern = re.compile(rf"{prefix}\d{{10}}")
        extras["rolled_to_voicemail"] = callee_raw.with_values(
            callee_raw.per_value(lambda v: "yes" if pattern.fullmatch(v) else ""))
    return Calls(
        rows=np.asarray(mapped.table.row_numbers, dtype=np.int64), phones=phones, caller=caller, callee=callee,
        forwarded_to=forwarded_to, dialed=dialed, start=start, duration=duration, kind=kind, call_type=call_type,
        direction=direction, when=when, imei=devices["imei"], imsi=devices["imsi"], sites=sites,
        site_attrs=site_attrs, extras=extras, problems=problems, set_aside=set_aside, device_notes=device_notes,
        tower=one_phone, direction_written=direction_raw if mapped.has("direction") else None,
        direction_differs=bool(differs),
    )


def _number(text: str) -> float | None:
    """A coordinate or azimuth cell as a number, None when it is not one."""
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if value == value else None


# ---------------------------------------------------------------------------------------------- writing


def _phone_entities(session: ImportSession, calls: Calls, good: np.ndarray) -> np.ndarray:
    """One Phone entity per distinct number (service numbers and short codes marked), cited to its first row;
    returns the entity id of each entry of calls.phones (-1 for numbers only in rows turned away)."""
    codes, numbers = service_numbers()
    ids = np.full(len(calls.phones), -1, dtype=np.int64)
    never = np.iinfo(np.int64).max
    first = np.full(len(calls.phones), never, dtype=np.int64)       # row * 3 + end: caller, callee, forwarded
    for end, phones in enumerate((calls.caller, calls.callee, calls.forwarded_to)):
        chosen = good & (phones >= 0)
        np.minimum.at(first, phones[chosen], calls.rows[chosen] * 3 + end)
    forwarded = set(np.unique(calls.forwarded_to[good & (calls.forwarded_to >= 0)]).tolist())
    for index in np.argsort(first, kind="stable").tolist():
        if first[index] == never:
            break
        phone = calls.phones[index]
        attrs = phone_attrs(phone, index in forwarded, (codes, numbers))
        ids[index] = session.entity("Phone", phone.e164, phone.display, row=int(first[index] // 3), attrs=attrs)
    return ids


def phone_attrs(phone: PhoneKey, forwarded: bool, services: tuple[dict[str, str], dict[str, str]]) -> dict[str, Any]:
    """A Phone entity's attributes: its kind, the service it is (a carrier code or number from
    `services` = identity.service_numbers(), the withheld or unreadable marker, a voicemail platform that
    '(D)' legs were `forwarded` to) and a note when it cannot be dialled."""
    codes, numbers = services
    key = phone.e164
    attrs: dict[str, Any] = {"kind": phone.kind}
    label = codes.get(key) or numbers.get(key) or ("caller ID withheld (private, restricted, blocked)"
                                                  if phone.e164 == WITHHELD.e164 else None)
    if forwarded and phone.kind == "mobile_or_fixed":
        attrs["kind"] = "service"
        label = label or "calls forwarded here ('(D)' legs): voicemail platform"
    if label:
        attrs["service"] = label
    if phone.kind in ("identifier", "invalid"):
        attrs["note"] = NOT_DIALABLE
    if phone.e164 == UNREADABLE.e164:
        attrs["service"] = "number not readable (set aside on its rows)"
    return attrs


def first_site_readings(calls: Calls, good: np.ndarray) -> Iterator[tuple[str, pd.DataFrame]]:
    """Each end's distinct site readings (key and the site's attributes) at their first good row, with that row."""
    for end_name in ("first", "last"):
        keys = calls.sites[end_name]
        attrs = {a: c for a, c in calls.site_attrs[end_name].items()
                 if a not in PER_CALL_SITE_ATTRS or a in ("sector", "azimuth")}
        chosen = np.flatnonzero(good & keys.present())
        if not len(chosen):
            continue
        columns = {"key": keys, **attrs}
        if np.prod([float(len(c.values)) for c in columns.values()]) < 2 ** 62:
            combined = np.zeros(len(chosen), dtype=np.int64)      # one number per combination of codes
            for coded in columns.values():
                combined = combined * len(coded.values) + coded.codes[chosen]
            _, first = np.unique(combined, return_index=True)     # the first row of each combination
            first.sort()
        else:
            codes = pd.DataFrame({name: coded.codes[chosen] for name, coded in columns.items()})
            first = codes.drop_duplicates().index.to_numpy()
        yield end_name, pd.DataFrame({name: coded.values[coded.codes[chosen[first]]] for name, coded in columns.items()}
                                     | {"row": calls.rows[chosen[first]]})


def site_entities(session: ImportSession, parts: list[pd.DataFrame], carrier: str) -> dict[str, int]:
    """One CellSite entity per site key in the first readings `parts` (first_site_readings), in the order of
    their first rows, with each attribute's first given value; returns key -> entity id."""
    ids: dict[str, int] = {}
    if not parts:
        return ids
    table = pd.concat(parts, ignore_index=True).fillna("").sort_values("row", kind="stable")
    attr_names = [c for c in table.columns if c not in ("key", "row", "sector", "azimuth")]
    for key, group in table.groupby("key", sort=False):
        attrs_of: dict[str, Any] = {"carrier": carrier, "site_id": str(key).split(":", 1)[1]}
        if "azimuth" in group.columns:
            faces = group[group["azimuth"] != ""]
            sectors = faces["sector"] if "sector" in faces.columns else pd.Series("", index=faces.index)
            pairs = dict(zip(sectors.tolist(), faces["azimuth"].tolist(), strict=True))
            if pairs:                          # no sector's azimuth given: no empty {} either
                attrs_of["azimuth"] = {str(k or "?"): float(v) for k, v in sorted(pairs.items())}
        for name in attr_names:
            given = group[name][group[name] != ""]
            if len(given):
                value = given.iat[0]
                attrs_of[name] = float(value) if name in NUMERIC_SITE_ATTRS else value
        label = f"{carrier} site {attrs_of['site_id']}" + (f" ({attrs_of['city']})" if attrs_of.get("city") else "")
        ids[str(key)] = session.entity("CellSite", str(key), label, row=int(group["row"].iat[0]), attrs=attrs_of)
    return ids


def _site_entities(session: ImportSession, calls: Calls, good: np.ndarray, carrier: str) -> dict[str, np.ndarray]:
    """One CellSite entity per distinct site key, with the position and address the file gives; returns each
    end's entity id per row (-1 where the row names no site)."""
    ids = site_entities(session, [frame for _, frame in first_site_readings(calls, good)], carrier)
    return {end_name: calls.sites[end_name].map(lambda v: ids.get(v, -1), np.int64) for end_name in ("first", "last")}


def _entity_ids(phones: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Entity id per row from its phone index (-1 where the row has no phone)."""
    return np.where(phones >= 0, ids[np.maximum(phones, 0)], -1) if len(ids) else np.full(len(phones), -1)


def _nullable(values: np.ndarray, present: np.ndarray) -> list:
    """Python values for SQLite, None where absent."""
    out = np.asarray(values).astype(object)
    out[~np.asarray(present, dtype=bool)] = None
    return out.tolist()


def _group_legs(calls: Calls, good: np.ndarray, caller: np.ndarray, callee: np.ndarray) -> np.ndarray:
    """For one-row-per-leg layouts: each row's first leg (index); rows of one call share time, parties and kind."""
    frame = pd.DataFrame({"start": calls.start, "caller": caller, "callee": callee, "kind": calls.kind.codes})
    first = np.arange(len(frame))
    usable = good & ~np.isnan(calls.start)
    keyed = frame[usable]
    if len(keyed):
        leader = keyed.groupby(["start", "caller", "callee", "kind"], sort=False).ngroup().to_numpy()
        positions = np.flatnonzero(usable)
        _, first_of = np.unique(leader, return_index=True)
        first[positions] = positions[first_of[leader]]
    return first


def _known_events(session: ImportSession, lo: float, hi: float) -> pd.DataFrame:
    """Calls and texts already in the case (other sources) in a time window: id, type, src, dst, start, duration."""
    rows = session.conn.execute(
        "SELECT id, type, src, dst, start, duration FROM links WHERE type IN ('call', 'sms') AND start BETWEEN ? AND ? "
        "AND source_id != ?", (int(lo), int(hi), session.source_id),
    ).fetchall()
    return pd.DataFrame(rows, columns=["id", "type", "src", "dst", "start", "duration"])


def _match_known(events: pd.DataFrame, known: pd.DataFrame, tolerance: float) -> dict[int, int]:
    """New event index -> known link id: same type, parties and duration, start within `tolerance` seconds;
    each known link matched once, nearest first (as-of joins, so a busy pair costs n log n, not n x m)."""
    matched: dict[int, int] = {}
    if not len(known) or not len(events):
        return matched

    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        rounded = frame["duration"].fillna(-1).round().astype(np.int64)
        return frame.assign(seconds=rounded, start=frame["start"].astype("float64")).sort_values("start")

    events, known = keyed(events), keyed(known.rename(columns={"id": "link"}))
    by = ["type", "src", "dst", "seconds"]
    for _ in range(5):        # a link wanted by two events goes to the nearer; the other tries the next link
        pairs = pd.merge_asof(events, known[[*by, "start", "link"]].assign(known_start=known["start"]), on="start",
                              by=by, tolerance=tolerance, direction="nearest").dropna(subset=["link"])
        if not len(pairs):
            break
        pairs = pairs.assign(gap=(pairs["start"] - pairs["known_start"]).abs()).sort_values(["gap", "index"])
        pairs = pairs.drop_duplicates("link")
        matched.update(zip(pairs["index"].astype(np.int64).tolist(), pairs["link"].astype(np.int64).tolist(),
                           strict=True))
        events = events[~events["index"].isin(pairs["index"])]
        known = known[~known["link"].isin(pairs["link"])]
        if not len(events) or not len(known):
            break
    return matched


def write_calls(session: ImportSession, calls: Calls, good: np.ndarray, profile: Profile,
                options: ImportOptions) -> None:
    """Entities, links, citations and device `uses` links for the good rows, in bulk."""
    carrier = str(profile.options.get("carrier") or "site")
    phone_ids = _phone_entities(session, calls, good)
    site = _site_entities(session, calls, good, carrier)
    src = _entity_ids(calls.caller, phone_ids)
    dst = _entity_ids(calls.callee, phone_ids)
    if calls.tower:                       # a phone seen at a cell site: Phone -> CellSite, one event per row
        dst = site["first"].copy()
        good = good & (dst >= 0)
        calls.kind = Coded.constant(len(src), "seen_at")

    # one event per call: legs of one call fold into their first row
    leader = np.arange(len(src))
    if profile.options.get("legs"):
        leader = _group_legs(calls, good, src, dst)
    lead_rows = good & (leader == np.arange(len(src)))
    legs = good & ~lead_rows
    duration = calls.duration.copy()
    first_site = site["first"].copy()
    forwarded = calls.forwarded_to.copy()
    leg_count = np.ones(len(src), dtype=np.int64)
    if legs.any():
        followers = np.flatnonzero(legs)
        heads = leader[followers]
        np.maximum.at(duration, heads, np.nan_to_num(calls.duration[followers], nan=-np.inf))
        np.add.at(leg_count, heads, 1)
        for head, follower in zip(heads, followers, strict=True):
            if first_site[head] < 0 and site["first"][follower] >= 0:
                first_site[head] = site["first"][follower]
            if forwarded[head] < 0 <= forwarded[follower]:
                forwarded[head] = forwarded[follower]
        duration[np.isinf(duration)] = np.nan

    session.check_cancel(len(calls.rows) // 3, len(calls.rows), "Matching calls already in the case")
    # the same call already in the case from the other party's return
    index = np.flatnonzero(lead_rows)
    tolerance = float(options.extra.get("duplicate_seconds", profile.options.get("duplicate_seconds",
                                                                                 DUPLICATE_SECONDS)))
    matched: dict[int, int] = {}
    timed = calls.start[index][~np.isnan(calls.start[index])]
    if len(timed):
        known = _known_events(session, timed.min() - tolerance, timed.max() + tolerance)
        if len(known):
            events = pd.DataFrame({"index": index, "type": calls.kind.text(index), "src": src[index],
                                   "dst": dst[index], "start": calls.start[index], "duration": duration[index]})
            matched = _match_known(events, known, tolerance)
    for position, link_id in matched.items():
        session.cite(link_id, int(calls.rows[position]))
    fresh = index[~np.isin(index, np.fromiter(matched, dtype=np.int64, count=len(matched)))]

    # the link rows, attrs built column-wise, a slice at a time to keep memory down
    first_link = session.next_link_id
    # small first slices get the writer thread going while the next, full slices are built
    members = _Members(calls, site, first_site)
    starts = [start for start in (0, FIRST_SLICE, 4 * FIRST_SLICE) if start < len(fresh)] or [0]
    starts += list(range(4 * FIRST_SLICE + WRITE_SLICE, len(fresh), WRITE_SLICE))
    for begin, end in zip(starts, [*starts[1:], len(fresh)], strict=True):
        session.check_cancel(len(calls.rows) // 2 + begin // 2, len(calls.rows), "Writing calls and texts")
        part = fresh[begin:end]
        attrs = _attrs(members, part, forwarded, leg_count)
        start = np.rint(calls.start[part]).astype(np.int64)
        loc = first_site[part]
        nothing = [None] * len(part)
        session.links_columns([
            calls.kind.text(part), src[part], dst[part], start, nothing, duration[part], nothing, nothing,
            pa.array(loc, mask=loc < 0), [1.0] * len(part), attrs, calls.rows[part]])
        session.mark_imported(calls.rows[part])

    # legs after the first: cite the call they belong to
    followers = np.flatnonzero(legs)
    if len(followers):
        link_of = dict(zip(fresh.tolist(), range(first_link, first_link + len(fresh)), strict=True))
        link_of.update(matched)
        for follower in followers.tolist():
            head = int(leader[follower])
            if head in link_of:
                session.cite(link_of[head], int(calls.rows[follower]))
    _device_links(session, calls, good, src, dst)
    if legs.any():
        session.notes.append(f"{int(legs.sum())} rows were further legs of calls already read (cited, not repeated)")


def _escape(array: pa.Array) -> pa.Array:
    """JSON string literals ('"..."') of Arrow strings; nulls stay null."""
    if pc.any(pc.match_substring_regex(array, r'[\x00-\x1f"\\]')).as_py():
        array = pc.replace_substring(array, "\\", "\\\\")
        array = pc.replace_substring(array, '"', '\\"')
        for char, escaped in (("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
            array = pc.replace_substring(array, char, escaped)
        array = pc.replace_substring_regex(array, r"[\x00-\x1f]", " ")
    return pc.binary_join_element_wise('"', array, '"', "")


def _member(name: str, values: Any) -> pa.Array:
    """'"name": "value"' JSON members of text values (escaped), null where the value is blank or null."""
    array = values if isinstance(values, pa.Array) else pa.array(
        [v if v not in ("", None) else None for v in values], type=pa.string())
    array = pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)
    return pc.binary_join_element_wise(f'"{name}": ', _escape(array), "")


COMBINED_EXTRAS = ("rolled_to_voicemail", "direction_as_written")    # extras with few values, written with the call type and sites


class _Members:
    """One file's attrs members ('"name": "value"'), each escaped once per distinct value: a slice of rows
    only takes from them. The members with few values (call type, direction, cell sites, sectors and
    azimuths) are joined once per distinct combination of them, not once per row."""

    def __init__(self, calls: Calls, site: dict[str, np.ndarray], first_site: np.ndarray) -> None:
        self.calls = calls
        self.cache: dict[str, pa.Array] = {}
        columns: list[tuple[np.ndarray, list[str | None]]] = [
            (calls.call_type.codes, _member("call_type", calls.call_type.values).to_pylist()),
            (calls.direction.codes, _member("direction", calls.direction.values).to_pylist())]
        for name, ids in (("first_site", first_site), ("last_site", site["last"])):
            codes, distinct = pd.factorize(ids)
            columns.append((codes, [f'"{name}": {i}' if i >= 0 else None for i in distinct.tolist()]))
        for end_name in ("first", "last"):
            for attr in LINK_SITE_ATTRS:
                if attr in calls.site_attrs[end_name]:
                    coded = calls.site_attrs[end_name][attr]
                    columns.append((coded.codes, _member(f"{end_name}_{attr}", coded.values).to_pylist()))
        for name in COMBINED_EXTRAS:
            if name in calls.extras:
                columns.append((calls.extras[name].codes, _member(name, calls.extras[name].values).to_pylist()))
        self.combination = _combination([codes for codes, _ in columns], [len(members) for _, members in columns])
        first = np.full(int(self.combination.max()) + 1 if len(self.combination) else 0, len(self.combination))
        np.minimum.at(first, self.combination, np.arange(len(self.combination)))   # each combination's first row
        texts = []
        for row in first.tolist():
            found = [members[codes[row]] for codes, members in columns if members[codes[row]] is not None]
            texts.append(", ".join(found) or None)
        self.combined = pa.array(texts, type=pa.string())

    def coded(self, name: str, values: Coded, rows: np.ndarray) -> pa.Array:
        """Members of a coded column for the chosen rows."""
        members = self.cache.get(name)
        if members is None:
            members = self.cache[name] = _member(name, values.values)
        return members.take(pa.array(values.codes[rows]))

    def phones(self, name: str, phones: np.ndarray) -> pa.Array:
        """Members naming phone numbers (E.164) by index into calls.phones; null where the index is -1."""
        members = self.cache.get(name)
        if members is None:
            members = self.cache[name] = _member(name, [p.e164 for p in self.calls.phones] or [""])
        return members.take(pa.array(np.maximum(phones, 0), mask=phones < 0))

    def text(self, index: int, rows: np.ndarray) -> pa.Array:
        """The chosen rows' text of one part of the date/time (null where blank)."""
        part = self.calls.when[index]
        values = self.cache.get(f"when {index}")
        if values is None:
            values = self.cache[f"when {index}"] = pa.array([v or None for v in part.values], type=pa.string())
        return values.take(pa.array(part.codes[rows]))


def _combination(columns: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """One code per row for the combination of its codes in these columns (codes 0 .. sizes - 1)."""
    if np.prod([float(size) for size in sizes]) < 2 ** 62:
        packed = np.zeros(len(columns[0]), dtype=np.int64)
        for codes, size in zip(columns, sizes, strict=True):
            packed = packed * size + codes
        return pd.factorize(packed)[0]
    frame = pd.DataFrame(dict(enumerate(columns)))
    return frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()


def _attrs(members: _Members, rows: np.ndarray, forwarded: np.ndarray, leg_count: np.ndarray) -> pa.Array | list[str]:
    """Each link's attrs JSON (raw call type, direction, site ids, sector and azimuth, original time text,
    extras), built column by column with Arrow from each column's distinct values: no Python per row."""
    if not len(rows):
        return []
    calls = members.calls
    pieces = [members.combined.take(pa.array(members.combination[rows]))]
    parts = [members.text(index, rows) for index in range(len(calls.when))]
    when = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, " ", null_handling="skip")
    pieces.append(_member("time_text", when))
    for name, values in calls.extras.items():
        if name not in COMBINED_EXTRAS:
            pieces.append(members.coded(name, values, rows))
    dialed = calls.dialed[rows]
    pieces.append(members.phones("dialed", np.where(dialed != calls.callee[rows], dialed, -1)))
    ahead = forwarded[rows]
    if (ahead >= 0).any():
        pieces.append(members.phones("forwarded_to", ahead))
    legs = leg_count[rows]
    if (legs > 1).any():
        pieces.append(pc.binary_join_element_wise('"legs": ', pa.array(legs, mask=legs <= 1).cast(pa.string()), ""))
    body = pc.binary_join_element_wise(*pieces, ", ", null_handling="skip")
    return pc.binary_join_element_wise("{", body, "}", "")


def _device_links(session: ImportSession, calls: Calls, good: np.ndarray, src: np.ndarray, dst: np.ndarray) -> None:
    """Device (IMEI handset, IMSI SIM) -> Phone `uses` links: first and last time seen together, rows counted.
    The phone is the target's own end of each row (by direction, else the end that is in more rows)."""
    if not (calls.imei.present().any() or calls.imsi.present().any()):
        return
    ends = np.r_[src[good], dst[good]]
    counts = np.bincount(ends[ends >= 0], minlength=int(max(src.max(), dst.max(), 0)) + 1)
    src_n = np.where(src >= 0, counts[np.maximum(src, 0)], 0)               # rows naming each end's phone
    dst_n = np.where(dst >= 0, counts[np.maximum(dst, 0)], 0)
    direction = calls.direction.values[calls.direction.codes]
    own = np.where(direction == "outgoing", src,
                   np.where(direction == "incoming", dst, np.where(src_n >= dst_n, src, dst)))
    if calls.tower:
        own = src                                   # a tower record: the phone seen, never the cell site
    for label, values in (("imei", calls.imei), ("imsi", calls.imsi)):
        present = np.flatnonzero(good & values.present() & (own >= 0))
        if not len(present):
            continue
        group, pair = pd.factorize(values.codes[present] * len(counts) + own[present])   # (device, phone) pairs
        start = calls.start[present]
        first = np.full(len(pair), np.inf)
        last = np.full(len(pair), -np.inf)
        timed = ~np.isnan(start)
        np.minimum.at(first, group[timed], start[timed])
        np.maximum.at(last, group[timed], start[timed])
        rows = np.bincount(group, minlength=len(pair))
        row_of = np.full(len(pair), np.iinfo(np.int64).max)
        np.minimum.at(row_of, group, calls.rows[present])           # each pair's first row
        devices = values.values[pair // len(counts)]
        phones = pair % len(counts)
        kind = "handset" if label == "imei" else "SIM"
        for index in sorted(range(len(pair)), key=lambda i: (devices[i], phones[i])):
            device, phone, row = str(devices[index]), int(phones[index]), int(row_of[index])
            timed_pair = first[index] <= last[index]
            attrs: dict[str, Any] = {label: device, "kind": kind}
            if device in calls.device_notes:
                attrs["written"], attrs["note"] = calls.device_notes[device]
            device_id = session.entity("Device", device, f"{label.upper()} {device}", row=row, attrs=attrs)
            session.link("uses", device_id, phone, row=row,
                         start=int(first[index]) if timed_pair else None, end=int(last[index]) if timed_pair else None,
                         weight=float(rows[index]), attrs={"identifier": label, "rows": int(rows[index])})
