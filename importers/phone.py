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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from importers.dates import combine_date_time, parse_datetimes, parse_durations
from importers.mapping import Profile, column_key, header_scorer, match_columns, profiles, score
from importers.options import ImportOptions
from importers.readers import DELIMITERS, read_head
from importers.tabular import MappedTable, RowProblems, open_session, read_mapped, store_raw_rows
from linkgraph.case import CaseFile, ImportResult, ImportSession
from linkgraph.identity import PhoneKey, normalize_imei, normalize_imsi, normalize_phones, service_numbers
from linkgraph.progress import Progress, no_progress

KIND = "phone"
WRITE_SLICE = 200_000           # links built and written this many at a time
DUPLICATE_SECONDS = 60          # the same call in two returns: start times at most this far apart
BLANKS = ("-i", "n/a", "na", "null", "none", "--")
BLANK_SPELLINGS = sorted({v for b in BLANKS for v in (b, b.upper(), b.title())})   # '-I', 'N/A', 'Null'...
# A caller who hid their number: one Phone entity marked as a service number, so the call (its time and
# cell site) is kept but analysis leaves the shared "number" out as it does voicemail and short codes.
WITHHELD_WORDS = frozenset({"private", "private number", "restricted", "blocked", "anonymous", "unavailable",
                            "withheld", "no caller id", "caller id blocked", "unknown caller"})
WITHHELD = PhoneKey("withheld", "service", "Withheld number")
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
DIRECTIONS = {"outgoing": "outgoing", "out": "outgoing", "outbound": "outgoing", "mo": "outgoing",
              "originating": "outgoing", "incoming": "incoming", "in": "incoming", "inbound": "incoming",
              "mt": "incoming", "terminating": "incoming", "routed": "routed", "forwarded": "routed"}


def kind_score(path: Path, options: ImportOptions) -> float:
    """How much the file looks like phone records: the best profile's header score, lowered when the
    caller column does not hold phone numbers (so a From/To sheet of names stays a link sheet)."""
    table = read_head(path, header_score=header_scorer(KIND), sheet=options.sheet)   # header + first rows
    ranked = sorted(((score(p, table.columns), p) for p in profiles(KIND)), key=lambda t: -t[0])
    if not ranked:
        return 0.0
    best, profile = ranked[0]
    column = match_columns(profile, table.columns).get("caller")
    if column is None:
        return best
    sample = table.frame[column].head(50).fillna("").astype(str).str.strip()
    sample = sample[sample != ""]
    if not len(sample):
        return best
    found = normalize_phones(sample.tolist(), options.region or "US")
    share = sum(1 for v in sample if found[v] is not None) / len(sample)
    return best if share >= 0.5 else best * 0.3


@dataclass
class Calls:
    """One file's rows read into columns: parsed values per row and the problems found."""

    rows: np.ndarray                       # row number in the file, per table row
    caller: np.ndarray                     # E.164 / code key (object, None = not a phone)
    callee: np.ndarray
    forwarded_to: np.ndarray               # '(D)' rows: the number the call ended at (voicemail platform)
    start: np.ndarray                      # float epoch seconds, NaN = unreadable
    duration: np.ndarray                   # float seconds, NaN = not given
    kind: np.ndarray                       # 'call' / 'sms'
    call_type: pd.Series                   # raw text
    direction: np.ndarray                  # outgoing / incoming / routed / '' (object)
    time_text: pd.Series
    phones: dict[str, Any]                 # key -> PhoneKey
    imei: np.ndarray                       # normalised IMEI or None
    imsi: np.ndarray
    sites: dict[str, np.ndarray]           # 'first'/'last' -> site key or None
    site_frames: dict[str, pd.DataFrame]   # 'first'/'last' -> site attribute columns (text)
    extras: dict[str, pd.Series] = field(default_factory=dict)   # contact, dialed...
    problems: list[tuple[int, str, str]] = field(default_factory=list)   # (index, field, reason)


