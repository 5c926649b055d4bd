"""The NCS v2.6.0 ftp_client library as the server sees it on the wire.

What it does (subsys/net/lib/ftp_client/src/ftp_client.c): one ``recv()`` of at most 708 bytes
per reply; ``OPTS UTF8 ON`` right after the greeting, reply ignored; ``USER``/``PASS``; ``TYPE``
only when the app calls ``ftp_type()``; ``PASV`` whose address is ignored (the data connection
goes to the control connection's peer); ``RETR``; data in ``recv(708)`` chunks handed raw to the
app's callback; then the 226 reply; ``QUIT``.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hil.sim.errno import ECONNREFUSED, EINVAL, EIO, ETIMEDOUT

MAX_BUFFER = 708  # FTP_MAX_BUFFER_SIZE
LISTEN_TIME = 10.0  # CONFIG_FTP_CLIENT_LISTEN_TIME, seconds per poll()
DATA_TIMEOUT = 60.0  # FTP_DATA_TIMEOUT_SEC

CODE_RE = re.compile(r"^(\d{3})[ -]", re.MULTILINE)
PASV_PORT_RE = re.compile(r"(\d+),(\d+)\)[^)]*$")


def _reply_code(reply: str, expected: int) -> int:
    """The code of a reply buffer: the expected one if any line carries it, else the last."""
    codes = [int(code) for code in CODE_RE.findall(reply)]
    if not codes:
        return 0
    return expected if expected in codes else codes[-1]


@dataclass
class NcsFtpClient:
    """One ftp_client session; every call returns the FTP code or a negative errno."""

    data_callback: Callable[[bytes], None]
    ctrl_callback: Callable[[str], None] = lambda reply: None
    listen_time: float = LISTEN_TIME
    _ctrl: socket.socket | None = field(default=None, init=False)
    _logged_in: bool = field(default=False, init=False)

    def _send(self, command: str) -> int:
        assert self._ctrl is not None
        try:
            self._ctrl.sendall(command.encode() + b"\r\n")
        except OSError:
            return -EIO
        return 0

    def _recv_reply(self, expected: int) -> int:
        """One recv() on the control socket, reported to the app, its code parsed."""
        assert self._ctrl is not None
        try:
            self._ctrl.settimeout(self.listen_time)
            raw = self._ctrl.recv(MAX_BUFFER)
        except TimeoutError:
            return -ETIMEDOUT
        except OSError:
            return -EIO
        if not raw:
            self.ctrl_callback("901 Disconnected.")
            return -EIO
        reply = raw.decode("utf-8", "replace")
        self.ctrl_callback(reply)
        return _reply_code(reply, expected)

    def open(self, host: str, port: int) -> int:
        """ftp_open(): connect, read the 220 greeting, send OPTS UTF8 ON (reply ignored)."""
        if self._logged_in:
            return -EINVAL
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror:
            return -EINVAL
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        sock.settimeout(self.listen_time)
        try:
            sock.connect(address)
        except OSError:
            sock.close()
            return -ECONNREFUSED
        self._ctrl = sock
        code = self._recv_reply(220)
        if code != 220:
            self._close_socket()
            return code if code < 0 else -EIO
        if self._send("OPTS UTF8 ON") == 0:
            self._recv_reply(200)
        return 200

    def login(self, user: str, password: str) -> int:
        """ftp_login(): USER, then PASS only after a 331."""
        if self._ctrl is None:
            return -EINVAL
        self._send(f"USER {user}")
        code = self._recv_reply(331)
        if code != 331:
            return code
        self._send(f"PASS {password}")
        code = self._recv_reply(230)
        self._logged_in = code == 230
        return code

    def set_type(self, binary: bool) -> int:
        """ftp_type(): TYPE I or TYPE A."""
        if self._ctrl is None:
            return -EINVAL
        self._send("TYPE I" if binary else "TYPE A")
        return self._recv_reply(200)

    def get(self, path: str) -> int:
        """ftp_get(): PASV, RETR, data to the callback until EOF, then wait for 226."""
        if self._ctrl is None:
            return -EINVAL
        self._send("PASV")
        reply_code = self._recv_pasv()
        if isinstance(reply_code, int):
            return reply_code
        data_port = reply_code[1]
        peer = self._ctrl.getpeername()[0]
        self._send(f"RETR {path}")
        try:
            data = socket.create_connection((peer, data_port), timeout=self.listen_time)
        except OSError:
            return -ECONNREFUSED
        task = _DataTask(data, self)
        task.start()
        code = self._wait_for_completion()
        if code != 226:
            task.abort()
        task.join(DATA_TIMEOUT)
        return code  # v2.6.0 reports the control reply even when the data task failed

    def _recv_pasv(self) -> int | tuple[int, int]:
        assert self._ctrl is not None
        try:
            self._ctrl.settimeout(self.listen_time)
            raw = self._ctrl.recv(MAX_BUFFER)
        except OSError:
            return -EIO
        reply = raw.decode("utf-8", "replace")
        self.ctrl_callback(reply)
        code = _reply_code(reply, 227)
        if code != 227:
            return code or -EIO
        match = PASV_PORT_RE.search(reply.strip())
        if not match:
            return -EINVAL
        return 227, int(match[1]) * 256 + int(match[2])

    def _wait_for_completion(self) -> int:
        """Read control replies while they are preliminary (1xx), up to the data timeout."""
        deadline = time.monotonic() + DATA_TIMEOUT
        while True:
            code = self._recv_reply(226)
            if code == -ETIMEDOUT and time.monotonic() < deadline:
                continue
            if 100 <= code < 200:
                continue
            return code

    def close(self) -> int:
        """ftp_close(): QUIT and one reply only after a successful login, then close."""
        if self._ctrl is None:
            return 0
        code = 0
        if self._logged_in and self._send("QUIT") == 0:
            code = self._recv_reply(221)
        self._close_socket()
        return code

    def _close_socket(self) -> None:
        if self._ctrl is not None:
            self._ctrl.close()
            self._ctrl = None
        self._logged_in = False


class _DataTask(threading.Thread):
    """The library's work-queue job: recv(708) on the data socket into the app's callback."""

    def __init__(self, sock: socket.socket, client: NcsFtpClient) -> None:
        super().__init__(name="ftp_client data", daemon=True)
        self.sock = sock
        self.client = client
        self.rc = 0

    def run(self) -> None:
        deadline = time.monotonic() + DATA_TIMEOUT
        self.sock.settimeout(self.client.listen_time)
        try:
            while True:
                try:
                    chunk = self.sock.recv(MAX_BUFFER)
                except TimeoutError:
                    if time.monotonic() > deadline:
                        self.rc = -ETIMEDOUT
                        return
                    continue
                except OSError:
                    self.rc = -EIO
                    return
                if not chunk:
                    return
                self.client.data_callback(chunk)
        finally:
            self.sock.close()

    def abort(self) -> None:
        """The control channel failed the transfer: stop waiting for data."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
