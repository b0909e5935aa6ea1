"""What the core finds through entry points: the importers and the desktop app. The core (the CLI included)
never imports the `importers` or `ui` packages by name.

A distribution that reads sources declares in its pyproject.toml

    [project.entry-points."linkgraph.importers"]      # each kind of source: the module that reads it
    phone = "importers.phone"
    [project.entry-points."linkgraph.import"]         # the front door: one file in, its kind detected
    import_file = "importers:import_file"
    available_kinds = "importers:available_kinds"
    profiles = "importers.mapping:profiles"

and the CLI (`linkgraph import`) and the `importers` package itself list kinds and reach the front door here;
`linkgraph gui` starts the app declared in the group `linkgraph.desktop` (main, missing_system_packages).
When the installed metadata lacks a group (an editable install made before the group was declared, or a
source tree run without installing), the same declaration is read from the source tree's pyproject.toml, so
the list is written once either way.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from linkgraph.errors import LinkgraphError

KINDS_GROUP = "linkgraph.importers"
FRONT_DOOR_GROUP = "linkgraph.import"
DESKTOP_GROUP = "linkgraph.desktop"
SOURCE_TREE_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


@cache
def declared(group: str) -> dict[str, str]:
    """Name -> "module" or "module:attribute" of every entry point in `group` (the first distribution to
    declare a name keeps it); from the source tree's pyproject.toml when the installed metadata has none."""
    found: dict[str, str] = {}
    for entry in entry_points(group=group):
        found.setdefault(entry.name, entry.value)
    return found or _declared_in_source_tree(group)


def _declared_in_source_tree(group: str) -> dict[str, str]:
    """The group as the source tree's pyproject.toml declares it (empty when there is no source tree)."""
    if not SOURCE_TREE_PYPROJECT.is_file():
        return {}
    with SOURCE_TREE_PYPROJECT.open("rb") as handle:
        project = tomllib.load(handle).get("project", {})
    return {str(name): str(value) for name, value in project.get("entry-points", {}).get(group, {}).items()}


def importer_kinds() -> dict[str, str]:
    """Each kind of source an installed importer reads -> the module that reads it (in the metadata's order,
    which setuptools sorts by name: the importers keep their own order for detection ties)."""
    return declared(KINDS_GROUP)


def load(group: str, name: str) -> Any:
    """The object an entry point of `group` names, loaded (imported) now; a LinkgraphError saying what to
    install when nothing declares it. An ImportError of the module itself (PySide6 missing) is left to the
    caller, which knows what it means."""
    value = declared(group).get(name)
    if value is None:
        raise LinkgraphError(f"nothing installed provides '{name}' (entry-point group '{group}'); install "
                             "linkgraph with its importers and desktop app (pip install linkgraph)")
    return EntryPoint(name=name, value=value, group=group).load()


def front_door(name: str) -> Callable[..., Any]:
    """An object of the importers' front door: `import_file(case, path, options, progress)`,
    `available_kinds()` (kinds whose module is present) or `profiles(kind)`."""
    return load(FRONT_DOOR_GROUP, name)
