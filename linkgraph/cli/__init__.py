"""The `linkgraph` command: a thin layer over the library, one module per group of commands.

The CLI is the application edge: it is the one place in `linkgraph` that reaches the
`importers` package (to import files) and `ui` (to start the desktop app), lazily.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from linkgraph import __version__
from linkgraph.errors import Cancelled, LinkgraphError

COMMAND_MODULES = (
    "linkgraph.cli.case_commands",
    "linkgraph.cli.import_command",
    "linkgraph.cli.analyze_command",
    "linkgraph.cli.export_command",
    "linkgraph.cli.entity_commands",
    "linkgraph.cli.share_commands",
    "linkgraph.cli.demo_command",
    "linkgraph.cli.gui_command",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, assembled from every command module present."""
    parser = argparse.ArgumentParser(
        prog="linkgraph",
        description="Offline link analysis for trafficking investigations: case files, imports, analysis, exhibits.",
    )
    parser.add_argument("--version", action="version", version=f"linkgraph {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit 0 on success, 1 with one clear line on error, 130 when cancelled."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except Cancelled as exc:
        print(f"linkgraph: cancelled: {exc}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("\nlinkgraph: cancelled; nothing half-written (the running import or edit was rolled back)",
              file=sys.stderr)
        return 130
    except LinkgraphError as exc:
        print(f"linkgraph: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
