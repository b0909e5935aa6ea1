"""Generic link import (`--kind links`): any spreadsheet of "A relates to B" rows.

The analyst's own columns are recognised where obvious (From/To, Person A/Person B,
Relationship, Date, Weight) and any can be mapped with --map. Each end's entity type is
--source-type/--target-type (default Person) or a per-row type column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from importers.dates import combine_date_time, parse_datetimes
from importers.options import ImportOptions
from importers.tabular import RowProblems, identified_entity, open_session, read_mapped, source_zone, store_raw_rows
from importers.tabular import kind_score as _kind_score
from linkgraph.case import CaseFile, ImportResult
from linkgraph.errors import LinkgraphError
from linkgraph.progress import Progress, no_progress

KIND = "links"


def kind_score(path: Path, options: ImportOptions) -> float:
    """How much the file looks like a generic link sheet: a full match still counts (>= 1), but
    rises slowly so that a specific kind matching the same header wins."""
    raw = _kind_score(path, options, KIND)
    return raw if raw < 1.0 else 1.0 + (raw - 1.0) * 0.25


def import_file(case: CaseFile, path: Path, options: ImportOptions, progress: Progress = no_progress) -> ImportResult:
    """Import a link sheet; each row becomes one link between two entities, cited to its row."""
    mapped = read_mapped(path, KIND, options)
    model = case.model
    source_type = model.entity_type(options.extra.get("source_type") or "Person").name
    target_type_given = options.extra.get("target_type")
    target_type = model.entity_type(target_type_given or "Person").name
    default_link = options.extra.get("link_type")
    if default_link:
        default_link = model.link_type(default_link).name
    region = options.region or case.region
    tz, tz_why = source_zone(options, None, case.timezone)

    sources = mapped.column("source")
    targets = mapped.column("target")
    types = mapped.column("type")
    row_source_types = mapped.column("source_type")
    row_target_types = mapped.column("target_type")
    notes = mapped.column("notes")
    when_text = combine_date_time(mapped.column("date"), mapped.column("time")) if mapped.has("time") else mapped.column("date")
    formats = [options.date_format] if options.date_format else []
    when = parse_datetimes(when_text, tz=tz, formats=formats) if mapped.has("date") else np.full(len(mapped), np.nan)
    weights = mapped.column("weight")

    with open_session(case, mapped, options, progress) as session:
        store_raw_rows(session, mapped)
        problems = RowProblems(session, mapped, options.strict)
        if mapped.has("date"):
            session.assume("time zone", f"{tz} ({tz_why})")
        total = len(mapped)
        for index in range(total):
            if index % 5000 == 0:
                session.check_cancel(index, total, f"Importing {path.name}")
            row = mapped.row_number(index)
            left, right = sources.iat[index], targets.iat[index]
            if not left:
                problems(index, "source", "no source entity in this row")
                continue
            if not right:
                problems(index, "target", "no target entity in this row")
                continue
            raw_type = types.iat[index]
            try:
                link_type = model.link_type(raw_type).name if raw_type else (default_link or "associate_of")
            except LinkgraphError:
                link_type = "related_to"
            try:
                left_type = model.entity_type(row_source_types.iat[index]).name if row_source_types.iat[index] else source_type
                right_type = model.entity_type(row_target_types.iat[index]).name if row_target_types.iat[index] else target_type
            except LinkgraphError as exc:
                problems(index, "target_type" if row_source_types.iat[index] else "source_type", str(exc))
                continue
            if link_type == "member_of" and not target_type_given and not row_target_types.iat[index]:
                right_type = "Organization"
            if mapped.has("date") and when_text.iat[index] and np.isnan(when[index]):
                problems(index, "date", f"cannot read the date '{when_text.iat[index]}' (give --date-format)")
                continue
            weight = 1.0
            if weights.iat[index]:
                try:
                    weight = float(weights.iat[index].replace(",", ""))
                except ValueError:
                    problems(index, "weight", f"weight '{weights.iat[index]}' is not a number")
                    continue
            src = identified_entity(session, left_type, left, row, region)
            if src is None:
                problems(index, "source", f"'{left}' is not a valid {left_type} identifier")
                continue
            dst = identified_entity(session, right_type, right, row, region)
            if dst is None:
                problems(index, "target", f"'{right}' is not a valid {right_type} identifier")
                continue
            attrs = {}
            if raw_type and link_type == "related_to":
                attrs["relationship"] = raw_type
            if notes.iat[index]:
                attrs["notes"] = notes.iat[index]
            start = None if np.isnan(when[index]) else int(when[index])
            session.link(link_type, src, dst, row=row, start=start, weight=weight, attrs=attrs or None)
        session.check_cancel(total, total, f"Importing {path.name}")
    return session.result
