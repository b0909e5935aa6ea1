"""Read any tabular source (CSV, TSV, TXT, XLSX, XLS, JSON, JSON lines) into text columns, finding the header row.

Carrier and bank exports put title lines above the header and totals or disclaimers below
the data, and come in UTF-8 (with or without BOM), UTF-16 or cp1252. `read_table` finds the
header with a scoring function (the kind's profiles), keeps every cell as text (the
importers parse them), and remembers each data row's row number as a person sees it in the
file (line number for text files, row number for spreadsheets) so records cite it.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from linkgraph.errors import InputError

if TYPE_CHECKING:
    import pyarrow as pa

TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab", ".dat", ""}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson", ".jsonlines"}
DELIMITERS = (",", "\t", "|", ";")
HeaderScore = Callable[[list[str]], float]
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)     # the text columns every reader gives ("str")
HEAD_BYTES = 1 << 20          # read_head: how much of a text file tells its kind
HEAD_ROWS = 200

_FOOTER = re.compile(
    r"^\s*(\*+|-{3,}|=+|total|totals|grand total|end of (report|records|file)|page \d|disclaimer|confidential|"
    r"this (report|record|document)|records? (returned|count)|number of records|report (generated|run)|"
    r"the information|note:|prepared by|\(end\))",
    re.IGNORECASE,
)


@dataclass
class Table:
    """A sheet of text cells under one header, with each row's number in the original file."""

    path: Path
    columns: list[str]
    frame: pd.DataFrame
    row_numbers: np.ndarray
    header_row: int                      # 1-based row of the header in the file
    encoding: str | None = None          # text files: the encoding detected
    sheet: str | None = None             # workbooks: the sheet read
    skipped: list[tuple[int, str]] = field(default_factory=list)     # title/footer/blank rows left out
    malformed: list[tuple[int, str, list[str]]] = field(default_factory=list)  # (row, reason, cells)
    records: list[dict] | None = None    # JSON sources: each data row's original object (kept as its raw row)
    text: bytes | None = None            # text files: the whole file as UTF-8 (raw lines are cut from it)

    def __len__(self) -> int:
        return len(self.frame)


def read_table(
    path: str | Path,
    header_score: HeaderScore | None = None,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    max_header_scan: int = 30,
    no_header: bool = False,
) -> Table:
    """Read a CSV/TSV/TXT/XLSX/XLS file; the header is the row among the first `max_header_scan`
    that `header_score` rates highest (or the first full row when no scorer is given). With
    `no_header` (a headerless text export) every line is data and the columns are named 1, 2, 3..."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", file=path)
    if path.stat().st_size == 0:
        raise InputError("the file is empty", file=path)
    suffix = path.suffix.lower()
    if suffix == ".graphml":
        return read_graphml(path)
    unsupported = UNSUPPORTED_FORMATS.get(suffix) or _unsupported_content(path)
    if unsupported:
        raise InputError(unsupported, file=path)
    if no_header and suffix not in EXCEL_SUFFIXES and suffix not in JSON_SUFFIXES:
        return _read_text(path, None, encoding, delimiter, max_header_scan, no_header=True)
    if suffix in EXCEL_SUFFIXES or _looks_like_workbook(path):
        return _read_workbook(path, header_score, sheet, max_header_scan)
    if suffix in JSON_SUFFIXES:
        return read_json_records(path, encoding=encoding)
    if _looks_like_json(path):
        try:
            return read_json_records(path, encoding=encoding)
        except InputError:
            pass                 # a text table whose first cell starts with '[' or '{'
    return _read_text(path, header_score, encoding, delimiter, max_header_scan)


# Formats this program does not read, named as such (never reported as a missing column).
UNSUPPORTED_FORMATS = {
    ".qif": "QIF (Quicken interchange): not supported; download the statement as CSV or OFX/QFX instead",
    ".pdf": "PDF: not supported (a PDF statement is a picture of a table); download the statement as CSV or OFX",
    ".qbo": "QBO (QuickBooks web connect): not supported; download the statement as CSV or OFX instead",
    ".mt940": "MT940 (SWIFT statement): not supported; download the statement as CSV or OFX instead",
    ".sta": "MT940 (SWIFT statement): not supported; download the statement as CSV or OFX instead",
    ".zip": "ZIP archive: not supported; unpack it and import the files inside",
}
_SIGNATURES = (
    (b"%PDF", UNSUPPORTED_FORMATS[".pdf"]),
    (b"!Type:", UNSUPPORTED_FORMATS[".qif"]),
    (b"!Account", UNSUPPORTED_FORMATS[".qif"]),
    (b"!Option", UNSUPPORTED_FORMATS[".qif"]),
    (b"OFXHEADER", "OFX/QFX: import it with --kind finance (it is read by the OFX reader, not as a table)"),
    (b"<OFX>", "OFX/QFX: import it with --kind finance (it is read by the OFX reader, not as a table)"),
)


def unsupported_format(path: Path) -> str | None:
    """A message naming the file's format when it is not a table this program reads (PDF, QIF, OFX...)."""
    return UNSUPPORTED_FORMATS.get(path.suffix.lower()) or _unsupported_content(path)


