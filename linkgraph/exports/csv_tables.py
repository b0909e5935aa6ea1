"""CSV export: entities.csv, links.csv (with provenance and raw values) and ads.csv, formula-safe, UTF-8 with BOM for Excel."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any

from linkgraph.case import CaseFile
from linkgraph.errors import Cancelled
from linkgraph.exports.cells import safe_cell
from linkgraph.exports.redaction import redactor_for
from linkgraph.exports.tables import AD_HEADER, ENTITY_HEADER, LINK_HEADER, ad_rows, entity_rows, link_rows
from linkgraph.progress import Progress, no_progress


def _text(value: Any) -> Any:
    """A cell as CSV text: times in the case zone with its abbreviation ('2024-04-02 02:15:00 PDT', read back
    by `linkgraph import` in any case), formula-like text neutralised."""
    if isinstance(value, datetime):
        return f"{value.strftime('%Y-%m-%d %H:%M:%S')} {value.tzname()}"
    return safe_cell(value)


def export(case: CaseFile, out: Path, options: Any, progress: Progress = no_progress) -> list[Path]:
    """Write OUT/entities.csv, OUT/links.csv and OUT/ads.csv (OUT is a folder, made if missing)."""
    out.mkdir(parents=True, exist_ok=True)
    redactor = redactor_for(case, options, default=False)
    written = []
    tables = (("entities.csv", ENTITY_HEADER, lambda: entity_rows(case, redactor)),
              ("links.csv", LINK_HEADER, lambda: link_rows(case, redactor, progress)),
              ("ads.csv", AD_HEADER, lambda: ad_rows(case, redactor)))
    for number, (name, header, make_rows) in enumerate(tables):
        if progress(number, len(tables), f"Writing {name}") is False:
            raise Cancelled("export cancelled")
        rows = make_rows()
        path = out / name
        with path.open("w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows([_text(v) for v in row] for row in rows)
        written.append(path)
    return written
