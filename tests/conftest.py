"""Fixtures shared by every test: fresh case files and small real source files."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from linkgraph.case import CaseFile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keys and the anchor ledger of session-wide fixtures too go to a temporary folder, never the tester's own.
os.environ["LINKGRAPH_CONFIG_DIR"] = tempfile.mkdtemp(prefix="linkgraph-test-config-")
os.environ.pop("LINKGRAPH_SIGNING_KEY", None)


@pytest.fixture
def case_path(tmp_path: Path) -> Path:
    """A new, empty case file in Pacific time (closed; tests open it as they need)."""
    path = tmp_path / "case.lgcase"
    CaseFile.create(path, name="Test case", timezone="America/Los_Angeles", region="US").close()
    return path


@pytest.fixture
def case(case_path: Path):
    """An open case file, closed after the test."""
    with CaseFile.open(case_path) as opened:
        yield opened


@pytest.fixture(autouse=True)
def _isolated_profiles(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Saved profiles go to a temporary folder, never the tester's own."""
    monkeypatch.setenv("LINKGRAPH_PROFILE_DIR", str(tmp_path_factory.mktemp("profiles")))


@pytest.fixture(autouse=True)
def _isolated_keys(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Examiner keys and the anchor ledger go to a temporary folder, never the tester's own."""
    monkeypatch.setenv("LINKGRAPH_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    monkeypatch.delenv("LINKGRAPH_SIGNING_KEY", raising=False)
