"""Handset extractions (`--kind extraction`): a seized phone's call log, contacts and messages.

Cellebrite UFED Reader / Physical Analyzer workbooks hold a sheet per artifact (a title row above
each header) and a device-information sheet that names the handset's own number; Magnet AXIOM,
Oxygen and iLEAPP/ALEAPP give one CSV/TSV per artifact. Every artifact sheet is read with the
profiles of its kind: call logs with the one-party-per-row phone profiles (importers/profiles/phone),
contacts and messages with importers/profiles/extraction. Calls and messages become `call`/`sms`
links between the handset's number (the device sheet, else `--owner`) and the other party; a
message keeps its body as text. A saved contact is the owner's own attribution of who is who: a
`knows` link from the handset's number to the saved number with the saved name, never a merge of
persons. Each row of each sheet is kept as it was, with its sheet name (one row number per row
across the workbook, in sheet order). See docs/importing-phone-records.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from importers import phone
from importers.mapping import (
    Detection,
    Profile,
    column_key,
    match_columns,
    profiles,
    resolve,
    score,
    two_party_sheet,
)
from importers.options import ImportOptions
from importers.readers import Table, list_sheets, read_head, read_table, sheet_cells
from importers.tabular import MappedTable, RowProblems
from linkgraph.case import CaseFile, ImportResult, ImportSession
from linkgraph.errors import InputError, LinkgraphError
from linkgraph.identity import PhoneKey, is_withheld, normalize_phone
from linkgraph.progress import Progress, no_progress

KIND = "extraction"
# Device-information rows naming the handset's own number (Cellebrite "Device Info"/"Extraction Summary",
# AXIOM "Case information", iLEAPP "Device Info"): the key cell compared by column_key.
OWNER_KEYS = ("msisdn", "msisdn1", "phonenumber", "ownnumber", "ownphonenumber", "phonenumbersim",
              "line1number", "mobilenumber", "devicephonenumber", "lastusedmsisdn", "subscribernumber",
              "phonenumberlastused", "myphonenumber")
DEVICE_SHEETS = ("deviceinfo", "deviceinformation", "summary", "extractionsummary", "extractioninfo", "caseinformation",
                 "deviceproperties")
NUMBER_TOKEN = re.compile(r"\+?\d[\d\s().\-]{5,}\d")
# Entry labels that hold a phone number ('Phone-Mobile', 'Phone-_$!<Home>!$_', 'User ID-WhatsApp User Id', 'User ID-SMS')
PHONE_LABEL = re.compile(r"^\s*(phone|mobile|cell|tel|whatsapp|user id-(whatsapp|sms|imessage|signal|viber|telegram phone))",
                         re.IGNORECASE)
# Labelled name lines in a contact cell (Oxygen's 'Contact': 'Nickname: Dee', 'First name: Dee', 'Last name: Cruz')
NAME_LABEL = re.compile(r"^\s*(full ?name|first ?name|last ?name|nickname|display ?name)\s*:\s*(.*)$", re.IGNORECASE)


@dataclass
class Artifact:
    """One artifact sheet (or file) of an extraction: its table, what it holds and the profile that reads it."""

    sheet: str | None
    what: str                       # calls / messages / contacts
    table: Table
    detection: Detection


def _candidates() -> list[tuple[str, Profile]]:
    """(artifact, profile) pairs: the one-party-per-row call logs, then contacts and messages."""
    calls = [("calls", p) for p in profiles("phone") if {"party", "party_from"} & set(p.fields)]
    return calls + [(str(p.options.get("artifact", "messages")), p) for p in profiles(KIND)]


def _header_score(cells: list[str]) -> float:
    return max((score(p, cells) for _, p in _candidates()), default=0.0)


def _classify(columns: list[str]) -> tuple[str, Profile, float] | None:
    """What a sheet holds, by the best-fitting artifact profile (None when none fits its header)."""
    best: tuple[float, str, Profile] | None = None
    for what, profile in _candidates():
        value = score(profile, columns)
        if value >= 1.0 and what == "calls" and two_party_sheet(profile, columns):
            continue                         # caller_id beside recipient_id: a call sheet, not a handset's log
        if value >= 1.0 and (best is None or value > best[0]):
            best = (value, what, profile)
    return None if best is None else (best[1], best[2], best[0])


def _is_device_sheet(name: str) -> bool:
    return column_key(name) in DEVICE_SHEETS or "deviceinfo" in column_key(name)


def kind_score(path: Path, options: ImportOptions) -> float:
    """A workbook with a device-information sheet or several artifact sheets scores above any one-sheet kind;
    a contacts or messages file scores by its header; a lone call log is left to the phone kind."""
    sheets = list_sheets(path)
    if sheets:
        found, device = 0, False
        for name in sheets:
            if _is_device_sheet(name):
                device = True
                continue
            try:
                head = read_head(path, header_score=_header_score, sheet=name)
            except InputError:
                continue
            if _classify(head.columns) is not None:
                found += 1
        if found and (device or found >= 2):
            return 5.0
        if not found:
            return 0.0
    head = read_head(path, header_score=_header_score, sheet=options.sheet)
    found = _classify(head.columns)
    if found is None:
        return 0.0
    what, profile, value = found
    if what == "messages" and _parties_are_numbers(head, profile, options):
        value += 1.0                  # 'address, date, type, body' of phone numbers: texts, not online ads
    return value if what != "calls" else value * 0.9


def _parties_are_numbers(head: Table, profile: Profile, options: ImportOptions) -> bool:
    """Whether a message table's party column mostly holds phone numbers or withheld markers (an Android SMS dump's
    'address'), which a street address or an ad's poster never does."""
    mapping = match_columns(profile, head.columns)
    column = mapping.get("party") or mapping.get("party_from")
    if column is None:
        return False
    sample = [str(v).strip() for v in head.frame[column].head(50).tolist() if str(v).strip()]
    if not sample:
        return False
    region = options.region or "US"
    hits = sum(1 for v in sample if is_withheld(v) or ((key := normalize_phone(v, region)) is not None
                                                      and key.kind != "invalid"))
    return hits * 10 >= len(sample) * 8


