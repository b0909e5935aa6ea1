"""Case packages (.lgpkg): one file holding a case and, optionally, its original source files.

A package is a zip archive with `manifest.json` (the SHA-256 and size of every member, the
case's audit head) plus `case/<name>.lgcase` and `sources/<id>-<name>`; the names the manifest and
members show carry pseudonyms, not the names of protected persons (victims, minors, their relatives). `verify_package`
checks the hashes, the members, the case's SQLite integrity and audit chain; `unpack_package`
never writes outside its target folder and writes nothing unless every member checks out.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from linkgraph.case import CaseFile, VerifyReport, verify_connection
from linkgraph.case.case_file import os_user
from linkgraph.case.importing import file_sha256
from linkgraph.errors import Cancelled, CaseFileError, InputError, LinkgraphError
from linkgraph.progress import Progress, no_progress
from linkgraph.times import now_iso

SUFFIX = ".lgpkg"
FORMAT = "linkgraph-package"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ROLES = {"case": "case/", "source": "sources/"}
MAX_MANIFEST_BYTES = 16 << 20
MAX_UNPACKED_BYTES = 64 << 30        # a package never unpacks past 64 GiB, whatever its manifest declares
MAX_RATIO = 200                      # nor a member past 200 times its compressed size (past RATIO_FLOOR bytes)
RATIO_FLOOR = 64 << 20
MAX_MEMBERS = 100_000
READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
BLOCK = 1 << 20
WINDOWS_DEVICES = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)


@dataclass
class PackageResult:
    """What `create_package` wrote: the package, its SHA-256, and the sources it did or did not hold."""

    path: Path
    sha256: str
    files: list[dict[str, Any]]
    sources_included: list[int] = field(default_factory=list)
    sources_missing: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "sha256": self.sha256, "files": self.files,
                "sources_included": self.sources_included, "sources_missing": self.sources_missing}


def safe_file_name(name: str) -> str:
    """A member file name that is valid on every OS (no separators, drive letters or control characters)."""
    # Letters and digits of any script stay (a Spanish or Vietnamese file name is kept as it was), NFC so the
    # same name is the same bytes on macOS and Windows; separators, reserved and control characters go.
    cleaned = re.sub(r"[^\w. -]", "_", unicodedata.normalize("NFC", name)).strip(" .") or "file"
    return cleaned[:120]


def _hash_file(path: Path) -> str:
    return file_sha256(path)[0]


def _snapshot(case: CaseFile, target: Path) -> None:
    """Copy the case file's bytes while holding a read transaction, so no writer commits mid-copy."""
    case.conn.execute("BEGIN")
    try:
        case.conn.execute("SELECT COUNT(*) FROM meta").fetchone()
        shutil.copyfile(case.path, target)
    finally:
        case.conn.execute("COMMIT")


def _find_source(source: Any, recorded: str | None, source_dirs: Iterable[Path]) -> Path | None:
    """The original file of a source: at the path it was imported from, or by name in `source_dirs`."""
    candidates = [Path(recorded)] if recorded else []
    candidates.extend(Path(folder) / source.name for folder in source_dirs)
    for candidate in candidates:
        if candidate.is_file() and candidate.stat().st_size == source.size and _hash_file(candidate) == source.sha256:
            return candidate
    return None


