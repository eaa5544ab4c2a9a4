"""The `seqtui` command: no arguments opens the TUI; subcommands share the engine and run dirs.

Each subcommand lives in a module `seqtui.cmd_*` with `register(subparsers)`; the parser is built
from whatever such modules exist, in their ORDER. Bad input of any kind ends in one line on
stderr and exit status 2; a failed training run exits 1.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Callable, Sequence

import seqtui
from seqtui.engine.errors import BadInput

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise BadInput(f"{self.prog}: {message} (see {self.prog} --help)")


def command_modules() -> list:
    names = [m.name for m in pkgutil.iter_modules(seqtui.__path__) if m.name.startswith("cmd_")]
    modules = [importlib.import_module(f"seqtui.{name}") for name in names]
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="seqtui",
        description="Train sequence models on text. With no command, opens the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"seqtui {seqtui.__version__}")
    parser.add_argument("--runs-dir", dest="top_runs_dir", metavar="DIR",
                        help="where runs live (default ./runs, or $SEQTUI_RUNS_DIR)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    for module in command_modules():
        module.register(sub)
    return parser


def add_runs_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs-dir", metavar="DIR",
                        help="where runs live (default ./runs, or $SEQTUI_RUNS_DIR)")


def add_run_command(sub: argparse._SubParsersAction, name: str, help: str, description: str,
                    handler: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
    """A subcommand about one run: its RUN argument, --runs-dir and its handler; the caller adds
    the rest."""
    parser = sub.add_parser(name, help=help, description=description)
    parser.add_argument("run", metavar="RUN", help="run id (or a unique part of it) or path")
    add_runs_dir(parser)
    parser.set_defaults(handler=handler)
    return parser


def runs_dir_of(args: argparse.Namespace):
    from seqtui.engine.runs.store import resolve_runs_dir

    return resolve_runs_dir(getattr(args, "runs_dir", None) or getattr(args, "top_runs_dir", None))


def fail(message: str) -> int:
    print(f"seqtui: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            from seqtui.tui.app import run_tui

            return run_tui(runs_dir_of(args))
        return int(args.handler(args) or 0)
    except BadInput as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        print("seqtui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
