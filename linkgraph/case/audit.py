"""The append-only audit log: each entry holds the SHA-256 of the one before, so edits show."""

from __future__ import annotations

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


def state_digests(conn: sqlite3.Connection, version: str = STATE_PREFIX) -> tuple[str, dict[str, str]]:
    """SHA-256 over every row and column of the case's state tables (entities' labels, roles, minor flags and
    attributes, merges, notes, analysis runs, sources' grades, agencies and names, the case's meta) and over the
    schema (tables, indexes, views, triggers): the whole digest and each table's (its first 16 hex digits).
    `version`: the format (STATE_PREFIXES), for `verify` to recompute the one an older entry recorded; s2 hashes
    an analysis run's result by the SHA-256 kept beside it (UNSTATED_COLUMNS).

    Each row is encoded by SQLite's json_array, which keeps every value's type (12, 12.0 and "12" differ);
    a value JSON cannot hold (a blob) makes the digest "unreadable"."""
    if version not in UNSTATED_COLUMNS:
        raise ValueError(f"unknown state digest format {version!r}")
    unstated = UNSTATED_COLUMNS[version]
    total = hashlib.sha256()
    tables: dict[str, str] = {}
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
    try:
        for name, sql, ranged in queries:
            digest = hashlib.sha256(f"{name}\n{sql}\n".encode())
            if ranged:
                after = -(1 << 63)
                while True:
                    joined, last = conn.execute(
                        f"SELECT group_concat(line, char(10)), MAX(r) FROM ({sql})", (after, _STATE_BATCH)).fetchone()
                    if joined is None:
                        break
                    digest.update(joined.encode("utf-8", "surrogatepass"))
                    digest.update(b"\n")
                    after = last
            else:
                lines = [row[0] for row in conn.execute(sql)]
                if lines:
                    digest.update("\n".join(lines).encode("utf-8", "surrogatepass"))
                    digest.update(b"\n")
            tables[name] = digest.hexdigest()[:16]
            total.update(digest.digest())
    except Exception as exc:      # noqa: BLE001 - a blob or malformed value put in by hand (any driver's error)
        return f"{version}unreadable ({exc})", tables
    return version + total.hexdigest(), tables


def state_digest(conn: sqlite3.Connection, version: str = STATE_PREFIX) -> str:
    """The whole state digest (see state_digests)."""
    return state_digests(conn, version)[0]


def state_version(recorded: str) -> str | None:
    """The format of a recorded state digest ("s1:", "s2:"), None when this linkgraph does not know it."""
    return next((prefix for prefix in STATE_PREFIXES if recorded.startswith(prefix)), None)


def append(conn: sqlite3.Connection, at: str, user: str, action: str, details: dict[str, Any]) -> str:
    """Add one entry inside the caller's transaction; returns its hash (also kept as meta 'audit_head').

    The entry records the digest of the case's state as this write leaves it (details "state"), so an edit made
    afterwards outside linkgraph (a renamed person, a deleted note, an added trigger) shows in `verify`."""
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    from linkgraph.case import signing

    signer = signing.current_signer()
    state, tables = state_digests(conn)
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