def _unsupported_content(path: Path) -> str | None:
    """A message naming the file's real format when its first bytes show one this program reads no table from."""
    with path.open("rb") as handle:
        head = handle.read(512).lstrip(b"\xef\xbb\xbf \r\n\t")
    if path.suffix.lower() in (".ofx", ".qfx"):
        return "OFX/QFX: import it with --kind finance (it is read by the OFX reader, not as a table)"
    for signature, message in _SIGNATURES:
        if head.upper().startswith(signature.upper()) or (signature == b"<OFX>" and b"<OFX>" in head.upper()):
            return message
    return None


def read_head(
    path: str | Path, header_score: HeaderScore | None = None, *, sheet: str | None = None, rows: int = HEAD_ROWS,
) -> Table:
    """The header and the first rows only, for telling what kind of file this is: a text file's first
    `HEAD_BYTES` cut at a line end (a million-row export is sized up in milliseconds), a workbook's
    first `rows` rows. Falls back to read_table when the head alone cannot be read (a quoted value
    running past the cut) and for JSON."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size <= HEAD_BYTES or path.suffix.lower() in (*JSON_SUFFIXES, ".graphml"):
        return read_table(path, header_score, sheet=sheet)
    if path.suffix.lower() in EXCEL_SUFFIXES or _looks_like_workbook(path):
        return _read_workbook(path, header_score, sheet, 30, rows)
    if _looks_like_json(path):
        return read_table(path, header_score, sheet=sheet)
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    cut = head.rfind(b"\n") + 1
    if cut < len(head) and head[cut:cut + 1] == b"\x00" and head[:2] == b"\xff\xfe":
        cut += 1                                      # UTF-16-LE: the line break's second byte
    try:
        table = _read_text(path, header_score, None, None, 30, data=head[:cut] if cut else head)
    except InputError:
        return read_table(path, header_score, sheet=sheet)
    table.frame, table.row_numbers = table.frame.head(rows), table.row_numbers[:rows]
    return table


def list_sheets(path: str | Path) -> list[str]:
    """The sheet names of a workbook (empty for text files)."""
    path = Path(path)
    if path.suffix.lower() not in EXCEL_SUFFIXES and not _looks_like_workbook(path):
        return []
    return list(_open_workbook(path).sheet_names)


def detect_encoding(data: bytes) -> str:
    """The encoding of a text export: BOMs first, UTF-16 by its zero bytes, UTF-8 if valid, else cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = data[:4096]
    if len(sample) >= 4:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > len(sample) // 4 and even == 0:
            return "utf-16-le"
        if even > len(sample) // 4 and odd == 0:
            return "utf-16-be"
    return "utf-8" if _valid_utf8(data) else "cp1252"


def _valid_utf8(data: bytes) -> bool:
    """Whether bytes are UTF-8, checked by Arrow (a 150 MB export in milliseconds, no str made)."""
    import pyarrow as pa

    if data.isascii():
        return True
    if len(data) >= 2 ** 31 - 1:
        try:
            data.decode("utf-8")
            return True
        except UnicodeDecodeError:
            return False
    whole = pa.StringArray.from_buffers(1, pa.py_buffer(np.array([0, len(data)], dtype=np.int32)),
                                        pa.py_buffer(data))
    try:
        whole.validate(full=True)
        return True
    except pa.ArrowInvalid:
        return False


# ---------------------------------------------------------------- text files


def _decode(path: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    chosen = encoding or detect_encoding(data)
    try:
        return data.decode(chosen), chosen
    except UnicodeDecodeError as exc:
        if encoding is None and chosen == "cp1252":
            return data.decode("latin-1"), "latin-1"
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"cannot read the text as {chosen} (byte {exc.start}); give the right --encoding",
                         file=path, row=line) from exc
    except LookupError as exc:
        raise InputError(f"unknown encoding '{chosen}'", file=path) from exc


