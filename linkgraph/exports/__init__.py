"""Exports: one module per format, all called as `export(case, out, options, progress) -> [paths]`."""

from __future__ import annotations

import importlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linkgraph.case import CaseFile
from linkgraph.errors import LinkgraphError
from linkgraph.graph import GraphFilter
from linkgraph.progress import Progress, no_progress

FORMATS: dict[str, str] = {
    "exhibit": "linkgraph.exports.exhibit",
    "xlsx": "linkgraph.exports.xlsx",
    "html": "linkgraph.exports.html",
    "graphml": "linkgraph.exports.graphml",
    "gexf": "linkgraph.exports.gexf",
    "anx": "linkgraph.exports.anx",
    "kml": "linkgraph.exports.kml",
    "ftm": "linkgraph.exports.ftm",
    "csv": "linkgraph.exports.csv_tables",
}


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
    extra: dict[str, Any] = field(default_factory=dict)


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
    options = options or ExportOptions()
    written = _staged(module, case, Path(out), options, progress)
    for path in written:                     # case data, often victims': readable by its owner only
        try:
            path.chmod(0o600)
        except OSError:
            pass
    case.audit("export", {
        "format": fmt, "files": [p.name for p in written], "redact_victims": options.redact_victims,
        "filter": options.filter.as_dict(),
    })
    return written


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
