"""Common names: a same-name merge of records that name a common name ("Maria Garcia": thousands of
people) is kept apart by the analysis unless the records share something else (a phone, an account, a
place), so a common name does not become a key player by gathering the ties of many namesakes.

How common a name is comes from common_names.yaml (U.S. Census name frequencies): the expected number
of people with that first name and surname, first-name share x surname share x people of one sex.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import yaml

from linkgraph.case import CaseFile
from linkgraph.identity import normalize_name

COMMON = 1_000          # a name with this many namesakes or more is common: no evidence of one person


@cache
def _frequencies() -> dict[str, Any]:
    text = resources.files("linkgraph.analysis").joinpath("common_names.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when built with it
    return {"people": float(data["population_per_sex"]),
            "surnames": {str(k): float(v) / 100 for k, v in data["surnames"].items()},
            "first": {str(k): float(v) / 100 for k, v in data["first_names"].items()}}


def namesakes(name: str) -> float:
    """About how many people (in the United States) carry this first name and surname; 0 when either is rare."""
    tokens = normalize_name(name).split()
    if len(tokens) < 2:
        return 0.0
    table = _frequencies()
    first, last = table["first"].get(tokens[0], 0.0), table["surnames"].get(tokens[-1], 0.0)
    return first * last * table["people"]


def is_common(name: str, least: float = COMMON) -> bool:
    return namesakes(name) >= least


def keep_apart(case: CaseFile, entities: pd.DataFrame) -> tuple[set[int], list[dict[str, Any]]]:
    """Merged person records to analyse apart: merges of records with the same common name whose records
    share no neighbour (no phone, account, place or person tied to two of them). Returns the merged ids not
    to follow and one line per kept-apart name ({"label", "ids", "namesakes"}) for the result's left_out."""
    reps = case.representatives()
    if not reps:
        return set(), []
    groups: dict[int, list[int]] = {}
    for merged, survivor in reps.items():
        groups.setdefault(survivor, []).append(merged)
    types, labels = entities["type"], entities["label"]
    apart: set[int] = set()
    said: list[dict[str, Any]] = []
    for survivor, merged in sorted(groups.items()):
        if types.get(survivor) != "Person" or not is_common(str(labels.get(survivor, ""))):
            continue
        parts = [survivor, *sorted(merged)]
        names = {normalize_name(str(labels.get(p, ""))) for p in parts}
        if len(names) != 1 or _share_a_neighbour(case, parts, reps):
            continue
        apart.update(merged)
        said.append({"label": str(labels.get(survivor)), "ids": parts,
                     "namesakes": int(round(namesakes(str(labels.get(survivor)))))})
    return apart, said


def _share_a_neighbour(case: CaseFile, parts: list[int], reps: dict[int, int]) -> bool:
    marks = ",".join("?" * len(parts))
    rows = case.conn.execute(f"SELECT src, dst FROM links WHERE src IN ({marks}) OR dst IN ({marks})",
                             [*parts, *parts]).fetchall()
    inside = set(parts)
    seen: dict[int, int] = {}
    for src, dst in rows:
        part, other = (src, dst) if src in inside else (dst, src)
        other = reps.get(other, other)
        if other in inside:
            continue
        if seen.setdefault(other, part) != part:
            return True
    return False


def unmerged(entities: pd.DataFrame, apart: set[int]) -> pd.DataFrame:
    """The entity frame with these merged records standing for themselves again (for this analysis only)."""
    if not apart:
        return entities
    out = entities.copy()
    ids = np.fromiter(apart, dtype=np.int64, count=len(apart))
    out.loc[out.index.isin(ids), "merged_into"] = np.nan
    return out
