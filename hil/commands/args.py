"""Argument types shared by the subcommands."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def number(
    minimum: int = 0, what: str = "number", maximum: int | None = None
) -> Callable[[str], int]:
    """An argparse type for an integer in hex (0x...) or decimal, in ``minimum..maximum``."""

    def parse(text: str) -> int:
        try:
            value = int(text, 0)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"invalid {what} {text!r} (hex 0x... or decimal)"
            ) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{what} must be at least {minimum}, got {text}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"{what} must be at most {maximum:#x}, got {text}")
        return value

    return parse
