"""Task-force scale: push cases to a shared store, run the analysis on an engine (DuckDB or Spark), pull
the results back with provenance.

An optional extra (`pip install "linkgraph[scale]"`): nothing on the desktop path imports this package.
The analyses are written once, as SQL files in `sql/` where they are relational, and run unchanged on
every engine (`engines.py`); the driver keeps only what is small (the contracted graph of groups, the
accepted number swaps).
"""

from __future__ import annotations

from linkgraph.errors import LinkgraphError


class ScaleError(LinkgraphError):
    """The shared store or an engine cannot do what was asked (one clear line)."""


def need(module: str, what: str) -> None:
    """Refuse with a clear message when an optional dependency of the scale extra is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ScaleError(f"{what} needs the '{module}' package: pip install \"linkgraph[scale]\"")