def create_package(
    case_path: str | Path,
    out: str | Path,
    *,
    passphrase: str | None = None,
    include_sources: bool = False,
    source_dirs: Iterable[str | Path] = (),
    progress: Progress = no_progress,
) -> PackageResult:
    """Write a .lgpkg holding the case (and its original files when asked), audited in the case itself."""
    case_path, out = Path(case_path), Path(out)
    if out.suffix.lower() != SUFFIX:
        out = out.with_name(out.name + SUFFIX)
    if out.exists():
        raise LinkgraphError(f"{out}: a file of that name exists already (choose another name)")
    if not out.parent.is_dir():
        raise LinkgraphError(f"{out}: folder {out.parent} does not exist")
    folders = [Path(f) for f in source_dirs]
    work = Path(tempfile.mkdtemp(prefix=".lgpkg-", dir=out.parent))
    try:
        with CaseFile.open(case_path, passphrase=passphrase, lock=True) as case:
            scrub = _scrubber(case)
            sources = case.sources()
            paths = dict(case.conn.execute("SELECT id, path FROM sources"))
            found: dict[int, Path] = {}
            missing: list[dict[str, Any]] = []
            if include_sources:
                for number, source in enumerate(sources):
                    if progress(number, len(sources), f"Finding {source.name}") is False:
                        raise Cancelled("packaging cancelled; nothing was written")
                    hit = _find_source(source, paths.get(source.id), folders) if source.kind != "case" else None
                    if hit is None:
                        why = ("merged from another case: its original stays with that agency" if source.kind == "case"
                               else "original file not found with the same SHA-256")
                        missing.append({"source_id": source.id, "file": scrub(source.name), "sha256": source.sha256,
                                        "reason": why})
                    else:
                        found[source.id] = hit
            case.audit("package", {
                "package": out.name, "include_sources": include_sources,
                "sources_included": sorted(found), "sources_missing": [m["source_id"] for m in missing],
            })
            head = case.meta("audit_head")
            info = {
                "name": scrub(case.name), "case_id": case.meta("case_id"), "agency": case.meta("agency"),
                "timezone": case.timezone, "audit_head": head,
                "audit_signature": case.meta("audit_signature"), "signer_public_key": _signer_text(),
                "encrypted": _is_encrypted(case.path),
                "schema_version": case.conn.execute("PRAGMA user_version").fetchone()[0],
                "sources": len(sources), "entities": case.counts()["entity_total"],
            }
            snapshot = work / safe_file_name(scrub(case.path.name))
            _snapshot(case, snapshot)
            member_names = {source_id: safe_file_name(scrub(original.name)) for source_id, original in found.items()}
        members: list[tuple[str, Path, dict[str, Any]]] = [
            (f"case/{snapshot.name}", snapshot, {"role": "case"}),
        ]
        for source_id, original in sorted(found.items()):
            name = f"sources/{source_id}-{member_names[source_id]}"
            members.append((name, original, {"role": "source", "source_id": source_id}))
        files = []
        for name, path, extra in members:
            files.append({"path": name, "sha256": _hash_file(path), "size": path.stat().st_size, **extra})
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "created_at": now_iso(), "created_by": os_user(),
            "linkgraph_version": _version(), "case": info, "files": files, "sources_missing": missing,
        }
        partial = work / "package.partial"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True))
            for number, (name, path, _extra) in enumerate(members):
                if progress(number, len(members), f"Packing {PurePosixPath(name).name}") is False:
                    raise Cancelled("packaging cancelled; nothing was written")
                archive.write(path, name)
        os.replace(partial, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return PackageResult(out, _hash_file(out), files, sorted(found), missing)


def _scrubber(case: CaseFile) -> Callable[[str], str]:
    """Protected persons' names (victims, minors and their relatives) and numbers replaced by their pseudonyms
    in the text a package shows outside the case: the manifest and member names are readable by anyone who
    holds the zip, an encrypted case's too ('Rosa Marquez.lgcase' -> 'Relative 1.lgcase')."""
    from linkgraph.exports.redaction import Redactor

    redactor = Redactor(case, True)
    return lambda text: redactor.text(text) if redactor.protected else text


def _signer_text() -> str | None:
    """The packaging examiner's public key (exchanged with the package: it names a key, it proves no identity)."""
    from linkgraph.case import signing

    signer = signing.current_signer()
    return None if signer is None else signer[1].text().strip()


def _is_encrypted(path: Path) -> bool:
    from linkgraph.case.encryption import is_encrypted

    return is_encrypted(path)


def _version() -> str:
    from linkgraph import __version__

    return __version__


# ---- reading a package ---------------------------------------------------------------------
def unsafe_member(name: str, info: zipfile.ZipInfo | None = None) -> str | None:
    """Why a member name may not be written to disk (absolute, '..', drive, link, ...), or None when it is safe."""
    if not name or "\x00" in name:
        return "empty or NUL in the name"
    if "\\" in name:
        return "backslash in the name"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "absolute path"
    if ":" in name:
        return "colon in the name (drive or stream)"
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "'..', '.' or an empty part in the path"
    if any(ord(ch) < 32 for ch in name):
        return "control character in the name"
    if any(part.rstrip(" .") != part or WINDOWS_DEVICES.match(part) for part in parts):
        return "a Windows device name or a trailing dot or space"
    if info is not None:
        mode = (info.external_attr >> 16) & 0o170000
        if mode and not stat.S_ISREG(mode):
            return "not a regular file (link or device)"
    if name != MANIFEST and (len(parts) != 2 or not any(name.startswith(p) for p in ROLES.values())):
        return "not a case/ or sources/ member"
    return None


def _read_manifest(archive: zipfile.ZipFile, package: Path) -> dict[str, Any]:
    try:
        info = archive.getinfo(MANIFEST)
    except KeyError as exc:
        raise InputError("no manifest.json: not a linkgraph package", file=package) from exc
    if info.file_size > MAX_MANIFEST_BYTES:
        raise InputError("manifest.json is implausibly large", file=package)
    try:
        why = _member_format(info, None)
        if why:
            raise InputError(f"manifest.json refused: {why}", file=package)
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except InputError:
        raise
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, NotImplementedError, RuntimeError, RecursionError,
            zlib_error()) as exc:
        raise InputError(f"manifest.json cannot be read ({exc})", file=package) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError("manifest.json is not a linkgraph package manifest", file=package)
    version = manifest.get("format_version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise InputError("manifest.json: format_version is not a whole number", file=package)
    if version > FORMAT_VERSION:
        raise InputError(f"package format {version} is newer than this linkgraph reads; update linkgraph",
                         file=package)
    files = manifest.get("files")
    if not isinstance(files, list) or not all(isinstance(f, dict) and {"path", "sha256", "size"} <= set(f)
                                              for f in files):
        raise InputError("manifest.json lists no files", file=package)
    if len(files) > MAX_MEMBERS:
        raise InputError(f"manifest.json lists {len(files)} files (at most {MAX_MEMBERS})", file=package)
    for number, entry in enumerate(files, start=1):
        why = _entry_problem(entry)
        if why:
            raise InputError(f"manifest.json, file {number}: {why}", file=package)
    if not isinstance(manifest.get("case", {}), dict):
        raise InputError("manifest.json: 'case' is not an object", file=package)
    total = sum(entry["size"] for entry in files)
    if total > MAX_UNPACKED_BYTES:
        raise InputError(f"manifest.json declares {total} bytes (at most {MAX_UNPACKED_BYTES} unpack)", file=package)
    return manifest


def _entry_problem(entry: dict[str, Any]) -> str | None:
    """Why one manifest entry cannot be trusted to describe a member (wrong types, unknown role), or None."""
    if not isinstance(entry["path"], str):
        return "its path is not text"
    if not isinstance(entry["sha256"], str) or not re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]):
        return "its SHA-256 is not 64 hexadecimal digits"
    size = entry["size"]
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_UNPACKED_BYTES:
        return f"its size is not a whole number of bytes up to {MAX_UNPACKED_BYTES}"
    return None


