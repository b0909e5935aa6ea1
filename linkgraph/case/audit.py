"""The append-only audit log: each entry holds the SHA-256 of the one before, so edits show."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
STATE_PREFIX = "s2:"      # the case-state digest each audit entry records (details "state"), in its latest format
# Earlier formats `verify` still reads: s1 hashed each analysis run's whole result (tens of MB on a big case, read
# again at every write); s2 hashes its `digest` column instead (the result's SHA-256, which verify checks against
# the result), so a write costs the same however many runs the case keeps.
STATE_PREFIXES = ("s1:", "s2:")
# Columns a state digest leaves out, by format: covered by another column of the row that it does hash.
UNSTATED_COLUMNS = {"s1:": {}, "s2:": {"analysis_runs": ("summary",)}}
# Meta keys the state digest leaves out: written after the entry that records the state (the head, its signature).
UNSTATED_META = ("audit_head", "audit_signature")
# Every table an exhibit or analysis reads that no import's data digest covers, with the schema itself.
STATE_TABLES = ("meta", "sources", "entities", "merges", "notes", "analysis_runs")
_STATE_BATCH = 50_000


def entry_hash(seq: int, at: str, user: str, action: str, details: str, prev_hash: str) -> str:
    """SHA-256 over an entry's fields, in a fixed order, chained to the previous hash."""
    payload = json.dumps([seq, at, user, action, details, prev_hash], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def state_digests(conn: sqlite3.Connection, version: str = STATE_PREFIX, *,
                  ahead: StateAhead | None = None) -> tuple[str, dict[str, str]]:
    """SHA-256 over every row and column of the case's state tables (entities' labels, roles, minor flags and
    attributes, merges, notes, analysis runs, sources' grades, agencies and names, the case's meta) and over the
    schema (tables, indexes, views, triggers): the whole digest and each table's (its first 16 hex digits).
    `version`: the format (STATE_PREFIXES), for `verify` to recompute the one an older entry recorded; s2 hashes
    an analysis run's result by the SHA-256 kept beside it (UNSTATED_COLUMNS).

    Each row is encoded by SQLite's json_array, which keeps every value's type (12, 12.0 and "12" differ);
    a value JSON cannot hold (a blob) makes the digest "unreadable".

    `ahead`: the same digest made before this write (`state_ahead`), which only appended rows to analysis_runs
    (the caller's guarantee, `StateAhead.unchanged`): only the rows after those it hashed are read."""
    if version not in UNSTATED_COLUMNS:
        raise ValueError(f"unknown state digest format {version!r}")
    if ahead is not None and ahead.version == version:
        return ahead.finished(conn)
    total = hashlib.sha256()
    tables: dict[str, str] = {}
    try:
        for name, sql, ranged in _state_queries(conn, version):
            digest, _ = _table_digest(conn, name, sql, ranged)
            tables[name] = digest.hexdigest()[:16]
            total.update(digest.digest())
    except Exception as exc:      # noqa: BLE001 - a blob or malformed value put in by hand (any driver's error)
        return f"{version}unreadable ({exc})", tables
    return version + total.hexdigest(), tables


def _state_queries(conn: sqlite3.Connection, version: str) -> list[tuple[str, str, bool]]:
    """(name, SQL, ranged) of each part of the state digest, in order: the schema, then STATE_TABLES (a ranged
    query reads a rowid range at a time: `?1` the last rowid read, `?2` how many)."""
    unstated = UNSTATED_COLUMNS[version]
    queries = [("schema", "SELECT json_array(type, name, tbl_name, sql) AS line FROM sqlite_master "
                "WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name", False)]
    for table in STATE_TABLES:
        columns = [c for c in _columns(conn, table) if c not in unstated.get(table, ())]
        if not columns:
            continue
        if table == "meta":
            where = f" WHERE key NOT IN ({', '.join(repr(k) for k in UNSTATED_META)})"
            queries.append((table, f"SELECT json_array({', '.join(columns)}) AS line FROM meta{where} ORDER BY key",
                            False))
        else:      # rows joined by SQLite a rowid range at a time: no Python object per row
            queries.append((table, f"SELECT json_array({', '.join(columns)}) AS line, rowid AS r FROM {table} "
                            "WHERE rowid > ?1 ORDER BY rowid LIMIT ?2", True))
    return queries


_FIRST_ROWID = -(1 << 63)


def _table_digest(conn: sqlite3.Connection, name: str, sql: str, ranged: bool, digest: Any = None,
                  after: int = _FIRST_ROWID) -> tuple[Any, int]:
    """One part's SHA-256 (its rows, one line each), and the last rowid read (ranged). `digest` and `after`: go
    on from a digest already fed the rows up to rowid `after` (a copy is fed; the one given is left as it is)."""
    digest = hashlib.sha256(f"{name}\n{sql}\n".encode()) if digest is None else digest.copy()
    if ranged:
        while True:
            joined, last = conn.execute(
                f"SELECT group_concat(line, char(10)), MAX(r) FROM ({sql})", (after, _STATE_BATCH)).fetchone()
            if joined is None:
                break
            digest.update(joined.encode("utf-8", "surrogatepass"))
            digest.update(b"\n")        # (a row's line and its line break as one or as two updates: the same digest)
            after = last
    else:
        lines = [row[0] for row in conn.execute(sql)]
        if lines:
            digest.update("\n".join(lines).encode("utf-8", "surrogatepass"))
            digest.update(b"\n")
    return digest, after


@dataclass
class StateAhead:
    """The state digest of a case made ahead of a write that appends rows to analysis_runs and changes nothing else
    (keeping an analysis run), on a second connection while the analysis runs: that write then reads only its
    own new rows (`state_digests(..., ahead=)`) instead of every table. Made by `state_ahead`; `unchanged()`
    must hold when the write begins (nothing committed to the case since), else the write makes the digest itself.
    """

    version: str
    conn: sqlite3.Connection       # the second connection (its data_version tells of any commit since)
    data_version: int
    queries: list[tuple[str, str, bool]]
    tables: dict[str, str]         # each part's first 16 hex digits, analysis_runs' as made ahead
    total: Any                     # SHA-256 fed every part's digest but the last (analysis_runs)
    last: Any                      # analysis_runs' SHA-256 fed its rows up to rowid `after`
    after: int

    def unchanged(self) -> bool:
        """Nothing was committed to the case since the digest was made (by any connection, this process's
        own included). Asked inside the write's transaction, before it writes (its lock keeps others out)."""
        try:
            return self.conn.execute("PRAGMA data_version").fetchone()[0] == self.data_version
        except sqlite3.Error:
            return False

    def finished(self, conn: sqlite3.Connection) -> tuple[str, dict[str, str]]:
        """The state digest with the rows `conn` added to analysis_runs since (as `state_digests` makes it)."""
        name, sql, ranged = self.queries[-1]
        try:
            last, _ = _table_digest(conn, name, sql, ranged, self.last, self.after)
        except Exception as exc:  # noqa: BLE001 - as state_digests
            return f"{self.version}unreadable ({exc})", {}
        total = self.total.copy()
        total.update(last.digest())
        return self.version + total.hexdigest(), {**self.tables, name: last.hexdigest()[:16]}

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()


def state_ahead(uri: str, version: str = STATE_PREFIX) -> StateAhead | None:
    """`StateAhead` of the case file at `uri` (a read-only SQLite URI), read on a connection of its own kept open
    for `unchanged`; None where it cannot be made (any SQLite error, a value that makes the digest unreadable, a
    schema whose last part is not analysis_runs)."""
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    except sqlite3.Error:
        return None
    try:
        conn.execute("BEGIN")             # one snapshot for every table and the data_version beside it
        try:
            data_version = conn.execute("PRAGMA data_version").fetchone()[0]
            queries = _state_queries(conn, version)
            if not queries or queries[-1][0] != "analysis_runs" or not queries[-1][2]:
                raise LookupError("no analysis_runs table to go on from")
            total = hashlib.sha256()
            tables: dict[str, str] = {}
            last, after = None, _FIRST_ROWID
            for name, sql, ranged in queries:
                digest, after = _table_digest(conn, name, sql, ranged)
                tables[name] = digest.hexdigest()[:16]
                if name == "analysis_runs":
                    last = digest
                else:
                    total.update(digest.digest())
        finally:
            conn.execute("COMMIT")
    except Exception:  # noqa: BLE001 - any failure: the write makes the digest itself
        conn.close()
        return None
    return StateAhead(version, conn, data_version, queries, tables, total, last, after)


def state_digest(conn: sqlite3.Connection, version: str = STATE_PREFIX) -> str:
    """The whole state digest (see state_digests)."""
    return state_digests(conn, version)[0]


def state_version(recorded: str) -> str | None:
    """The format of a recorded state digest ("s1:", "s2:"), None when this linkgraph does not know it."""
    return next((prefix for prefix in STATE_PREFIXES if recorded.startswith(prefix)), None)


def append(conn: sqlite3.Connection, at: str, user: str, action: str, details: dict[str, Any], *,
           ahead: StateAhead | None = None) -> str:
    """Add one entry inside the caller's transaction; returns its hash (also kept as meta 'audit_head').

    The entry records the digest of the case's state as this write leaves it (details "state"), so an edit made
    afterwards outside linkgraph (a renamed person, a deleted note, an added trigger) shows in `verify`.
    `ahead`: that digest made before the write, which only appended analysis runs (see `state_digests`)."""
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    from linkgraph.case import signing

    signer = signing.current_signer()
    state, tables = state_digests(conn, ahead=ahead)
    details = {**details, "state": state, "state_tables": tables}
    if signer is not None:
        details["signer"] = signer[1].fingerprint
    text = json.dumps(details, ensure_ascii=False, sort_keys=True, default=str)
    digest = entry_hash(seq, at, user, action, text, prev)
    conn.execute(
        "INSERT INTO audit (seq, at, user, action, details, prev_hash, hash) VALUES (?,?,?,?,?,?,?)",
        (seq, at, user, action, text, prev, digest),
    )
    _set_meta(conn, "audit_head", f"{seq}:{digest}")
    if signer is not None:
        _set_meta(conn, "audit_signature", signing.sign(seq, digest, signer).token)
    case_id = conn.execute("SELECT value FROM meta WHERE key = 'case_id'").fetchone()
    _pending[id(conn)] = (case_id[0] if case_id else None, seq, digest)
    return digest


_pending: dict[int, tuple[str | None, int, str]] = {}    # connection -> head written in its open transaction


def _set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                 (key, value))


