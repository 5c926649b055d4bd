"""Listeners told about every update ``run_update`` performs, finished or stopped by an error.

The pytest plugin listens during each test, so its evidence (artifact folder, JUnit properties,
HTML report extras) is kept whether or not the test asks for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("hil.update_watch")


@dataclass(frozen=True)
class UpdateRun:
    """One update as ``run_update`` saw it: its evidence, or the error that stopped it."""

    dut: Any
    server: Any
    keys: tuple[Any, ...] = ()
    evidence: Any = None  # hil.scenario.UpdateEvidence when the update finished
    error: BaseException | None = None


Listener = Callable[[UpdateRun], None]
_listeners: list[Listener] = []
_lock = threading.Lock()


@contextmanager
def watching(listener: Listener) -> Iterator[None]:
    """Call ``listener`` for each update run while the block runs."""
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)


def announce(run: UpdateRun) -> None:
    """Tell every listener. A finished update propagates a listener's error; a failed one does
    not (the update's own error is the one to report)."""
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        if run.error is None:
            listener(run)
            continue
        try:
            listener(run)
        except Exception as err:
            log.warning("keeping the evidence of a failed update failed: %s", err)
