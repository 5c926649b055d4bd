"""Starting and stopping FTP servers: speed, no leaks, independence, clear errors."""

from __future__ import annotations

import ftplib
import logging
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from hil.errors import HilError
from hil.ftp import FtpServer, FtpServerConfig, TransferPolicy
from hil.ftp.loop import StoppableIOLoop

CYCLES = 50


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def fetch(server: FtpServer, path: str, type_cmd: str | None = None) -> bytes:
    with ftplib.FTP(timeout=5) as client:
        client.connect(server.host, server.port)
        client.login(server.user, server.password)
        if type_cmd:
            client.voidcmd(type_cmd)
        chunks = []
        with client.transfercmd(f"RETR {path}") as conn:
            while data := conn.recv(65536):
                chunks.append(data)
        client.voidresp()
    return b"".join(chunks)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
def test_fast_start_stop_without_leaks(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_bytes(b"a\nb\n")
    config = FtpServerConfig(tmp_path)
    FtpServer(config).start().stop()  # warm up imports and lazy allocations
    threads, fds = len(threading.enumerate()), open_fds()
    for cycle in range(CYCLES):
        server = FtpServer(config)
        server.start()
        client = None
        if cycle % 10 == 0:
            assert fetch(server, "f.txt") == b"a\r\nb\r\n"
            client = socket.create_connection((server.host, server.port))  # left open at stop
            client.recv(100)
        server.stop()
        assert not server.running
        if client is not None:
            assert client.recv(100) == b""
            client.close()
    assert len(threading.enumerate()) == threads
    assert open_fds() == fds


def test_an_idle_server_sleeps_in_poll_until_stop_wakes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No periodic wake-ups: stop() is fast because it wakes the loop, not because the loop
    polls often (the speed itself is a benchmark, ``python -m benchmarks --only ftp``)."""
    timeouts: list[float | None] = []
    real_poll = StoppableIOLoop.poll

    def counted_poll(self: StoppableIOLoop, timeout: float | None) -> None:
        timeouts.append(timeout)
        real_poll(self, timeout)

    monkeypatch.setattr(StoppableIOLoop, "poll", counted_poll)
    server = FtpServer(FtpServerConfig(tmp_path)).start()
    with socket.create_connection((server.host, server.port), timeout=5) as client:
        client.recv(100)  # the loop has served the greeting and is idle again
        time.sleep(0.3)  # a loop that polls with a timeout would go round meanwhile
        idle = list(timeouts)
        server.stop()  # joins the thread: raises if the loop did not wake within 5 s
        assert client.recv(100) == b""
    # only scheduled calls bound a wait: here the session's 300 s idle timeout
    assert idle and len(idle) <= 3 and all(t is None or t >= 60 for t in idle), idle


def test_no_logging_configured(tmp_path: Path) -> None:
    root_handlers = list(logging.getLogger().handlers)
    ftp_handlers = list(logging.getLogger("pyftpdlib").handlers)
    with FtpServer(FtpServerConfig(tmp_path)):
        pass
    assert logging.getLogger().handlers == root_handlers
    assert logging.getLogger("pyftpdlib").handlers == ftp_handlers


def test_no_startup_banner_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pyftpdlib")
    with FtpServer(FtpServerConfig(tmp_path)):
        pass
    assert not [r for r in caplog.records if "starting" in r.getMessage()]


def test_two_servers_are_independent(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for root, text in ((one, b"one\n"), (two, b"two\n")):
        root.mkdir()
        (root / "f.txt").write_bytes(text)
    with (
        FtpServer(FtpServerConfig(one, policy=TransferPolicy.ASCII)) as first,
        FtpServer(FtpServerConfig(two, policy=TransferPolicy.BINARY)) as second,
    ):
        assert first.port != second.port
        assert fetch(first, "f.txt", "TYPE I") == b"one\r\n"
        assert fetch(second, "f.txt") == b"two\n"
        with ftplib.FTP(timeout=5) as client:
            client.connect(first.host, first.port)
            with pytest.raises(ftplib.error_perm, match="530"):
                client.login(second.user, second.password)
        first.stop()
        assert fetch(second, "f.txt") == b"two\n"
        assert len(first.recorder.transfers) == 1
        assert len(second.recorder.transfers) == 2


def test_restart_and_idempotent_stop(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    server = FtpServer(FtpServerConfig(tmp_path))
    server.stop()
    with pytest.raises(HilError, match="not been started"):
        _ = server.port
    server.start()
    with pytest.raises(HilError, match="already running"):
        server.start()
    server.stop()
    server.stop()
    with server:
        assert fetch(server, "f", "TYPE I") == b"x"


def test_missing_root(tmp_path: Path) -> None:
    with pytest.raises(HilError, match=r"FTP root directory .*missing does not exist"):
        FtpServer(FtpServerConfig(tmp_path / "missing")).start()
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(HilError, match="is not a directory"):
        FtpServer(FtpServerConfig(tmp_path / "file")).start()


def test_busy_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(HilError, match=f"FTP port 127.0.0.1:{port} is already in use"):
            FtpServer(FtpServerConfig(tmp_path, port=port)).start()
    with (
        FtpServer(FtpServerConfig(tmp_path)) as running,
        pytest.raises(HilError, match="already in use"),
    ):
        FtpServer(FtpServerConfig(tmp_path, port=running.port)).start()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"passive_ports": range(70000, 70010)}, "invalid FTP passive port range"),
        ({"passive_ports": range(60000, 60000)}, "invalid FTP passive port range"),
        ({"passive_ports": [60000, 60001]}, "invalid FTP passive port range"),
        ({"port": 70000}, "outside 0-65535"),
        ({"advertised_host": "bench.local"}, "not an IPv4 address"),
        ({"policy": "ebcdic"}, "unknown FTP transfer policy"),
        ({"bind_host": "192.0.2.1"}, "cannot listen for FTP on 192.0.2.1:0"),
    ],
)
def test_invalid_config(tmp_path: Path, options: dict[str, object], message: str) -> None:
    with pytest.raises(HilError, match=message) as error:
        FtpServer(FtpServerConfig(tmp_path, **options)).start()  # type: ignore[arg-type]
    assert "\n" not in str(error.value)
