"""A source's raw rows, kept in blocks: one SQLite row holds the texts of up to BLOCK_ROWS consecutive rows.

Writing a million rows one SQLite row each costs seconds; a block is built column-wise with Arrow (each text
escaped as a JSON string, the block's strings joined into one JSON array) and written as one value. Row
`first_row + i` of the source is element i of the block; a gap in row numbers starts a new block. The
`source_rows` view (source_id, row, raw) shows the blocks row by row for ad-hoc SQL; linkgraph reads blocks.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from linkgraph.errors import LinkgraphError

BLOCK_ROWS = 4096
LINE_GROUP = 16            # blocks of a file's lines made at a time (65,536 lines, a few megabytes)
_SCAN_BYTES = 1 << 18          # text bytes looked at per step when searching for characters JSON must escape
_ESCAPES = {0x22: '\\"', 0x08: "\\b", 0x0C: "\\f", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}
# A block's strings arrive as '"a","b","c"' bytes (a blob, so Python makes no str of them); SQLite reads them as
# UTF-8 text and adds the brackets.
_INSERT_BLOCK = "INSERT INTO source_blocks VALUES (?, ?, '[' || CAST(? AS TEXT) || ']')"
_INSERT_LINES = """INSERT INTO source_blocks VALUES (?, ?, '["' || CAST(? AS TEXT) || '"]')"""   # 'a","b'


class BlockError(ValueError):
    """A block that is not a JSON array of texts (edited by hand)."""


def stores_blocks(conn: sqlite3.Connection) -> bool:
    """Whether this case keeps raw rows in blocks (case format 2 on; a format-1 case opened read-only does not)."""
    return conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'source_blocks'").fetchone() is not None


def texts_array(texts: Sequence[str] | pa.Array | pa.ChunkedArray) -> pa.Array:
    """Raw texts as one Arrow string array; every row kept must have its text."""
    try:
        array = texts if isinstance(texts, pa.Array | pa.ChunkedArray) else pa.array(texts, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise LinkgraphError(f"a raw row's text is not text ({exc})") from exc
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_large_string(array.type):
        array = array.cast(pa.string())
    if not pa.types.is_string(array.type):
        raise LinkgraphError(f"raw rows must be text, not {array.type}")
    if array.null_count:
        raise LinkgraphError("a raw row has no text (None); keep '' for an empty row")
    return array


def _text_bytes(array: pa.Array) -> tuple[np.ndarray, np.ndarray, pa.Buffer | None]:
    """The offsets of a string array's texts and the bytes they span, as NumPy views (no copy), and the buffer."""
    offsets = np.frombuffer(array.buffers()[1], dtype="<i4")[array.offset:array.offset + len(array) + 1]
    buffer = array.buffers()[2]
    if buffer is None or not len(array):
        return offsets, np.zeros(0, dtype=np.uint8), buffer
    return offsets, np.frombuffer(buffer, dtype=np.uint8)[int(offsets[0]):int(offsets[-1])], buffer


def _bytes_to_escape(data: np.ndarray) -> set[int]:
    """Which bytes of `data` a JSON string must escape: control characters, quote, backslash."""
    found: set[int] = set()
    for start in range(0, len(data), _SCAN_BYTES):
        part = data[start:start + _SCAN_BYTES]
        if part.min() >= 0x20 and not (part == 0x22).any() and not (part == 0x5C).any():
            continue
        found.update(np.unique(part[(part < 0x20) | (part == 0x22) | (part == 0x5C)]).tolist())
    return found


def json_string_bodies(array: pa.Array) -> pa.Array:
    """Each text escaped as the inside of a JSON string literal, losslessly (json.loads and SQLite's json_each
    give back the same text); an array with nothing to escape is returned as it is."""
    found = _bytes_to_escape(_text_bytes(array)[1])
    if 0x5C in found:        # first: the escapes below add backslashes of their own
        array = pc.replace_substring(array, "\\", "\\\\")
    for byte in sorted(found - {0x5C}):
        array = pc.replace_substring(array, chr(byte), _ESCAPES.get(byte, f"\\u{byte:04x}"))
    return array


