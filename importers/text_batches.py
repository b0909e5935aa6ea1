"""A big CSV/TSV read in batches of lines, each batch exactly as `readers.read_table` reads it whole.

A carrier return of five million rows read whole costs gigabytes (the bytes, the parsed columns, their
codes); read a batch at a time, memory stays that of a batch (and the next, parsed ahead) whatever the file's size. Each batch is
a `readers.Table` of its data rows (their line numbers as in the file, blank lines, repeated headers and
malformed rows handled as the whole-file reader handles them) with the batch's original lines, for raw
rows. A file this reader cannot read batch by batch exactly as whole (not UTF-8, a quoted value over
several lines, a notes block it cannot place) raises `NotStreamable` (the importer then reads it whole);
`open_text_batches` returns None for files it need not try (workbooks, JSON, small files).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from importers.readers import (
    _FOOTER,
    HEAD_BYTES,
    TEXT_SUFFIXES,
    HeaderScore,
    Table,
    _filled,
    _line_starts,
    _looks_like_json,
    _looks_like_workbook,
    _sort_invalid,
    _split,
    _tail_start,
    _text_header,
    _valid_utf8,
    parse_lines,
    unsupported_format,
)
from linkgraph.errors import InputError

TAIL_BYTES = 4 << 20         # the end of the file read to find the notes block below the data
READ_BYTES = 16 << 20        # the file is read this much at a time


class NotStreamable(Exception):
    """This file cannot be read in batches exactly as it is read whole: read it whole."""


@dataclass
class Batch:
    """One batch: its data rows as a table, and its lines as in the file (line `first_line + i` is lines[i])."""

    table: Table
    lines: pa.Array              # each line with its line break
    first_line: int
    quotes: bool = True          # some line holds a quote character


@dataclass
class TextBatches:
    """An open text file's layout: header, delimiter, where the data starts and where the notes below begin."""

    path: Path
    columns: list[str]
    header_row: int
    encoding: str
    delimiter: str
    base: int                    # bytes before the UTF-8 text (a BOM)
    first: int                   # where the data lines start (offset in the text)
    tail: int                    # where the notes and blank lines below the data start
    size: int                    # the text's size in bytes
    lines_before_tail: int       # lines before `first`
    tail_lines: list[str]        # the lines from `tail` on
    mean_line: float             # bytes per data line in the head (to estimate the number of rows)
    header_line: str             # the header as written
    ends_with_newline: bool      # the file's last line ends in a line break

    @property
    def estimated_rows(self) -> int:
        return int((self.tail - self.first) / max(self.mean_line, 1.0))

    def batches(self, rows: int) -> Iterator[Batch]:
        """The data in batches of `rows` lines (the last holds the rest and the notes below the data). Each batch
        is parsed on a reading thread while the caller works on the one before (the CSV parser leaves Python's
        lock to the caller, so the two share the cores); one batch at most is read ahead."""
        width = len(self.columns)
        number = self.header_row + 1                      # the file line the next batch starts at
        histogram = np.zeros(width + 1, dtype=np.int64)   # filled cells per data row, all batches so far
        reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="linkgraph-read-ahead")
        ahead: Future | None = None                       # the batch being read while the caller has the one before
        try:
            with self.path.open("rb") as handle:
                handle.seek(self.base + self.first)
                left = self.tail - self.first
                buffer = b""
                breaks = np.zeros(0, dtype=np.int64)         # where the buffer's line breaks are
                while True:
                    while len(breaks) < rows and left > 0:
                        block = handle.read(min(max(READ_BYTES, int(rows * self.mean_line * 1.1)), left))
                        if not block:
                            left = 0                          # the file is shorter than when opened
                            break
                        left -= len(block)
                        found = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10) + len(buffer)
                        breaks = np.concatenate([breaks, found])
                        buffer += block
                    last = left <= 0 and len(breaks) <= rows
                    if last:
                        chunk, buffer = buffer, b""
                        ends, breaks = breaks, breaks[:0]
                    else:
                        cut = int(breaks[rows - 1]) + 1
                        chunk, buffer = buffer[:cut], buffer[cut:]
                        ends, breaks = breaks[:rows], breaks[rows:] - cut
                    # batches are read one after another on the one thread: each sees the histogram of those before
                    reading = reader.submit(self._read, chunk, ends, number, last, histogram)
                    number += _line_count(chunk, ends)
                    del chunk
                    if ahead is not None:
                        yield ahead.result()
                    ahead = reading
                    if last:
                        break
            done, ahead = ahead, None
            yield done.result()
        finally:
            reader.shutdown(wait=True, cancel_futures=True)   # the caller stopped early: the batch ahead is dropped

    def _read(self, chunk: bytes, ends: np.ndarray, number: int, last: bool, histogram: np.ndarray) -> Batch:
        """One batch's lines (`ends`: where its line breaks are) parsed as readers._parse_body and cleaned up
        as readers._finish would."""
        quotes = chunk.count(b'"')
        if quotes % 2 or not _valid_utf8(chunk):
            raise NotStreamable("a quoted value over several lines, or text that is not UTF-8")
        width = len(self.columns)
        lines_in = _line_count(chunk, ends)
        table, invalid = _parse(chunk, self.delimiter, width)
        if table.num_rows + len(invalid) != lines_in:
            raise NotStreamable("rows the CSV reader could not count")
        invalid = [(number - 1 + n, count, line) for n, count, line in invalid]
        total_lines = number - 1 + lines_in
        if last:
            for offset, line in enumerate(self.tail_lines):
                line = line.rstrip("\r")
                invalid.append((total_lines + offset + 1, len(_split(line, self.delimiter)) if line else 1, line))
            total_lines += len(self.tail_lines)
        bad = np.array(sorted(n for n, _, _ in invalid), dtype=np.int64)
        all_rows = np.arange(number, number + lines_in, dtype=np.int64)
        rows = np.setdiff1d(all_rows, bad, assume_unique=True) if len(bad) else all_rows
        frame = table.to_pandas()
        frame.columns = self.columns
        malformed, _ = _sort_invalid(invalid, width, self.delimiter, last_row=total_lines if last else -1,
                                     ends_with_newline=self.ends_with_newline)
        frame, rows = self._clean(frame, rows, last, histogram)
        lines = _chunk_lines(chunk, ends)
        return Batch(Table(self.path, self.columns, frame, rows, self.header_row, encoding=self.encoding,
                           malformed=malformed), lines, number, bool(quotes))

    def _clean(self, frame: pd.DataFrame, rows: np.ndarray, last: bool, histogram: np.ndarray
               ) -> tuple[pd.DataFrame, np.ndarray]:
        """readers._finish for one batch: blank rows and repeated headers dropped; in the last batch, the
        trailing block of notes (judged by the median filled width of every batch, as over the whole file)."""
        columns = self.columns
        if any(frame[name].hasnans for name in frame.columns):
            frame = frame.fillna("")
        if not len(frame):
            return frame, rows
        filled = np.zeros(len(frame), dtype=np.int64)
        for name in frame.columns:
            filled += _filled(frame[name])
        histogram += np.bincount(filled, minlength=len(histogram))[:len(histogram)]
        keep = filled > 0
        if len(columns) >= 2:
            first_two = [frame.iloc[:, i].astype(str).str.strip() for i in (0, 1)]
            keep &= ~((first_two[0] == columns[0]).to_numpy() & (first_two[1] == columns[1]).to_numpy())
        if last:
            widest = max(2, _median_filled(histogram))
            tail = len(frame) - 1
            while tail >= 0:
                if not keep[tail]:
                    tail -= 1
                    continue
                cells = [str(v).strip() for v in frame.iloc[tail]]
                joined = " ".join(v for v in cells if v)
                if filled[tail] <= 1 and widest >= 3 or _FOOTER.match(cells[0] or joined):
                    keep[tail] = False
                    tail -= 1
                    continue
                break
            if tail < 0:
                raise NotStreamable("the notes below the data reach into an earlier batch")
        if not keep.all():
            kept = int(keep.sum())
            if keep[:kept].all():
                frame, rows = frame.iloc[:kept], rows[:kept]
            else:
                frame = frame.loc[keep].reset_index(drop=True)
                rows = rows[keep]
        return frame, rows


