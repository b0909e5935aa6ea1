"""The case file's SQLite schema, its version, and the migrations between versions."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import NamedTuple

from linkgraph.case.raw_rows import BLOCK_ROWS, write_blocks

SCHEMA_VERSION = 2
APPLICATION_ID = 0x4C47_4341  # "LGCA": marks a SQLite file as a linkgraph case


class Column(NamedTuple):
    """One column of a table, declared once: the CREATE TABLE text, the INSERT statements, the data digest's
    layout and the importers' LinkFields are all derived from these records."""

    name: str
    sql: str                 # its SQL type and constraints, as the CREATE TABLE writes them
    digest: str = ""         # its type in the source digests (i integer, f real, t text); "" = not digested
    comment: str = ""        # the note the CREATE TABLE text carries beside it

    @property
    def text(self) -> bool:
        """A text column (its values are quoted as SQL literals), not a number."""
        return self.sql.split()[0] == "TEXT"


# The digests cover the columns with a digest code, in this order: changing one of those (its place, type or
# code) would break every digest ever recorded, so it needs a new digest version that keeps the old layouts for
# the old ones (docs/decisions/0002-digests.md). A new column with no digest code leaves them as they are. The text of the CREATE TABLE (comments and spacing too) is in
# every case's sqlite_master, which the state digest hashes: it must come out byte for byte as before.
ENTITY_COLUMNS = (
    Column("id", "INTEGER PRIMARY KEY", "i"),
    Column("type", "TEXT NOT NULL", "t"),
    Column("key", "TEXT", "t", "canonical key (E.164, email, IMEI...), NULL for persons"),
    Column("label", "TEXT NOT NULL"),
    Column("attrs", "TEXT NOT NULL DEFAULT '{}'"),
    Column("role", "TEXT", comment="persons: suspect, victim, witness, associate, unknown"),
    Column("minor", "INTEGER NOT NULL DEFAULT 0"),
    Column("first_seen", "INTEGER"),
    Column("last_seen", "INTEGER"),
    Column("merged_into", "INTEGER REFERENCES entities(id)", comment="set by a merge, cleared by unmerge"),
    Column("source_id", "INTEGER REFERENCES sources(id)", comment="the source that first produced it"),
)
LINK_COLUMNS = (
    Column("id", "INTEGER PRIMARY KEY", "i"),
    Column("type", "TEXT NOT NULL", "t"),
    Column("src", "INTEGER NOT NULL REFERENCES entities(id)", "i"),
    Column("dst", "INTEGER NOT NULL REFERENCES entities(id)", "i"),
    Column("start", "INTEGER", "i"),
    Column("end", "INTEGER", "i"),
    Column("duration", "REAL", "f", "seconds"),
    Column("amount", "REAL", "f"),
    Column("currency", "TEXT", "t"),
    Column("location", "INTEGER REFERENCES entities(id)", "i"),
    Column("weight", "REAL NOT NULL DEFAULT 1", "f"),
    Column("attrs", "TEXT", "t", "JSON or NULL"),
    Column("source_id", "INTEGER NOT NULL REFERENCES sources(id)"),   # the digests select by it
    Column("row", "INTEGER NOT NULL", "i"),
)
# What an importer gives for one link: every column but the two the session fills (id, source_id).
LINK_FIELDS = tuple(column for column in LINK_COLUMNS if column.name not in ("id", "source_id"))


class LinkFields(NamedTuple):
    """One link as an importer hands it to the session (ImportSession.links_bulk; the columns of links_columns
    in this order): the links table's columns but id and source_id, which the session fills in."""

    type: str
    src: int
    dst: int
    start: int | None
    end: int | None
    duration: float | None
    amount: float | None
    currency: str | None
    location: int | None
    weight: float
    attrs: str | None        # JSON text
    row: int


if LinkFields._fields != tuple(column.name for column in LINK_FIELDS):
    raise RuntimeError("LinkFields and LINK_COLUMNS name different columns")
TEXT_LINK_FIELDS = frozenset(number for number, column in enumerate(LINK_FIELDS) if column.text)


