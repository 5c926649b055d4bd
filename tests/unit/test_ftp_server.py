"""The FTP server end to end over loopback: policy and TYPE, recording, access control."""

from __future__ import annotations

import ftplib
import io
import os
import random
import socket
import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pyftpdlib.handlers import FTPHandler

from hil.ftp import FtpServer, FtpServerConfig, TransferPolicy, wire_bytes

CHUNK = 65536
IMAGE = (
    b"\n"
    + random.Random(1).randbytes(CHUNK - 2)
    + b"\r"  # quirk: LF first, chunk ends in CR
    + b"B" * CHUNK  # next chunk ends in B ...
    + b"\nC"
    + random.Random(2).randbytes(20_000)  # ... so this LF gets a CR
)

Start = Callable[..., FtpServer]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    served = tmp_path / "srv"
    served.mkdir()
    (served / "app.bin").write_bytes(IMAGE)
    return served


@pytest.fixture
def start(root: Path) -> Iterator[Start]:
    servers: list[FtpServer] = []

    def _start(**options: object) -> FtpServer:
        options.setdefault("root", root)
        server = FtpServer(FtpServerConfig(**options)).start()  # type: ignore[arg-type]
        servers.append(server)
        return server

    yield _start
    for server in servers:
        server.stop()


def login(server: FtpServer) -> ftplib.FTP:
    client = ftplib.FTP(timeout=5)
    client.connect(server.host, server.port)
    client.login(server.user, server.password)
    return client


def retr(client: ftplib.FTP, path: str, type_cmd: str | None = None) -> bytes:
    """RETR with a raw data loop; ``type_cmd`` None sends no TYPE at all."""
    if type_cmd:
        client.voidcmd(type_cmd)
    chunks = []
    with client.transfercmd(f"RETR {path}") as conn:
        while data := conn.recv(65536):
            chunks.append(data)
    client.voidresp()
    return b"".join(chunks)


def fetch(server: FtpServer, path: str = "app.bin", type_cmd: str | None = None) -> bytes:
    with login(server) as client:
        return retr(client, path, type_cmd)


@pytest.mark.parametrize(
    ("policy", "type_cmd", "client_type", "transfer_type"),
    [
        (TransferPolicy.CLIENT, None, "a", "a"),
        (TransferPolicy.CLIENT, "TYPE A", "a", "a"),
        (TransferPolicy.CLIENT, "TYPE I", "i", "i"),
        (TransferPolicy.ASCII, None, "a", "a"),
        (TransferPolicy.ASCII, "TYPE I", "i", "a"),
        (TransferPolicy.BINARY, None, "a", "i"),
        (TransferPolicy.BINARY, "TYPE A", "a", "i"),
    ],
)
def test_policy_and_client_type(
    start: Start, policy: TransferPolicy, type_cmd: str | None, client_type: str, transfer_type: str
) -> None:
    server = start(policy=policy)
    received = fetch(server, type_cmd=type_cmd)
    assert received == wire_bytes(IMAGE, transfer_type)
    assert (received == IMAGE) == (transfer_type == "i")
    record = server.recorder.wait_for_transfer(timeout=5)
    assert record.path == "/app.bin"
    assert (record.client_type, record.transfer_type) == (client_type, transfer_type)
    assert record.type_commands == ((type_cmd,) if type_cmd else ())
    assert (record.file_size, record.bytes_on_wire) == (len(IMAGE), len(received))
    assert record.completed


def test_ascii_on_a_crlf_host(start: Start, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "linesep", "\r\n")
    received = fetch(start())
    assert received == wire_bytes(IMAGE, "a") != IMAGE


@pytest.mark.skipif(not hasattr(os, "sendfile"), reason="no sendfile on this host")
@pytest.mark.parametrize(
    ("policy", "type_cmd", "uses_sendfile"),
    [
        (TransferPolicy.CLIENT, "TYPE I", True),
        (TransferPolicy.CLIENT, None, False),
        (TransferPolicy.ASCII, "TYPE I", False),
        (TransferPolicy.BINARY, None, True),
    ],
)
def test_sendfile_only_when_binary(
    start: Start,
    monkeypatch: pytest.MonkeyPatch,
    policy: TransferPolicy,
    type_cmd: str | None,
    uses_sendfile: bool,
) -> None:
    calls = []
    real_sendfile = os.sendfile

    def counting_sendfile(*args: int) -> int:
        calls.append(args)
        return real_sendfile(*args)

    monkeypatch.setattr(os, "sendfile", counting_sendfile)
    fetch(start(policy=policy), type_cmd=type_cmd)
    assert bool(calls) == uses_sendfile


