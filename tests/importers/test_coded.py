"""Coded columns: distinct values once, rows as codes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from importers.coded import Coded


def test_cells_are_stripped_blanks_emptied_and_equal_values_merged():
    column = pd.Series([" 2095550101", "2095550101 ", "N/A", None, "-I", "x"], dtype="str")
    coded = Coded.of(column, blanks=("n/a", "-i"))
    assert coded.text().tolist() == ["2095550101", "2095550101", "", "", "", "x"]
    assert sorted(coded.values.tolist()) == ["", "2095550101", "x"]          # each value once
    assert coded.present().tolist() == [True, True, False, False, False, True]
    assert coded.codes[0] == coded.codes[1]


def test_map_runs_once_per_distinct_value():
    calls = []
    coded = Coded.of(pd.Series(["a", "b", "a", "a", "b"]))

    def upper(value: str) -> str:
        calls.append(value)
        return value.upper()

    assert coded.map(upper).tolist() == ["A", "B", "A", "A", "B"]
    assert sorted(calls) == ["a", "b"]


def test_with_values_merges_results_and_arrow_nulls_blanks():
    coded = Coded.of(pd.Series(["mSOriginating", "moc", "mSTerminating", ""]))
    meaning = coded.with_values(["outgoing" if v in ("mSOriginating", "moc") else ("incoming" if v else "")
                                 for v in coded.values])
    assert meaning.text().tolist() == ["outgoing", "outgoing", "incoming", ""]
    assert len(meaning.values) == 3
    assert meaning.arrow(np.array([3, 0])).to_pylist() == [None, "outgoing"]
    assert Coded.constant(2).text().tolist() == ["", ""]
