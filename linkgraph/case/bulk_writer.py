"""The bulk writer: every row an import or a case merge adds goes through here, on one write queue.

Shaped like datasette's single write queue: one thread owns the connection while a write runs, writes run one
at a time in the order they were handed in, and whoever wants the connection back waits for the queue to
empty (`settle`). An import hands a batch of links or raw rows to the writer thread and prepares its next
batch while SQLite writes this one; the rows written are hashed for the data digest on a second thread
(SQLite and hashlib release the GIL, so the two cores share the work).

What lives here, and nowhere else:

- the write queue: the writer and hasher threads (`WriteQueue`);
- the data digest as rows are written, and its scheduling around the GIL (`StreamedDigest`, `WriteQueue`);
- first/last seen of the entities links name, gathered as links are written (`SeenSpans`);
- pragma tuning: foreign keys off for an import, a bigger page cache, the links indexes dropped and rebuilt
  (`foreign_keys_relaxed`, `BulkWriter.bulk_mode`);
- the INSERT statements of links, entities, raw rows, evidence and rejected rows, derived from the columns
  declared in `schema.py` (`BulkWriter`).

The importer-facing rules (which entity a key names, what a link cites, what is set aside) stay in
`importing.ImportSession`, which writes through one `BulkWriter`.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from linkgraph.case.integrity import V2_PREFIX, DigestEncodingError, SourceDigest, source_digest
from linkgraph.case.raw_rows import (
    FileLines,
    copy_rows,
    file_lines,
    overlapping_row,
    texts_array,
    write_blocks,
    write_file_lines,
)
from linkgraph.case.schema import ENTITY_COLUMNS, LINK_COLUMNS, LINK_FIELDS, TEXT_LINK_FIELDS, insert_statement
from linkgraph.errors import LinkgraphError

BULK_ROWS = 100_000          # bulk_mode drops the links indexes for imports at least this big
BULK_CACHE_KIB = 65_536      # SQLite page cache during bulk writes (the default 2 MiB thrashes on big imports)
SORT_CACHE_KIB = 4_096       # page cache while the links indexes are rebuilt (the sorter spills runs to sort in parallel)
INDEX_THREADS = min(4, os.cpu_count() or 1)   # SQLite sorter threads while bulk_mode builds the links indexes
DIGEST_LINES = 65_536        # raw lines cut from a file are hashed this many at a time
PYTHON_CHUNK = 4096          # link columns turned into Python values this many at a time, as written

LINK_INSERT = insert_statement("links", LINK_COLUMNS)
ROW = len(LINK_FIELDS) - 1   # the last of an importer's link fields (LinkFields): the file row it cites
SOURCE_COLUMNS = ("name", "path", "sha256", "size", "kind", "profile", "imported_at", "imported_by", "agency",
                  "reliability", "information", "handling", "rows_read", "rows_imported", "rows_rejected",
                  "header", "header_row", "options", "notes")
if LINK_FIELDS[ROW].name != "row":
    raise RuntimeError("the link fields must end with the row they cite")


# ---- the write queue -------------------------------------------------------------------------------------
class WriteQueue:
    """One writer thread and one hasher thread, each running its jobs one at a time, in order.

    Hashings of written links are held back while links are still being written: both need the GIL row by row
    or array by array, and run side by side each slows the other (writing a million links took 0.6 s longer).
    They are released when the links are done (the index rebuild that follows runs in SQLite without the GIL),
    or, with a hold limit (`bound`), once that many links wait, so memory does not grow with the file."""

    def __init__(self) -> None:
        self._writer: ThreadPoolExecutor | None = None
        self._hasher: ThreadPoolExecutor | None = None
        self._running: Future | None = None      # the write the writer thread runs
        self._hashing: Future | None = None      # the last hashing handed to the hasher thread
        self._held: list[Callable[[], object]] = []   # hashings held back while links are written
        self._held_rows = 0
        self.hold_limit: int | None = None       # release the held hashings past this many links

    def _threads(self) -> None:
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="linkgraph-import-writer")
        if self._hasher is None:
            self._hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="linkgraph-import-digest")

    def put(self, write: Callable[[], object], digest: Callable[[], object] | None = None) -> None:
        """Run `write` on the writer thread (after the one running) and `digest` on the hasher thread."""
        self.settle()
        self._threads()
        if digest is not None:
            self._hash(digest, wait=self.hold_limit is not None)
        self._running = self._writer.submit(write)

    def hold(self, digest: Callable[[], object], rows: int) -> None:
        """Hash `rows` written links later (see the class note); released at once past the hold limit."""
        self._held.append(digest)
        self._held_rows += rows
        if self.hold_limit is not None and self._held_rows > self.hold_limit:
            if self._hashing is not None:
                self._hashing.result()           # the hashings released last time are done: their columns freed
            self.release()

    @property
    def holding(self) -> bool:
        """Whether hashings are held back (a later hashing must queue behind them)."""
        return bool(self._held)

    def _hash(self, digest: Callable[[], object], wait: bool = False) -> None:
        if self._hashing is not None and (self._hashing.done() or wait):
            self._hashing.result()               # an error in hashing surfaces at the next write
        self._hashing = self._hasher.submit(digest)

    def release(self) -> None:
        """Hand the held-back hashings to the hasher thread, in order."""
        held, self._held = self._held, []
        self._held_rows = 0
        if held:
            self._threads()
        for digest in held:
            self._hash(digest)

    def settle(self, hashing: bool = False) -> None:
        """Wait for the write in progress (and with `hashing`, every hashing handed out, held ones too); an
        error in either is raised here."""
        running, self._running = self._running, None
        if running is not None:
            running.result()
        if hashing:
            self.release()
            pending, self._hashing = self._hashing, None
            if pending is not None:
                pending.result()

    def close(self) -> None:
        """Stop both threads once their jobs are done."""
        for worker in (self._writer, self._hasher):
            if worker is not None:
                worker.shutdown(wait=True)
        self._writer = self._hasher = None


# ---- the data digest, as rows are written ----------------------------------------------------------------
class StreamedDigest:
    """The audit's data digest of one source, fed its rows as they are written (links in id order, raw rows in
    row order); a table whose rows come out of order, or hold a value of another type, is read back at the end."""

    def __init__(self) -> None:
        self.digest = SourceDigest()
        self._streamed: dict[str, int | None] = {"links": None, "source_rows": None}   # table -> last id/row

    def add(self, table: str, columns: Sequence[Sequence[Any]], keys: Sequence[Any]) -> None:
        """Hash rows of `table` keyed (ordered) by `keys`."""
        if table not in self._streamed or not len(keys):
            return
        order = np.asarray(keys)
        last = self._streamed[table]
        if order.dtype.kind != "i" or (last is not None and order[0] <= last) or bool((np.diff(order) <= 0).any()):
            del self._streamed[table]
            return
        try:
            self.digest.add(table, columns)
        except DigestEncodingError:
            del self._streamed[table]
            return
        self._streamed[table] = int(order[-1])

    def hexdigest(self, conn: sqlite3.Connection, source_id: int) -> str:
        """The digest, reading back the tables not hashed as written (every table, as version 2, when a value
        is kept as another type than its column's: a fractional start)."""
        try:
            self.digest.read(conn, source_id, [t for t in SourceDigest.TABLES if t not in self._streamed])
            return self.digest.hexdigest()
        except DigestEncodingError:
            return source_digest(conn, source_id, version=V2_PREFIX)


# ---- first and last seen ---------------------------------------------------------------------------------
def _number(value: float) -> int | float:
    """A whole number as an int (how SQLite keeps it in an INTEGER column), else the float."""
    return int(value) if value.is_integer() else value


class SeenSpans:
    """Each entity's first start and last end (or start) over the links written, so first_seen/last_seen need
    not be read back from the links; values that are not plain numbers leave it to SQL (`spans` None)."""

    def __init__(self) -> None:
        self.spans: dict[int, list[float]] | None = {}

    def note(self, src: Sequence[Any], dst: Sequence[Any], start: Sequence[Any], end: Sequence[Any]) -> None:
        """Widen the spans by a batch of links being written."""
        if self.spans is None or not len(src):
            return
        try:
            begin = np.asarray(start, dtype=np.float64)
            finish = np.asarray(end, dtype=np.float64)
            ends = np.concatenate([np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)])
        except (TypeError, ValueError, OverflowError):
            self.spans = None
            return
        finish = np.where(np.isnan(finish), begin, finish)
        timed = np.tile(~np.isnan(begin), 2)
        if (np.abs(begin[~np.isnan(begin)]) >= 2 ** 53).any() or (np.abs(finish[~np.isnan(finish)]) >= 2 ** 53).any():
            self.spans = None            # too big to hold exactly as a float
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
            known = self.spans.get(entity)
            if known is None:
                self.spans[entity] = [lo, hi]
            else:
                known[0], known[1] = min(known[0], lo), max(known[1], hi)

    def write(self, conn: sqlite3.Connection, source_id: int, first_link: int, last_link: int) -> None:
        """Widen first_seen/last_seen of every entity the source's links (ids first_link..last_link) touch."""
        if self.spans is not None:
            conn.executemany(
                "UPDATE entities SET first_seen = MIN(COALESCE(first_seen, ?1), ?1), "
                "last_seen = MAX(COALESCE(last_seen, ?2), ?2) WHERE id = ?3",
                [(_number(lo), _number(hi), entity) for entity, (lo, hi) in self.spans.items()])
            return
        conn.execute(
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
            (source_id, first_link, last_link),   # read by id range, not the source index
        )


