"""Writing one source file's records into a case, atomically and with provenance to the row.

An importer opens an `ImportSession` (a context manager), names entities and links as it
reads rows, and the session writes them in one transaction: if anything fails or the user
cancels, the case is exactly as before. Every entity and link cites (source, row), and
the source keeps each row's raw cells.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from linkgraph.case.bulk_writer import ROW, BulkWriter, attrs_json, foreign_keys_relaxed
from linkgraph.case.case_file import SET_ASIDE_PREFIX, CaseFile
from linkgraph.case.schema import LINK_FIELDS
from linkgraph.errors import Cancelled, DuplicateSourceError, InputError, LinkgraphError
from linkgraph.identity import person_name_key  # identity decides when two written names are one person
from linkgraph.progress import Progress, no_progress
from linkgraph.times import now_iso

FLUSH_EVERY = 200_000        # links named one at a time (and raw rows) are written this many at a time
GRADE_RELIABILITY = "ABCDE"
GRADE_INFORMATION = "12345"
GRADE_HANDLING = "12345"


def file_sha256(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _row_runs(rows: np.ndarray) -> np.ndarray:
    """Row numbers as runs of consecutive rows, one [first, last + 1) pair a run: a file's imported rows are a
    few runs whatever its size, so a big import in batches does not hold eight bytes a row until its end."""
    if not len(rows):
        return np.zeros((0, 2), dtype=np.int64)
    ordered = np.sort(rows)
    ordered = ordered[np.r_[True, ordered[1:] != ordered[:-1]]]
    cut = np.flatnonzero(np.diff(ordered) != 1) + 1
    return np.column_stack([ordered[np.r_[0, cut]], ordered[np.r_[cut - 1, len(ordered) - 1]] + 1])


def _runs_size(runs: np.ndarray) -> int:
    """How many different rows some runs (_row_runs, from several calls, overlapping or not) cover."""
    if not len(runs):
        return 0
    runs = runs[np.argsort(runs[:, 0], kind="stable")]
    reach = np.maximum.accumulate(runs[:, 1])               # the furthest end so far
    firsts = np.flatnonzero(np.r_[True, runs[1:, 0] >= reach[:-1]])   # runs that start past every earlier one
    lasts = np.r_[firsts[1:] - 1, len(runs) - 1]
    return int((reach[lasts] - runs[firsts, 0]).sum())


def _ordinary(value: Any) -> bool:
    """A number that needs no range check: None, or a finite number of a size no record exceeds."""
    if value is None:
        return True
    if isinstance(value, int) and not isinstance(value, bool):
        return 0 <= value < (1 << 31)       # positive and before 2038: inside every range; others are checked
    return False


def parse_grade(grade: str | None, handling: str | None = None) -> tuple[str, str, str]:
    """'B2' (or 'B23', or 'B2' plus handling '3') as 5x5x5 (reliability, information, handling)."""
    text = (grade or "B2").strip().upper().replace("/", "").replace(" ", "")
    reliability = text[:1]
    information = text[1:2] or "2"
    code = (handling or text[2:3] or "1").strip()
    if reliability not in GRADE_RELIABILITY or information not in GRADE_INFORMATION or code not in GRADE_HANDLING:
        raise LinkgraphError(
            f"grade '{grade}' is not 5x5x5: source A-E, information 1-5, handling 1-5 (e.g. B2, handling 1)"
        )
    return reliability, information, code


@dataclass
class ImportResult:
    """What an import did: the source row it made and its counts."""

    source_id: int
    name: str
    sha256: str
    kind: str
    profile: str | None
    rows_read: int
    rows_imported: int
    rows_rejected: int
    entities_created: int
    links_created: int
    duplicates_merged: int = 0
    notes: list[str] = field(default_factory=list)
    set_aside: dict[str, int] = field(default_factory=dict)    # reason -> values set aside (their records kept)
    assumed: dict[str, str] = field(default_factory=dict)      # what the import assumed: time zone, region, ...

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class ImportSession:
    """What an importer may call while it reads one file: `entity`, `link`, `cite`, `reject`, `set_aside`,
    `assume`, and the raw rows. Collects them and writes them through one `BulkWriter` in one transaction."""

    def __init__(
        self,
        case: CaseFile,
        path: Path,
        *,
        kind: str,
        profile: str | None = None,
        options: dict[str, Any] | None = None,
        grade: str | None = None,
        handling: str | None = None,
        agency: str | None = None,
        force: bool = False,
        progress: Progress = no_progress,
    ) -> None:
        self.case = case
        self.path = Path(path)
        self.kind = kind
        self.profile = profile
        self.options = dict(options or {})
        self.grade = parse_grade(grade, handling)
        self.agency = agency if agency is not None else (case.meta("agency") or None)
        self.force = force
        self.progress = progress
        self.sha256, self.size = file_sha256(self.path)
        self.header: list[str] = []
        self.header_row: int | None = None
        self.rows_read = 0
        self.notes: list[str] = []
        # entities: who a key or a name is, and the new ones not yet written
        self._ids: dict[tuple[str, str], int] = {}           # (type, key) -> id
        self._persons: dict[str, int] = {}                   # a person's name key -> id (this file only)
        self._new_entities: list[list] = []                  # [id, type, key, label, attrs, role, minor]
        self._pending: dict[int, int] = {}                   # id -> its place in _new_entities, until written
        self._entities_written = 0
        self._attr_updates: dict[int, dict[str, Any]] = {}   # attributes for entities already in the case
        self._evidence: dict[int, int] = {}                  # entity -> first row naming it
        # links, raw rows and the rows set apart, waiting to be written
        self._links: list[tuple] = []                        # rows in LINK_COLUMNS order
        self._raw_rows: list[int] = []
        self._raw_texts: list[str] = []
        self._citations: list[tuple[int, int, int]] = []
        self._rejected: list[tuple] = []
        self._set_aside: list[tuple] = []
        self._assumed: dict[str, str] = {}
        self._rows_imported: set[int] = set()
        self._rows_imported_bulk: list[np.ndarray] = []      # mark_imported's rows, kept as runs (_row_runs)

    # ---- lifecycle ---------------------------------------------------------------------
    def __enter__(self) -> ImportSession:
        self._check_duplicate()
        self._relaxed = foreign_keys_relaxed(self.case.conn)
        self._relaxed.__enter__()
        try:
            self._cm = self.case.transaction()
            conn = self._cm.__enter__()
        except BaseException:
            self._relaxed.__exit__(None, None, None)
            raise
        self.writer = BulkWriter(conn, name=self.path.name)
        try:
            self.writer.defer_references()
            self.source_id = self.writer.source({
                "name": self.path.name, "path": str(self.path.resolve()), "sha256": self.sha256,
                "size": self.size, "kind": self.kind, "profile": self.profile, "imported_at": now_iso(),
                "imported_by": self.case.user, "agency": self.agency,
                **dict(zip(("reliability", "information", "handling"), self.grade, strict=True)),
            }, tracked=True)
            self._next_entity = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM entities").fetchone()[0]) + 1
            self._next_link = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM links").fetchone()[0]) + 1
        except BaseException as failure:
            self._cm.__exit__(type(failure), failure, failure.__traceback__)
            self._relaxed.__exit__(None, None, None)
            raise
        self._first_link = self._next_link       # this import's links are ids _first_link .. _next_link - 1
        self._first_entity = self._next_entity   # and its new entities ids _first_entity .. _next_entity - 1
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        try:
            try:
                try:
                    self.writer.queue.settle(hashing=True)   # a bulk write still running ends before COMMIT or ROLLBACK
                except BaseException:
                    if exc_type is None:
                        raise
                if exc_type is None:
                    self._finish()
            except BaseException as failure:
                self._cm.__exit__(type(failure), failure, failure.__traceback__)
                raise
            self._cm.__exit__(exc_type, exc, tb)
        finally:
            self.writer.close()
            self._relaxed.__exit__(None, None, None)
        return False

    @property
    def conn(self) -> sqlite3.Connection:
        """The case's connection inside this import's transaction, once the bulk writer is done with it."""
        return self.writer.conn

    def _check_duplicate(self) -> None:
        found = self.case.conn.execute(
            "SELECT id, name, imported_at FROM sources WHERE sha256 = ? ORDER BY id LIMIT 1", (self.sha256,)
        ).fetchone()
        if found and not self.force:
            raise DuplicateSourceError(
                f"{self.path.name}: this file (SHA-256 {self.sha256[:12]}...) was imported already as "
                f"source {found[0]} '{found[1]}' on {found[2]}; use --force to import it again"
            )

    # ---- entities ----------------------------------------------------------------------
    def set_header(self, header: Sequence[str], header_row: int | None) -> None:
        """The file's header cells (so raw rows can be shown with their column names)."""
        self.header = [str(h) for h in header]
        self.header_row = header_row

    def entity(
        self,
        entity_type: str,
        key: str | None,
        label: str,
        *,
        row: int,
        attrs: dict[str, Any] | None = None,
        role: str | None = None,
        minor: bool | None = None,
    ) -> int:
        """The id of the entity with this canonical key (made if new); persons by name within this file only."""
        etype = self.case.model.entity_type(entity_type).name
        label = (label or key or "").strip()
        if not label:
            raise LinkgraphError(f"an entity of type {etype} needs a label or key")
        if etype == "Person" and key is None:
            name_key = person_name_key(label)
            found = self._persons.get(name_key)
            if found is None:
                found = self._new(etype, None, label, attrs, role, minor)
                self._persons[name_key] = found
            else:
                self._merge_attrs(found, attrs)
            self._evidence.setdefault(found, row)
            return found
        if key is None:
            key = "name:" + person_name_key(label)
        ident = (etype, key)
        found = self._ids.get(ident)
        if found is None:
            existing = self.conn.execute(
                "SELECT id FROM entities WHERE type = ? AND key = ?", ident
            ).fetchone()
            if existing:
                found = int(existing[0])
                self._merge_attrs(found, attrs)
            else:
                found = self._new(etype, key, label, attrs, role, minor)
            self._ids[ident] = found
        else:
            self._merge_attrs(found, attrs)
        self._evidence.setdefault(found, row)
        return found

    def cite_entity(self, entity_id: int, row: int) -> None:
        """An entity already in the case named again in this file at `row` (evidence, not a new entity)."""
        self._evidence.setdefault(entity_id, row)

    def pending_entity(self, entity_id: int) -> tuple[str, str] | None:
        """(type, label) of an entity this import made and has not written yet, else None (read it from the case)."""
        index = self._pending.get(entity_id)
        if index is None:
            return None
        item = self._new_entities[index]
        return item[1], item[3]

    def _new(
        self, etype: str, key: str | None, label: str, attrs: dict | None, role: str | None, minor: bool | None
    ) -> int:
        entity_id = self._next_entity
        self._next_entity += 1
        if etype == "Person":
            role = role or "unknown"
        self._new_entities.append([entity_id, etype, key, label, dict(attrs or {}), role, int(bool(minor))])
        self._pending[entity_id] = len(self._new_entities) - 1
        return entity_id

    def _merge_attrs(self, entity_id: int, attrs: dict | None) -> None:
        """Add attributes the entity lacks; values already known are kept (first source wins)."""
        if not attrs:
            return
        index = self._pending.get(entity_id)
        if index is not None:
            known = self._new_entities[index][4]
            for name, value in attrs.items():
                if value not in (None, "") and known.get(name) in (None, ""):
                    known[name] = value
        else:
            self._attr_updates.setdefault(entity_id, {}).update(
                {k: v for k, v in attrs.items() if v not in (None, "")}
            )

    def _flush_entities(self) -> None:
        """Write the new entities made so far, before any link names them: with deferred foreign keys, an
        entity written after links that name it makes SQLite scan links (location has no index) per entity."""
        fresh = self._new_entities[self._entities_written:]
        if not fresh:
            return
        self.writer.entities(
            ("id", "type", "key", "label", "attrs", "role", "minor", "source_id"),
            [(eid, etype, key, label, attrs_json(attrs), role, minor, self.source_id)
             for eid, etype, key, label, attrs, role, minor in fresh])
        for item in fresh:
            self._pending.pop(item[0], None)     # later attributes go through _attr_updates
        self._entities_written = len(self._new_entities)

    # ---- links ---------------------------------------------------------------------------
    def link(
        self,
        link_type: str,
        src: int,
        dst: int,
        *,
        row: int,
        start: int | None = None,
        end: int | None = None,
        duration: float | None = None,
        amount: float | None = None,
        currency: str | None = None,
        location: int | None = None,
        weight: float = 1.0,
        attrs: dict[str, Any] | None = None,
    ) -> int:
        """Record one link or event cited to `row`; returns its id. A number outside its plausible range
        (linkgraph.plausible: `inf`, a 1e308-second call, a year-9999 start) is set aside with its reason."""
        if not all(_ordinary(v) for v in (start, end, duration, amount, weight)):
            start, end, duration, amount, weight = self._plausible_values(
                row, {"start": start, "end": end, "duration": duration, "amount": amount, "weight": weight})
        link_id = self._next_link
        self._next_link += 1
        self._links.append((
            link_id, link_type, src, dst, start, end, duration, amount, currency, location, weight,
            attrs_json(attrs) if attrs else None, self.source_id, row,
        ))
        self._rows_imported.add(row)
        if len(self._links) >= FLUSH_EVERY:
            self._flush_links()
        return link_id

    def links_bulk(self, rows: Iterable[tuple]) -> int:
        """Many links, each a LinkFields (or a plain tuple in its order), written as they are; returns how many."""
        self._flush_links()                      # links named earlier have lower ids: written first
        count = 0
        for item in rows:
            self._links.append((self._next_link, *item[:ROW], self.source_id, item[ROW]))
            self._next_link += 1
            count += 1
            if len(self._links) >= FLUSH_EVERY:
                self._flush_links()
        self._flush_links()
        return count

    def links_columns(self, columns: Sequence[Sequence[Any]]) -> range:
        """Many links as the twelve LinkFields in parallel columns (lists, NumPy or Arrow arrays), written by the
        writer thread while the caller prepares its next columns; returns their ids. Implausible numbers are
        set aside as `link` does."""
        count = len(columns[ROW])
        self._flush_links()                      # links named earlier have lower ids: written first
        ids = range(self._next_link, self._next_link + count)
        self._flush_entities()
        given = list(columns)
        self._plausible_columns(given)
        self.writer.link_columns(given, ids)
        self._next_link += count
        return ids

    @property
    def next_link_id(self) -> int:
        """The id the next link will get (links_bulk numbers its links consecutively from here)."""
        return self._next_link

    def cite(self, link_id: int, row: int) -> None:
        """The same event seen again in this file at `row` (e.g. a call in both parties' returns)."""
        self._citations.append((link_id, self.source_id, row))
        self._rows_imported.add(row)

    def _flush_links(self) -> None:
        if self._links:
            self._flush_entities()
            batch, self._links = self._links, []
            self.writer.link_rows(batch)

    def _plausible_values(self, row: int, values: dict[str, Any]) -> tuple:
        """The values with each implausible one replaced by None and recorded as set aside (the weight by 1)."""
        from linkgraph.plausible import problem

        kept = []
        for name, value in values.items():
            why = problem(name, value)
            if why is not None:
                self.set_aside(row, name, str(value)[:80], why)
                value = 1.0 if name == "weight" else None
            kept.append(value)
        return tuple(kept)

    def _plausible_columns(self, given: list[Any]) -> None:
        """links_columns' numbers checked column by column; an implausible value becomes None (set aside)."""
        from linkgraph.plausible import implausible_positions

        for name in ("start", "end", "duration", "amount", "weight"):
            number = [field.name for field in LINK_FIELDS].index(name)
            positions = implausible_positions(name, given[number])
            if not positions:
                continue
            column = given[number]
            rows = list(given[ROW])
            cells = list(column.to_pylist() if isinstance(column, pa.Array | pa.ChunkedArray) else column)
            for position in positions:
                (value,) = self._plausible_values(int(rows[position]), {name: cells[position]})
                cells[position] = value
            given[number] = cells

    # ---- raw rows ------------------------------------------------------------------------
    def raw_row(self, row: int, cells: Sequence[Any] | dict[str, Any]) -> None:
        """Keep a row's original cells (a list in header order, or a dict for JSON records)."""
        self._raw_rows.append(row)
        self._raw_texts.append(json.dumps(cells, ensure_ascii=False, default=str))
        self.rows_read += 1
        if len(self._raw_rows) >= FLUSH_EVERY:
            self._flush_raw()

    def raw_rows_bulk(self, rows: Iterable[tuple[int, str]]) -> None:
        """Many (row, JSON text) pairs already serialised by the importer."""
        self._flush_raw()
        for row, text in rows:
            self._raw_rows.append(row)
            self._raw_texts.append(text)
            self.rows_read += 1
            if len(self._raw_rows) >= FLUSH_EVERY:
                self._flush_raw()
        self._flush_raw()

    def raw_lines_bulk(self, rows: Iterable[tuple[int, str]], delimiter: str) -> None:
        """Many (row, original line) pairs of a text file (parsed again with `delimiter` on display)."""
        self.options["raw_format"] = "delimited"
        self.options["delimiter"] = delimiter
        self.raw_rows_bulk(rows)

    def raw_texts_bulk(self, rows: Sequence[int] | np.ndarray, texts: Sequence[str] | pa.Array,
                       delimiter: str | None = None, *, line_breaks: bool = False) -> None:
        """Many raw rows as parallel row numbers (a list or NumPy array) and texts (a list or an Arrow array; JSON
        cells, or original lines when `delimiter` is given), kept as blocks built column-wise (no Python object
        per row). `line_breaks`: the lines still end in their line break, which the writer thread cuts off (so
        the importer does not wait for that copy of the file)."""
        if delimiter is not None:
            self.options["raw_format"] = "delimited"
            self.options["delimiter"] = delimiter
        self._flush_raw()
        self.writer.raw_rows(rows, texts, line_breaks=line_breaks)
        self.rows_read += len(rows)

    def _flush_raw(self) -> None:
        if self._raw_rows:
            rows, texts = self._raw_rows, self._raw_texts
            self._raw_rows, self._raw_texts = [], []
            self.writer.raw_rows(rows, texts)

    def mark_imported(self, rows: Iterable[int]) -> None:
        """Rows that produced entities only (no link) still count as imported."""
        if isinstance(rows, np.ndarray):
            self._rows_imported_bulk.append(_row_runs(rows.astype(np.int64, copy=False)))
        else:
            self._rows_imported.update(rows)

    # ---- rows turned away, values set aside, assumptions, progress ------------------------
    def reject(self, row: int, column: str | None, reason: str, cells: Sequence[Any] | dict | None = None) -> None:
        """Turn a row away (lenient imports): kept with its reason, shown by `linkgraph info`."""
        raw = json.dumps(cells, ensure_ascii=False, default=str) if cells is not None else None
        self._rejected.append((self.source_id, row, column, reason, raw))

    def set_aside(self, row: int, column: str | None, value: Any, reason: str) -> None:
        """Keep a record but not one of its values (a bad IMEI on a good call): the value is kept with its
        reason beside the rejected rows (`SET_ASIDE_PREFIX` marks it), counted by reason on the import line."""
        raw = json.dumps({"value": value}, ensure_ascii=False, default=str)
        self._set_aside.append((self.source_id, row, column, SET_ASIDE_PREFIX + reason, raw))

    def assume(self, name: str, value: str) -> None:
        """Record what the import assumed (time zone, region, day/month order, sign convention, owner):
        kept in the source's options and printed on the import line."""
        self._assumed[name] = str(value)

    def check_cancel(self, done: int, total: int | None, message: str = "") -> None:
        """Report progress; raises Cancelled when the user asked to stop (the transaction rolls back)."""
        if self.progress(done, total, message) is False:
            raise Cancelled(f"import of {self.path.name} cancelled; the case is unchanged")

    def fail(self, message: str, *, row: int | None = None, column: str | None = None) -> InputError:
        """An InputError naming this file (raise it to abort the import)."""
        return InputError(message, file=self.path, row=row, column=column)

    # ---- speed switches for a big file -----------------------------------------------------
    @contextmanager
    def bulk_writes(self, rows: int) -> Iterator[None]:
        """Writing a big file (`rows` rows): see BulkWriter.bulk_mode (page cache, links indexes rebuilt)."""
        with self.writer.bulk_mode(rows, self._flush_links):
            yield

    def bound_memory(self, links: int) -> None:
        """For a file written in batches: hash the links written once more than `links` wait (rather than all
        at the end, which holds every link's columns), and the raw rows of one batch before the next is
        handed over, so the memory an import holds does not grow with the file. The digests are the same."""
        self.writer.queue.hold_limit = links

    # ---- the end ---------------------------------------------------------------------------
    def _finish(self) -> None:
        writer = self.writer
        writer.queue.settle(hashing=True)
        self._flush_entities()
        for entity_id, attrs in self._attr_updates.items():
            current = json.loads(self.conn.execute(
                "SELECT attrs FROM entities WHERE id = ?", (entity_id,)).fetchone()[0])
            added = {k: v for k, v in attrs.items() if current.get(k) in (None, "")}
            if added:
                writer.update_entity(entity_id, attrs=attrs_json(current | added))
        writer.entity_evidence([(eid, self.source_id, row) for eid, row in self._evidence.items()])
        self._flush_links()
        self._flush_raw()
        writer.check_raw_blocks()
        writer.link_evidence(self._citations)
        writer.rejected(self._rejected + self._set_aside)
        if self._assumed:
            self.options["assumed"] = dict(self._assumed)
        self._check_references()
        writer.seen.write(self.conn, self.source_id, self._first_link, self._next_link - 1)
        rejected = len({r[1] for r in self._rejected})
        imported = _runs_size(np.concatenate([
            _row_runs(np.fromiter(self._rows_imported | set(self._evidence.values()), dtype=np.int64)),
            *self._rows_imported_bulk]))
        rows_read = max(self.rows_read, imported + rejected)
        writer.update_source(self.source_id, rows_read=rows_read, rows_imported=imported, rows_rejected=rejected,
                             header=json.dumps(self.header, ensure_ascii=False), header_row=self.header_row,
                             options=attrs_json(self.options), profile=self.profile)
        self.result = ImportResult(
            source_id=self.source_id, name=self.path.name, sha256=self.sha256, kind=self.kind,
            profile=self.profile, rows_read=rows_read, rows_imported=imported,
            rows_rejected=rejected, entities_created=len(self._new_entities), links_created=writer.links_written,
            duplicates_merged=len(self._citations), notes=list(self.notes),
            set_aside=dict(Counter(r[3][len(SET_ASIDE_PREFIX):] for r in self._set_aside)),
            assumed=dict(self._assumed),
        )
        self.case.audit("import", {
            "source": self.source_id, "file": self.path.name, "sha256": self.sha256, "kind": self.kind,
            "profile": self.profile, "rows_imported": imported, "rows_rejected": rejected,
            "links": writer.links_written, "entities_created": len(self._new_entities),
            **({"values_set_aside": len(self._set_aside)} if self._set_aside else {}),
            "data_digest": writer.data_digest(),
        })

    def _check_references(self) -> None:
        """What the foreign keys would check, from the ids this import wrote: every entity its links and
        evidence name, and every link it cites, is in the case (made by this import or there before)."""
        entities = self.writer.entity_refs | set(self._evidence)
        entities.discard(None)
        outside = [e for e in entities if not (isinstance(e, int) and self._first_entity <= e < self._next_entity)]
        links = {link for link, _, _ in self._citations if not (isinstance(link, int)
                                                                  and self._first_link <= link < self._next_link)}
        for table, ids in (("entities", outside), ("links", links)):
            if not ids:
                continue
            missing = self.conn.execute(
                f"SELECT value FROM json_each(?) WHERE value NOT IN (SELECT id FROM {table}) LIMIT 5",
                (json.dumps(sorted(ids, key=str), default=str),)).fetchall()
            if missing:
                raise LinkgraphError(
                    f"{self.path.name}: the import names {table} that are not in the case "
                    f"({', '.join(str(m[0]) for m in missing)}); nothing was written")
