"""The ``hil`` command line: one subcommand per module in ``hil.commands``, imported lazily.

Exit codes: 0 success (for ``check``: MCUboot would accept the image), 1 the checked thing
failed (the reason is printed), 2 unusable input or environment (a one-line error).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from hil import __version__
from hil.commands import COMMANDS
from hil.errors import HilError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every other bad input
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """The parser; only the ``selected`` command's module is imported for its full options."""
    parser = _Parser(
        prog="hil",
        description="MCUboot-over-FTP HIL suite for the nRF5340.",
        epilog="Exit codes: 0 ok, 1 the check failed (reason printed), 2 unusable input; "
        "check, diagnose and audit also use 3 (see their --help).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser, metavar="COMMAND"
    )
    for command in COMMANDS:
        if command.name == selected:
            command.load().register(sub)
        else:
            sub.add_parser(command.name, help=command.help)
    return parser


def selected_command(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the first word that is not an option)."""
    first = next((word for word in argv if not word.startswith("-")), None)
    return first if any(command.name == first for command in COMMANDS) else None


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(selected_command(words)).parse_args(words)
    try:
        return int(args.run(args))
    except HilError as err:
        print(f"hil {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"hil {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
