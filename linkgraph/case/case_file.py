"""Opening, creating and editing a case file: one SQLite file (.lgcase) per case."""

from __future__ import annotations

import csv
import getpass
import hashlib
import json
import os
import sqlite3
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linkgraph.case import audit, schema
from linkgraph.case.raw_rows import block_at, stores_blocks
from linkgraph.errors import CaseFileError, LinkgraphError
from linkgraph.model import Model, load_model
from linkgraph.times import now_iso, zone

SUFFIX = ".lgcase"
BUSY_TIMEOUT_MS = 30_000
PAGE_SIZE = 16_384         # new case files: bigger pages than SQLite's 4 KiB write and scan a million calls faster
SET_ASIDE_PREFIX = "set aside: "   # marks a rejected_rows entry that is one value set aside, its record kept
RAW_BLOCKS_CACHED = 16     # raw-row blocks raw_row keeps decoded (reading rows in order parses each block once)


def os_user() -> str:
    """The OS account name recorded with every import, edit and export."""
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "unknown"


@dataclass
class Entity:
    """One entity row: its type, canonical key, label, attributes and, for persons, role and minor flag."""

    id: int
    type: str
    key: str | None
    label: str
    attrs: dict[str, Any] = field(default_factory=dict)
    role: str | None = None
    minor: bool = False
    first_seen: int | None = None
    last_seen: int | None = None
    merged_into: int | None = None
    source_id: int | None = None


@dataclass
class Source:
    """One imported file and what became of its rows."""

    id: int
    name: str
    sha256: str
    size: int
    kind: str
    profile: str | None
    imported_at: str
    imported_by: str
    agency: str | None
    grade: str
    rows_read: int
    rows_imported: int
    rows_rejected: int
    header: list[str]
    header_row: int | None
    options: dict[str, Any]


ENTITY_COLUMNS = "id, type, key, label, attrs, role, minor, first_seen, last_seen, merged_into, source_id"
SOURCE_COLUMNS = (
    "id, name, sha256, size, kind, profile, imported_at, imported_by, agency, reliability, information, "
    "handling, rows_read, rows_imported, rows_rejected, header, header_row, options"
)


def _entity(row: tuple) -> Entity:
    return Entity(row[0], row[1], row[2], row[3], json.loads(row[4] or "{}"), row[5], bool(row[6]), *row[7:])


def _source(row: tuple) -> Source:
    return Source(
        id=row[0], name=row[1], sha256=row[2], size=row[3], kind=row[4], profile=row[5],
        imported_at=row[6], imported_by=row[7], agency=row[8], grade=f"{row[9]}{row[10]}{row[11]}",
        rows_read=row[12], rows_imported=row[13], rows_rejected=row[14],
        header=json.loads(row[15] or "[]"), header_row=row[16], options=json.loads(row[17] or "{}"),
    )


class NotACaseFile(CaseFileError):
    """The file given as a case is something else (a CSV, a PDF, a spreadsheet, a package...)."""

    def __init__(self, path: Path, what: str) -> None:
        self.path, self.what = path, what
        kind = "a linkgraph case file" if "SQLite" in what else "a case file"
        super().__init__(f"{path.name} is not {kind} ({what})")


def unwritable_reason(path: Path) -> str | None:
    """Why a case file cannot be written here (read-only media, a write-protected file or folder), or None.

    SQLite writes a journal beside the case, so its folder must be writable too."""
    path = Path(path).absolute()
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return "it is on read-only media"
    except (OSError, AttributeError):
        pass
    if not os.access(path, os.W_OK):
        return "the file is write-protected"
    if not os.access(path.parent, os.W_OK):
        return f"its folder {path.parent} is write-protected"
    return None


