"""The everyday mistakes a user makes at the command line, each with the message they see.

A case on read-only media (an evidence DVD, a write-protected share), a data file given where the
case belongs, a new case without a zone, an id that does not exist, a source imported twice,
a hundred name matches to confirm.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from linkgraph.case import CaseFile
from linkgraph.case import case_file as case_file_module
from linkgraph.cli import main
from linkgraph.graph import build_graph

LINKS = ("From,To,Relationship\nAna Ruiz,Ben Cole,associate_of\nBen Cole,Cy Dunn,associate_of\n"
         "Cy Dunn,Dee Hart,associate_of\nBen Cole,Dee Hart,knows\nDee Hart,Eve Moss,knows\n"
         "Eve Moss,\"Hart, Dee\",knows\nAna Ruiz,Eve Mosss,knows\n")


def run(*args: object) -> int:
    return main([str(a) for a in args])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def small_case(tmp_path: Path, capsys: pytest.CaptureFixture) -> Path:
    case = tmp_path / "case.lgcase"
    sheet = tmp_path / "associates.csv"
    sheet.write_text(LINKS, encoding="utf-8")
    assert run("new", case, "--tz", "America/Los_Angeles") == 0
    assert run("import", case, sheet, "--kind", "links") == 0
    capsys.readouterr()
    return case


@pytest.fixture
def read_only_case(small_case: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The case as on an evidence DVD: the media is reported read-only (root could write a chmod'ed file)."""
    real = case_file_module.unwritable_reason

    def on_dvd(path: Path) -> str | None:
        return "it is on read-only media" if Path(path).resolve() == small_case.resolve() else real(path)

    monkeypatch.setattr(case_file_module, "unwritable_reason", on_dvd)
    return small_case


def test_analyze_on_read_only_media_runs_and_says_where_the_run_is_recorded(read_only_case: Path, capsys) -> None:
    before = digest(read_only_case)
    assert run("analyze", read_only_case, "--json", "--no-findings") == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert "case.lgcase is read-only (it is on read-only media)" in captured.err
    assert "this run is not kept in it" in captured.err and "run_record" in captured.err
    assert result["run_record"]["digest"] and result["run_record"]["case_file_sha256"] == before
    assert "run_id" not in result
    assert "Traceback" not in captured.err
    assert digest(read_only_case) == before


def test_export_on_read_only_media_writes_its_record_beside_the_export(read_only_case: Path, tmp_path: Path,
                                                                      capsys) -> None:
    before = digest(read_only_case)
    out = tmp_path / "out"
    out.mkdir()
    assert run("export", read_only_case, "-f", "csv", "-o", out) == 0
    captured = capsys.readouterr()
    record = out / "linkgraph-record.json"
    assert f"recorded in {record}" in captured.err and "not in its audit log" in captured.err
    kept = json.loads(record.read_text(encoding="utf-8"))
    assert kept["entries"][0]["action"] == "export" and kept["case_file_sha256"] == before
    assert any(name.endswith("entities.csv") for name in kept["files"])
    assert digest(read_only_case) == before


@pytest.mark.parametrize("command", [("edit", "1", "--label", "X"), ("merge-entities", "1", "2"),
                                     ("remove-source", "1")])
def test_changes_to_a_read_only_case_are_refused_in_one_line(read_only_case: Path, command, capsys) -> None:
    before = digest(read_only_case)
    assert run(command[0], read_only_case, *command[1:]) == 1
    err = capsys.readouterr().err
    assert err.strip() == ("linkgraph: error: case.lgcase is read-only (it is on read-only media): nothing was "
                           "changed. Copy it to a folder you may write to and run the command on the copy")
    assert digest(read_only_case) == before


