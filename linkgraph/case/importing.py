"""Writing one source file's records into a case, atomically and with provenance to the row.

An importer opens an `ImportSession` (a context manager), names entities and links as it
reads rows, and the session writes them in one transaction: if anything fails or the user
cancels, the case is exactly as before. Every entity and link cites (source, row), and
the source keeps each row's raw cells.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from linkgraph.case.case_file import SET_ASIDE_PREFIX, CaseFile
from linkgraph.case.integrity import V2_PREFIX, DigestEncodingError, SourceDigest, source_digest
from linkgraph.case.raw_rows import (
    FileLines,
    file_lines,
    overlapping_row,
    texts_array,
    write_blocks,
    write_file_lines,
)
from linkgraph.case.schema import (
    ENTITY_COLUMNS,
    LINK_COLUMNS,
    LINK_FIELDS,
    TEXT_LINK_FIELDS,
    LinkFields,
    insert_statement,
)
from linkgraph.errors import Cancelled, DuplicateSourceError, InputError, LinkgraphError
from linkgraph.identity import person_name_key  # identity decides when two written names are one person
from linkgraph.progress import Progress, no_progress
from linkgraph.times import now_iso

FLUSH_EVERY = 200_000
BULK_ROWS = 100_000          # bulk_writes drops the links indexes for imports at least this big
BULK_CACHE_KIB = 65_536      # SQLite page cache during bulk writes (the default 2 MiB thrashes on big imports)
SORT_CACHE_KIB = 4_096       # page cache while the links indexes are rebuilt (the sorter spills runs to sort in parallel)
INDEX_THREADS = min(4, os.cpu_count() or 1)   # SQLite sorter threads while bulk_writes builds the links indexes
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


DIGEST_LINES = 65_536        # raw lines cut from a file are hashed this many at a time
PYTHON_CHUNK = 4096          # links_columns' rows turned into Python values this many at a time, as written
# A link row in table order (what link() queues), and the entity columns a new entity is written with.
LINK_INSERT = insert_statement("links", LINK_COLUMNS)
ROW = LinkFields._fields.index("row")     # the last of an importer's link fields: the file row it cites
ENTITY_INSERT = insert_statement("entities", [c for c in ENTITY_COLUMNS if c.name in (
    "id", "type", "key", "label", "attrs", "role", "minor", "source_id")])


def _constant(column: Sequence[Any], text: bool) -> str | None:
    """The SQL literal of a column that holds one value throughout (binding it per row is half the cost of
    writing links), else None. Numbers only in number columns (1, 1.0 and True are one value there) and
    strings only in text columns, so the row SQLite stores is the one binding would store."""
    if not isinstance(column, list) or not column:
        return None
    first = column[0]
    if column[-1] is not first and column[-1] != first:
        return None
    if first is None:
        return "NULL" if column.count(None) == len(column) else None
    if text:
        if type(first) is not str or "\x00" in first or column.count(first) != len(column):
            return None
        return "'" + first.replace("'", "''") + "'"
    if type(first) not in (int, float, bool) or column.count(first) != len(column):
        return None
    if type(first) is float:
        if first != first:
            return "NULL"                          # NaN: SQLite stores NULL
        return repr(first) if abs(first) != float("inf") else ("9e999" if first > 0 else "-9e999")
    return str(int(first)) if -(2 ** 63) <= first < 2 ** 63 else None


def _python(column: Sequence[Any] | np.ndarray | pa.Array | pa.ChunkedArray) -> Sequence[Any]:
    """Python values for sqlite3 (NumPy and Arrow columns are accepted so the digest hashes them as they are)."""
    if isinstance(column, pa.Array | pa.ChunkedArray):
        return column.to_pylist()
    if isinstance(column, np.ndarray):
        if column.dtype.kind == "f" and np.isnan(column).any():
            return _nullable(column)
        return column.tolist()
    return column


def _python_rows(columns: Sequence[Sequence[Any]], count: int) -> Iterator[tuple]:
    """Rows of Python values for executemany, made from the columns `PYTHON_CHUNK` rows at a time as SQLite
    takes them: the values of a chunk are freed before the next is made, so the same memory serves every
    chunk (a million rows' values made at once are hundreds of megabytes of fresh pages)."""
    for begin in range(0, count, PYTHON_CHUNK):
        end = min(begin + PYTHON_CHUNK, count)
        yield from zip(*[_python(column[begin:end]) for column in columns], strict=True)


def _nullable(column: np.ndarray) -> list:
    """A float column's values with NaN as None (SQLite NULL)."""
    out = column.astype(object)
    out[np.isnan(column)] = None
    return out.tolist()


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


def _distinct(column: Sequence[Any] | np.ndarray) -> Iterable[Any]:
    """The distinct values of a column (NumPy's unique for arrays: a million ids name a few thousand)."""
    if isinstance(column, np.ndarray) and column.dtype.kind in "iu":
        return np.unique(column).tolist()
    if isinstance(column, pa.Array | pa.ChunkedArray):
        return column.unique().drop_null().to_pylist()
    return column


def _ordinary(value: Any) -> bool:
    """A number that needs no range check: None, or a finite number of a size no record exceeds."""
    if value is None:
        return True
    if isinstance(value, int) and not isinstance(value, bool):
        return 0 <= value < (1 << 31)       # positive and before 2038: inside every range; others are checked
    return False


def _number(value: float) -> int | float:
    """A whole number as an int (how SQLite keeps it in an INTEGER column), else the float."""
    return int(value) if value.is_integer() else value


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
    """Collects one file's entities, links, raw rows and rejections, and writes them in one transaction."""

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
        self._ids: dict[tuple[str, str], int] = {}
        self._persons: dict[str, int] = {}
        self._new_entities: list[list] = []
        self._pending: dict[int, int] = {}
        self._entities_written = 0
        self._evidence: dict[int, int] = {}
        self._attr_updates: dict[int, dict[str, Any]] = {}
        self._links: list[tuple] = []
        self._raw: list[tuple[int, int, str]] = []
        self._blocks: list[tuple[np.ndarray, np.ndarray]] = []   # first row and row count of each raw-row block written
        self._rejected: list[tuple] = []
        self._set_aside: list[tuple] = []
        self._assumed: dict[str, str] = {}
        self._citations: list[tuple[int, int, int]] = []
        self._links_written = 0
        self._rows_imported: set[int] = set()
        self._rows_imported_bulk: list[np.ndarray] = []   # mark_imported's rows, kept as runs (_row_runs)
        self._entity_refs: set[Any] = set()      # entity ids this import's links name (checked in _finish)
        self._saved_pragmas: dict[str, int] = {}
        self._digest = SourceDigest()            # the audit's data digest, fed the rows as they are written
        self._streamed: dict[str, int | None] = {"links": None, "source_rows": None}   # table -> last id/row
        self._seen: dict[int, list[float]] | None = {}   # entity -> [first, last] time of its links (None: by SQL)
        self._writer: ThreadPoolExecutor | None = None   # the thread that runs bulk writes behind the importer
        self._running: Future | None = None              # the bulk write it is running
        self._hasher: ThreadPoolExecutor | None = None   # the thread that hashes written rows for the data digest
        self._hashing: Future | None = None              # the last hashing handed to it (they run in order)
        self._held_digests: list[Callable[[], object]] = []   # links hashings held back while links are written
        self._held_rows = 0                      # ... and how many links they hash
        self._hold_limit: int | None = None      # bounded memory (bound_memory): hash past this many held links
        self._open = False

    # ---- lifecycle ---------------------------------------------------------------------
    def __enter__(self) -> ImportSession:
        self._check_duplicate()
        self._relax_pragmas()
        try:
            self._cm = self.case.transaction()
            self._conn = self._cm.__enter__()
        except BaseException:
            self._restore_pragmas()
            raise
        self._open = True
        self.conn.execute("PRAGMA defer_foreign_keys = ON")  # links may name entities written at the end
        now = now_iso()
        cursor = self.conn.execute(
            "INSERT INTO sources (name, path, sha256, size, kind, profile, imported_at, imported_by, agency, "
            "reliability, information, handling) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (self.path.name, str(self.path.resolve()), self.sha256, self.size, self.kind, self.profile, now,
             self.case.user, self.agency, *self.grade),
        )
        self.source_id = int(cursor.lastrowid)
        self._next_entity = (self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM entities").fetchone()[0]) + 1
        self._next_link = (self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM links").fetchone()[0]) + 1
        self._first_link = self._next_link       # this import's links are ids _first_link .. _next_link - 1
        self._first_entity = self._next_entity   # and its new entities ids _first_entity .. _next_entity - 1
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        try:
            try:
                try:
                    self._settle(hashing=True)   # a bulk write still running ends before COMMIT or ROLLBACK
                except BaseException:
                    if exc_type is None:
                        raise
                if exc_type is None:
                    self._finish()
            except BaseException as failure:
                self._open = False
                self._cm.__exit__(type(failure), failure, failure.__traceback__)
                raise
            self._open = False
            if exc_type is None:
                self._cm.__exit__(None, None, None)
            else:
                self._cm.__exit__(exc_type, exc, tb)
        finally:
            for worker in (self._writer, self._hasher):
                if worker is not None:
                    worker.shutdown(wait=True)
            self._writer = self._hasher = None
            self._restore_pragmas()
        return False

    @property
    def conn(self) -> sqlite3.Connection:
        """The case's connection inside this import's transaction, once any bulk write handed to the writer
        thread has finished (so nothing else ever uses the connection while it runs)."""
        self._settle()
        return self._conn

    def _behind(self, write: Callable[[], object], digest: Callable[[], object] | None = None) -> None:
        """Run a bulk write on the writer thread, and the hashing of its rows on the hasher thread, while the
        importer prepares the next one: each thread one job at a time, in order. SQLite and hashlib release
        the GIL, so the cores share the work."""
        self._settle()
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="linkgraph-import-writer")
            self._hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="linkgraph-import-digest")
        if digest is not None:
            if self._hashing is not None and (self._hashing.done() or self._hold_limit is not None):
                self._hashing.result()                # an error in hashing surfaces at the next write
            self._hashing = self._hasher.submit(digest)
        self._running = self._writer.submit(write)

    def _settle(self, hashing: bool = False) -> None:
        """Wait for the bulk write in progress (and with `hashing`, every hashing handed out); an error in
        either is raised here."""
        running, self._running = self._running, None
        if running is not None:
            running.result()
        if hashing:
            self._release_digests()
            pending, self._hashing = self._hashing, None
            if pending is not None:
                pending.result()

    def _release_digests(self) -> None:
        """Hand the held-back links hashings to the hasher thread, in order. They are held while links are
        written because both need the GIL row by row or array by array: run side by side, each slows the
        other (writing a million links took 0.6 s longer). The index rebuild that follows the links runs in
        SQLite without the GIL, so that is when they run."""
        held, self._held_digests = self._held_digests, []
        self._held_rows = 0
        if held and self._hasher is None:
            self._hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="linkgraph-import-digest")
        for digest in held:
            if self._hashing is not None and self._hashing.done():
                self._hashing.result()
            self._hashing = self._hasher.submit(digest)

    def _relax_pragmas(self) -> None:
        """Before BEGIN (SQLite ignores these inside a transaction): foreign keys off for the session, whose
        writes name only ids it made or read from the case (`_check_references` proves it before COMMIT).
        Restored after COMMIT or ROLLBACK by `_restore_pragmas`. `synchronous` stays as it is: a case file
        is evidence, and one import's few extra fsyncs cost milliseconds."""
        conn = self.case.conn
        if conn.in_transaction:
            return
        self._saved_pragmas = {"foreign_keys": int(conn.execute("PRAGMA foreign_keys").fetchone()[0])}
        conn.execute("PRAGMA foreign_keys = OFF")

    def _restore_pragmas(self) -> None:
        saved, self._saved_pragmas = self._saved_pragmas, {}
        for name, value in saved.items():
            self.case.conn.execute(f"PRAGMA {name} = {value}")

    def _check_references(self) -> None:
        """What the foreign keys would check, from the ids this import wrote: every entity its links and
        evidence name, and every link it cites, is in the case (made by this import or there before)."""
        conn = self.conn
        entities = self._entity_refs | set(self._evidence)
        entities.discard(None)
        outside = [e for e in entities if not (isinstance(e, int) and self._first_entity <= e < self._next_entity)]
        links = {link for link, _, _ in self._citations if not (isinstance(link, int)
                                                                  and self._first_link <= link < self._next_link)}
        for table, ids in (("entities", outside), ("links", links)):
            if not ids:
                continue
            missing = conn.execute(
                f"SELECT value FROM json_each(?) WHERE value NOT IN (SELECT id FROM {table}) LIMIT 5",
                (json.dumps(sorted(ids, key=str), default=str),)).fetchall()
            if missing:
                raise LinkgraphError(
                    f"{self.path.name}: the import names {table} that are not in the case "
                    f"({', '.join(str(m[0]) for m in missing)}); nothing was written")

    def _check_duplicate(self) -> None:
        found = self.case.conn.execute(
            "SELECT id, name, imported_at FROM sources WHERE sha256 = ? ORDER BY id LIMIT 1", (self.sha256,)
        ).fetchone()
        if found and not self.force:
            raise DuplicateSourceError(
                f"{self.path.name}: this file (SHA-256 {self.sha256[:12]}...) was imported already as "
                f"source {found[0]} '{found[1]}' on {found[2]}; use --force to import it again"
            )

    # ---- what importers call -------------------------------------------------------------
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
            json.dumps(attrs, ensure_ascii=False, sort_keys=True, default=str) if attrs else None,
            self.source_id, row,
        ))
        self._rows_imported.add(row)
        if len(self._links) >= FLUSH_EVERY:
            self._flush_links()
        return link_id

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
        """links_columns' numbers checked column by column (NumPy); an implausible value becomes None (set aside)."""
        from linkgraph.plausible import PLAUSIBLE

        for name in ("start", "end", "duration", "amount", "weight"):
            number = LinkFields._fields.index(name)
            column = given[number]
            try:
                values = (column.to_numpy(zero_copy_only=False) if isinstance(column, pa.Array | pa.ChunkedArray)
                          else np.asarray(column))
                numbers = values.astype(np.float64) if values.dtype != object else np.array(
                    [np.nan if v is None else float(v) for v in values], dtype=np.float64)
            except (TypeError, ValueError, OverflowError):
                numbers = None
            if numbers is not None and numbers.ndim == 1:
                span = PLAUSIBLE[name]
                with np.errstate(invalid="ignore"):
                    bad = np.isinf(numbers) | (numbers < span.low) | (numbers > span.high)
                if not bad.any():
                    continue
                positions = np.flatnonzero(bad).tolist()
            else:
                from linkgraph.plausible import problem

                listed = column.to_pylist() if isinstance(column, pa.Array | pa.ChunkedArray) else list(column)
                positions = [i for i, v in enumerate(listed) if problem(name, v) is not None]
                if not positions:
                    continue
            rows = list(given[ROW])
            cells = list(column.to_pylist() if isinstance(column, pa.Array | pa.ChunkedArray) else column)
            for position in positions:
                (value,) = self._plausible_values(int(rows[position]), {name: cells[position]})
                cells[position] = value
            given[number] = cells

    def links_bulk(self, rows: Iterable[tuple]) -> int:
        """Fast path: LinkFields (or plain tuples in that order: type, src, dst, start, end, duration, amount,
        currency, location, weight, attrs_json, row) written as they are; returns how many."""
        self._flush_links()                      # links named earlier have lower ids: written first
        count = 0
        batch = []
        for item in rows:
            batch.append((self._next_link, *item[:ROW], self.source_id, item[ROW]))
            self._next_link += 1
            count += 1
            if len(batch) >= FLUSH_EVERY:
                self._write_links(batch)
                batch = []
        self._write_links(batch)
        return count

    @contextmanager
    def bulk_writes(self, rows: int) -> Iterator[None]:
        """Faster writing of a big file: a larger page cache and, for `BULK_ROWS` rows or more, the links
        indexes dropped and built again at the end (all inside the import's transaction, so a failure
        rolls the drop back too). The rebuild sorts with a small cache, spilling sorted runs that SQLite's
        worker threads sort side by side (measured: about three times faster than one sort in memory)."""
        previous = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        previous_temp = self.conn.execute("PRAGMA temp_store").fetchone()[0]
        previous_threads = self.conn.execute("PRAGMA threads").fetchone()[0]
        self.conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        indexes: list[tuple[str, str]] = []
        try:
            if rows >= BULK_ROWS:
                indexes = self.conn.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'links' "
                    "AND sql IS NOT NULL ORDER BY name").fetchall()
                for name, _ in indexes:
                    self.conn.execute(f'DROP INDEX "{name}"')
            yield
            self._flush_links()
            self._settle()
            self._release_digests()              # hashed while SQLite builds the indexes
            if indexes:
                self.conn.execute(f"PRAGMA cache_size = -{SORT_CACHE_KIB}")
                self.conn.execute("PRAGMA temp_store = FILE")
                self.conn.execute(f"PRAGMA threads = {INDEX_THREADS}")
            for _, sql in indexes:
                self.conn.execute(sql)
        finally:
            self.conn.execute(f"PRAGMA cache_size = {int(previous)}")
            self.conn.execute(f"PRAGMA temp_store = {int(previous_temp)}")
            self.conn.execute(f"PRAGMA threads = {int(previous_threads)}")

    def links_columns(self, columns: Sequence[Sequence[Any]]) -> range:
        """Fastest path: the twelve LinkFields as parallel columns (type, src, dst, start, end, duration,
        amount, currency, location, weight, attrs_json, row; lists, NumPy or Arrow arrays), written
        by the writer thread while the caller prepares its next columns; returns their ids."""
        count = len(columns[ROW])
        self._flush_links()                      # links named earlier have lower ids: written first
        ids = range(self._next_link, self._next_link + count)
        self._flush_entities()
        given = list(columns)
        self._plausible_columns(given)
        named = dict(zip(LinkFields._fields, given, strict=True))
        for name in ("src", "dst", "location"):
            self._entity_refs.update(_distinct(named[name]))
        self._note_seen(named["src"], named["dst"], named["start"], named["end"])
        fields = [_constant(column, number in TEXT_LINK_FIELDS) for number, column in enumerate(given[:ROW])]
        bound = [column for column, field in zip(given[:ROW], fields, strict=True) if field is None]
        # a column of one value is written into the SQL; NULL id: SQLite numbers the rows MAX(id) + 1 onwards
        # (as `ids` does) and appends them without a seek
        literals = dict(zip((column.name for column in LINK_FIELDS[:ROW]), fields, strict=True)) | {
            "id": "NULL", "source_id": str(int(self.source_id)), "row": None}
        sql = insert_statement("links", LINK_COLUMNS, [literals[column.name] or "?" for column in LINK_COLUMNS])

        def write() -> None:
            self._conn.executemany(sql, _python_rows([*bound, given[ROW]], count))
            last = self._conn.execute("SELECT MAX(id) FROM links").fetchone()[0]
            if count and last != ids[-1]:
                raise LinkgraphError(f"{self.path.name}: link ids out of step ({last}, expected {ids[-1]}); "
                                     "nothing was written")

        def digest() -> None:
            self._digest_now("links", [ids, *given[:ROW], given[ROW]], ids)   # NumPy/Arrow columns hashed as they are

        self._behind(write)
        self._held_digests.append(digest)       # hashed once the links are written (see _release_digests)
        self._held_rows += count
        if self._hold_limit is not None and self._held_rows > self._hold_limit:
            if self._hashing is not None:
                self._hashing.result()           # the hashings released last time are done: their columns freed
            self._release_digests()
        self._next_link += count
        self._links_written += count
        return ids

    def raw_texts_bulk(self, rows: Sequence[int] | np.ndarray, texts: Sequence[str] | pa.Array,
                       delimiter: str | None = None, *, line_breaks: bool = False) -> None:
        """Fastest path for raw rows: parallel row numbers (a list or NumPy array) and texts (a list or an Arrow
        array; JSON cells, or original lines when `delimiter` is given, as raw_lines_bulk), kept as blocks built
        column-wise (no Python object per row). `line_breaks`: the lines still end in their line break, which
        the writer thread cuts off (so the importer does not wait for that copy of the file)."""
        if delimiter is not None:
            self.options["raw_format"] = "delimited"
            self.options["delimiter"] = delimiter
        self._flush_raw()
        numbers = np.asarray(rows)
        if not len(numbers) and not len(texts):
            return
        ready: Future = Future()             # the texts as kept, made on the writer thread, hashed on the hasher

        def write() -> None:
            try:
                ordered = len(numbers) < 2 or bool((np.diff(numbers) > 0).all())
                lines = file_lines(texts) if line_breaks and ordered and isinstance(texts, pa.Array) else None
                array = None if lines is not None else texts_array(
                    pc.utf8_rtrim(texts, characters="\r\n") if line_breaks else texts)
            except BaseException as failure:
                ready.set_exception(failure)
                raise
            ready.set_result(lines or array)
            self._blocks.append(write_blocks(self._conn, self.source_id, numbers, array) if lines is None
                                else write_file_lines(self._conn, self.source_id, numbers, lines))

        def digest() -> None:
            kept = ready.result()
            if not isinstance(kept, FileLines):
                self._digest_now("source_rows", [numbers, kept], numbers)
                return
            for begin in range(0, len(numbers), DIGEST_LINES):        # the texts made a part at a time
                end = min(begin + DIGEST_LINES, len(numbers))
                self._digest_now("source_rows", [numbers[begin:end], kept.texts(begin, end)], numbers[begin:end])

        self._behind(write, digest)
        self.rows_read += len(numbers)

    def bound_memory(self, links: int) -> None:
        """For a file written in batches: hash the links written once more than `links` wait (rather than all
        at the end, which holds every link's columns), and the raw rows of one batch before the next is
        handed over, so the memory an import holds does not grow with the file. The digests are the same."""
        self._hold_limit = links

    @property
    def next_link_id(self) -> int:
        """The id the next link will get (links_bulk numbers its links consecutively from here)."""
        return self._next_link

    def cite(self, link_id: int, row: int) -> None:
        """The same event seen again in this file at `row` (e.g. a call in both parties' returns)."""
        self._citations.append((link_id, self.source_id, row))
        self._rows_imported.add(row)

    def cite_entity(self, entity_id: int, row: int) -> None:
        """An entity already in the case named again in this file at `row` (evidence, not a new entity)."""
        self._evidence.setdefault(entity_id, row)

    def mark_imported(self, rows: Iterable[int]) -> None:
        """Rows that produced entities only (no link) still count as imported."""
        if isinstance(rows, np.ndarray):
            self._rows_imported_bulk.append(_row_runs(rows.astype(np.int64, copy=False)))
        else:
            self._rows_imported.update(rows)

    def raw_row(self, row: int, cells: Sequence[Any] | dict[str, Any]) -> None:
        """Keep a row's original cells (a list in header order, or a dict for JSON records)."""
        self._raw.append((self.source_id, row, json.dumps(cells, ensure_ascii=False, default=str)))
        self.rows_read += 1

    def raw_rows_bulk(self, rows: Iterable[tuple[int, str]]) -> None:
        """Fast path: (row, JSON text) pairs already serialised by the importer."""
        self._flush_raw()
        count = 0
        batch: list[tuple[int, int, str]] = []
        for row, text in rows:
            batch.append((self.source_id, row, text))
            count += 1
            if len(batch) >= FLUSH_EVERY:
                self._write_raw(batch)
                batch = []
        self._write_raw(batch)
        self.rows_read += count

    def raw_lines_bulk(self, rows: Iterable[tuple[int, str]], delimiter: str) -> None:
        """Fast path for text files: keep each row as its original line (parsed again with `delimiter` on display)."""
        self.options["raw_format"] = "delimited"
        self.options["delimiter"] = delimiter
        self.raw_rows_bulk(rows)

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

    # ---- internals ---------------------------------------------------------------------
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
        self.conn.executemany(
            ENTITY_INSERT,
            [
                (eid, etype, key, label, json.dumps(attrs, ensure_ascii=False, sort_keys=True, default=str),
                 role, minor, self.source_id)
                for eid, etype, key, label, attrs, role, minor in fresh
            ],
        )
        for item in fresh:
            self._pending.pop(item[0], None)     # later attributes go through _attr_updates
        self._entities_written = len(self._new_entities)

    def _write_links(self, batch: list[tuple]) -> None:
        if batch:
            self._flush_entities()
            columns = list(zip(*batch, strict=True))
            named = dict(zip((column.name for column in LINK_COLUMNS), columns, strict=True))
            for name in ("src", "dst", "location"):
                self._entity_refs.update(named[name])
            self._digest_rows("links", [named[c.name] for c in LINK_COLUMNS if c.digest], named["id"])
            self._note_seen(named["src"], named["dst"], named["start"], named["end"])
            self.conn.executemany(LINK_INSERT, batch)
            self._links_written += len(batch)

    def _flush_links(self) -> None:
        self._write_links(self._links)
        self._links = []

    def _flush_raw(self) -> None:
        self._write_raw(self._raw)
        self._raw = []

    def _write_raw(self, batch: list[tuple[int, int, str]]) -> None:
        if batch:
            self._settle()
            columns = list(zip(*batch, strict=True))
            self._keep_raw(columns[1], columns[2])

    def _keep_raw(self, rows: Sequence[int] | np.ndarray, texts: Sequence[str] | pa.Array) -> None:
        """Hash raw rows for the data digest and write them as blocks."""
        if not len(rows) and not len(texts):
            return
        numbers = np.asarray(rows)
        array = texts_array(texts)
        self._digest_rows("source_rows", [numbers, array], numbers)
        self._blocks.append(write_blocks(self._conn, self.source_id, numbers, array))

    def _check_raw_blocks(self) -> None:
        """No row kept twice (one block per SQLite row cannot refuse it, as one row per SQLite row's key did)."""
        if len(self._blocks) > 1:
            clash = overlapping_row(np.concatenate([firsts for firsts, _ in self._blocks]),
                                    np.concatenate([counts for _, counts in self._blocks]))
            if clash is not None:
                raise LinkgraphError(f"{self.path.name}: row {clash} was kept twice; nothing was written")

    def _digest_rows(self, table: str, columns: Sequence[Sequence[Any]], keys: Sequence[Any]) -> None:
        """Hash rows for the data digest as they are written, after the hasher thread's (in write order); behind
        the held-back links hashings when there are any."""
        if self._held_digests:
            self._held_digests.append(lambda: self._digest_now(table, columns, keys))
            return
        self._settle(hashing=True)
        self._digest_now(table, columns, keys)

    def _digest_now(self, table: str, columns: Sequence[Sequence[Any]], keys: Sequence[Any]) -> None:
        """Hash rows for the data digest as they are written (links in id order, raw rows in row order);
        a table whose rows come out of order, or hold a value of another type, is read back at the end."""
        if table not in self._streamed or not len(keys):
            return
        order = np.asarray(keys)
        last = self._streamed[table]
        if order.dtype.kind != "i" or (last is not None and order[0] <= last) or bool((np.diff(order) <= 0).any()):
            del self._streamed[table]
            return
        try:
            self._digest.add(table, columns)
        except DigestEncodingError:
            del self._streamed[table]
            return
        self._streamed[table] = int(order[-1])

    def _finish(self) -> None:
        self._settle(hashing=True)
        conn = self.conn
        self._flush_entities()
        for entity_id, attrs in self._attr_updates.items():
            current = json.loads(conn.execute("SELECT attrs FROM entities WHERE id = ?", (entity_id,)).fetchone()[0])
            added = {k: v for k, v in attrs.items() if current.get(k) in (None, "")}
            if added:
                current.update(added)
                conn.execute(
                    "UPDATE entities SET attrs = ? WHERE id = ?",
                    (json.dumps(current, ensure_ascii=False, sort_keys=True, default=str), entity_id),
                )
        conn.executemany(
            "INSERT OR IGNORE INTO entity_evidence VALUES (?,?,?)",
            [(eid, self.source_id, row) for eid, row in self._evidence.items()],
        )
        self._flush_links()
        self._flush_raw()
        self._check_raw_blocks()
        conn.executemany("INSERT OR IGNORE INTO link_evidence VALUES (?,?,?)", self._citations)
        conn.executemany("INSERT INTO rejected_rows VALUES (?,?,?,?,?)", self._rejected + self._set_aside)
        if self._assumed:
            self.options["assumed"] = dict(self._assumed)
        self._check_references()
        self._update_seen()
        rejected = len({r[1] for r in self._rejected})
        imported = _runs_size(np.concatenate([
            _row_runs(np.fromiter(self._rows_imported | set(self._evidence.values()), dtype=np.int64)),
            *self._rows_imported_bulk]))
        conn.execute(
            "UPDATE sources SET rows_read = ?, rows_imported = ?, rows_rejected = ?, header = ?, header_row = ?, "
            "options = ?, profile = ? WHERE id = ?",
            (max(self.rows_read, imported + rejected), imported, rejected,
             json.dumps(self.header, ensure_ascii=False), self.header_row,
             json.dumps(self.options, ensure_ascii=False, sort_keys=True, default=str), self.profile,
             self.source_id),
        )
        self.result = ImportResult(
            source_id=self.source_id, name=self.path.name, sha256=self.sha256, kind=self.kind,
            profile=self.profile, rows_read=max(self.rows_read, imported + rejected), rows_imported=imported,
            rows_rejected=rejected, entities_created=len(self._new_entities), links_created=self._links_written,
            duplicates_merged=len(self._citations), notes=list(self.notes),
            set_aside=dict(Counter(r[3][len(SET_ASIDE_PREFIX):] for r in self._set_aside)),
            assumed=dict(self._assumed),
        )
        try:
            self._digest.read(conn, self.source_id, [t for t in SourceDigest.TABLES if t not in self._streamed])
            data_digest = self._digest.hexdigest()
        except DigestEncodingError:      # a value SQLite keeps as another type than its column's (a fractional start)
            data_digest = source_digest(conn, self.source_id, version=V2_PREFIX)
        self.case.audit("import", {
            "source": self.source_id, "file": self.path.name, "sha256": self.sha256, "kind": self.kind,
            "profile": self.profile, "rows_imported": imported, "rows_rejected": rejected,
            "links": self._links_written, "entities_created": len(self._new_entities),
            **({"values_set_aside": len(self._set_aside)} if self._set_aside else {}),
            "data_digest": data_digest,
        })

    def _note_seen(self, src: Sequence[Any], dst: Sequence[Any], start: Sequence[Any], end: Sequence[Any]) -> None:
        """Each end's first start and last end (or start) in a batch of links being written, so _update_seen
        need not read the links back; values that are not plain numbers leave it to SQL."""
        if self._seen is None or not len(src):
            return
        try:
            begin = np.asarray(start, dtype=np.float64)
            finish = np.asarray(end, dtype=np.float64)
            ends = np.concatenate([np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)])
        except (TypeError, ValueError, OverflowError):
            self._seen = None
            return
        finish = np.where(np.isnan(finish), begin, finish)
        timed = np.tile(~np.isnan(begin), 2)
        if (np.abs(begin[~np.isnan(begin)]) >= 2 ** 53).any() or (np.abs(finish[~np.isnan(finish)]) >= 2 ** 53).any():
            self._seen = None            # too big to hold exactly as a float
            return
        ends, firsts, lasts = ends[timed], np.tile(begin, 2)[timed], np.tile(finish, 2)[timed]
        if not len(ends):
            return
        base = int(ends.min())
        if int(ends.max()) - base < 4 * len(ends):          # ids close together (they are, within an import)
            slots, entities = ends - base, None
            size = int(ends.max()) - base + 1
        else:
            entities, slots = np.unique(ends, return_inverse=True)
            size = len(entities)
        earliest = np.full(size, np.inf)
        latest = np.full(size, -np.inf)
        np.minimum.at(earliest, slots, firsts)               # per entity, in NumPy (no pandas groupby per batch)
        np.maximum.at(latest, slots, lasts)
        used = np.flatnonzero(earliest <= latest)
        named = (used + base) if entities is None else entities[used]
        for entity, lo, hi in zip(named.tolist(), earliest[used].tolist(), latest[used].tolist(), strict=True):
            known = self._seen.get(entity)
            if known is None:
                self._seen[entity] = [lo, hi]
            else:
                known[0], known[1] = min(known[0], lo), max(known[1], hi)

    def _update_seen(self) -> None:
        """first_seen/last_seen of every entity this file touched, from its timed links."""
        if self._seen is not None:
            self.conn.executemany(
                "UPDATE entities SET first_seen = MIN(COALESCE(first_seen, ?1), ?1), "
                "last_seen = MAX(COALESCE(last_seen, ?2), ?2) WHERE id = ?3",
                [(_number(lo), _number(hi), entity) for entity, (lo, hi) in self._seen.items()])
            return
        self.conn.execute(
            """
            UPDATE entities SET
                first_seen = MIN(COALESCE(first_seen, seen.lo), seen.lo),
                last_seen = MAX(COALESCE(last_seen, seen.hi), seen.hi)
            FROM (
                SELECT e, MIN(lo) AS lo, MAX(hi) AS hi FROM (
                    SELECT src AS e, MIN(start) AS lo, MAX(COALESCE(end, start)) AS hi
                      FROM links WHERE id BETWEEN ?2 AND ?3 AND +source_id = ?1 AND start IS NOT NULL GROUP BY src
                    UNION ALL
                    SELECT dst, MIN(start), MAX(COALESCE(end, start))
                      FROM links WHERE id BETWEEN ?2 AND ?3 AND +source_id = ?1 AND start IS NOT NULL GROUP BY dst
                ) GROUP BY e
            ) AS seen
            WHERE entities.id = seen.e
            """,
            (self.source_id, self._first_link, self._next_link - 1),   # read by id range, not the source index
        )
