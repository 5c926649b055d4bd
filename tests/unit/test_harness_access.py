"""The FTP fixture refuses what it must, with and without faults injected.

Extends tests/unit/test_ftp_server.py (plain traversal, STOR/APPE/DELE/MKD/RNFR, anonymous,
one wrong password): more traversal forms, every write command, users and passwords that are
almost right, repeated failures, commands before login.
"""

from __future__ import annotations

import ftplib
import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hil.ftp import FtpServer, FtpServerConfig
from hil.ftp.faults import DropData, MissingFile, SplitReply, Throttle

SECRET = b"outside the FTP root"
FAULTS = {
    "clean": (),
    "faulty": (DropData(3), Throttle(1_000_000), SplitReply("257", 3), MissingFile("none.bin")),
}

Start = Callable[..., FtpServer]


def tree(root: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every path under ``root`` (symlinks not followed) with its mode and file contents."""
    result: dict[str, tuple[int, bytes | None]] = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        data = path.read_bytes() if path.is_file() and not path.is_symlink() else None
        result[str(path.relative_to(root))] = (st.st_mode, data)
    return result


@pytest.fixture
def jail(tmp_path: Path) -> Path:
    """An FTP root with a file, a subdirectory and symlinks to a file and a dir outside it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    (tmp_path / "secret.txt").write_bytes(SECRET)
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "app.bin").write_bytes(b"image")
    (root / "sub" / "inner.bin").write_bytes(b"inner")
    (root / "file-link").symlink_to(outside / "secret.txt")
    (root / "dir-link").symlink_to(outside)
    return root


@pytest.fixture(params=list(FAULTS), ids=list(FAULTS))
def start(request: pytest.FixtureRequest, jail: Path) -> Iterator[Start]:
    servers: list[FtpServer] = []

    def _start(**options: object) -> FtpServer:
        config = FtpServerConfig(jail, faults=FAULTS[request.param], **options)  # type: ignore[arg-type]
        servers.append(FtpServer(config).start())
        return servers[-1]

    yield _start
    for server in servers:
        server.stop()


def connect(server: FtpServer) -> ftplib.FTP:
    client = ftplib.FTP(timeout=5)
    client.connect(server.host, server.port)
    return client


def login(server: FtpServer) -> ftplib.FTP:
    client = connect(server)
    client.login(server.user, server.password)
    return client


TRAVERSAL = [
    "../secret.txt",
    "../../secret.txt",
    "sub/../../secret.txt",
    "/../../outside/secret.txt",
    "....//secret.txt",
    "..\\secret.txt",
    "..%2fsecret.txt",
    "~/secret.txt",
    "file-link",
    "dir-link/secret.txt",
    str(Path("/etc/passwd")),
]


@pytest.mark.parametrize("path", TRAVERSAL)
def test_no_read_outside_the_root(start: Start, path: str) -> None:
    server = start()
    with login(server) as client:
        for command in (f"RETR {path}", f"SIZE {path}", f"MDTM {path}", f"MLST {path}"):
            with pytest.raises(ftplib.error_perm, match=r"^550"):
                client.sendcmd(command)
    assert server.recorder.transfers == []


def test_listings_and_cwd_stay_inside(start: Start) -> None:
    server = start()
    with login(server) as client:
        for target in ("..", "/..", "../..", "sub/../.."):
            client.cwd(target)
            assert client.pwd() == "/"
        for target in ("dir-link", "../outside"):
            with pytest.raises(ftplib.error_perm, match=r"^550"):
                client.cwd(target)
        assert sorted(client.nlst("..")) == sorted(client.nlst("/"))
        assert "secret.txt" not in client.nlst("..")
        with pytest.raises(ftplib.error_perm, match=r"^550"):
            client.nlst("dir-link")
        client.cwd("sub")
        assert client.pwd() == "/sub"