def block_starts(rows: np.ndarray) -> np.ndarray:
    """Indexes (into ascending `rows`) where a block begins: at every gap in row numbers and every BLOCK_ROWS rows."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    run_starts = np.concatenate([[0], breaks])
    run_lengths = np.diff(np.concatenate([run_starts, [len(rows)]]))
    per_run = (run_lengths + BLOCK_ROWS - 1) // BLOCK_ROWS
    within = np.arange(int(per_run.sum())) - np.repeat(np.cumsum(per_run) - per_run, per_run)
    return np.repeat(run_starts, per_run) + within * BLOCK_ROWS


def write_blocks(conn: sqlite3.Connection, source_id: int, rows: Sequence[int] | np.ndarray,
                 texts: Sequence[str] | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Keep raw rows (row numbers and texts, any order) as blocks; returns each block's first row and row count."""
    numbers = np.asarray(rows)
    if numbers.ndim != 1 or (len(numbers) and numbers.dtype.kind not in "iu"):
        raise LinkgraphError("raw rows need whole row numbers")
    numbers = numbers.astype(np.int64, copy=False)
    array = texts_array(texts)
    if len(array) != len(numbers):
        raise LinkgraphError(f"{len(numbers)} row numbers for {len(array)} raw texts")
    if len(numbers) > 1 and not bool((np.diff(numbers) > 0).all()):
        order = np.argsort(numbers, kind="stable")
        numbers = numbers[order]
        array = array.take(pa.array(order))
        repeated = np.flatnonzero(np.diff(numbers) == 0)
        if len(repeated):
            raise LinkgraphError(f"source {source_id}: row {int(numbers[repeated[0]])} is kept twice")
    if not len(numbers):
        return numbers, numbers
    pieces = pc.binary_join_element_wise(',"', json_string_bodies(array), '"', "")   # ',"text"' per row
    offsets, _, buffer = _text_bytes(pieces)
    view = memoryview(buffer)
    starts = block_starts(numbers)
    ends = np.append(starts[1:], len(numbers))
    conn.executemany(_INSERT_BLOCK, (
        (int(source_id), first, view[int(offsets[start]) + 1:int(offsets[end])])   # without the first comma
        for first, start, end in zip(numbers[starts].tolist(), starts.tolist(), ends.tolist(), strict=True)))
    return numbers[starts], ends - starts


@dataclass(frozen=True)
class FileLines:
    """A text file's lines as they sit in its bytes, each ending in the same line break (the last may have
    none): blocks are cut straight from the bytes, with no copy of the lines made first."""

    data: pa.Buffer            # the bytes the lines are in
    starts: np.ndarray         # int64: where each line starts in `data`
    ends: np.ndarray           # int64: where each line's text ends (its line break excluded)
    line_break: bytes          # b"\n" or b"\r\n"
    tabs: bool                 # some text holds a tab (JSON writes it as \t)

    def span(self, begin: int, end: int) -> bytes:
        """Lines begin .. end - 1 as in the file, without the last one's line break."""
        return self.data[int(self.starts[begin]):int(self.ends[end - 1])].to_pybytes()

    def texts(self, begin: int, end: int) -> pa.Array:
        """Lines begin .. end - 1 without their line breaks, as an Arrow string array (the line breaks cut out by
        Arrow, which leaves Python's lock to the importing thread meanwhile)."""
        body = _pieces_of(self.data, np.array([self.starts[begin], self.ends[end - 1]]), self.line_break, b"")
        lengths = self.ends[begin:end] - self.starts[begin:end]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
        start = int(np.frombuffer(body.buffers()[1], dtype=np.int64)[body.offset])
        return pa.StringArray.from_buffers(end - begin, pa.py_buffer(offsets),
                                           body.buffers()[2].slice(start, int(offsets[-1])))


