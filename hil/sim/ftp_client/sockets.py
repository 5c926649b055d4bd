"""A socket descriptor as the C code uses it: poll, recv, send and close by number.

``close()`` from one thread while another polls wakes the poller, whose ``poll()`` then
reports ``POLLNVAL`` and whose ``recv()`` fails with ``EBADF``, as a closed descriptor does.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading

from hil.sim.ftp_client.errors import EBADF, zephyr_errno

POLLIN = select.POLLIN
POLLHUP = select.POLLHUP
POLLNVAL = select.POLLNVAL


class SocketFd:
    """One connected TCP socket behind a descriptor that may be closed by any thread."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(True)
        self._sock = sock
        self._wake_r, self._wake_w = socket.socketpair()
        self._lock = threading.Lock()
        self.closed = False

    def poll(self, timeout: float) -> int:
        """``poll()`` for POLLIN: 0 on timeout, else the descriptor's revents."""
        with self._lock:
            if self.closed:
                return POLLNVAL
            poller = select.poll()
            poller.register(self._sock.fileno(), POLLIN)
            poller.register(self._wake_r.fileno(), POLLIN)
            wake = self._wake_r.fileno()
        events = dict(poller.poll(max(0, int(timeout * 1000))))
        if self.closed:
            return POLLNVAL
        events.pop(wake, None)
        return next(iter(events.values()), 0)

    def recv(self, size: int) -> int | bytes:
        """``recv()``: the bytes (empty at EOF), or a negative errno."""
        if self.closed:
            return -EBADF
        try:
            return self._sock.recv(size)
        except OSError as error:
            return -EBADF if self.closed else -zephyr_errno(error)

    def send(self, data: bytes) -> int:
        """``send()`` once: the bytes accepted, or a negative errno."""
        if self.closed:
            return -EBADF
        try:
            return self._sock.send(data)
        except OSError as error:
            return -EBADF if self.closed else -zephyr_errno(error)

    def close(self) -> int:
        """``close()``: 0, or -EBADF when already closed."""
        with self._lock:
            if self.closed:
                return -EBADF
            self.closed = True
            with contextlib.suppress(OSError):
                self._wake_w.send(b"\0")
            self._sock.close()
            self._wake_w.close()
        return 0

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._wake_r.close()
            self._wake_w.close()
            self._sock.close()


def connect(family: int, address: tuple, timeout: float) -> SocketFd | int:
    """``socket()`` + blocking ``connect()``: the descriptor, or a negative errno."""
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.settimeout(timeout)
    try:
        sock.connect(address)
    except OSError as error:
        sock.close()
        return -zephyr_errno(error)
    return SocketFd(sock)
