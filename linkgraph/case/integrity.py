"""Proving a case file is intact: SQLite integrity, the audit chain, and each source's rows."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from linkgraph.case import audit
from linkgraph.case.raw_rows import BlockError, read_rows, stores_blocks

DIGEST_PREFIX = "v3:"      # what imports record now (SourceDigest); "v2:" and unprefixed (legacy) still verify
V2_PREFIX = "v2:"
# What one import wrote, table by table: each row as one JSON array built by SQLite (json_array keeps every
# value's type: null, 12, 1.5, "text"), so nothing depends on Python's dict order or repr. Links are read by
# id range (one import's links are consecutive) rather than through the source index.
_DIGEST_QUERIES = (
    "SELECT CAST(json_array(id, type, src, dst, start, end, duration, amount, currency, location, weight, attrs, "
    "row) AS BLOB) FROM links WHERE id BETWEEN ?2 AND ?3 AND +source_id = ?1 ORDER BY id",
    "SELECT CAST(json_array(row, raw) AS BLOB) FROM source_rows WHERE source_id = ?1 ORDER BY row",
    "SELECT CAST(json_array(link_id, row) AS BLOB) FROM link_evidence WHERE source_id = ?1 ORDER BY link_id, row",
    "SELECT CAST(json_array(row, column, reason, raw) AS BLOB) FROM rejected_rows WHERE source_id = ?1 "
    "ORDER BY row, rowid",
    "SELECT CAST(json_array(entity_id, row) AS BLOB) FROM entity_evidence WHERE source_id = ?1 ORDER BY entity_id",
    "SELECT CAST(json_array(id, type, key) AS BLOB) FROM entities WHERE source_id = ?1 ORDER BY id",
)
_DIGEST_BATCH = 65_536
# The same bytes for the two big tables, a batch of rows joined by SQLite into one value (no Python object per
# row): links by id range, raw rows by row number after the last batch's (a format-1 case opened read-only) or
# a block at a time (every row's line then a line break either way).
_DIGEST_BATCHES = {
    0: "SELECT CAST(group_concat(line, char(10)) AS BLOB), MAX(id) FROM (SELECT json_array(id, type, src, dst, "
       "start, end, duration, amount, currency, location, weight, attrs, row) AS line, id FROM links "
       "WHERE id BETWEEN ?2 AND ?3 AND +source_id = ?1 ORDER BY id)",
    1: "SELECT CAST(group_concat(line, char(10)) AS BLOB), MAX(row) FROM (SELECT json_array(row, raw) AS line, row "
       "FROM source_rows WHERE source_id = ?1 AND row > ?2 ORDER BY row LIMIT ?3)",
}
_DIGEST_BLOCKS = (
    "SELECT (SELECT CAST(group_concat(json_array(b.first_row + j.key, j.value), char(10)) AS BLOB) "
    "FROM json_each(b.raw) AS j) FROM source_blocks AS b WHERE b.source_id = ?1 ORDER BY b.first_row")


# v3: the same rows, each table's columns hashed column by column from typed Arrow arrays (no text encoding
# per row), so an import hashes the very columns it writes and `verify` rebuilds them from the case file.
# Column types as declared in the schema: i integer, f real, t text. Raw rows are read from their blocks
# (raw_rows.read_rows); their query here is what a format-1 case's table would answer.
_V3_TABLES = (
    ("links", "itiiiifftifti", "SELECT id, type, src, dst, start, end, duration, amount, currency, location, "
     "weight, attrs, row FROM links WHERE id BETWEEN ?2 AND ?3 AND +source_id = ?1 ORDER BY id"),
    ("source_rows", "it", "SELECT row, raw FROM source_rows WHERE source_id = ?1 ORDER BY row"),
    ("link_evidence", "ii", "SELECT link_id, row FROM link_evidence WHERE source_id = ?1 ORDER BY link_id, row"),
    ("rejected_rows", "ittt", "SELECT row, column, reason, raw FROM rejected_rows WHERE source_id = ?1 "
     "ORDER BY row, rowid"),
    ("entity_evidence", "ii", "SELECT entity_id, row FROM entity_evidence WHERE source_id = ?1 ORDER BY entity_id"),
    ("entities", "itt", "SELECT id, type, key FROM entities WHERE source_id = ?1 ORDER BY id"),
)
_ARROW_TYPES = {"i": pa.int64(), "f": pa.float64(), "t": pa.string()}


def link_range(conn: sqlite3.Connection, source_id: int) -> tuple[int | None, int | None]:
    """The first and last link id of a source: two index seeks (MIN and MAX in one query scan the index)."""
    return conn.execute("SELECT (SELECT MIN(id) FROM links WHERE source_id = ?1), "
                        "(SELECT MAX(id) FROM links WHERE source_id = ?1)", (source_id,)).fetchone()


class DigestEncodingError(ValueError):
    """A value that does not fit its column's declared type (so the row-by-row v2 digest is used instead)."""