def _pieces_of(data: pa.Buffer, cuts: np.ndarray, old: bytes, new: bytes) -> pa.Array:
    """The bytes of `data` between consecutive `cuts`, each piece with `old` replaced by `new`: one Arrow
    call over a view of the bytes (no copy first, and Python's lock left to other threads while it runs)."""
    pieces = pa.Array.from_buffers(pa.large_binary(), len(cuts) - 1,
                                   [None, pa.py_buffer(np.ascontiguousarray(cuts, dtype=np.int64)), data])
    return pc.replace_substring(pieces, old, new)


def file_lines(lines: pa.Array) -> FileLines | None:
    """The lines of a string array that each end in one line break (the last may not), when they can be
    cut from the bytes as they are: one kind of line break throughout, and nothing else JSON must escape
    but tabs (no quote, backslash, other control character or lone carriage return). None otherwise."""
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    if not pa.types.is_string(lines.type) or lines.null_count or not len(lines):
        return None
    offsets, data, buffer = _text_bytes(lines)
    if buffer is None or not len(data):
        return None
    stops = offsets[1:].astype(np.int64) - int(offsets[0])          # line ends, relative to `data`
    starts = offsets[:-1].astype(np.int64) - int(offsets[0])
    if np.any(stops <= starts):
        return None                                                  # a line with no line break at all
    broken = data[stops - 1] == 0x0A
    if not broken[:-1].all():
        return None
    newlines = _count(data, 0x0A)
    if newlines != int(broken.sum()):
        return None                                                  # a line break inside a line
    controls = _count_controls(data)
    returns = _count(data, 0x0D) if controls > newlines else 0
    tabs = _count(data, 0x09) if controls > newlines + returns else 0
    if controls != newlines + returns + tabs or _count(data, 0x22) or _count(data, 0x5C):
        return None                                                  # something JSON must escape
    cut = np.where(broken, 1, 0)
    line_break = b"\n"
    if returns:
        ending = broken & (stops >= starts + 2)
        crlf = np.zeros(len(stops), dtype=bool)
        crlf[ending] = data[stops[ending] - 2] == 0x0D
        if returns != newlines or not (crlf == broken).all():
            return None                                              # mixed line breaks or a lone CR
        cut = np.where(broken, 2, 0)
        line_break = b"\r\n"
    base = int(offsets[0])
    return FileLines(buffer, starts + base, stops - cut + base, line_break, bool(tabs))


def _count(data: np.ndarray, byte: int) -> int:
    """How many times a byte occurs (a block at a time, so the comparison stays in cache)."""
    return sum(int(np.count_nonzero(data[at:at + _SCAN_BYTES] == byte)) for at in range(0, len(data), _SCAN_BYTES))


def _count_controls(data: np.ndarray) -> int:
    """How many control characters (below 0x20) there are."""
    return sum(int(np.count_nonzero(data[at:at + _SCAN_BYTES] < 0x20)) for at in range(0, len(data), _SCAN_BYTES))