def _role_problem(entry: dict[str, Any]) -> str | None:
    """Why a member's role is not one linkgraph knows (an unknown member is never unpacked)."""
    role = entry.get("role")
    if role not in ROLES:
        return f"role {str(role)[:40]!r} is not one of {', '.join(ROLES)}"
    if role == "source" and (not isinstance(entry.get("source_id"), int) or isinstance(entry.get("source_id"), bool)):
        return "a source member without a whole-number source_id"
    return None


def _open_archive(package: Path) -> zipfile.ZipFile:
    if not package.is_file():
        raise InputError("no such package", file=package)
    try:
        return zipfile.ZipFile(package)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"not a readable package ({exc})", file=package) from exc


def _member_problems(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> list[str]:
    """Names that are unsafe, duplicated, or not in the manifest, and manifest files that are absent."""
    problems = []
    listed = {f["path"] for f in manifest["files"]}
    seen: set[str] = set()
    sizes = {f["path"]: f["size"] for f in manifest["files"]}
    for info in archive.infolist():
        why = unsafe_member(info.filename, info) or _member_format(info, sizes.get(info.filename))
        if why:
            problems.append(f"member '{info.filename}' refused: {why}")
        elif info.filename in seen:
            problems.append(f"member '{info.filename}' appears twice")
        elif info.filename != MANIFEST and info.filename not in listed:
            problems.append(f"member '{info.filename}' is not in the manifest")
        seen.add(info.filename)
    for entry in manifest["files"]:
        why = unsafe_member(str(entry["path"])) or _role_problem(entry)
        if why:
            problems.append(f"manifest names '{entry['path']}': {why}")
        elif entry["path"] not in seen:
            problems.append(f"'{entry['path']}' is in the manifest but missing from the package")
    return problems


def _member_format(info: zipfile.ZipInfo, declared: int | None) -> str | None:
    """Why a member cannot be read safely: an unknown compression or encryption, a size other than the manifest's,
    or a compression ratio no case file reaches (a zip bomb)."""
    if info.compress_type not in READABLE_METHODS:
        return f"compression method {info.compress_type} (only stored and deflated members are read)"
    if info.flag_bits & 0x1:
        return "encrypted member (packages are not zip-encrypted; encrypt the case itself)"
    if declared is not None and info.file_size != declared:
        return f"its size {info.file_size} differs from the manifest's {declared}"
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return f"it would expand {info.file_size // max(info.compress_size, 1)} times (at most {MAX_RATIO})"
    if info.filename == MANIFEST and info.file_size > MAX_MANIFEST_BYTES:
        return "manifest.json is implausibly large"
    return None


def _copy_member(archive: zipfile.ZipFile, entry: dict[str, Any], target: Path) -> str | None:
    """Stream one member to `target`, never past its declared size; a problem description or None."""
    digest = hashlib.sha256()
    size = 0
    limit = int(entry["size"])
    try:
        with archive.open(entry["path"]) as source, target.open("xb") as sink:
            for block in iter(lambda: source.read(BLOCK), b""):
                size += len(block)
                if size > limit:
                    return f"'{entry['path']}' is larger than the manifest says ({limit} bytes)"
                digest.update(block)
                sink.write(block)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError,
            zlib_error()) as exc:
        return f"'{entry['path']}' cannot be read ({exc})"
    if size != limit:
        return f"'{entry['path']}' is {size} bytes, the manifest says {limit}"
    if digest.hexdigest() != entry["sha256"]:
        return f"'{entry['path']}' SHA-256 differs from the manifest (the file was changed)"
    return None