def _utf8_bytes(path: Path, data: bytes, encoding: str | None) -> tuple[bytes, str]:
    """The file as UTF-8 bytes without a BOM, and the encoding it was in. A UTF-8 file is used as it is
    (validated, never decoded into one big str); other encodings are decoded and encoded once."""
    chosen = encoding or detect_encoding(data)
    if chosen.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig", "ascii") and _valid_utf8(data):
        return (data[3:] if data.startswith(b"\xef\xbb\xbf") else data), chosen
    text, used = _decode(path, data, encoding)
    return text.lstrip("\ufeff").encode("utf-8"), used


def _sniff_delimiter(lines: Sequence[str], suffix: str) -> str:
    if suffix in (".tsv", ".tab"):
        return "\t"
    best, best_score = ",", -1.0
    for delimiter in DELIMITERS:
        counts = [line.count(delimiter) for line in lines if line.strip()]
        if not counts:
            continue
        top = max(counts)
        if top == 0:
            continue
        # a delimiter that splits many lines into the same number of fields wins
        common = max(set(counts), key=lambda c: (counts.count(c) * (c > 0), c))
        value = counts.count(common) * common + 0.01 * top
        if value > best_score:
            best, best_score = delimiter, value
    return best


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return line.split(delimiter)


def _pick_header(rows: Sequence[list[str]], header_score: HeaderScore | None) -> int:
    """Index of the header among candidate rows (cells already split)."""
    filled = [sum(1 for c in row if str(c).strip()) for row in rows]
    if not rows or max(filled, default=0) == 0:
        return -1
    widest = max(filled)
    best, best_value = -1, 0.0
    for index, row in enumerate(rows):
        if filled[index] < 2 and widest >= 2:
            continue
        cells = [str(c).strip() for c in row]
        value = header_score(cells) if header_score else 0.0
        # prefer the scorer's best; among equals, a row that is mostly filled and not numeric
        text_like = sum(1 for c in cells if c and not _is_number(c))
        value += 0.001 * text_like + (0.0005 if filled[index] >= 0.6 * widest else 0.0)
        if value > best_value + 1e-9:
            best, best_value = index, value
    return best


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "").replace("$", ""))
        return True
    except ValueError:
        return False


def _column_names(cells: Sequence[str]) -> list[str]:
    """Header cells made unique and non-blank ('' -> '(blank 1)', a repeated 'Date' -> 'Date (2)')."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(cells, start=1):
        name = " ".join(str(cell).split()) or f"(blank {position})"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        names.append(name)
    return names


def _read_text(
    path: Path, header_score: HeaderScore | None, encoding: str | None, delimiter: str | None, scan: int,
    data: bytes | None = None, no_header: bool = False,
) -> Table:
    data = path.read_bytes() if data is None else data
    body, used = _utf8_bytes(path, data, encoding)
    del data
    delimiter, columns, header_index, skipped = _text_header(path, body, header_score, delimiter, scan, no_header)
    header_row = header_index + 1
    frame, rows, malformed, more_skipped = _parse_body(path, body, delimiter, columns, header_row)
    skipped.extend(more_skipped)
    table = _finish(path, columns, frame, rows, header_row, skipped, malformed, encoding=used)
    table.text = body
    return table


def _text_header(path: Path, body: bytes, header_score: HeaderScore | None, delimiter: str | None, scan: int,
                 no_header: bool = False) -> tuple[str, list[str], int, list[tuple[int, str]]]:
    """A text file's delimiter, column names, header line index (0-based; -1 without a header) and the
    title lines above the header, from its first `scan` + 1 lines (UTF-8 bytes)."""
    starts = _line_starts(body, scan + 1)
    head_lines = [body[a:b].decode("utf-8").rstrip("\r\n") for a, b in zip(starts, starts[1:], strict=False)]
    delimiter = delimiter or _sniff_delimiter(head_lines, path.suffix.lower())
    candidates = [_split(line, delimiter) for line in head_lines]
    if no_header:
        width = max((len(c) for c in candidates), default=0)
        header_index, columns = -1, [str(i + 1) for i in range(width)]
    else:
        header_index = _pick_header(candidates, header_score)
        if header_index < 0:
            raise InputError("no header row found in the first lines (is this a table?)", file=path)
        header_cells = list(candidates[header_index])
        below = [c for c in candidates[header_index + 1:] if any(x.strip() for x in c)]
        if below and all(len(c) == len(header_cells) + 1 and not c[-1].strip() for c in below):
            header_cells.append("")         # every row ends with a delimiter the header lacks (Chase downloads)
        columns = _column_names(header_cells)
    skipped = [(i + 1, head_lines[i]) for i in range(header_index) if head_lines[i].strip()]
    return delimiter, columns, header_index, skipped


def _line_starts(data: bytes, count: int) -> list[int]:
    """Byte offsets where the first `count` lines start, and where the line after them starts."""
    starts = [0]
    while len(starts) <= count and starts[-1] < len(data):
        found = data.find(b"\n", starts[-1])
        starts.append(len(data) if found < 0 else found + 1)
    return starts


def _tail_start(data: bytes, first: int, delimiter: str, width: int, limit: int = 200) -> int | None:
    """Where the notes, totals and blank lines after the last full record begin (len(data) if none), read
    backwards line by line so the body above parses in parallel with no odd rows in it; None when a line
    there has an open quote (a value running over lines: the csv module reads those)."""
    end = len(data)
    for _ in range(limit):
        if end <= first:
            return first
        cut = data.rfind(b"\n", first, end - 1) + 1 if end - 1 > first else first
        cut = max(cut, first)
        line = data[cut:end].decode("utf-8", errors="replace").rstrip("\r\n")
        if line.count('"') % 2:
            return None
        if len(_split(line, delimiter)) == width:
            return end
        end = cut
    return len(data)


def parse_lines(body: pa.Buffer, delimiter: str, width: int) -> tuple[pa.Table, list[tuple[int | None, int, str]]]:
    """Body lines parsed by pyarrow into `width` text columns (c0, c1, ...), and the rows of another width as
    (1-based line in the body or None where the reader could not number it, cells, text). Raises ArrowInvalid
    where pyarrow cannot read the lines at all."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(width)]
    invalid: list[tuple[int | None, int, str]] = []

    def on_invalid(row) -> str:
        invalid.append((row.number, row.actual_columns, row.text))
        return "skip"

    def parse(threads: bool) -> pa.Table:
        invalid.clear()
        return pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=threads, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid,
                                             ignore_empty_lines=False, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )                                  # large_string: what pandas' text columns hold, so no copy follows

    table = parse(True)
    if any(number is None for number, _, _ in invalid):
        table = parse(False)               # odd rows inside the body: a serial pass numbers them
    return table, invalid


