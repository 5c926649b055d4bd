"""Each FTP fault on the wire, seen by a plain client and by the NCS ftp_client model."""

from __future__ import annotations

import ftplib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import ThrottledDTPHandler

from hil.errors import HilError
from hil.ftp import FtpServer, FtpServerConfig, SessionRecorder, TransferPolicy, scripted
from hil.ftp.faults import (
    Banner,
    DropData,
    FaultFTPHandler,
    FaultLog,
    MissingFile,
    RefuseLogin,
    SplitReply,
    StallData,
    StopServer,
    Throttle,
    Trickle,
    with_faults,
)
from hil.ftp.handler import make_handler
from hil.sim.errno import ETIMEDOUT
from hil.sim.ftp_client import NcsFtpClient
from hil.sim.ftp_client.reply import parse_pasv_port

DATA = bytes(range(256)) * 800  # 204 800 B
AFTER = 70_001

Start = Callable[..., FtpServer]


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    (tmp_path / "app.bin").write_bytes(DATA)
    (tmp_path / "other.bin").write_bytes(b"other")
    servers: list[FtpServer] = []

    def _start(*faults: object, **options: object) -> FtpServer:
        server = FtpServer(FtpServerConfig(tmp_path, faults=faults, **options))  # type: ignore[arg-type]
        servers.append(server.start())
        return server

    yield _start
    for server in servers:
        server.stop()


def login(server: FtpServer) -> ftplib.FTP:
    client = ftplib.FTP(timeout=5)
    client.connect(server.host, server.port)
    client.login(server.user, server.password)
    client.voidcmd("TYPE I")
    return client


def retr(client: ftplib.FTP, path: str = "app.bin") -> tuple[bytes, str]:
    """The bytes received and the final reply (or the error reply text)."""
    chunks = []
    with client.transfercmd(f"RETR {path}") as conn:
        try:
            while data := conn.recv(65536):
                chunks.append(data)
        except ConnectionResetError:
            pass
    try:
        reply = client.voidresp()
    except ftplib.Error as err:
        reply = str(err)
    return b"".join(chunks), reply


@pytest.mark.parametrize("abortive", [False, True])
def test_drop_data(start: Start, abortive: bool) -> None:
    server = start(DropData(AFTER, abortive=abortive))
    with login(server) as client:
        received, reply = retr(client)
        assert reply.startswith("426")
        assert received == DATA[: len(received)]
        assert len(received) == AFTER or (abortive and len(received) <= AFTER)
        again, reply = retr(client)  # the fault fires once per server
    assert again == DATA and reply.startswith("226")
    first = server.recorder.wait_for_transfer()
    assert not first.completed and first.bytes_on_wire == AFTER
    [event] = server.fault_log.events
    assert event.detail == f"after {AFTER} B"


def test_stall_then_resume(start: Start) -> None:
    server = start(StallData(AFTER, seconds=0.3))
    with login(server) as client:
        began = time.monotonic()
        received, reply = retr(client)
    assert received == DATA and reply.startswith("226")
    assert time.monotonic() - began >= 0.3


def test_stall_until_the_data_timeout(start: Start) -> None:
    server = start(StallData(AFTER, data_timeout=0.2))
    with login(server) as client:
        received, reply = retr(client)
        assert received == DATA[:AFTER]
        assert reply == "421 Data connection timed out."
        with pytest.raises((EOFError, OSError)):
            client.voidcmd("NOOP")  # pyftpdlib closes the control connection too


def test_stop_server_mid_transfer(start: Start) -> None:
    server = start(StopServer(AFTER))
    with login(server) as client:
        with client.transfercmd("RETR app.bin") as conn:
            received = b""
            while data := conn.recv(65536):
                received += data
        assert received == DATA[:AFTER]
        with pytest.raises((EOFError, OSError)):
            client.voidresp()
    deadline = time.monotonic() + 2
    while server.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not server.running
    server.stop()
    with pytest.raises(OSError):
        socket.create_connection((server.host, server.port), timeout=1).close()


