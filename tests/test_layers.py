"""Layers: the import-linter contracts of pyproject.toml hold, and the core finds the importers and the desktop
app through entry points (linkgraph.plugins), with the source tree's pyproject.toml as the fallback."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from linkgraph import plugins
from linkgraph.errors import LinkgraphError

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
KINDS_IN_DETECTION_ORDER = ["phone", "ads", "hotel", "finance", "roster", "links", "extraction"]


def test_import_contracts_are_kept(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    importlinter_cli = pytest.importorskip("importlinter.cli")
    monkeypatch.chdir(ROOT)
    code = importlinter_cli.lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    out = capsys.readouterr().out
    assert code == 0, out
    contracts = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
    assert len(contracts) >= 3 and out.count(" KEPT") == len(contracts), out


def test_importer_kinds_are_registered_and_detected_in_order() -> None:
    import importers

    assert sorted(plugins.importer_kinds()) == sorted(KINDS_IN_DETECTION_ORDER)
    assert plugins.importer_kinds()["phone"] == "importers.phone"
    assert list(importers.KINDS) == KINDS_IN_DETECTION_ORDER     # however the installed metadata orders them
    assert importers.KINDS == plugins.importer_kinds()


def test_the_front_door_and_the_desktop_app_load_through_entry_points() -> None:
    import importers
    import importers.mapping

    assert plugins.front_door("import_file") is importers.import_file
    assert plugins.front_door("available_kinds") is importers.available_kinds
    assert plugins.front_door("profiles") is importers.mapping.profiles
    pytest.importorskip("PySide6")
    from ui import app

    assert plugins.load(plugins.DESKTOP_GROUP, "main") is app.main


@pytest.mark.parametrize("group", [plugins.KINDS_GROUP, plugins.FRONT_DOOR_GROUP, plugins.DESKTOP_GROUP])
def test_without_installed_metadata_the_source_tree_declares_the_same(
        group: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An editable install made before a group was declared has no such entry points: the source tree's
    pyproject.toml gives the same declaration."""
    installed = plugins.declared(group)
    plugins.declared.cache_clear()
    monkeypatch.setattr(plugins, "entry_points", lambda group: ())
    try:
        assert plugins.declared(group) == installed
    finally:
        plugins.declared.cache_clear()


def test_nothing_declared_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    plugins.declared.cache_clear()
    monkeypatch.setattr(plugins, "entry_points", lambda group: ())
    monkeypatch.setattr(plugins, "SOURCE_TREE_PYPROJECT", tmp_path / "pyproject.toml")
    try:
        with pytest.raises(LinkgraphError, match="nothing installed provides 'import_file'"):
            plugins.front_door("import_file")
    finally:
        plugins.declared.cache_clear()


def test_only_the_case_package_writes_to_a_case_with_sql() -> None:
    """Rows reach a case through linkgraph/case (the session, the bulk writer, the case file's own edits):
    no other module runs INSERT, UPDATE, DELETE or a PRAGMA that changes a setting. Reads stay where they are
    clearer. The task-force store writes its own catalogue, not a case."""
    import re

    writes = re.compile(r"""["'](?:INSERT|UPDATE|DELETE|REPLACE)\s|PRAGMA\s+\w+\s*=""")
    allowed = {Path("linkgraph/scale/store.py")}
    found = []
    for folder in ("linkgraph", "importers", "ui", "sample_cases"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative.parts[:2] == ("linkgraph", "case") or relative in allowed:
                continue
            found += [f"{relative}:{number}" for number, line in
                      enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if writes.search(line)]
    assert not found, found