def digest_layout(columns: Sequence[Column]) -> tuple[str, str]:
    """The digested columns' type codes ("itt") and names ("id, type, key"), in table order."""
    chosen = [column for column in columns if column.digest]
    return "".join(column.digest for column in chosen), ", ".join(column.name for column in chosen)


def insert_statement(table: str, columns: Sequence[Column], values: Sequence[str] | None = None) -> str:
    """INSERT INTO `table` naming `columns`, with `values` (SQL text per column; "?" for each by default)."""
    given = values if values is not None else ["?"] * len(columns)
    return (f"INSERT INTO {table} ({', '.join(column.name for column in columns)}) "
            f"VALUES ({','.join(given)})")


def _create_table(name: str, columns: Sequence[Column], width: int, constraints: Sequence[str] = ()) -> str:
    """A CREATE TABLE statement: names padded to `width`, each comment at the first stop (42, then 50) at
    least two spaces after its column's text."""
    lines = [f"    {column.name.ljust(width)} {column.sql}" for column in columns] + [f"    {c}" for c in constraints]
    for number, line in enumerate(lines):
        if number < len(lines) - 1:
            line += ","
        comment = columns[number].comment if number < len(columns) else ""
        if comment:
            line = line.ljust(next(stop for stop in (42, 50, len(line) + 2) if stop >= len(line) + 2)) + "-- " + comment
        lines[number] = line
    return f"CREATE TABLE {name} (\n" + "\n".join(lines) + "\n);\n"


SCHEMA = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE sources (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,          -- file name as imported
    path          TEXT,                   -- where it was imported from
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    kind          TEXT NOT NULL,          -- phone, ads, hotel, finance, roster, links, case
    profile       TEXT,                   -- import profile used
    imported_at   TEXT NOT NULL,          -- ISO 8601 UTC
    imported_by   TEXT NOT NULL,          -- OS user
    agency        TEXT,
    reliability   TEXT NOT NULL DEFAULT 'B', -- 5x5x5 source evaluation A-E
    information   TEXT NOT NULL DEFAULT '2', -- 5x5x5 intelligence assessment 1-5
    handling      TEXT NOT NULL DEFAULT '1', -- 5x5x5 handling code 1-5
    rows_read     INTEGER NOT NULL DEFAULT 0,
    rows_imported INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    header        TEXT,                   -- JSON list: the header row's cells
    header_row    INTEGER,
    options       TEXT,                   -- JSON: mapping, tz, region, date format, sheet, encoding
    notes         TEXT
);
CREATE INDEX sources_sha256 ON sources(sha256);
CREATE TABLE source_blocks (
    source_id INTEGER NOT NULL REFERENCES sources(id),
    first_row INTEGER NOT NULL,           -- row number (as a person sees it in the file) of the block's first row
    raw       TEXT NOT NULL,              -- JSON array of consecutive rows' raw texts: row first_row + i is element i
    PRIMARY KEY (source_id, first_row)
) WITHOUT ROWID;
CREATE TABLE rejected_rows (
    source_id INTEGER NOT NULL REFERENCES sources(id),
    row       INTEGER NOT NULL,
    column    TEXT,
    reason    TEXT NOT NULL,
    raw       TEXT
);
{entities}CREATE INDEX entities_label ON entities(label);
CREATE TABLE entity_evidence (
    entity_id INTEGER NOT NULL REFERENCES entities(id),
    source_id INTEGER NOT NULL REFERENCES sources(id),
    row       INTEGER NOT NULL,           -- first row of that source naming the entity
    PRIMARY KEY (entity_id, source_id)
) WITHOUT ROWID;
{links}CREATE INDEX links_src ON links(src);
CREATE INDEX links_dst ON links(dst);
CREATE INDEX links_source ON links(source_id);
CREATE TABLE link_evidence (
    link_id   INTEGER NOT NULL REFERENCES links(id),
    source_id INTEGER NOT NULL REFERENCES sources(id),
    row       INTEGER NOT NULL,           -- the same event seen again in another source
    PRIMARY KEY (link_id, source_id, row)
) WITHOUT ROWID;
CREATE TABLE merges (
    id         INTEGER PRIMARY KEY,
    survivor   INTEGER NOT NULL REFERENCES entities(id),
    merged     INTEGER NOT NULL REFERENCES entities(id),
    reason     TEXT,
    at         TEXT NOT NULL,
    by         TEXT NOT NULL,
    undone_at  TEXT,
    undone_by  TEXT
);
CREATE TABLE notes (
    id        INTEGER PRIMARY KEY,
    entity_id INTEGER REFERENCES entities(id),
    text      TEXT NOT NULL,
    at        TEXT NOT NULL,
    by        TEXT NOT NULL
);
CREATE TABLE analysis_runs (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    by      TEXT NOT NULL,
    params  TEXT NOT NULL,                -- JSON
    summary TEXT NOT NULL,                -- JSON: the result as analyze --json prints it
    digest  TEXT NOT NULL                 -- SHA-256 of summary
);
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    user      TEXT NOT NULL,
    action    TEXT NOT NULL,
    details   TEXT NOT NULL,              -- JSON
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
""".replace("{entities}", _create_table("entities", ENTITY_COLUMNS, 11, ["UNIQUE (type, key)"])).replace(
    "{links}", _create_table("links", LINK_COLUMNS, 9))

# Raw rows one by one, as version 1 stored them: for the sqlite3 shell and SQL readers (linkgraph reads the
# blocks: a row lookup through the view parses every block of its source). Inserting a row through the view
# keeps it as a block of one; a row some block holds already is refused, as the version-1 primary key did.
SOURCE_ROWS_VIEW = """
CREATE VIEW source_rows (source_id, row, raw) AS
    SELECT b.source_id, b.first_row + j.key, j.value FROM source_blocks AS b, json_each(b.raw) AS j;
