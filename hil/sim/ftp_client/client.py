"""The NCS v2.6.0 ftp_client library (subsys/net/lib/ftp_client/src/ftp_client.c), path by path.

Every call returns what the C function returns: an FTP code or a negative Zephyr errno.
Line numbers below are of that file.

* A reply is one ``poll(LISTEN_TIME)`` + one ``recv(708)`` (l.268-315), parsed by
  :func:`~hil.sim.ftp_client.reply.parse_return_code`; the buffer is handed to the control
  callback first. A poll timeout is ``-ETIMEDOUT``, POLLHUP ``901 Disconnected(-104)`` and
  ``-ECONNRESET``, a peer's FIN a ``recv`` of 0, returned as 0 (``-errno`` with errno 0).
* ``get()``: PASV, RETR whatever the PASV reply held, then the data task on the work queue
  (l.319-359: ``poll(LISTEN_TIME)`` + ``recv(708)`` into the data callback; the first poll
  timeout closes the data socket). The control side reads while replies are 1xx or poll times
  out, up to ``DATA_TIMEOUT`` in LISTEN_TIME steps (l.361-390). Only after a 226 does it wait
  for the data task; on any other end it returns while the task runs on.
* ``close()``: QUIT (and one reply) only after a successful login, then 221 (l.554-569).
* Keep-alive (l.411-436): a timer started at login, first expiry after 1 s then every
  KEEPALIVE_TIME; an expiry with no control or data activity since the previous one sends NOOP
  from the work queue and reads its reply without posting it.

Timeouts default to the real ones; pass a shorter ``listen_time`` and, unless given, the data
timeout, keep-alive period, first keep-alive tick and connect timeout keep their real ratios.
"""

from __future__ import annotations

import logging
import math
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from hil.sim.errno import EINVAL, EIO, ETIMEDOUT
from hil.sim.ftp_client import reply
from hil.sim.ftp_client.errors import (
    EAGAIN,
    EBADF,
    ECONNABORTED,
    ECONNRESET,
    EHOSTUNREACH,
    ENETDOWN,
)
from hil.sim.ftp_client.sockets import POLLHUP, POLLIN, POLLNVAL, SocketFd, connect
from hil.sim.ftp_client.workqueue import PeriodicTimer, WorkQueue

log = logging.getLogger("hil.sim")

MAX_BUFFER = 708  # FTP_MAX_BUFFER_SIZE
LISTEN_TIME = 10.0  # CONFIG_FTP_CLIENT_LISTEN_TIME (s), every poll()
DATA_TIMEOUT = 60.0  # FTP_DATA_TIMEOUT_SEC
KEEPALIVE_TIME = 60.0  # CONFIG_FTP_CLIENT_KEEPALIVE_TIME (s), the timer's period
KEEPALIVE_DELAY = 1.0  # k_timer_start(&keepalive_timer, K_SECONDS(1), ...)
CONNECT_TIMEOUT = 3.0  # Zephyr CONFIG_NET_SOCKETS_CONNECT_TIMEOUT (ms 3000)

_PROPRIETARY = {
    901: "901 Disconnected({}).\r\n",
    902: "902 Connection aborted({}).\r\n",
    903: "903 Poll error({}).\r\n",
    904: "904 Unexpected poll event({}).\r\n",
    905: "905 Network down ({}).\r\n",
}
_UNKNOWN = "900 Unknown error(-8).\r\n"  # -ENOEXEC
OVERFLOW_WARNING = (
    "ftp_client: a reply of exactly 708 bytes; the real client writes ctrl_buf[708], one byte"
    " past its buffer (ftp_client.c l.307)"
)


@dataclass(frozen=True)
class ClientDefects:
    """The real client's two defects, shown on request.

    ``ctrl_buf_overflow``: warn on each 708-byte reply (l.307 writes one byte past ctrl_buf).
    ``pasv_port_race``: the data task parses the port from ``ctrl_buf`` (pointer stored l.756,
    parsed l.105) after the next control reply overwrote it, as free-running threads can;
    without it the task parses before, as Zephyr's scheduling does.
    """

    ctrl_buf_overflow: bool = False
    pasv_port_race: bool = False


