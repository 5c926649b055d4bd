"""The NCS ftp_client model against a real pyftpdlib server: what goes on the wire."""

import random

import pytest

from hil.ftp.ascii import wire_bytes
from hil.ftp.server import FtpServer, FtpServerConfig
from hil.sim.ftp_client import MAX_BUFFER, NcsFtpClient
from hil.sim.ftp_client.reply import parse_pasv_port, parse_return_code


@pytest.fixture
def served(tmp_path):
    rng = random.Random(7)
    data = bytes(rng.getrandbits(8) for _ in range(70_000))
    assert b"\n" in data
    (tmp_path / "app_update.bin").write_bytes(data)
    return tmp_path, data


def fetch(server: FtpServer, binary: bool | None) -> tuple[list[bytes], list[str], int]:
    chunks: list[bytes] = []
    replies: list[str] = []
    client = NcsFtpClient(chunks.append, replies.append)
    assert client.open("127.0.0.1", server.port) == 200
    assert client.login(server.user, server.password) == 230
    if binary is not None:
        assert client.set_type(binary) == 200
    rc = client.get("app_update.bin")
    assert client.close() == 221
    return chunks, replies, rc


@pytest.mark.parametrize(
    ("binary", "type_lines", "transfer_type"),
    [(None, [], "a"), (False, ["TYPE A"], "a"), (True, ["TYPE I"], "i")],
)
def test_wire_sequence_and_data(served, binary, type_lines, transfer_type):
    root, data = served
    # The PASV reply advertises 127.0.0.2, where nothing listens: the NCS client ignores the
    # address and connects to the control connection's peer, so the transfer still works.
    with FtpServer(FtpServerConfig(root=root, advertised_host="127.0.0.2")) as server:
        chunks, _, rc = fetch(server, binary)
        server.recorder.wait_for_transfer(2.0)
        commands = [c.line for c in server.recorder.commands]
    assert rc == 226
    assert commands == [
        "OPTS UTF8 ON",
        f"USER {server.user}",
        "PASS ******",
        *type_lines,
        "PASV",
        "RETR app_update.bin",
        "QUIT",
    ]
    assert b"".join(chunks) == wire_bytes(data, transfer_type)
    assert max(len(c) for c in chunks) <= MAX_BUFFER


def test_opts_before_login_is_refused_and_ignored(served):
    root, _ = served
    with FtpServer(FtpServerConfig(root=root)) as server:
        _, replies, rc = fetch(server, True)
    assert rc == 226
    assert any(reply.startswith("530") for reply in replies)


def test_missing_file_and_wrong_password(served):
    root, _ = served
    with FtpServer(FtpServerConfig(root=root)) as server:
        client = NcsFtpClient(lambda _: None)
        assert client.open("127.0.0.1", server.port) == 200
        assert client.login(server.user, "wrong") == 530
        client.close()
        client = NcsFtpClient(lambda _: None)
        client.open("127.0.0.1", server.port)
        client.login(server.user, server.password)
        assert client.get("missing.bin") == 550
        client.close()


def test_connection_refused_is_a_negative_errno():
    client = NcsFtpClient(lambda _: None, listen_time=1.0)
    assert client.open("127.0.0.1", 1) < 0


@pytest.mark.parametrize(
    ("buffer", "expected", "code"),
    [
        (b"220 Ready.\r\n", 220, 220),
        (b"220-Welcome\r\n220 Ready.\r\n", 220, 220),  # the last line carries the code
        (b"220-Welcome\r\n", 220, 500),  # "NNN-" never counts (l.75)
        (b"22", 220, 500),
        (b"220", 220, 500),  # no space after the digits
        (b"\r\n220 Ready.\r\n", 220, 220),  # strtol skips the CR LF
        (b"150 Opening.\r\n226 Done.\r\n", 226, 226),  # the expected code wins
        (b"226 Done.\r\n150 Opening.\r\n", 226, 226),
        (b"150 Opening.\r\n425 No.\r\n", 226, 425),  # else the last code seen
        (b"230-a\r\n230 b\0 331 c\r\n", 331, 230),  # C string: the NUL ends the buffer
        (b"000 zero\r\n", 200, 500),  # a code of 0 is no code
        (b"ready 220 \r\n", 220, 500),  # only at a line start
        (b"anything", 0, 0),  # FTP_CODE_ANY: not parsed
    ],
)
def test_reply_code_parsing_is_the_c_code(buffer: bytes, expected: int, code: int) -> None:
    assert parse_return_code(buffer, expected) == code


@pytest.mark.parametrize(
    ("buffer", "port"),
    [
        (b"227 Entering Passive Mode (90,130,70,73,86,111)\r\n", 86 * 256 + 111),
        (b"227 (0,0,0,0,97,78).\r\n", 97 * 256 + 78),
        (b"227 Entering passiv", None),  # no ")": the data task gives up (l.105-108)
        (b"150 File status okay. About to open data connection.\r\n", None),
        (b"150 Opening BINARY mode data connection for a.bin (150848 bytes).\r\n", None),
        (b"227 (1,2,3,4,x5,6)\r\n", None),  # the high byte must follow a comma
    ],
)
def test_pasv_port_parsing_is_the_c_code(buffer: bytes, port: int | None) -> None:
    assert parse_pasv_port(buffer) == port


def test_data_chunks_and_replies_are_read_708_bytes_at_a_time(served):
    root, data = served
    with FtpServer(FtpServerConfig(root=root)) as server:
        chunks, _, rc = fetch(server, True)
    assert rc == 226 and b"".join(chunks) == data
    assert max(len(chunk) for chunk in chunks) == 708 == MAX_BUFFER
