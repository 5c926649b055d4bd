"""FTP server: fixture start+stop against pytest-localftpserver; RETR against stock pyftpdlib
(and, for information, raw sendfile), each pair timed back to back in the same run."""

from __future__ import annotations

import ftplib
import os
import random
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

from benchmarks.common import MIB, Row, medians, ms, paired, quiet_pyftpdlib, rate
from hil.ftp.loop import StoppableIOLoop
from hil.ftp.policy import TransferPolicy
from hil.ftp.server import FtpServer, FtpServerConfig
from hil.image.signing import make_test_payload

FILE = "app_update.bin"
TINY = "one_byte.bin"
RETR_FLOOR = 0.8  # x the rate of stock pyftpdlib serving the same file in the same run


def _wait_ready(host: str, port: int) -> None:
    """What a test does first: connect and read the 220 greeting (retry until listening)."""
    deadline = time.monotonic() + 5
    while True:
        try:
            with socket.create_connection((host, port)) as sock:
                sock.recv(512)
                return
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.0002)


def _fixture_overhead(
    start: Callable[[], tuple[str, int]], stop: Callable[[], None], idle: float
) -> float:
    """Start, wait until serving, idle like a test body (not counted), stop: seconds counted."""
    t0 = time.perf_counter()
    _wait_ready(*start())
    t1 = time.perf_counter()
    time.sleep(idle)
    t2 = time.perf_counter()
    stop()
    return t1 - t0 + time.perf_counter() - t2


def _ours(idle: float) -> float:
    root = tempfile.mkdtemp(prefix="bench-ftp-")
    server = FtpServer(FtpServerConfig(root=Path(root)))

    def start() -> tuple[str, int]:
        server.start()
        return server.host, server.port

    def stop() -> None:
        server.stop()
        shutil.rmtree(root)

    return _fixture_overhead(start, stop, idle)


def _localftpserver(idle: float) -> float:
    from pytest_localftpserver.servers import PytestLocalFTPServer

    servers: list[PytestLocalFTPServer] = []

    def start() -> tuple[str, int]:
        servers.append(PytestLocalFTPServer())  # what its `ftpserver` fixture does...
        return "127.0.0.1", servers[0].server_port

    return _fixture_overhead(start, lambda: servers[0].stop(), idle)  # ...and its finalizer


def bench_start_stop(repeat: int) -> list[Row]:
    """Test bodies of random length U(0, 1 s): pyftpdlib's poll(timeout=1) loop in
    pytest-localftpserver notices the stop request only when its poll times out."""
    quiet_pyftpdlib()
    rng = random.Random(42)
    idles = [rng.random() for _ in range(repeat + 1)]  # the same bodies for both, in turn
    mine, others = iter(idles), iter(idles)
    name = "FTP fixture start+ready+stop (idle test body excluded)"
    try:
        import pytest_localftpserver  # noqa: F401
    except ImportError:
        missing = "pytest-localftpserver not installed (pip install -e '.[bench-tools]')"
        (ours,) = medians(lambda: _ours(next(mine)), repeat=repeat)
        return [Row(name, ms(ours), missing, "-", ">= 20x faster", None)]
    result = paired(
        lambda: _ours(next(mine)),
        lambda: _localftpserver(next(others)),
        repeat=repeat,
        clock=time.perf_counter,
    )
    speedup = 1 / result.ratio
    return [
        Row(
            name,
            ms(result.ours),
            f"pytest-localftpserver {ms(result.floors[0])}",
            f"{speedup:.0f}x faster",
            ">= 20x faster",
            speedup >= 20,
        )
    ]


def _recv_all(sock: socket.socket, buf: bytearray) -> int:
    view, got = memoryview(buf), 0
    while n := sock.recv_into(view[got:]):
        got += n
    return got


