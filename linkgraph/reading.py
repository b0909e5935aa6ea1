"""What the graph reads of a case (the filter, the links query) and the fast way to read it: the ADBC SQLite
driver into Arrow columns, in a thread, beside other work.

This module imports neither pandas nor networkx, so `linkgraph analyze` starts reading the case
(`start_reading`) while those libraries load. Every fast read here has a plain reference in graph.py,
through the case's own connection, that gives the same values (tests/test_graph_reader.py holds them
equal); a fast read steps aside (None) wherever it cannot read what that connection would, and the plain
read is done instead. LINKGRAPH_ARROW_READ=0 turns the fast reads off.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from linkgraph.case import CaseFile

VIEWS = ("entities", "persons", "ad_phones")
NULL = -1.5e308     # stands for NULL while the plain read reads links (no stored value comes near it)
LINK_COLUMNS = ["id", "type", "src", "dst", "start", "end", "duration", "amount", "weight", "source_id", "row",
                "location"]
WHOLE_LINK_COLUMNS = ("id", "src", "dst", "source_id", "row")    # ids and row numbers: never NULL, int64 once read
CHART_COLUMNS = ("id", "type", "src", "dst", "start", "end", "weight", "source_id", "row")  # what graph_links reads
ENTITY_WHOLE = ("minor", "first_seen", "last_seen", "merged_into")  # integers (or NULL) of the entities
ENTITY_ORDER = ("type", "key", "label", "role", "minor", "first_seen", "last_seen", "merged_into", "kind")

ARROW_READ = os.environ.get("LINKGRAPH_ARROW_READ", "1") != "0"   # "0": every read through case.conn (tests)


@dataclass
class GraphFilter:
    """What to leave in: a time window, types, a minimum weight, and entities left out by hand."""

    start: int | None = None                   # UTC epoch seconds, inclusive
    end: int | None = None                     # UTC epoch seconds, inclusive
    entity_types: set[str] | None = None       # None = all
    link_types: set[str] | None = None         # None = all
    min_weight: float = 0.0                    # edges with fewer links (or less summed weight) drop out
    exclude_service: bool = True               # carrier voicemail, short codes, service numbers
    exclude_ids: set[int] = field(default_factory=set)
    view: str = "entities"
    keep_apart: set[int] = field(default_factory=set)   # merged ids analysed as themselves (merge not followed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start, "end": self.end,
            "entity_types": sorted(self.entity_types) if self.entity_types else None,
            "link_types": sorted(self.link_types) if self.link_types else None,
            "min_weight": self.min_weight, "exclude_service": self.exclude_service,
            "exclude_ids": sorted(self.exclude_ids), "view": self.view,
            **({"keep_apart": sorted(self.keep_apart)} if self.keep_apart else {}),
        }


def window_sql(flt: GraphFilter) -> tuple[str, list[Any]]:
    """SQL conditions (and arguments) for the filter's time window and link types."""
    sql = ""
    args: list[Any] = []
    if flt.link_types:
        sql += f" AND type IN ({','.join('?' * len(flt.link_types))})"
        args.extend(sorted(flt.link_types))
    if flt.start is not None:
        sql += " AND (start IS NULL OR COALESCE(end, start) >= ?)"
        args.append(flt.start)
    if flt.end is not None:
        sql += " AND (start IS NULL OR start <= ?)"
        args.append(flt.end)
    return sql, args


class LinksQuery(NamedTuple):
    """What `load_links` asks SQLite for; two reads of the same rows have equal queries."""

    numeric: list[str]        # the number columns
    code: str                 # the type-code expression
    rest: str                 # FROM ... WHERE ... ORDER BY id
    args: list[Any]           # the arguments of `rest`
    where: str                # its WHERE conditions (time window, link types, removed sources)


def links_query(case: CaseFile, flt: GraphFilter, kept: set[str]) -> LinksQuery:
    """The query of `load_links` for this filter and these columns."""
    where, args = window_sql(flt)
    where += case.removed_links_sql()          # sources taken out (`linkgraph remove-source`) drop out
    code = "CASE type " + " ".join(f"WHEN '{n}' THEN {i}" for i, n in enumerate(case.model.links)) + " ELSE -1 END"
    numeric = [c for c in LINK_COLUMNS if c != "type" and c in kept]
    return LinksQuery(numeric, code, f"FROM links WHERE 1=1{where} ORDER BY id", args, where)