def _typed(kind: str, column: Sequence[Any]) -> pa.Array:
    """A column as an Arrow array of its declared type; NaN is NULL (as SQLite stores it), whole numbers may
    fill a real column, anything else of another type (1.5 in an integer column) is refused, never rounded."""
    if isinstance(column, range):                 # ids: numbered in NumPy, not one Python int at a time
        column = np.arange(column.start, column.stop, column.step, dtype=np.int64)
    try:
        array = column if isinstance(column, pa.Array | pa.ChunkedArray) else pa.array(column, from_pandas=True)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if pa.types.is_floating(array.type) and pc.any(pc.is_nan(array)).as_py():
            array = pc.if_else(pc.is_nan(array), pa.scalar(None, array.type), array)   # an Arrow NaN, as SQLite
        if array.null_count == len(array):
            return pa.nulls(len(array), _ARROW_TYPES[kind])
        given = array.type
        if ((kind == "i" and pa.types.is_integer(given))
                or (kind == "f" and (pa.types.is_integer(given) or pa.types.is_floating(given)))
                or (kind == "t" and (pa.types.is_string(given) or pa.types.is_large_string(given)))):
            return array.cast(_ARROW_TYPES[kind])
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError) as exc:
        raise DigestEncodingError(str(exc)) from exc
    raise DigestEncodingError(f"{given} values in a column of type {_ARROW_TYPES[kind]}")


def _zeros(count: int) -> memoryview:
    """`count` int64 zeros as bytes (the shape of a column without nulls), from one buffer kept for reuse."""
    global _ZERO_BUFFER
    if len(_ZERO_BUFFER) < count * 8:
        _ZERO_BUFFER = bytes(count * 8)
    return memoryview(_ZERO_BUFFER)[:count * 8]


_ZERO_BUFFER = b""


class _ColumnHashes:
    """One table's columns, each as two running hashes: its shape (text byte lengths, -1 for null; for numbers
    0 or -1) and its data (text bytes; numbers as int64/float64 with null as 0). Feeding rows in batches of
    any size gives the same hashes as feeding them at once."""

    def __init__(self, kinds: str) -> None:
        self.kinds = kinds
        self.hashes = [(hashlib.sha256(), hashlib.sha256()) for _ in kinds]

    def add(self, columns: Sequence[Sequence[Any]]) -> None:
        arrays = [_typed(kind, column) for kind, column in zip(self.kinds, columns, strict=True)]
        for kind, array, (shape, data) in zip(self.kinds, arrays, self.hashes, strict=True):
            if kind == "t":
                lengths = pc.fill_null(pc.binary_length(array), -1).to_numpy(zero_copy_only=False)
                shape.update(lengths.astype("<i8").tobytes())
                buffers = array.buffers()
                if buffers[2] is not None and len(array):
                    offsets = np.frombuffer(buffers[1], dtype="<i4")[array.offset:array.offset + len(array) + 1]
                    data.update(memoryview(buffers[2])[int(offsets[0]):int(offsets[-1])])
                continue
            if array.null_count:
                valid = array.is_valid().to_numpy(zero_copy_only=False)
                shape.update(np.where(valid, 0, -1).astype("<i8"))
                array = pc.fill_null(array, 0)
            else:
                shape.update(_zeros(len(array)))
            values = array.to_numpy(zero_copy_only=False)
            if kind == "f":
                values = values + 0.0          # -0.0 as 0.0: SQLite may keep an integral real as an integer
            data.update(np.ascontiguousarray(values, dtype="<i8" if kind == "i" else "<f8"))