@dataclass
class SheetPlan:
    """One sheet of a workbook as an extraction import takes it: what it holds and the profile that reads it."""

    name: str
    what: str                       # calls / contacts / messages / device info / not imported
    profile: str | None = None
    note: str = ""                  # the handset's number a device sheet names, or why a sheet is not imported


def sheet_plan(path: Path, options: ImportOptions | None = None) -> list[SheetPlan]:
    """Every sheet of a workbook with what an extraction import would take it as (empty for a text file): the
    import wizard lists them so the user sees, and chooses, which sheets become calls, contacts or messages."""
    options = options or ImportOptions()
    region = (options.region or "US").upper()
    plan: list[SheetPlan] = []
    for name in list_sheets(path):
        if _is_device_sheet(name):
            found = device_owner(path, [name], region)
            plan.append(SheetPlan(name, "device info", None, f"handset number {found[0].e164} ({found[1]})"
                                  if found else "names no handset number"))
            continue
        try:
            head = read_head(path, header_score=_header_score, sheet=name)
        except InputError:
            plan.append(SheetPlan(name, "not imported", None, "no table found"))
            continue
        fit = _classify(head.columns)
        if fit is None:
            plan.append(SheetPlan(name, "not imported", None, "no call log, contacts or messages columns"))
        else:
            plan.append(SheetPlan(name, fit[0], fit[1].name))
    return plan


def _artifacts(path: Path, options: ImportOptions) -> tuple[list[Artifact], list[str]]:
    """Every artifact sheet of a workbook (or the one table of a text file) and the device sheets' names.
    `options.extra["sheets"]` (the wizard's choice, or several --sheet) limits the artifact sheets read."""
    sheets = list_sheets(path)
    chosen = options.extra.get("sheets")
    if options.sheet:
        names: list[str | None] = [options.sheet]
    elif chosen is not None:
        names = [name for name in sheets if name in set(chosen)]
        unknown = [name for name in chosen if name not in sheets]
        if unknown:
            raise InputError(f"no sheet named {', '.join(repr(n) for n in unknown)} (sheets: "
                             f"{', '.join(repr(n) for n in sheets)})", file=path)
    else:
        names = sheets or [None]
    found: list[Artifact] = []
    devices = [name for name in sheets if _is_device_sheet(name)]
    limit = options.extra.get("preview_rows")
    only = options.extra.get("mapping_sheet")       # the wizard's column choices are for the sheet it shows
    for name in names:
        if name in devices:
            continue
        try:
            table = read_table(path, header_score=_header_score, sheet=name)
        except InputError:
            if name is None or options.sheet:
                raise
            continue
        fit = _classify(table.columns)
        if fit is None:
            if chosen is not None and not options.sheet:
                raise InputError(f"sheet '{name}': no call log, contacts or messages columns", file=path)
            continue
        if limit:
            table.frame = table.frame.head(int(limit))
            table.row_numbers = table.row_numbers[: int(limit)]
        what, profile, _ = fit
        overrides = options.mapping if only is None or only == name else {}
        detection = resolve(profile.kind, table.columns, profile=profile.name, overrides=overrides,
                            file_name=path.name)
        detection.detected = True
        found.append(Artifact(name, what, table, detection))
    if not found:
        raise InputError("no call log, contacts or messages sheet found (an extraction's sheets have headers "
                         "such as Parties, Direction, Timestamp: Time, Body, Name, Entries)" if chosen is None
                         else "no sheet chosen to import", file=path)
    return found, devices


