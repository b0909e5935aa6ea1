"""What a defence expert with write access to the file can do: rewrite rows, then recompute the audit chain."""

from __future__ import annotations

import json
import sqlite3

import pytest

from linkgraph.case import audit


def rechain(conn: sqlite3.Connection, *, strip_state: bool = False, restate: bool = False) -> None:
    """Recompute every audit hash (and meta 'audit_head') with linkgraph's own functions, as an attacker would;
    `strip_state` drops the state digests (a case as an older linkgraph wrote it), `restate` records the tampered
    state in the last entry."""
    rows = conn.execute("SELECT seq, at, user, action, details FROM audit ORDER BY seq").fetchall()
    prev = audit.GENESIS
    for index, (seq, at, user, action, details) in enumerate(rows):
        entry = json.loads(details)
        if strip_state:
            for key in ("state", "state_tables", "signer"):
                entry.pop(key, None)
        if restate and index == len(rows) - 1:
            entry["state"], entry["state_tables"] = audit.state_digests(conn)
        text = json.dumps(entry, ensure_ascii=False, sort_keys=True, default=str)
        digest = audit.entry_hash(seq, at, user, action, text, prev)
        conn.execute("UPDATE audit SET details = ?, prev_hash = ?, hash = ? WHERE seq = ?", (text, prev, digest, seq))
        prev = digest
        last = seq
    conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{last}:{prev}",))


@pytest.fixture
def recompute_chain():
    return rechain