WRITES = [
    "STOR new.bin",
    "STOR ../escaped.bin",
    "STOU",
    "APPE app.bin",
    "STOR sub/inner.bin",
]
COMMANDS = [
    "DELE app.bin",
    "DELE sub/inner.bin",
    "DELE ../secret.txt",
    "RMD sub",
    "MKD ../made",
    "MKD made",
    "RNFR app.bin",
    "SITE CHMOD 777 app.bin",
    "MFMT 20200101000000 app.bin",
]


def test_every_write_is_refused(start: Start, jail: Path) -> None:
    before, outside = tree(jail), tree(jail.parent / "outside")
    server = start()
    with login(server) as client:
        client.voidcmd("TYPE I")
        for command in WRITES:
            with pytest.raises(ftplib.error_perm, match=r"^550"):
                client.storbinary(command, io.BytesIO(b"payload"))
        client.sendcmd("REST 2")
        with pytest.raises(ftplib.error_perm, match=r"^550"):
            client.storbinary("STOR app.bin", io.BytesIO(b"payload"))
        for command in COMMANDS:
            with pytest.raises(ftplib.error_perm, match=r"^5"):
                client.sendcmd(command)
        with pytest.raises(ftplib.error_perm, match=r"^5"):
            client.sendcmd("RNTO renamed.bin")
    assert tree(jail) == before
    assert tree(jail.parent / "outside") == outside
    assert not (jail.parent / "escaped.bin").exists()


@pytest.mark.parametrize(
    "credentials",
    [("anonymous", ""), ("ftp", "guest@example.com"), ("ANONYMOUS", "guest@")],
)
def test_anonymous_variants_refused(start: Start, credentials: tuple[str, str]) -> None:
    server = start()
    with connect(server) as client, pytest.raises(ftplib.error_perm, match=r"^530"):
        client.login(*credentials)


def test_almost_right_credentials_refused(start: Start) -> None:
    server = start(user="dfu", password="Right-Pass-1", auth_failed_timeout=0.0)
    near_misses = [
        ("dfu", "right-pass-1"),
        ("dfu", "Right-Pass-"),
        ("dfu", "Right-Pass-12"),
        ("dfu", "Right-Pass-1 "),
        ("dfu", ""),
        ("DFU", "Right-Pass-1"),
        ("dfu ", "Right-Pass-1"),
        ("anonymous", "Right-Pass-1"),
    ]
    for user, password in near_misses:
        with connect(server) as client, pytest.raises(ftplib.error_perm, match=r"^530"):
            client.login(user, password)
    with login(server) as client:
        assert client.pwd() == "/"


def test_repeated_failures_disconnect(start: Start) -> None:
    server = start(auth_failed_timeout=0.0)
    with connect(server) as client:
        for attempt in range(3):
            client.sendcmd(f"USER {server.user}")
            with pytest.raises(ftplib.error_perm, match=r"^530") as error:
                client.sendcmd(f"PASS wrong{attempt}")
        assert "Disconnecting" in str(error.value)
        with pytest.raises((EOFError, OSError)):
            client.sendcmd("NOOP")
    with login(server):
        pass


@pytest.mark.parametrize("command", ["RETR app.bin", "PASV", "LIST", "CWD sub", "SIZE app.bin"])
def test_nothing_before_login(start: Start, command: str) -> None:
    server = start()
    with connect(server) as client:
        with pytest.raises(ftplib.error_perm, match=r"^530"):
            client.sendcmd(command)
        client.sendcmd(f"USER {server.user}")
        with pytest.raises(ftplib.error_perm, match=r"^530"):
            client.sendcmd(command)  # USER alone is not a login
    assert server.recorder.transfers == []


def test_home_is_the_root_not_the_process_cwd(start: Start, jail: Path) -> None:
    assert Path.cwd() != jail
    server = start()
    with login(server) as client:
        assert sorted(client.nlst()) == sorted(os.listdir(jail))
