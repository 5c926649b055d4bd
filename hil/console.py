"""A device console: lines from a reader (UART or simulator) that tests wait on with a timeout."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

TAIL_LINES = 20


class ConsoleTimeout(AssertionError):
    """No line matched in time; the message carries the pattern, the last lines and the log."""


class Console:
    """Collects device output line by line and lets a test wait for a pattern.

    Every line is kept (and appended to ``log_path`` when given). ``readlines_until`` reads
    from a cursor, so each call sees only what arrived after what the previous call consumed.
    """

    def __init__(self, name: str = "console", log_path: Path | None = None) -> None:
        self.name = name
        self.log_path = log_path
        self._lines: list[str] = []
        self._partial = ""
        self._cursor = 0
        self._changed = threading.Condition()
        self._log = log_path.open("a", encoding="utf-8") if log_path else None
        self._secrets: set[str] = set()

    def add_secret(self, secret: str) -> None:
        """Mask this text (a password typed into the shell) in every line kept or logged."""
        if secret:
            self._secrets.add(secret)

    def feed(self, text: str) -> None:
        """Add raw output; complete lines become visible, a trailing partial line waits."""
        text = (self._partial + text).replace("\r\n", "\n").replace("\r", "\n")
        *complete, self._partial = text.split("\n")
        for line in complete:
            self.feed_line(line)

    def feed_line(self, line: str) -> None:
        for secret in self._secrets:
            line = line.replace(secret, "******")
        with self._changed:
            self._lines.append(line)
            if self._log:
                self._log.write(line + "\n")
                self._log.flush()
            self._changed.notify_all()

    @property
    def lines(self) -> list[str]:
        with self._changed:
            return list(self._lines)

    def mark(self) -> int:
        """Move the cursor to the end: later reads see only new output. Returns the position."""
        with self._changed:
            self._cursor = len(self._lines)
            return self._cursor

    def readlines_until(self, regex: str | re.Pattern[str], timeout: float) -> list[str]:
        """Lines from the cursor up to and including the first one matching ``regex``."""
        pattern = re.compile(regex)
        deadline = time.monotonic() + timeout
        with self._changed:
            scanned = self._cursor
            while True:
                for index in range(scanned, len(self._lines)):
                    if pattern.search(self._lines[index]):
                        found = self._lines[self._cursor : index + 1]
                        self._cursor = index + 1
                        return found
                scanned = len(self._lines)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ConsoleTimeout(self._timeout_message(pattern, timeout))
                self._changed.wait(remaining)

    def _timeout_message(self, pattern: re.Pattern[str], timeout: float) -> str:
        tail = self._lines[-TAIL_LINES:]
        shown = "\n".join(f"  | {line}" for line in tail) or "  | (no output)"
        where = f"; full log: {self.log_path}" if self.log_path else ""
        return (
            f"{self.name}: no line matched /{pattern.pattern}/ within {timeout:g} s{where}\n"
            f"last {len(tail)} line(s):\n{shown}"
        )

    def close(self) -> None:
        with self._changed:  # a reader thread may be writing a line to the log right now
            log, self._log = self._log, None
        if log:
            log.close()
