"""The `linkgraph` command: a thin layer over the library, one module per group of commands.

The CLI is the application edge: it starts imports and the desktop app, but finds them through entry points
(`linkgraph.plugins`), never by importing the `importers` or `ui` packages (tests/test_layers.py checks it).
"""

from __future__ import annotations

import argparse
import importlib
import os
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
    "linkgraph.cli.key_commands",
    "linkgraph.cli.gui_command",
    "linkgraph.cli.scale_commands",
)


# Which module registers each command: `linkgraph import ...` loads the import command's module only,
# not the libraries of analysis and exports (a second saved on every command).
COMMANDS = {
    "new": "linkgraph.cli.case_commands", "info": "linkgraph.cli.case_commands",
    "verify": "linkgraph.cli.case_commands", "remove-source": "linkgraph.cli.case_commands",
    "import": "linkgraph.cli.import_command",
    "analyze": "linkgraph.cli.analyze_command", "export": "linkgraph.cli.export_command",
    "entities": "linkgraph.cli.entity_commands", "edit": "linkgraph.cli.entity_commands",
    "merge-entities": "linkgraph.cli.entity_commands", "unmerge": "linkgraph.cli.entity_commands",
    "suggest": "linkgraph.cli.entity_commands", "trace": "linkgraph.cli.entity_commands",
    "package": "linkgraph.cli.share_commands", "unpack": "linkgraph.cli.share_commands",
    "merge": "linkgraph.cli.share_commands", "deconflict": "linkgraph.cli.share_commands",
    "blind-export": "linkgraph.cli.share_commands", "blind-match": "linkgraph.cli.share_commands",
    "blind-respond": "linkgraph.cli.share_commands",
    "encrypt": "linkgraph.cli.share_commands", "decrypt": "linkgraph.cli.share_commands",
    "demo": "linkgraph.cli.demo_command", "gui": "linkgraph.cli.gui_command",
    "key": "linkgraph.cli.key_commands", "sign": "linkgraph.cli.key_commands",
    "push": "linkgraph.cli.scale_commands", "cluster": "linkgraph.cli.scale_commands",
    "pull": "linkgraph.cli.scale_commands",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser, assembled from every command module present; for a known `command`, from its
    module only (the other commands are then unknown to it)."""
    parser = argparse.ArgumentParser(
        prog="linkgraph",
        description="Offline link analysis for trafficking investigations: case files, imports, analysis, exhibits.",
    )
    parser.add_argument("--version", action="version", version=f"linkgraph {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for name in (COMMANDS[command],) if command in COMMANDS else COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(commands)
    return parser


QUICK_EXIT = os.environ.get("LINKGRAPH_QUICK_EXIT", "1") != "0"   # "0": every command exits the usual way
_quick = False      # the command that ran asked for a quick exit and succeeded
_kept: object = None   # its arguments (and what it left on them) until that exit: not freed one by one first


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit 0 on success, 1 with one clear line on error, 130 when cancelled."""
    global _quick, _kept
    _quick, _kept = False, None
    given = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(given[0] if given else None)
    args = parser.parse_args(given)
    from linkgraph.safe_text import TerminalStream, terminal_text

    stdout, sys.stdout = sys.stdout, TerminalStream(sys.stdout)   # no ESC/BEL from case data reaches the terminal
    try:
        code = int(args.run(args) or 0)
        _quick = code == 0 and bool(getattr(args, "quick_exit", False))
        _kept = args if _quick and QUICK_EXIT else None
        return code
    except Cancelled as exc:
        print(f"linkgraph: cancelled: {exc}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("\nlinkgraph: cancelled; nothing half-written (the running import or edit was rolled back)",
              file=sys.stderr)
        return 130
    except LinkgraphError as exc:
        print(f"linkgraph: error: {terminal_text(exc)}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except PermissionError as exc:
        print(f"linkgraph: error: cannot write {exc.filename or 'a file'}: permission denied (choose a folder you "
              "may write to)", file=sys.stderr)
        return 1
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        print(f"linkgraph: error:{where} {exc.strerror or exc}", file=sys.stderr)
        return 1
    finally:
        sys.stdout = stdout


def run() -> None:
    """Console-script entry point. A command that holds a big heap to the end (`analyze` on a million links) and
    has closed its case and written its output exits at once (os._exit, once the output is flushed): Python's
    own shutdown of the loaded libraries and objects takes a few tenths of a second and writes nothing.
    LINKGRAPH_QUICK_EXIT=0 (or a tracer, such as coverage, running) exits the usual way."""
    code = main()
    if _quick and QUICK_EXIT and sys.gettrace() is None and "coverage" not in sys.modules:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            sys.exit(code)
        os._exit(code)
    sys.exit(code)
