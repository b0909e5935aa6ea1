"""The reference phone importer: a carrier's call detail records read row by row, slow and obvious.

importers/phone.py is the speed code: it reads every column at once (each distinct value parsed once, links
built column-wise with Arrow). This module says the same thing one record at a time, with Python's csv
module, so a reader can check what a call record becomes, and tests/importers/test_phone_reference.py can
check that the fast importer stores exactly what this one stores for any generated return. It takes the
domain rules (number normalisation, withheld callers, IMEIs, times, value maps) from importers/phone.py,
linkgraph.identity and importers.dates rather than stating them twice.

Scope: a comma-separated return of one carrier layout with a caller and a callee column per row (T-Mobile's
by default: a date and a UTC time, call type, direction, IMEI/IMSI, first and last cell sites). No
one-row-per-leg layouts, no '(D)' marks, no handset logs or tower dumps: those stay in the fast importer.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from importers.dates import (
    DAY_FIRST_FORMATS,
    MONTH_FIRST_REGIONS,
    clock_seconds,
    parse_datetimes,
    parse_durations,
    to_epoch,
)
from importers.mapping import Profile, column_key, match_columns, profiles
from importers.options import ImportOptions
from importers.phone import (
    BLANKS,
    CALL_TYPE_WORDS,
    DIRECTION_WORDS,
    DIRECTIONS,
    LINK_SITE_ATTRS,
    NUMERIC_SITE_ATTRS,
    PER_CALL_SITE_ATTRS,
    SITE_FIELDS,
    UNREADABLE,
    _clean_clock,
    _clean_day,
    _number,
    _parse_offsets,
    _printable,
    phone_attrs,
)
from linkgraph.case import CaseFile, ImportResult, ImportSession
from linkgraph.errors import InputError
from linkgraph.identity import (
    WITHHELD,
    PhoneKey,
    damaged_number,
    identifier_key,
    is_withheld,
    normalize_imsi,
    normalize_phone,
    read_imei,
    service_numbers,
)


@dataclass
class CallRecord:
    """One row of the return as read: its cells by field, and what they mean."""

    row: int                                    # the row number a person sees in the file
    line: str                                   # the row's original line
    cells: dict[str, str]                       # field -> cell, stripped, carrier blanks made ''
    written: list[str]                          # the cells in header order, as written
    caller: PhoneKey | None = None
    callee: PhoneKey | None = None
    dialed: PhoneKey | None = None
    start: float = math.nan
    duration: float = math.nan
    kind: str = "call"
    direction: str = ""
    imei: str = ""
    imsi: str = ""
    sites: dict[str, str] = field(default_factory=dict)       # 'first'/'last' -> site key
    problem: tuple[str, str] | None = None      # (field, reason): the row is turned away
    set_aside: list[tuple[str, str, str]] = field(default_factory=list)   # (field, value, reason)


def import_file(case: CaseFile, path: Path, options: ImportOptions, profile_name: str = "tmobile") -> ImportResult:
    """Import one carrier return row by row: each record's phones, cell sites, call and devices."""
    profile = next(p for p in profiles("phone") if p.name == profile_name)
    region = (options.region or case.region or "US").upper()
    lines = path.read_text(encoding="utf-8").split("\n")
    header_row, header = _header(lines, profile)
    mapping = match_columns(profile, header)
    records = [_record(number, lines[number - 1].rstrip("\r"), header, mapping)
               for number in range(header_row + 1, len(lines) + 1) if _is_data(lines[number - 1], header)]
    formats = list(profile.date_formats) + ([] if region in MONTH_FIRST_REGIONS else DAY_FIRST_FORMATS)
    for record in records:
        _read(record, profile, region, formats, mapping)
    with ImportSession(case, path, kind="phone", profile=profile.name, options={"mapping": mapping}) as session:
        session.options["timezone"] = profile.timezone
        session.assume("time zone", f"{profile.timezone} (profile {profile.name}: the layout's times are {profile.timezone})")
        session.assume("region", region)
        session.set_header(header, header_row)
        session.raw_lines_bulk(((record.row, record.line) for record in records), ",")
        for record in records:
            if record.problem:
                name, reason = record.problem
                if options.strict:                # the first bad row rolls the whole import back
                    raise InputError(f"{reason} (use --lenient to import the other rows and keep this one as "
                                     "rejected)", file=path, row=record.row, column=mapping.get(name, name))
                session.reject(record.row, mapping.get(name, name), reason, record.written)
            for name, value, reason in record.set_aside:
                session.set_aside(record.row, mapping.get(name, name), value, reason)
        # the file's direction column says more than in or out ('Missed'): every call keeps it as written
        as_written = "direction" in mapping and any(
            column_key(r.cells.get("direction", "")) not in ("", column_key(r.direction)) for r in records)
        _write(session, records, profile, as_written)
    return session.result


