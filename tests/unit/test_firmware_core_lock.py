"""The C core's port lock through ctypes: every ``port->lock()`` returns holding the lock.

``ftpdfu_core.c`` calls ``port->unlock()`` unconditionally after ``port->lock()``. When the
Python lock function is left by an exception while it waits (Ctrl-C while the data thread
holds the lock), ctypes swallows the exception and the C code runs on as if it held the lock:
it then releases the lock the data thread holds, and the data thread's own release fails with
"release unlocked lock". The wait must go on, and the exception reach the command instead.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

import pytest

from hil.sim import core_lib

WAIT = 30.0


class InterruptedWhileWaiting:
    """A lock whose first contended wait is cut short by KeyboardInterrupt (a Ctrl-C)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.interrupts = 1
        self.holder: int | None = None

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if self.interrupts and self._lock.locked():
            self.interrupts -= 1
            raise KeyboardInterrupt
        taken = self._lock.acquire(blocking, timeout)
        if taken:
            self.holder = threading.get_ident()
        return taken

    def release(self) -> None:
        self.holder = None
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()

    def _is_owned(self) -> bool:
        return self.holder == threading.get_ident()


class QuietPort:
    """A port that prints into a list and records any other call (``ftpdfu status`` has none)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.calls: list[str] = []

    def print_line(self, line: str) -> None:
        self.lines.append(line)

    def __getattr__(self, name: str) -> Any:
        return lambda *args: self.calls.append(name) or 0


def test_an_interrupted_lock_wait_keeps_lock_and_unlock_paired(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    try:
        lib = core_lib.load()
    except core_lib.CoreUnavailable as exc:
        pytest.skip(str(exc))
    unraisable: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: unraisable.append(repr(u.exc_value)))
    port = QuietPort()
    core = core_lib.FtpDfuCore(port, "1.0.0+0", lib)  # type: ignore[arg-type]
    lock = InterruptedWhileWaiting()
    core._data_lock = lock  # type: ignore[assignment]
    held, let_go = threading.Event(), threading.Event()
    data_thread_error: list[BaseException] = []

    def data_thread() -> None:
        """What ftpdfu_on_data does around a flash write: lock, work, unlock."""
        core._acquire()
        held.set()
        let_go.wait(WAIT)
        try:
            core._release()
        except BaseException as exc:
            data_thread_error.append(exc)

    worker = threading.Thread(target=data_thread)
    worker.start()
    assert held.wait(WAIT)
    shell_saw: list[int | None] = []

    def let_go_when_waiting() -> None:
        while lock.interrupts:  # the shell's wait has been interrupted
            threading.Event().wait(0.001)
        shell_saw.append(lock.holder)
        let_go.set()

    releaser = threading.Thread(target=let_go_when_waiting)
    releaser.start()
    with pytest.raises(KeyboardInterrupt):
        core.status()  # waits for the data thread's lock; Ctrl-C arrives meanwhile
    releaser.join(WAIT)
    worker.join(WAIT)
    assert not data_thread_error, data_thread_error
    assert not unraisable, unraisable
    assert not lock.locked()
    assert port.lines[-1].startswith("FTPDFU_STATUS ") and not port.calls
    core.close()
