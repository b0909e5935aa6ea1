"""`gui`: start the desktop app (PySide6), optionally on a case; the app is found through the `linkgraph.desktop`
entry-point group (linkgraph.plugins), so the CLI does not import `ui`."""

from __future__ import annotations

import argparse
from pathlib import Path

from linkgraph.errors import LinkgraphError
from linkgraph.plugins import DESKTOP_GROUP, load


def register(commands: argparse._SubParsersAction) -> None:
    cmd = commands.add_parser("gui", help="open the desktop app")
    cmd.add_argument("case", type=Path, nargs="?", metavar="CASE")
    cmd.add_argument("--smoke", type=Path, metavar="REPORT.json",
                     help="open CASE, write what was shown (platform, window, chart entities) and a screenshot, quit")
    cmd.set_defaults(run=cmd_gui)


def cmd_gui(args: argparse.Namespace) -> int:
    try:
        gui_main = load(DESKTOP_GROUP, "main")
    except ImportError as exc:
        raise LinkgraphError(f"the desktop app cannot start: {exc} (install linkgraph with its GUI: PySide6)") from exc
    missing_system_packages = load(DESKTOP_GROUP, "missing_system_packages")
    missing = missing_system_packages()
    if missing:
        raise LinkgraphError(
            "the desktop app cannot start on this X11 display: Qt's xcb plugin needs system libraries that are "
            f"missing. Install them (Debian/Ubuntu): sudo apt-get install {' '.join(missing)}")
    argv = [str(args.case)] if args.case else []
    if args.smoke:
        argv += ["--smoke", str(args.smoke)]
    return int(gui_main(argv) or 0)