def committed(conn: sqlite3.Connection) -> None:
    """Call after COMMIT: the head written in that transaction goes to this computer's ledger."""
    pending = _pending.pop(id(conn), None)
    if pending is not None:
        from linkgraph.case import signing

        signing.record_head(*pending)


def rolled_back(conn: sqlite3.Connection) -> None:
    """Call after ROLLBACK: the head written in that transaction never existed."""
    _pending.pop(id(conn), None)


@dataclass(frozen=True)
class AuditProblem:
    """One break in the chain: which entry and what is wrong with it."""

    seq: int
    problem: str


def check_chain(conn: sqlite3.Connection) -> list[AuditProblem]:
    """Recompute every entry's hash and link; a removed, inserted or edited entry is reported."""
    problems: list[AuditProblem] = []
    prev = GENESIS
    expected_seq = 1
    last_seq, last_hash = 0, GENESIS
    for seq, at, user, action, details, prev_hash, digest in conn.execute(
        "SELECT seq, at, user, action, details, prev_hash, hash FROM audit ORDER BY seq"
    ):
        if seq != expected_seq:
            problems.append(AuditProblem(seq, f"entries {expected_seq}..{seq - 1} are missing"))
        if prev_hash != prev:
            problems.append(AuditProblem(seq, "does not follow the entry before it (an entry was removed or changed)"))
        if entry_hash(seq, at, user, action, details, prev_hash) != digest:
            problems.append(AuditProblem(seq, f"'{action}' entry was edited after it was written"))
        prev = digest
        expected_seq = seq + 1
        last_seq, last_hash = seq, digest
    head = conn.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    if head and head[0] != f"{last_seq}:{last_hash}":
        problems.append(AuditProblem(last_seq, f"the log ends at entry {last_seq} but the case recorded {head[0].split(':')[0]} (entries removed from the end)"))
    return problems


def entries(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every entry, oldest first, with details decoded."""
    return [
        {"seq": seq, "at": at, "user": user, "action": action, "details": json.loads(details), "hash": digest}
        for seq, at, user, action, details, digest in conn.execute(
            "SELECT seq, at, user, action, details, hash FROM audit ORDER BY seq"
        )
    ]