def import_file(case: CaseFile, path: Path, options: ImportOptions, progress: Progress = no_progress) -> ImportResult:
    """Import one phone-records file: calls and texts, phones, devices and cell sites, each cited to its row."""
    mapped = read_mapped(path, KIND, options)
    frame = mapped.table.frame
    loose = {name: "str" for name in frame.columns if frame[name].dtype == object}
    if loose:                                    # workbooks come as Python objects: Arrow strings are faster
        mapped.table.frame = frame.astype(loose)
    profile = mapped.detection.profile
    region = (options.region or case.region or "US").upper()
    tz = file_zone(options, profile, mapped, case.timezone)
    progress(0, len(mapped), f"Reading {path.name}")
    calls = read_calls(mapped, profile, tz, region, options.date_format)
    calls.problems.sort(key=lambda p: p[0])
    if options.strict:
        check = RowProblems(None, mapped, True)   # type: ignore[arg-type]  # strict: raises before any write
        for index, name, reason in calls.problems[:1]:
            check(index, name, reason)
    with open_session(case, mapped, options, progress) as session:
        session.options["timezone"] = tz
        with session.bulk_writes(len(mapped)):
            store_raw(session, mapped)
            problems = RowProblems(session, mapped, options.strict)
            for index, name, reason in calls.problems:
                problems(index, name, reason)
            good = np.ones(len(mapped), dtype=bool)
            if problems.rejected:
                good[np.fromiter(problems.rejected, dtype=np.int64)] = False
            session.check_cancel(0, len(mapped), f"Importing {path.name}")
            write_calls(session, calls, good, profile, options)
        session.check_cancel(len(mapped), len(mapped), f"Importing {path.name}")
    return session.result


def store_raw(session: ImportSession, mapped: MappedTable) -> None:
    """Keep every data row: a text file's rows as their original lines (one line per record, delimiter
    known), anything else as JSON cells (tabular.store_raw_rows)."""
    found = _raw_lines(mapped)
    rows = mapped.table.row_numbers
    session.set_header(mapped.table.columns, mapped.table.header_row)
    texts, delimiter = found if found is not None else (_json_rows(mapped.table.frame), None)
    if texts is None:
        store_raw_rows(session, mapped)
        return
    for first in range(0, len(texts), WRITE_SLICE):       # converted from Arrow a slice at a time
        session.raw_texts_bulk(rows[first:first + WRITE_SLICE].tolist(), texts.slice(first, WRITE_SLICE), delimiter)


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
    """The data rows' original lines and the delimiter, or None when rows are not one line each."""
    table = mapped.table
    if table.encoding is None or len(table.columns) < 2:
        return None
    lines = _file_lines(mapped.path, table.encoding)
    rows = np.asarray(table.row_numbers, dtype=np.int64)
    if not len(rows) or rows.max() > len(lines) or table.header_row > len(lines):
        return None
    header = lines[table.header_row - 1].as_py().rstrip("\r\n").lstrip("\ufeff")
    delimiter = next((d for d in DELIMITERS if len(next(csv.reader([header], delimiter=d))) == len(table.columns)),
                     None)
    if delimiter is None:
        return None
    contiguous = rows[-1] - rows[0] == len(rows) - 1 and bool((np.diff(rows) == 1).all())
    chosen = lines.slice(int(rows[0]) - 1, len(rows)) if contiguous else lines.take(pa.array(rows - 1))
    chosen = pc.utf8_rtrim(chosen, characters="\r\n")
    del lines
    quotes = pc.count_substring(chosen, '"').to_numpy(zero_copy_only=False)
    if (quotes % 2).any():
        return None                      # a quoted value runs over several lines: keep cells instead
    return chosen, delimiter


