"""The library's ``k_work_q`` and its keep-alive ``k_timer``, as threads.

One worker runs the submitted items in order, one at a time; submitting an item that is
still pending does nothing (``k_work_submit`` on a queued item). The worker thread exists only
while there is work, so a closed client leaves no thread behind.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Work = Callable[[], None]


class WorkQueue:
    """A cooperative single-thread work queue."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._pending: list[Work] = []
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()

    def submit(self, work: Work) -> bool:
        """Queue ``work`` unless it is already pending; False when it was."""
        with self._lock:
            if work in self._pending:
                return False
            self._pending.append(work)
            self._idle.clear()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        return True

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._thread = None
                    self._idle.set()
                    return
                work = self._pending.pop(0)
            work()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every submitted item has run (for tests and clean shutdown)."""
        return self._idle.wait(timeout)


class PeriodicTimer:
    """``k_timer_start(timer, delay, period)``: ``expiry`` runs in the timer's thread.

    ``expiry`` returns False to stop the timer (``k_timer_stop`` from its own handler).
    """

    def __init__(self, name: str, expiry: Callable[[], bool]) -> None:
        self.name = name
        self._expiry = expiry
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None

    def start(self, delay: float, period: float) -> None:
        """(Re)start: first expiry after ``delay``, then every ``period`` seconds."""
        self.stop()
        stop = threading.Event()
        self._stop = stop
        self._thread = threading.Thread(
            target=self._run, args=(stop, delay, period), name=self.name, daemon=True
        )
        self._thread.start()

    def _run(self, stop: threading.Event, delay: float, period: float) -> None:
        due = time.monotonic() + delay
        while not stop.wait(max(0.0, due - time.monotonic())):
            if not self._expiry():
                return
            due += period

    def stop(self) -> None:
        """``k_timer_stop``: no expiry after this returns (one in progress may finish)."""
        if self._stop is not None:
            self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join()
