"""Mutated copies of every sample file, imported: 0 tracebacks, 0 hangs, 0 partial writes.

Each input is a real sample file (its header and a few rows, so thousands of imports stay in CI's time) with one
to four mutations: bytes flipped, cells replaced by hostile values (inf, 1e308, 200-digit numbers, 02/31/2024,
year 9999, ESC/BEL, lone surrogates, 100 KB runs, deep JSON), lines dropped, doubled or cut. An import must either
succeed or raise one LinkgraphError; a refused import leaves the case exactly as it was; the case verifies at the
end. `LINKGRAPH_FUZZ_INPUTS` sets the inputs per kind (default 1,000: about 28 ms of CPU each, three minutes for
the six kinds on one core; marked slow).
"""

from __future__ import annotations

import os
import random
import signal
import traceback
from pathlib import Path

import pytest

from importers import import_file
from importers.options import ImportOptions
from linkgraph.case import CaseFile, verify_connection
from linkgraph.errors import LinkgraphError
from sample_cases.build import sample_dir

INPUTS = int(os.environ.get("LINKGRAPH_FUZZ_INPUTS", "1000"))
SECONDS_PER_INPUT = 30
KINDS = {
    "phone": ["att_return_carranza.csv", "sprint_return_mims.txt", "verizon_tower_sutter.csv",
              "tmobile_return_haskins.xlsx", "analyst_sheet_jr_phone.xlsx"],
    "ads": ["ads_nightlist.jsonl", "ads_vibelist.csv"],
    "hotel": ["hotel_delta_inn_stockton.csv", "hotel_sierra_motor_lodge_fresno.xlsx"],
    "finance": ["cashapp_haskins.csv", "venmo_lamb.csv", "money_transfers_quicksend.csv", "bank_haskins_detailing.xlsx"],
    "roster": ["roster_business_compliance.csv"],
    "links": ["associates.csv", "phone_attribution.csv"],
}
HOSTILE = [
    "inf", "-inf", "nan", "1e308", "9" * 200, "4" * 400, "-0", "02/31/2024", "9999-12-31", "0000-00-00",
    "24:61:99", "\x1b]52;c;SGVsbG8=\x07", "\x1b[2J", "\u202e", "\x00", "\ud800", "a" * 100_000, "@" * 5_000,
    "=cmd|' /C calc'!A0", "\"", "\"\"\"", ",,,,", "\t", "\r", "\n\n", "[" * 2_000 + "]" * 2_000, "{}", "null",
    "100000000000000 nights", "$" + "9" * 60, "+1 (209) 555-0144" * 50, "\ufeff", "é" * 10, "\u0000\u0001",
]


def _small(data: bytes, rows: int) -> bytes:
    """The file's first lines: its header and a few records (what the importer reads is the same shape)."""
    return b"".join(data.splitlines(keepends=True)[:rows])


def mutate(data: bytes, rng: random.Random, binary: bool) -> bytes:
    """One to four mutations of a file's bytes."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        if binary or choice < 0.2:
            for _ in range(rng.randint(1, 8)):
                if out:
                    out[rng.randrange(len(out))] = rng.randrange(256)
        elif choice < 0.6:
            token = rng.choice(HOSTILE).encode("utf-8", "surrogatepass")
            cells = [i for i, b in enumerate(out) if b in b",\t|\n:"] or [0]
            at = rng.choice(cells) + 1
            end = at
            while end < len(out) and out[end] not in b",\t|\n\"":
                end += 1
            out[at:end] = token
        elif choice < 0.75:
            lines = bytes(out).splitlines(keepends=True)
            if len(lines) > 1:
                del lines[rng.randrange(1, len(lines))]
            out = bytearray(b"".join(lines))
        elif choice < 0.9:
            lines = bytes(out).splitlines(keepends=True)
            if lines:
                lines.insert(rng.randrange(len(lines)), rng.choice(lines))
            out = bytearray(b"".join(lines))
        else:
            out = out[:rng.randrange(len(out) + 1)]
    return bytes(out)


class Hang(Exception):
    pass


def _alarm(_signum: int, _frame: object) -> None:
    raise Hang(f"an import took more than {SECONDS_PER_INPUT} s")


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(KINDS))
def test_mutated_sample_files_import_or_refuse_cleanly(kind: str, tmp_path: Path) -> None:
    rng = random.Random(f"linkgraph fuzz {kind}")
    originals = {name: (sample_dir() / name).read_bytes() for name in KINDS[kind]}
    case = CaseFile.create(tmp_path / f"{kind}.lgcase", timezone="America/Los_Angeles")
    tracebacks: list[str] = []
    refused = imported = 0
    previous = signal.signal(signal.SIGALRM, _alarm) if hasattr(signal, "SIGALRM") else None
    try:
        for number in range(INPUTS):
            name = rng.choice(KINDS[kind])
            binary = name.endswith(".xlsx")
            if binary and rng.random() < 0.7:       # workbooks are slower: fewer of them, the rest text
                name = next((n for n in KINDS[kind] if not n.endswith(".xlsx")), name)
                binary = name.endswith(".xlsx")
            data = originals[name] if binary else _small(originals[name], rng.randint(2, 9))
            path = tmp_path / f"{number:05d}_{name}"
            path.write_bytes(mutate(data, rng, binary))
            before = case.conn.execute("SELECT COUNT(*), (SELECT COUNT(*) FROM links), (SELECT COUNT(*) FROM "
                                       "entities), (SELECT MAX(seq) FROM audit) FROM sources").fetchone()
            if previous is not None:
                signal.alarm(SECONDS_PER_INPUT)
            try:
                import_file(case, path, ImportOptions(kind=kind if rng.random() < 0.5 else None))
                imported += 1
                path.unlink()
            except LinkgraphError as exc:
                refused += 1
                after = case.conn.execute("SELECT COUNT(*), (SELECT COUNT(*) FROM links), (SELECT COUNT(*) FROM "
                                          "entities), (SELECT MAX(seq) FROM audit) FROM sources").fetchone()
                if after != before:
                    tracebacks.append(f"{path.name}: refused ({exc}) but the case changed {before} -> {after}")
                elif "\n" in str(exc):
                    tracebacks.append(f"{path.name}: a refusal of more than one line: {exc!r}")
                else:
                    path.unlink()
            except BaseException:      # noqa: BLE001 - the point of the test: any other exception is a failure
                tracebacks.append(f"{path.name}: {traceback.format_exc(limit=-3)}")
                if len(tracebacks) > 20:
                    break
            finally:
                if previous is not None:
                    signal.alarm(0)
        report = verify_connection(case.conn)
    finally:
        if previous is not None:
            signal.signal(signal.SIGALRM, previous)
        case.close()
    assert not tracebacks, "\n".join(tracebacks[:10])
    assert report.ok, report.problems[:5]
    assert imported + refused == INPUTS and imported > 0 and refused > 0
