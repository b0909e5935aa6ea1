"""Whether a change to the phone import leaves its result as it was: the same tables, row for row, and the same
data digests, from two checkouts of the code.

    python benchmarks/phone_same_result.py build OUT [--big carrier_1000000.csv]   # run once per checkout
    python benchmarks/phone_same_result.py compare OUT_BEFORE OUT_AFTER

`build` imports, each into its own case in OUT: the sample case's phone returns (Sprint, Verizon's tower analysis,
AT&T, T-Mobile's workbook and the same saved as CSV), each read whole and in small batches; a T-Mobile-style
return with the awkward rows batches must get right (title lines, a repeated header, a row of the wrong width, an
unreadable date, a bad IMEI, notes below), read whole and in batches, leniently; and, with `--big`, a big
carrier CSV read with the default batch size and read whole. `compare` prints, for each case, whether every
table (import times aside) and every import's data digest match, and exits 1 if any does not.
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WHOLE = 10 ** 9
NOT_COMPARED = {"imported_at", "at", "path"}   # the time of the import; where the file was (each build writes its own)


def table_digests(path: Path) -> dict[str, str]:
    """Each table's rows (in stored order, import times aside) hashed, and the imports' data digests."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out: dict[str, str] = {}
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            if name in ("audit", "meta"):
                continue
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")') if r[1] not in NOT_COMPARED]
            chosen = ", ".join(f'"{c}"' for c in columns)
            try:
                cursor = conn.execute(f'SELECT {chosen} FROM "{name}" ORDER BY rowid')
            except sqlite3.OperationalError:      # WITHOUT ROWID: by its columns
                order = ", ".join(str(i + 1) for i in range(len(columns)))
                cursor = conn.execute(f'SELECT {chosen} FROM "{name}" ORDER BY {order}')
            digest = hashlib.sha256()
            count = 0
            for row in cursor:
                digest.update(repr(tuple((type(v).__name__, v) for v in row)).encode())
                count += 1
            out[name] = f"{count} rows {digest.hexdigest()[:16]}"
        digests = [row[0] for row in conn.execute(
            "SELECT json_extract(details, '$.data_digest') FROM audit WHERE action = 'import' ORDER BY seq")]
        out["data digests"] = " ".join(digests)
        return out
    finally:
        conn.close()


def build(out: Path, big: Path | None) -> None:
    """Every case of the check, into `out`."""
    sys.path.insert(0, str(ROOT / "tests" / "importers"))
    from test_phone_batches import carrier_file

    from importers import import_file
    from importers.options import ImportOptions
    from importers.phone import BATCH_ROWS
    from importers.readers import read_table
    from linkgraph.case import CaseFile
    from sample_cases.build import sample_dir

    out.mkdir(parents=True, exist_ok=True)
    folder = sample_dir()
    tmobile_csv = out / "tmobile_return_haskins.csv"
    read_table(folder / "tmobile_return_haskins.xlsx").frame.to_csv(tmobile_csv, index=False, lineterminator="\n")
    awkward = carrier_file(out / "tmobile_awkward.csv")
    att = folder / "att_return_carranza.csv"
    cases: list[tuple[str, list[Path], int, dict]] = []
    for name, files in (("sprint", [att, folder / "sprint_return_mims.txt"]),
                        ("verizon_tower", [att, folder / "verizon_tower_sutter.csv"]),
                        ("tmobile_csv", [att, tmobile_csv]),
                        ("tmobile_xlsx", [folder / "tmobile_return_haskins.xlsx", att])):
        for mode, size in (("whole", WHOLE), ("batches", 13)):
            cases.append((f"{name}-{mode}", files, size, {}))
    for mode, size in (("whole", WHOLE), ("batches", 97), ("batches250", 250)):
        cases.append((f"awkward-{mode}", [awkward], size, {"strict": False}))
    if big is not None:
        cases.append(("big-batches", [big], BATCH_ROWS, {}))
        cases.append(("big-whole", [big], WHOLE, {}))
    for name, files, size, options in cases:
        path = out / f"{name}.lgcase"
        path.unlink(missing_ok=True)
        with CaseFile.create(path, name="Same result", timezone="America/Los_Angeles", region="US") as case:
            for number, file in enumerate(files):
                chosen = size if number == len(files) - 1 else WHOLE
                import_file(case, file, ImportOptions(kind="phone", extra={"batch_rows": chosen}, **options))
        print(f"built {name}", flush=True)


def compare(before: Path, after: Path) -> int:
    """Print each case's tables that differ; 1 if any does."""
    differ = 0
    for path in sorted(before.glob("*.lgcase")):
        other = after / path.name
        if not other.is_file():
            print(f"{path.name}: missing in {after}")
            differ += 1
            continue
        old, new = table_digests(path), table_digests(other)
        changed = [name for name in sorted(old.keys() | new.keys()) if old.get(name) != new.get(name)]
        print(f"{path.name}: {'same' if not changed else 'DIFFERENT ' + ', '.join(changed)} "
              f"({old.get('links', '?')} links; digests {old['data digests'][:30]}...)")
        differ += bool(changed)
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    made = sub.add_parser("build")
    made.add_argument("out", type=Path)
    made.add_argument("--big", type=Path, help="a big carrier CSV (benchmarks/import_phone.py writes one)")
    compared = sub.add_parser("compare")
    compared.add_argument("before", type=Path)
    compared.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "build":
        build(args.out, args.big)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    raise SystemExit(main())
