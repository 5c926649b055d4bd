"""Faults the FTP fixture injects, through pyftpdlib's handler hooks (subclasses, no patching).

Data-channel faults (one per server) fire once, at a byte offset of the first RETR that
reaches it; listings are never hit: :class:`DropData`, :class:`StallData`, :class:`StopServer`.
:class:`Throttle` slows every transfer (pyftpdlib's ``ThrottledDTPHandler``), :class:`Trickle`
sends a little at a steady pace. Control-channel
faults: :class:`MissingFile`, :class:`RefuseLogin`, :class:`SplitReply`, :class:`Banner`.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
from dataclasses import dataclass
from typing import Any

from pyftpdlib.handlers import ThrottledDTPHandler

from hil.errors import HilError
from hil.ftp.handler import PolicyDTPHandler, PolicyFTPHandler

log = logging.getLogger(__name__)

SEGMENT_GAP = 0.02  # seconds between segments released after a split reply
RESET_DELAY = 0.1  # seconds from the last byte to the RST: the client's connect() has returned


@dataclass(frozen=True)
class DropData:
    """Close the data connection after ``after`` bytes; the control channel then says 426.

    ``abortive`` closes with a TCP RST (SO_LINGER 0) instead of a FIN, ``RESET_DELAY`` after
    the last byte.
    """

    after: int
    abortive: bool = False

    def __post_init__(self) -> None:
        _check_offset(self.after)

    def __str__(self) -> str:
        return f"{'reset' if self.abortive else 'drop'}-data@{self.after}"


@dataclass(frozen=True)
class StallData:
    """Stop sending after ``after`` bytes, for ``seconds`` (then resume) or for good.

    A stall for good ends when the server's data timeout (``data_timeout`` seconds, pyftpdlib's
    ``DTPHandler.timeout``) closes the data connection and answers 421.
    """

    after: int
    seconds: float | None = None
    data_timeout: float | None = None

    def __post_init__(self) -> None:
        _check_offset(self.after)
        if self.seconds is None and self.data_timeout is None:
            raise HilError("StallData needs seconds (to resume) or data_timeout (to end it)")
        for value in (self.seconds, self.data_timeout):
            if value is not None and value <= 0:
                raise HilError(f"StallData times must be positive, got {value}")

    def __str__(self) -> str:
        how = f"{self.seconds:g}s" if self.seconds is not None else "until-timeout"
        return f"stall-data@{self.after}-{how}"


@dataclass(frozen=True)
class StopServer:
    """Stop the whole server after ``after`` data bytes: every socket closes at once."""

    after: int

    def __post_init__(self) -> None:
        _check_offset(self.after)

    def __str__(self) -> str:
        return f"stop-server@{self.after}"


@dataclass(frozen=True)
class Throttle:
    """Send at most ``bytes_per_second`` on every data connection."""

    bytes_per_second: int

    def __post_init__(self) -> None:
        if self.bytes_per_second <= 0:
            raise HilError(f"Throttle needs a positive rate, got {self.bytes_per_second}")

    def __str__(self) -> str:
        return f"throttle-{self.bytes_per_second}Bps"


@dataclass(frozen=True)
class Trickle:
    """Send at most ``chunk`` bytes every ``interval`` seconds on every RETR: slow, never silent."""

    chunk: int
    interval: float

    def __post_init__(self) -> None:
        if self.chunk <= 0 or self.interval <= 0:
            raise HilError(f"Trickle needs a positive chunk and interval, got {self!r}")

    def __str__(self) -> str:
        return f"trickle-{self.chunk}B-every-{self.interval:g}s"


@dataclass(frozen=True)
class MissingFile:
    """Answer RETR of ``path`` (any path when None) with 550, as if the file had gone."""

    path: str | None = None

    def matches(self, ftp_path: str) -> bool:
        return self.path is None or ftp_path == "/" + self.path.lstrip("/")

    def __str__(self) -> str:
        return "missing-file"


@dataclass(frozen=True)
class RefuseLogin:
    """Answer every PASS with 530 after the server's usual delay, right password or not."""

    def __str__(self) -> str:
        return "refuse-login"


@dataclass(frozen=True)
class SplitReply:
    """Send the ``occurrence``-th control write starting with ``prefix`` in two TCP segments.

    The first ``at`` bytes go at once, the rest ``delay`` seconds later; later replies queue
    behind it, so the byte stream itself is unchanged.
    """

    prefix: str
    at: int
    delay: float = 0.1
    occurrence: int = 1

    def __post_init__(self) -> None:
        if not self.prefix or self.at < 0 or self.delay < 0 or self.occurrence < 1:
            raise HilError(f"invalid SplitReply {self!r}")

    def __str__(self) -> str:
        return f"split-{self.prefix.strip()}@{self.at}"