def _line_count(chunk: bytes, ends: np.ndarray) -> int:
    """Lines in a batch's bytes (`ends`: its line breaks; a last line without one counts)."""
    return len(ends) + (1 if chunk and not chunk.endswith(b"\n") else 0)


def _median_filled(histogram: np.ndarray) -> int:
    """int(np.median) of the filled counts above zero, from their histogram."""
    counts = histogram.copy()
    counts[0] = 0
    total = int(counts.sum())
    if not total:
        return 2
    cumulative = np.cumsum(counts)
    low = int(np.searchsorted(cumulative, (total - 1) // 2 + 1))
    high = int(np.searchsorted(cumulative, total // 2 + 1))
    return int((low + high) / 2)


def _chunk_lines(chunk: bytes, ends: np.ndarray) -> pa.Array:
    """A batch's lines, each with its line break, cut from its bytes without a copy (`ends`: its line breaks)."""
    if not chunk:
        return pa.array([], type=pa.string())
    breaks = ends.astype(np.int32) + 1
    ends = breaks if len(breaks) and breaks[-1] == len(chunk) else np.r_[breaks, np.int32(len(chunk))]
    offsets = np.r_[np.int32(0), ends].astype(np.int32, copy=False)
    return pa.StringArray.from_buffers(len(ends), pa.py_buffer(offsets), pa.py_buffer(chunk))


def _parse(chunk: bytes, delimiter: str, width: int) -> tuple[pa.Table, list[tuple[int, int, str]]]:
    """The lines parsed by readers.parse_lines, as the whole read parses them; rows of the wrong width
    as (1-based line in the chunk, cells, text)."""
    if not chunk:
        return pa.table({f"c{i}": pa.array([], type=pa.large_string()) for i in range(width)}), []
    try:
        table, invalid = parse_lines(pa.py_buffer(chunk), delimiter, width)
    except pa.ArrowInvalid as exc:
        raise NotStreamable(str(exc)) from exc
    if any(number is None for number, _, _ in invalid):
        raise NotStreamable("rows the CSV reader could not number")
    return table, [(int(n), c, t) for n, c, t in invalid]


def open_text_batches(path: Path, header_score: HeaderScore | None) -> TextBatches | None:
    """The layout of a UTF-8 text table to read in batches; None for what is read whole (workbooks, JSON,
    other encodings, files whose notes below the data cannot be placed from the end of the file)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES or unsupported_format(path) or _looks_like_workbook(path) \
            or _looks_like_json(path):
        return None
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    base = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    encoding = "utf-8-sig" if base else "utf-8"
    cut = head.rfind(b"\n") + 1
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or not cut or not _valid_utf8(head[:cut]) \
            or (not base and b"\x00" in head[:4096]):
        return None
    text = head[base:cut]
    try:
        delimiter, columns, header_index, _ = _text_header(path, text, header_score, None, 30)
    except (InputError, UnicodeDecodeError):
        return None                      # the whole-file reader says what is wrong
    header_row = header_index + 1
    starts = _line_starts(text, header_row + 200)
    if len(starts) <= header_row + 1:
        return None
    first = starts[header_row]
    data_lines = np.diff(starts[header_row:])
    text_size = size - base
    window = max(first, text_size - TAIL_BYTES)
    with path.open("rb") as handle:
        handle.seek(base + window)
        end_text = handle.read()
    tail = _tail_start(end_text, max(first - window, 0), delimiter, len(columns))
    if tail is None or (tail == 0 and window > first):
        return None
    tail_text = end_text[tail:]
    if not _valid_utf8(tail_text):
        return None
    tail_lines = tail_text.decode("utf-8").split("\n")
    if tail_text.endswith(b"\n") or not tail_text:
        tail_lines = tail_lines[:-1]
    header_line = text[starts[header_row - 1]:starts[header_row]].decode("utf-8").rstrip("\r\n")
    return TextBatches(path, columns, header_row, encoding, delimiter, base, first, window + tail, text_size,
                       text.count(b"\n", 0, first), tail_lines,
                       float(np.mean(data_lines)) if len(data_lines) else 80.0, header_line,
                       end_text.endswith(b"\n") or not end_text)
