"""Importers: one module per source kind, each turning files into records for a case file.

`import_file` is the one entry point the CLI and the GUI call (the CLI finds it through the `linkgraph.import`
entry-point group); `KINDS` names the modules, as registered in the `linkgraph.importers` group.
Each kind module offers `import_file(case, path, options, progress) -> ImportResult` and
`preview(path, options, rows) -> Preview` for the import wizard.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from importers.options import ImportOptions
from linkgraph.case import CaseFile, ImportResult
from linkgraph.errors import InputError, LinkgraphError
from linkgraph.plugins import importer_kinds
from linkgraph.process_switches import reused_memory
from linkgraph.progress import Progress, no_progress

# Header-detection ties go to this order (installed entry points come back sorted by name, so the order is
# declared here, not taken from the metadata); a kind added by another distribution comes after ours.
DETECTION_ORDER = ("phone", "ads", "hotel", "finance", "roster", "links", "extraction")
# Kind -> module, as registered in the `linkgraph.importers` entry-point group (pyproject.toml), so a kind
# added by another distribution is detected and imported like ours.
KINDS: dict[str, str] = dict(sorted(importer_kinds().items(), key=lambda item: (
    DETECTION_ORDER.index(item[0]) if item[0] in DETECTION_ORDER else len(DETECTION_ORDER), item[0])))
DEFAULT_GRADES = {"extraction": "A1", "phone": "A1", "hotel": "A1", "finance": "A1", "roster": "B2", "ads": "B2", "links": "C3"}


def kind_module(kind: str) -> ModuleType:
    """The module that imports sources of `kind`."""
    if kind not in KINDS:
        raise LinkgraphError(f"unknown kind '{kind}' (kinds: {', '.join(KINDS)})")
    try:
        return importlib.import_module(KINDS[kind])
    except ModuleNotFoundError as exc:
        if exc.name == KINDS[kind]:
            raise LinkgraphError(f"the '{kind}' importer is not installed in this build") from exc
        raise


def available_kinds() -> list[str]:
    """Kinds whose importer module is present."""
    found = []
    for kind in KINDS:
        try:
            kind_module(kind)
        except LinkgraphError:
            continue
        found.append(kind)
    return found


def document_kind(path: Path) -> str | None:
    """What a document or image passed as records is ("a PDF document", "a Word document"...), or None for a
    file an importer may read. Judged by its first bytes, not its name."""
    import zipfile

    from linkgraph.case.case_file import what_file_is

    what = what_file_is(path)
    if what in ("a PDF document", "a Word document", "an RTF document", "a PNG image", "a JPEG image", "a GIF image"):
        return what
    if what == "an old Excel or Word file" and path.suffix.lower() in (".doc", ".dot"):
        return "an old Word document"
    if what and what.startswith("a ZIP archive"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        if "word/document.xml" in names:
            return "a Word document"
    return None


def detect_kind(path: Path, options: ImportOptions) -> str:
    """Guess a file's kind from its header against every kind's profiles (ties go to the KINDS order)."""
    best: tuple[float, str] | None = None
    for kind in available_kinds():
        module = kind_module(kind)
        guess = getattr(module, "kind_score", None)
        if guess is None:
            continue
        try:
            value = float(guess(path, options))
        except (InputError, LinkgraphError):
            continue
        if best is None or value > best[0]:
            best = (value, kind)
    if best is None or best[0] < 1.0:
        hint = ""
        if not options.extra.get("no_header"):
            from importers.readers import read_head
            from importers.tabular import header_looks_like_data

            try:
                if header_looks_like_data(read_head(path).columns):
                    hint = ("; the first line looks like data, not a header: give --no-header, --kind and the columns "
                            "by number (--map date=1 --map amount=2 ...)")
            except LinkgraphError:
                pass
        raise InputError(
            "cannot tell what kind of records this is; give --kind (" + ", ".join(KINDS) + ")" + hint, file=path
        )
    return best[1]


def import_file(
    case: CaseFile, path: str | Path, options: ImportOptions | None = None, progress: Progress = no_progress
) -> ImportResult:
    """Import one file into the case, atomically: on any error the case is left as it was."""
    options = options or ImportOptions()
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", file=path)
    unreadable = document_kind(path)
    if unreadable:
        raise InputError(f"this is {unreadable}, which linkgraph does not import: it reads records as CSV, TSV, Excel, "
                         "JSON or OFX files. Ask the provider for the records in one of those (carriers and banks "
                         "supply CSV or Excel on request), or copy the tables out of the document into a CSV first",
                         file=path)
    from importers.readers import unsupported_format

    problem = unsupported_format(path)
    if problem is not None and not (problem.startswith("OFX") and options.kind in (None, "finance")):
        raise InputError(problem, file=path)
    if problem is not None:
        options.kind = "finance"              # an OFX/QFX download: the finance importer reads it
    kind = options.kind or detect_kind(path, options)
    options.kind = kind
    if options.grade is None:
        options.grade = DEFAULT_GRADES.get(kind, "B2")
    with reused_memory():                  # batches reuse the memory the last ones freed
        return kind_module(kind).import_file(case, path, options, progress)
