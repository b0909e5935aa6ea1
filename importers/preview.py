"""What an import would do, before it does it: the kind, the profile and column mapping chosen,
the first rows as fields, and the rows the importer would turn away and why.

The preview runs the kind's real importer, leniently, on the first rows into a throwaway case
file, so the rejected rows are the importer's own verdicts (the same `RowProblems` rules),
never a second set of rules kept for the wizard.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from importers import available_kinds, detect_kind, import_file
from importers.mapping import find_profile, header_scorer, match_columns, profiles, resolve
from importers.options import ImportOptions
from importers.readers import read_table
from importers.tabular import MappedTable, read_mapped
from linkgraph.case import CaseFile
from linkgraph.errors import InputError, LinkgraphError
from linkgraph.progress import Progress, no_progress

PREVIEW_ROWS = 200


@dataclass
class ImportPreview:
    """The wizard's view of one file: kind, profile, mapping, sample rows, rejections, and what would be made."""

    path: Path
    kind: str
    kinds: list[str]
    profile: str | None
    profiles: list[str]
    detected: bool
    fields: list[str]
    required: list[str]
    columns: list[str]
    mapping: dict[str, str]
    rows: list[dict[str, Any]] = field(default_factory=list)       # [{"row": n, "values": {field: text}}]
    rejected: list[dict[str, Any]] = field(default_factory=list)   # [{"row", "column", "reason"}]
    set_aside: list[dict[str, Any]] = field(default_factory=list)  # [{"row", "column", "value", "reason"}]
    assumed: dict[str, str] = field(default_factory=dict)          # what the import would assume (zone, region...)
    problem: str | None = None        # why the file cannot be imported as mapped (e.g. a required field unmapped)
    # a workbook read as a handset extraction: every sheet with what it would be imported as, whether it is chosen
    # ([{"name", "what", "profile", "note", "chosen"}]), and the sheet whose rows and mapping are shown
    sheets: list[dict[str, Any]] = field(default_factory=list)
    sheet: str | None = None
    rows_read: int = 0
    entities: int = 0
    links: int = 0

    @property
    def importable(self) -> bool:
        return self.problem is None


