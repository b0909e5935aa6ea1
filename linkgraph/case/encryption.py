"""Encryption at rest of a case file with a passphrase, through SQLCipher (the sqlcipher3 binding).

No cipher is home-made: SQLCipher 4 encrypts every page (AES-256, HMAC-SHA-512 per page, the key
derived from the passphrase with PBKDF2-HMAC-SHA-512). An encrypted case is opened with
`CaseFile.open(path, passphrase=...)`; `encrypt_case` / `decrypt_case` convert a whole file.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from linkgraph.errors import CaseFileError

INSTALL_HINT = (
    "encrypted case files need SQLCipher: install 'sqlcipher3-binary' (Linux) or 'sqlcipher3-wheels' "
    "(Windows, macOS) into linkgraph's Python"
)
MIN_PASSPHRASE = 8
CONVERT_WAIT_SECONDS = 30.0   # how long encrypt/decrypt wait for another writer (an import, a note) to finish


def _driver() -> Any:
    """The sqlcipher3 DB-API module, or a clear error when this installation lacks it."""
    try:
        from sqlcipher3 import dbapi2
    except ImportError as exc:
        raise CaseFileError(INSTALL_HINT) from exc
    return dbapi2


def available() -> bool:
    """True when SQLCipher can be loaded (plain cases work either way)."""
    try:
        _driver()
    except CaseFileError:
        return False
    return True


def operational_errors() -> tuple[type[BaseException], ...]:
    """The 'database is locked'-style error classes of every driver in use (sqlite3 and, if loaded, SQLCipher)."""
    found: list[type[BaseException]] = [sqlite3.OperationalError]
    try:
        from sqlcipher3 import dbapi2
    except ImportError:
        return tuple(found)
    found.append(dbapi2.OperationalError)
    return tuple(found)


def database_errors() -> tuple[type[BaseException], ...]:
    """Every driver's DatabaseError class (a wrong key or a damaged file raises one of these)."""
    found: list[type[BaseException]] = [sqlite3.DatabaseError]
    try:
        from sqlcipher3 import dbapi2
    except ImportError:
        return tuple(found)
    found.append(dbapi2.DatabaseError)
    return tuple(found)


def _quoted(passphrase: str) -> str:
    """The passphrase as an SQL string literal (PRAGMA key takes no bound parameters)."""
    if "\x00" in passphrase:
        raise CaseFileError("a passphrase cannot contain a NUL character")
    return "'" + passphrase.replace("'", "''") + "'"


def check_passphrase(passphrase: str | None) -> str:
    """Refuse an empty or short passphrase before anything is written."""
    if passphrase is None or len(passphrase) < MIN_PASSPHRASE:
        raise CaseFileError(f"a case passphrase must be at least {MIN_PASSPHRASE} characters long")
    return passphrase


def connect(path: Path, passphrase: str) -> Any:
    """An autocommit SQLCipher connection to `path` with its key checked (a wrong passphrase is refused)."""
    dbapi2 = _driver()
    path = Path(path)
    new = not path.exists() or path.stat().st_size == 0
    if new:
        check_passphrase(passphrase)
    elif not is_encrypted(path):
        raise CaseFileError(f"{path}: this case file is not encrypted; open it without a passphrase")
    conn = dbapi2.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {_quoted(passphrase)}")
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except dbapi2.DatabaseError as exc:
        conn.close()
        raise CaseFileError(f"{path}: wrong passphrase, or not an encrypted linkgraph case") from exc
    return conn


def is_encrypted(path: Path) -> bool:
    """A SQLCipher file has no plain 'SQLite format 3' header (an empty file is neither)."""
    with Path(path).open("rb") as handle:
        head = handle.read(16)
    return len(head) == 16 and head != b"SQLite format 3\x00"


def _export(source: Any, target: Path, key: str | None, audit_entry: tuple[str, str, str, dict[str, Any]] | None,
            *, application_id: int, user_version: int) -> None:
    """Copy every table of `source` into a new file `target`, encrypted with `key` (plain when None); with an
    `audit_entry`, audit it in `source` first, in the same write transaction (the copy holds the entry)."""
    from linkgraph.case import audit

    source.execute("ATTACH DATABASE ? AS converted KEY ?", (str(target), key or ""))
    try:
        source.execute("BEGIN IMMEDIATE" if audit_entry is not None else "BEGIN")   # deferred: writes the copy only
        try:
            if audit_entry is not None:
                audit.append(source, *audit_entry)
            source.execute("SELECT sqlcipher_export('converted')").fetchone()
            source.execute(f"PRAGMA converted.application_id = {int(application_id)}")
            source.execute(f"PRAGMA converted.user_version = {int(user_version)}")
        except BaseException:
            source.execute("ROLLBACK")
            audit.rolled_back(source)
            raise
        source.execute("COMMIT")
        audit.committed(source)
    finally:
        source.execute("DETACH DATABASE converted")