def test_throttle_wires_pyftpdlib_throttled_handler() -> None:
    """The delay itself is measured end to end in tests/test_faults.py (row "throttle")."""
    base = make_handler(
        authorizer=DummyAuthorizer(), policy=TransferPolicy.CLIENT, recorder=SessionRecorder()
    )
    handler = with_faults(base, (Throttle(32_768),), FaultLog())
    dtp = handler.dtp_handler
    assert issubclass(handler, FaultFTPHandler) and issubclass(handler, base)
    assert issubclass(dtp, ThrottledDTPHandler) and dtp.write_limit == 32_768
    assert not dtp.use_sendfile(object.__new__(dtp))  # every byte passes the throttle


def test_missing_file_only_for_its_path(start: Start) -> None:
    server = start(MissingFile("app.bin"))
    with login(server) as client:
        with pytest.raises(ftplib.error_perm, match="550 No such file"):
            client.sendcmd("RETR app.bin")
        assert retr(client, "other.bin")[0] == b"other"
    assert server.recorder.last_transfer().path == "/other.bin"


def test_refused_login_with_the_right_password(start: Start) -> None:
    server = start(RefuseLogin(), auth_failed_timeout=0.1)
    with ftplib.FTP(timeout=5) as client:
        client.connect(server.host, server.port)
        began = time.monotonic()
        with pytest.raises(ftplib.error_perm, match="530 Authentication failed"):
            client.login(server.user, server.password)
        assert time.monotonic() - began >= 0.1
    assert server.fault_log.fired(RefuseLogin)


def test_split_reply_keeps_the_byte_stream(start: Start) -> None:
    server = start(SplitReply("220", 2, delay=0.1))
    with socket.create_connection((server.host, server.port), timeout=5) as raw:
        assert raw.recv(708) == b"22"  # one recv: what the NCS client parses
        raw.sendall(b"OPTS UTF8 ON\r\n")
        rest = b""
        while not rest.endswith(b"first.\r\n"):
            rest += raw.recv(708)
    assert rest == b"0 FTP-DFU test server ready.\r\n530 Log in with USER and PASS first.\r\n"


def test_long_banner_is_a_two_line_greeting(start: Start) -> None:
    server = start(Banner("x" * 80), SplitReply("220 ", 0))
    with socket.create_connection((server.host, server.port), timeout=5) as raw:
        assert raw.recv(708) == b"220-" + b"x" * 80 + b"\r\n"
        assert raw.recv(708) == b"220 \r\n"


def test_stall_past_the_listen_time_is_426_for_the_ncs_client(start: Start) -> None:
    """The data task's poll times out once and closes the data socket: the server says 426."""
    listen = 0.5
    server = start(StallData(AFTER, seconds=3 * listen))
    received: list[bytes] = []
    client = NcsFtpClient(received.append, listen_time=listen)
    assert client.open(server.host, server.port) == 200
    assert client.login(server.user, server.password) == 230
    assert client.set_type(binary=True) == 200
    assert client.get("app.bin") == 426
    client.close()
    assert client.wait_data_task(50 * listen)
    assert sum(map(len, received)) == AFTER