def _parse_body(
    path: Path, text: bytes, delimiter: str, columns: list[str], header_row: int
) -> tuple[pd.DataFrame, np.ndarray, list, list]:
    """Cells below the header: pyarrow when every record is one line (the notes below the data cut off
    first, so the body parses on every core), the csv module otherwise."""
    import pyarrow as pa

    width = len(columns)
    starts = _line_starts(text, header_row)
    first = starts[header_row] if len(starts) > header_row else len(text)
    tail = _tail_start(text, first, delimiter, width)
    if tail is None:
        return _parse_body_slow(path, text.decode("utf-8"), delimiter, columns, header_row, None)
    breaks = text.count(b"\n", first, tail)
    lines = text.count(b"\n", 0, first) + breaks + text.count(b"\n", tail) + (0 if text.endswith(b"\n") or not text
                                                                              else 1)
    body_lines = breaks + (0 if tail == first or text[tail - 1:tail] == b"\n" else 1)
    if text.count(b'"', first, tail) % 2:
        return _parse_body_slow(path, text.decode("utf-8"), delimiter, columns, header_row, None)
    try:
        table, invalid = parse_lines(pa.py_buffer(text)[first:tail], delimiter, width)
    except pa.ArrowInvalid as exc:
        return _parse_body_slow(path, text.decode("utf-8"), delimiter, columns, header_row, str(exc))
    if any(number is None for number, _, _ in invalid) or table.num_rows + len(invalid) != body_lines:
        return _parse_body_slow(path, text.decode("utf-8"), delimiter, columns, header_row, None)
    invalid = [(header_row + n, count, line) for n, count, line in invalid]
    for offset, line in enumerate(text[tail:].decode("utf-8", errors="replace").split("\n")):
        number = header_row + body_lines + offset + 1
        if number > lines:
            break
        line = line.rstrip("\r")
        invalid.append((number, len(_split(line, delimiter)) if line else 1, line))
    bad = np.array(sorted(n for n, _, _ in invalid), dtype=np.int64)
    all_rows = np.arange(header_row + 1, header_row + body_lines + 1, dtype=np.int64)
    rows = np.setdiff1d(all_rows, bad, assume_unique=True) if len(bad) else all_rows
    frame = table.to_pandas()
    frame.columns = columns
    malformed, skipped = _sort_invalid(
        [(n, count, line) for n, count, line in invalid], width, delimiter, last_row=lines,
        ends_with_newline=text.endswith(b"\n"),
    )
    return frame, rows, malformed, skipped


