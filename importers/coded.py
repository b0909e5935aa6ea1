"""A column as its distinct values and each row's code into them.

A million-row carrier return repeats a few thousand numbers, a few dozen towers and call types,
and at most 86,400 clock times: every clean-up and parse runs once per distinct value, and rows
only carry an integer code. Values are text, stripped, with blanks ('', '-I', 'N/A') as ''.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


@dataclass
class Coded:
    """Each row's value is `values[codes[row]]`; `values` holds each distinct value once."""

    codes: np.ndarray          # int64, one per row
    values: np.ndarray         # object array of str (or whatever a `map` produced)

    @classmethod
    def of(cls, column: pd.Series | np.ndarray, blanks: Iterable[str] = ()) -> Coded:
        """A text column coded; cells stripped, missing cells and `blanks` (compared lowercase) made ''."""
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        blank = sorted({b.lower() for b in blanks})
        if isinstance(uniques.dtype, pd.StringDtype) and uniques.dtype.storage == "pyarrow":
            text = pc.utf8_trim_whitespace(pa.array(uniques))          # Arrow-backed text: cleaned in one pass
            if blank:
                text = pc.if_else(pc.is_in(pc.utf8_lower(text), value_set=pa.array(blank)), "", text)
            cleaned = text.to_pylist()
        else:
            cleaned = []
            for value in uniques:
                value = "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()
                cleaned.append("" if value.lower() in blank else value)
        codes = np.asarray(codes, dtype=np.int64)
        missing = codes < 0
        if missing.any():
            cleaned.append("")                               # the value of a missing cell
            codes = np.where(missing, len(cleaned) - 1, codes)
        return cls(codes, np.asarray(cleaned, dtype=object)).unique()

    @classmethod
    def of_columns(cls, columns: dict[str, pd.Series], blanks: Iterable[str] = ()) -> dict[str, Coded]:
        """Several columns coded at once, on as many threads as there are cores (hashing releases the GIL)."""
        blanks = tuple(blanks)
        if len(columns) < 2:
            return {name: cls.of(column, blanks) for name, column in columns.items()}
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            coded = pool.map(lambda column: cls.of(column, blanks), columns.values())
            return dict(zip(columns, coded, strict=True))

    @classmethod
    def constant(cls, rows: int, value: str = "") -> Coded:
        """Every row the same value (a field the file does not have)."""
        return cls(np.zeros(rows, dtype=np.int64), np.asarray([value], dtype=object))

    def __len__(self) -> int:
        return len(self.codes)

    def unique(self) -> Coded:
        """The same column with equal values merged into one code."""
        inner, uniques = pd.factorize(pd.Series(self.values, dtype=object), use_na_sentinel=False)
        if len(uniques) == len(self.values):
            return self
        return Coded(inner[self.codes].astype(np.int64), np.asarray(uniques, dtype=object))

    def with_values(self, values: Iterable[Any]) -> Coded:
        """The same rows with each distinct value replaced (codes kept, equal results merged)."""
        return Coded(self.codes, np.asarray(list(values), dtype=object)).unique()

    def map(self, function: Callable[[Any], Any], dtype: Any = object) -> np.ndarray:
        """`function` of each row's value, computed once per distinct value."""
        return self.per_value(function, dtype)[self.codes]

    def per_value(self, function: Callable[[Any], Any], dtype: Any = object) -> np.ndarray:
        """`function` of each distinct value, in code order."""
        out = np.empty(len(self.values), dtype=dtype)
        for index, value in enumerate(self.values):
            out[index] = function(value)
        return out

    def present(self) -> np.ndarray:
        """Rows whose value is not blank."""
        return (self.values != "")[self.codes]

    def text(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Each row's value (or the chosen rows')."""
        return self.values[self.codes if rows is None else self.codes[rows]]

    def at(self, row: int) -> Any:
        """One row's value."""
        return self.values[self.codes[row]]

    def series(self) -> pd.Series:
        """Each row's value as a pandas column (for code that wants one)."""
        return pd.Series(self.text(), dtype=object)

    def arrow(self, rows: np.ndarray | None = None) -> pa.Array:
        """The rows' values as an Arrow string array, null where blank (built from the distinct values)."""
        values = pa.array([v if v != "" else None for v in self.values], type=pa.string())
        codes = self.codes if rows is None else self.codes[rows]
        return values.take(pa.array(codes))

    def map_array(self, function: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """A vectorised `function` (distinct values in, one result each out) spread back over the rows."""
        return np.asarray(function(self.values))[self.codes]
