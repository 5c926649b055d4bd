"""The place's console: the project's ``SerialConsole`` on the exported port over RFC2217.

One connection serves the whole session; each test borrows it with its own ``Console`` (its
own log file). Every (re)open asks the place for the port first, because the exporter
restarts ser2net on a new port when the USB console re-enumerates. pyserial's RFC2217 class
refuses ``write_timeout`` and ``exclusive``, so they are not passed on.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import serial

from hil.bench.serial_console import SerialConsole
from hil.console import Console, ConsoleTimeout
from hil.lab.errors import LabError, PlaceGone

WAIT_SLICE = 0.2  # how often a waiting test looks for a lost place


class ConsoleLost(LabError):
    """The place's console went away during a test (exporter stopped, place gone)."""


class LabConsole(Console):
    """A test's console that stops waiting as soon as the place's console is lost."""

    def __init__(self, name: str, log_path: Path | None = None) -> None:
        super().__init__(name, log_path)
        self.failure: str | None = None

    def fail(self, reason: str) -> None:
        self.failure = reason

    def readlines_until(self, regex: str | re.Pattern[str], timeout: float) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            if self.failure:
                raise ConsoleLost(self.failure)
            remaining = deadline - time.monotonic()
            try:
                return super().readlines_until(regex, max(0.0, min(WAIT_SLICE, remaining)))
            except ConsoleTimeout:
                if remaining <= WAIT_SLICE:
                    if self.failure:
                        raise ConsoleLost(self.failure) from None
                    raise ConsoleTimeout(
                        self._timeout_message(re.compile(regex), timeout)
                    ) from None


class ConsoleLease:
    """What ``NrfDut`` sees as its serial console for one test; closing it returns it."""

    def __init__(self, shared: SharedConsole, console: LabConsole) -> None:
        self.shared = shared
        self.console = console

    @property
    def reconnects(self) -> int:
        return self.shared.serial.reconnects

    def write_line(self, line: str) -> None:
        if self.console.failure:
            raise ConsoleLost(self.console.failure)
        self.shared.serial.write_line(line)

    def close(self) -> None:
        self.shared.give_back(self)


class SharedConsole:
    """The session's RFC2217 console of one place, lent to one test at a time."""

    def __init__(
        self, name: str, url_of_place: Callable[[], str], baudrate: int = 115200,
        reconnect_timeout: float = 10.0,
    ) -> None:
        self.name = name
        self._url_of_place = url_of_place
        self._idle = Console(f"{name} (between tests)")
        self._lease: ConsoleLease | None = None
        self._lock = threading.Lock()
        self.lost: str | None = None
        self.reconnect_timeout = reconnect_timeout
        self._failing_since: float | None = None
        self.serial = SerialConsole(
            url_of_place(), self._idle, baudrate, reconnect_timeout=reconnect_timeout,
            serial_factory=self._open,
        )

    def _open(self, _port: str, baudrate: int, timeout: float, **_unsupported: Any) -> Any:
        try:
            url = self._url_of_place()
        except PlaceGone as gone:
            self._lose(f"console of place {self.name} lost: {gone}")
            raise serial.SerialException(str(gone)) from None
        self.serial.port = url
        try:
            port = serial.serial_for_url(url, baudrate=baudrate, timeout=timeout)
        except (serial.SerialException, OSError) as err:
            self._failing_since = self._failing_since or time.monotonic()
            if time.monotonic() - self._failing_since > self.reconnect_timeout:
                self._lose(f"{self.name}: console {url} unreachable for "
                           f"{self.reconnect_timeout:g} s ({err})")
            raise
        self._failing_since = None
        return port

    def _lose(self, reason: str) -> None:
        self.lost = reason
        with self._lock:
            if self._lease is not None:
                self._lease.console.fail(reason)

    def start(self) -> SharedConsole:
        self.serial.start()
        return self

    def lend(self, log_path: Path | None) -> ConsoleLease:
        console = LabConsole(f"{self.name} console", log_path)
        if self.lost:
            console.fail(self.lost)
        lease = ConsoleLease(self, console)
        with self._lock:
            self._lease = lease
            self.serial.console = console
        return lease

    def give_back(self, lease: ConsoleLease) -> None:
        with self._lock:
            if self._lease is lease:
                self._lease = None
                self.serial.console = self._idle
        lease.console.close()

    def close(self) -> None:
        self.serial.close()
        self._idle.close()