def zlib_error() -> type[BaseException]:
    import zlib

    return zlib.error


def _inside(folder: Path, name: str) -> Path:
    """The path of member `name` under `folder`, refusing anything that would land outside it."""
    root = folder.resolve()
    target = (root / Path(*PurePosixPath(name).parts)).resolve()
    if not target.is_relative_to(root):
        raise InputError(f"member '{name}' would be written outside {folder}")
    return target


def verify_package(package: str | Path, *, passphrase: str | None = None, anchors: Iterable[str] = (),
                   trusted: Iterable[Any] = ()) -> VerifyReport:
    """Check a package: members and their SHA-256, then the case inside (SQLite, audit chain, row digests)."""
    package = Path(package)
    report = VerifyReport()
    try:
        archive = _open_archive(package)
    except InputError as exc:
        report.problems.append(str(exc))
        return report
    with archive:
        try:
            manifest = _read_manifest(archive, package)
        except InputError as exc:
            report.problems.append(str(exc))
            return report
        problems = _member_problems(archive, manifest)
        report.problems.extend(problems)
        if problems:
            return report
        with tempfile.TemporaryDirectory(prefix="lgpkg-verify-") as temp:
            folder = Path(temp)
            good = 0
            for entry in manifest["files"]:
                target = _inside(folder, entry["path"])
                target.parent.mkdir(parents=True, exist_ok=True)
                problem = _copy_member(archive, entry, target)
                if problem:
                    report.problems.append(problem)
                else:
                    good += 1
            if good == len(manifest["files"]):
                report.checks.append(f"{good} files match the manifest's SHA-256 and sizes")
            case_entries = [e for e in manifest["files"] if e.get("role") == "case"]
            if len(case_entries) != 1:
                report.problems.append(f"the package holds {len(case_entries)} case files (expected one)")
                return report
            if report.problems:
                return report
            _verify_case(folder, case_entries[0], manifest, passphrase, report, list(anchors), list(trusted))
    return report