def _file_lines(path: Path, encoding: str) -> pa.Array:
    """Every line of a text file (index = line number - 1, line breaks kept: callers trim them). A UTF-8
    file's bytes become the Arrow array as they are, cut at each newline byte (no parsing, no copy);
    other encodings are decoded and split in Python."""
    if encoding in ("utf-8", "utf-8-sig", "ascii"):
        data = path.read_bytes()
        breaks = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10) + 1
        if len(data) < 2 ** 31 - 1:                      # Arrow string offsets are 32-bit
            ends = breaks if len(breaks) and breaks[-1] == len(data) else np.r_[breaks, len(data)]
            offsets = np.r_[0, ends].astype(np.int32)
            lines = pa.StringArray.from_buffers(len(ends), pa.py_buffer(offsets), pa.py_buffer(data))
            try:
                lines.validate(full=True)                # bytes that are not UTF-8: decoded below instead
                return lines
            except pa.ArrowInvalid:
                pass
    text = path.read_bytes().decode(encoding, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return pa.array(text.split("\n"), type=pa.string())


def file_zone(options: ImportOptions, profile: Profile, mapped: MappedTable, case_zone: str) -> str:
    """The zone of the file's times: --source-tz, else the profile's (UTC for carriers that say so), else
    UTC when the time column's name says UTC/GMT, else the case's zone."""
    if options.tz:
        return options.tz
    if profile.timezone:
        return profile.timezone
    for name in ("start", "time", "date"):
        column = column_key(mapped.mapping.get(name, ""))
        if "utc" in column or "gmt" in column:
            return "UTC"
    return case_zone


def _text(mapped: MappedTable, name: str) -> pd.Series:
    """A field's cells as stripped text, with carrier blanks ('-I', 'N/A') made empty."""
    values = mapped.column(name)
    if not mapped.has(name):
        return values
    return values.where(~values.isin(BLANK_SPELLINGS), "")


def _meaning(values: pd.Series, table: dict[str, str], fallback: dict[str, str] | None = None,
             words: tuple[tuple[str, str], ...] = ()) -> np.ndarray:
    """Each raw value's meaning from a profile value map (compared by column_key), then `fallback`, then words."""
    table_keys = {column_key(k): v for k, v in table.items()}
    codes, uniques = pd.factorize(values)
    meanings = []
    for raw in uniques:
        key = column_key(raw)
        meaning = table_keys.get(key) or (fallback or {}).get(key)
        if meaning is None:
            meaning = next((m for w, m in words if w in key), "")
        meanings.append(meaning)
    out = np.asarray(meanings + [""], dtype=object)
    return out[codes]


def _split_dialed(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """AT&T cells like '12095550112\\n15105550178(D)': (the number, the dialed number marked '(D)')."""
    number = raw.copy()
    dialed = pd.Series("", index=raw.index, dtype=object)
    flagged = raw.str.contains("\n", regex=False) | raw.str.contains("(d)", case=False, regex=False)
    for index in np.flatnonzero(flagged.to_numpy()):
        lines = [line.strip() for line in str(raw.iat[index]).splitlines() if line.strip()]
        marked = [line for line in lines if "(d)" in line.lower()]
        plain = [line for line in lines if "(d)" not in line.lower()]
        if marked:
            dialed.iat[index] = marked[0]
        number.iat[index] = plain[0] if plain else (marked[0] if marked else "")
    return number, dialed


def _printable(value: object, limit: int = 60) -> str:
    """A cell as a one-line message shows it: control characters escaped, long text cut."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(value))
    return text if len(text) <= limit else text[:limit] + "..."


def _phone_keys(raw: pd.Series, lookup: dict[str, Any]) -> np.ndarray:
    codes, uniques = pd.factorize(raw)
    keys = np.asarray([(lookup[u].e164 if lookup.get(u) is not None else None) for u in uniques] + [None],
                      dtype=object)
    return keys[codes]


def _site_ids(raw: pd.Series, carrier: str, sector_digit: bool) -> tuple[np.ndarray, pd.Series]:
    """Site keys ('Sprint:858') per row and the sector read from a leading digit where the layout has one."""
    text = raw.str.replace(r"\.0$", "", regex=True)
    sector = pd.Series("", index=raw.index, dtype=object)
    if sector_digit:
        coded = text.str.fullmatch(r"\d{2,}")
        sector = sector.where(~coded, text.str[0])
        text = text.where(~coded, text.str[1:].str.lstrip("0").replace("", "0"))
    keys = (carrier + ":" + text).to_numpy(dtype=object)
    keys[(text == "").to_numpy()] = None
    return keys, sector


def read_calls(mapped: MappedTable, profile: Profile, tz: str, region: str, date_format: str | None) -> Calls:
    """Parse every column once per distinct value (numbers, times, durations, types, devices, sites)."""
    problems: list[tuple[int, str, str]] = []
    quirks = profile.options
    n = len(mapped)

    def flag(mask: np.ndarray, name: str, reason: str, shown: pd.Series | None = None) -> None:
        for index in np.flatnonzero(mask):
            value = _printable(shown.iat[index]) if shown is not None else ""
            problems.append((int(index), name, reason.format(value=value)))

    # numbers
    caller_raw, caller_dialed = _split_dialed(_text(mapped, "caller"))
    callee_raw, _ = _split_dialed(_text(mapped, "callee"))
    dialed_raw = _text(mapped, "dialed")
    dialed_raw = dialed_raw.where(caller_dialed == "", caller_dialed)
    lookup = normalize_phones(pd.unique(pd.concat([caller_raw, callee_raw, dialed_raw], ignore_index=True)), region)
    for raw in lookup:
        if lookup[raw] is None and " ".join(str(raw).lower().split()) in WITHHELD_WORDS:
            lookup[raw] = WITHHELD
    caller = _phone_keys(caller_raw, lookup)
    callee = _phone_keys(callee_raw, lookup)
    dialed = _phone_keys(dialed_raw, lookup)
    for name, raw, keys in (("caller", caller_raw, caller), ("callee", callee_raw, callee)):
        empty = (raw == "").to_numpy()
        flag(empty, name, f"no {name} number in this row")
        flag(~empty & pd.isna(keys), name, "'{value}' is not a phone number", raw)
    # '(D)': the call was to the dialed number and ended at the terminating one (e.g. voicemail)
    forwarded_to = np.full(n, None, dtype=object)
    marked = (caller_dialed != "").to_numpy() & pd.notna(dialed)
    forwarded_to[marked] = callee[marked]
    callee = np.where(marked, dialed, callee)
    phones = {v.e164: v for v in lookup.values() if v is not None}

    # times
    if mapped.has("start"):
        when_text = _text(mapped, "start")
    elif mapped.has("time"):
        when_text = combine_date_time(_text(mapped, "date"), _text(mapped, "time"))
    else:
        when_text = _text(mapped, "date")
    formats = [date_format] if date_format else list(profile.date_formats)
    start = parse_datetimes(when_text, tz=tz, formats=formats)
    empty = (when_text == "").to_numpy()
    when_field = "start" if mapped.has("start") else "date"
    flag(empty, when_field, "no date or time in this row")
    flag(~empty & np.isnan(start), when_field, "cannot read the date/time '{value}' (give --date-format)", when_text)
    minus = quirks.get("start_minus")
    if minus and mapped.has(minus):
        offset = parse_durations(_text(mapped, minus))
        start = start - np.nan_to_num(offset, nan=0.0)

    # durations
    duration = np.full(n, np.nan)
    if mapped.has("duration"):
        raw = _text(mapped, "duration")
        duration = parse_durations(raw)
        flag((raw != "").to_numpy() & np.isnan(duration), "duration",
             "cannot read the duration '{value}' (seconds, MM:SS or HH:MM:SS)", raw)
    elif mapped.has("end"):
        end = parse_datetimes(_text(mapped, "end"), tz=tz, formats=formats)
        duration = np.where(end >= start, end - start, np.nan)

    # call types and directions
    call_type = _text(mapped, "call_type")
    kind = _meaning(call_type, profile.values.get("call_type", {}), words=CALL_TYPE_WORDS)
    kind = np.where(np.isin(kind, ["sms"]), "sms", "call").astype(object)
    direction_raw = _text(mapped, "direction") if mapped.has("direction") else call_type
    direction = _meaning(direction_raw, profile.values.get("direction", {}), DIRECTIONS)

    # devices
    imei = np.full(n, None, dtype=object)
    imsi = np.full(n, None, dtype=object)
    for name, target, normalise in (("imei", imei, normalize_imei), ("imsi", imsi, normalize_imsi)):
        if not mapped.has(name):
            continue
        raw = _text(mapped, name)
        codes, uniques = pd.factorize(raw)
        keys = np.asarray([normalise(u) if u else None for u in uniques] + [None], dtype=object)
        target[:] = keys[codes]
        flag((raw != "").to_numpy() & pd.isna(target), name,
             f"'{{value}}' is not a valid {name.upper()}", raw)

    # cell sites
    carrier = str(quirks.get("carrier") or "site")
    sites: dict[str, np.ndarray] = {}
    frames: dict[str, pd.DataFrame] = {}
    for end_name, fields in SITE_FIELDS.items():
        columns = {attr: _text(mapped, f) for attr, f in fields.items() if mapped.has(f)}
        if "site" not in columns:
            sites[end_name] = np.full(n, None, dtype=object)
            frames[end_name] = pd.DataFrame(index=range(n))
            continue
        keys, sector = _site_ids(columns.pop("site"), carrier, bool(quirks.get("site_sector_digit")))
        if bool(quirks.get("site_sector_digit")) and "sector" not in columns:
            columns["sector"] = sector
        for attr in NUMERIC_SITE_ATTRS:
            if attr in columns:
                raw = columns[attr]
                codes, uniques = pd.factorize(raw)
                unreadable = np.r_[pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").isna(), False]
                flag((raw != "").to_numpy() & unreadable[codes], fields[attr],
                     f"the {attr} '{{value}}' is not a number", raw)
        sites[end_name] = keys
        frames[end_name] = pd.DataFrame(columns, index=range(n)) if columns else pd.DataFrame(index=range(n))

    extras = {name: _text(mapped, name) for name in ("contact", "feature") if mapped.has(name)}
    prefix = quirks.get("voicemail_prefix")
    if prefix:
        rolled = callee_raw.str.fullmatch(rf"{prefix}\d{{10}}")
        extras["rolled_to_voicemail"] = rolled.map({True: "yes", False: ""}).astype(object)
    extras["dialed"] = pd.Series(dialed, dtype=object)
    return Calls(
        rows=np.asarray(mapped.table.row_numbers, dtype=np.int64), caller=caller, callee=callee,
        forwarded_to=forwarded_to, start=start, duration=duration, kind=kind, call_type=call_type,
        direction=direction, time_text=when_text, phones=phones, imei=imei, imsi=imsi, sites=sites,
        site_frames=frames, extras=extras, problems=problems,
    )


# ---------------------------------------------------------------------------------------------- writing


def _phone_entities(session: ImportSession, calls: Calls, good: np.ndarray) -> dict[str, int]:
    """One Phone entity per distinct number (service numbers and short codes marked), cited to its first row."""
    codes, numbers = service_numbers()
    ids: dict[str, int] = {}
    ends = pd.DataFrame({"key": np.r_[calls.caller[good], calls.callee[good], calls.forwarded_to[good]],
                         "row": np.r_[calls.rows[good], calls.rows[good], calls.rows[good]]}).dropna()
    first = ends.sort_values("row", kind="stable").drop_duplicates("key")
    forwarded = set(calls.forwarded_to[good][pd.notna(calls.forwarded_to[good])])
    for key, row in first.itertuples(index=False, name=None):
        phone = calls.phones[key]
        attrs: dict[str, Any] = {"kind": phone.kind}
        label = codes.get(key) or numbers.get(key) or ("caller ID withheld (private, restricted, blocked)"
                                                      if phone is WITHHELD else None)
        if key in forwarded and phone.kind == "mobile_or_fixed":
            attrs["kind"] = "service"
            label = label or "calls forwarded here ('(D)' legs): voicemail platform"
        if label:
            attrs["service"] = label
        ids[key] = session.entity("Phone", key, phone.display, row=int(row), attrs=attrs)
    return ids


def _site_entities(session: ImportSession, calls: Calls, good: np.ndarray, carrier: str) -> dict[str, int]:
    """One CellSite entity per distinct site key, with the position and address the file gives."""
    parts = []
    for end_name in ("first", "last"):
        keys = calls.sites[end_name]
        frame = calls.site_frames[end_name]
        frame = frame.drop(columns=[c for c in PER_CALL_SITE_ATTRS if c not in ("sector", "azimuth")], errors="ignore")
        frame = frame.assign(key=keys, row=calls.rows)[good & pd.notna(keys)]
        parts.append(frame.drop_duplicates(subset=[c for c in frame.columns if c != "row"]))   # first row of each
    table = pd.concat(parts, ignore_index=True).fillna("")
    ids: dict[str, int] = {}
    if not len(table):
        return ids
    table = table.sort_values("row", kind="stable")
    attr_names = [c for c in table.columns if c not in ("key", "row", "sector", "azimuth")]
    for key, group in table.groupby("key", sort=False):
        attrs: dict[str, Any] = {"carrier": carrier, "site_id": str(key).split(":", 1)[1]}
        if "azimuth" in group.columns:
            faces = group[group["azimuth"] != ""]
            sectors = faces["sector"] if "sector" in faces.columns else pd.Series("", index=faces.index)
            pairs = dict(zip(sectors.tolist(), faces["azimuth"].tolist(), strict=True))
            attrs["azimuth"] = {str(k or "?"): float(v) for k, v in sorted(pairs.items())}
        for name in attr_names:
            given = group[name][group[name] != ""]
            if len(given):
                value = given.iat[0]
                attrs[name] = float(value) if name in NUMERIC_SITE_ATTRS else value
        label = f"{carrier} site {attrs['site_id']}" + (f" ({attrs['city']})" if attrs.get("city") else "")
        ids[str(key)] = session.entity("CellSite", str(key), label, row=int(group["row"].iat[0]), attrs=attrs)
    return ids


def _ids(keys: np.ndarray, table: dict[str, int]) -> np.ndarray:
    """Entity id per row from its key (-1 where there is none)."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    codes, uniques = pd.factorize(keys)
    ids = np.asarray([table.get(k, -1) for k in uniques] + [-1], dtype=np.int64)
    return ids[codes]


def _nullable(values: np.ndarray, present: np.ndarray) -> list:
    """Python values for SQLite, None where absent."""
    out = np.asarray(values).astype(object)
    out[~np.asarray(present, dtype=bool)] = None
    return out.tolist()


def _group_legs(calls: Calls, good: np.ndarray, caller: np.ndarray, callee: np.ndarray) -> np.ndarray:
    """For one-row-per-leg layouts: each row's first leg (index); rows of one call share time, parties and kind."""
    frame = pd.DataFrame({"start": calls.start, "caller": caller, "callee": callee, "kind": calls.kind})
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
    site_ids = _site_entities(session, calls, good, carrier)
    src = _ids(calls.caller, phone_ids)
    dst = _ids(calls.callee, phone_ids)
    site = {end_name: _ids(calls.sites[end_name], site_ids) for end_name in ("first", "last")}

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
            if forwarded[head] is None and forwarded[follower] is not None:
                forwarded[head] = forwarded[follower]
        duration[np.isinf(duration)] = np.nan

    session.check_cancel(len(calls.rows) // 3, len(calls.rows), "Matching calls already in the case")
    # the same call already in the case from the other party's return
    index = np.flatnonzero(lead_rows)
    events = pd.DataFrame({"index": index, "type": calls.kind[index], "src": src[index], "dst": dst[index],
                           "start": calls.start[index], "duration": duration[index]})
    tolerance = float(options.extra.get("duplicate_seconds", profile.options.get("duplicate_seconds",
                                                                                 DUPLICATE_SECONDS)))
    matched: dict[int, int] = {}
    if len(events):
        known = _known_events(session, events["start"].min() - tolerance, events["start"].max() + tolerance)
        matched = _match_known(events, known, tolerance)
    for position, link_id in matched.items():
        session.cite(link_id, int(calls.rows[position]))
    fresh = index[~np.isin(index, np.fromiter(matched, dtype=np.int64, count=len(matched)))]

    # the link rows, attrs built column-wise, a slice at a time to keep memory down
    first_link = session.next_link_id
    for begin in range(0, len(fresh), WRITE_SLICE):
        session.check_cancel(len(calls.rows) // 2 + begin // 2, len(calls.rows), "Writing calls and texts")
        part = fresh[begin:begin + WRITE_SLICE]
        attrs = _attrs(calls, part, site, first_site, forwarded, leg_count)
        start = np.rint(calls.start[part]).astype(np.int64)
        dur = duration[part]
        loc = first_site[part]
        nothing = [None] * len(part)
        session.links_columns([
            calls.kind[part].tolist(), src[part].tolist(), dst[part].tolist(), start.tolist(), nothing,
            _nullable(dur, dur == dur), nothing, nothing, _nullable(loc, loc >= 0), [1.0] * len(part), attrs,
            calls.rows[part].tolist()])
        session.mark_imported(calls.rows[part].tolist())

    # legs after the first: cite the call they belong to
    link_of = dict(zip(fresh.tolist(), range(first_link, first_link + len(fresh)), strict=True))
    link_of.update(matched)
    for follower in np.flatnonzero(legs):
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


def _literal(values: pd.Series | np.ndarray, rows: np.ndarray, keep: np.ndarray | None = None) -> pa.Array:
    """JSON string literals of the chosen rows' text (null where empty or not kept), escaped column-wise
    (a column with few distinct values is escaped once per value)."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype):
        array = pa.array(values)
    else:
        array = pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    array = array.take(pa.array(rows)).cast(pa.string())
    absent = pc.fill_null(pc.equal(array, ""), True)
    if keep is not None:
        absent = pc.or_(absent, pa.array(~keep))
    array = pc.if_else(absent, pa.scalar(None, pa.string()), array)
    coded = array.dictionary_encode()
    if len(coded.dictionary) * 4 < len(array):
        return _escape(coded.dictionary).take(coded.indices)
    return _escape(array)


def _attrs(calls: Calls, rows: np.ndarray, site: dict[str, np.ndarray], first_site: np.ndarray,
           forwarded: np.ndarray, leg_count: np.ndarray) -> pa.Array | list[str]:
    """Each link's attrs JSON (raw call type, direction, original time text, site ids, sector and azimuth,
    extras), built column by column with Arrow: no Python per row."""
    if not len(rows):
        return []
    pieces: list[pa.Array] = []

    def add(name: str, literal: pa.Array) -> None:
        pieces.append(pc.binary_join_element_wise(f'"{name}": ', literal, ""))

    for name, values in (("call_type", calls.call_type), ("direction", calls.direction),
                         ("time_text", calls.time_text)):
        add(name, _literal(values, rows))
    for name, ids in (("first_site", first_site), ("last_site", site["last"])):
        chosen = ids[rows]
        add(name, pa.array(chosen, mask=chosen < 0).cast(pa.string()))
    for end_name in ("first", "last"):
        frame = calls.site_frames[end_name]
        for attr in LINK_SITE_ATTRS:
            if attr in frame.columns:
                add(f"{end_name}_{attr}", _literal(frame[attr], rows))
    for name, values in calls.extras.items():
        keep = None
        if name == "dialed":
            keep = np.asarray(values.to_numpy(dtype=object)[rows] != calls.callee[rows], dtype=bool)
        add(name, _literal(values, rows, keep))
    ahead = forwarded[rows]
    if pd.notna(ahead).any():
        add("forwarded_to", _literal(ahead, np.arange(len(rows))))
    legs = leg_count[rows]
    if (legs > 1).any():
        add("legs", pa.array(legs, mask=legs <= 1).cast(pa.string()))
    body = pc.binary_join_element_wise(*pieces, ", ", null_handling="skip")
    return pc.binary_join_element_wise("{", body, "}", "")


def _device_links(session: ImportSession, calls: Calls, good: np.ndarray, src: np.ndarray, dst: np.ndarray) -> None:
    """Device (IMEI handset, IMSI SIM) -> Phone `uses` links: first and last time seen together, rows counted.
    The phone is the target's own end of each row (by direction, else the end that is in more rows)."""
    if not (pd.notna(calls.imei).any() or pd.notna(calls.imsi).any()):
        return
    counts = pd.Series(np.r_[src[good], dst[good]]).value_counts()
    src_n = pd.Series(src).map(counts).fillna(0).to_numpy()
    dst_n = pd.Series(dst).map(counts).fillna(0).to_numpy()
    own = np.where(calls.direction == "outgoing", src,
                   np.where(calls.direction == "incoming", dst, np.where(src_n >= dst_n, src, dst)))
    for label, values in (("imei", calls.imei), ("imsi", calls.imsi)):
        present = good & pd.notna(values)
        if not present.any():
            continue
        frame = pd.DataFrame({"device": values[present], "phone": own[present], "row": calls.rows[present],
                              "start": calls.start[present]})
        grouped = frame.groupby(["device", "phone"], sort=True).agg(
            row=("row", "min"), first=("start", "min"), last=("start", "max"), rows=("row", "size")).reset_index()
        for device, phone, row, first, last, rows in grouped.itertuples(index=False, name=None):
            kind = "handset" if label == "imei" else "SIM"
            device_id = session.entity("Device", str(device), f"{label.upper()} {device}", row=int(row),
                                       attrs={label: str(device), "kind": kind})
            session.link("uses", device_id, int(phone), row=int(row),
                         start=None if np.isnan(first) else int(first), end=None if np.isnan(last) else int(last),
                         weight=float(rows), attrs={"identifier": label, "rows": int(rows)})