def _parse_body_slow(
    path: Path, text: str, delimiter: str, columns: list[str], header_row: int, arrow_error: str | None
) -> tuple[pd.DataFrame, np.ndarray, list, list]:
    """The csv module, line-exact, for quoted line breaks and anything pyarrow refused."""
    width = len(columns)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records: list[list[str]] = []
    numbers: list[int] = []
    invalid: list[tuple[int, int, str]] = []
    last: list[str] = []
    try:
        start = 1
        for index, record in enumerate(reader):
            last = record
            line = start
            start = reader.line_num + 1
            if index < header_row:
                continue
            if len(record) == width:
                records.append(record)
                numbers.append(line)
            elif not record or (len(record) == 1 and not record[0].strip()):
                records.append([""] * width)
                numbers.append(line)
            else:
                invalid.append((line, len(record), delimiter.join(record)))
    except csv.Error as exc:
        raise InputError(f"the file is damaged or cut short ({exc})", file=path, row=reader.line_num) from exc
    if text.count('"') % 2 == 1 and any("\n" in cell for cell in last):
        raise InputError("a quoted value is never closed (the file may be cut short)", file=path,
                         row=numbers[-1] if numbers else header_row)
    frame = pd.DataFrame(records, columns=columns, dtype=object) if records else pd.DataFrame(
        {c: pd.Series([], dtype=object) for c in columns})
    malformed, skipped = _sort_invalid(invalid, width, delimiter, last_row=start - 1,
                                       ends_with_newline=text.endswith("\n"))
    return frame, np.array(numbers, dtype=np.int64), malformed, skipped


def _sort_invalid(
    invalid: list[tuple[int, int, str]], width: int, delimiter: str, last_row: int, ends_with_newline: bool
) -> tuple[list, list]:
    """Rows with the wrong number of cells: notes and footers are skipped, broken records kept as malformed."""
    malformed: list[tuple[int, str, list[str]]] = []
    skipped: list[tuple[int, str]] = []
    for number, count, line in invalid:
        cells = _split(line, delimiter)
        filled = sum(1 for c in cells if c.strip())
        if filled <= 1 or _FOOTER.match(line):
            skipped.append((number, line))
        elif number == last_row and not ends_with_newline and count < width:
            malformed.append((number, f"the last row has {count} of {width} cells (the file may be cut short)", cells))
        else:
            malformed.append((number, f"{count} cells where the header has {width}", cells))
    return malformed, skipped


# ---------------------------------------------------------------- workbooks


def _looks_like_workbook(path: Path) -> bool:
    with path.open("rb") as handle:
        magic = handle.read(8)
    return magic.startswith(b"PK\x03\x04") or magic.startswith(b"\xd0\xcf\x11\xe0")


def _open_workbook(path: Path):
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise InputError(f"not a readable Excel workbook ({exc}); re-save it from Excel or export CSV",
                         file=path) from exc


def _cell_text(value: object) -> str:
    """A workbook cell as the text a person sees (no '.0' on whole numbers, ISO dates)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, dt.timedelta):
        seconds = int(round(value.total_seconds()))
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return str(value)


def _column_texts(values: Sequence[object]) -> pd.Series:
    """One workbook column's cells as a text column (as _cell_text gives them), each distinct non-text
    value converted once: a column of numbers repeats few values, and a column of text goes to Arrow as
    it is."""
    import pyarrow as pa

    try:
        array = pa.array(values, type=pa.large_string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        known: dict[tuple[type, object], str] = {}      # keyed by type too: 1, 1.0 and True are equal keys

        def text(value: object) -> str:
            key = (type(value), value)
            found = known.get(key)
            if found is None:
                found = known[key] = _cell_text(value)
            return found

        array = pa.array([value if type(value) is str else text(value) for value in values], type=pa.large_string())
    if array.null_count:
        array = array.fill_null("")
    return pd.Series(TEXT.__from_arrow__(array), copy=False)


def _sheet_rows(book, path: Path, name: str, nrows: int | None = None) -> list[list[object]]:
    """A sheet's cells as Python values (all rows, or the first `nrows`)."""
    try:
        return book.get_sheet_by_name(name).to_python(skip_empty_area=False, **({} if nrows is None else
                                                                                  {"nrows": nrows}))
    except Exception as exc:  # calamine raises its own error types for damaged sheets
        raise InputError(f"cannot read sheet '{name}' ({exc})", file=path) from exc


