"""Fixtures for the desktop app's tests: the sample case built once, fresh copies per test, private settings."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, QStandardPaths  # noqa: E402

from ui.settings import Settings  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _private_app_data(tmp_path_factory: pytest.TempPathFactory) -> None:
    """App data (the built sample case, the error log) and default settings stay out of the tester's own."""
    QStandardPaths.setTestModeEnabled(True)
    folder = str(tmp_path_factory.mktemp("qsettings"))
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, folder)


@pytest.fixture(scope="session")
def built_sample(sample_built) -> Path:
    """Operation Crossroads built once per test run (tests/conftest.py; every importer present is used)."""
    return sample_built.path


@pytest.fixture
def sample_case_path(built_sample: Path, tmp_path: Path) -> Path:
    """A private copy of the sample case that a test may change."""
    target = tmp_path / "crossroads.lgcase"
    shutil.copyfile(built_sample, target)
    return target


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings kept in an ini file of this test only."""
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def link_sheet(tmp_path: Path) -> Path:
    """A realistic analyst link sheet: six good rows and one with no target (row 6)."""
    path = tmp_path / "gang_intel_2024.csv"
    path.write_text(
        "Person A,Person B,Relationship,Date,Source notes,Analyst\n"
        "Ramon Vidal,Eastside Locos,member_of,2024-02-03,FI card 24-0031,K. Ortiz\n"
        "Ramon Vidal,Luis Pena,associate_of,2024-02-05,Jail call,K. Ortiz\n"
        "Luis Pena,Maya Torres,associate_of,2024-02-09,CI statement,K. Ortiz\n"
        "Maya Torres,Eastside Locos,member_of,2024-02-11,Social media,J. Park\n"
        "Hector Ruiz,,associate_of,2024-02-12,Incomplete entry,J. Park\n"
        "Hector Ruiz,Ramon Vidal,family_of,2024-02-14,Booking sheet,J. Park\n"
        "Ana Lopez,Maya Torres,associate_of,2024-02-20,Interview,J. Park\n",
        encoding="utf-8",
    )
    return path
