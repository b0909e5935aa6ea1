"""Build a case file from the bundled sample case (used by `linkgraph demo` and the GUI's start page)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from linkgraph.case import CaseFile, ImportResult, merge_entities
from linkgraph.identity import normalize_name
from linkgraph.import_options import ImportOptions
from linkgraph.plugins import front_door
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


# Roles of the answer key's people that an investigator would record as suspects.
SUSPECT_ROLES = {"controller", "leader", "bottom", "recruiter", "driver"}


def review_case(case: CaseFile, key: dict | None = None) -> dict[str, int]:
    """Do what the case's analyst has done by the time the sample is shown: confirm the name matches
    that are the same name written the same way, and record who the interviews identified as victims
    (with the minors) and as suspects. Every step is an audited, reversible edit or merge."""
    key = key or answer_key()
    done = {"merged": 0, "victims": 0, "minors": 0, "suspects": 0}
    same: dict[str, list[int]] = {}
    for person in case.entities("Person"):
        same.setdefault(normalize_name(person.label), []).append(person.id)
    for ids in same.values():
        for other in sorted(ids)[1:]:
            merge_entities(case, min(ids), other, "same name (suggestion confirmed by the analyst)")
            done["merged"] += 1
    victims = {v["name"]: bool(v["minor"]) for v in key["victims"]}
    suspects = {p["name"] for p in key["people"] if p.get("role") in SUSPECT_ROLES}
    for person in case.entities("Person"):
        if person.label in victims:
            case.edit_entity(person.id, role="victim", minor=victims[person.label])
            done["victims"] += 1
            done["minors"] += victims[person.label]
        elif person.label in suspects:
            case.edit_entity(person.id, role="suspect")
            done["suspects"] += 1
    return done


def build_case(
    target: Path, progress: Progress = no_progress, *, replace: bool = True, review: bool = False
) -> tuple[Path, list[ImportResult]]:
    """Create `target` and import every sample file with its kind (then, with `review`, the analyst's
    confirmed matches and roles); returns the case path and import results."""
    key = answer_key()
    if target.exists() and replace:
        target.unlink()
    kinds = set(front_door("available_kinds")())       # the importers, found through their entry points
    import_file = front_door("import_file")
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
        if review:
            review_case(case, key)
    return target, results