class SourceDigest:
    """The v3 data digest of one source, built from column batches: an import feeds the links and raw rows
    it writes (in id and row order) and reads the rest back; `verify` reads everything back."""

    TABLES = tuple(name for name, _, _ in _V3_TABLES)

    def __init__(self) -> None:
        self.tables = {name: _ColumnHashes(kinds) for name, kinds, _ in _V3_TABLES}

    def add(self, table: str, columns: Sequence[Sequence[Any]]) -> None:
        """One batch of rows of `table` as columns in _V3_TABLES order (raises DigestEncodingError)."""
        self.tables[table].add(columns)

    def read(self, conn: sqlite3.Connection, source_id: int, tables: Sequence[str]) -> None:
        """Feed these tables' rows of the source from the case file, `_DIGEST_BATCH` rows at a time."""
        lo, hi = link_range(conn, source_id) if "links" in tables else (None, None)
        for name, kinds, sql in _V3_TABLES:
            if name not in tables:
                continue
            self.tables[name] = _ColumnHashes(kinds)      # anything fed before is dropped
            if name == "source_rows":
                try:
                    for rows, texts in read_rows(conn, source_id, _DIGEST_BATCH):
                        self.add(name, [rows, texts])
                except BlockError as exc:
                    raise DigestEncodingError(str(exc)) from exc
                continue
            cursor = conn.execute(sql, (source_id, lo or 0, hi or -1) if "?2" in sql else (source_id,))
            while batch := cursor.fetchmany(_DIGEST_BATCH):
                self.add(name, list(zip(*batch, strict=True)))

    def hexdigest(self) -> str:
        total = hashlib.sha256()
        for name, kinds, _ in _V3_TABLES:
            total.update(f"{name}:{kinds}\n".encode())
            for shape, data in self.tables[name].hashes:
                total.update(shape.digest() + data.digest())
        return DIGEST_PREFIX + total.hexdigest()


def source_digest(conn: sqlite3.Connection, source_id: int, *, legacy: bool = False,
                  version: str = DIGEST_PREFIX) -> str:
    """SHA-256 over everything one import wrote (links, raw rows, citations, rejections, entities it made).

    Recorded in the import's audit entry; `verify` recomputes it, so a row edited or
    removed afterwards is caught even though the audit chain itself is intact. `version`
    "v3:" (SourceDigest, column-wise) or "v2:" (SQLite encodes each row as JSON); `legacy`
    recomputes the digest of case files written before "v2:" digests (repr of each row).
    """
    if legacy:
        return _legacy_digest(conn, source_id)
    if version == DIGEST_PREFIX:
        digest = SourceDigest()
        try:
            digest.read(conn, source_id, SourceDigest.TABLES)
        except DigestEncodingError as exc:     # a value of another type put in by hand
            return f"{DIGEST_PREFIX}unreadable ({exc})"
        return digest.hexdigest()
    lo, hi = link_range(conn, source_id)
    digest = hashlib.sha256()
    try:
        for number, sql in enumerate(_DIGEST_QUERIES):
            digest.update(sql.encode() + b"\n")
            if number in _DIGEST_BATCHES:
                _digest_batches(conn, digest, number, source_id, lo, hi)
                continue
            cursor = conn.execute(sql, (source_id, lo or 0, hi or -1) if "?2" in sql else (source_id,))
            while batch := cursor.fetchmany(_DIGEST_BATCH):
                digest.update(b"\n".join([row[0] for row in batch]))
                digest.update(b"\n")
    except sqlite3.OperationalError as exc:     # a value JSON cannot hold (a blob put in by hand)
        return f"{V2_PREFIX}unreadable ({exc})"
    return V2_PREFIX + digest.hexdigest()


def _digest_batches(conn: sqlite3.Connection, digest: Any, number: int, source_id: int, lo: int | None,
                    hi: int | None) -> None:
    """Hash the rows of _DIGEST_QUERIES[number] as that query's loop would (each row then a line break),
    `_DIGEST_BATCH` rows per SQLite call."""
    sql = _DIGEST_BATCHES[number]
    if number == 0:
        if lo is None:
            return
        for first in range(lo, hi + 1, _DIGEST_BATCH):
            joined = conn.execute(sql, (source_id, first, min(first + _DIGEST_BATCH - 1, hi))).fetchone()[0]
            if joined is not None:
                digest.update(joined + b"\n")
        return
    if stores_blocks(conn):
        for (joined,) in conn.execute(_DIGEST_BLOCKS, (source_id,)):
            if joined is not None:
                digest.update(joined + b"\n")
        return
    after = -(1 << 62)
    while True:
        joined, last = conn.execute(sql, (source_id, after, _DIGEST_BATCH)).fetchone()
        if joined is None:
            return
        digest.update(joined + b"\n")
        after = last


