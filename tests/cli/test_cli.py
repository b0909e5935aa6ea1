"""The command line: exit codes, one clear line on error, and the JSON of analyze."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from linkgraph.cli import main

LINKS = "From,To,Relationship\nAna,Ben,associate_of\nBen,Cy,associate_of\nCy,Dee,associate_of\nBen,Dee,knows\nDee,Eve,knows\n"


def run(*args: str) -> int:
    return main([str(a) for a in args])


def test_new_import_info_analyze_verify(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    case = tmp_path / "c.lgcase"
    sheet = tmp_path / "links.csv"
    sheet.write_text(LINKS, encoding="utf-8")
    assert run("new", case, "--tz", "America/Los_Angeles") == 0
    assert run("import", case, sheet, "--kind", "links") == 0
    assert "5 rows imported, 0 rejected" in capsys.readouterr().out
    assert run("info", case) == 0
    out = capsys.readouterr().out
    assert "links.csv" in out and "Person 5" in out
    assert run("analyze", case, "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["case"] == "c"
    entities = result["entities"]
    assert {"id", "type", "label", "role", "degree", "betweenness", "pagerank", "community", "score"} <= set(entities[0])
    assert [e["score"] for e in entities] == sorted((e["score"] for e in entities), reverse=True)
    assert entities[0]["label"] in ("Ben", "Dee")
    assert sum(c["size"] for c in result["communities"]) == 5
    assert run("verify", case) == 0
    assert "intact" in capsys.readouterr().out


def test_errors_are_one_line_and_nonzero(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert run("info", tmp_path / "missing.lgcase") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("linkgraph: error:") and "no such case file" in err[0]
    case = tmp_path / "c.lgcase"
    run("new", case)
    sheet = tmp_path / "links.csv"
    sheet.write_text(LINKS, encoding="utf-8")
    assert run("import", case, sheet, "--kind", "links") == 0
    capsys.readouterr()
    assert run("import", case, sheet, "--kind", "links") == 1
    err = capsys.readouterr().err
    assert "imported already" in err and "--force" in err and "Traceback" not in err
    assert run("new", case) == 1
    assert run("import", case, sheet, "--kind", "nonsense") == 1
    assert "unknown kind 'nonsense'" in capsys.readouterr().err


def test_export_csv(tmp_path: Path) -> None:
    case = tmp_path / "c.lgcase"
    sheet = tmp_path / "links.csv"
    sheet.write_text(LINKS.replace("Eve", "=HYPERLINK(\"http://x\")"), encoding="utf-8")
    run("new", case)
    run("import", case, sheet, "--kind", "links")
    assert run("export", case, "--format", "csv", "-o", tmp_path / "out") == 0
    entities = (tmp_path / "out" / "entities.csv").read_text(encoding="utf-8-sig")
    links = (tmp_path / "out" / "links.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in entities and ",=HYPERLINK" not in entities
    assert "links.csv" in links.splitlines()[1]


def test_console_script_runs() -> None:
    done = subprocess.run([sys.executable, "-m", "linkgraph", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("linkgraph ")


def test_each_command_is_registered_by_the_module_the_cli_loads_for_it() -> None:
    """COMMANDS names every command the full parser has, and loading only its module gives that command."""
    import argparse

    from linkgraph.cli import COMMANDS, build_parser

    def commands(parser: argparse.ArgumentParser) -> set[str]:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return set(action.choices)

    assert commands(build_parser()) == set(COMMANDS)
    for command in COMMANDS:
        assert command in commands(build_parser(command)), command


def test_the_import_command_starts_without_the_analysis_libraries() -> None:
    """`linkgraph import` does not load networkx or the exports (they cost most of a second at start)."""
    probe = ("import sys; from linkgraph.cli import build_parser; build_parser('import'); "
             "print(sorted(m for m in ('networkx', 'igraph', 'scipy', 'linkgraph.exports') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
