"""Phone records read and written in batches: a big carrier CSV/TSV in flat memory, stored as read whole.

`importers.phone` reads a file whole: its bytes, parsed columns and codes cost about 0.8 KB a row (5M rows,
4 GiB). Here a big UTF-8 CSV/TSV is read `batch_rows` lines at a time (importers/text_batches.py); each
batch is parsed by the same `read_calls`, its raw rows and rejections go to the session at once, and its
calls are kept on disk beside the case (an Arrow stream in a temporary file, removed when the import ends)
as the numbers and cell sites they name (indexes into the import's registries, not entity ids yet) and
their attribute members. When every batch is read, the entities are made in the order reading the whole
file makes them (each phone at its first row, then each cell site, then the devices), the calls already in
the case are matched, and the calls are written from the stream in row order: same ids, same attributes,
same digests, in one transaction (a failure anywhere, or a cancel, leaves the case as it was).

Read whole instead (the result is the same, only memory grows): workbooks, JSON, text that is not UTF-8,
files of at most one batch, a handset's one-party log, layouts of one row per call leg (AT&T: the legs of one
call may be anywhere in the file), encrypted cases (the temporary file would hold the calls unencrypted),
and a file that turns out not to read batch by batch exactly as whole (a quoted value over several lines,
a notes block reaching into an earlier batch): that import is rolled back and read whole.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from importers.coded import Coded
from importers.mapping import header_scorer, resolve
from importers.options import ImportOptions
from importers.phone import (
    DUPLICATE_SECONDS,
    EXTRA_FIELDS,
    KIND,
    LINK_SITE_ATTRS,
    ONE_SIDED_FIELDS,
    Calls,
    _check_region,
    _combination,
    _known_events,
    _match_known,
    _member,
    assume_basics,
    clock_only_start,
    file_zone,
    first_site_readings,
    owner_phone,
    phone_attrs,
    read_calls,
    reading_notes,
    site_entities,
)
from importers.readers import DELIMITERS, Table
from importers.tabular import MappedTable, open_session
from importers.text_batches import NotStreamable, TextBatches, open_text_batches
from linkgraph.case import CaseFile, ImportResult, ImportSession
from linkgraph.case.raw_rows import block_starts
from linkgraph.errors import InputError
from linkgraph.identity import PhoneKey, service_numbers
from linkgraph.process_switches import hand_back, resident_bytes
from linkgraph.progress import Progress

MEMORY_GROWTH = 1.2         # free pages are handed back once the import holds this much more than after a batch
HEAD_ROWS = 5000            # rows the file's checks look at (region, zone, date order), as read whole
NEVER = np.iinfo(np.int64).max
SITE_MEMBERS = tuple(f"{end}_{attr}" for end in ("first", "last") for attr in LINK_SITE_ATTRS)
# each call's attrs members, as phone._Members and phone._attrs order them: those with few values (joined per
# combination with the cell sites, which sit after the direction), then the rest (joined per row)
FEW_MEMBERS = ("call_type", "direction", *SITE_MEMBERS, "rolled_to_voicemail", "direction_as_written")
ROW_MEMBERS = ("time_text", *EXTRA_FIELDS, "dialed", "forwarded_to")
FEW_TYPE = pa.dictionary(pa.int32(), pa.string())   # a member with few values: its codes and its distinct members
SPILL_SCHEMA = pa.schema([
    ("row", pa.int64()), ("kind", pa.string()), ("src", pa.int64()), ("dst", pa.int64()),
    ("start", pa.float64()), ("duration", pa.float64()), ("first_site", pa.int64()), ("last_site", pa.int64()),
    *[(f"few:{name}", FEW_TYPE) for name in FEW_MEMBERS], *[(f"row:{name}", pa.string()) for name in ROW_MEMBERS],
])


def import_in_batches(case: CaseFile, path: Path, options: ImportOptions, progress: Progress,
                      batch_rows: int) -> ImportResult | None:
    """The import read in batches, or None when the file is read whole (see the module's list)."""
    if options.sheet or options.extra.get("no_header") or options.extra.get("preview_rows") \
            or options.save_profile or _encrypted(case):
        return None
    stream = open_text_batches(path, header_scorer(KIND))
    if stream is None or len(stream.columns) < 2 or stream.estimated_rows <= batch_rows:
        return None
    try:
        detection = resolve(KIND, stream.columns, profile=options.profile, overrides=options.mapping,
                            file_name=path.name)
    except Exception:       # the whole-file reader gives the message (with its hint for headerless files)
        return None
    if detection.profile.options.get("legs") or any(f in detection.mapping for f in ONE_SIDED_FIELDS):
        return None
    raw_delimiter = next((d for d in DELIMITERS
                          if len(next(csv.reader([stream.header_line], delimiter=d))) == len(stream.columns)), None)
    if raw_delimiter is None:
        return None
    try:
        return _import(case, path, options, progress, stream, detection, batch_rows, raw_delimiter)
    except NotStreamable:
        return None        # rolled back: read whole


def _encrypted(case: CaseFile) -> bool:
    """An encrypted case (SQLCipher files have no plain SQLite header): its calls are not spilled to disk."""
    with Path(case.path).open("rb") as handle:
        return handle.read(16) != b"SQLite format 3\x00"


def _text_columns(table: Table) -> None:
    """As importers.phone.import_file: object columns as Arrow strings."""
    frame = table.frame
    loose = {name: "str" for name in frame.columns if frame[name].dtype == object}
    if loose:
        table.frame = frame.astype(loose)


def _head(stream: TextBatches) -> Table:
    """The first HEAD_ROWS data rows, as the whole file's first rows (for the checks that look at them)."""
    frames, rows, count = [], [], 0
    for batch in stream.batches(HEAD_ROWS):
        frames.append(batch.table.frame)
        rows.append(batch.table.row_numbers)
        count += len(batch.table.frame)
        if count >= HEAD_ROWS:
            break
    frame = pd.concat(frames, ignore_index=True).head(HEAD_ROWS)
    table = Table(stream.path, stream.columns, frame, np.concatenate(rows)[:HEAD_ROWS], stream.header_row,
                  encoding=stream.encoding)
    _text_columns(table)
    return table


def _import(case: CaseFile, path: Path, options: ImportOptions, progress: Progress, stream: TextBatches,
            detection: Any, batch_rows: int, raw_delimiter: str) -> ImportResult:
    profile = detection.profile
    region = (options.region or case.region or "US").upper()
    head = MappedTable(path, _head(stream), detection)
    clock_only_start(head)
    tz, zone_why = file_zone(options, profile, head, case.timezone)
    owner = owner_phone(options, region)
    _check_region(head, options, region, path)
    estimate = stream.estimated_rows
    progress(0, estimate, f"Reading {path.name}")
    with open_session(case, head, options, progress) as session, \
            tempfile.TemporaryFile(prefix=".linkgraph-import-", dir=Path(case.path).parent) as spill:
        session.options["timezone"] = tz
        assume_basics(session, head, options, region, tz, zone_why, owner)
        session.notes.append(f"read in batches of {batch_rows:,} lines (about {estimate:,} rows: memory stays "
                             "that of one batch; the result is the same as read whole)")
        session.set_header(stream.columns, stream.header_row)
        session.bound_memory(batch_rows)
        state = _Batches(session, spill, raw_delimiter)
        problems = _Problems()
        with session.bulk_writes(estimate):
            done = 0
            for batch in stream.batches(batch_rows):
                _text_columns(batch.table)
                mapped = MappedTable(path, batch.table, detection)
                state.keep_raw(mapped, batch.lines, batch.first_line, batch.quotes)
                problems.malformed.extend(mapped.table.malformed)
                if len(mapped):
                    calls = read_calls(mapped, profile, tz, region, options.date_format, owner, state.numbers)
                    state.add(calls, problems.read(mapped, calls))
                    del calls
                done += len(mapped)
                del batch, mapped
                state.hand_back()
                session.check_cancel(done // 2, estimate, f"Importing {path.name}")
            state.keep_raw(None, None, 0)
            problems.record(session, options.strict, path)
            state.write(profile, options)
        session.check_cancel(estimate, estimate, f"Importing {path.name}")
    return session.result


class _Problems:
    """Bad rows and values set aside, gathered over every batch and recorded at the end in the order reading the
    whole file records them (phone.record_problems: malformed rows, then unreadable rows, then values); strict,
    the error is the one reading the whole file raises (the first malformed row, else the first bad row)."""

    def __init__(self) -> None:
        self.malformed: list[tuple[int, str, list[str]]] = []
        self.rejected: list[tuple[int, str | None, str, list[str]]] = []
        self.aside: list[tuple[int, str | None, object, str]] = []

    def read(self, mapped: MappedTable, calls: Calls) -> np.ndarray:
        """One batch's problems kept; which of its rows are good."""
        good = np.ones(len(mapped), dtype=bool)
        for index, name, reason in sorted(calls.problems, key=lambda p: p[0]):
            if good[index]:
                good[index] = False
                column = mapped.mapping.get(name, name) if name else None
                self.rejected.append((mapped.row_number(index), column, reason, mapped.cells(index)))
        for index, name, value, reason in calls.set_aside:
            column = mapped.mapping.get(name, name) if name else None
            self.aside.append((mapped.row_number(index), column, value, reason))
        return good

    def record(self, session: ImportSession, strict: bool, path: Path) -> None:
        """Into the session (strict: the first problem stops the import, as tabular.RowProblems)."""
        hint = "(use --lenient to import the other rows and keep this one as rejected)"
        if strict and self.malformed:
            row, reason, _ = self.malformed[0]
            raise InputError(f"{reason} {hint}", file=path, row=row)
        if strict and self.rejected:
            row, column, reason, _ = self.rejected[0]
            raise InputError(f"{reason} {hint}", file=path, row=row, column=column)
        for row, reason, cells in self.malformed:
            session.reject(row, None, reason, cells)
        for row, column, reason, cells in self.rejected:
            session.reject(row, column, reason, cells)
        for row, column, value, reason in self.aside:
            session.set_aside(row, column, value, reason)


def _nulls(count: int) -> pa.Array:
    return pa.nulls(count, type=pa.string())


def _no_member(count: int) -> pa.Array:
    """A member with few values that this batch's calls do not have."""
    return pa.DictionaryArray.from_arrays(pa.nulls(count, type=pa.int32()), pa.array([], type=pa.string()))


class _Batches:
    """What the batches read so far add up to: the phones and cell sites (in the order they are first named),
    what makes their entities, the device sightings, and the calls spilled to disk."""

    def __init__(self, session: ImportSession, spill: BinaryIO, raw_delimiter: str) -> None:
        self.session = session
        self.spill = spill
        self.writer = pa.ipc.new_stream(spill, SPILL_SCHEMA)
        self.raw_delimiter = raw_delimiter
        self.carry_rows = np.zeros(0, dtype=np.int64)
        self.carry_lines = pa.array([], type=pa.string())
        self.phone_index: dict[str, int] = {}
        self.phones: list[PhoneKey] = []
        self.first = np.zeros(0, dtype=np.int64)          # each phone's first (row * 3 + end) in a good row
        self.counts = np.zeros(0, dtype=np.int64)         # rows naming each phone (device links' own end)
        self.forwarded: set[int] = set()
        self.odd: set[str] = set()
        self.site_index: dict[str, int] = {}
        self.site_parts: dict[str, list[pd.DataFrame]] = {"first": [], "last": []}
        self.carrier = "site"
        self.device_notes: dict[str, tuple[str, str]] = {}
        self.devices: dict[tuple, list] = {}              # (label, device, own, src, dst) -> first, last, rows, row
        self.tower = False
        self.direction_differs = False
        self.window = [np.inf, -np.inf]
        self.spilled = 0
        self.budget: int | None = None                    # resident bytes past which free pages are handed back
        self.numbers: dict[str, PhoneKey | None] = {}     # raw number -> its normalised key, for every batch

    def hand_back(self) -> None:
        """Free heap pages back to the system once the import holds a fifth more than after its first batch
        (MEMORY_GROWTH): memory stays that of a batch or two, without faulting pages in again every batch."""
        if self.budget is None:
            resident = resident_bytes()
            self.budget = int(resident * MEMORY_GROWTH) if resident is not None else 0
        hand_back(self.budget or None)

    # ---- raw rows ------------------------------------------------------------------------
    def keep_raw(self, mapped: MappedTable | None, lines: pa.Array | None, first_line: int,
                 quotes: bool = True) -> None:
        """A batch's rows kept as their lines; the last block of each batch waits for the next batch, so blocks
        break where reading the whole file breaks them. `mapped` None: the end (what waits is written)."""
        if mapped is None:
            rows, texts = self.carry_rows, self.carry_lines
            cut = len(rows)
        else:
            own = np.asarray(mapped.table.row_numbers, dtype=np.int64)
            chosen = lines.take(pa.array(own - first_line)) if len(own) else pa.array([], type=pa.string())
            if quotes and len(chosen) and pc.any(pc.not_equal(pc.bit_wise_and(
                    pc.count_substring(chosen, '"'), pa.scalar(1, pa.int32())), 0)).as_py():
                raise NotStreamable("a row with a quoted value over several lines")
            rows = np.concatenate([self.carry_rows, own])
            texts = pa.concat_arrays([self.carry_lines, chosen.cast(pa.string())])
            starts = block_starts(rows)
            cut = int(starts[-1]) if len(starts) else 0
        if cut:
            self.session.raw_texts_bulk(rows[:cut], texts.slice(0, cut), self.raw_delimiter, line_breaks=True)
        self.carry_rows, self.carry_lines = rows[cut:], texts.slice(cut)

    # ---- one batch -----------------------------------------------------------------------
    def _phone(self, phone: PhoneKey) -> int:
        found = self.phone_index.get(phone.e164)
        if found is None:
            found = self.phone_index[phone.e164] = len(self.phones)
            self.phones.append(phone)
            if phone.kind in ("identifier", "invalid"):
                self.odd.add(phone.e164)
        return found

    def _site(self, key: str) -> int:
        if not key:
            return -1
        found = self.site_index.get(key)
        if found is None:
            found = self.site_index[key] = len(self.site_index)
        return found

    def add(self, calls: Calls, good: np.ndarray) -> None:
        """One batch's calls: phones and sites registered, devices counted, the calls spilled."""
        known = len(self.phones)
        local = np.array([self._phone(p) for p in calls.phones], dtype=np.int64)
        if len(self.phones) > known:
            grow = len(self.phones) - known
            self.first = np.concatenate([self.first, np.full(grow, NEVER, dtype=np.int64)])
            self.counts = np.concatenate([self.counts, np.zeros(grow, dtype=np.int64)])

        def glob(values: np.ndarray) -> np.ndarray:
            return np.where(values >= 0, local[np.maximum(values, 0)], -1) if len(local) else values

        caller, callee = glob(calls.caller), glob(calls.callee)
        first = np.full(len(local), NEVER, dtype=np.int64)
        for end, phones in enumerate((calls.caller, calls.callee, calls.forwarded_to)):
            chosen = good & (phones >= 0)
            np.minimum.at(first, phones[chosen], calls.rows[chosen] * 3 + end)
        np.minimum.at(self.first, local, first)
        self.forwarded.update(local[np.unique(calls.forwarded_to[good & (calls.forwarded_to >= 0)])].tolist())
        for key, note in calls.device_notes.items():
            self.device_notes.setdefault(key, note)
        self.direction_differs |= calls.direction_differs
        self.tower = calls.tower

        sites = {end: calls.sites[end].map(self._site, np.int64) for end in ("first", "last")}
        self._site_rows(calls, good)
        links = good & (sites["first"] >= 0) if calls.tower else good
        dst = np.full(len(callee), -1, dtype=np.int64) if calls.tower else callee
        self._devices(calls, links, caller, dst)
        index = np.flatnonzero(links)
        timed = calls.start[index][~np.isnan(calls.start[index])]
        if len(timed):
            self.window = [min(self.window[0], float(timed.min())), max(self.window[1], float(timed.max()))]
        if not len(index):
            return
        members = self._members(calls, index)
        kind = (pa.array(["seen_at"] * len(index), pa.string()) if calls.tower
                else pa.array(calls.kind.values.tolist(), pa.string()).take(pa.array(calls.kind.codes[index])))
        self.writer.write_batch(pa.record_batch([
            pa.array(calls.rows[index]), kind, pa.array(caller[index]), pa.array(dst[index]),
            pa.array(calls.start[index], pa.float64()), pa.array(calls.duration[index], pa.float64()),
            pa.array(sites["first"][index]), pa.array(sites["last"][index]),
            *[members.get(name) or _no_member(len(index)) for name in FEW_MEMBERS],
            *[members.get(name) or _nulls(len(index)) for name in ROW_MEMBERS],
        ], schema=SPILL_SCHEMA))
        self.spilled += len(index)

    def _site_rows(self, calls: Calls, good: np.ndarray) -> None:
        """Each end's distinct site readings (key, attributes) at their first good row (phone._site_entities)."""
        for end_name, frame in first_site_readings(calls, good):
            self.site_parts[end_name].append(frame)

    def _devices(self, calls: Calls, good: np.ndarray, src: np.ndarray, dst: np.ndarray) -> None:
        """Device sightings per (device, own phone), or per (device, both ends) where the direction does not
        say which end is the target's (decided at the end, by which end is in more rows: phone._device_links)."""
        ends = np.r_[src[good], dst[good]]
        ends = ends[ends >= 0]
        if len(ends):
            self.counts += np.bincount(ends, minlength=len(self.counts))[:len(self.counts)]
        if not (calls.imei.present().any() or calls.imsi.present().any()):
            return
        said = calls.direction.values                       # each distinct direction once, then by code
        outgoing = (said == "outgoing")[calls.direction.codes]
        incoming = (said == "incoming")[calls.direction.codes]
        undecided = ~(outgoing | incoming) & ~calls.tower
        own = np.where(outgoing, src, np.where(incoming, dst, -2))
        if calls.tower:
            own = src
        for label, values in (("imei", calls.imei), ("imsi", calls.imsi)):
            present = np.flatnonzero(good & values.present() & ((own >= 0) | (undecided & ((src >= 0) | (dst >= 0)))))
            if not len(present):
                continue
            late = undecided[present]
            columns = [values.codes[present], np.where(late, -2, own[present]), np.where(late, src[present], -3),
                       np.where(late, dst[present], -3)]
            size = len(self.phones) + 3
            if float(len(values.values)) * size ** 3 < 2 ** 62:
                packed = ((columns[0] * size + columns[1] + 3) * size + columns[2] + 3) * size + columns[3] + 3
                group, _ = pd.factorize(packed)
            else:
                group = pd.DataFrame(dict(enumerate(columns))).groupby([0, 1, 2, 3], sort=False).ngroup().to_numpy()
            count = int(group.max()) + 1
            start = calls.start[present]
            timed = ~np.isnan(start)
            first = np.full(count, np.inf)
            last = np.full(count, -np.inf)
            np.minimum.at(first, group[timed], start[timed])
            np.maximum.at(last, group[timed], start[timed])
            rows = np.bincount(group, minlength=count)
            row_of = np.full(count, NEVER, dtype=np.int64)
            np.minimum.at(row_of, group, calls.rows[present])
            at = np.full(count, len(group), dtype=np.int64)
            np.minimum.at(at, group, np.arange(len(group)))           # each group's first position
            for number, position in enumerate(at.tolist()):
                key = (label, str(values.values[columns[0][position]]), int(columns[1][position]),
                       int(columns[2][position]), int(columns[3][position]))
                lo, hi = float(first[number]), float(last[number])
                known = self.devices.get(key)
                if known is None:
                    self.devices[key] = [lo, hi, int(rows[number]), int(row_of[number])]
                else:
                    known[0], known[1] = min(known[0], lo), max(known[1], hi)
                    known[2] += int(rows[number])
                    known[3] = min(known[3], int(row_of[number]))

    def _members(self, calls: Calls, rows: np.ndarray) -> dict[str, pa.Array]:
        """The attrs members of the chosen rows (phone._Members and phone._attrs), each as its own column: the
        cell sites' are added when their entity ids are known; the direction as written is kept only if some
        batch needs it."""
        def coded(name: str, values: Coded) -> pa.Array:
            return pa.DictionaryArray.from_arrays(pa.array(values.codes[rows], pa.int32()),
                                                  _member(name, values.values))

        found = {"call_type": coded("call_type", calls.call_type), "direction": coded("direction", calls.direction)}
        for end_name in ("first", "last"):
            for attr in LINK_SITE_ATTRS:
                if attr in calls.site_attrs[end_name]:
                    found[f"{end_name}_{attr}"] = coded(f"{end_name}_{attr}", calls.site_attrs[end_name][attr])
        if "rolled_to_voicemail" in calls.extras:
            found["rolled_to_voicemail"] = coded("rolled_to_voicemail", calls.extras["rolled_to_voicemail"])
        if calls.direction_written is not None:
            found["direction_as_written"] = coded("direction_as_written", calls.direction_written)
        parts = [pa.array([v or None for v in part.values], type=pa.string()).take(pa.array(part.codes[rows]))
                 for part in calls.when]
        when = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, " ", null_handling="skip")
        found["time_text"] = _member("time_text", when)
        for name, values in calls.extras.items():
            if name in EXTRA_FIELDS:
                found[name] = coded(name, values)
        numbers = [p.e164 for p in calls.phones] or [""]
        dialed = calls.dialed[rows]
        dialed = np.where(dialed != calls.callee[rows], dialed, -1)
        found["dialed"] = _member("dialed", numbers).take(pa.array(np.maximum(dialed, 0), mask=dialed < 0))
        ahead = calls.forwarded_to[rows]
        if (ahead >= 0).any():
            found["forwarded_to"] = _member("forwarded_to", numbers).take(pa.array(np.maximum(ahead, 0),
                                                                                  mask=ahead < 0))
        return found

    # ---- the end -------------------------------------------------------------------------
    def write(self, profile: Any, options: ImportOptions) -> None:
        """Entities in the whole-file order, calls matched and written from the spill, then device links."""
        session = self.session
        self.writer.close()
        self.carrier = str(profile.options.get("carrier") or "site")
        reading_notes(session, len(self.device_notes), len(self.odd))
        phone_ids = self._phone_entities()
        site_ids = self._site_entities()
        tolerance = float(options.extra.get("duplicate_seconds", profile.options.get("duplicate_seconds",
                                                                                     DUPLICATE_SECONDS)))
        matched: dict[int, int] = {}
        if self.window[0] <= self.window[1]:
            known = _known_events(session, self.window[0] - tolerance, self.window[1] + tolerance)
            if len(known):
                matched = self._match(known, phone_ids, site_ids, tolerance)
        for row, link_id in matched.items():
            session.cite(link_id, row)
        matched_rows = np.fromiter(matched, dtype=np.int64, count=len(matched))
        done = 0
        for batch in self._spilled():
            rows = batch.column("row").to_numpy().copy()      # kept by the session: not a view of the batch
            fresh = ~np.isin(rows, matched_rows) if len(matched_rows) else np.ones(len(rows), dtype=bool)
            if not fresh.all():
                batch = batch.filter(pa.array(fresh))
                rows = rows[fresh]
            if not len(rows):
                continue
            src, dst, loc, last = self._ends(batch, phone_ids, site_ids)
            attrs = self._attrs(batch, loc, last)
            nothing = [None] * len(rows)
            session.links_columns([
                batch.column("kind").to_numpy(zero_copy_only=False), src, dst,
                np.rint(batch.column("start").to_numpy(zero_copy_only=False)).astype(np.int64), nothing,
                batch.column("duration").to_numpy(zero_copy_only=False), nothing, nothing,
                pa.array(loc, mask=loc < 0), [1.0] * len(rows), attrs, rows])
            session.mark_imported(rows)
            del batch, src, dst, attrs
            self.hand_back()
            done += len(rows)
            session.check_cancel(self.spilled // 2 + done // 2, self.spilled, "Writing calls and texts")
        self._device_links(phone_ids)

    def _attrs(self, batch: pa.RecordBatch, loc: np.ndarray, last: np.ndarray) -> pa.Array:
        """The calls' attrs JSON as phone._attrs builds it: the members with few values (with the cell sites'
        entity ids) joined once per distinct combination, then the rest joined row by row."""
        def few(name: str) -> tuple[np.ndarray, list[str | None]]:
            encoded = batch.column(f"few:{name}")              # spilled with its distinct members
            size = len(encoded.dictionary)
            codes = pc.fill_null(encoded.indices, size).to_numpy(zero_copy_only=False).astype(np.int64)
            return codes, [*encoded.dictionary.to_pylist(), None]

        def site(name: str, ids: np.ndarray) -> tuple[np.ndarray, list[str | None]]:
            codes, distinct = pd.factorize(ids)
            return codes, [f'"{name}": {i}' if i >= 0 else None for i in distinct.tolist()]

        columns = [few("call_type"), few("direction"), site("first_site", loc), site("last_site", last),
                   *[few(name) for name in SITE_MEMBERS], few("rolled_to_voicemail")]
        if self.direction_differs:
            columns.append(few("direction_as_written"))
        combination = _combination([codes for codes, _ in columns], [len(members) for _, members in columns])
        first = np.full(int(combination.max()) + 1 if len(combination) else 0, len(combination))
        np.minimum.at(first, combination, np.arange(len(combination)))
        texts = []
        for row in first.tolist():
            found = [members[codes[row]] for codes, members in columns if members[codes[row]] is not None]
            texts.append(", ".join(found) or None)
        combined = pa.array(texts, type=pa.string()).take(pa.array(combination))
        pieces = [combined, *[batch.column(f"row:{name}") for name in ROW_MEMBERS]]
        body = pc.binary_join_element_wise(*pieces, ", ", null_handling="skip")
        return pc.binary_join_element_wise("{", body, "}", "")

    def _spilled(self):
        """The spilled calls, a batch at a time, in row order."""
        self.spill.flush()
        self.spill.seek(0)
        if not self.spilled:
            return
        reader = pa.ipc.open_stream(self.spill)
        yield from reader

    def _ends(self, batch: pa.RecordBatch, phone_ids: np.ndarray, site_ids: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Entity ids of a spilled batch's caller, callee (a tower dump: the cell site), first and last site."""
        def ids(column: str, table: np.ndarray) -> np.ndarray:
            values = batch.column(column).to_numpy()
            return np.where(values >= 0, table[np.maximum(values, 0)], -1) if len(table) else np.full(len(values), -1)

        src = ids("src", phone_ids)
        loc = ids("first_site", site_ids)
        dst = loc.copy() if self.tower else ids("dst", phone_ids)
        return src, dst, loc, ids("last_site", site_ids)

    def _match(self, known: pd.DataFrame, phone_ids: np.ndarray, site_ids: np.ndarray,
               tolerance: float) -> dict[int, int]:
        """phone._match_known on the spilled calls that can match (same type and ends as a known call)."""
        pairs = set(zip(known["type"], known["src"].astype(np.int64), known["dst"].astype(np.int64), strict=True))
        events = []
        for batch in self._spilled():
            src, dst, _, _ = self._ends(batch, phone_ids, site_ids)
            frame = pd.DataFrame({"index": batch.column("row").to_numpy(),
                                  "type": batch.column("kind").to_numpy(zero_copy_only=False), "src": src, "dst": dst,
                                  "start": batch.column("start").to_numpy(zero_copy_only=False),
                                  "duration": batch.column("duration").to_numpy(zero_copy_only=False)})
            wanted = [(t, s, d) in pairs for t, s, d in zip(frame["type"], frame["src"], frame["dst"], strict=True)]
            events.append(frame[np.asarray(wanted, dtype=bool)])
        chosen = pd.concat(events, ignore_index=True) if events else pd.DataFrame()
        return _match_known(chosen, known, tolerance) if len(chosen) else {}

    def _phone_entities(self) -> np.ndarray:
        """phone._phone_entities over every batch: one Phone per number, in the order of first rows."""
        codes, numbers = service_numbers()
        ids = np.full(len(self.phones), -1, dtype=np.int64)
        for index in np.argsort(self.first, kind="stable").tolist():
            if self.first[index] == NEVER:
                break
            phone = self.phones[index]
            key = phone.e164
            attrs = phone_attrs(phone, index in self.forwarded, (codes, numbers))
            ids[index] = self.session.entity("Phone", key, phone.display, row=int(self.first[index] // 3),
                                             attrs=attrs)
        return ids

    def _site_entities(self) -> np.ndarray:
        """phone._site_entities over every batch: one CellSite per key, attributes from its first readings."""
        parts = []
        for end_name in ("first", "last"):
            if self.site_parts[end_name]:
                frame = pd.concat(self.site_parts[end_name], ignore_index=True).fillna("")
                parts.append(frame.drop_duplicates([c for c in frame.columns if c != "row"]))
        ids = np.full(len(self.site_index), -1, dtype=np.int64)
        for key, entity_id in site_entities(self.session, parts, self.carrier).items():
            ids[self.site_index[key]] = entity_id
        return ids

    def _device_links(self, phone_ids: np.ndarray) -> None:
        """phone._device_links over every batch: Device -> Phone `uses` links, first and last seen, rows counted."""
        if not self.devices:
            return
        merged: dict[tuple[str, str, int], list] = {}
        for (label, device, own, src, dst), (lo, hi, rows, row) in self.devices.items():
            if own == -2:
                src_n = self.counts[src] if src >= 0 else 0
                dst_n = self.counts[dst] if dst >= 0 else 0
                own = src if src_n >= dst_n else dst
            if own < 0:
                continue
            key = (label, device, int(phone_ids[own]))
            known = merged.get(key)
            if known is None:
                merged[key] = [lo, hi, rows, row]
            else:
                known[0], known[1] = min(known[0], lo), max(known[1], hi)
                known[2] += rows
                known[3] = min(known[3], row)
        for label in ("imei", "imsi"):
            chosen = sorted((device, phone) for kind, device, phone in merged if kind == label)
            kind = "handset" if label == "imei" else "SIM"
            for device, phone in chosen:
                lo, hi, rows, row = merged[(label, device, phone)]
                timed_pair = lo <= hi
                attrs: dict[str, Any] = {label: device, "kind": kind}
                if device in self.device_notes:
                    attrs["written"], attrs["note"] = self.device_notes[device]
                device_id = self.session.entity("Device", device, f"{label.upper()} {device}", row=row, attrs=attrs)
                self.session.link("uses", device_id, phone, row=row, start=int(lo) if timed_pair else None,
                                  end=int(hi) if timed_pair else None, weight=float(rows),
                                  attrs={"identifier": label, "rows": int(rows)})