def _verify_case(
    folder: Path, entry: dict[str, Any], manifest: dict[str, Any], passphrase: str | None, report: VerifyReport,
    anchors: list[str] | None = None, trusted: list[Any] | None = None,
) -> None:
    """Open the unpacked case (read-only) and check it and its agreement with the manifest."""
    path = _inside(folder, entry["path"])
    info = manifest.get("case", {})
    if info.get("encrypted") and passphrase is None:
        report.problems.append("the case inside is encrypted: give its passphrase to check its audit chain")
        return
    try:
        with CaseFile.open(path, passphrase=passphrase, read_only=True) as case:
            inner = verify_connection(case.conn, anchors=anchors or (), trusted=_with_sender(info, trusted or []))
            report.checks.extend(f"case: {line}" for line in inner.checks)
            report.warnings.extend(f"case: {line}" for line in inner.warnings)
            report.problems.extend(f"case: {line}" for line in inner.problems)
            head = case.meta("audit_head")
            if head != info.get("audit_head"):
                report.problems.append(f"case: its audit log ends at {head}, the manifest recorded "
                                       f"{info.get('audit_head')} (not the case that was packaged)")
            last = case.conn.execute("SELECT action FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
            if not last or last[0] != "package":
                report.problems.append("case: its last audit entry is not the packaging")
            shas = dict(case.conn.execute("SELECT id, sha256 FROM sources"))
    except CaseFileError as exc:
        report.problems.append(f"case: {exc}")
        return
    bad = 0
    for source in (e for e in manifest["files"] if e.get("role") == "source"):
        if shas.get(source.get("source_id")) != source["sha256"]:
            report.problems.append(f"'{source['path']}' is not the file the case imported as source "
                                   f"{source.get('source_id')} (SHA-256 differs)")
            bad += 1
    sources = sum(1 for e in manifest["files"] if e.get("role") == "source")
    if sources and not bad:
        report.checks.append(f"{sources} original source files are the ones the case imported")


def _with_sender(info: dict[str, Any], trusted: list[Any]) -> list[Any]:
    """The keys given by the user; the key the package itself carries is reported as received, never trusted."""
    from linkgraph.case import signing

    text = info.get("signer_public_key")
    if isinstance(text, str) and text:
        try:
            key = signing.parse_public(text, "the package's signer key")
        except LinkgraphError:
            return trusted
        if key.fingerprint not in signing.known_keys():
            signing.store_key(key, "received")
    return trusted


def unpack_package(
    package: str | Path, out_dir: str | Path, *, passphrase: str | None = None, progress: Progress = no_progress
) -> list[Path]:
    """Extract a package into `out_dir` (created if needed): all members checked first, nothing written outside,
    and the case inside must pass everything `verify` checks (a hostile case is not unpacked)."""
    package, out_dir = Path(package), Path(out_dir)
    with _open_archive(package) as archive:
        manifest = _read_manifest(archive, package)
        problems = _member_problems(archive, manifest)
        if problems:
            raise InputError("refused to unpack: " + "; ".join(problems[:5]), file=package)
        out_dir.mkdir(parents=True, exist_ok=True)
        targets = {e["path"]: _inside(out_dir, e["path"]) for e in manifest["files"]}
        existing = [str(t) for t in targets.values() if t.exists()]
        if existing:
            raise InputError(f"refused to unpack: {existing[0]} exists already", file=package)
        staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=out_dir))
        try:
            for number, entry in enumerate(manifest["files"]):
                if progress(number, len(manifest["files"]), f"Unpacking {entry['path']}") is False:
                    raise Cancelled("unpacking cancelled; nothing was written")
                staged = _inside(staging, entry["path"])
                staged.parent.mkdir(parents=True, exist_ok=True)
                problem = _copy_member(archive, entry, staged)
                if problem:
                    raise InputError(f"refused to unpack: {problem}", file=package)
            checked = VerifyReport()
            case_entries = [e for e in manifest["files"] if e.get("role") == "case"]
            if len(case_entries) != 1:
                raise InputError(f"refused to unpack: the package holds {len(case_entries)} case files (expected one)",
                                 file=package)
            _verify_case(staging, case_entries[0], manifest, passphrase, checked)
            if not checked.ok:
                raise InputError(f"refused to unpack: {checked.problems[0]}", file=package)
            written = []
            for entry in manifest["files"]:
                target = targets[entry["path"]]
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(_inside(staging, entry["path"]), target)
                written.append(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return written


def package_manifest(package: str | Path) -> dict[str, Any]:
    """The manifest of a package (what it holds), read without extracting anything."""
    package = Path(package)
    with _open_archive(package) as archive:
        return _read_manifest(archive, package)