@dataclass(frozen=True)
class Banner:
    """Greet with ``text``; over 75 characters pyftpdlib sends a two-line 220 reply."""

    text: str

    def __str__(self) -> str:
        return f"banner-{len(self.text)}"


FtpFault = (
    DropData
    | StallData
    | StopServer
    | Throttle
    | Trickle
    | MissingFile
    | RefuseLogin
    | SplitReply
    | Banner
)
DataFault = DropData | StallData | StopServer
_SINGLE = (Throttle, Trickle, Banner, RefuseLogin)


def _check_offset(after: int) -> None:
    if after < 0:
        raise HilError(f"a fault byte offset must not be negative, got {after}")


def validate_faults(faults: tuple[FtpFault, ...]) -> None:
    """At most one data fault, and at most one of each of Throttle, Trickle, Banner, RefuseLogin."""
    for fault in faults:
        if not isinstance(fault, FtpFault):
            raise HilError(f"not an FTP fault: {fault!r}")
    if sum(isinstance(f, DataFault | Trickle) for f in faults) > 1:
        raise HilError("at most one data-channel fault (drop, stall, stop, trickle) per server")
    for kind in _SINGLE:
        if sum(isinstance(f, kind) for f in faults) > 1:
            raise HilError(f"at most one {kind.__name__} fault per server")


@dataclass(frozen=True)
class FaultEvent:
    """A fault that fired: which, in which session, and what it did."""

    fault: FtpFault
    session: int
    detail: str