def _legacy_digest(conn: sqlite3.Connection, source_id: int) -> str:
    """The first digest (repr of each row), kept so case files imported before v2 still verify."""
    digest = hashlib.sha256()
    queries = (
        "SELECT id, type, src, dst, start, end, duration, amount, currency, location, weight, attrs, row "
        "FROM links WHERE source_id = ? ORDER BY id",
        "SELECT row, raw FROM source_rows WHERE source_id = ? ORDER BY row",
        "SELECT link_id, row FROM link_evidence WHERE source_id = ? ORDER BY link_id, row",
        "SELECT row, column, reason, raw FROM rejected_rows WHERE source_id = ? ORDER BY row, rowid",
        "SELECT entity_id, row FROM entity_evidence WHERE source_id = ? ORDER BY entity_id",
        "SELECT id, type, key FROM entities WHERE source_id = ? ORDER BY id",
    )
    for sql in queries:
        digest.update(sql.encode())
        if "source_rows" in sql:
            try:
                for numbers, texts in read_rows(conn, source_id):
                    for row in zip(numbers, texts, strict=True):
                        digest.update(repr(row).encode("utf-8"))
                        digest.update(b"\n")
            except BlockError as exc:
                return f"unreadable ({exc})"
            continue
        for row in conn.execute(sql, (source_id,)):
            digest.update(repr(row).encode("utf-8"))
            digest.update(b"\n")
    return digest.hexdigest()


@dataclass
class VerifyReport:
    """What `linkgraph verify` found; `ok` only when every check passed."""

    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": self.checks, "problems": self.problems}


def verify_connection(conn: sqlite3.Connection) -> VerifyReport:
    """Run every check on an open case database."""
    report = VerifyReport()
    result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    if result == ["ok"]:
        report.checks.append("SQLite integrity check passed")
    else:
        report.problems.extend(f"SQLite integrity: {line}" for line in result[:20])
        return report
    chain = audit.check_chain(conn)
    count = conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    if chain:
        report.problems.extend(f"audit entry {p.seq}: {p.problem}" for p in chain)
    else:
        head = conn.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
        report.checks.append(f"audit chain of {count} entries intact (head {head[0] if head else '-'})")
    _check_sources(conn, report)
    _check_edits(conn, report)
    return report


def _check_sources(conn: sqlite3.Connection, report: VerifyReport) -> None:
    recorded: dict[int, dict[str, Any]] = {}
    for (details,) in conn.execute("SELECT details FROM audit WHERE action = 'import' ORDER BY seq"):
        entry = json.loads(details)
        recorded[int(entry["source"])] = entry
    sources = conn.execute("SELECT id, name, sha256 FROM sources ORDER BY id").fetchall()
    bad = 0
    for source_id, name, sha in sources:
        entry = recorded.get(source_id)
        if entry is None:
            report.problems.append(f"source {source_id} '{name}' has no import entry in the audit log")
            bad += 1
            continue
        if entry.get("sha256") != sha:
            report.problems.append(f"source {source_id} '{name}': file SHA-256 differs from the one audited")
            bad += 1
        recorded_digest = entry.get("data_digest")
        version = str(recorded_digest)[:3]
        if recorded_digest is not None and recorded_digest != source_digest(
                conn, source_id, legacy=version not in (DIGEST_PREFIX, V2_PREFIX), version=version):
            report.problems.append(
                f"source {source_id} '{name}': its rows (links, raw values or evidence) were changed after import"
            )
            bad += 1
    for source_id in sorted(set(recorded) - {s[0] for s in sources}):
        report.problems.append(f"source {source_id} '{recorded[source_id]['file']}' was imported but is missing")
        bad += 1
    if not bad:
        report.checks.append(f"{len(sources)} sources match their audited SHA-256 and row digests")


def _check_edits(conn: sqlite3.Connection, report: VerifyReport) -> None:
    """Each person's role and minor flag must equal the last audited value (or the imported one)."""
    latest: dict[int, dict[str, Any]] = {}
    for (details,) in conn.execute("SELECT details FROM audit WHERE action = 'edit_entity' ORDER BY seq"):
        entry = json.loads(details)
        latest.setdefault(int(entry["entity"]), {}).update(entry["new"])
    bad = 0
    for entity_id, values in latest.items():
        row = conn.execute("SELECT role, minor, label FROM entities WHERE id = ?", (entity_id,)).fetchone()
        if row is None:
            report.problems.append(f"entity {entity_id} was edited (audited) but is missing")
            bad += 1
            continue
        current = {"role": row[0], "minor": row[1], "label": row[2]}
        for column, value in values.items():
            if current.get(column) != value:
                report.problems.append(
                    f"entity {entity_id}: {column} is '{current.get(column)}' but the audit log last set '{value}'"
                )
                bad += 1
    if not bad:
        report.checks.append(f"{len(latest)} edited entities match the audit log")
