"""A thread-safe record of what FTP clients sent and what the server transferred."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass

from hil.errors import HilError
from hil.ftp.policy import TYPE_NAMES

MASK = "******"


@dataclass(frozen=True)
class CommandRecord:
    """One command line as the server received it (a PASS argument is masked)."""

    session: int
    line: str
    command: str
    argument: str


@dataclass(frozen=True)
class TransferRecord:
    """One RETR: the types involved, the file size and what went on the wire."""

    session: int
    path: str
    """The file's path in the served tree, e.g. ``/app_update.bin``."""
    client_type: str
    """The TYPE in force for the client at the RETR: "a" (the default) or "i"."""
    transfer_type: str
    """The type the server used after applying its policy: "a" or "i"."""
    type_commands: tuple[str, ...]
    """The TYPE lines the client sent in this session before this RETR."""
    file_size: int
    bytes_on_wire: int
    completed: bool


class SessionRecorder:
    """Collects commands and transfers from every session of one server."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._events: list[CommandRecord | TransferRecord] = []
        self._session_ids = itertools.count(1)

    def new_session(self) -> int:
        """A fresh session number (1, 2, ...)."""
        with self._changed:
            return next(self._session_ids)

    def add_command(self, session: int, line: str, command: str, argument: str) -> CommandRecord:
        """Record a received command line; PASS arguments are masked here."""
        if command == "PASS":
            line, argument = f"PASS {MASK}", MASK
        record = CommandRecord(session, line, command, argument)
        self._append(record)
        return record

    def add_transfer(self, record: TransferRecord) -> None:
        """Record a finished (completed or aborted) transfer."""
        self._append(record)

    def _append(self, record: CommandRecord | TransferRecord) -> None:
        with self._changed:
            self._events.append(record)
            self._changed.notify_all()

    def clear(self) -> None:
        """Forget everything recorded so far (session numbers keep counting)."""
        with self._changed:
            self._events.clear()

    @property
    def commands(self) -> list[CommandRecord]:
        """Every command line received, oldest first."""
        with self._changed:
            return [e for e in self._events if isinstance(e, CommandRecord)]

    @property
    def transfers(self) -> list[TransferRecord]:
        """Every RETR that reached its data connection, oldest first."""
        with self._changed:
            return [e for e in self._events if isinstance(e, TransferRecord)]

    def type_commands(self, session: int | None = None) -> list[str]:
        """The TYPE lines received, from every session or from one."""
        return [
            c.line
            for c in self.commands
            if c.command == "TYPE" and (session is None or c.session == session)
        ]

    def last_transfer(self) -> TransferRecord | None:
        """The most recent transfer, if any."""
        transfers = self.transfers
        return transfers[-1] if transfers else None

    def wait_for_transfer(self, timeout: float = 5.0, count: int = 1) -> TransferRecord:
        """Block until ``count`` transfers are recorded and return the ``count``-th one.

        The server logs a transfer just after sending its 226 reply, so a client that has seen
        226 may need to wait a moment for the record.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                transfers = [e for e in self._events if isinstance(e, TransferRecord)]
                if len(transfers) >= count:
                    return transfers[count - 1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise HilError(
                        f"FTP server recorded {len(transfers)} transfer(s) within {timeout:g} s,"
                        f" expected {count}"
                    )
                self._changed.wait(remaining)

    def lines(self) -> list[str]:
        """A human-readable log, one line per command or transfer (passwords masked)."""
        with self._changed:
            events = list(self._events)
        return [_describe(e) for e in events]


def _describe(event: CommandRecord | TransferRecord) -> str:
    if isinstance(event, CommandRecord):
        return f"[{event.session}] <- {event.line}"
    status = "complete" if event.completed else "INCOMPLETE"
    sent = ", ".join(event.type_commands) or "no TYPE"
    return (
        f"[{event.session}] RETR {event.path}: {TYPE_NAMES[event.transfer_type]} transfer"
        f" (client {TYPE_NAMES[event.client_type]}, sent {sent}),"
        f" {event.file_size} B file, {event.bytes_on_wire} B on the wire, {status}"
    )