def _file_uri(case: CaseFile) -> str | None:
    """The case file as a read-only URI for a second connection (immutable where the case's connection is: read-only
    media, no lock file), or None where a second connection cannot read what the case's own would: an encrypted
    case (SQLCipher), the connection inside a transaction (its uncommitted rows), no driver installed.
    Read from the case's connection, so called in its thread."""
    if not ARROW_READ or not isinstance(case.conn, sqlite3.Connection) or case.conn.in_transaction:
        return None
    try:
        import adbc_driver_manager  # noqa: F401
        import adbc_driver_sqlite  # noqa: F401
    except ImportError:
        return None
    file = next((row[2] for row in case.conn.execute("PRAGMA database_list") if row[1] == "main"), "")
    if not file:
        return None
    return Path(file).absolute().as_uri() + ("?mode=ro&immutable=1" if case.read_only_reason else "?mode=ro")


def arrow_table(uri: str, text: str, batch_rows: int = 65_536) -> Any:
    """`text` run on the file at `uri` by the ADBC SQLite driver, as one Arrow table; None on any error of the
    driver (a locked file, a value of another type than the column's first rows held). The driver reads
    `batch_rows` rows at a time and gives each column the type of the values of its first batch."""
    import adbc_driver_manager
    import adbc_driver_sqlite
    import pyarrow as pa

    handles: list[Any] = []
    try:
        database = adbc_driver_sqlite.connect(uri)
        handles.append(database)
        connection = adbc_driver_manager.AdbcConnection(database)
        handles.append(connection)
        statement = adbc_driver_manager.AdbcStatement(connection)
        handles.append(statement)
        with suppress(Exception):              # fewer, bigger batches: a little less work per row
            statement.set_options(**{"adbc.sqlite.query.batch_rows": str(max(1, batch_rows))})
        statement.set_sql_query(text)
        stream, _ = statement.execute_query()
        return pa.RecordBatchReader.from_stream(stream).read_all()
    except Exception:          # noqa: BLE001  (any driver error: the case's own connection reads the same rows)
        return None
    finally:
        for handle in reversed(handles):
            with suppress(Exception):
                handle.close()


def links_plan(case: CaseFile, numeric: list[str], last: str, rest: str,
               args: list[Any]) -> tuple[str, str, int] | None:
    """The file URI, the SQL text the Arrow reader runs for the links' numbers (`SELECT numeric..., last rest`)
    and the rows it reads at most (the links' count), or None when it cannot read what the case's connection
    would (see `_file_uri`; or an argument it cannot spell in SQL)."""
    pieces = rest.split("?")
    literals = [sql_literal(a) for a in args]
    if None in literals or len(pieces) != len(literals) + 1:
        return None
    uri = _file_uri(case)
    if uri is None:
        return None
    # Read in one batch, each column gets the type of all its values (INTEGER, or REAL where any value is one;
    # a NULL-first column does not stop the read) and NULL stays NULL: no expression per value (a fifth less
    # work than reading each value as a REAL with a sentinel for NULL).
    text = f"SELECT {', '.join(numeric)}, {last} " + "".join(
        piece + literal for piece, literal in zip(pieces, [*literals, ""], strict=True))
    return uri, text, case.conn.execute("SELECT count(*) FROM links").fetchone()[0]


def whole_positions(numeric: list[str]) -> tuple[int, ...]:
    """Where the whole-number columns (WHOLE_LINK_COLUMNS, and the type code after the numbers) stand in a links
    read of these number columns."""
    return (*(i for i, name in enumerate(numeric) if name in WHOLE_LINK_COLUMNS), len(numeric))


def links_read(uri: str, text: str, rows: int, width: int, whole: tuple[int, ...] = ()) -> list[np.ndarray] | None:
    """Run a `links_plan`: `width` columns and the code as floats, NaN for NULL; None on any error of the driver
    or a column that is not numbers (text where a number should be: the case's connection reads it). The columns
    at `whole` (`whole_positions`) come as int64 where the driver read them as integers none of which is NULL:
    `load_links` wants them so, and no float is made of them in between."""
    table = arrow_table(uri, text, batch_rows=rows + 1)
    if table is None or table.num_columns != width + 1:
        return None
    columns = [floats_of(table.column(i), whole=i in whole) for i in range(width + 1)]
    if any(column is None for column in columns) or (columns[-1].dtype.kind == "f" and np.isnan(columns[-1]).any()):
        return None
    return columns


