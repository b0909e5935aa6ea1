"""Build a case file from the bundled sample case (used by `linkgraph demo` and the GUI's start page)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from importers import available_kinds, import_file
from importers.options import ImportOptions
from linkgraph.case import CaseFile, ImportResult
from linkgraph.progress import Progress, no_progress

SAMPLE = "gang_enterprise"
# What the investigator knows from a return's cover letter (Cash App CSVs do not name their holder),
# given on the command line as --holder NAME --holder-account ID.
HOLDERS = {"cashapp_haskins.csv": {"holder": "Darnell Haskins", "holder_account": "$BossD209"}}


def sample_dir() -> Path:
    """The folder of the bundled sample case's source files."""
    return Path(str(resources.files("sample_cases").joinpath(SAMPLE)))


def answer_key() -> dict:
    """The sample case's answer key (who leads, which sets, which phones swap, which victims)."""
    return json.loads((sample_dir() / "answer_key.json").read_text(encoding="utf-8"))


def build_case(target: Path, progress: Progress = no_progress, *, replace: bool = True) -> tuple[Path, list[ImportResult]]:
    """Create `target` and import every sample file with its kind; returns the case path and import results."""
    key = answer_key()
    if target.exists() and replace:
        target.unlink()
    kinds = set(available_kinds())
    results = []
    with CaseFile.create(target, name=key.get("case", "Sample case"), timezone="America/Los_Angeles",
                         region="US", agency="Sample County Human Trafficking Task Force") as case:
        files = key["files"]
        for number, item in enumerate(files):
            if item["kind"] not in kinds:
                continue
            if progress(number, len(files), f"Importing {item['file']}") is False:
                break
            options = ImportOptions(kind=item["kind"], extra=dict(HOLDERS.get(item["file"], {})))
            results.append(import_file(case, sample_dir() / item["file"], options))
    return target, results