class FaultLog:
    """Thread-safe record of the faults that fired, so a test knows it tested something."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[FaultEvent] = []

    def record(self, fault: FtpFault, session: int, detail: str) -> None:
        log.debug("FTP fault %s fired in session %d: %s", fault, session, detail)
        with self._lock:
            self._events.append(FaultEvent(fault, session, detail))

    @property
    def events(self) -> list[FaultEvent]:
        with self._lock:
            return list(self._events)

    def fired(self, kind: type | None = None) -> bool:
        """Whether any fault (of ``kind``) fired."""
        return any(kind is None or isinstance(e.fault, kind) for e in self.events)


class FaultDTPHandler(PolicyDTPHandler, ThrottledDTPHandler):
    """A data channel that fires its server's data fault and honours its throttle.

    Every byte goes through ``send()`` (no sendfile), which is where the faults sit.
    """

    data_fault: DataFault | None = None
    trickle: Trickle | None = None
    fault_log: FaultLog

    def __init__(self, sock: Any, cmd_channel: Any) -> None:
        fault = self.data_fault
        self._armed = fault is not None and not self.fault_log.fired(type(fault))
        super().__init__(sock, cmd_channel)

    def use_sendfile(self) -> bool:
        return False

    def send(self, data: bytes) -> int:
        trickle = self.trickle
        if trickle is not None and self.cmd_channel.transfer_command == "RETR":
            sent = self._send_fault_checked(data[: trickle.chunk])
            if not self._closed:
                self.modify_ioloop_events(0)
                self.ioloop.call_later(trickle.interval, self._resume, _errback=self.handle_error)
            return sent
        return self._send_fault_checked(data)

    def _send_fault_checked(self, data: bytes) -> int:
        fault = self.data_fault
        if not self._armed or fault is None or self.cmd_channel.transfer_command != "RETR":
            return super().send(data)
        room = fault.after - self.tot_bytes_sent
        sent = super().send(data[:room]) if room > 0 else 0
        if self.tot_bytes_sent >= fault.after:
            self._fire(fault)
        return sent

    def _fire(self, fault: DataFault) -> None:
        self._armed = False
        self.modify_ioloop_events(0)  # paused: no write events (errors still close it)
        session = self.cmd_channel.session_id
        self.fault_log.record(fault, session, f"after {self.tot_bytes_sent} B")
        match fault:
            case DropData():
                delay = RESET_DELAY if fault.abortive else 0
                errback = self.handle_error
                self.ioloop.call_later(delay, self._drop, fault.abortive, _errback=errback)
            case StallData(seconds=float() | int() as seconds):
                self.ioloop.call_later(seconds, self._resume, _errback=self.handle_error)
            case StopServer():
                self.ioloop.call_later(0, self._stop_server, _errback=self.handle_error)

    def _drop(self, abortive: bool) -> None:
        if self._closed:
            return
        if abortive:
            with contextlib.suppress(OSError):
                self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.handle_close()  # data left in the producer: pyftpdlib answers 426

    def _resume(self) -> None:
        if not self._closed:
            self.modify_ioloop_events(self.ioloop.WRITE)

    def _stop_server(self) -> None:
        wake = getattr(self.ioloop, "wake", None)
        if wake is not None:
            wake()
        else:
            self.ioloop.close()


class FaultFTPHandler(PolicyFTPHandler):
    """A control channel that refuses logins, hides files or splits replies as configured."""

    faults: tuple[FtpFault, ...] = ()
    fault_log: FaultLog

    def __init__(self, conn: Any, server: Any, ioloop: Any = None) -> None:
        self.transfer_command: str | None = None
        self._held: list[str] | None = None
        self._prefix_counts: dict[str, int] = {}
        super().__init__(conn, server, ioloop=ioloop)
        with contextlib.suppress(OSError, AttributeError):
            self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _first(self, kind: type) -> Any:
        return next((f for f in self.faults if isinstance(f, kind)), None)

    def ftp_PASS(self, line: str) -> None:
        fault = self._first(RefuseLogin)
        if fault is None or self.authenticated or not self.username:
            super().ftp_PASS(line)
            return
        self.fault_log.record(fault, self.session_id, f"refused USER {self.username}")
        self.handle_auth_failed("", line)

    def ftp_RETR(self, file: str) -> str | None:
        ftp_path = self.fs.fs2ftp(file)
        for fault in self.faults:
            if isinstance(fault, MissingFile) and fault.matches(ftp_path):
                self.fault_log.record(fault, self.session_id, f"550 for {ftp_path}")
                self.respond("550 No such file or directory.")
                return None
        return super().ftp_RETR(file)

    def push_dtp_data(
        self, data: Any, isproducer: bool = False, file: Any = None, cmd: str | None = None
    ) -> None:
        self.transfer_command = cmd  # data faults hit RETR only, never a listing
        super().push_dtp_data(data, isproducer=isproducer, file=file, cmd=cmd)

    def push(self, data: str) -> None:
        if self._held is not None:
            self._held.append(data)
            return
        split = self._split_for(data)
        if split is None:
            super().push(data)
            return
        head, tail = data[: split.at], data[split.at :]
        self.fault_log.record(split, self.session_id, f"{head!r} then {tail!r}")
        if head:
            super().push(head)
        self._held = [tail]
        self.ioloop.call_later(split.delay, self._release, _errback=self.handle_error)

    def _split_for(self, data: str) -> SplitReply | None:
        for fault in self.faults:
            if isinstance(fault, SplitReply) and data.startswith(fault.prefix):
                seen = self._prefix_counts.get(fault.prefix, 0) + 1
                self._prefix_counts[fault.prefix] = seen
                if seen == fault.occurrence:
                    return fault
        return None

    def _release(self) -> None:
        """Send the held tail, then each reply queued behind it in a segment of its own."""
        held = self._held or []
        if not held or not self.connected or self._closed:
            self._held = None
            return
        super().push(held.pop(0))
        if held:
            self.ioloop.call_later(SEGMENT_GAP, self._release, _errback=self.handle_error)
        else:
            self._held = None


def with_faults(
    handler: type[PolicyFTPHandler], faults: tuple[FtpFault, ...], fault_log: FaultLog
) -> type[PolicyFTPHandler]:
    """``handler`` (one server's class) with ``faults`` wired into its control and data channel."""
    validate_faults(faults)
    data_fault = next((f for f in faults if isinstance(f, DataFault)), None)
    throttle = next((f for f in faults if isinstance(f, Throttle)), None)
    banner = next((f for f in faults if isinstance(f, Banner)), None)
    trickle = next((f for f in faults if isinstance(f, Trickle)), None)
    dtp_attributes: dict[str, Any] = {
        "data_fault": data_fault,
        "trickle": trickle,
        "fault_log": fault_log,
    }
    if throttle is not None:
        dtp_attributes["write_limit"] = throttle.bytes_per_second
    if isinstance(data_fault, StallData) and data_fault.data_timeout is not None:
        dtp_attributes["timeout"] = data_fault.data_timeout
    dtp = type("ServerFaultDTPHandler", (FaultDTPHandler,), dtp_attributes)
    attributes: dict[str, Any] = {"faults": faults, "fault_log": fault_log, "dtp_handler": dtp}
    if banner is not None:
        attributes["banner"] = banner.text
    return type("ServerFaultFTPHandler", (FaultFTPHandler, handler), attributes)