@functools.lru_cache(maxsize=8)
def _sheet_head(path: str, mtime_ns: int, size: int, name: str, nrows: int) -> list[list[object]]:
    """A sheet's first rows, kept for the next kind that asks (detection reads one workbook once per kind);
    keyed by the file's time and size so an edited file is read again."""
    return _sheet_rows(_open_workbook(Path(path)), Path(path), name, nrows)


def _read_workbook(
    path: Path, header_score: HeaderScore | None, sheet: str | None, scan: int, limit: int | None = None
) -> Table:
    """The best-scoring sheet (or `sheet`) under its header; `limit` keeps only that many rows below it."""
    book = _open_workbook(path)
    names = list(book.sheet_names)
    if not names:
        raise InputError("the workbook has no sheets", file=path)
    if sheet is not None and sheet not in names:
        raise InputError(f"no sheet named '{sheet}' (sheets: {', '.join(names)})", file=path)
    best: tuple[float, str, list[list[object]], int, int] | None = None
    for name in [sheet] if sheet else names:
        if limit is None:
            rows = _sheet_rows(book, path, name)
        else:
            stat = path.stat()
            rows = _sheet_head(str(path), stat.st_mtime_ns, stat.st_size, name, scan + limit + 1)
        head = [[_cell_text(v).strip() for v in row] for row in rows[:scan]]
        index = _pick_header(head, header_score)
        if index < 0:
            continue
        value = header_score(head[index]) if header_score else float(len(rows))
        if best is None or value > best[0]:
            best = (value, name, rows, index, 0)
    if best is None:
        raise InputError("no header row found in any sheet" if not sheet else f"sheet '{sheet}' is empty", file=path)
    _, name, rows, index, _ = best
    header_cells = [_cell_text(v) for v in rows[index]]
    while header_cells and not header_cells[-1].strip():
        header_cells.pop()
    columns = _column_names(header_cells)
    width = len(columns)
    skipped = [(i + 1, " ".join(_cell_text(v) for v in rows[i]).strip()) for i in range(index)
               if any(_cell_text(v).strip() for v in rows[i])]
    body = rows[index + 1:] if limit is None else rows[index + 1:index + 1 + limit]
    numbers = np.arange(index + 2, index + 2 + len(body), dtype=np.int64)
    if any(len(row) < width for row in body):
        body = [list(row) + [""] * (width - len(row)) for row in body]
    cells = list(zip(*body, strict=False))[:width]     # column by column (every row has `width` cells or more)
    frame = pd.DataFrame({name: _column_texts(cells[position])   # text columns, as text files give
                          for position, name in enumerate(columns)}) if body else pd.DataFrame(
        {c: pd.Series([], dtype=object) for c in columns})
    return _finish(path, columns, frame, numbers, index + 1, skipped, [], sheet=name)


# ---------------------------------------------------------------- shared clean-up