def test_session_record(start: Start) -> None:
    server = start()
    with socket.create_connection((server.host, server.port), timeout=5) as raw:
        raw.recv(708)
        raw.sendall(b"OPTS UTF8 ON\r\n")
        assert raw.recv(708).startswith(b"530")
    with login(server) as client:
        retr(client, "app.bin", "TYPE I")
        retr(client, "app.bin", "TYPE A")
    server.recorder.wait_for_transfer(count=2)
    commands = server.recorder.commands
    assert commands[0].line == "OPTS UTF8 ON" and commands[0].session == 1
    lines = [c.line for c in commands if c.session == 2]
    assert lines[:2] == [f"USER {server.user}", "PASS ******"]
    assert "RETR app.bin" in lines
    assert server.recorder.type_commands() == ["TYPE I", "TYPE A"]
    first, second = server.recorder.transfers
    assert first.type_commands == ("TYPE I",) and first.transfer_type == "i"
    assert second.type_commands == ("TYPE I", "TYPE A") and second.transfer_type == "a"
    log = "\n".join(server.recorder.lines())
    assert server.password not in log and "PASS ******" in log


def test_aborted_transfer_is_incomplete(start: Start, root: Path) -> None:
    (root / "big.bin").write_bytes(bytes(32 * 1024 * 1024))
    server = start()
    with login(server) as client:
        conn = client.transfercmd("RETR big.bin")
        assert conn.recv(1000)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
        with pytest.raises(ftplib.error_temp, match="426"):
            client.voidresp()
    record = server.recorder.wait_for_transfer(timeout=5)
    assert not record.completed
    assert 0 < record.bytes_on_wire < record.file_size
    assert any("INCOMPLETE" in line for line in server.recorder.lines())


def test_read_only_and_jailed(start: Start, root: Path) -> None:
    (root.parent / "secret.txt").write_text("outside")
    (root / "escape").symlink_to(root.parent / "secret.txt")
    server = start()
    with login(server) as client:
        for command in ("STOR new.bin", "APPE app.bin"):
            with pytest.raises(ftplib.error_perm, match="550"):
                client.storbinary(command, io.BytesIO(b"x"))
        for command in ("DELE app.bin", "MKD d", "RNFR app.bin"):
            with pytest.raises(ftplib.error_perm, match="550"):
                client.sendcmd(command)
        for path in ("../secret.txt", "/../secret.txt", "escape"):
            with pytest.raises(ftplib.error_perm, match="550"):
                client.sendcmd(f"RETR {path}")
        client.cwd("..")
        assert client.pwd() == "/"
        assert client.nlst() == ["app.bin", "escape"]
    assert not (root / "new.bin").exists()
    assert server.recorder.transfers == []


@pytest.mark.parametrize("credentials", [("anonymous", "guest@"), ("", "")])
def test_anonymous_refused(start: Start, credentials: tuple[str, str]) -> None:
    server = start()
    with ftplib.FTP(timeout=5) as client:
        client.connect(server.host, server.port)
        with pytest.raises(ftplib.error_perm, match="530"):
            client.login(*credentials)


def test_wrong_password_refused_quickly(start: Start) -> None:
    server = start(user="dfu", password="right")
    assert (server.user, server.password) == ("dfu", "right")
    with ftplib.FTP(timeout=5) as client:
        client.connect(server.host, server.port)
        started = time.monotonic()
        with pytest.raises(ftplib.error_perm, match="530"):
            client.login("dfu", "wrong")
        # configured 0.2 s, not pyftpdlib's 3 s (the margin absorbs a loaded machine)
        assert time.monotonic() - started < FTPHandler.auth_failed_timeout
    with login(server):
        pass


def test_banner_is_one_short_line(start: Start) -> None:
    server = start()
    with socket.create_connection((server.host, server.port), timeout=5) as raw:
        greeting = raw.recv(708)
    assert greeting.startswith(b"220 ") and greeting.endswith(b"\r\n")
    assert greeting.count(b"\r\n") == 1 and len(greeting) < 80


def test_random_credentials_and_url(start: Start) -> None:
    first, second = start(), start()
    assert first.user != second.user and first.password != second.password
    assert first.url("app.bin") == f"ftp://{first.user}@127.0.0.1:{first.port}/app.bin"
    assert first.password not in first.url("app.bin")
    assert first.url() == f"ftp://{first.user}@127.0.0.1:{first.port}/"


def test_passive_ports_and_advertised_host(start: Start) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        data_port = probe.getsockname()[1]
    server = start(passive_ports=range(data_port, data_port + 1), advertised_host="10.1.2.3")
    assert server.host == "10.1.2.3"
    with ftplib.FTP(timeout=5) as client:
        client.connect("127.0.0.1", server.port)
        client.login(server.user, server.password)
        reply = client.sendcmd("PASV")
    assert f"(10,1,2,3,{data_port // 256},{data_port % 256})" in reply


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback")
def test_ipv6(start: Start) -> None:
    server = start(bind_host="::1", policy=TransferPolicy.BINARY)
    assert server.host == "::1"
    assert server.url("app.bin") == f"ftp://{server.user}@[::1]:{server.port}/app.bin"
    assert fetch(server) == IMAGE