def _header(lines: list[str], profile: Profile) -> tuple[int, list[str]]:
    """The first line naming the caller and callee columns of the layout: its row number and cells."""
    for number, line in enumerate(lines, start=1):
        cells = next(csv.reader([line]), [])
        found = match_columns(profile, cells)
        if "caller" in found and "callee" in found:
            return number, cells
    raise ValueError(f"no {profile.name} header (caller and callee columns) in the file")


def _is_data(line: str, header: list[str]) -> bool:
    """A record line: as many cells as the header (the title, blank and 'Total Records' lines are not)."""
    return len(next(csv.reader([line.rstrip("\r")]), [])) == len(header)


def _record(number: int, line: str, header: list[str], mapping: dict[str, str]) -> CallRecord:
    written = next(csv.reader([line]))
    by_column = dict(zip(header, written, strict=True))
    cells = {}
    for name, column in mapping.items():
        cell = by_column.get(column, "").strip()
        cells[name] = "" if cell.lower() in BLANKS else cell
    return CallRecord(row=number, line=line, cells=cells, written=written)


def party(cell: str, region: str) -> tuple[PhoneKey | None, str | None]:
    """A caller or callee cell as a phone (a blank caller ID is withheld) and why it is set aside, if it is."""
    if not cell:
        return WITHHELD, None
    found = normalize_phone(cell, region)
    if found is not None:
        return (WITHHELD if len(cell) <= 3 and is_withheld(cell) else found), None     # Android's '-2'
    if is_withheld(cell):
        return WITHHELD, None
    why = damaged_number(cell)
    if why is not None:
        return UNREADABLE, why
    return identifier_key(cell), None             # a subscriber or pseudonymous ID: kept, not dialable


def _meaning(raw: str, table: dict[str, str], fallback: dict[str, str], words: tuple[tuple[str, str], ...]) -> str:
    key = column_key(raw)
    found = {column_key(k): v for k, v in table.items()}.get(key) or fallback.get(key)
    return found if found is not None else next((m for w, m in words if w in key), "")


