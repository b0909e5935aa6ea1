"""The steps every spreadsheet-like import shares: read, pick the profile, map columns,
keep raw rows, and turn bad rows away (strict: stop at the first; lenient: keep with reasons)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from importers.mapping import Detection, Profile, header_scorer, resolve, save_profile, score
from importers.options import ImportOptions
from importers.readers import Table, read_head, read_table
from linkgraph.case import CaseFile, ImportSession
from linkgraph.errors import InputError, LinkgraphError
from linkgraph.identity import canonical_key, normalize_phone
from linkgraph.progress import Progress


@dataclass
class MappedTable:
    """A source file read and mapped: the table, the chosen profile and field -> column."""

    path: Path
    table: Table
    detection: Detection
    assumed: dict[str, str] = field(default_factory=dict)    # what the reader did that the import line says

    @property
    def mapping(self) -> dict[str, str]:
        return self.detection.mapping

    def has(self, field: str) -> bool:
        return field in self.detection.mapping

    def column(self, field: str) -> pd.Series:
        """The text values of a mapped field ('' for every row when it is not mapped)."""
        name = self.detection.mapping.get(field)
        if name is None:
            return pd.Series([""] * len(self.table.frame), index=self.table.frame.index, dtype="object")
        return self.table.frame[name].fillna("").astype(str).str.strip()

    def row_number(self, index: int) -> int:
        return int(self.table.row_numbers[index])

    def cells(self, index: int) -> list[str]:
        return [str(v) for v in self.table.frame.iloc[index].tolist()]

    def __len__(self) -> int:
        return len(self.table.frame)


def read_mapped(path: Path, kind: str, options: ImportOptions) -> MappedTable:
    """Read a file, find its header with the kind's profiles, and map its columns to fields."""
    table = read_table(path, header_score=header_scorer(kind), sheet=options.sheet,
                       no_header=bool(options.extra.get("no_header")))
    limit = options.extra.get("preview_rows")
    if limit:
        table.frame = table.frame.head(int(limit))
        table.row_numbers = table.row_numbers[: int(limit)]
        if table.records is not None:
            table.records = table.records[: int(limit)]
    profile = options.profile
    if options.extra.get("no_header") and not profile:
        profile = _profile_for_numbered_columns(kind, options.mapping)
    try:
        detection = resolve(kind, table.columns, profile=profile, overrides=options.mapping, file_name=path.name)
    except LinkgraphError as exc:
        if not options.extra.get("no_header") and header_looks_like_data(table.columns):
            raise type(exc)(f"{exc}. The first line looks like data, not a header: give --no-header and map the "
                            "columns by number (--map date=1 --map amount=2 ...)") from exc
        raise
    if options.save_profile:
        save_profile(detection.profile, detection.mapping, options.save_profile)
    return MappedTable(path, table, detection)


_DATA_CELL = re.compile(r"^\s*(?:[-+($]*\d[\d,.]*\)?|\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}.*)\s*$")


def header_looks_like_data(columns: list[str]) -> bool:
    """Whether a 'header' is really a data row (a date and an amount among its cells): a headerless export."""
    cells = [str(c) for c in columns if str(c).strip() and not str(c).startswith("(blank")]
    return sum(bool(_DATA_CELL.match(c)) for c in cells) >= 2


def _profile_for_numbered_columns(kind: str, mapping: dict[str, str]) -> str | None:
    """A headerless file's profile: the first of the kind's that has every --map field (a ledger's fields
    for money), since numbered columns cannot pick one by their names."""
    from importers.mapping import profiles

    found = [p for p in profiles(kind) if all(f in p.fields for f in mapping)]
    if not found:
        return None
    generic = [p for p in found if not p.signature]
    return (generic or found)[0].name


def kind_score(path: Path, options: ImportOptions, kind: str) -> float:
    """How well a file's header fits this kind's best profile (for --kind detection, from the file's head)."""
    from importers.mapping import profiles

    table = read_head(path, header_score=header_scorer(kind), sheet=options.sheet)   # header + first rows
    return max((score(p, table.columns) for p in profiles(kind)), default=0.0)


def open_session(
    case: CaseFile, mapped: MappedTable, options: ImportOptions, progress: Progress
) -> ImportSession:
    """An import session for this file, recording the profile, mapping and options used."""
    recorded = options.recorded()
    recorded["mapping"] = mapped.mapping
    recorded["profile_detected"] = mapped.detection.detected
    if mapped.table.encoding:
        recorded["encoding"] = mapped.table.encoding
    if mapped.table.sheet:
        recorded["sheet"] = mapped.table.sheet
    session = ImportSession(
        case, mapped.path, kind=options.kind or mapped.detection.profile.kind,
        profile=mapped.detection.profile.name, options=recorded, grade=options.grade,
        handling=options.handling, agency=options.agency, force=options.force, progress=progress,
    )
    return session


def store_raw_rows(session: ImportSession, mapped: MappedTable, *, keep_lines: bool = False) -> None:
    """Keep every data row's cells (header order) so each record traces back to its row; with
    `keep_lines`, the title, total and disclaimer lines around the table too, as {"line": text}
    (a statement's holder or an inspection date is cited to the title line that names it)."""
    session.set_header(mapped.table.columns, mapped.table.header_row)
    if keep_lines:
        for row, text in mapped.table.skipped:
            if text.strip():
                session.raw_row(int(row), {"line": text})
    if mapped.table.records is not None:   # JSON sources: the original object of each row
        session.raw_rows_bulk((int(row), json.dumps(record, ensure_ascii=False, default=str))
                              for row, record in zip(mapped.table.row_numbers, mapped.table.records, strict=True))
        return
    frame = mapped.table.frame
    values = frame.to_numpy(dtype=object).tolist() if len(frame.columns) else [[] for _ in range(len(frame))]
    dumps = json.dumps
    session.raw_rows_bulk(
        (int(row), dumps(cells, ensure_ascii=False)) for row, cells in zip(mapped.table.row_numbers, values, strict=True)
    )


