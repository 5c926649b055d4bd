"""The ``hil`` command line: one subcommand per module in ``hil.commands``.

Exit codes: 0 success (for ``check``: MCUboot would accept the image), 1 the checked thing
failed (the reason is printed), 2 unusable input or environment (a one-line error).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from hil.commands import COMMANDS
from hil.errors import HilError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every other bad input
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hil",
        description="MCUboot-over-FTP HIL suite for the nRF5340.",
        epilog="Exit codes: 0 ok, 1 the check failed (reason printed), 2 unusable input.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