def preview_import(
    path: str | Path,
    options: ImportOptions | None = None,
    *,
    timezone: str = "UTC",
    region: str = "US",
    rows: int = PREVIEW_ROWS,
    progress: Progress = no_progress,
) -> ImportPreview:
    """Preview importing `path` with `options` (kind/profile/mapping as the user set them) on its first `rows` rows."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", file=path)
    options = replace(options or ImportOptions(), extra=dict((options or ImportOptions()).extra))
    from importers.ofx import is_ofx, read_ofx
    from importers.readers import unsupported_format

    ofx = is_ofx(path)
    problem = unsupported_format(path)
    if problem is not None and not ofx:
        raise InputError(problem, file=path)
    if ofx:
        options.kind = "finance"
    kind = options.kind or detect_kind(path, options)
    options.kind = kind
    options.extra["preview_rows"] = rows
    result = ImportPreview(
        path=path, kind=kind, kinds=available_kinds(), profile=options.profile,
        profiles=[p.name for p in profiles(kind)], detected=options.profile is None,
        fields=[], required=[], columns=[], mapping=dict(options.mapping),
    )
    if kind == "extraction" and not options.sheet:
        from importers import extraction

        plan = extraction.sheet_plan(path, options)
        if plan:
            _preview_workbook(result, path, options, plan, timezone, region, progress)
            return result
    try:
        mapped = read_ofx(path, replace(options, save_profile=None)) if ofx and kind == "finance" else \
            read_mapped(path, kind, replace(options, save_profile=None))
    except InputError:
        raise
    except LinkgraphError as exc:   # the header was read, but the mapping is not complete
        result.problem = str(exc)
        _fill_unresolved(result, path, kind, options)
        return result
    _show_table(result, mapped, detected=mapped.detection.detected)
    _dry_run(result, path, options, timezone, region, progress)
    return result


def _show_table(result: ImportPreview, mapped: MappedTable, *, detected: bool) -> None:
    """The profile, its fields, the file's columns, the mapping and every row's mapped values, as the wizard shows them."""
    chosen = mapped.detection.profile
    result.profile = chosen.name
    result.detected = detected
    result.fields = list(chosen.fields)
    result.required = list(chosen.required)
    result.columns = [str(c) for c in mapped.table.columns]
    result.mapping = dict(mapped.mapping)
    values = {name: mapped.column(name) for name in result.mapping}
    result.rows = [
        {"row": mapped.row_number(index), "values": {name: values[name].iat[index] for name in result.mapping}}
        for index in range(len(mapped))
    ]


def _preview_workbook(result: ImportPreview, path: Path, options: ImportOptions, plan: list, timezone: str,
                      region: str, progress: Progress) -> None:
    """An extraction workbook: every sheet and what it becomes, the rows of the sheet shown
    (`options.extra["preview_sheet"]`, else the first chosen artifact sheet), and a dry run of the chosen sheets."""
    from importers import extraction

    chosen = options.extra.get("sheets")
    artifact_sheets = [p.name for p in plan if p.what in ("calls", "contacts", "messages")]
    picked = set(artifact_sheets if chosen is None else chosen)
    result.sheets = [{"name": p.name, "what": p.what, "profile": p.profile, "note": p.note,
                      "chosen": p.name in picked} for p in plan]
    shown = options.extra.get("preview_sheet")
    if shown not in artifact_sheets:
        shown = next((name for name in artifact_sheets if name in picked), artifact_sheets[0] if artifact_sheets
                     else None)
    result.sheet = shown
    if shown is None:
        result.problem = "no sheet of this workbook holds a call log, contacts or messages"
        return
    # the shown sheet's rows numbered as the import numbers them (on across the chosen sheets)
    names = [name for name in artifact_sheets if name in picked or name == shown]
    try:
        artifacts, _ = extraction._artifacts(path, replace(options, extra={**options.extra, "sheets": names}))
    except LinkgraphError as exc:
        result.problem = str(exc)
        return
    extraction.number_rows([a for a in artifacts if a.sheet in picked] or artifacts)
    artifact = next(a for a in artifacts if a.sheet == shown)
    mapped = MappedTable(path, artifact.table, artifact.detection)
    _show_table(result, mapped, detected=True)
    result.profiles = [result.profile]
    if not picked:
        result.problem = "no sheet chosen to import: tick the sheets to import"
        return
    trial = replace(options, extra={**options.extra, "sheets": [name for name in artifact_sheets if name in picked]})
    _dry_run(result, path, trial, timezone, region, progress)


def _fill_unresolved(result: ImportPreview, path: Path, kind: str, options: ImportOptions) -> None:
    """When the mapping is not complete: the header and the columns that do match, so the user can finish it."""
    try:
        table = read_table(path, header_score=header_scorer(kind), sheet=options.sheet,
                           no_header=bool(options.extra.get("no_header")))
    except LinkgraphError:
        return
    header = [str(c) for c in table.columns]
    result.columns = header
    chosen = find_profile(kind, options.profile) if options.profile else None
    if chosen is None:
        ranked = sorted(profiles(kind), key=lambda p: -len(match_columns(p, header)))
        chosen = ranked[0] if ranked else None
    if chosen is None:
        return
    result.profile = chosen.name
    result.fields = list(chosen.fields)
    result.required = list(chosen.required)
    mapping = match_columns(chosen, header)
    for name, column in options.mapping.items():
        if column in header:
            mapping = {f: c for f, c in mapping.items() if c != column}
            mapping[name] = column
    result.mapping = mapping


def _dry_run(
    result: ImportPreview, path: Path, options: ImportOptions, timezone: str, region: str, progress: Progress
) -> None:
    """Import the first rows leniently into a throwaway case and read back the importer's verdicts."""
    trial = replace(options, strict=False, force=True, save_profile=None, extra=dict(options.extra))
    with tempfile.TemporaryDirectory(prefix="linkgraph-preview-") as folder:
        with CaseFile.create(Path(folder) / "preview.lgcase", name="preview", timezone=timezone, region=region) as case:
            try:
                done = import_file(case, path, trial, progress)
            except LinkgraphError as exc:
                result.problem = str(exc)
                return
            result.rows_read = done.rows_read
            result.entities = done.entities_created
            result.links = done.links_created
            result.rejected = [
                {"row": r["row"], "column": r["column"], "reason": r["reason"]} for r in case.rejected_rows()
            ]
            result.set_aside = [
                {"row": v["row"], "column": v["column"], "value": v["value"], "reason": v["reason"]}
                for v in case.set_aside_values()
            ]
            result.assumed = dict(done.assumed)


def mapping_problem(kind: str, columns: list[str], profile: str | None, mapping: dict[str, str]) -> str | None:
    """Why a mapping cannot be used (a required field unmapped, an unknown field), or None when it can."""
    try:
        resolve(kind, columns, profile=profile, overrides=mapping)
    except LinkgraphError as exc:
        return str(exc)
    return None
