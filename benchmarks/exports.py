"""How long each export takes: the sample case in every format, then a synthetic case of phones
calling each other (default 2,000 phones, 50,000 calls) in every format.

    python benchmarks/exports.py [--phones 2000] [--calls 50000] [--keep DIR]

Prints seconds per format and the machine it ran on. The synthetic case is seeded.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from linkgraph.analysis import AnalysisParams, analyze  # noqa: E402
from linkgraph.case import CaseFile, ImportSession  # noqa: E402
from linkgraph.exports import FORMATS, ExportOptions, export  # noqa: E402
from sample_cases.build import build_case  # noqa: E402


def synthetic(path: Path, phones: int, calls: int) -> Path:
    """A case of `phones` phones and `calls` calls among them (a few busy hubs), one raw row per call."""
    rng = random.Random(7)
    source = path.with_suffix(".csv")
    source.write_text("caller,callee,start,duration\n", encoding="utf-8")
    with CaseFile.create(path, name="Synthetic calls", timezone="America/Los_Angeles") as case, \
            ImportSession(case, source, kind="phone") as session:
        session.set_header(["caller", "callee", "start", "duration"], 1)
        ids = [session.entity("Phone", f"+1209555{n:04d}" if n < 10000 else f"+1559{n:07d}",
                              f"phone {n}", row=2) for n in range(phones)]
        hubs = ids[:20]
        start = 1_709_280_000
        for row in range(2, calls + 2):
            a = rng.choice(hubs) if rng.random() < 0.4 else rng.choice(ids)
            b = rng.choice(ids)
            if a == b:
                b = ids[(ids.index(a) + 1) % len(ids)]
            when = start + rng.randrange(90 * 86400)
            duration = rng.randrange(5, 900)
            session.raw_row(row, [str(a), str(b), str(when), str(duration)])
            session.link("call", a, b, row=row, start=when, duration=duration)
        params = AnalysisParams(findings=False)
    with CaseFile.open(path) as case:
        case.record_analysis(params.as_dict(), analyze(case, params))
    return path


def time_formats(case_path: Path, out: Path, label: str) -> None:
    with CaseFile.open(case_path) as case:
        links = case.conn.execute("SELECT COUNT(*) FROM links").fetchone()[0]
        print(f"\n{label}: {len(case.entities())} entities, {links} links")
        for fmt in FORMATS:
            began = time.perf_counter()
            # the benchmark cases mark no one victim: the exhibit says so instead of refusing
            written = export(case, fmt, out / label / fmt, ExportOptions(no_victims_marked=True))
            seconds = time.perf_counter() - began
            size = sum(p.stat().st_size for p in written)
            print(f"  {fmt:<8} {seconds:7.2f} s  {size / 1e6:8.2f} MB  {links / seconds:10.0f} links/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=2000)
    parser.add_argument("--calls", type=int, default=50000)
    parser.add_argument("--keep", type=Path, help="write here instead of a temporary folder")
    args = parser.parse_args()
    print(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        sample, _ = build_case(root / "sample.lgcase")
        with CaseFile.open(sample) as case:
            params = AnalysisParams()
            case.record_analysis(params.as_dict(), analyze(case, params))
        time_formats(sample, root, "sample")
        time_formats(synthetic(root / "synthetic.lgcase", args.phones, args.calls), root, "synthetic")


if __name__ == "__main__":
    main()
