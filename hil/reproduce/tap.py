"""What the simulated DK sends and receives, seen at its own sockets.

A server that is not ours cannot show what the DK sent, so the DK's sockets are watched instead:
while a :class:`SocketTap` is active, sockets created in this process record the bytes they send
once connected to the FTP server's control port, and count the bytes they receive on any other
connection to the server's addresses (the data connections).
"""

from __future__ import annotations

import errno
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hil.errors import HilError

PASS_PREFIX = "PASS "
MASK = "******"


class SocketTap:
    """Control-channel bytes sent and data-channel bytes received by connections to a server."""

    def __init__(self, addresses: set[str], control_port: int) -> None:
        self.addresses = addresses
        self.control_port = control_port
        self._lock = threading.Condition()
        self._sent = bytearray()
        self._data_open = 0
        self.data_received = 0
        self.control_connected = False
        self.connect_error: OSError | None = None

    def wait_for_data_end(self, timeout: float) -> bool:
        """Wait until every data connection reached its end (EOF, error or close)."""
        with self._lock:
            return self._lock.wait_for(lambda: self._data_open == 0, timeout)

    def commands(self) -> list[str]:
        """The command lines sent on the control connection, the password masked."""
        with self._lock:
            text = self._sent.decode("utf-8", "replace")
        lines = text.split("\r\n")
        if lines and not lines[-1]:
            lines.pop()
        return [PASS_PREFIX + MASK if ln.startswith(PASS_PREFIX) else ln for ln in lines]

    def _role(self, address: Any) -> str | None:
        if not isinstance(address, tuple) or address[0] not in self.addresses:
            return None
        return "control" if address[1] == self.control_port else "data"

    def _connected(self, role: str | None, error: OSError | None) -> None:
        with self._lock:
            if role == "control":
                if error is None:
                    self.control_connected = True
                else:
                    self.connect_error = error
            elif role == "data" and error is None:
                self._data_open += 1

    def _data_ended(self) -> None:
        with self._lock:
            self._data_open -= 1
            self._lock.notify_all()

    def _sent_bytes(self, data: bytes) -> None:
        with self._lock:
            self._sent += data

    def _received(self, count: int) -> None:
        with self._lock:
            self.data_received += count

    @contextmanager
    def active(self) -> Iterator[SocketTap]:
        """Watch every socket created in this process while the block runs."""
        original = socket.socket
        socket.socket = _tapped_socket_class(self, original)  # type: ignore[misc]
        try:
            yield self
        finally:
            socket.socket = original  # type: ignore[misc]


def _tapped_socket_class(tap: SocketTap, base: type[socket.socket]) -> type[socket.socket]:
    class TappedSocket(base):  # type: ignore[valid-type, misc]
        _tap_role: str | None = None
        _tap_ended = False

        def _end(self) -> None:
            if self._tap_role == "data" and not self._tap_ended:
                self._tap_ended = True
                tap._data_ended()

        def connect(self, address: Any) -> None:
            role = tap._role(address)
            try:
                super().connect(address)
            except OSError as err:
                tap._connected(role, err)
                raise
            self._tap_role = role
            tap._connected(role, None)

        def connect_ex(self, address: Any) -> int:
            role = tap._role(address)
            code = super().connect_ex(address)
            if code == 0:
                self._tap_role = role
            tap._connected(role, None if code == 0 else OSError(code, "connect_ex failed"))
            return code

        def send(self, data: Any, *args: Any) -> int:
            sent = super().send(data, *args)
            if self._tap_role == "control":
                tap._sent_bytes(bytes(memoryview(data)[:sent]))
            return sent

        def sendall(self, data: Any, *args: Any) -> None:
            super().sendall(data, *args)
            if self._tap_role == "control":
                tap._sent_bytes(bytes(data))

        def recv(self, size: int, *args: Any) -> bytes:
            try:
                data = super().recv(size, *args)
            except OSError as err:
                if not isinstance(err, TimeoutError):
                    self._end()
                raise
            if self._tap_role == "data":
                tap._received(len(data))
                if not data:
                    self._end()
            return data

        def recv_into(self, buffer: Any, *args: Any) -> int:
            try:
                count = super().recv_into(buffer, *args)
            except OSError as err:
                if not isinstance(err, TimeoutError):
                    self._end()
                raise
            if self._tap_role == "data":
                tap._received(count)
                if not count:
                    self._end()
            return count

        def close(self) -> None:
            super().close()
            self._end()

    return TappedSocket


def unreachable(error: OSError) -> bool:
    """Nothing answered at that address (refused, no route, no reply), as opposed to a server
    that accepted the connection and then reset or closed it."""
    return isinstance(error, ConnectionRefusedError | TimeoutError) or error.errno in (
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.EADDRNOTAVAIL,
    )


def resolve(host: str, port: int) -> set[str]:
    """The addresses ``host`` stands for (a one-line error when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise HilError(f"cannot resolve FTP host {host!r}: {err.strerror}") from None
    return {info[4][0] for info in infos}