class _SendfileServer:
    """Raw baseline: accept on loopback, ``os.sendfile`` the whole file, close."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        with open(self.path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            while True:
                try:
                    conn, _ = self.listener.accept()
                except OSError:
                    return
                with conn:
                    offset = 0
                    while offset < size:
                        offset += os.sendfile(conn.fileno(), file.fileno(), offset, size - offset)

    def fetch(self, buf: bytearray) -> int:
        with socket.create_connection(self.listener.getsockname()) as sock:
            return _recv_all(sock, buf)

    def close(self) -> None:
        self.listener.close()


class _StockServer:
    """pyftpdlib's own FTPHandler on the same stoppable loop: the floor for our handler."""

    def __init__(self, root: Path) -> None:
        authorizer = DummyAuthorizer()
        authorizer.add_user("bench", "bench", str(root), perm="elr")
        handler = type("StockHandler", (FTPHandler,), {"authorizer": authorizer})
        self.loop = StoppableIOLoop()
        self.server = FTPServer(("127.0.0.1", 0), handler, ioloop=self.loop)
        host, port = self.server.address
        self.address = (host, port, "bench", "bench")
        self.thread = threading.Thread(target=self.loop.run, daemon=True)

    def __enter__(self) -> _StockServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.wake()
        self.thread.join(5)


def _ftp_fetch(ftp: ftplib.FTP, buf: bytearray, name: str = FILE) -> int:
    with ftp.transfercmd(f"RETR {name}") as conn:
        got = _recv_all(conn, buf)
    ftp.voidresp()
    return got


def bench_retr(repeat: int) -> list[Row]:
    quiet_pyftpdlib()
    data = make_test_payload(MIB, seed=7)
    buf = bytearray(2 * MIB)
    with tempfile.TemporaryDirectory(prefix="bench-retr-") as tmp:
        path = Path(tmp) / FILE
        path.write_bytes(data)
        (Path(tmp) / TINY).write_bytes(b"x")
        raw = _SendfileServer(path)
        config = FtpServerConfig(root=Path(tmp), policy=TransferPolicy.CLIENT)
        with (
            FtpServer(config) as server,
            _StockServer(Path(tmp)) as stock,
            ftplib.FTP() as ftp,
            ftplib.FTP() as stock_ftp,
        ):
            for client, (host, port, user, password) in (
                (ftp, (server.host, server.port, server.user, server.password)),
                (stock_ftp, stock.address),
            ):
                client.connect(host, port)
                client.login(user, password)
                client.voidcmd("TYPE I")
                assert _ftp_fetch(client, buf) == len(data) and buf[: len(data)] == data
            binary = paired(
                lambda: _ftp_fetch(ftp, buf),
                lambda: _ftp_fetch(stock_ftp, buf),
                repeat=repeat,
                clock=time.perf_counter,
            )
            t_bin, t_raw, t_tiny = medians(
                lambda: _ftp_fetch(ftp, buf),
                lambda: raw.fetch(buf),
                lambda: _ftp_fetch(ftp, buf, TINY),
                repeat=max(5, repeat // 4),
            )
            ftp.voidcmd("TYPE A")
            wire = _ftp_fetch(ftp, buf)
            (t_ascii,) = medians(lambda: _ftp_fetch(ftp, buf), repeat=max(5, repeat // 4))
        raw.close()
    speed = 1 / binary.ratio  # of stock pyftpdlib's rate
    return [
        Row(
            "RETR 1 MiB, TYPE I, loopback (ftplib client, incl. PASV/150/226)",
            rate(len(data), binary.ours),
            f"stock pyftpdlib FTPHandler {rate(len(data), binary.floors[0])}",
            f"{speed:.2f}x its rate",
            f">= {RETR_FLOOR:g}x stock pyftpdlib",
            speed >= RETR_FLOOR,
        ),
        Row(
            "RETR 1 MiB, TYPE I, against the wire",
            rate(len(data), t_bin),
            f"raw os.sendfile {rate(len(data), t_raw)}",
            f"{t_raw / t_bin:.2f} of raw",
            "report",
            None,
        ),
        Row(
            "RETR of 1 byte, TYPE I: the protocol's fixed cost",
            ms(t_tiny),
            f"raw 1 MiB copy {ms(t_raw)}",
            f"{t_tiny / t_bin:.0%} of the 1 MiB RETR",
            "report",
            None,
        ),
        Row(
            "RETR 1 MiB, TYPE A (LF->CRLF in Python)",
            rate(len(data), t_ascii),
            f"{wire} B on wire",
            f"{t_ascii / t_bin:.1f}x the binary time",
            "report",
            None,
        ),
    ]