def write_file_lines(conn: sqlite3.Connection, source_id: int, rows: np.ndarray, lines: FileLines
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Keep a file's lines (row numbers ascending, one per line) as blocks cut from the file's bytes: each
    block's line breaks become the '","' between JSON strings. Returns each block's first row and row count."""
    numbers = np.asarray(rows, dtype=np.int64)
    if len(numbers) != len(lines.starts):
        raise LinkgraphError(f"{len(numbers)} row numbers for {len(lines.starts)} raw texts")
    if len(numbers) > 1 and not bool((np.diff(numbers) > 0).all()):
        raise LinkgraphError(f"source {source_id}: raw rows cut from a file must come in row order")
    starts = block_starts(numbers)
    ends = np.append(starts[1:], len(numbers))
    conn.executemany(_INSERT_LINES, _line_blocks(source_id, numbers[starts], starts, lines))
    return numbers[starts], ends - starts


def _line_blocks(source_id: int, firsts: np.ndarray, starts: np.ndarray, lines: FileLines
                 ) -> Iterator[tuple[int, int, memoryview]]:
    """(source, first row, body) of each block of lines: its lines as in the file, each line break made '","'
    and each tab '\\t', made by Arrow `LINE_GROUP` blocks at a time (each block runs to the next block's first
    line, so its last line break is made '","' too and cut off)."""
    separator = b'","'
    for at in range(0, len(starts), LINE_GROUP):
        group = starts[at:at + LINE_GROUP]
        following = int(starts[at + LINE_GROUP]) if at + LINE_GROUP < len(starts) else None
        cuts = np.append(lines.starts[group], lines.starts[following] if following is not None else lines.ends[-1])
        bodies = _pieces_of(lines.data, cuts, lines.line_break, separator)
        if lines.tabs:
            bodies = pc.replace_substring(bodies, b"\t", b"\\t")
        offsets = np.frombuffer(bodies.buffers()[1], dtype=np.int64)[bodies.offset:bodies.offset + len(group) + 1]
        view = memoryview(bodies.buffers()[2])
        stops = offsets[1:].copy()
        if following is not None:
            stops -= len(separator)                 # the block's last line break, not part of it
        else:
            stops[:-1] -= len(separator)
        for number, first in enumerate(firsts[at:at + LINE_GROUP].tolist()):
            yield int(source_id), first, view[int(offsets[number]):int(stops[number])]


def overlapping_row(firsts: np.ndarray, counts: np.ndarray) -> int | None:
    """A row that two of these blocks (first rows and row counts) both hold, or None."""
    if len(firsts) < 2:
        return None
    order = np.argsort(firsts, kind="stable")
    firsts, counts = firsts[order], counts[order]
    clash = np.flatnonzero(firsts[1:] < firsts[:-1] + counts[:-1])
    return int(firsts[clash[0] + 1]) if len(clash) else None


def parse_block(raw: str | bytes) -> list[str]:
    """A block's texts (raises BlockError when it is not a JSON array of texts)."""
    try:
        texts = json.loads(raw)
    except (TypeError, ValueError) as exc:
        raise BlockError(f"a raw-row block is not JSON ({exc})") from exc
    if not isinstance(texts, list):
        raise BlockError("a raw-row block is not a JSON array")
    return texts


def block_at(conn: sqlite3.Connection, source_id: int, row: int) -> tuple[int, list[str]] | None:
    """The block holding a source's row: its first row number and its texts (None when no block holds it)."""
    found = conn.execute(
        "SELECT first_row, raw FROM source_blocks WHERE source_id = ? AND first_row <= ? "
        "ORDER BY first_row DESC LIMIT 1", (source_id, row)).fetchone()
    if found is None:
        return None
    try:
        texts = parse_block(found[1])
    except BlockError:
        return None
    return (int(found[0]), texts) if row - found[0] < len(texts) else None


def read_rows(conn: sqlite3.Connection, source_id: int, batch: int = 65_536
              ) -> Iterator[tuple[Sequence[int], list[str]]]:
    """A source's raw rows in row order, as (row numbers, texts): one block at a time, or from a format-1 case's
    source_rows table `batch` rows at a time (raises BlockError for a block edited out of shape)."""
    if not stores_blocks(conn):
        cursor = conn.execute("SELECT row, raw FROM source_rows WHERE source_id = ? ORDER BY row", (source_id,))
        while found := cursor.fetchmany(batch):
            numbers, texts = zip(*found, strict=True)
            yield list(numbers), list(texts)
        return
    for first, raw in conn.execute(
            "SELECT first_row, raw FROM source_blocks WHERE source_id = ? ORDER BY first_row", (source_id,)):
        texts = parse_block(raw)
        yield range(first, first + len(texts)), texts


def copy_rows(source: sqlite3.Connection, source_id: int, target: sqlite3.Connection, target_id: int) -> None:
    """Copy one source's raw rows into another case as `target_id` (blocks as they are when both keep blocks)."""
    if stores_blocks(source):
        target.executemany("INSERT INTO source_blocks VALUES (?, ?, ?)", (
            (target_id, first, raw) for first, raw in source.execute(
                "SELECT first_row, raw FROM source_blocks WHERE source_id = ? ORDER BY first_row", (source_id,))))
        return
    for numbers, texts in read_rows(source, source_id, BLOCK_ROWS * 16):
        write_blocks(target, target_id, numbers, texts)