def _read(record: CallRecord, profile: Profile, region: str, formats: list[str], mapping: dict[str, str]) -> None:
    """What one record's cells mean; a row that cannot be a call gets its problem, bad values are set aside."""
    cells = record.cells
    meaning = _meaning(cells.get("call_type", ""), profile.values.get("call_type", {}), {}, CALL_TYPE_WORDS)
    record.kind = "sms" if meaning == "sms" else "call"
    record.direction = _meaning(cells.get("direction", cells.get("call_type", "")),
                                profile.values.get("direction", {}), DIRECTIONS, DIRECTION_WORDS)
    for name in ("caller", "callee"):
        key, why = party(cells.get(name, ""), region)
        setattr(record, name, key)
        if why:
            record.set_aside.append((name, cells[name], why))
    if cells.get("dialed"):
        key, why = party(cells["dialed"], region)
        record.dialed = None if why else key
    if not cells.get("caller") and not cells.get("callee"):
        record.problem = ("caller", "no caller and no callee in this row")
    day, clock = _clean_day(cells.get("date", "")), _clean_clock(cells.get("time", ""))
    record.start = _start(day, clock, profile.timezone, formats)
    if record.problem is None and not day and not clock:
        record.problem = ("date", "no date or time in this row")
    elif record.problem is None and math.isnan(record.start):
        record.problem = ("date", f"cannot read the date/time '{_printable(' '.join(p for p in (day, clock) if p))}' "
                                  "(give --date-format)")
    if cells.get("duration"):
        record.duration = float(parse_durations(np.array([cells["duration"]], dtype=object))[0])
        if math.isnan(record.duration):
            record.set_aside.append(("duration", cells["duration"], "duration not readable (seconds, MM:SS or HH:MM:SS)"))
    if cells.get("imei"):
        reading = read_imei(cells["imei"])
        record.imei = reading.key if reading else ""
        if reading is None:
            record.set_aside.append(("imei", cells["imei"], "not an IMEI (14 to 16 digits)"))
    if cells.get("imsi"):
        record.imsi = normalize_imsi(cells["imsi"]) or ""
        if not record.imsi:
            record.set_aside.append(("imsi", cells["imsi"], "not an IMSI (14 or 15 digits)"))
    carrier = str(profile.options.get("carrier") or "site")
    for end, fields in SITE_FIELDS.items():
        site = cells.get(fields["site"], "")
        site = site[:-2] if site.endswith(".0") else site
        record.sites[end] = f"{carrier}:{site}" if site else ""
        for attr in NUMERIC_SITE_ATTRS:
            value = cells.get(fields[attr], "")
            if value and _number(value) is None:
                record.set_aside.append((fields[attr], value, f"the {attr} is not a number"))
                cells[fields[attr]] = ""


def _start(day: str, clock: str, tz: str, formats: list[str]) -> float:
    """A date and a clock time as UTC epoch seconds (NaN: unreadable)."""
    midnight = parse_datetimes(np.array([day], dtype=object), tz="UTC", formats=formats)[0]
    seconds = clock_seconds(np.array([clock], dtype=object))[0]
    if (math.isnan(midnight) or midnight % 86400 == 0) and (not math.isnan(seconds) or not clock):
        return float(to_epoch(np.array([midnight + (0.0 if math.isnan(seconds) else seconds)]), tz)[0])
    return float(_parse_offsets(np.array([f"{day} {clock}".strip()], dtype=object), tz, formats)[0])


def _write(session: ImportSession, every: list[CallRecord], profile: Profile, as_written: bool) -> None:
    """Phones, then cell sites, then one link per call, then the devices seen with each phone: from the
    records not turned away (`every` record of the file says how it writes each handset)."""
    records = [record for record in every if record.problem is None]
    services = service_numbers()
    phones: dict[str, int] = {}
    for record in records:
        for phone in (record.caller, record.callee):
            phones[phone.e164] = session.entity("Phone", phone.e164, phone.display, row=record.row,
                                                attrs=phone_attrs(phone, False, services))
    sites = _site_entities(session, records, profile)
    for record in records:
        session.link(record.kind, phones[record.caller.e164], phones[record.callee.e164], row=record.row,
                     start=int(np.rint(record.start)), duration=None if math.isnan(record.duration) else record.duration,
                     location=sites.get(record.sites["first"]), attrs=_link_attrs(record, sites, as_written))
    _device_links(session, records, phones, every)


def _site_entities(session: ImportSession, records: list[CallRecord], profile: Profile) -> dict[str, int]:
    """One CellSite per site key: its position and address the first rows naming them give, its sectors'
    azimuths (the last row naming a sector gives it)."""
    carrier = str(profile.options.get("carrier") or "site")
    attrs: dict[str, dict[str, Any]] = {}
    first_row: dict[str, int] = {}
    for record in records:
        for end, fields in SITE_FIELDS.items():
            key = record.sites[end]
            if not key:
                continue
            first_row.setdefault(key, record.row)
            found = attrs.setdefault(key, {"carrier": carrier, "site_id": key.split(":", 1)[1]})
            azimuth = record.cells.get(fields["azimuth"], "")
            if azimuth:
                found.setdefault("azimuth", {})[record.cells.get(fields["sector"], "") or "?"] = float(azimuth)
            for attr, name in fields.items():
                value = record.cells.get(name, "")
                if attr not in PER_CALL_SITE_ATTRS and attr != "site" and value and attr not in found:
                    found[attr] = float(value) if attr in NUMERIC_SITE_ATTRS else value
    ids = {}
    for key in sorted(attrs, key=lambda k: first_row[k]):
        found = attrs[key]
        if "azimuth" in found:
            found["azimuth"] = dict(sorted(found["azimuth"].items()))
        label = f"{carrier} site {found['site_id']}" + (f" ({found['city']})" if found.get("city") else "")
        ids[key] = session.entity("CellSite", key, label, row=first_row[key], attrs=found)
    return ids


