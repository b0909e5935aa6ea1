"""Whether `linkgraph analyze CASE --json` prints the same with this tree as with another revision (main).

    python benchmarks/analyze_same.py CASE [CASE ...] [--base main] [--args "--start 2024-03-01"] [--save]

For a change that must not move a result (a faster read, a faster output): each case is copied twice, the
command runs on one copy with the code of `--base` (extracted by `git archive` into a temporary folder) and
on the other with this tree, and the two JSON outputs are compared key by key, the run's id and time aside
(`run_id`; `run_record.at`). `--args` adds options to both runs (a window, a view); LINKGRAPH_PASSPHRASE
opens an encrypted case. Prints the first differences and exits 1 when there are any.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TREE = Path(__file__).resolve().parents[1]
IGNORED = {("run_id",), ("run_record", "at")}


def extract(revision: str, folder: Path) -> Path:
    """The source tree of `revision` in `folder` (git archive: the repository itself is not touched)."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", revision], cwd=TREE, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def run(tree: Path, case: Path, extra: list[str], save: bool) -> tuple[Any, float]:
    """The command's JSON output with the code of `tree`, and its seconds."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "linkgraph", "analyze", str(case), "--json", *extra,
                           *([] if save else ["--no-save"])], cwd=tree, env=env, capture_output=True, check=True)
    return json.loads(done.stdout), time.perf_counter() - began


def differences(a: Any, b: Any, where: tuple = (), limit: int = 20) -> list[str]:
    """Where `a` and `b` differ (at most `limit` places), the ignored keys aside."""
    found: list[str] = []

    def walk(x: Any, y: Any, path: tuple) -> None:
        if len(found) >= limit or path in IGNORED:
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for key in sorted(set(x) | set(y), key=str):
                if (*path, key) in IGNORED:
                    continue
                if key not in x or key not in y:
                    found.append(f"{'/'.join(map(str, (*path, key)))}: only in {'base' if key in x else 'this tree'}")
                else:
                    walk(x[key], y[key], (*path, key))
        elif isinstance(x, list) and isinstance(y, list):
            if len(x) != len(y):
                found.append(f"{'/'.join(map(str, path))}: {len(x)} items in base, {len(y)} here")
            for i, (p, q) in enumerate(zip(x, y, strict=False)):
                walk(p, q, (*path, i))
        elif x != y and not (isinstance(x, float) and isinstance(y, float) and x != x and y != y):
            found.append(f"{'/'.join(map(str, path))}: base {x!r}, here {y!r}")

    walk(a, b, where)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="+", type=Path)
    parser.add_argument("--base", default="main", help="the revision to compare with (default main)")
    parser.add_argument("--args", default="", help="options added to both runs, as one string")
    parser.add_argument("--save", action="store_true", help="let both runs save themselves in their copy")
    args = parser.parse_args(argv)
    extra = shlex.split(args.args)
    failed = False
    with tempfile.TemporaryDirectory(prefix="analyze-same-") as folder:
        base = extract(args.base, Path(folder) / "base")
        for case in args.cases:
            copies = [Path(folder) / f"{side}-{case.name}" for side in ("base", "here")]
            for copy in copies:
                shutil.copyfile(case, copy)
            before, base_seconds = run(base, copies[0], extra, args.save)
            after, seconds = run(TREE, copies[1], extra, args.save)
            found = differences(before, after)
            said = "same output" if not found else f"{len(found)}+ differences"
            print(f"{case.name} {' '.join(extra)}: {said} ({len(json.dumps(after)):,} characters; "
                  f"base {base_seconds:.1f} s, here {seconds:.1f} s)")
            for line in found:
                print("   ", line)
            failed |= bool(found)
            for copy in copies:
                copy.unlink()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
