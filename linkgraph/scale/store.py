"""The task force's shared store: a catalogue (PostgreSQL; a SQLite file for a dev tier) of what was pushed,
by which agency, with which digests, the snapshots and runs made of it and a hash-chained audit log; and a
data root of Parquet files (links partitioned by month) on the centre's storage.

Store URIs:
  postgresql://user@host/db?data=/srv/taskforce       PostgreSQL catalogue, Parquet under `data`
  postgresql:///tf?host=/run/postgresql&data=/srv/tf  the same over a Unix socket
  file:///srv/taskforce  or  /srv/taskforce            SQLite catalogue and Parquet in one folder

Append-only: every catalogue table refuses UPDATE and DELETE (triggers), files are written once under
names that carry their push or run, and the audit chain ties every entry to the one before.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from linkgraph.scale import ScaleError, need

GENESIS = "0" * 64
TABLES = ("settings", "pushes", "push_files", "sources", "snapshots", "runs", "audit")

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pushes (
    push_id TEXT PRIMARY KEY, pushed_at TEXT NOT NULL, pushed_by TEXT NOT NULL, agency TEXT NOT NULL,
    case_id TEXT NOT NULL, case_name TEXT NOT NULL, timezone TEXT NOT NULL, blind INTEGER NOT NULL,
    key_check TEXT, entities BIGINT NOT NULL, links BIGINT NOT NULL, sources BIGINT NOT NULL,
    manifest TEXT NOT NULL, manifest_sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS push_files (
    push_id TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL, rows_ BIGINT NOT NULL, bytes BIGINT NOT NULL,
    PRIMARY KEY (push_id, path)
);
CREATE TABLE IF NOT EXISTS sources (
    push_id TEXT NOT NULL, source_sha256 TEXT NOT NULL, name TEXT, kind TEXT NOT NULL, agency TEXT,
    reliability TEXT NOT NULL, information TEXT NOT NULL, handling TEXT NOT NULL, rows_imported BIGINT NOT NULL,
    PRIMARY KEY (push_id, source_sha256)
);
CREATE TABLE IF NOT EXISTS snapshots (
    snapshot_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, created_by TEXT NOT NULL, pushes TEXT NOT NULL,
    digest TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, snapshot_id TEXT NOT NULL, engine TEXT NOT NULL, started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL, run_by TEXT NOT NULL, manifest TEXT NOT NULL, manifest_sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    seq BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, details TEXT NOT NULL,
    prev_hash TEXT NOT NULL, hash TEXT NOT NULL
);
"""

PG_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION linkgraph_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the linkgraph catalogue is append-only (% on %)', TG_OP, TG_TABLE_NAME; END $$;
"""


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def canonical(data: Any) -> str:
    """JSON as it is hashed: sorted keys, no spaces (the same text gives the same digest everywhere)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(seq: int, at: str, actor: str, action: str, details: str, prev_hash: str) -> str:
    return hashlib.sha256(json.dumps([seq, at, actor, action, details, prev_hash]).encode("utf-8")).hexdigest()


@dataclass
class StoreLocation:
    """Where a store URI points: the catalogue (kind + how to connect) and, when it says, the data root."""

    kind: str                    # "postgresql" or "sqlite"
    connect: str                 # a libpq conninfo URI or a SQLite path
    data: Path | None
    shown: str                   # the URI without password, for messages and manifests


def parse_uri(uri: str) -> StoreLocation:
    """A store URI read (see the module's docstring)."""
    parts = urlsplit(uri)
    if parts.scheme in ("postgresql", "postgres"):
        query = parse_qsl(parts.query, keep_blank_values=True)
        data = next((v for k, v in query if k == "data"), None)
        rest = [(k, v) for k, v in query if k != "data"]
        connect = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(rest), ""))
        netloc = parts.netloc.rsplit("@", 1)
        shown_netloc = (netloc[0].split(":")[0] + "@" + netloc[1]) if len(netloc) == 2 else parts.netloc
        shown = urlunsplit((parts.scheme, shown_netloc, parts.path, urlencode(rest), ""))
        return StoreLocation("postgresql", connect, Path(data) if data else None, shown)
    if parts.scheme == "file":
        folder = Path(unquote(parts.path))
    elif parts.scheme in ("", None) or len(parts.scheme) == 1:   # a plain path (or a Windows drive letter)
        folder = Path(uri)
    else:
        raise ScaleError(f"unknown store '{uri}' (use postgresql://...?data=DIR, file:///DIR or a folder)")
    return StoreLocation("sqlite", str(folder / "catalogue.sqlite"), folder / "data", str(folder))


