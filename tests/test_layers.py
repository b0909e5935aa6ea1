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


def test_importer_kinds_are_registered() -> None:
    assert sorted(plugins.importer_kinds()) == sorted(KINDS_IN_DETECTION_ORDER)
    assert plugins.importer_kinds()["phone"] == "importers.phone"


def test_the_importers_package_lists_the_registered_kinds_in_detection_order() -> None:
    """Installed entry points come sorted by name; detection ties still go to the order kinds always had."""
    import importers

    assert importers.KINDS == plugins.importer_kinds()
    assert list(importers.KINDS) == KINDS_IN_DETECTION_ORDER


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