# The first bytes of files people pass by mistake where a case belongs -> what they are.
MAGIC = (
    (b"%PDF", "a PDF document"), (b"PK\x03\x04", "a ZIP archive (an Excel or Word file, or a package)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel or Word file"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"), (b"{\\rtf", "an RTF document"),
)
ZIP_KINDS = {".xlsx": "an Excel workbook", ".xlsm": "an Excel workbook", ".docx": "a Word document",
             ".lgpkg": "a case package: open it with `linkgraph unpack`", ".zip": "a ZIP archive"}


def what_file_is(path: Path) -> str | None:
    """What a file that is not a plain SQLite database looks like (a CSV, a PDF...), or None when it looks
    like random bytes: an encrypted case."""
    with Path(path).open("rb") as handle:
        head = handle.read(4096)
    if not head:
        return "an empty file"
    for magic, what in MAGIC:
        if head.startswith(magic):
            if magic.startswith(b"PK"):
                return ZIP_KINDS.get(Path(path).suffix.lower(), what)
            return what
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = head[:exc.start].decode("utf-8") if exc.start > len(head) - 4 else None
        if text is None:
            try:
                text = head.decode("cp1252")
            except UnicodeDecodeError:
                return None
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    if printable < 0.95 * max(len(text), 1):
        return None
    first = text.splitlines()[0] if text.splitlines() else ""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return "a JSON text file"
    if stripped.startswith("<"):
        return "an XML or HTML file"
    for delimiter, name in ((",", "CSV"), ("\t", "tab-separated"), (";", "semicolon-separated"), ("|", "pipe-separated")):
        if first.count(delimiter) >= 1:
            return f"a {name} text file"
    return "a text file"


def record_path(out: Path) -> Path:
    """Where an export from a read-only case records itself: `linkgraph-record.json` in the export's folder, or
    `<file>.linkgraph-record.json` beside a single file."""
    out = Path(out)
    return out / "linkgraph-record.json" if out.is_dir() else out.with_name(out.name + ".linkgraph-record.json")


def machine_timezone() -> str:
    """This computer's IANA time zone (TZ, /etc/timezone, the /etc/localtime link), or UTC when unknown."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    try:
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    if os.name == "nt":
        try:
            import tzlocal  # type: ignore[import-not-found]  # optional: Windows zone names

            candidates.append(tzlocal.get_localzone_name())
        except Exception:  # noqa: BLE001 - any failure: fall back
            pass
    for name in candidates:
        if name and "/" in name or name == "UTC":
            try:
                zone(name)
            except LinkgraphError:
                continue
            return name
    return "UTC"


def _connect(path: Path, passphrase: str | None, *, read_only_media: bool = False) -> sqlite3.Connection:
    """A connection to `path`: plain SQLite, or SQLCipher when a passphrase is given. On read-only media a
    plain case opens read-only and immutable (no journal or lock file is attempted beside it)."""
    if passphrase is None and read_only_media:
        uri = f"{path.absolute().as_uri()}?mode=ro&immutable=1"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    elif passphrase is None:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    else:
        from linkgraph.case import encryption

        conn = encryption.connect(path, passphrase)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class CaseFile:
    """An open case: the only way the rest of linkgraph reads or writes a .lgcase file."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, read_only: bool = False) -> None:
        self.path = path
        self.conn = conn
        self.read_only = read_only
        self.read_only_reason: str | None = None   # why the case could only be opened read-only (media, rights)
        self.unrecorded: list[dict[str, Any]] = []  # audit entries a read-only case could not keep (see audit())
        self.model: Model = load_model()
        self.user = os_user()
        self.lock: Any = None  # a locking.CaseLock when opened with lock=True
        self.held_by: Any = None  # a locking.Holder when another program held the case for writing at open
        self._raw_blocks: OrderedDict[tuple[int, int], list[str]] = OrderedDict()   # (source, first row) -> texts
        self._raw_blocks_state: tuple[int, int] | None = None   # the case's state when they were read
        self._keeps_blocks: bool | None = None
        self._file_id = _file_id(path)      # a write refuses a file replaced since (encrypted, decrypted in place)

    # ---- opening -------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: str | Path,
        *,
        name: str | None = None,
        timezone: str = "UTC",
        region: str = "US",
        agency: str | None = None,
        passphrase: str | None = None,
    ) -> CaseFile:
        """A new, empty case file; refuses to overwrite an existing file."""
        path = Path(path)
        if path.exists():
            raise CaseFileError(f"{path}: a file of that name exists already (choose another name)")
        zone(timezone)
        if not path.parent.exists():
            raise CaseFileError(f"{path}: folder {path.parent} does not exist")
        conn = _connect(path, passphrase)
        if passphrase is None:
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")    # before the first table: fixed from then on
        conn.execute("PRAGMA schema_version").fetchone()     # the file exists from here: readable by its owner only
        try:
            os.chmod(path, 0o600)
        except OSError:
            pass
        case = cls(path, conn)
        try:
            with case.transaction():
                schema.create(conn)
                created = now_iso()
                for key, value in {
                    "name": name or path.stem,
                    "timezone": timezone,
                    "region": region.upper(),
                    "agency": agency or "",
                    "created_at": created,
                    "created_by": case.user,
                    "case_id": hashlib.sha256(f"{path.name}|{created}|{case.user}|{os.urandom(8).hex()}".encode()).hexdigest()[:16],
                    "linkgraph_version": _version(),
                }.items():
                    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
                case.audit("create", {"name": name or path.stem, "timezone": timezone, "region": region})
        except BaseException:
            conn.close()
            path.unlink(missing_ok=True)
            raise
        return case

    @classmethod
    def open(
        cls, path: str | Path, *, passphrase: str | None = None, read_only: bool = False, lock: bool = False
    ) -> CaseFile:
        """Open an existing case; a newer schema, a non-case file or a wrong passphrase is refused clearly.

        lock=True also holds the case for writing (linkgraph.case.locking): another program holding
        it is named in a CaseInUseError, and the lock is released by close().
        """
        path = Path(path)
        if not path.is_file():
            raise CaseFileError(f"{path}: no such case file")
        reason = unwritable_reason(path)
        if lock and reason is None:
            from linkgraph.case.locking import CaseLock

            held = CaseLock(path)
            held.acquire()
            try:
                case = cls.open(path, passphrase=passphrase, read_only=read_only)
            except BaseException:
                held.release()
                raise
            case.lock = held
            return case
        if _looks_encrypted(path):
            what = what_file_is(path)
            if what is not None:
                raise NotACaseFile(path, what)
            if passphrase is None:
                raise CaseFileError(f"{path}: this case file is encrypted; give its passphrase (--passphrase)")
        conn = _connect(path, passphrase, read_only_media=reason is not None)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            conn.close()
            if passphrase is not None:
                raise CaseFileError(f"{path}: wrong passphrase, or not an encrypted linkgraph case") from exc
            raise NotACaseFile(path, f"SQLite cannot read it: {exc}") from exc
        if app_id != schema.APPLICATION_ID:
            conn.close()
            raise NotACaseFile(path, "an SQLite database of another program")
        if version > schema.SCHEMA_VERSION:
            conn.close()
            raise CaseFileError(
                f"{path}: made by a newer linkgraph (case format {version}, this version reads up to "
                f"{schema.SCHEMA_VERSION}); update linkgraph to open it"
            )
        case = cls(path, conn, read_only=read_only or reason is not None)
        case.read_only_reason = reason
        from linkgraph.case.locking import holder

        case.held_by = holder(path)  # another program holding the case for writing, for the caller to show
        if version < schema.SCHEMA_VERSION and not case.read_only:
            with case.transaction():
                steps = schema.migrate(conn, version)
                case.audit("migrate", {"from": version, "to": schema.SCHEMA_VERSION, "steps": steps})
        return case

    def close(self) -> None:
        """Close the connection (nothing is pending: every change commits in its own transaction)."""
        self.conn.close()
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def __enter__(self) -> CaseFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- transactions and audit ------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE): all of it lands or none of it does."""
        if self.read_only:
            if self.read_only_reason:
                raise CaseFileError(
                    f"{self.path.name} is read-only ({self.read_only_reason}): nothing was changed. To change it, "
                    "copy it to a folder you may write to and work on the copy")
            raise CaseFileError(f"{self.path}: opened read-only")
        if self.conn.in_transaction:
            yield self.conn
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except _operational_errors() as exc:
            raise CaseFileError(f"{self.path}: another program is writing to this case ({exc}); try again") from exc
        if self._file_id is not None and _file_id(self.path) != self._file_id:
            self.conn.execute("ROLLBACK")
            raise CaseFileError(f"{self.path}: the case file was replaced since it was opened (encrypted, decrypted or "
                                "re-keyed); open it again")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            audit.rolled_back(self.conn)
            raise
        else:
            self.conn.execute("COMMIT")
            audit.committed(self.conn)     # the new audit head goes to this computer's ledger

    def audit(self, action: str, details: dict[str, Any], *, ahead: audit.StateAhead | None = None) -> str:
        """Append an audit entry (inside the current transaction, or in one of its own).

        A case on read-only media cannot keep it: a read (an export) still runs, and the entry is kept in
        `unrecorded` for the caller to write beside its output (`write_unrecorded`); returns ''.
        `ahead`: the state digest made before this write (see `record_analysis`)."""
        if self.read_only and self.read_only_reason:
            self.unrecorded.append({"at": now_iso(), "by": self.user, "action": action, "details": details})
            return ""
        with self.transaction() as conn:
            return audit.append(conn, now_iso(), self.user, action, details, ahead=ahead)

    def state_uri(self) -> str | None:
        """This case file as a read-only URI for a second connection that makes the audit's state digest ahead of
        a write (`audit.state_ahead`, `record_analysis(ahead=)`); None where that does not apply: a read-only or
        encrypted case, or a transaction open on the case's connection (its rows unseen by another)."""
        if self.read_only or not isinstance(self.conn, sqlite3.Connection) or self.conn.in_transaction:
            return None
        file = next((row[2] for row in self.conn.execute("PRAGMA database_list") if row[1] == "main"), "")
        return Path(file).absolute().as_uri() + "?mode=ro" if file else None

    def write_unrecorded(self, path: Path, files: Iterable[Path] = ()) -> Path:
        """Write the audit entries this read-only case could not keep, with the case's SHA-256 and the
        SHA-256 of each file written, to `path` (JSON): where the run is recorded instead."""
        def digest(file: Path) -> str:
            h = hashlib.sha256()
            with Path(file).open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    h.update(block)
            return h.hexdigest()

        record = {
            "note": f"{self.path.name} was read-only ({self.read_only_reason}); these entries could not be "
                    "written to its audit log and are recorded here instead",
            "case": self.name, "case_file": str(self.path), "case_file_sha256": self.sha256(),
            "entries": self.unrecorded,
            "files": {str(f): digest(f) for f in files if Path(f).is_file()},
        }
        Path(path).write_text(json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        return Path(path)

    # ---- metadata --------------------------------------------------------------------
    def meta(self, key: str, default: str | None = None) -> str | None:
        """One value of the case's metadata (name, timezone, region, agency, ...)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        """Change a metadata value, audited."""
        if key == "timezone":
            zone(value)
        with self.transaction() as conn:
            old = self.meta(key)
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
            self.audit("set_meta", {"key": key, "old": old, "new": value})

    @property
    def name(self) -> str:
        return self.meta("name") or self.path.stem

    @property
    def timezone(self) -> str:
        return self.meta("timezone") or "UTC"

    @property
    def region(self) -> str:
        return self.meta("region") or "US"

    def sha256(self) -> str:
        """SHA-256 of the case file's bytes as they are on disk now (cited in exhibit footers)."""
        digest = hashlib.sha256()
        with self.path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()

    # ---- reading ---------------------------------------------------------------------
    def removed_sources(self) -> dict[int, dict[str, Any]]:
        """Sources taken out of the case (`remove_source`): id -> when, by whom and why. Their rows stay
        for the audit; the graph and the analysis leave their links out."""
        found = {}
        for source_id, text in self.conn.execute(
                "SELECT id, json_extract(options, '$.removed') FROM sources "
                "WHERE json_extract(options, '$.removed') IS NOT NULL ORDER BY id"):
            found[int(source_id)] = json.loads(text)
        return found

    def removed_links_sql(self) -> str:
        """An SQL condition on `links` leaving out links that only removed sources cite ('' when none)."""
        if not self.conn.execute("SELECT 1 FROM sources WHERE json_extract(options, '$.removed') IS NOT NULL "
                                 "LIMIT 1").fetchone():
            return ""
        gone = "SELECT id FROM sources WHERE json_extract(options, '$.removed') IS NOT NULL"
        return (f" AND (links.source_id NOT IN ({gone}) OR EXISTS (SELECT 1 FROM link_evidence e WHERE "
                f"e.link_id = links.id AND e.source_id NOT IN ({gone})))")

    def remove_source(self, source_id: int, reason: str = "") -> Source:
        """Take a source out of the case (a file imported twice, the wrong file): its rows stay, for the
        audit; the graph and the analysis leave its links out. Audited; `restore_source` undoes it."""
        source = self.source(source_id)
        if source_id in self.removed_sources():
            raise LinkgraphError(f"source {source_id} ({source.name}) was removed already "
                                 f"(restore it with: linkgraph remove-source CASE {source_id} --restore)")
        with self.transaction() as conn:
            options = dict(source.options)
            options["removed"] = {"at": now_iso(), "by": self.user, "reason": reason}
            conn.execute("UPDATE sources SET options = ? WHERE id = ?", (json.dumps(options, ensure_ascii=False), source_id))
            self.audit("remove_source", {"source": source_id, "file": source.name, "sha256": source.sha256,
                                         "reason": reason})
        return self.source(source_id)

    def restore_source(self, source_id: int, reason: str = "") -> Source:
        """Put a removed source back (audited)."""
        source = self.source(source_id)
        if source_id not in self.removed_sources():
            raise LinkgraphError(f"source {source_id} ({source.name}) is not removed")
        with self.transaction() as conn:
            options = dict(source.options)
            removed = options.pop("removed")
            conn.execute("UPDATE sources SET options = ? WHERE id = ?", (json.dumps(options, ensure_ascii=False), source_id))
            self.audit("restore_source", {"source": source_id, "file": source.name, "removed": removed,
                                          "reason": reason})
        return self.source(source_id)

    def sources(self) -> list[Source]:
        """Every imported source, oldest first."""
        return [_source(r) for r in self.conn.execute(f"SELECT {SOURCE_COLUMNS} FROM sources ORDER BY id")]

    def source(self, source_id: int) -> Source:
        row = self.conn.execute(f"SELECT {SOURCE_COLUMNS} FROM sources WHERE id = ?", (source_id,)).fetchone()
        if row is None:
            raise LinkgraphError(f"no source {source_id} in this case")
        return _source(row)

    def entity(self, entity_id: int) -> Entity:
        row = self.conn.execute(f"SELECT {ENTITY_COLUMNS} FROM entities WHERE id = ?", (entity_id,)).fetchone()
        if row is None:
            raise LinkgraphError(f"no entity {entity_id} in this case")
        return _entity(row)

    def entities(self, entity_type: str | None = None, *, include_merged: bool = False) -> list[Entity]:
        """Entities, optionally of one type; merged-away entities only when asked."""
        sql = f"SELECT {ENTITY_COLUMNS} FROM entities WHERE 1=1"
        args: list[Any] = []
        if entity_type:
            sql += " AND type = ?"
            args.append(self.model.entity_type(entity_type).name)
        if not include_merged:
            sql += " AND merged_into IS NULL"
        return [_entity(r) for r in self.conn.execute(sql + " ORDER BY id", args)]

    def find_entity(self, entity_type: str, key: str) -> Entity | None:
        """The entity with this canonical key, followed through merges to the one that stands."""
        row = self.conn.execute(
            f"SELECT {ENTITY_COLUMNS} FROM entities WHERE type = ? AND key = ?",
            (self.model.entity_type(entity_type).name, key),
        ).fetchone()
        if row is None:
            return None
        found = _entity(row)
        return self.entity(self.representatives().get(found.id, found.id))

    def representatives(self) -> dict[int, int]:
        """Entity id -> the id that stands for it after merges (only merged ids appear)."""
        parent = dict(self.conn.execute("SELECT id, merged_into FROM entities WHERE merged_into IS NOT NULL"))
        resolved: dict[int, int] = {}
        for start in parent:
            node, seen = start, set()
            while node in parent and node not in seen:
                seen.add(node)
                node = parent[node]
            resolved[start] = node
        return resolved

    def counts(self) -> dict[str, Any]:
        """Entities by type, links by type and totals, for `info` and the GUI's status bar."""
        entities = dict(self.conn.execute(
            "SELECT type, COUNT(*) FROM entities WHERE merged_into IS NULL GROUP BY type ORDER BY type"
        ))
        links = dict(self.conn.execute("SELECT type, COUNT(*) FROM links GROUP BY type ORDER BY type"))
        return {
            "entities": entities,
            "links": links,
            "entity_total": sum(entities.values()),
            "link_total": sum(links.values()),
            "sources": self.conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0],
        }

    def rejected_rows(self, source_id: int | None = None) -> list[dict[str, Any]]:
        """Rows an import turned away, with the reason and the column at fault."""
        return [
            {"source_id": s, "row": r, "column": c, "reason": why, "raw": json.loads(raw) if raw else None}
            for s, r, c, why, raw in self._problems(source_id, set_aside=False)
        ]

    def set_aside_values(self, source_id: int | None = None) -> list[dict[str, Any]]:
        """Values an import set aside while keeping their record (a bad IMEI on a good call), with the reason."""
        return [
            {"source_id": s, "row": r, "column": c, "reason": why[len(SET_ASIDE_PREFIX):],
             "value": json.loads(raw).get("value") if raw else None}
            for s, r, c, why, raw in self._problems(source_id, set_aside=True)
        ]

    def _problems(self, source_id: int | None, *, set_aside: bool) -> list[tuple]:
        """Rows of `rejected_rows`: whole rows turned away, or (set_aside) single values set aside."""
        sql = "SELECT source_id, row, column, reason, raw FROM rejected_rows WHERE (substr(reason, 1, ?) = ?) = ?"
        args: tuple = (len(SET_ASIDE_PREFIX), SET_ASIDE_PREFIX, set_aside)
        if source_id is not None:
            sql += " AND source_id = ?"
            args += (source_id,)
        return self.conn.execute(sql + " ORDER BY source_id, row, rowid", args).fetchall()

    def raw_row(self, source_id: int, row: int) -> dict[str, str]:
        """The original cells of one source row, keyed by the file's own header."""
        text = self.raw_text(source_id, row)
        return {} if text is None else self._cells(self.source(source_id), text)

    def raw_rows(self, cites: Iterable[tuple[int, int]]) -> dict[tuple[int, int], dict[str, str]]:
        """The original cells of many (source, row) cites at once, each block read once; a cite with no row is left out."""
        wanted: dict[int, set[int]] = {}
        for source_id, row in cites:
            wanted.setdefault(int(source_id), set()).add(int(row))
        found: dict[tuple[int, int], dict[str, str]] = {}
        for source_id, rows in wanted.items():
            source = self.source(source_id)
            for row in sorted(rows):          # in order: each block is parsed once and then served from the cache
                text = self.raw_text(source_id, row)
                if text is not None:
                    found[(source_id, row)] = self._cells(source, text)
        return found

    def raw_text(self, source_id: int, row: int) -> str | None:
        """One source row's raw text as kept (a delimited line or JSON cells), or None when it was not kept."""
        if self._keeps_blocks is None:
            self._keeps_blocks = stores_blocks(self.conn)
        if not self._keeps_blocks:
            found = self.conn.execute(
                "SELECT raw FROM source_rows WHERE source_id = ? AND row = ?", (source_id, row)).fetchone()
            return None if found is None else found[0]
        if self.conn.in_transaction:        # uncommitted rows may yet roll back: read them, keep nothing
            block = block_at(self.conn, source_id, row)
            return None if block is None else block[1][row - block[0]]
        state = (self.conn.total_changes, self.conn.execute("PRAGMA data_version").fetchone()[0])
        if state != self._raw_blocks_state:   # written since, by this connection or another: read afresh
            self._raw_blocks.clear()
            self._raw_blocks_state = state
        for (cached_source, first), texts in self._raw_blocks.items():
            if cached_source == source_id and first <= row < first + len(texts):
                self._raw_blocks.move_to_end((cached_source, first))
                return texts[row - first]
        block = block_at(self.conn, source_id, row)
        if block is None:
            return None
        self._raw_blocks[(source_id, block[0])] = block[1]
        if len(self._raw_blocks) > RAW_BLOCKS_CACHED:
            self._raw_blocks.popitem(last=False)
        return block[1][row - block[0]]

    @staticmethod
    def _cells(source: Source, text: str) -> dict[str, str]:
        """A raw text as cells keyed by the source's header (a delimited line is split as the file was)."""
        header = source.header
        if source.options.get("raw_format") == "delimited":
            cells = next(csv.reader([text], delimiter=source.options.get("delimiter", ",")), [])
        else:
            cells = json.loads(text)
        if isinstance(cells, dict):
            return {str(k): str(v) for k, v in cells.items()}
        names = header + [f"column_{i + 1}" for i in range(len(header), len(cells))]
        return {names[i]: cell for i, cell in enumerate(cells)}

    def link_provenance(self, link_id: int) -> list[dict[str, Any]]:
        """Every source row behind a link: file, SHA-256, row number, raw values, grade."""
        rows = self.conn.execute(
            "SELECT source_id, row FROM links WHERE id = ? UNION "
            "SELECT source_id, row FROM link_evidence WHERE link_id = ? ORDER BY 1, 2",
            (link_id, link_id),
        ).fetchall()
        return [self._cite(source_id, row) for source_id, row in rows]

    def entity_provenance(self, entity_id: int) -> list[dict[str, Any]]:
        """The first row of every source that named this entity."""
        rows = self.conn.execute(
            "SELECT source_id, row FROM entity_evidence WHERE entity_id = ? ORDER BY source_id", (entity_id,)
        ).fetchall()
        return [self._cite(source_id, row) for source_id, row in rows]

    def _cite(self, source_id: int, row: int) -> dict[str, Any]:
        src = self.source(source_id)
        return {
            "source_id": source_id, "file": src.name, "sha256": src.sha256, "row": row,
            "grade": src.grade, "agency": src.agency, "raw": self.raw_row(source_id, row),
        }

    # ---- editing ---------------------------------------------------------------------
    def edit_entity(
        self, entity_id: int, *, role: str | None = None, minor: bool | None = None, label: str | None = None
    ) -> Entity:
        """Change a person's role or minor flag, or any entity's label; the old values go to the audit log."""
        before = self.entity(entity_id)
        changes: dict[str, Any] = {}
        if role is not None:
            if role not in self.model.person_roles:
                raise LinkgraphError(f"unknown role '{role}' (roles: {', '.join(self.model.person_roles)})")
            if before.type != "Person":
                raise LinkgraphError(f"only persons have a role; entity {entity_id} is a {before.type}")
            changes["role"] = role
        if minor is not None:
            if before.type != "Person":
                raise LinkgraphError(f"only persons can be flagged minor; entity {entity_id} is a {before.type}")
            changes["minor"] = int(minor)
        if label is not None and label.strip():
            changes["label"] = label.strip()
        if not changes:
            return before
        with self.transaction() as conn:
            sets = ", ".join(f"{column} = ?" for column in changes)
            conn.execute(f"UPDATE entities SET {sets} WHERE id = ?", (*changes.values(), entity_id))
            old = {column: getattr(before, column) for column in changes}
            old = {k: int(v) if isinstance(v, bool) else v for k, v in old.items()}
            self.audit("edit_entity", {"entity": entity_id, "old": old, "new": changes})
        return self.entity(entity_id)

    def set_aliases(self, entity_id: int, aliases: list[str]) -> Entity:
        """Record the other names a person goes by (a victim's working names in ads: "Kandi"), as the
        person's `alias` attribute; redaction hides them wherever they are written. Audited."""
        before = self.entity(entity_id)
        if before.type != "Person":
            raise LinkgraphError(f"only persons have aliases; entity {entity_id} is a {before.type}")
        names = list(dict.fromkeys(" ".join(str(a).split()) for a in aliases if str(a).strip()))
        attrs = dict(before.attrs)
        old = attrs.get("alias")
        if names:
            attrs["alias"] = names
        else:
            attrs.pop("alias", None)
        with self.transaction() as conn:
            conn.execute("UPDATE entities SET attrs = ? WHERE id = ?",
                         (json.dumps(attrs, ensure_ascii=False, sort_keys=True), entity_id))
            self.audit("edit_entity", {"entity": entity_id, "old": {"alias": old}, "new": {"alias": names}})
        return self.entity(entity_id)

    def add_note(self, entity_id: int | None, text: str) -> int:
        """Attach an analyst's note to an entity (or to the case when entity_id is None)."""
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO notes (entity_id, text, at, by) VALUES (?, ?, ?, ?)",
                (entity_id, text, now_iso(), self.user),
            )
            self.audit("note", {"entity": entity_id, "note": cursor.lastrowid, "text": text})
            return int(cursor.lastrowid)

    def notes(self, entity_id: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT id, entity_id, text, at, by FROM notes"
        args: tuple = ()
        if entity_id is not None:
            sql += " WHERE entity_id = ?"
            args = (entity_id,)
        return [dict(zip(("id", "entity_id", "text", "at", "by"), r, strict=True)) for r in self.conn.execute(sql, args)]

    # ---- analysis runs -----------------------------------------------------------------
    def record_analysis(self, params: dict[str, Any], summary: dict[str, Any], *, encoded: bytes | None = None,
                        ahead: audit.StateAhead | None = None) -> int:
        """Keep an analysis result with its parameters and time, so an exhibit can cite the run.

        `encoded`: `result_json(summary)`, made already by the caller. `ahead`: the audit's state digest made
        before (`audit.state_ahead`), used when nothing was committed to the case since; closed here."""
        try:
            encoded = result_json(summary) if encoded is None else encoded
            digest = hashlib.sha256(encoded).hexdigest()
            # Kept as it is when this write opens its own transaction and nothing was committed since it was made
            # (asked before the INSERT: its lock keeps any other writer out from here to the COMMIT).
            kept = ahead if ahead is not None and not self.conn.in_transaction else None
            with self.transaction() as conn:
                kept = kept if kept is not None and kept.unchanged() else None
                # The result's UTF-8 bytes stored as the text they are (no Python str of tens of MB made for it).
                cursor = conn.execute(
                    "INSERT INTO analysis_runs (at, by, params, summary, digest) VALUES (?, ?, ?, CAST(? AS TEXT), ?)",
                    (now_iso(), self.user, json.dumps(params, sort_keys=True, default=str), encoded, digest),
                )
                kept = kept if kept is not None and cursor.lastrowid > kept.after else None   # (its row after them)
                self.audit("analyze", {"run": cursor.lastrowid, "params": params, "digest": digest}, ahead=kept)
                return int(cursor.lastrowid)
        finally:
            if ahead is not None:
                ahead.close()

    def unrecorded_analysis(self, params: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
        """The record `record_analysis` would keep (time, user, parameters, SHA-256 of the result), for a case that
        is read-only: it goes into the output instead, with the case file's own SHA-256 to say which case it was."""
        return {"at": now_iso(), "by": self.user, "params": params, "case_file_sha256": self.sha256(),
                "digest": hashlib.sha256(result_json(summary)).hexdigest(),
                "note": f"not kept in {self.path.name}, which is read-only: {self.read_only_reason}"}

    def analysis_run(self, run_id: int | None = None) -> dict[str, Any] | None:
        """A stored analysis run (the latest when no id is given)."""
        sql = "SELECT id, at, by, params, summary, digest FROM analysis_runs"
        row = self.conn.execute(
            sql + (" WHERE id = ?" if run_id else " ORDER BY id DESC LIMIT 1"), (run_id,) if run_id else ()
        ).fetchone()
        if row is None:
            return None
        return {"id": row[0], "at": row[1], "by": row[2], "params": json.loads(row[3]),
                "summary": json.loads(row[4]), "digest": row[5]}


def result_json(data: Any) -> bytes:
    """A stored result as UTF-8 JSON with sorted keys: orjson (a 28 MB run in a fraction of a second) when it
    takes the data (numbers, numpy's included, as numbers; NaN as null, as `analyze --json` prints them), else the
    standard library's encoder. Its SHA-256 is the run's digest."""
    try:
        import orjson
    except ImportError:
        orjson = None
    if orjson is not None:
        try:
            return orjson_dumps(orjson, data, orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY)
        except TypeError:       # what orjson will not write (an integer beyond 64 bits, say)
            pass
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")


def orjson_dumps(orjson: Any, data: Any, option: int) -> bytes:
    """`orjson.dumps(data, default=str, option=option)`, keys that are not strings (entity ids) written as strings:
    tried first without OPT_NON_STR_KEYS, which orjson writes faster when every key is a string already (a
    TypeError from both raised)."""
    try:
        return orjson.dumps(data, default=str, option=option)
    except TypeError:
        return orjson.dumps(data, default=str, option=option | orjson.OPT_NON_STR_KEYS)


def _operational_errors() -> tuple[type[BaseException], ...]:
    """sqlite3's OperationalError, plus SQLCipher's once an encrypted case has loaded it."""
    import sys

    if "linkgraph.case.encryption" in sys.modules:
        return sys.modules["linkgraph.case.encryption"].operational_errors()
    return (sqlite3.OperationalError,)


def _file_id(path: Path) -> tuple[int, int] | None:
    """The file's identity on disk (device, inode): changes when another file is renamed over it."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_dev, found.st_ino) if found.st_ino else None


def _looks_encrypted(path: Path) -> bool:
    """A SQLCipher file has no plain 'SQLite format 3' header."""
    with path.open("rb") as handle:
        head = handle.read(16)
    return head != b"SQLite format 3\x00"


def _version() -> str:
    from linkgraph import __version__

    return __version__
