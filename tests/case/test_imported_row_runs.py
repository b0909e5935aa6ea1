"""Imported rows kept as runs of consecutive rows (a big import in batches holds a few runs, not 8 bytes a row):
the count of different rows is the same as counting them one by one."""

from __future__ import annotations

import numpy as np

from linkgraph.case.importing import _row_runs, _runs_size


def test_runs_count_every_different_row_once() -> None:
    rng = np.random.default_rng(19)
    for _ in range(300):
        parts = [rng.integers(0, int(rng.integers(1, 60)), int(rng.integers(0, 40))) for _ in range(int(rng.integers(1, 5)))]
        parts += [np.arange(start, start + int(rng.integers(0, 30))) for start in rng.integers(0, 50, 2)]
        expected = len(set(np.concatenate(parts).tolist()))
        assert _runs_size(np.concatenate([_row_runs(part) for part in parts])) == expected


def test_a_file_of_consecutive_rows_is_one_run() -> None:
    rows = np.r_[np.arange(5, 250_005), np.arange(250_010, 500_000)]
    assert _row_runs(rows).tolist() == [[5, 250_005], [250_010, 500_000]]
    assert _runs_size(_row_runs(rows)) == len(rows)