def _link_attrs(record: CallRecord, sites: dict[str, int], as_written: bool) -> dict[str, Any]:
    """What a call keeps beside its columns: the call type and direction as written, its sites, sectors and
    azimuths, the date and time as written and the dialed number when it is not the callee."""
    cells = record.cells
    attrs: dict[str, Any] = {"call_type": cells.get("call_type", ""), "direction": record.direction}
    for end in ("first", "last"):
        if record.sites[end]:
            attrs[f"{end}_site"] = sites[record.sites[end]]
        for attr in LINK_SITE_ATTRS:
            attrs[f"{end}_{attr}"] = cells.get(SITE_FIELDS[end][attr], "")
    if as_written:
        attrs["direction_as_written"] = cells.get("direction", "")
    attrs["time_text"] = " ".join(p for p in (_clean_day(cells.get("date", "")), _clean_clock(cells.get("time", ""))) if p)
    if record.dialed is not None and record.dialed.e164 != record.callee.e164:
        attrs["dialed"] = record.dialed.e164
    return {name: _one_line(value) if isinstance(value, str) else value
            for name, value in attrs.items() if value not in ("", None)}


def _one_line(text: str) -> str:
    """Control characters other than line breaks and tabs become spaces (as the fast importer keeps them)."""
    return "".join(c if c >= " " or c in "\n\r\t" else " " for c in text)


def _device_links(session: ImportSession, records: list[CallRecord], phones: dict[str, int],
                  every: list[CallRecord]) -> None:
    """Device -> Phone `uses` links: the handset (IMEI) or SIM (IMSI) and the phone of the row's own end
    (outgoing: the caller, incoming: the callee, else the end named in more rows)."""
    named = Counter()
    for record in records:
        named.update([phones[record.caller.e164], phones[record.callee.e164]])
    notes: dict[str, tuple[str, str]] = {}
    for record in every:                  # how the file writes a handset: rows turned away say it too
        reading = read_imei(record.cells["imei"]) if record.cells.get("imei") else None
        if reading is not None and reading.note:
            notes.setdefault(reading.key, (reading.written, reading.note))
    for label, kind in (("imei", "handset"), ("imsi", "SIM")):
        pairs: dict[tuple[str, int], dict[str, Any]] = {}
        for record in records:
            device = getattr(record, label)
            if not device:
                continue
            src, dst = phones[record.caller.e164], phones[record.callee.e164]
            own = {"outgoing": src, "incoming": dst}.get(record.direction, src if named[src] >= named[dst] else dst)
            seen = pairs.setdefault((device, own), {"row": record.row, "rows": 0, "times": []})
            seen["rows"] += 1
            if not math.isnan(record.start):
                seen["times"].append(record.start)
        for (device, phone), seen in sorted(pairs.items()):
            attrs: dict[str, Any] = {label: device, "kind": kind}
            if label == "imei" and device in notes:
                attrs["written"], attrs["note"] = notes[device]
            device_id = session.entity("Device", device, f"{label.upper()} {device}", row=seen["row"], attrs=attrs)
            times = seen["times"]
            session.link("uses", device_id, phone, row=seen["row"], start=int(min(times)) if times else None,
                         end=int(max(times)) if times else None, weight=float(seen["rows"]),
                         attrs={"identifier": label, "rows": seen["rows"]})
