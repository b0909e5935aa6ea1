"""Fixtures shared by every test: fresh case files, and the sample case built once per test run."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from linkgraph.case import CaseFile, ImportResult

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


@dataclass(frozen=True)
class BuiltSample:
    """The sample case (sample_cases/gang_enterprise) as `linkgraph demo` builds it, and its import results.
    Shared by every test of the run: read it, or `copy` it before writing."""

    path: Path
    results: tuple[ImportResult, ...]

    def copy(self, target: Path) -> Path:
        """A private copy at `target` that a test may change."""
        shutil.copyfile(self.path, target)
        return target


@pytest.fixture(scope="session")
def sample_built(tmp_path_factory: pytest.TempPathFactory) -> BuiltSample:
    """Operation Crossroads built once per test run, every sample file whose importer is installed (the
    build takes tens of seconds; six test modules used to build it each). Do not write to it: copy it."""
    from sample_cases.build import build_case

    path, results = build_case(tmp_path_factory.mktemp("sample-built") / "crossroads.lgcase")
    return BuiltSample(path, tuple(results))


@pytest.fixture(scope="session")
def sample_reviewed(sample_built: BuiltSample, tmp_path_factory: pytest.TempPathFactory) -> BuiltSample:
    """The sample case after the analyst's review (`build_case(review=True)`: same-name matches confirmed,
    victims and suspects marked), made from a copy of `sample_built`. Do not write to it: copy it."""
    from sample_cases.build import review_case

    path = sample_built.copy(tmp_path_factory.mktemp("sample-reviewed") / "crossroads.lgcase")
    with CaseFile.open(path) as case:
        review_case(case)
    return BuiltSample(path, sample_built.results)


@pytest.fixture
def sample_copy(sample_built: BuiltSample, tmp_path: Path) -> Path:
    """A private copy of the built sample case for one test that writes to it."""
    return sample_built.copy(tmp_path / "crossroads.lgcase")
