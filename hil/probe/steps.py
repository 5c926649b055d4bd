"""Every device action as a logged step: name, arguments, outcome and duration."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_HEX_KEYS = frozenset({"address", "offset", "length", "size", "end"})


def _format(key: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and key in _HEX_KEYS:
        return f"0x{value:x}"
    return str(value)


def describe(action: str, args: dict[str, Any]) -> str:
    text = ", ".join(f"{key}={_format(key, value)}" for key, value in args.items())
    return f"{action}({text})"


@contextmanager
def step(logger: logging.Logger, action: str, **args: Any) -> Iterator[None]:
    """Log ``action(args)`` at INFO when it starts and when it ends, with its duration."""
    call = describe(action, args)
    logger.info("step %s", call)
    start = time.monotonic()
    try:
        yield
    except BaseException as err:
        logger.info("step %s failed after %.2f s: %s", call, time.monotonic() - start, err)
        raise
    logger.info("step %s done in %.2f s", call, time.monotonic() - start)
