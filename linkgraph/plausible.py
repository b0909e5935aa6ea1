"""The plausible range of every number a case keeps: one table, read by importers (a refusal with the reason)
and by `verify` (a hostile case holding `inf`, 1e308-second calls or 10^14-night stays does not pass)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

EPOCH_1900 = -2_208_988_800      # 1900-01-01T00:00:00Z
EPOCH_2200 = 7_258_118_400       # 2200-01-01T00:00:00Z


@dataclass(frozen=True)
class Range:
    """The values a field may hold, both ends included, and the unit a refusal names."""

    low: float
    high: float
    unit: str

    def problem(self, field: str, value: object) -> str | None:
        """Why `value` cannot be this field's, or None when it can (None and '' are always allowed)."""
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{field} is not a number ({str(value)[:40]!r})"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{field} is not a finite number ({value})"
        if not self.low <= value <= self.high:
            shown = str(value) if len(str(value)) <= 24 else f"a {len(str(value))}-digit number"
            return f"{field} {shown} is outside the plausible range ({self.unit})"
        return None


# Generous on purpose: a plausible value is never refused; only values no record can hold are.
PLAUSIBLE: dict[str, Range] = {
    "start": Range(EPOCH_1900, EPOCH_2200, "years 1900-2200"),
    "end": Range(EPOCH_1900, EPOCH_2200, "years 1900-2200"),
    "first_seen": Range(EPOCH_1900, EPOCH_2200, "years 1900-2200"),
    "last_seen": Range(EPOCH_1900, EPOCH_2200, "years 1900-2200"),
    "duration": Range(0, 10 * 366 * 86_400, "0 to ten years, in seconds"),
    "amount": Range(-1e13, 1e13, "up to ten trillion either way"),
    "weight": Range(-1e9, 1e9, "up to a billion either way"),
    "nights": Range(0, 3660, "0 to ten years of nights"),
}


def problem(field: str, value: object) -> str | None:
    """Why `value` is not plausible for `field` (a field without a range only has to be finite)."""
    found = PLAUSIBLE.get(field)
    if found is None:
        if isinstance(value, float) and not math.isfinite(value):
            return f"{field} is not a finite number ({value})"
        return None
    return found.problem(field, value)


def sql_outside(column: str, field: str | None = None) -> str:
    """An SQL condition true where `column` holds a value outside its field's range or of a non-number type."""
    found = PLAUSIBLE[field or column]
    return (f"({column} IS NOT NULL AND (typeof({column}) NOT IN ('integer', 'real') "
            f"OR {column} < {found.low!r} OR {column} > {found.high!r}))")


def implausible_positions(field: str, column: Sequence[Any]) -> list[int]:
    """Where a column of `field` values (a list, NumPy or Arrow array) holds one `problem` refuses: checked
    as one NumPy array when the values are numbers (a million starts in milliseconds), else one by one."""
    import numpy as np
    import pyarrow as pa

    if isinstance(column, list) and column.count(None) == len(column):
        return []                   # a column left empty (an importer's [None] * rows): nothing to look at
    arrow = isinstance(column, pa.Array | pa.ChunkedArray)
    try:
        values = column.to_numpy(zero_copy_only=False) if arrow else np.asarray(column)
        numbers = values.astype(np.float64) if values.dtype != object else np.array(
            [np.nan if v is None else float(v) for v in values], dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        numbers = None
    if numbers is not None and numbers.ndim == 1:
        span = PLAUSIBLE[field]
        with np.errstate(invalid="ignore"):
            bad = np.isinf(numbers) | (numbers < span.low) | (numbers > span.high)
        return np.flatnonzero(bad).tolist()
    listed = column.to_pylist() if arrow else list(column)
    return [i for i, v in enumerate(listed) if problem(field, v) is not None]
