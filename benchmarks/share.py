"""How fast sharing is: two agencies' synthetic cases (calls between phones, a share of phones in both),
then deconflict, merge, package + verify + unpack, blind export + match, encrypt + decrypt.

    python benchmarks/share.py [--phones 20000] [--calls 200000] [--overlap 0.1] [--keep DIR]

Prints seconds and rows/s per step and the machine it ran on. Seeded: the same arguments give the
same cases.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from linkgraph.case import CaseFile, ImportSession, encryption  # noqa: E402
from linkgraph.share.blind import export_hashes, match_hashes  # noqa: E402
from linkgraph.share.deconflict import deconflict  # noqa: E402
from linkgraph.share.merge import merge_case  # noqa: E402
from linkgraph.share.package import create_package, unpack_package, verify_package  # noqa: E402


def build(path: Path, agency: str, phones: list[str], calls: int, seed: int) -> None:
    """A case of `calls` calls among `phones`, with raw rows, imported through one ImportSession."""
    rng = np.random.default_rng(seed)
    sheet = path.with_suffix(".csv")
    sheet.write_text(f"synthetic calls of {agency}\n", encoding="utf-8")
    with CaseFile.create(path, agency=agency, timezone="UTC") as case, \
            ImportSession(case, sheet, kind="phone") as session:
        session.set_header(["from", "to", "start", "duration"], 1)
        ids = [session.entity("Phone", p, p, row=2 + i) for i, p in enumerate(phones)]
        a = rng.integers(0, len(ids), calls)
        b = (a + rng.integers(1, len(ids), calls)) % len(ids)
        start = 1_710_000_000 + rng.integers(0, 90 * 86400, calls)
        duration = rng.integers(0, 900, calls)
        session.raw_rows_bulk(
            (row + 2, f'["{phones[a[row]]}","{phones[b[row]]}","{start[row]}","{duration[row]}"]')
            for row in range(calls))
        session.links_bulk(
            ("call", ids[a[row]], ids[b[row]], int(start[row]), None, float(duration[row]), None, None, None, 1.0,
             None, row + 2)
            for row in range(calls))


def timed(label: str, rows: int, work):
    began = time.perf_counter()
    result = work()
    spent = time.perf_counter() - began
    rate = f"{rows / spent:12,.0f} rows/s" if rows else ""
    print(f"{label:<34} {spent:8.2f} s  {rate}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--overlap", type=float, default=0.1, help="share of each case's phones the other holds")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep the files")
    args = parser.parse_args()
    print(f"{platform.platform()}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, SQLite via sqlcipher3: {encryption.available()}")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="lg-share-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    shared = int(args.phones * args.overlap)
    ours = [f"+1209{n:07d}" for n in range(args.phones)]
    theirs = ours[:shared] + [f"+1510{n:07d}" for n in range(args.phones - shared)]
    a, b = folder / "city.lgcase", folder / "federal.lgcase"
    for path in (a, b):
        path.unlink(missing_ok=True)
    timed(f"build 2 cases of {args.calls:,} calls", 2 * args.calls,
          lambda: (build(a, "City PD", ours, args.calls, 1), build(b, "HSI", theirs, args.calls, 2)))
    with CaseFile.open(a) as case, CaseFile.open(b, read_only=True) as other:
        found = timed("deconflict", 2 * args.phones, lambda: deconflict(case, other))
    assert len(found.shared) == shared, (len(found.shared), shared)
    secret = "benchmark shared secret"
    with CaseFile.open(b) as other:
        timed("blind export", args.phones, lambda: export_hashes(other, secret, folder / "hsi.json"))
    with CaseFile.open(a) as case:
        matches = timed("blind match", args.phones, lambda: match_hashes(case, secret, folder / "hsi.json"))
    assert len(matches) == shared
    package = folder / "federal.lgpkg"
    package.unlink(missing_ok=True)
    timed("package", args.calls, lambda: create_package(b, package))
    report = timed("verify package", args.calls, lambda: verify_package(package))
    assert report.ok, report.problems
    timed("unpack", args.calls, lambda: unpack_package(package, Path(tempfile.mkdtemp(dir=folder))))
    with CaseFile.open(a) as case:
        result = timed("merge", args.calls, lambda: merge_case(case, b))
    print(f"  met {result.entities_met:,} phones, added {result.links_added:,} links, {result.events_met} events met")
    if encryption.available():
        timed("encrypt to a new file", 2 * args.calls,
              lambda: encryption.encrypt_case(a, "benchmark passphrase", folder / "city.enc.lgcase"))
        (folder / "city.enc.lgcase").unlink()
    print(f"case file {a.stat().st_size / 1e6:.1f} MB, package {package.stat().st_size / 1e6:.1f} MB, in {folder}")


if __name__ == "__main__":
    main()