def _convert(path: Path, out: Path | None, old: str | None, new: str | None, action: str) -> Path:
    """Write `path` again with key `new` (plain when None), audited; in place when `out` is None.

    In place, the writer lock (locking.CaseLock, which every linkgraph writer takes) and SQLite's write lock on
    the old file are both held from the export until the new file is in place: no write can commit in between
    (it would be lost with the old file), and a writer that was waiting finds the file replaced
    (CaseFile.transaction refuses to write to the old one). The audit entry is written into the new file."""
    from linkgraph.case import audit
    from linkgraph.case.case_file import os_user
    from linkgraph.case.locking import CaseLock
    from linkgraph.times import now_iso

    dbapi2 = _driver()
    path = Path(path)
    if not path.is_file():
        raise CaseFileError(f"{path}: no such case file")
    target = Path(out) if out is not None else path
    if out is not None and target.exists():
        raise CaseFileError(f"{target}: a file of that name exists already (choose another name)")
    temp = target.with_name(f".{target.name}.{os.getpid()}.converting")
    temp.unlink(missing_ok=True)
    lock = CaseLock(path)
    lock.acquire(wait=CONVERT_WAIT_SECONDS)
    guard = copy = None
    try:
        conn = _open_any(dbapi2, path, old)
        try:
            application_id = conn.execute("PRAGMA application_id").fetchone()[0]
            user_version = conn.execute("PRAGMA user_version").fetchone()[0]
            from linkgraph.case.schema import APPLICATION_ID

            if application_id != APPLICATION_ID:
                raise CaseFileError(f"{path}: not a linkgraph case file")
            entry = (now_iso(), os_user(), action, {"file": path.name, "to": target.name})
            if out is not None:             # the case stays where it is: audit it there, copy, done
                _export(conn, temp, new, entry, application_id=application_id, user_version=user_version)
            else:
                guard = _open_any(dbapi2, path, old)
                guard.execute("BEGIN IMMEDIATE")      # no writer commits to the old file from here to the rename
                _export(conn, temp, new, None, application_id=application_id, user_version=user_version)
                copy = _open_any(dbapi2, temp, new)
                copy.execute("BEGIN IMMEDIATE")
                audit.append(copy, *entry)
                copy.execute("COMMIT")
                copy.close()
            _check_copy(temp, new)
            _private(temp)
            os.replace(temp, target)
            if copy is not None:
                audit.committed(copy)
        except dbapi2.DatabaseError as exc:
            raise CaseFileError(f"{path}: cannot {action} this case ({exc})") from exc
        finally:
            if copy is not None:
                audit.rolled_back(copy)
                copy.close()
            if guard is not None:
                guard.execute("ROLLBACK")
                guard.close()
            conn.close()
            temp.unlink(missing_ok=True)
    finally:
        lock.release()
    return target


def _open_any(dbapi2: Any, path: Path, passphrase: str | None) -> Any:
    """A SQLCipher connection to a plain (no passphrase) or encrypted case, waiting for other writers."""
    if passphrase is None:
        conn = dbapi2.connect(str(path), isolation_level=None, check_same_thread=False)
    else:
        conn = connect(path, passphrase)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def _private(path: Path) -> None:
    """A case file readable by its owner only (mode 0600 where the OS has modes)."""
    try:
        os.chmod(path, 0o600)
    except OSError:
        pass


def _check_copy(path: Path, passphrase: str | None) -> None:
    """The converted file opens with its new key and passes every integrity check, or nothing is replaced."""
    from linkgraph.case.integrity import verify_connection

    conn = connect(path, passphrase) if passphrase is not None else sqlite3.connect(path, isolation_level=None)
    try:
        report = verify_connection(conn)
    finally:
        conn.close()
    if not report.ok:
        raise CaseFileError(f"{path}: the converted copy failed verification: {'; '.join(report.problems[:3])}")


def encrypt_case(path: Path, passphrase: str, out: Path | None = None) -> Path:
    """Encrypt a plain case (in place, or into `out`), audited; returns the encrypted file."""
    check_passphrase(passphrase)
    if is_encrypted(path):
        raise CaseFileError(f"{path}: this case file is encrypted already")
    return _convert(Path(path), out, None, passphrase, "encrypt")


def decrypt_case(path: Path, passphrase: str, out: Path | None = None) -> Path:
    """Write an encrypted case back as plain SQLite (in place, or into `out`), audited."""
    if not is_encrypted(path):
        raise CaseFileError(f"{path}: this case file is not encrypted")
    return _convert(Path(path), out, passphrase, None, "decrypt")


def change_passphrase(path: Path, old: str, new: str) -> None:
    """Re-key an encrypted case (every page is rewritten under the new passphrase), audited."""
    check_passphrase(new)
    _convert(Path(path), None, old, new, "change_passphrase")
