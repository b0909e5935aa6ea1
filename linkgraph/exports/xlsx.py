"""Excel workbook: entities, links with provenance, ads, key players, communities and findings.

Frozen header row, filters and sensible column widths on every sheet; every text cell that
could start a formula is neutralised (ad text is written by traffickers) and characters Excel
refuses are dropped.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from linkgraph import __version__
from linkgraph.case import CaseFile
from linkgraph.exports.cells import FORMULA_STARTS
from linkgraph.exports.redaction import protection_line, redactor_for, victims_marked
from linkgraph.exports.tables import (
    AD_HEADER,
    COMMUNITY_HEADER,
    ENTITY_HEADER,
    FINDING_HEADER,
    KEY_PLAYER_HEADER,
    LINK_HEADER,
    ad_rows,
    analysis_result,
    community_rows,
    entity_rows,
    finding_rows,
    key_player_rows,
    link_rows,
)
from linkgraph.progress import Progress, no_progress
from linkgraph.times import now_iso

MAX_WIDTH = 60
EXCEL_TEXT_LIMIT = 32767


def cell_value(value: Any) -> Any:
    """A value Excel stores as-is: illegal control characters removed, times as local date-times (Excel has
    no time zones: the About sheet names the case's)."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_TEXT_LIMIT]
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return value


def _cell(sheet: Any, value: Any) -> Any:
    """A cell written as what it is: text stays a text cell, never a formula (a text starting like one is
    also marked quote-prefixed, as Excel marks text typed after an apostrophe, so editing it keeps it
    text; the apostrophe is not part of the value); dates are date cells."""
    value = cell_value(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell = WriteOnlyCell(sheet, value="")
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    return value


def export(case: CaseFile, out: Path, options: Any, progress: Progress = no_progress) -> list[Path]:
    """Write the workbook to OUT (a .xlsx file; a folder gets OUT/<case>.xlsx)."""
    path = out / "case.xlsx" if out.is_dir() or not out.suffix else out
    path.parent.mkdir(parents=True, exist_ok=True)
    redactor = redactor_for(case, options, default=False)
    result, cited = analysis_result(case, options.run_id, progress)
    book = Workbook(write_only=True)          # streamed: a few times faster on big link tables
    sheets = [
        ("Entities", ENTITY_HEADER, entity_rows(case, redactor)),
        ("Links", LINK_HEADER, link_rows(case, redactor, progress)),
        ("Ads", AD_HEADER, ad_rows(case, redactor)),
        ("Key players", KEY_PLAYER_HEADER, key_player_rows(result, redactor)),
        ("Communities", COMMUNITY_HEADER, community_rows(result, redactor)),
        ("Findings", FINDING_HEADER, finding_rows(result, redactor)),
    ]
    _sheet(book, "About", ["item", "value"], [
        ["case", redactor.text(case.name)], ["time zone of every date", case.timezone], ["case file SHA-256", case.sha256()], ["exported", now_iso()],
        ["linkgraph", __version__], ["analysis", redactor.text(cited)],
        ["victims and minors", protection_line(redactor, victims_marked(case)) if redactor.enabled
         else "shown as recorded"],
        *[[name, f"{len(rows)} rows"] for name, _, rows in sheets],
    ])
    for name, header, rows in sheets:
        _sheet(book, name, header, rows)
    book.save(path)
    return [path]


def _sheet(book: Workbook, name: str, header: list[str], rows: list[list[Any]]) -> None:
    """Header in bold on grey, frozen; a filter over the table; widths from the longest values (capped)."""
    sheet = book.create_sheet(name)
    values = [[_cell(sheet, v) for v in row] for row in rows]
    widths = [len(h) for h in header]
    for row in values:
        for i, value in enumerate(row):
            shown = value.value if hasattr(value, "data_type") else value
            widths[i] = max(widths[i], min(len(str(shown)), MAX_WIDTH))
    for i, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(i + 1)].width = max(8, width + 2)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(1, len(rows) + 1)}"
    head = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
        head.append(cell)
    sheet.append(head)
    for row in values:
        sheet.append(row)