CREATE TRIGGER source_rows_insert INSTEAD OF INSERT ON source_rows BEGIN
    SELECT RAISE(ABORT, 'NOT NULL constraint failed: source_rows.raw') WHERE NEW.raw IS NULL;
    SELECT RAISE(ABORT, 'UNIQUE constraint failed: source_rows.source_id, source_rows.row')
     WHERE (SELECT first_row + json_array_length(raw) FROM source_blocks
             WHERE source_id = NEW.source_id AND first_row <= NEW.row ORDER BY first_row DESC LIMIT 1) > NEW.row;
    INSERT INTO source_blocks VALUES (NEW.source_id, NEW.row, json_array(NEW.raw || ''));   -- text, as version 1's column kept it
END;
"""


def _statements(script: str) -> list[str]:
    """A script's SQL statements, one each (a trigger's body stays whole)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement: {pending.strip()[:60]}")
    return statements


def _raw_row_blocks(conn: sqlite3.Connection) -> None:
    """Version 2: each source's raw rows move from one SQLite row each (source_rows) into blocks."""
    conn.execute(next(s for s in _statements(SCHEMA) if s.startswith("CREATE TABLE source_blocks")))
    for (source_id,) in conn.execute("SELECT DISTINCT source_id FROM source_rows ORDER BY 1").fetchall():
        cursor = conn.execute("SELECT row, raw FROM source_rows WHERE source_id = ? ORDER BY row", (source_id,))
        while batch := cursor.fetchmany(BLOCK_ROWS * 16):
            rows, texts = zip(*batch, strict=True)
            write_blocks(conn, source_id, rows, texts)      # a batch's end may end a block early: harmless
    conn.execute("DROP TABLE source_rows")
    for statement in _statements(SOURCE_ROWS_VIEW):
        conn.execute(statement)


# version -> function taking a connection at (version - 1) to version.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {2: _raw_row_blocks}


def create(conn: sqlite3.Connection) -> None:
    """Write the current schema into an empty database."""
    for statement in _statements(SCHEMA + SOURCE_ROWS_VIEW):
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def migrate(conn: sqlite3.Connection, found: int) -> list[int]:
    """Bring a case file from version `found` up to SCHEMA_VERSION; returns the steps applied."""
    applied = []
    for version in range(found + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[version](conn)
        conn.execute(f"PRAGMA user_version = {version}")
        applied.append(version)
    return applied