def test_import_into_a_read_only_case_is_refused(read_only_case: Path, tmp_path: Path, capsys) -> None:
    sheet = tmp_path / "more.csv"
    sheet.write_text("From,To,Relationship\nZed Ward,Yan Li,knows\n", encoding="utf-8")
    assert run("import", read_only_case, sheet, "--kind", "links") == 1
    err = capsys.readouterr().err
    assert "case.lgcase is read-only (it is on read-only media): nothing was changed" in err
    assert "Traceback" not in err


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write a write-protected file")
def test_a_write_protected_folder_is_found_without_help(small_case: Path, tmp_path: Path, capsys) -> None:
    shelf = tmp_path / "evidence"
    shelf.mkdir()
    case = shelf / "case.lgcase"
    shutil.copyfile(small_case, case)
    case.chmod(0o444)
    shelf.chmod(0o555)
    try:
        assert run("analyze", case, "--no-findings") == 0
        assert "read-only" in capsys.readouterr().err
        assert run("edit", case, "1", "--label", "X") == 1
        assert "is read-only" in capsys.readouterr().err
    finally:
        shelf.chmod(0o755)


def test_a_data_file_given_as_the_case_is_named_for_what_it_is(small_case: Path, tmp_path: Path, capsys) -> None:
    sheet = tmp_path / "associates.csv"
    assert run("import", sheet, small_case) == 1                 # swapped arguments
    err = capsys.readouterr().err.strip()
    assert err == (f"linkgraph: error: associates.csv is not a case file (a CSV text file); did you mean "
                   f"`linkgraph import {small_case} {sheet}`?")
    assert "encrypted" not in err and "passphrase" not in err
    assert run("analyze", sheet) == 1
    assert "associates.csv is not a case file (a CSV text file); did you mean `linkgraph import CASE" in \
        capsys.readouterr().err
    pdf = tmp_path / "subpoena return.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)) * 4)
    assert run("info", pdf) == 1
    err = capsys.readouterr().err
    assert "subpoena return.pdf is not a case file (a PDF document)" in err and "passphrase" not in err


def test_an_encrypted_case_still_asks_for_its_passphrase(tmp_path: Path, capsys) -> None:
    pytest.importorskip("sqlcipher3")
    case = tmp_path / "locked.lgcase"
    assert run("new", case, "--tz", "UTC", "--passphrase", "correct horse") == 0
    capsys.readouterr()
    assert run("info", case) == 1
    assert "encrypted; give its passphrase" in capsys.readouterr().err