def floats_of(column: Any, *, whole: bool = False) -> np.ndarray | None:
    """An Arrow column of 64-bit integers or doubles as floats, NaN for NULL, read from its buffers (Arrow's own
    conversion loads pandas, which a reading thread must not do while the caller may be loading it); None for
    a column of any other type. `whole`: a column of integers none of which is NULL stays int64."""
    import pyarrow as pa

    if pa.types.is_float64(column.type):
        dtype: Any = np.float64
    elif pa.types.is_int64(column.type):
        dtype = np.int64
    else:
        return None
    kept = float if dtype is np.float64 or not whole or column.null_count else np.int64
    parts = []
    for chunk in column.chunks:
        size = len(chunk)
        validity, data = chunk.buffers()[:2]
        if data is None or chunk.null_count == size:
            parts.append(np.full(size, np.nan))
            continue
        values = np.frombuffer(data, dtype=dtype, count=size, offset=chunk.offset * 8).astype(kept)
        if chunk.null_count:
            bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
            values[~bits[chunk.offset:chunk.offset + size].astype(bool)] = np.nan
        parts.append(values)
    return np.concatenate(parts) if parts else np.empty(0, dtype=kept)


def sql_literal(value: Any) -> str | None:
    """A filter's argument (a link type, a time) as an SQL literal; None for anything else."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and np.isfinite(value):
        return repr(float(value))
    return None


SPLIT_FROM = 200_000    # links from which `LinksBeside` reads them in PARTS ranges of ids
PARTS = 8


def split_by_id(case: CaseFile, text: str, parts: int) -> list[str] | None:
    """A links read (`links_plan`'s text, ending in ORDER BY id) as reads of `parts` consecutive ranges of ids:
    the same rows in the same order once put end to end; None for no link."""
    low, high = case.conn.execute("SELECT min(id), max(id) FROM links").fetchone()
    order = " ORDER BY id"
    if low is None or not text.endswith(order):
        return None
    head, low, span = text[:-len(order)], int(low), int(high) - int(low) + 1
    bounds = [low + span * i // parts for i in range(parts + 1)]
    return [f"{head} AND links.id >= {a} AND links.id < {b}{order}" for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


class LinksBeside:
    """The links' numbers for `load_links`, read by the Arrow reader in a thread while the caller does something
    else (the reader releases the GIL: on two cores the entities are read, or libraries loaded, meanwhile).
    From SPLIT_FROM links, in PARTS ranges of ids: the caller, once it asks for them, reads the parts not begun
    beside the thread (the second core it used for loading libraries is free again)."""

    def __init__(self, case: CaseFile, flt: GraphFilter | None = None) -> None:
        self.query = links_query(case, flt or GraphFilter(), set(LINK_COLUMNS))
        query = self.query
        self.plan = links_plan(case, query.numeric, query.code, query.rest, query.args)
        self.thread: threading.Thread | None = None
        self.parts: list[str] = []
        self.read: list[list[np.ndarray] | None] = []
        if self.plan is None:
            return
        split = split_by_id(case, self.plan[1], PARTS) if self.plan[2] >= SPLIT_FROM else None
        self.parts = split or [self.plan[1]]
        self.read = [None] * len(self.parts)
        self.begun = 0                           # parts taken by a reader
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, name="links-beside", daemon=True)
        self.thread.start()

    def _read(self) -> None:
        """Read the parts no reader has taken yet, one at a time (in the thread, and in the caller once it asks)."""
        uri, _, rows = self.plan
        width, whole = len(self.query.numeric), whole_positions(self.query.numeric)
        while True:
            with self.lock:
                part = self.begun
                if part >= len(self.parts):
                    return
                self.begun += 1
            self.read[part] = links_read(uri, self.parts[part], rows, width, whole)

    def numbers(self, case: CaseFile, query: LinksQuery) -> list[np.ndarray] | None:
        """The numbers read, when `query` asks for the same rows and the case's connection would see the
        same (no transaction open); else None and the caller reads them."""
        if self.thread is None:
            return None
        wanted = query == self.query and not case.conn.in_transaction
        if wanted:
            self._read()                         # the parts the thread has not begun
        self.thread.join()
        self.thread = None
        columns = self.columns
        self.read = []
        return columns if wanted else None

    @property
    def columns(self) -> list[np.ndarray] | None:
        """The parts read put end to end; None until every part is read, or where one could not be."""
        read = self.read
        if not read or any(part is None for part in read):
            return None
        return read[0] if len(read) == 1 else [np.concatenate(column) for column in zip(*read, strict=True)]


@dataclass
class EntityColumns:
    """The entities as `load_entities` reads them, column by column (rows by id): the ids, the text columns
    (object arrays, None for NULL), the whole-number columns (Arrow arrays, NULL kept), and each entity's stored
    attributes (JSON text) when asked for."""

    ids: np.ndarray
    text: dict[str, np.ndarray]
    whole: dict[str, Any]
    attrs: list[str] | None = None


# The Arrow reader's query. Read in one batch, every column gets the type of all its values: a NULL-first column
# holding text further down does not stop the read, and a column holding two types (a REAL or text among the
# integers of first_seen, a BLOB among text) comes with another type than expected, and the plain read is made.
# `kind` as JSON text (`->`, always text or NULL: json_extract would give a number for a number, which the
# driver would spell as text in a text column).
_ENTITIES_SQL = ("SELECT id, type, key, label, role, minor, first_seen, last_seen, merged_into, attrs -> '$.kind'"
                 "{attrs} FROM entities ORDER BY id")


@dataclass
class EntityTable:
    """The entities as the Arrow reader read them (`entities_read`); `columns()` makes them Python values (in the
    caller's thread: Arrow's conversions load pandas, which a reading thread must not do while the caller may be
    loading it)."""

    table: Any
    attrs: bool

    def columns(self) -> EntityColumns | None:
        """The columns of `load_entities`; None when a `kind` is not text (a number, true, an object: the plain
        read gives it as SQLite's json_extract does)."""
        import pyarrow as pa

        table = self.table
        text: dict[str, np.ndarray] = {}
        for position, name in ((1, "type"), (2, "key"), (3, "label"), (4, "role"), (9, "kind")):
            column = table.column(position)
            if pa.types.is_string(column.type):
                text[name] = column.to_numpy(zero_copy_only=False).astype(object, copy=False)
            else:                                     # NULL throughout (read as integers)
                text[name] = np.full(len(column), None, dtype=object)
        kinds = _json_texts(text["kind"])
        if kinds is None:
            return None
        text["kind"] = kinds
        whole = {name: table.column(position) for position, name in enumerate(ENTITY_WHOLE, 5)}
        stored = table.column(10).to_pylist() if self.attrs else None
        return EntityColumns(np.asarray(table.column(0).to_numpy(), dtype=np.int64), text, whole, stored)


def _json_texts(values: np.ndarray) -> np.ndarray | None:
    """JSON strings (as `->` gives them) as the strings they hold, JSON null and NULL as None; None when any is
    another JSON value. A case holds a handful of distinct kinds: each is read once."""
    import json

    meaning: dict[Any, Any] = {None: None, "null": None}
    for value in set(values.tolist()) - meaning.keys():
        try:
            read = json.loads(value)
        except ValueError:
            return None
        if not isinstance(read, str):
            return None
        meaning[value] = read
    return np.array([meaning[v] for v in values.tolist()] + [None], dtype=object)[:-1]


def entities_plan(case: CaseFile) -> tuple[str, int] | None:
    """The file URI the Arrow reader reads the entities from and their count (one batch), or None where it cannot
    (see `_file_uri`)."""
    uri = _file_uri(case)
    if uri is None:
        return None
    return uri, case.conn.execute("SELECT count(*) FROM entities").fetchone()[0]


def entities_read(plan: tuple[str, int], attrs: bool) -> EntityTable | None:
    """The entities read by the Arrow reader (`entities_plan`); None where it cannot read them as the case's
    connection would (no rows, a column holding another type than its own, any error of the driver)."""
    import pyarrow as pa

    uri, count = plan
    table = arrow_table(uri, _ENTITIES_SQL.format(attrs=", attrs" if attrs else ""), batch_rows=count + 1)
    if table is None or table.num_columns != (11 if attrs else 10) or not table.num_rows:
        return None
    types = table.schema.types

    def all_null(position: int) -> bool:
        return pa.types.is_int64(types[position]) and table.column(position).null_count == table.num_rows

    if not pa.types.is_int64(types[0]) or table.column(0).null_count:
        return None
    if any(not pa.types.is_string(types[i]) for i in (1, 3, *([10] if attrs else []))):
        return None
    if any(not (pa.types.is_string(types[i]) or all_null(i)) for i in (2, 4, 9)):
        return None
    if any(not pa.types.is_int64(types[i]) for i in range(5, 9)):
        return None
    return EntityTable(table, attrs)


class EntitiesBeside:
    """The entities for `load_entities`, read by the Arrow reader in a thread while the caller does something
    else; `attrs` as `load_entities` takes it."""

    def __init__(self, case: CaseFile, attrs: bool) -> None:
        self.attrs = attrs
        self.plan = entities_plan(case)
        self.table: EntityTable | None = None
        self.thread: threading.Thread | None = None
        if self.plan is not None:
            self.thread = threading.Thread(target=self._read, name="entities-beside", daemon=True)
            self.thread.start()

    def _read(self) -> None:
        self.table = entities_read(self.plan, self.attrs)

    def columns_for(self, case: CaseFile, attrs: bool) -> EntityColumns | None:
        """The entities read, when read with the same `attrs` and the case's connection would see the same (no
        transaction open); else None and the caller reads them. Given once."""
        if self.thread is None:
            return None
        self.thread.join()
        self.thread = None
        table, self.table = self.table, None
        if table is None or attrs != self.attrs or case.conn.in_transaction:
            return None
        return table.columns()


class StateBeside:
    """The audit's state digest of a case made ahead (`audit.state_ahead`) in a thread on a second connection, for
    the write that keeps the analysis run (`CaseFile.record_analysis(ahead=)`): SQLite reads and hashing, which
    release the GIL, done on the core the reads leave free while the caller folds the links (`begin`), instead
    of after the analysis."""

    def __init__(self, case: CaseFile) -> None:
        self.uri = case.state_uri()           # (from the case's connection: in its thread)
        self.ahead: Any = None
        self.thread: threading.Thread | None = None

    def begin(self) -> None:
        if self.uri is not None and self.thread is None:
            self.thread = threading.Thread(target=self._read, name="state-beside", daemon=True)
            self.thread.start()

    def _read(self) -> None:
        from linkgraph.case import audit

        self.ahead = audit.state_ahead(self.uri)
        self.uri = None                       # made once

    def take(self) -> Any:
        """The `audit.StateAhead` made (None where it could not be, or was not begun); given once (its taker
        closes it)."""
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        ahead, self.ahead = self.ahead, None
        return ahead


STATE_AHEAD_FROM = 200_000    # links from which the state digest is made ahead (below, the write makes it: quick)


@dataclass
class CaseReading:
    """Reads of one case started beside other work (`start_reading`): the links' numbers, the entities and, for a
    run to be kept, the audit's state digest."""

    links: LinksBeside | None = None
    entities: EntitiesBeside | None = None
    state: StateBeside | None = None

    def finish(self) -> None:
        """Wait for any read not taken, and the state digest begun (a caller that forks after must hold no other
        thread)."""
        for beside in (self.links, self.entities, self.state):
            if beside is not None and beside.thread is not None:
                beside.thread.join()
                beside.thread = None

    def begin_state(self) -> None:
        """Begin the audit's state digest (when asked for: `start_reading(state=True)`), once the reads are
        taken: on two cores the second is free again. `finish` waits for it."""
        if self.state is not None:
            self.state.begin()

    def state_ahead(self) -> Any:
        """The state digest made ahead (`audit.StateAhead`, for `record_analysis(ahead=)`), or None."""
        return self.state.take() if self.state is not None else None


def start_reading(case: CaseFile, flt: GraphFilter | None = None, *, entities: bool = True,
                  attrs: bool = True, state: bool = False) -> CaseReading:
    """Start reading every column of `load_links(case, flt)` (merges and keep_apart are applied there: the filter
    here needs the same window and link types only) and, with `entities`, `load_entities(case, attrs=attrs)`,
    each in a thread; hand the result to them (`beside=`). With `state` (the run will be kept in the case) and
    from STATE_AHEAD_FROM links, the audit's state digest too, once begun (`CaseReading.begin_state`, taken by
    `CaseReading.state_ahead`)."""
    links = LinksBeside(case, flt)
    big = links.plan is not None and links.plan[2] >= STATE_AHEAD_FROM
    return CaseReading(links, EntitiesBeside(case, attrs) if entities else None,
                       StateBeside(case) if state and big else None)