def test_trickle_sends_everything_slowly(start: Start) -> None:
    server = start(Trickle(len(DATA) // 4, 0.05))
    client = login(server)
    started = time.monotonic()
    data, reply = retr(client)
    assert data == DATA and reply.startswith("226")
    assert time.monotonic() - started >= 3 * 0.05  # four chunks, three pauses at least


def test_ncs_client_gives_up_on_a_slow_but_moving_transfer(start: Start) -> None:
    """FTP_DATA_TIMEOUT_SEC (6 listen times) caps the wait for 226, data flowing or not."""
    listen = 0.5
    server = start(Trickle(708 * 4, 0.5 * listen))  # never silent for a whole listen time
    received: list[bytes] = []
    after_return = threading.Event()
    returned = threading.Event()

    def on_data(chunk: bytes) -> None:
        received.append(chunk)
        if returned.is_set():
            after_return.set()

    client = NcsFtpClient(on_data, listen_time=listen)
    assert client.data_timeout == pytest.approx(6 * listen)
    assert client.open(server.host, server.port) == 200
    assert client.login(server.user, server.password) == 230
    assert client.set_type(binary=True) == 200
    assert client.get("app.bin") == -ETIMEDOUT
    returned.set()
    assert after_return.wait(50 * listen), "the data kept flowing after ftp_get() returned"
    client.close()
    assert client.wait_data_task(50 * listen)
    assert 0 < sum(map(len, received)) < len(DATA)


@pytest.mark.parametrize(
    ("faults", "message"),
    [
        ((DropData(1), StallData(2, seconds=1)), "at most one data-channel fault"),
        ((Throttle(10), Throttle(20)), "at most one Throttle"),
        (("drop",), "not an FTP fault"),
    ],
)
def test_invalid_fault_plans(tmp_path: Path, faults: tuple[object, ...], message: str) -> None:
    with pytest.raises(HilError, match=message):
        FtpServer(FtpServerConfig(tmp_path, faults=faults)).start()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "make",
    [
        lambda: DropData(-1),
        lambda: StallData(10),
        lambda: StallData(10, seconds=0),
        lambda: Throttle(0),
        lambda: SplitReply("", 1),
        lambda: SplitReply("220", 1, occurrence=0),
    ],
)
def test_invalid_faults(make: Callable[[], object]) -> None:
    with pytest.raises(HilError):
        make()


def test_fault_names() -> None:
    names = [
        DropData(5),
        DropData(5, abortive=True),
        StallData(5, seconds=0.5),
        StallData(5, data_timeout=1),
        StopServer(5),
        Throttle(100),
        MissingFile(),
        RefuseLogin(),
        SplitReply("226 ", 2),
        Banner("hi"),
    ]
    assert [str(f) for f in names] == [
        "drop-data@5",
        "reset-data@5",
        "stall-data@5-0.5s",
        "stall-data@5-until-timeout",
        "stop-server@5",
        "throttle-100Bps",
        "missing-file",
        "refuse-login",
        "split-226@2",
        "banner-2",
    ]


def test_scripted_server_answers_each_turn_in_one_write() -> None:
    Turn = scripted.Turn
    turns = [Turn(None, b"22"), Turn("OPTS", b"0 Hi\r\n"), Turn("USER", b"331 ok\r\n")]
    turns += [scripted.PASV, scripted.retr(b"payload")]
    with (
        scripted.ScriptedServer(turns) as server,
        socket.create_connection((server.host, server.port), timeout=5) as raw,
    ):
        assert raw.recv(708) == b"22"
        raw.sendall(b"OPTS UTF8 ON\r\n")
        assert raw.recv(708) == b"0 Hi\r\n"
        raw.sendall(b"PASS secret\r\n")  # USER was scripted: recorded as a mismatch
        assert raw.recv(708) == b"331 ok\r\n"
        raw.sendall(b"PASV\r\n")
        reply = raw.recv(708)
        port = parse_pasv_port(reply)
        assert reply.startswith(b"227 Entering passive mode (127,0,0,1,") and port
        raw.sendall(b"RETR f\r\n")
        with socket.create_connection((server.host, port), timeout=5) as data:
            payload = b""
            while chunk := data.recv(708):
                payload += chunk
        replies = b""
        while not replies.endswith(b"226 Transfer complete.\r\n"):
            replies += raw.recv(708)
        raw.sendall(b"NOOP\r\n")
        assert raw.recv(708) == b"200 NOOP ok.\r\n"
    assert payload == b"payload" and replies.startswith(b"150 ")
    assert server.commands == ["OPTS UTF8 ON", "PASS ******", "PASV", "RETR f", "NOOP"]
    assert server.mismatches == ["'PASS secret' where USER was scripted"]
