"""A scripted FTP server on raw sockets: exactly these bytes, in these writes, at these turns.

Each :class:`Turn` waits for the client's next command (or the connection, for the first) and
answers with one ``send()``. A client that reads one reply per command, as the NCS ftp_client
does, therefore sees each turn's bytes in one ``recv()``, whatever the load: a reply split over
two turns stays split, a multi-line reply stays whole. Commands after the script get stock
answers (NOOP 200, QUIT 221, others 502). Loopback only.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

from hil.errors import HilError

USER, PASSWORD = "user", "secret"
JOIN_TIMEOUT = 5.0
STOCK = {"NOOP": b"200 NOOP ok.\r\n", "QUIT": b"221 Goodbye.\r\n"}


@dataclass(frozen=True)
class Turn:
    """One step: after command ``on`` (None: on connect), send ``reply`` in one write.

    ``{pasv}`` in the reply becomes ``(h1,h2,h3,h4,p1,p2)`` of a fresh data listener. With
    ``data`` (a RETR turn) the server then accepts the data connection, sends ``data``, closes
    it and sends ``after``, or ``missed`` when no data connection came within the server's
    ``data_wait``. ``close`` ends the control connection after the turn: "fin" or
    "rst" (SO_LINGER 0).
    """

    on: str | None
    reply: bytes = b""
    data: bytes | None = None
    after: bytes = b""
    missed: bytes = b"425 Can't open data connection.\r\n"
    close: str | None = None


GREETING = Turn(None, b"220 Scripted server ready.\r\n")
OPTS = Turn("OPTS", b"530 Log in with USER and PASS first.\r\n")
USER_OK = Turn("USER", b"331 Username ok, send password.\r\n")
PASS_OK = Turn("PASS", b"230 Login successful.\r\n")
TYPE_I = Turn("TYPE", b"200 Type set to: Binary.\r\n")
PASV = Turn("PASV", b"227 Entering passive mode {pasv}.\r\n")
PRELIMINARY = b"150 File status okay. About to open data connection.\r\n"
COMPLETE = b"226 Transfer complete.\r\n"


def retr(data: bytes, after: bytes = COMPLETE, reply: bytes = PRELIMINARY) -> Turn:
    """A RETR turn: 150, the data, then ``after`` (226 by default)."""
    return Turn("RETR", reply, data=data, after=after)


def conversation(data: bytes, binary: bool = True) -> list[Turn]:
    """The whole well-behaved session the NCS client has, in turns."""
    turns = [GREETING, OPTS, USER_OK, PASS_OK]
    return [*turns, *([TYPE_I] if binary else []), PASV, retr(data)]


@dataclass
class ScriptedServer:
    """Serves ``turns`` to every connection, one connection at a time, on 127.0.0.1."""

    turns: list[Turn]
    host: str = "127.0.0.1"
    user: str = USER
    password: str = PASSWORD
    passive_ports: range | None = None
    """Ports for data listeners (a bench firewall's range); any free port when None."""
    data_wait: float = JOIN_TIMEOUT
    """Seconds a RETR turn waits for the data connection before sending ``after`` anyway."""
    commands: list[str] = field(default_factory=list, init=False)
    """Every command line received (PASS masked), oldest first."""
    times: list[float] = field(default_factory=list, init=False)
    """``time.monotonic()`` at each received command."""
    mismatches: list[str] = field(default_factory=list, init=False)
    """Commands that came when the script expected another."""

    def __post_init__(self) -> None:
        self._listener = socket.create_server((self.host, 0))
        self._port = int(self._listener.getsockname()[1])
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self._data_listener: socket.socket | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._thread = threading.Thread(target=self._serve, name="ftp-scripted", daemon=True)

    @property
    def port(self) -> int:
        return self._port

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the listener and every connection; idempotent."""
        if self._stop.is_set():
            return
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        if self._thread.is_alive():
            self._thread.join(JOIN_TIMEOUT)

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def wait_for_commands(self, count: int, timeout: float) -> list[str]:
        """Block until ``count`` commands have come; the list (HilError on timeout)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.commands) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HilError(f"scripted server got {self.commands}, expected {count}")
                self._changed.wait(left)
            return list(self.commands)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._conns.append(conn)
            with contextlib.suppress(OSError), conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._session(conn)

    def _session(self, conn: socket.socket) -> None:
        lines = _lines(conn)
        for turn in self.turns:
            if turn.on is not None:
                line = next(lines, None)
                if line is None:
                    return
                self._record(line, turn.on)
            if self._play(conn, turn):
                return
        for line in lines:
            self._record(line, None)
            conn.sendall(STOCK.get(line.split(" ")[0].upper(), b"502 Not scripted.\r\n"))

    def _record(self, line: str, expected: str | None) -> None:
        word = line.split(" ")[0].upper()
        with self._changed:
            self.commands.append("PASS ******" if word == "PASS" else line)
            self.times.append(time.monotonic())
            if expected is not None and word != expected:
                self.mismatches.append(f"{line!r} where {expected} was scripted")
            self._changed.notify_all()

    def _play(self, conn: socket.socket, turn: Turn) -> bool:
        """Send one turn; True when it closed the connection."""
        reply = turn.reply
        if b"{pasv}" in reply:
            listener = self._data_server()
            self._data_listener = listener
            port = listener.getsockname()[1]
            local = conn.getsockname()[0]
            address = local.replace(".", ",") if ":" not in local else "0,0,0,0"
            reply = reply.replace(b"{pasv}", f"({address},{port >> 8},{port & 0xFF})".encode())
        if reply:
            conn.sendall(reply)
        if turn.data is not None:
            after = turn.after if self._send_data(turn.data) else turn.missed
            if after:
                conn.sendall(after)
        if turn.close is not None:
            if turn.close == "rst":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
            return True
        return False

    def _data_server(self) -> socket.socket:
        for port in self.passive_ports or (0,):
            try:
                return socket.create_server((self.host, port))
            except OSError:
                continue
        raise HilError(f"no free port for a data connection in {self.passive_ports}")

    def _send_data(self, data: bytes) -> bool:
        """Serve ``data`` on the PASV listener; False when no client connected in time."""
        listener, self._data_listener = self._data_listener, None
        if listener is None:
            return False
        listener.settimeout(self.data_wait)
        with listener:
            try:
                data_conn, _ = listener.accept()
            except OSError:
                return False
            with contextlib.suppress(OSError), data_conn:
                data_conn.sendall(data)
        return True


def _lines(conn: socket.socket):  # type: ignore[no-untyped-def]
    """The command lines a connection sends, without CR LF, until it closes."""
    buffer = b""
    while True:
        while b"\r\n" not in buffer:
            chunk = conn.recv(4096)
            if not chunk:
                return
            buffer += chunk
        line, buffer = buffer.split(b"\r\n", 1)
        yield line.decode("utf-8", "replace")