def number_rows(artifacts: list[Artifact]) -> None:
    """One table keeps its own row numbers; several sheets are numbered on across the workbook, in sheet order
    (each table also keeps its rows' numbers in its own sheet, `sheet_rows`)."""
    offset = 0
    for artifact in artifacts:
        artifact.table.row_numbers = np.asarray(artifact.table.row_numbers, dtype=np.int64)
        artifact.table.sheet_rows = artifact.table.row_numbers.copy()
        if len(artifacts) > 1:
            artifact.table.row_numbers = np.arange(offset + 1, offset + len(artifact.table) + 1, dtype=np.int64)
        offset += len(artifact.table)


def device_owner(path: Path, sheets: list[str], region: str) -> tuple[PhoneKey, str] | None:
    """The handset's own number from a device-information sheet (key/value rows) and where it was read."""
    for name in sheets:
        for row in sheet_cells(path, name, 200):
            cells = [c for c in row if c]
            for at, cell in enumerate(cells[:-1]):
                if column_key(cell) in OWNER_KEYS:
                    found = NUMBER_TOKEN.search(cells[at + 1])
                    number = normalize_phone(found.group(0), region) if found else None
                    if number is not None and number.kind not in ("invalid", "short_code"):
                        return number, f"sheet '{name}', {cell}"
    return None


def import_file(case: CaseFile, path: Path, options: ImportOptions, progress: Progress = no_progress) -> ImportResult:
    """Import a handset extraction: every call log, contacts and messages sheet, in one atomic import."""
    artifacts, devices = _artifacts(path, options)
    region = (options.region or case.region or "US").upper()
    owner = phone.owner_phone(options, region)
    if owner is None:
        found = device_owner(path, devices, region) if devices else None
        if found is not None:
            owner, where = found
            options.extra["owner_source"] = where
    if owner is None:
        raise LinkgraphError(f"{path.name}: the handset's own number is not in the extraction (no device-information "
                             "sheet names it): give it with --owner NUMBER (the import wizard's 'Handset owner')")
    options.extra["owner"] = owner.e164
    first = artifacts[0]
    mapped = MappedTable(path, first.table, first.detection)
    total = sum(len(a.table) for a in artifacts)
    progress(0, total, f"Reading {path.name}")
    number_rows(artifacts)          # each raw row keeps its sheet and its row in that sheet
    for artifact in artifacts:
        phone._check_region(MappedTable(path, artifact.table, artifact.detection), options, region, path)
    with phone.open_session(case, mapped, options, progress) as session:
        session.options["sheets"] = {a.sheet or path.name: a.what for a in artifacts}
        session.assume("kind", "handset extraction (" + ", ".join(
            f"{a.what} from {a.sheet or path.name} with profile {a.detection.profile.name}" for a in artifacts) + ")")
        with session.bulk_writes(total):
            session.set_header([], None)
            for artifact in artifacts:
                _store_rows(session, artifact)
            tz = ""
            for artifact in artifacts:
                part = MappedTable(path, artifact.table, artifact.detection)
                if artifact.what == "contacts":
                    _contacts(session, part, owner, region, options)
                    continue
                phone.clock_only_start(part)
                tz, why = phone.file_zone(options, artifact.detection.profile, part, case.timezone)
                session.assume(f"time zone ({artifact.sheet or path.name})", f"{tz} ({why})")
                calls = phone.read_calls(part, artifact.detection.profile, tz, region, options.date_format, owner)
                problems = phone.write_read_calls(session, part, calls, options)
                good = np.ones(len(part), dtype=bool)
                if problems.rejected:
                    good[np.fromiter(problems.rejected, dtype=np.int64)] = False
                phone.write_calls(session, calls, good, artifact.detection.profile, options)
                session.check_cancel(int(artifact.table.row_numbers[-1]) if len(part) else 0, total,
                                     f"Importing {artifact.sheet or path.name}")
            session.assume("region", f"{region} ({'--region' if options.region else 'the case region'})")
            session.assume("owner", f"{owner.e164} ({options.extra.get('owner_source', '--owner')})")
            if tz:
                session.options["timezone"] = tz
    return session.result