def test_new_without_a_zone_takes_the_machines_and_says_so(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("TZ", "America/Chicago")
    assert run("new", tmp_path / "local.lgcase") == 0
    out = capsys.readouterr().out
    assert "time zone America/Chicago: this computer's zone; give --tz" in out
    with CaseFile.open(tmp_path / "local.lgcase", read_only=True) as case:
        assert case.timezone == "America/Chicago"


def test_trace_of_an_id_that_does_not_exist_says_so(small_case: Path, capsys) -> None:
    assert run("trace", small_case, "--entity", 4242) == 1
    assert capsys.readouterr().err.strip() == "linkgraph: error: no entity 4242 in this case"
    assert run("trace", small_case, "--link", 4242) == 1
    assert "no link 4242 in this case" in capsys.readouterr().err
    assert run("trace", small_case, "--entity", 1) == 0
    assert "associates.csv row" in capsys.readouterr().out


def test_remove_source_takes_a_double_import_out_reversibly(small_case: Path, tmp_path: Path, capsys) -> None:
    sheet = tmp_path / "associates.csv"
    with CaseFile.open(small_case, read_only=True) as case:
        once = build_graph(case)
    assert run("import", small_case, sheet, "--kind", "links", "--force") == 0      # the same file again
    capsys.readouterr()
    with CaseFile.open(small_case, read_only=True) as case:
        twice = build_graph(case)
        second = case.sources()[-1].id
    assert sum(d["count"] for *_, d in twice.edges(data=True)) > sum(d["count"] for *_, d in once.edges(data=True))
    assert run("remove-source", small_case, second, "--reason", "imported twice") == 0
    out = capsys.readouterr().out
    assert f"source {second} (associates.csv) removed" in out and "rows stay in the case for the audit" in out
    assert "--restore" in out
    with CaseFile.open(small_case, read_only=True) as case:
        after = build_graph(case)
        assert sum(d["count"] for *_, d in after.edges(data=True)) == sum(d["count"] for *_, d in once.edges(data=True))
        assert case.conn.execute("SELECT COUNT(*) FROM links WHERE source_id = ?", (second,)).fetchone()[0] > 0
        actions = [row[0] for row in case.conn.execute("SELECT action FROM audit ORDER BY rowid")]
        assert actions[-1] == "remove_source"
    assert run("analyze", small_case, "--json", "--no-findings", "--no-save") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["graph"]["edges"] == once.number_of_edges()
    assert run("remove-source", small_case, second, "--restore") == 0
    with CaseFile.open(small_case, read_only=True) as case:
        assert not case.removed_sources()
        restored = build_graph(case)
    assert sum(d["count"] for *_, d in restored.edges(data=True)) == sum(d["count"] for *_, d in twice.edges(data=True))


def test_suggestions_are_confirmed_in_bulk_after_a_preview(small_case: Path, capsys) -> None:
    assert run("suggest", small_case, "--confirm-all", "--min-score", 80, "--threshold", 80) == 0
    out = capsys.readouterr().out
    assert "Hart, Dee" in out and "Eve Mosss" in out and "nothing merged yet" in out and "--yes" in out
    with CaseFile.open(small_case, read_only=True) as case:
        assert not case.representatives()
    assert run("suggest", small_case, "--confirm-all", "--min-score", 80, "--threshold", 80, "--yes") == 0
    out = capsys.readouterr().out
    assert "is now shown as" in out and "Undo them all with: linkgraph unmerge" in out
    undo = out.strip().splitlines()[-1].split("linkgraph unmerge ", 1)[1].split()
    with CaseFile.open(small_case, read_only=True) as case:
        assert case.representatives()
        reasons = [r[0] for r in case.conn.execute("SELECT reason FROM merges")]
    assert all("name match" in r and "--confirm-all" in r for r in reasons)
    assert run("unmerge", *undo) == 0
    with CaseFile.open(small_case, read_only=True) as case:
        assert not case.representatives()


def test_pdf_and_word_files_are_named_as_not_supported(small_case: Path, tmp_path: Path, capsys) -> None:
    import zipfile

    pdf = tmp_path / "AT&T subpoena return.pdf"
    pdf.write_bytes(b"%PDF-1.6\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 8)
    assert run("import", small_case, pdf) == 1
    err = capsys.readouterr().err
    assert "AT&T subpoena return.pdf: this is a PDF document, which linkgraph does not import" in err
    assert "CSV, TSV, Excel, JSON or OFX" in err and "cannot tell what kind" not in err
    word = tmp_path / "bank letter.docx"
    with zipfile.ZipFile(word, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert run("import", small_case, word, "--kind", "finance") == 1
    assert "bank letter.docx: this is a Word document, which linkgraph does not import" in capsys.readouterr().err


def test_unpack_keeps_non_ascii_file_names(tmp_path: Path, capsys) -> None:
    sheet = tmp_path / "llamadas_Ramírez_Nguyễn.csv"
    sheet.write_text("From,To,Relationship\nJosé Núñez,Trần Thị Mai,associate_of\n", encoding="utf-8")
    case = tmp_path / "caso_Peña.lgcase"
    assert run("new", case, "--tz", "America/Chicago") == 0
    assert run("import", case, sheet, "--kind", "links") == 0
    package = tmp_path / "caso.lgpkg"
    assert run("package", case, "-o", package, "--sources") == 0
    out = tmp_path / "unpacked"
    assert run("unpack", package, "-o", out) == 0
    capsys.readouterr()
    names = {p.name for p in out.rglob("*") if p.is_file()}
    assert "caso_Peña.lgcase" in names
    assert any(name.endswith("llamadas_Ramírez_Nguyễn.csv") for name in names), names
