"""A DK's UART console over pyserial: a reader thread feeding a ``hil.console.Console``.

Every read has a timeout; if the port disappears (the J-Link VCOM re-enumerating after a
reset or replug) the reader reopens it by path and marks the gap in the console log.
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import serial

from hil.console import Console
from hil.errors import HilError
from hil.probe.steps import step

log = logging.getLogger("hil.bench")

_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")
_ANSI_TAIL_RE = re.compile(r"\x1b(\[[0-9;?]*[ -/]*|[()])?$")

SerialFactory = Callable[..., Any]


class SerialConsole:
    """Owns one serial port and feeds everything it reads into ``console``."""

    def __init__(
        self,
        port: str,
        console: Console,
        baudrate: int = 115200,
        read_timeout: float = 0.1,
        reconnect_timeout: float = 10.0,
        line_ending: str = "\r\n",
        write_chunk: int = 16,
        write_delay: float = 0.002,
        serial_factory: SerialFactory = serial.Serial,
    ) -> None:
        self.port = port
        self.console = console
        self.baudrate = baudrate
        self.read_timeout = read_timeout
        self.reconnect_timeout = reconnect_timeout
        self.line_ending = line_ending
        self.write_chunk = write_chunk
        self.write_delay = write_delay
        self._factory = serial_factory
        self._serial: Any = None
        self._connected = threading.Event()
        self._stop = threading.Event()
        self._write_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._held = ""  # an escape sequence cut in half by a read
        self._open_line = False
        self.reconnects = 0

    def _open(self) -> Any:
        extra = {"exclusive": True} if os.name == "posix" else {}  # refuse a port in use
        return self._factory(
            self.port, baudrate=self.baudrate, timeout=self.read_timeout,
            write_timeout=self.reconnect_timeout, **extra,
        )

    def start(self) -> SerialConsole:
        with step(log, "open_console", port=self.port, baud=self.baudrate):
            try:
                self._serial = self._open()
            except (serial.SerialException, OSError) as err:
                raise HilError(
                    f"cannot open console port {self.port}: {err} (is it in use, or does your "
                    "user need the 'dialout' group?)"
                ) from None
        self._connected.set()
        self._thread = threading.Thread(target=self._run, name=f"console {self.port}", daemon=True)
        self._thread.start()
        return self

    # -- reading --------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            port = self._serial
            try:
                if port is None:
                    raise serial.SerialException("port closed")
                data = port.read(port.in_waiting or 1)
            except (serial.SerialException, OSError, TypeError, AttributeError) as err:
                if self._stop.is_set():
                    break
                self._lost(err)
                continue
            if data:
                self._feed(data)

    def _feed(self, data: bytes) -> None:
        text = self._held + self._decoder.decode(data)
        text = _ANSI_RE.sub("", text)
        tail = _ANSI_TAIL_RE.search(text)
        self._held = tail.group(0) if tail else ""
        if tail:
            text = text[: tail.start()]
        if text.endswith("\r"):  # CR LF may arrive in two reads: keep it one line end
            self._held = "\r" + self._held
            text = text[:-1]
        if text:
            self._open_line = not text.endswith(("\n", "\r"))
            self.console.feed(text)

    def _mark(self, note: str) -> None:
        if self._open_line:
            self.console.feed("\n")
            self._open_line = False
        self.console.feed_line(f"-- hil: {note} --")

    def _lost(self, err: Exception) -> None:
        self._connected.clear()
        self._close_port()
        log.info("console %s lost (%s); reconnecting", self.port, err)
        self._mark(f"serial port {self.port} lost ({err}); reconnecting")
        start = time.monotonic()
        warned = False
        while not self._stop.is_set():
            try:
                self._serial = self._open()
            except (serial.SerialException, OSError):
                if not warned and time.monotonic() - start > self.reconnect_timeout:
                    warned = True
                    log.warning("console %s still missing after %.0f s", self.port,
                                self.reconnect_timeout)
                self._stop.wait(0.1)
                continue
            self.reconnects += 1
            elapsed = time.monotonic() - start
            log.info("step reconnect_console(port=%s) done in %.2f s", self.port, elapsed)
            self._mark(f"serial port {self.port} reconnected after {elapsed:.1f} s")
            self._connected.set()
            return

    # -- writing --------------------------------------------------------------------------

    def write_line(self, line: str) -> None:
        """Type a line; waits for a reconnect in progress, paces long lines in small chunks."""
        if not self._connected.wait(self.reconnect_timeout):
            raise HilError(
                f"console port {self.port} has been gone for {self.reconnect_timeout:g} s: "
                "check the DK's USB cable"
            )
        data = (line + self.line_ending).encode()
        size = self.write_chunk or len(data)
        with self._write_lock:
            try:
                for i in range(0, len(data), size):
                    self._serial.write(data[i : i + size])
                    if self.write_delay and i + size < len(data):
                        time.sleep(self.write_delay)
                self._serial.flush()
            except (serial.SerialException, OSError, AttributeError) as err:
                raise HilError(f"cannot write to console port {self.port}: {err}") from None

    # -- closing --------------------------------------------------------------------------

    def _close_port(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2 * self.read_timeout + 1.0)
            self._thread = None
        self._close_port()
        self._connected.clear()
        if self._open_line:  # keep the last, unterminated line in the log
            self.console.feed("\n")
            self._open_line = False
