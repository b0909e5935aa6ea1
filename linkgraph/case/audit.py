"""The append-only audit log: each entry holds the SHA-256 of the one before, so edits show."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def entry_hash(seq: int, at: str, user: str, action: str, details: str, prev_hash: str) -> str:
    """SHA-256 over an entry's fields, in a fixed order, chained to the previous hash."""
    payload = json.dumps([seq, at, user, action, details, prev_hash], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(conn: sqlite3.Connection, at: str, user: str, action: str, details: dict[str, Any]) -> str:
    """Add one entry inside the caller's transaction; returns its hash (also kept as meta 'audit_head')."""
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    text = json.dumps(details, ensure_ascii=False, sort_keys=True, default=str)
    digest = entry_hash(seq, at, user, action, text, prev)
    conn.execute(
        "INSERT INTO audit (seq, at, user, action, details, prev_hash, hash) VALUES (?,?,?,?,?,?,?)",
        (seq, at, user, action, text, prev, digest),
    )
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('audit_head', ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (f"{seq}:{digest}",),
    )
    return digest


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