# ---- link columns as SQLite takes them -------------------------------------------------------------------
def constant_literal(column: Sequence[Any], text: bool) -> str | None:
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
            out = column.astype(object)
            out[np.isnan(column)] = None           # NaN: SQLite NULL
            return out.tolist()
        return column.tolist()
    return column


def _python_rows(columns: Sequence[Sequence[Any]], count: int) -> Iterator[tuple]:
    """Rows of Python values for executemany, made from the columns `PYTHON_CHUNK` rows at a time as SQLite
    takes them: the values of a chunk are freed before the next is made, so the same memory serves every
    chunk (a million rows' values made at once are hundreds of megabytes of fresh pages)."""
    for begin in range(0, count, PYTHON_CHUNK):
        end = min(begin + PYTHON_CHUNK, count)
        yield from zip(*[_python(column[begin:end]) for column in columns], strict=True)


def _distinct(column: Sequence[Any] | np.ndarray) -> Iterable[Any]:
    """The distinct values of a column (NumPy's unique for arrays: a million ids name a few thousand)."""
    if isinstance(column, np.ndarray) and column.dtype.kind in "iu":
        return np.unique(column).tolist()
    if isinstance(column, pa.Array | pa.ChunkedArray):
        return column.unique().drop_null().to_pylist()
    return column


