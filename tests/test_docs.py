"""The documentation names only what exists: every `linkgraph COMMAND` and its options in README.md and docs/
is a real subcommand and option, every command is documented, every repository path and relative link named
resolves inside the repository, and nothing in the repository cites a file outside it."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from linkgraph.cli import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
REPO_FOLDERS = ("linkgraph/", "importers/", "ui/", "tests/", "docs/", "benchmarks/", "sample_cases/")
# `linkgraph COMMAND ...` as a shell line writes it (also `.venv/bin/linkgraph`, `python -m linkgraph`); not a
# path such as linkgraph/cli/ nor the linkgraph-gui script.
COMMAND_LINE = re.compile(r"(?<![\w.-])linkgraph[ \t]+([a-z][a-z-]*)(.*)")
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


COMMAND_PARSERS = _subcommands(build_parser())


def _code(text: str) -> list[str]:
    """The page's code: fenced blocks and inline spans."""
    return re.findall(r"```.*?```", text, re.S) + re.findall(r"`[^`\n]+`", text)


def _command_lines() -> list[tuple[str, str, str]]:
    """(page, command, the rest of the line without its comment) of every `linkgraph COMMAND` in code."""
    found = []
    for page in PAGES:
        for span in _code(page.read_text(encoding="utf-8")):
            for line in span.strip("`").splitlines():
                for match in COMMAND_LINE.finditer(line):
                    found.append((page.relative_to(ROOT).as_posix(), match.group(1), match.group(2).split(" #")[0]))
    return found


def test_the_docs_name_commands() -> None:
    assert len(_command_lines()) > 30


def test_every_command_the_docs_name_exists() -> None:
    unknown = sorted({(page, command) for page, command, _ in _command_lines() if command not in COMMAND_PARSERS})
    assert not unknown, f"`linkgraph COMMAND` in the docs that is no subcommand: {unknown}"


def test_every_option_the_docs_give_a_command_exists() -> None:
    wrong = []
    for page, command, rest in _command_lines():
        parser = COMMAND_PARSERS.get(command)
        if parser is None:
            continue
        words = rest.split()
        nested = _subcommands(parser)
        if nested and words and words[0] in nested:       # `linkgraph cluster run ...`, `linkgraph key new ...`
            parser = nested[words[0]]
        accepted = {option for action in parser._actions for option in action.option_strings}
        wrong += [(page, command, option) for option in OPTION.findall(rest) if option not in accepted]
    assert not wrong, f"options the docs give that the command does not take: {sorted(set(wrong))}"


def test_every_command_is_documented() -> None:
    named = {command for _, command, _ in _command_lines()}
    assert set(COMMANDS) == set(COMMAND_PARSERS)
    assert not set(COMMAND_PARSERS) - named, f"commands no page shows: {sorted(set(COMMAND_PARSERS) - named)}"


def _exists(path: str) -> bool:
    """A repository path as the docs write it: a file or folder, or a module's attribute (importers/x.name)."""
    if (ROOT / path).exists():
        return True
    module, _, _ = path.rpartition(".")
    return bool(module) and (ROOT / f"{module}.py").exists()


def test_every_repository_path_the_docs_name_exists() -> None:
    missing = []
    for page in PAGES:
        for span in re.findall(r"`([^`\n]+)`", page.read_text(encoding="utf-8")):
            if "*" in span or "..." in span:
                continue                                  # a pattern, not a path
            for token in re.findall(r"[\w./-]+", span):
                path = token.rstrip(".,:;")
                if path.startswith(REPO_FOLDERS) and not _exists(path):
                    missing.append((page.relative_to(ROOT).as_posix(), path))
    assert not missing, f"paths named in the docs that are not in the repository: {missing}"


def test_relative_links_stay_inside_the_repository() -> None:
    broken = []
    for page in PAGES:
        for link in re.findall(r"\]\(([^)#\s]+)", page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", link):
                continue                                  # https:, mailto:
            target = (page.parent / link).resolve()
            if ROOT not in target.parents or not target.exists():
                broken.append((page.relative_to(ROOT).as_posix(), link))
    assert not broken, f"links to nothing, or outside the repository: {broken}"


@pytest.mark.parametrize("outside", ["shared/reference", "../shared", "/work/"])
def test_nothing_outside_the_tests_cites_files_outside_the_repository(outside: str) -> None:
    """A clone has no shared/ beside it: code and docs cite published sources in words (tests may read
    ../shared/schemas and skip when it is absent)."""
    citing = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if (not path.is_file() or relative.parts[0] in ("tests", ".git", ".venv") or "egg-info" in str(relative)
                or path.suffix not in (".py", ".md", ".yaml", ".yml", ".toml", ".json", ".txt", ".cfg")):
            continue
        if outside in path.read_text(encoding="utf-8", errors="replace"):
            citing.append(relative.as_posix())
    assert not citing, f"files citing {outside}: {citing}"