def _store_rows(session: ImportSession, artifact: Artifact) -> None:
    """Each data row as {"sheet", "row" (in its sheet), "cells" (column -> value)}: self-describing across sheets."""
    frame = artifact.table.frame
    columns = [str(c) for c in frame.columns]
    values = frame.to_numpy(dtype=object).tolist() if len(columns) else [[] for _ in range(len(frame))]
    sheet = artifact.sheet or artifact.table.path.name
    session.raw_rows_bulk(
        (int(row), json.dumps({"sheet": sheet, "row": int(own), "cells": dict(zip(columns, cells, strict=True))},
                              ensure_ascii=False, default=str))
        for row, own, cells in zip(artifact.table.row_numbers, artifact.table.sheet_rows, values, strict=True))


def _contacts(session: ImportSession, mapped: MappedTable, owner: PhoneKey, region: str,
              options: ImportOptions) -> None:
    """Saved contacts: a `knows` link owner -> each saved number with the saved name (the owner's attribution,
    kept as evidence; persons are never merged from it). A contact with no readable number is set aside."""
    problems = RowProblems(session, mapped, options.strict)
    names = mapped.column("name")
    first, last = mapped.column("first_name"), mapped.column("last_name")
    numbers = mapped.column("number")
    more = (mapped.column("number2"), mapped.column("number3"))      # Cellebrite's 'Entry (2)', 'Entry (3)'
    apps = mapped.column("app")
    types = mapped.column("record_type")
    not_contacts = {column_key(t) for t in mapped.detection.profile.options.get("not_contacts", [])}
    accounts = 0
    owner_id = session.entity("Phone", owner.e164, owner.display, row=int(mapped.table.row_numbers[0]),
                              attrs={"kind": owner.kind, "role": "handset owner (extraction)"})
    for index in range(len(mapped)):
        row = mapped.row_number(index)
        if not_contacts and column_key(types.iat[index]) in not_contacts:
            accounts += 1                       # the handset's own app account, not a contact the owner saved
            session.mark_imported([row])
            continue
        name = _saved_name(names.iat[index]) or " ".join(p for p in (first.iat[index], last.iat[index]) if p)
        cell = "\n".join(c for c in (numbers.iat[index], more[0].iat[index], more[1].iat[index]) if c)
        found = []
        for line in re.split(r"[\n;]+", cell):
            label, _, value = line.partition(":") if ":" in line else ("", "", line)
            if label and not PHONE_LABEL.search(label):
                continue                        # 'Email-Home', 'User ID-Facebook Id': not a phone number
            token = NUMBER_TOKEN.search(value)
            number = normalize_phone(token.group(0), region) if token else None
            if number is not None and number.kind != "invalid" and all(number.e164 != f.e164 for f, _ in found):
                found.append((number, label.strip()))     # a number listed twice (phone and app ID): one link
        if not found:
            problems.set_aside(index, "number", cell, "no phone number in the contact's entries" if cell
                               else "the contact has no phone number")
            continue
        for number, label in found:
            if number.e164 == owner.e164:
                continue
            target = session.entity("Phone", number.e164, number.display, row=row, attrs={"kind": number.kind})
            attrs = {"saved_name": name, "attribution": "saved in the handset's contacts (the owner's own naming)"}
            if label:
                attrs["label"] = label
            if apps.iat[index]:
                attrs["app"] = apps.iat[index]
            session.link("knows", owner_id, target, row=row, attrs=attrs)
        session.mark_imported([row])
    if accounts:
        session.notes.append(f"{accounts:,} rows of the contacts sheet are the handset's own app accounts (Type "
                             "'Account'): kept as rows, not read as saved contacts")


def _saved_name(cell: str) -> str:
    """The saved name in a contact cell: the cell itself, its first plain line, or (Oxygen's labelled lines) the
    full name, else first and last name, else the nickname."""
    lines = [line.strip() for line in str(cell or "").splitlines() if line.strip()]
    if not lines:
        return ""
    labelled = {}
    for line in lines:
        found = NAME_LABEL.match(line)
        if found:
            labelled.setdefault(column_key(found.group(1)), found.group(2).strip())
    if not labelled:
        return lines[0]
    plain = next((line for line in lines if not NAME_LABEL.match(line)), "")
    joined = " ".join(p for p in (labelled.get("firstname", ""), labelled.get("lastname", "")) if p)
    return (labelled.get("fullname") or labelled.get("displayname") or plain or joined
            or labelled.get("nickname", ""))
