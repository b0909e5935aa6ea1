"""Exports: one module per format, all called as `export(case, out, options, progress) -> [paths]`."""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from linkgraph.case import CaseFile
from linkgraph.case.audit import GENESIS
from linkgraph.errors import LinkgraphError
from linkgraph.graph import GraphFilter
from linkgraph.progress import Progress, no_progress


@dataclass(frozen=True)
class ExportFormat:
    """One export format: the module that writes it, the title a menu shows, the file suffix, and whether it writes
    a folder of files rather than one file. The command line and the desktop both read this table."""

    name: str
    module: str
    title: str
    suffix: str = ""
    folder: bool = False


EXPORT_FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    ExportFormat("exhibit", "linkgraph.exports.exhibit", "Court exhibit (PDF, tables, method note)", folder=True),
    ExportFormat("xlsx", "linkgraph.exports.xlsx", "Excel workbook", ".xlsx"),
    ExportFormat("html", "linkgraph.exports.html", "Interactive HTML chart", ".html"),
    ExportFormat("graphml", "linkgraph.exports.graphml", "GraphML (yEd, Gephi)", ".graphml"),
    ExportFormat("gexf", "linkgraph.exports.gexf", "GEXF (Gephi)", ".gexf"),
    ExportFormat("anx", "linkgraph.exports.anx", "i2 Analyst's Notebook (ANX)", ".anx"),
    ExportFormat("kml", "linkgraph.exports.kml", "KML (Google Earth)", ".kml"),
    ExportFormat("ftm", "linkgraph.exports.ftm", "FollowTheMoney entities", ".ftm.json"),
    ExportFormat("csv", "linkgraph.exports.csv_tables", "CSV tables", folder=True),
)}
FORMATS: dict[str, str] = {name: f.module for name, f in EXPORT_FORMATS.items()}


@dataclass
class ExportOptions:
    """What to export and how: the chart's filter, a focus, redaction and exhibit labels."""

    filter: GraphFilter = field(default_factory=GraphFilter)
    redact_victims: bool | None = None       # None = the format's default (on for exhibits)
    key_file: Path | None = None             # where to write the pseudonym key, only if asked
    title: str | None = None
    exhibit_number: str | None = None
    community: int | None = None             # chart one community of the latest analysis
    ego: int | None = None                   # chart one entity and its neighbours
    path: tuple[int, int] | None = None      # chart the shortest path between two entities
    entity_ids: list[int] | None = None      # chart exactly these entities
    run_id: int | None = None                # analysis run to cite (latest when None)
    no_victims_marked: bool = False          # the user states that no one in the case is a victim or minor
    anchor: AuditAnchor | None = None        # set by `export`: the case's audit head before this export
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditAnchor:
    """The last entry of the case's audit chain when an export began: the state of the case it shows.

    Exhibits print it; the export's own audit entry records it with the SHA-256 of every file written,
    so the printed anchor can be found in the chain and the files matched to it later.
    """

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


def audit_anchor(case: CaseFile) -> AuditAnchor:
    """The case's audit head now (entry 0 and the genesis hash for a case without entries)."""
    row = case.conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return AuditAnchor(int(row[0]), str(row[1])) if row else AuditAnchor(0, GENESIS)


def export(
    case: CaseFile, fmt: str, out: str | Path, options: ExportOptions | None = None, progress: Progress = no_progress
) -> list[Path]:
    """Write the case in format `fmt` to `out`; returns the files written. Audited."""
    if fmt not in FORMATS:
        raise LinkgraphError(f"unknown format '{fmt}' (formats: {', '.join(FORMATS)})")
    try:
        module = importlib.import_module(FORMATS[fmt])
    except ModuleNotFoundError as exc:
        if exc.name == FORMATS[fmt]:
            raise LinkgraphError(f"the '{fmt}' export is not available in this build") from exc
        raise
    options = replace(options or ExportOptions(), anchor=audit_anchor(case))
    written = _staged(module, case, Path(out), options, progress)
    for path in written:                     # case data, often victims': readable by its owner only
        try:
            path.chmod(0o600)
        except OSError:
            pass
    case.audit("export", {
        "format": fmt, "files": [p.name for p in written], "redact_victims": options.redact_victims,
        "filter": options.filter.as_dict(), "anchor": str(options.anchor),
        "sha256": {p.name: _sha256(p) for p in written},
    })
    return written


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _staged(module: Any, case: CaseFile, out: Path, options: ExportOptions, progress: Progress) -> list[Path]:
    """Run one format's export into a hidden staging folder beside `out` and move the files into place
    only when it finished: a failed or cancelled export leaves no half-written file behind."""
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".linkgraph-export-", dir=out.parent))
    try:
        target = staging / out.name
        if out.is_dir():
            target.mkdir()
        written = module.export(case, target, options, progress)
        moved = []
        for path in written:
            destination = out.parent / path.relative_to(staging)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, destination)
            moved.append(destination)
        return moved
    finally:
        shutil.rmtree(staging, ignore_errors=True)
