"""500 FTP server start/stop cycles, with and without faults and clients: nothing leaks."""

from __future__ import annotations

import ftplib
import os
import socket
import threading
from pathlib import Path

import pytest

from hil.ftp import FtpServer, FtpServerConfig
from hil.ftp.faults import DropData, SplitReply, StallData, StopServer, Throttle

CYCLES = 500
FD_DIR = Path("/proc/self/fd")
DATA = bytes(range(256)) * 400  # 102 400 B: more than the socket buffers hold at once


def open_fds() -> set[str]:
    return set(os.listdir(FD_DIR))


def server_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("ftp-server-")]


def stalled_client(server: FtpServer) -> tuple[ftplib.FTP, socket.socket]:
    """A logged-in client whose RETR is stuck in the middle (the server stalls for good)."""
    client = ftplib.FTP(timeout=5)
    client.connect(server.host, server.port)
    client.login(server.user, server.password)
    client.voidcmd("TYPE I")
    conn = client.transfercmd("RETR f.bin")
    assert conn.recv(100)
    return client, conn


def drain(sock: socket.socket) -> None:
    """Read until the peer closes: proves the server closed its side."""
    sock.settimeout(5)
    while sock.recv(65536):
        pass


FAULTS = [
    (),
    (StallData(50_000, data_timeout=60),),
    (DropData(1000, abortive=True), SplitReply("220", 2)),
    (StopServer(2000), Throttle(1_000_000)),
]


@pytest.mark.skipif(not FD_DIR.is_dir(), reason="needs /proc/self/fd")
def test_start_stop_cycles_leak_no_thread_and_no_fd(tmp_path: Path) -> None:
    (tmp_path / "f.bin").write_bytes(DATA)
    FtpServer(FtpServerConfig(tmp_path)).start().stop()  # warm up lazy imports and allocations
    threads, fds = set(threading.enumerate()), open_fds()
    for cycle in range(CYCLES):
        faults = FAULTS[cycle % len(FAULTS)]
        server = FtpServer(FtpServerConfig(tmp_path, faults=faults)).start()
        if cycle % 50 == 1:
            client, conn = stalled_client(server)  # left open across the stop
            server.stop()
            drain(conn)
            with pytest.raises((EOFError, OSError)):
                client.voidresp()
            conn.close()
            client.close()
        else:
            server.stop()
        assert not server.running
    assert set(threading.enumerate()) == threads
    assert server_threads() == []
    assert open_fds() == fds


@pytest.mark.skipif(not FD_DIR.is_dir(), reason="needs /proc/self/fd")
def test_a_server_that_stops_itself_releases_everything(tmp_path: Path) -> None:
    (tmp_path / "f.bin").write_bytes(DATA)
    threads, fds = set(threading.enumerate()), open_fds()
    for _ in range(20):
        server = FtpServer(FtpServerConfig(tmp_path, faults=(StopServer(5000),))).start()
        client, conn = stalled_client(server)
        drain(conn)
        server.stop()  # joins the thread that already ended
        conn.close()
        client.close()
    assert set(threading.enumerate()) == threads
    assert open_fds() == fds