class NcsFtpClient:
    """One ftp_client instance (``ftp_init`` with these callbacks)."""

    def __init__(
        self,
        data_callback: Callable[[bytes], None],
        ctrl_callback: Callable[[str], None] = lambda text: None,
        listen_time: float = LISTEN_TIME,
        *,
        data_timeout: float | None = None,
        keepalive_time: float | None = None,
        keepalive_delay: float | None = None,
        connect_timeout: float | None = None,
        defects: ClientDefects = ClientDefects(),
    ) -> None:
        scale = listen_time / LISTEN_TIME

        def scaled(value: float | None, real: float) -> float:
            return real * scale if value is None else value

        self.data_callback = data_callback
        self.ctrl_callback = ctrl_callback
        self.listen_time = listen_time
        self.data_timeout = scaled(data_timeout, DATA_TIMEOUT)
        self.keepalive_time = scaled(keepalive_time, KEEPALIVE_TIME)
        self.keepalive_delay = scaled(keepalive_delay, KEEPALIVE_DELAY)
        self.connect_timeout = scaled(connect_timeout, CONNECT_TIMEOUT)
        self.defects = defects
        self.sent: list[str] = []
        """Every command line sent, oldest first (PASS masked)."""
        self.overflows = 0
        """708-byte replies seen (each one a one-byte overflow on the device)."""
        self._cmd: SocketFd | None = None  # INVALID_SOCKET is None
        self._data: SocketFd | None = None
        self._remote: tuple[int, tuple] | None = None
        self._connected = False
        self._powered = True
        self._ctrl_buf = b""
        self._inactivity = False
        self._data_done = threading.Event()
        self._data_done.set()
        self._ctrl_read = threading.Event()
        self._pasv_msg = b""
        self._queue = WorkQueue("ftp_client work_q")
        self._keepalive = PeriodicTimer("ftp_client keepalive", self._keepalive_expiry)

    # -- the library's internals ----------------------------------------------------------

    def _close_connection(self, code: int, error: int) -> None:
        """l.170-206: post a 90x message, close the data and control sockets."""
        if 900 < code < 1000:  # FTP_PROPRIETARY (ftp_client.h l.230)
            text = _PROPRIETARY[code].format(error) if code in _PROPRIETARY else _UNKNOWN
            self._ctrl_buf = text.encode()
            self._post_ctrl(text)
        if self._data is not None:
            self._data.close()
        if self._cmd is not None:
            self._cmd.close()
            self._cmd = None
            self._data = None
            self._connected = False
            self._keepalive.stop()  # its next expiry would find no socket and stop it

    def _send_ctrl(self, line: str) -> int:
        """do_ftp_send_ctrl (l.210-234)."""
        message = (line + "\r\n").encode()
        self.sent.append("PASS ******" if line.startswith("PASS ") else line)
        ret = 0
        offset = 0
        while offset < len(message):
            if self._cmd is None:
                ret = -EBADF  # send() on INVALID_SOCKET
                break
            sent = self._cmd.send(message[offset:])
            if sent < 0:
                ret = sent
                break
            offset += sent
        if ret == -ENETDOWN:
            self._close_connection(905, ret)
        self._inactivity = False
        return ret

    def _recv_ctrl(self, post_result: bool, success_code: int) -> int:
        """do_ftp_recv_ctrl (l.268-315)."""
        try:
            return self._recv_ctrl_once(post_result, success_code)
        finally:
            self._ctrl_read.set()

    def _recv_ctrl_once(self, post_result: bool, success_code: int) -> int:
        cmd = self._cmd
        if cmd is None:  # poll() skips a negative descriptor: a plain timeout
            threading.Event().wait(self.listen_time)
            return -ETIMEDOUT
        revents = cmd.poll(self.listen_time)
        if revents == 0:
            return -ETIMEDOUT
        if revents & POLLHUP:
            self._close_connection(901, -ECONNRESET)
            return -ECONNRESET
        if revents & POLLNVAL:
            self._close_connection(902, -ECONNABORTED)
            return -ECONNABORTED
        if not revents & POLLIN:
            self._close_connection(904, -EAGAIN)
            return -EAGAIN
        data = cmd.recv(MAX_BUFFER)
        if isinstance(data, int):
            return data
        if not data:
            return 0  # recv() == 0 leaves errno 0: "return -errno" gives 0
        if len(data) == MAX_BUFFER:
            self.overflows += 1
            if self.defects.ctrl_buf_overflow:
                log.warning(OVERFLOW_WARNING)
        self._ctrl_buf = data
        if post_result:
            self._post_ctrl(data.decode("utf-8", "replace"))
        self._inactivity = False
        return reply.parse_return_code(data, success_code)

    def _data_task(self) -> None:
        """data_task (l.392-402) for a receive: do_ftp_recv_data, then not running."""
        try:
            if self.defects.pasv_port_race:
                self._ctrl_read.wait(self.data_timeout)
                self._pasv_msg = self._ctrl_buf
            self._recv_data(self._pasv_msg)
        finally:
            self._data_done.set()

    def _recv_data(self, pasv_msg: bytes) -> None:
        """do_ftp_recv_data (l.319-359): any failure ends the task silently."""
        port = reply.parse_pasv_port(pasv_msg)
        if port is None or self._remote is None:
            return
        family, address = self._remote
        data = connect(family, (address[0], port, *address[2:]), self.connect_timeout)
        if isinstance(data, int):
            return
        self._data = data
        if not self._powered:  # powered off while connecting
            data.close()
            return
        while True:
            revents = data.poll(self.listen_time)
            if revents == 0 or not revents & POLLIN:
                break
            chunk = data.recv(MAX_BUFFER)
            if isinstance(chunk, int) or not chunk or not self._powered:
                break
            self.data_callback(chunk)
        data.close()
        self._inactivity = False

    def _poll_data_task_done(self) -> int:
        """poll_data_task_done (l.361-390)."""
        max_timeouts = math.ceil(self.data_timeout / self.listen_time - 1e-9)
        timeouts = 0
        while True:
            ret = self._recv_ctrl(True, 226)
            if ret == -ETIMEDOUT:
                timeouts += 1
                if timeouts >= max_timeouts:
                    break
            if not (100 <= ret < 200 or ret == -ETIMEDOUT):
                break
        if ret == 226:
            remaining = self.data_timeout - timeouts * self.listen_time
            if not self._data_done.wait(max(0.0, remaining)):
                ret = -ETIMEDOUT
        return ret

    def _post_ctrl(self, text: str) -> None:
        if self._powered:
            self.ctrl_callback(text)

    def _keepalive_expiry(self) -> bool:
        """keepalive_timeout (l.429-436)."""
        if self._cmd is None:
            return False
        self._queue.submit(self._keepalive_work)
        return True

    def _keepalive_work(self) -> None:
        """keepalive_handler (l.411-423)."""
        if self._inactivity:
            if self._send_ctrl("NOOP") == 0:
                self._recv_ctrl(False, 200)
        else:
            self._inactivity = True

    # -- the API ------------------------------------------------------------------------

    def open(self, host: str, port: int) -> int:
        """ftp_open (l.438-518): 200 once a ``220 `` greeting came, whatever OPTS got."""
        if self._connected:
            return -EINVAL
        try:
            infos = socket.getaddrinfo(host, None)
        except (socket.gaierror, UnicodeError):
            return -EHOSTUNREACH
        family, *_, address = infos[0]
        remote = (address[0], port, *address[2:])
        self._remote = (family, remote)  # client.remote: the resolved address (l.454-458)
        cmd = connect(family, remote, self.connect_timeout)
        if isinstance(cmd, int):
            return cmd
        self._cmd = cmd
        ret = self._recv_ctrl(True, 220)
        if ret != 220:
            cmd.close()  # the descriptor stays in client.cmd_sock
            return ret
        self._ctrl_buf = b"OPTS UTF8 ON\r\n"
        ret = self._send_ctrl("OPTS UTF8 ON")
        if ret:
            cmd.close()
            return ret
        self._recv_ctrl(True, reply.CODE_ANY)
        return 200

    def login(self, user: str, password: str) -> int:
        """ftp_login (l.520-552): USER, PASS only after 331; 230 starts the keep-alive."""
        self._ctrl_buf = f"USER {user}\r\n".encode()
        ret = self._send_ctrl(f"USER {user}")
        if ret:
            return ret
        ret = self._recv_ctrl(True, 331)
        if ret == 331:
            self._ctrl_buf = f"PASS {password}\r\n".encode()
            ret = self._send_ctrl(f"PASS {password}")
            if ret:
                return ret
            ret = self._recv_ctrl(True, 230)
        if ret != 230:
            return ret
        self._connected = True
        if self.keepalive_time > 0:
            self._keepalive.start(self.keepalive_delay, self.keepalive_time)
        return ret

    def set_type(self, binary: bool) -> int:
        """ftp_type (l.598-614): TYPE I or TYPE A, expecting 200."""
        ret = self._send_ctrl("TYPE I" if binary else "TYPE A")
        return self._recv_ctrl(True, 200) if ret == 0 else ret

    def get(self, path: str) -> int:
        """ftp_get (l.742-767): 226 after the data task ended, else returns at once."""
        if self._send_ctrl("PASV"):
            return -EIO
        ret = self._recv_ctrl(True, 227)
        if ret != 227:
            return ret
        self._pasv_msg = self._ctrl_buf
        if self._send_ctrl(f"RETR {path}"):
            return -EIO
        self._data_done.clear()
        self._ctrl_read.clear()
        self._queue.submit(self._data_task)
        return self._poll_data_task_done()

    def close(self) -> int:
        """ftp_close (l.554-569): QUIT only when logged in; 221 unless QUIT could not go."""
        if self._connected:
            ret = self._send_ctrl("QUIT")
            if ret:
                return ret
            self._recv_ctrl(True, 221)
        self._close_connection(200, 0)
        return 221

    def power_off(self) -> None:
        """The device's CPU stopped: both sockets close without a word (no QUIT), the keep-alive
        timer stops, and no callback is made from here on (one in progress may finish)."""
        self._powered = False
        self._connected = False
        self._keepalive.stop()
        for fd in (self._data, self._cmd):
            if fd is not None:
                fd.close()

    def wait_data_task(self, timeout: float | None = None) -> bool:
        """Block until the data task (and any queued work) has ended: for tests."""
        return self._data_done.wait(timeout) and self._queue.wait_idle(timeout)
