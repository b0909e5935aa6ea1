"""`gui`: start the desktop app (PySide6), optionally on a case."""

from __future__ import annotations

import argparse
from pathlib import Path

from linkgraph.errors import LinkgraphError


def register(commands: argparse._SubParsersAction) -> None:
    cmd = commands.add_parser("gui", help="open the desktop app")
    cmd.add_argument("case", type=Path, nargs="?", metavar="CASE")
    cmd.set_defaults(run=cmd_gui)


def cmd_gui(args: argparse.Namespace) -> int:
    try:
        from ui.app import main as gui_main
    except ImportError as exc:
        raise LinkgraphError(f"the desktop app cannot start: {exc} (install linkgraph with its GUI: PySide6)") from exc
    return int(gui_main([str(args.case)] if args.case else []) or 0)