def _filled(column: pd.Series) -> np.ndarray:
    """Which cells hold something other than blanks. Arrow-backed text is read from its buffers: a cell can
    only be all blanks if it starts with a blank byte (or a non-ASCII one), so only those few are checked."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow"):
        return (column.astype(str).str.strip() != "").to_numpy()
    array = pa.array(column)
    parts = []
    for chunk in array.chunks if isinstance(array, pa.ChunkedArray) else [array]:
        if chunk.null_count or not pa.types.is_large_string(chunk.type) or not len(chunk):
            blank = pc.or_(pc.equal(pc.utf8_length(chunk), 0), pc.utf8_is_space(chunk))
            parts.append(~np.asarray(pc.fill_null(blank, True).to_numpy(zero_copy_only=False), dtype=bool))
            continue
        _, offsets_buffer, data_buffer = chunk.buffers()
        offsets = np.frombuffer(offsets_buffer, dtype=np.int64, count=len(chunk) + 1, offset=chunk.offset * 8)
        data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
        filled = offsets[1:] > offsets[:-1]
        first = data[np.minimum(offsets[:-1], max(len(data) - 1, 0))] if len(data) else np.zeros(len(chunk), np.uint8)
        doubtful = np.flatnonzero(filled & (np.isin(first, (9, 10, 11, 12, 13, 32)) | (first >= 0x80)))
        if len(doubtful) > len(chunk) // 20:
            filled &= ~np.asarray(pc.utf8_is_space(chunk).to_numpy(zero_copy_only=False), dtype=bool)
        else:
            for index in doubtful.tolist():
                filled[index] = bool(chunk[index].as_py().strip())
        parts.append(filled)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def _finish(
    path: Path,
    columns: list[str],
    frame: pd.DataFrame,
    rows: np.ndarray,
    header_row: int,
    skipped: list[tuple[int, str]],
    malformed: list,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
) -> Table:
    """Drop blank rows, repeated headers and the notes/totals block below the data."""
    if any(frame[name].hasnans for name in frame.columns):    # column by column: no 2-D copy of the table
        frame = frame.fillna("")
    if len(frame):
        filled = np.zeros(len(frame), dtype=np.int64)
        for name in frame.columns:
            filled += _filled(frame[name])
        keep = filled > 0
        if len(columns) >= 2:
            first_two = [frame.iloc[:, i].astype(str).str.strip() for i in (0, 1)]
            repeated = (first_two[0] == columns[0]).to_numpy() & (first_two[1] == columns[1]).to_numpy()
            keep &= ~repeated
            for position in np.flatnonzero(repeated):
                skipped.append((int(rows[position]), "repeated header"))
        # trailing block: rows after the last full-looking record that hold one cell or a footer phrase
        widest = max(2, int(np.median(filled[filled > 0])) if (filled > 0).any() else 2)
        tail = len(frame) - 1
        while tail >= 0:
            if not keep[tail]:
                tail -= 1
                continue
            cells = [str(v).strip() for v in frame.iloc[tail]]
            first = cells[0]
            joined = " ".join(v for v in cells if v)
            if filled[tail] <= 1 and widest >= 3 or _FOOTER.match(first or joined):
                keep[tail] = False
                skipped.append((int(rows[tail]), joined))
                tail -= 1
                continue
            break
        if not keep.all():
            kept = int(keep.sum())
            if keep[:kept].all():   # only a trailing block goes: a slice, not a copy
                frame, rows = frame.iloc[:kept], rows[:kept]
            else:
                frame = frame.loc[keep].reset_index(drop=True)
                rows = rows[keep]
    if frame.empty:
        raise InputError("no data rows below the header", file=path, row=header_row)
    skipped.sort()
    return Table(path, columns, frame, rows, header_row, encoding=encoding, sheet=sheet,
                 skipped=skipped, malformed=malformed)


# ---------------------------------------------------------------- JSON and JSON lines


def _looks_like_json(path: Path) -> bool:
    """A file whose first non-blank character opens a JSON object or array (a scrape saved as .txt)."""
    with path.open("rb") as handle:
        head = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[")


def _json_cell(value: object) -> str:
    """A JSON value as cell text: lists joined with '; ', objects as JSON, null as '', 21.0 as '21'."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, list):
        return "; ".join(_json_cell(v) for v in value if v is not None and _json_cell(v) != "")
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _flat(record: dict, prefix: str = "") -> dict[str, object]:
    """One level of nesting as dotted keys ({"location": {"city": ..}} -> "location.city")."""
    out: dict[str, object] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and not prefix:
            out.update(_flat(value, f"{name}."))
        else:
            out[name] = value
    return out