class RowProblems:
    """Bad rows: strict mode raises at the first (naming file, row and column); lenient keeps them with reasons."""

    def __init__(self, session: ImportSession, mapped: MappedTable, strict: bool) -> None:
        self.session = session
        self.mapped = mapped
        self.strict = strict
        self.rejected: set[int] = set()
        for row, reason, cells in mapped.table.malformed:
            if strict:
                raise InputError(f"{reason} (use --lenient to import the other rows and keep this one as rejected)",
                                 file=mapped.path, row=row)
            session.reject(row, None, reason, cells)

    def __call__(self, index: int, field: str | None, reason: str) -> None:
        column = self.mapped.mapping.get(field, field) if field else None
        row = self.mapped.row_number(index)
        if self.strict:
            raise InputError(
                f"{reason} (use --lenient to import the other rows and keep this one as rejected)",
                file=self.mapped.path, row=row, column=column,
            )
        if index not in self.rejected:
            self.rejected.add(index)
            self.session.reject(row, column, reason, self.mapped.cells(index))

    def set_aside(self, index: int, field: str | None, value: object, reason: str) -> None:
        """Keep the record but not this value (a bad IMEI on a good call): never stops an import, strict or not;
        the value and its reason are kept in the case (`linkgraph info`) and counted on the import line."""
        column = self.mapped.mapping.get(field, field) if field else None
        self.session.set_aside(self.mapped.row_number(index), column, value, reason)

    def check_missing(self, values: pd.Series | np.ndarray, field: str, reason: str, raw: pd.Series | None = None) -> None:
        """Reject rows where a parsed value is missing (NaN/None/'') but the raw cell was given (or required)."""
        array = np.asarray(values, dtype=object)
        missing = pd.isna(pd.Series(array)).to_numpy() | (pd.Series(array).astype(str) == "").to_numpy()
        if raw is not None:
            missing &= (raw.to_numpy(dtype=object) != "")
        for index in np.flatnonzero(missing):
            shown = raw.iloc[index] if raw is not None else ""
            self(int(index), field, reason.format(value=shown))


def identified_entity(
    session: ImportSession,
    entity_type: str,
    value: str,
    row: int,
    region: str,
    attrs: dict | None = None,
) -> int | None:
    """The entity a cell names: by canonical key where the type has one, by name otherwise;
    None when the value is not a valid identifier of that type (e.g. 'N/A' as a phone)."""
    etype = session.case.model.entity_type(entity_type)
    value = str(value).strip()
    if not value:
        return None
    if etype.key is None:
        return session.entity(etype.name, None, value, row=row, attrs=attrs)
    if etype.name == "Phone":
        phone = normalize_phone(value, region)
        if phone is None:
            return None
        return session.entity("Phone", phone.e164, phone.display, row=row, attrs={"kind": phone.kind, **(attrs or {})})
    key = canonical_key(etype.name, value, region)      # the type's key kind, normalised as model.yaml declares
    if key is None:
        return None
    return session.entity(etype.name, key, value, row=row, attrs=attrs)


def read_dates(
    values: pd.Series, options: ImportOptions, *, tz: str, formats: list[str] | tuple[str, ...], label: str,
    assumed: dict[str, str],
) -> np.ndarray:
    """A date column read with one day/month order for the whole column (`importers.dates.day_order`:
    a value above 12 settles it, else --dayfirst, the profile's format, or month first); the order
    used goes into `assumed` (for session.assume) so the import line says which."""
    from importers.dates import parse_datetimes

    report: dict = {}
    out = parse_datetimes(values, tz=tz, formats=formats, dayfirst=options.extra.get("dayfirst"), report=report)
    order = report.get("day_order")
    if order is not None:
        text = order.describe()
        if order.against:
            text += f"; {order.against} value{'s' if order.against != 1 else ''} written the other way left unread"
        assumed[f"day/month order ({label})"] = text
    return out


def assume_all(session: ImportSession, assumed: dict[str, str]) -> None:
    """Record every assumption gathered before the session opened."""
    for name, value in assumed.items():
        session.assume(name, value)


def source_zone(options: ImportOptions, profile: Profile | None, case_zone: str) -> tuple[str, str]:
    """The zone of the file's times that carry no offset, and why (said on the import line): --source-tz
    (the wizard's time-zone field), else the layout's own zone (Venmo statements are in UTC), else the
    case's zone (a `--tz` given with this import counts as the case's)."""
    from linkgraph.times import zone

    if options.tz:
        zone(options.tz)
        return options.tz, "as given (--source-tz)"
    if profile is not None and profile.timezone:
        zone(profile.timezone)
        why = profile.options.get("timezone_why") or f"the {profile.name} layout gives its times in {profile.timezone}"
        return profile.timezone, f"{why}; give --source-tz if this file differs"
    case_zone = options.extra.get("case_tz") or case_zone
    return case_zone, "the case's zone: the file does not say its zone; give --source-tz if it differs"