class Store:
    """An open store: catalogue connection plus data root. Use `with open_store(uri) as store:`."""

    def __init__(self, location: StoreLocation, *, create: bool = False) -> None:
        self.location = location
        self._lock = threading.Lock()
        if location.kind == "postgresql":
            need("psycopg", "a PostgreSQL store")
            import psycopg

            try:
                self.conn = psycopg.connect(location.connect, autocommit=True)
            except psycopg.Error as exc:
                raise ScaleError(f"cannot reach the store's catalogue {location.shown}: "
                                 f"{str(exc).strip().splitlines()[0]}") from exc
            self._param = "%s"
        else:
            folder = Path(location.connect).parent
            if not folder.exists():
                if not create:
                    raise ScaleError(f"no store at {folder} (push a case to create it)")
                folder.mkdir(parents=True)
            self.conn = sqlite3.connect(location.connect, isolation_level=None, check_same_thread=False)
            self._param = "?"
        self._init_schema()
        stored = self.setting("data_root")
        if stored is None:
            if location.data is None:
                raise ScaleError("this store has no data root yet: add ?data=/path/for/parquet to the store URI")
            location.data.mkdir(parents=True, exist_ok=True)
            self._insert("settings", {"key": "data_root", "value": str(location.data.resolve())})
            stored = str(location.data.resolve())
        elif location.data is not None and Path(stored) != location.data.resolve():
            raise ScaleError(f"this store keeps its Parquet files in {stored}, not {location.data}")
        self.data = Path(stored)

    # ---- SQL ----------------------------------------------------------------------------------------------
    def _sql(self, text: str) -> str:
        return text.replace("?", self._param)

    def query(self, text: str, args: Sequence[Any] = ()) -> list[tuple]:
        cursor = self.conn.execute(self._sql(text), tuple(args))
        return [tuple(row) for row in cursor.fetchall()]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One catalogue transaction: all of a push or run is recorded, or none of it."""
        with self._lock:
            if self.location.kind == "postgresql":
                with self.conn.transaction():
                    self.conn.execute("LOCK TABLE audit IN SHARE ROW EXCLUSIVE MODE")   # one chain writer at a time
                    yield
            else:
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    self.conn.execute("ROLLBACK")
                    raise
                self.conn.execute("COMMIT")

    def _insert(self, table: str, row: dict[str, Any]) -> None:
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.conn.execute(self._sql(f"INSERT INTO {table} ({names}) VALUES ({marks})"), tuple(row.values()))

    def insert(self, table: str, rows: dict[str, Any] | list[dict[str, Any]]) -> None:
        for row in rows if isinstance(rows, list) else [rows]:
            self._insert(table, row)

    def _init_schema(self) -> None:
        if self.location.kind == "postgresql":
            with self.conn.transaction():
                self.conn.execute("SELECT pg_advisory_xact_lock(4242021)")
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
                self.conn.execute(PG_APPEND_ONLY)
                for table in TABLES:
                    self.conn.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                    self.conn.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                                      "FOR EACH ROW EXECUTE FUNCTION linkgraph_append_only()")
        else:
            self.conn.executescript(SCHEMA)
            for table in TABLES:
                for op in ("UPDATE", "DELETE"):
                    self.conn.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} BEGIN "
                        f"SELECT RAISE(ABORT, 'the linkgraph catalogue is append-only ({op} on {table})'); END")

    def setting(self, key: str) -> str | None:
        rows = self.query("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    # ---- audit chain --------------------------------------------------------------------------------------
    def audit(self, actor: str, action: str, details: dict[str, Any]) -> str:
        """Append an audit entry (call inside `transaction()`); returns its hash."""
        last = self.query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        seq, prev = (int(last[0][0]) + 1, last[0][1]) if last else (1, GENESIS)
        at = now_iso()
        text = canonical(details)
        digest = entry_hash(seq, at, actor, action, text, prev)
        self._insert("audit", {"seq": seq, "at": at, "actor": actor, "action": action, "details": text,
                               "prev_hash": prev, "hash": digest})
        return digest

    def verify(self) -> list[str]:
        """Problems found: a broken audit chain, a pushed or run file missing or changed since it was recorded."""
        problems = []
        prev = GENESIS
        for seq, at, actor, action, details, prev_hash, digest in self.query(
                "SELECT seq, at, actor, action, details, prev_hash, hash FROM audit ORDER BY seq"):
            if prev_hash != prev or entry_hash(int(seq), at, actor, action, details, prev_hash) != digest:
                problems.append(f"audit entry {seq} does not chain to the one before (edited or removed)")
            prev = digest
        for push_id, path, sha in self.query("SELECT push_id, path, sha256 FROM push_files ORDER BY push_id, path"):
            full = self.data / path
            if not full.exists():
                problems.append(f"push {push_id}: {path} is missing")
            elif sha256_file(full) != sha:
                problems.append(f"push {push_id}: {path} changed since it was pushed")
        for run_id, manifest in self.query("SELECT run_id, manifest FROM runs ORDER BY run_id"):
            for item in json.loads(manifest).get("outputs", []):
                full = self.data / item["path"]
                if not full.exists() or sha256_file(full) != item["sha256"]:
                    problems.append(f"run {run_id}: {item['path']} is missing or changed")
        return problems

    # ---- reading --------------------------------------------------------------------------------------------
    def pushes(self) -> list[dict[str, Any]]:
        rows = self.query("SELECT push_id, pushed_at, agency, case_name, blind, key_check, entities, links, "
                          "manifest_sha256 FROM pushes ORDER BY push_id")
        names = ("push_id", "pushed_at", "agency", "case_name", "blind", "key_check", "entities", "links",
                 "manifest_sha256")
        return [dict(zip(names, row, strict=True)) for row in rows]

    def run_record(self, run_id: str) -> dict[str, Any]:
        rows = self.query("SELECT run_id, snapshot_id, engine, manifest, manifest_sha256 FROM runs WHERE run_id = ?",
                          (run_id,))
        if not rows:
            raise ScaleError(f"no run '{run_id}' in this store")
        manifest = json.loads(rows[0][3])
        if hashlib.sha256(rows[0][3].encode("utf-8")).hexdigest() != rows[0][4]:
            raise ScaleError(f"run {run_id}: its manifest does not match its recorded digest")
        return {"run_id": rows[0][0], "snapshot_id": rows[0][1], "engine": rows[0][2], "manifest": manifest,
                "manifest_sha256": rows[0][4]}

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(uri: str | Path, *, create: bool = False) -> Store:
    """The store at `uri` (created when `create` and it is a folder not made yet)."""
    return Store(parse_uri(str(uri)), create=create)