# ---- pragmas ---------------------------------------------------------------------------------------------
@contextmanager
def foreign_keys_relaxed(conn: sqlite3.Connection) -> Iterator[None]:
    """Foreign keys off for the block (set before BEGIN: SQLite ignores it inside a transaction), for writes
    that name only ids they made or read from the case (an import proves it before COMMIT); restored after
    COMMIT or ROLLBACK. `synchronous` stays as it is: a case file is evidence, and one import's few extra
    fsyncs cost milliseconds."""
    saved = None
    if not conn.in_transaction:
        saved = int(conn.execute("PRAGMA foreign_keys").fetchone()[0])
        conn.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        if saved is not None:
            conn.execute(f"PRAGMA foreign_keys = {saved}")


# ---- the writer ------------------------------------------------------------------------------------------
class BulkWriter:
    """Writes rows into a case's tables inside the caller's transaction, big batches on the write queue.

    For an import (`source(..., tracked=True)`) the links and raw rows written are hashed for that source's data
    digest, and the entities links name and their first/last seen are gathered. A case merge (rows of many
    sources) only writes rows."""

    def __init__(self, conn: sqlite3.Connection, name: str = "") -> None:
        self._conn = conn
        self.name = name                          # the file named in errors
        self.queue = WriteQueue()
        self.source_id: int | None = None         # the source imported (see `source`), if any
        self.digest: StreamedDigest | None = None
        self.seen: SeenSpans | None = None
        self.entity_refs: set[Any] = set()        # entity ids the links written name (an import checks them)
        self.links_written = 0
        self._blocks: list[tuple[np.ndarray, np.ndarray]] = []   # first row and row count of each raw block

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection, once the write on the writer thread has finished (nothing else uses it meanwhile)."""
        self.queue.settle()
        return self._conn

    def close(self) -> None:
        """Stop the queue's threads (after COMMIT or ROLLBACK)."""
        self.queue.close()

    def defer_references(self) -> None:
        """Check foreign keys at COMMIT, not per row: links may name entities written after them."""
        self.conn.execute("PRAGMA defer_foreign_keys = ON")

    def _hash(self, table: str, columns: Sequence[Sequence[Any]], keys: Sequence[Any]) -> None:
        """Hash rows for the data digest now, after the hashings handed out before (in write order); behind the
        held-back links hashings when there are any."""
        if self.digest is None:
            return
        if self.queue.holding:
            self.queue.hold(lambda: self.digest.add(table, columns, keys), 0)
            return
        self.queue.settle(hashing=True)
        self.digest.add(table, columns, keys)

    # ---- sources, entities, evidence ---------------------------------------------------------------------
    def source(self, values: dict[str, Any], *, tracked: bool = False) -> int:
        """A new source row (`values` by column name, SOURCE_COLUMNS); returns its id. `tracked`: the source
        this writer imports, whose links and raw rows are hashed and whose entities' first/last seen widened."""
        names = [name for name in SOURCE_COLUMNS if name in values]
        cursor = self.conn.execute(
            f"INSERT INTO sources ({', '.join(names)}) VALUES ({','.join('?' * len(names))})",
            [values[name] for name in names])
        source_id = int(cursor.lastrowid)
        if tracked:
            self.source_id, self.digest, self.seen = source_id, StreamedDigest(), SeenSpans()
        return source_id

    def update_source(self, source_id: int, **values: Any) -> None:
        """Set columns of a source row (its counts, header and options once the import is read)."""
        self._update("sources", SOURCE_COLUMNS, source_id, values)

    def update_entity(self, entity_id: int, **values: Any) -> None:
        """Set columns of an entity (attributes filled in, first/last seen widened, merged_into)."""
        self._update("entities", [column.name for column in ENTITY_COLUMNS], entity_id, values)

    def _update(self, table: str, allowed: Sequence[str], row_id: int, values: dict[str, Any]) -> None:
        unknown = set(values) - set(allowed)
        if unknown:
            raise ValueError(f"{table} has no column {sorted(unknown)[0]}")
        names = list(values)
        self.conn.execute(f"UPDATE {table} SET {', '.join(f'{name} = ?' for name in names)} WHERE id = ?",
                          [*(values[name] for name in names), row_id])

    def entities(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """New entities, each a row of the named entity columns (ENTITY_COLUMNS)."""
        known = {column.name: column for column in ENTITY_COLUMNS}
        self.conn.executemany(insert_statement("entities", [known[name] for name in columns]), rows)

    def entity_evidence(self, rows: Iterable[tuple[int, int, int]]) -> None:
        """(entity, source, row): the first row of a source naming an entity (kept once per entity and source)."""
        self.conn.executemany("INSERT OR IGNORE INTO entity_evidence VALUES (?,?,?)", rows)

    def link_evidence(self, rows: Iterable[tuple[int, int, int]]) -> None:
        """(link, source, row): the same event seen again in another row or source."""
        self.conn.executemany("INSERT OR IGNORE INTO link_evidence VALUES (?,?,?)", rows)

    def rejected(self, rows: Iterable[tuple]) -> None:
        """(source, row, column, reason, raw JSON): rows turned away and values set aside."""
        self.conn.executemany("INSERT INTO rejected_rows VALUES (?,?,?,?,?)", rows)

    def merge_record(self, survivor: int, merged: int, reason: str, at: str, by: str) -> None:
        """A confirmed merge of two entities (the merged one's merged_into is set with update_entity)."""
        self.conn.execute("INSERT INTO merges (survivor, merged, reason, at, by) VALUES (?,?,?,?,?)",
                          (survivor, merged, reason, at, by))

    def note(self, entity_id: int | None, text: str, at: str, by: str) -> None:
        """An analyst's note (on an entity, or on the case when `entity_id` is None)."""
        self.conn.execute("INSERT INTO notes (entity_id, text, at, by) VALUES (?,?,?,?)", (entity_id, text, at, by))

    def copy_raw_rows(self, other: sqlite3.Connection, other_source: int, source_id: int) -> None:
        """Another case's raw rows of one source, kept here as `source_id` (blocks copied as they are)."""
        copy_rows(other, other_source, self.conn, source_id)

    # ---- links -------------------------------------------------------------------------------------------
    def link_rows(self, batch: list[tuple]) -> None:
        """Links as rows in table order (LINK_COLUMNS), written now."""
        if not batch:
            return
        columns = list(zip(*batch, strict=True))
        named = dict(zip((column.name for column in LINK_COLUMNS), columns, strict=True))
        if self.source_id is not None:
            for name in ("src", "dst", "location"):
                self.entity_refs.update(named[name])
            self._hash("links", [named[c.name] for c in LINK_COLUMNS if c.digest], named["id"])
            self.seen.note(named["src"], named["dst"], named["start"], named["end"])
        self.conn.executemany(LINK_INSERT, batch)
        self.links_written += len(batch)

    def link_columns(self, given: Sequence[Sequence[Any]], ids: range) -> None:
        """One source's links as parallel columns (the LinkFields: lists, NumPy or Arrow arrays) numbered `ids`,
        written on the writer thread while the caller prepares its next columns; hashed once links are done."""
        count = len(ids)
        named = dict(zip((column.name for column in LINK_FIELDS), given, strict=True))
        for name in ("src", "dst", "location"):
            self.entity_refs.update(_distinct(named[name]))
        self.seen.note(named["src"], named["dst"], named["start"], named["end"])
        fields = [constant_literal(column, number in TEXT_LINK_FIELDS) for number, column in enumerate(given[:ROW])]
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
                raise LinkgraphError(f"{self.name}: link ids out of step ({last}, expected {ids[-1]}); "
                                     "nothing was written")

        def digest() -> None:
            self.digest.add("links", [ids, *given[:ROW], given[ROW]], ids)   # NumPy/Arrow columns hashed as they are

        self.queue.put(write)
        self.queue.hold(digest, count)           # hashed once the links are written (see WriteQueue)
        self.links_written += count

    # ---- raw rows ----------------------------------------------------------------------------------------
    def raw_rows(self, rows: Sequence[int] | np.ndarray, texts: Sequence[str] | pa.Array, *,
                 line_breaks: bool = False) -> None:
        """Keep a source's raw rows (row numbers and texts) as blocks, on the writer thread; hashed on the hasher
        thread. `line_breaks`: the texts still end in their line break, cut off on the writer thread."""
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
                self.digest.add("source_rows", [numbers, kept], numbers)
                return
            for begin in range(0, len(numbers), DIGEST_LINES):        # the texts made a part at a time
                end = min(begin + DIGEST_LINES, len(numbers))
                self.digest.add("source_rows", [numbers[begin:end], kept.texts(begin, end)], numbers[begin:end])

        self.queue.put(write, digest)

    def check_raw_blocks(self) -> None:
        """No row kept twice (one block per SQLite row cannot refuse it, as one row per SQLite row's key did)."""
        self.queue.settle()
        if len(self._blocks) > 1:
            clash = overlapping_row(np.concatenate([firsts for firsts, _ in self._blocks]),
                                    np.concatenate([counts for _, counts in self._blocks]))
            if clash is not None:
                raise LinkgraphError(f"{self.name}: row {clash} was kept twice; nothing was written")

    # ---- pragmas for a big write -------------------------------------------------------------------------
    @contextmanager
    def bulk_mode(self, rows: int, before_rebuild: Callable[[], None]) -> Iterator[None]:
        """Faster writing of a big file: a larger page cache and, for `BULK_ROWS` rows or more, the links
        indexes dropped and built again at the end (all inside the transaction, so a failure rolls the drop
        back too). `before_rebuild` writes what is still pending; the held hashings run during the rebuild,
        which sorts with a small cache, spilling sorted runs that SQLite's worker threads sort side by side
        (measured: about three times faster than one sort in memory)."""
        conn = self.conn
        previous = conn.execute("PRAGMA cache_size").fetchone()[0]
        previous_temp = conn.execute("PRAGMA temp_store").fetchone()[0]
        previous_threads = conn.execute("PRAGMA threads").fetchone()[0]
        conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        indexes: list[tuple[str, str]] = []
        try:
            if rows >= BULK_ROWS:
                indexes = conn.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'links' "
                    "AND sql IS NOT NULL ORDER BY name").fetchall()
                for name, _ in indexes:
                    conn.execute(f'DROP INDEX "{name}"')
            yield
            before_rebuild()
            self.queue.settle()
            self.queue.release()                 # hashed while SQLite builds the indexes
            if indexes:
                conn.execute(f"PRAGMA cache_size = -{SORT_CACHE_KIB}")
                conn.execute("PRAGMA temp_store = FILE")
                conn.execute(f"PRAGMA threads = {INDEX_THREADS}")
            for _, sql in indexes:
                conn.execute(sql)
        finally:
            conn = self.conn
            conn.execute(f"PRAGMA cache_size = {int(previous)}")
            conn.execute(f"PRAGMA temp_store = {int(previous_temp)}")
            conn.execute(f"PRAGMA threads = {int(previous_threads)}")

    # ---- the end of an import ----------------------------------------------------------------------------
    def data_digest(self) -> str:
        """The source's data digest, once every write and hashing is done."""
        self.queue.settle(hashing=True)
        return self.digest.hexdigest(self._conn, self.source_id)


def attrs_json(attrs: dict[str, Any]) -> str:
    """Attributes as stored in an attrs column: JSON with sorted keys, non-ASCII kept."""
    return json.dumps(attrs, ensure_ascii=False, sort_keys=True, default=str)
