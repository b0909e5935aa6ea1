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

from linkgraph.case import audit, schema
from linkgraph.case.raw_rows import BlockError, read_rows, stores_blocks

DIGEST_PREFIX = "v3:"      # what imports record now (SourceDigest); "v2:" and unprefixed (legacy) still verify
V2_PREFIX = "v2:"
# The digested columns of links and entities, as schema.LINK_COLUMNS / ENTITY_COLUMNS declare them: their type codes
# ("itiiiifftifti") and names ("id, type, src, ..., row"). Every digest version hashes these names' SQL text or
# layout, so the declaration must keep them as they are (tests/case/test_digest_stability.py).
_LINK_KINDS, _LINK_NAMES = schema.digest_layout(schema.LINK_COLUMNS)
_ENTITY_KINDS, _ENTITY_NAMES = schema.digest_layout(schema.ENTITY_COLUMNS)
# What one import wrote, table by table: each row as one JSON array built by SQLite (json_array keeps every
# value's type: null, 12, 1.5, "text"), so nothing depends on Python's dict order or repr. Links are read by
# id range (one import's links are consecutive) rather than through the source index.
_DIGEST_QUERIES = (
    f"SELECT CAST(json_array({_LINK_NAMES}) AS BLOB) FROM links WHERE id BETWEEN ?2 AND ?3 AND +source_id = ?1 "
    "ORDER BY id",
    "SELECT CAST(json_array(row, raw) AS BLOB) FROM source_rows WHERE source_id = ?1 ORDER BY row",
    "SELECT CAST(json_array(link_id, row) AS BLOB) FROM link_evidence WHERE source_id = ?1 ORDER BY link_id, row",
    "SELECT CAST(json_array(row, column, reason, raw) AS BLOB) FROM rejected_rows WHERE source_id = ?1 "
    "ORDER BY row, rowid",
    "SELECT CAST(json_array(entity_id, row) AS BLOB) FROM entity_evidence WHERE source_id = ?1 ORDER BY entity_id",
    f"SELECT CAST(json_array({_ENTITY_NAMES}) AS BLOB) FROM entities WHERE source_id = ?1 ORDER BY id",
)
_DIGEST_BATCH = 65_536
# The same bytes for the two big tables, a batch of rows joined by SQLite into one value (no Python object per
# row): links by id range, raw rows by row number after the last batch's (a format-1 case opened read-only) or
# a block at a time (every row's line then a line break either way).
_DIGEST_BATCHES = {
    0: f"SELECT CAST(group_concat(line, char(10)) AS BLOB), MAX(id) FROM (SELECT json_array({_LINK_NAMES}) AS line, "
       "id FROM links WHERE id BETWEEN ?2 AND ?3 AND +source_id = ?1 ORDER BY id)",
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
    ("links", _LINK_KINDS, f"SELECT {_LINK_NAMES} FROM links WHERE id BETWEEN ?2 AND ?3 AND +source_id = ?1 "
     "ORDER BY id"),
    ("source_rows", "it", "SELECT row, raw FROM source_rows WHERE source_id = ?1 ORDER BY row"),
    ("link_evidence", "ii", "SELECT link_id, row FROM link_evidence WHERE source_id = ?1 ORDER BY link_id, row"),
    ("rejected_rows", "ittt", "SELECT row, column, reason, raw FROM rejected_rows WHERE source_id = ?1 "
     "ORDER BY row, rowid"),
    ("entity_evidence", "ii", "SELECT entity_id, row FROM entity_evidence WHERE source_id = ?1 ORDER BY entity_id"),
    ("entities", _ENTITY_KINDS, f"SELECT {_ENTITY_NAMES} FROM entities WHERE source_id = ?1 ORDER BY id"),
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
        f"SELECT {_LINK_NAMES} FROM links WHERE source_id = ? ORDER BY id",
        "SELECT row, raw FROM source_rows WHERE source_id = ? ORDER BY row",
        "SELECT link_id, row FROM link_evidence WHERE source_id = ? ORDER BY link_id, row",
        "SELECT row, column, reason, raw FROM rejected_rows WHERE source_id = ? ORDER BY row, rowid",
        "SELECT entity_id, row FROM entity_evidence WHERE source_id = ? ORDER BY entity_id",
        f"SELECT {_ENTITY_NAMES} FROM entities WHERE source_id = ? ORDER BY id",
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
    warnings: list[str] = field(default_factory=list)    # worth a look, not proof of tampering (an older copy)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": self.checks, "problems": self.problems, "warnings": self.warnings}


def verify_connection(conn: sqlite3.Connection, *, anchors: Sequence[str] = (),
                      trusted: Sequence[Any] = ()) -> VerifyReport:
    """Run every check on an open case database; `anchors` are audit hashes ("SEQ:HASH" or HASH) or signature
    tokens cited on an exhibit or package, which prove the case is the one cited; `trusted` are public keys
    (signing.PublicKey) accepted as signers beside this user's own and trusted ones."""
    report = VerifyReport()
    try:
        result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    except Exception as exc:     # noqa: BLE001 - any driver's error on a damaged file
        report.problems.append(f"SQLite cannot read the case ({exc})")
        return report
    if result == ["ok"]:
        report.checks.append("SQLite integrity check passed")
    else:
        report.problems.extend(f"SQLite integrity: {line}" for line in result[:20])
        return report
    if not _run(report, "schema", _check_schema, conn):
        return report                 # a case without the expected tables cannot be read further
    _run(report, "stored values", _check_values, conn)
    _run(report, "audit chain", _check_chain, conn)
    _run(report, "references", _check_references, conn)
    _run(report, "sources", _check_sources, conn)
    _run(report, "edits", _check_edits, conn)
    _run(report, "case state", _check_state, conn)
    _run(report, "notes and merges", _check_notes_and_merges, conn)
    _run(report, "signature", _check_signature, conn, trusted)
    _run(report, "ledger", _check_ledger, conn)
    for anchor in anchors:
        _run(report, "anchor", _check_anchor, conn, anchor, trusted)
    return report


def _run(report: VerifyReport, name: str, check: Any, *args: Any) -> bool:
    """Run one check; a hostile value that breaks the check itself is a problem, never a traceback."""
    before = len(report.problems)
    try:
        check(*args, report)
    except Exception as exc:     # noqa: BLE001 - whatever a hostile file holds, verify answers with one line
        report.problems.append(f"{name}: cannot be checked ({type(exc).__name__}: {str(exc)[:200]})")
    return len(report.problems) == before


def _check_chain(conn: sqlite3.Connection, report: VerifyReport) -> None:
    chain = audit.check_chain(conn)
    count = conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    if chain:
        report.problems.extend(f"audit entry {p.seq}: {p.problem}" for p in chain[:50])
    else:
        head = conn.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
        report.checks.append(f"audit chain of {count} entries intact (head {head[0] if head else '-'})")


def expected_schema(version: int | None = None) -> dict[tuple[str, str], str]:
    """(type, name) -> normalised definition of every table, index, view and trigger a case of this format has."""
    memory = sqlite3.connect(":memory:")
    try:
        schema.create(memory)
        found = _schema_of(memory)
    finally:
        memory.close()
    if version is not None and version < 2:       # a format-1 case read as it is (not migrated yet)
        for key in [k for k in found if k[1] in ("source_blocks", "source_rows", "source_rows_insert")]:
            del found[key]
        found[("table", "source_rows")] = "source_id INTEGER 1 None 1|row INTEGER 1 None 2|raw TEXT 1 None 0"
    return found


def _schema_of(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """Tables by their columns (name, type, not null, default, key), indexes by their columns, views and triggers
    by their SQL with white space collapsed: how two cases made by different versions' DDL text compare."""
    found: dict[tuple[str, str], str] = {}
    for kind, name, table, sql in conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%'"):
        if kind == "table":
            columns = conn.execute(f"PRAGMA table_info({_quote(name)})").fetchall()
            found[(kind, name)] = "|".join(f"{c[1]} {c[2]} {c[3]} {c[4]} {c[5]}" for c in columns)
        elif kind == "index":
            columns = conn.execute(f"PRAGMA index_info({_quote(name)})").fetchall()
            found[(kind, name)] = f"{table}(" + ",".join(str(c[2]) for c in columns) + ")"
        else:
            found[(kind, name)] = " ".join(str(sql).split())
    return found


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _check_schema(conn: sqlite3.Connection, report: VerifyReport) -> None:
    """The tables, indexes, views and triggers are exactly the expected ones: an added trigger could rewrite
    rows as they are read or written, an added view could stand in for a table."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    expected = expected_schema(version)
    found = _schema_of(conn)
    bad = 0
    for key in sorted(set(found) - set(expected)):
        report.problems.append(f"schema: {key[0]} '{key[1]}' is not part of a linkgraph case (added by hand)")
        bad += 1
    for key in sorted(set(expected) - set(found)):
        report.problems.append(f"schema: {key[0]} '{key[1]}' is missing")
        bad += 1
    for key in sorted(set(found) & set(expected)):
        if found[key] != expected[key]:
            report.problems.append(f"schema: {key[0]} '{key[1]}' differs from a linkgraph case's")
            bad += 1
    if not bad:
        report.checks.append(f"schema matches case format {version} ({len(found)} tables, indexes, views, triggers)")


def _check_references(conn: sqlite3.Connection, report: VerifyReport) -> None:
    """Every row points at rows that exist: a link with an unknown source, entity or place is refused."""
    bad = conn.execute("PRAGMA foreign_key_check").fetchmany(1000)
    summary: dict[tuple[str, str], list[int]] = {}
    for table, rowid, parent, _ in bad:
        summary.setdefault((table, parent), []).append(rowid)
    for (table, parent), rowids in sorted(summary.items()):
        shown = ", ".join(str(r) for r in rowids[:5]) + (" ..." if len(rowids) > 5 else "")
        report.problems.append(f"{len(rowids)}{'+' if len(bad) == 1000 else ''} {table} row(s) (rowid {shown}) "
                               f"point at {parent} that do not exist")
    if not bad:
        report.checks.append("every link, citation and entity points at sources and entities that exist")


def _check_values(conn: sqlite3.Connection, report: VerifyReport) -> None:
    """Each stored value has its column's type, JSON columns hold valid JSON of the right shape, and every
    number is finite and plausible (linkgraph.plausible): what `merge`, analyses and exports read cannot
    crash them."""
    from linkgraph.model import load_model
    from linkgraph.plausible import sql_outside

    model = load_model()
    types = ", ".join(repr(t) for t in model.entities)
    roles = ", ".join(repr(r) for r in model.person_roles)
    checks = [
        ("entities", f"typeof(type) != 'text' OR type NOT IN ({types})", "an unknown entity type"),
        ("entities", "key IS NOT NULL AND typeof(key) != 'text'", "a key that is not text"),
        ("entities", "typeof(label) != 'text'", "a label that is not text"),
        ("entities", "typeof(attrs) != 'text' OR NOT json_valid(attrs) OR json_type(attrs) != 'object'",
         "attributes that are not a JSON object"),
        ("entities", f"role IS NOT NULL AND (typeof(role) != 'text' OR role NOT IN ({roles}))", "an unknown role"),
        ("entities", "typeof(minor) != 'integer' OR minor NOT IN (0, 1)", "a minor flag other than 0 or 1"),
        ("entities", f"{sql_outside('first_seen')} OR {sql_outside('last_seen')}", "a first or last seen time "
         "outside years 1900-2200"),
        ("entities", "merged_into = id OR (merged_into IS NOT NULL AND typeof(merged_into) != 'integer')",
         "a merge into itself"),
        ("links", "typeof(type) != 'text'", "a link type that is not text"),
        ("links", "typeof(src) != 'integer' OR typeof(dst) != 'integer' OR typeof(row) != 'integer' "
         "OR typeof(source_id) != 'integer' OR (location IS NOT NULL AND typeof(location) != 'integer')",
         "an end, row, source or place that is not a whole number"),
        ("links", f"{sql_outside('start')} OR {sql_outside('end')}", "a time outside years 1900-2200"),
        ("links", sql_outside("duration"), "a duration that is not finite and plausible"),
        ("links", sql_outside("amount"), "an amount that is not finite and plausible"),
        ("links", f"weight IS NULL OR {sql_outside('weight')}", "a weight that is not finite"),
        ("links", "currency IS NOT NULL AND typeof(currency) != 'text'", "a currency that is not text"),
        ("links", "attrs IS NOT NULL AND (typeof(attrs) != 'text' OR NOT json_valid(attrs) "
         "OR json_type(attrs) != 'object')", "attributes that are not a JSON object"),
        ("sources", "typeof(name) != 'text' OR typeof(sha256) != 'text' OR length(sha256) != 64 "
         "OR typeof(kind) != 'text' OR typeof(size) != 'integer'", "a name, SHA-256, kind or size of the wrong type"),
        ("sources", "header IS NOT NULL AND (NOT json_valid(header) OR json_type(header) != 'array')",
         "a header that is not a JSON list"),
        ("sources", "options IS NOT NULL AND (NOT json_valid(options) OR json_type(options) != 'object')",
         "options that are not a JSON object"),
        ("sources", "agency IS NOT NULL AND typeof(agency) != 'text'", "an agency that is not text"),
        ("sources", "typeof(reliability) != 'text' OR typeof(information) != 'text' OR typeof(handling) != 'text'",
         "a grade that is not text"),
        ("rejected_rows", "raw IS NOT NULL AND (typeof(raw) != 'text' OR NOT json_valid(raw))",
         "raw values that are not JSON"),
        ("notes", "typeof(text) != 'text' OR (entity_id IS NOT NULL AND typeof(entity_id) != 'integer')",
         "a text that is not text"),
        ("merges", "typeof(survivor) != 'integer' OR typeof(merged) != 'integer'", "ends that are not entity ids"),
        ("analysis_runs", "typeof(params) != 'text' OR NOT json_valid(params) OR typeof(summary) != 'text' "
         "OR NOT json_valid(summary) OR typeof(digest) != 'text'", "parameters or a summary that are not JSON"),
        ("audit", "typeof(details) != 'text' OR NOT json_valid(details) OR json_type(details) != 'object' "
         "OR typeof(action) != 'text' OR typeof(at) != 'text' OR typeof(user) != 'text' "
         "OR typeof(prev_hash) != 'text' OR typeof(hash) != 'text'", "details that are not a JSON object"),
        ("meta", "typeof(value) != 'text' OR typeof(key) != 'text'", "a value that is not text"),
    ]
    if stores_blocks(conn):
        checks.append(("source_blocks", "typeof(raw) != 'text' OR NOT json_valid(raw) OR json_type(raw) != 'array' "
                       "OR typeof(first_row) != 'integer'", "raw rows that are not a JSON list"))
    bad = 0
    for table, condition, what in checks:
        ident = "source_id || ':' || first_row" if table == "source_blocks" else "rowid"
        rows = conn.execute(f"SELECT {ident} FROM {table} WHERE {condition} LIMIT 6").fetchall()
        if rows:
            shown = ", ".join(str(r[0]) for r in rows[:5]) + (" ..." if len(rows) > 5 else "")
            report.problems.append(f"{table} row(s) {shown}: {what}")
            bad += 1
    for run_id, summary, digest in conn.execute("SELECT id, summary, digest FROM analysis_runs"):
        if isinstance(summary, str) and hashlib.sha256(summary.encode("utf-8", "surrogatepass")).hexdigest() != digest:
            report.problems.append(f"analysis run {run_id}: its result differs from the digest recorded with it")
            bad += 1
    timezone = conn.execute("SELECT value FROM meta WHERE key = 'timezone'").fetchone()
    if timezone is not None:
        from linkgraph.times import zone

        try:
            zone(str(timezone[0]))
        except Exception:      # noqa: BLE001 - any error of the zone database
            report.problems.append(f"meta: the case's time zone '{str(timezone[0])[:60]}' is not a known zone")
            bad += 1
    if not bad:
        report.checks.append("every stored value has its column's type, valid JSON and a plausible range")


def _audit_details(conn: sqlite3.Connection, action: str | None = None) -> list[tuple[int, str, dict[str, Any]]]:
    sql = "SELECT seq, action, details FROM audit" + (" WHERE action = ?" if action else "") + " ORDER BY seq"
    found = []
    for seq, name, details in conn.execute(sql, (action,) if action else ()):
        entry = json.loads(details)
        found.append((seq, name, entry if isinstance(entry, dict) else {}))
    return found


def _check_state(conn: sqlite3.Connection, report: VerifyReport) -> None:
    """The case as it stands equals the case as its last audited write left it (the state digest that entry
    recorded): a renamed person, a changed role or minor flag, a deleted note, a rewritten analysis run, a merge
    made or undone by hand, a source's grade, agency or name, the case's time zone, an added trigger."""
    last = conn.execute("SELECT seq, details FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    if last is None:
        report.problems.append("the audit log is empty (a linkgraph case records its creation)")
        return
    seq, details = last
    recorded = json.loads(details)
    state = recorded.get("state") if isinstance(recorded, dict) else None
    if state is None:
        report.checks.append(f"case state not recorded: the last write (entry {seq}) was made by an older linkgraph; "
                             "entity labels, notes, merges and runs are checked against the audit log only "
                             "(the next write, or `linkgraph sign`, records it)")
        return
    version = audit.state_version(str(state))
    if version is None:
        report.problems.append(f"case state recorded by entry {seq} in a format this linkgraph does not know "
                               f"({str(state)[:12]}...): the case cannot be checked against it")
        return
    now, tables = audit.state_digests(conn, version)    # in the format that entry recorded (an older one too)
    if now == state:
        report.checks.append(f"case state (entities, sources, merges, notes, analysis runs, meta, schema) is as "
                             f"audited entry {seq} left it")
        return
    recorded_tables = recorded.get("state_tables") or {}
    changed = [name for name, value in tables.items() if recorded_tables.get(name) not in (None, value)]
    if now.startswith(f"{version}unreadable"):
        report.problems.append(f"case state cannot be read: {now[len(version):]}")
    else:
        report.problems.append(
            "changed outside linkgraph after audited entry "
            f"{seq}: {', '.join(changed) if changed else 'the case state'} (no audit entry records the change)")


def _check_notes_and_merges(conn: sqlite3.Connection, report: VerifyReport) -> None:
    """Notes and merges replayed from the audit log: each note's text as audited, each merge as last audited
    (also on cases that never recorded a state digest; a restated state does not hide an edited note)."""
    for _, _, entry in _audit_details(conn, "note"):
        row = conn.execute("SELECT text FROM notes WHERE id = ?", (entry.get("note"),)).fetchone()
        if row is None:
            report.problems.append(f"note {entry.get('note')} was written (audited) but is missing")
        elif "text" in entry and row[0] != entry["text"]:
            report.problems.append(f"note {entry.get('note')}: its text differs from the audited one")
    expected: dict[int, int | None] = {}
    for _, action, entry in _audit_details(conn):
        if action == "merge_entities":
            expected[int(entry["merged"])] = int(entry["survivor"])
        elif action == "unmerge":
            expected[int(entry["merged"])] = None
    for merged, survivor in expected.items():
        row = conn.execute("SELECT merged_into FROM entities WHERE id = ?", (merged,)).fetchone()
        if row is not None and row[0] != survivor:
            report.problems.append(f"entity {merged}: merged into {row[0]} but the audit log says {survivor}")


def _check_signature(conn: sqlite3.Connection, trusted: Sequence[Any], report: VerifyReport) -> None:
    """The signature kept in the case covers the last entry that names a signer, with that signer's key."""
    from linkgraph.case import signing

    signed = [(seq, entry.get("signer")) for seq, _, entry in _audit_details(conn) if entry.get("signer")]
    stored = conn.execute("SELECT value FROM meta WHERE key = 'audit_signature'").fetchone()
    if not signed and stored is None:
        report.checks.append("not signed (no examiner key was configured when it was written)")
        return
    if stored is None:
        report.problems.append(f"entry {signed[-1][0]} was signed by key {signed[-1][1]} but the case holds no "
                               "signature (removed)")
        return
    token = signing.parse_token(str(stored[0]))
    hashes = dict(conn.execute("SELECT seq, hash FROM audit"))
    if not token.valid():
        report.problems.append("the case's signature does not match its key (forged or altered)")
        return
    if hashes.get(token.seq) != token.head_hash:
        report.problems.append(f"the case's signature covers entry {token.seq} with another hash: the audit log "
                               "was rewritten after it was signed")
        return
    if signed and (signed[-1][0] != token.seq or signed[-1][1] != token.fingerprint):
        report.problems.append(f"entry {signed[-1][0]} was signed by key {signed[-1][1]}, but the case's signature "
                               f"is for entry {token.seq} by key {token.fingerprint}")
        return
    report.checks.append(f"audit head {token.seq} signed by key {token.fingerprint} "
                         f"({_key_standing(token.fingerprint, trusted)})")


def _key_standing(fp: str, trusted: Sequence[Any]) -> str:
    from linkgraph.case import signing

    if any(getattr(k, "fingerprint", None) == fp for k in trusted):
        return "a key you gave"
    known = signing.known_keys().get(fp)
    if known is None:
        return "a key you do not know: ask its examiner for it and compare fingerprints"
    key, how = known
    return {"own": f"your own key{', ' + key.name if key.name else ''}",
            "trusted": f"trusted key of {key.name or 'an examiner'}",
            "received": f"key of {key.name or 'an examiner'} received in a package, not checked in person"}[how]


def _check_ledger(conn: sqlite3.Connection, report: VerifyReport) -> None:
    """Heads this computer wrote to the case are still in its log (entries cut from the end show here)."""
    from linkgraph.case import signing

    case_id = conn.execute("SELECT value FROM meta WHERE key = 'case_id'").fetchone()
    if case_id is None:
        return
    heads = signing.ledger_heads(str(case_id[0]))
    if not heads:
        return
    hashes = dict(conn.execute("SELECT seq, hash FROM audit"))
    last = max(hashes) if hashes else 0
    missing = sorted(seq for seq in heads if seq > last)
    differs = sorted(seq for seq in heads if seq <= last and hashes.get(seq) != heads[seq])
    if differs:
        report.warnings.append(f"audit entry {differs[0]} differs from the one this computer wrote to this case: "
                               "its log was rewritten, or this is a copy written elsewhere since")
    if missing:
        report.warnings.append(f"this computer wrote audit entries up to {missing[-1]} to this case but its log ends "
                               f"at {last}: entries were cut from the end, or this is an older copy")
    if not differs and not missing:
        report.checks.append(f"the {len(heads)} audit heads this computer wrote to this case are all in its log")


def _check_anchor(conn: sqlite3.Connection, anchor: str, trusted: Sequence[Any], report: VerifyReport) -> None:
    """The case contains the cited audit head (an exhibit's or package's anchor); a signature must also verify
    with a key this user knows."""
    from linkgraph.case import signing

    anchor = anchor.strip()
    signature = None
    if anchor.startswith(signing.TOKEN_PREFIX + ":"):
        signature = signing.parse_token(anchor)
        seq, head = signature.seq, signature.head_hash
    else:
        seq_text, _, head = anchor.rpartition(":")
        head = head.lower()
        seq = int(seq_text) if seq_text.isdigit() else None
        if len(head) != 64 or any(ch not in "0123456789abcdef" for ch in head):
            report.problems.append(f"anchor '{anchor[:80]}': not an audit hash (64 hex digits) or a signature")
            return
    row = conn.execute("SELECT seq, at, user FROM audit WHERE hash = ?", (head,)).fetchone()
    if row is None or (seq is not None and row[0] != seq):
        report.problems.append(f"anchor {head[:16]}...: no entry of this case's audit log has that hash: this is not "
                               "the case cited (or its log was rewritten)")
        return
    since = conn.execute("SELECT COUNT(*) FROM audit WHERE seq > ?", (row[0],)).fetchone()[0]
    if signature is not None:
        if not signature.valid():
            report.problems.append("anchor: the signature does not match its key and head (forged or altered)")
            return
        standing = _key_standing(signature.fingerprint, trusted)
        if "do not know" in standing:
            report.problems.append(f"anchor: signed by key {signature.fingerprint}, which you do not know; give the "
                                   "examiner's public key (--key FILE) to check whose signature it is")
            return
        report.checks.append(f"anchor: entry {row[0]} ({row[1]}, {row[2]}) signed by key {signature.fingerprint} "
                             f"({standing}); {since} entries written since")
        return
    report.checks.append(f"anchor: the case holds the cited audit entry {row[0]} ({row[1]}, {row[2]}); "
                         f"{since} entries written since")


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