def _loads_line(line: str) -> object:
    """One JSON line parsed; a number of thousands of digits or a lone surrogate is refused (RecursionError,
    UnicodeError or JSONDecodeError), never carried on to crash the case file's writer."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        raise
    except ValueError as exc:                       # int() past Python's digit limit
        if "digits" in str(exc):
            raise UnicodeError("a number with thousands of digits") from exc
        raise
    if "\\u" in line:                              # escapes may hide a lone surrogate UTF-8 cannot store
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    return value


def _json_trouble(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "values nested too deeply"
    if isinstance(exc, UnicodeEncodeError):
        return "a lone surrogate (\\ud800-\\udfff) that is not text"
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def read_json_records(path: str | Path, *, encoding: str | None = None) -> Table:
    """Read a JSON array of objects (row = index + 1) or JSON lines (row = line number) as a table.

    Columns are the keys in first-seen order (nested objects one level deep as 'a.b'); each
    row's original object is kept in `records` for provenance. A line or element that is not
    an object is malformed (its row and reason kept), not fatal.
    """
    path = Path(path)
    text, used = _decode(path, path.read_bytes(), encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    items: list[tuple[int, object, str]] = []      # (row, parsed value or error text, raw text)
    malformed: list[tuple[int, str, list[str]]] = []
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON ({exc.msg}, column {exc.colno})", file=path, row=exc.lineno) from exc
        except (RecursionError, ValueError) as exc:     # nested 10,000 deep, a 5,000-digit number
            raise InputError(f"not readable JSON ({_json_trouble(exc)})", file=path) from exc
        if not isinstance(data, list):
            raise InputError("a JSON file of ads must hold an array of objects or one object per line", file=path)
        items = [(index, value, "") for index, value in enumerate(data, start=1)]
    else:
        for number, line in enumerate(text.split("\n"), start=1):
            line = line.strip()
            if not line:
                continue
            try:
                items.append((number, _loads_line(line), line))
            except (RecursionError, UnicodeError) as exc:
                malformed.append((number, f"not a readable JSON object ({_json_trouble(exc)})", [line[:10_000]]))
            except json.JSONDecodeError as exc:
                reason = (f"not a JSON object ({exc.msg}, column {exc.colno}); the line may be cut short"
                          if number == text.rstrip("\n").count("\n") + 1 else f"not a JSON object ({exc.msg}, column {exc.colno})")
                malformed.append((number, reason, [line]))
    columns: dict[str, None] = {}
    rows: list[dict[str, object]] = []
    numbers: list[int] = []
    originals: list[dict] = []
    for number, value, raw in items:
        if not isinstance(value, dict):
            malformed.append((number, f"a JSON {type(value).__name__} where an object was expected",
                              [raw or json.dumps(value, ensure_ascii=False)]))
            continue
        if isinstance(value.get("_source"), dict):
            # an Elasticsearch hit (a Memex index dump): the document is in _source, _id beside it
            value = {**{k: v for k, v in value.items() if k != "_source"}, **value["_source"]}
        flat = _flat(value)
        columns.update(dict.fromkeys(str(k) for k in flat))
        rows.append(flat)
        numbers.append(number)
        originals.append(value)
    if not rows:
        if malformed:
            row, reason, _ = malformed[0]
            raise InputError(reason, file=path, row=row)
        raise InputError("no JSON records in the file", file=path)
    names = list(columns)
    frame = pd.DataFrame([[_json_cell(r.get(c)) for c in names] for r in rows], columns=names, dtype=object)
    malformed.sort()
    return Table(path, names, frame, np.array(numbers, dtype=np.int64), 0, encoding=used,
                 malformed=malformed, records=originals)


GRAPHML_NS = "{http://graphml.graphdrawing.org/xmlns}"
GRAPHML_COLUMNS = ["source_identifier", "source_type", "target_identifier", "target_type", "link_type", "weight",
                   "start", "end_time", "edge"]


def read_graphml(path: Path) -> Table:
    """A GraphML chart (linkgraph's own export, or any file with node `type`/`canonical_key`/`label` and
    edge `types`) as a link table: one row per edge and link type, each end by its identifier and type.
    Rows are numbered in file order (an edge of two link types gives two rows; the `edge` column names it);
    each row's original node and edge data is kept as its raw row."""
    from xml.etree import ElementTree

    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as exc:
        raise InputError(f"not a readable GraphML file ({exc})", file=path) from exc
    names = {k.get("id"): k.get("attr.name") or k.get("id") for k in root.iter(f"{GRAPHML_NS}key")}

    def data_of(element) -> dict[str, str]:
        return {names.get(d.get("key"), d.get("key")): (d.text or "") for d in element.findall(f"{GRAPHML_NS}data")}

    nodes = {n.get("id"): data_of(n) for n in root.iter(f"{GRAPHML_NS}node")}
    rows: list[list[str]] = []
    numbers: list[int] = []
    originals: list[dict] = []
    for number, edge in enumerate(root.iter(f"{GRAPHML_NS}edge"), start=1):   # number: the edge's place
        data = data_of(edge)
        ends = [nodes.get(edge.get("source"), {}), nodes.get(edge.get("target"), {})]
        for link_type in [t.strip() for t in (data.get("types") or "").split(",") if t.strip()] or [""]:
            rows.append([ends[0].get("canonical_key") or ends[0].get("label", ""), ends[0].get("type", ""),
                         ends[1].get("canonical_key") or ends[1].get("label", ""), ends[1].get("type", ""),
                         link_type, "1", data.get("first", ""), data.get("last", ""), edge.get("id") or str(number)])
            numbers.append(len(numbers) + 1)
            originals.append({"edge": data, "source": ends[0], "target": ends[1]})
    if not rows:
        raise InputError("no edges in the GraphML file", file=path)
    frame = pd.DataFrame(rows, columns=GRAPHML_COLUMNS, dtype=object)
    return Table(path, list(GRAPHML_COLUMNS), frame, np.array(numbers, dtype=np.int64), 0, encoding="utf-8",
                 records=originals)


def sheet_cells(path: str | Path, name: str, nrows: int | None = None) -> list[list[str]]:
    """One workbook sheet's cells as text (as a person sees them), every row: for key/value sheets such as a
    phone extraction's device information, which have no header."""
    path = Path(path)
    return [[_cell_text(value).strip() for value in row] for row in _sheet_rows(_open_workbook(path), path, name, nrows)]
