"""The sim's NCS ftp_client against scripted servers: each row of the measured v2.6.0 table.

Scripted turns fix what each ``recv()`` returns, so these hold under any load. Timeouts are
scaled (LISTEN); waits are on events, bounded by generous multiples of the scaled times.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator

import pytest

from hil.ftp import scripted as s
from hil.ftp.scripted import (
    GREETING,
    OPTS,
    PASS_OK,
    PASV,
    TYPE_I,
    USER_OK,
    ScriptedServer,
    Turn,
    conversation,
    retr,
)
from hil.sim.ftp_client import OVERFLOW_WARNING, ClientDefects, NcsFtpClient
from hil.sim.ftp_client.errors import ECONNRESET, EHOSTUNREACH

LISTEN = 1.0  # a reply late by a whole listen time only on a badly starved machine
WAIT = 30 * LISTEN  # an upper bound for anything that should happen "soon"
KEEPALIVE = 0.5  # the keep-alive period in its test (60 s on the device)
DATA = bytes(range(256)) * 600  # 153 600 B: many 708-byte chunks


class App:
    """The app's two callbacks, recording what came, when and from which thread."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.chunks: list[bytes] = []
        self.replies: list[str] = []
        self.threads: set[str] = set()
        self.returned = threading.Event()
        self.late = threading.Event()
        self.gate = gate
        self.first = threading.Event()

    def on_data(self, chunk: bytes) -> None:
        self.first.set()
        if self.gate is not None:
            assert self.gate.wait(WAIT)
        self.threads.add(threading.current_thread().name)
        self.chunks.append(chunk)
        if self.returned.is_set():
            self.late.set()

    def on_ctrl(self, text: str) -> None:
        self.replies.append(text)

    @property
    def rx(self) -> int:
        return sum(map(len, self.chunks))


@pytest.fixture
def serve() -> Iterator[object]:
    servers: list[ScriptedServer] = []

    def start(turns: list[Turn], **options: object) -> ScriptedServer:
        server = ScriptedServer(turns, **options).start()  # type: ignore[arg-type]
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def client(app: App, **options: object) -> NcsFtpClient:
    return NcsFtpClient(app.on_data, app.on_ctrl, LISTEN, **options)  # type: ignore[arg-type]


def logged_in(server: ScriptedServer, app: App) -> NcsFtpClient:
    """A client that opened, logged in and sent TYPE I, each with its success code."""
    ftp = client(app)
    assert ftp.open(server.host, server.port) == 200
    assert ftp.login(server.user, server.password) == 230
    assert ftp.set_type(True) == 200
    return ftp


def session(server: ScriptedServer, app: App, binary: bool = True, **options: object) -> int:
    """open, login, [TYPE I], get as the firmware calls them; the first code that is off."""
    ftp = client(app, **options)
    rc = ftp.open(server.host, server.port)
    if rc == 200:
        rc = ftp.login(server.user, server.password)
    if rc == 230 and binary:
        rc = ftp.set_type(True)
        rc = 230 if rc == 200 else rc
    if rc == 230:
        rc = ftp.get("app_update.bin")
    app.returned.set()
    assert ftp.close() == 221
    assert ftp.wait_data_task(WAIT)
    return rc


LOGIN = [GREETING, OPTS, USER_OK, PASS_OK, TYPE_I]


def test_whole_session_in_turns(serve) -> None:
    server = serve(conversation(DATA))
    app = App()
    assert session(server, app) == 226
    assert b"".join(app.chunks) == DATA
    assert max(map(len, app.chunks)) <= 708
    assert server.commands == [
        "OPTS UTF8 ON",
        "USER user",
        "PASS ******",
        "TYPE I",
        "PASV",
        "RETR app_update.bin",
        "QUIT",
    ]
    assert app.threads == {"ftp_client work_q"}  # data_cb runs in the work queue, not the caller


@pytest.mark.parametrize(
    ("greeting", "why"),
    [
        ([Turn(None, b"220-Welcome\r\n"), Turn("OPTS", b"220 Ready\r\n")], "last line later"),
        ([Turn(None, b"220-" + b"w" * 700 + b"\r\n220 Ready.\r\n")], "830 B: 708 hold 220- only"),
        ([Turn(None, b"22"), Turn("OPTS", b"0 Ready\r\n")], "split after 2 bytes"),
        ([Turn(None, b"220-Ready\r\n")], "no 220 line at all"),
    ],
)
def test_greeting_without_a_code_line_is_500_and_closes(serve, greeting, why) -> None:
    server = serve(greeting)
    app = App()
    assert session(server, app) == 500, why
    assert server.commands == []  # closed at once: not even OPTS (l.501-504)


def test_multiline_greeting_in_one_recv_is_200(serve) -> None:
    server = serve(
        [Turn(None, b"220-Welcome\r\n220-to the\r\n220 server.\r\n"), *conversation(DATA)[1:]]
    )
    assert session(server, App()) == 226


def test_split_opts_reply_is_read_as_the_user_reply(serve) -> None:
    server = serve([GREETING, Turn("OPTS", b"530 Log in wi"), Turn("USER", b"th USER first.\r\n")])
    assert session(server, App()) == 500
    assert server.commands == ["OPTS UTF8 ON", "USER user"]  # no PASS, no QUIT


def test_split_user_reply_sends_pass_and_reads_the_tail(serve) -> None:
    server = serve([GREETING, OPTS, Turn("USER", b"331 Pass"), Turn("PASS", b"word required.\r\n")])
    assert session(server, App()) == 500
    assert server.commands == ["OPTS UTF8 ON", "USER user", "PASS ******"]


def test_split_multiline_230_is_500(serve) -> None:
    split = [Turn("PASS", b"230-Welcome\r\n"), Turn("TYPE", b"230 Login successful.\r\n")]
    server = serve([GREETING, OPTS, USER_OK, *split])
    assert session(server, App()) == 500
    assert server.commands == ["OPTS UTF8 ON", "USER user", "PASS ******"]  # not connected: no QUIT


def test_user_answered_230_is_logged_in_and_quits(serve) -> None:
    server = serve(
        [GREETING, OPTS, Turn("USER", b"230 No password needed.\r\n"), TYPE_I, PASV, retr(DATA)]
    )
    app = App()
    assert session(server, app) == 226
    assert "PASS ******" not in server.commands and server.commands[-1] == "QUIT"


def test_split_pasv_still_sends_retr_and_the_data_task_fails_silently(serve) -> None:
    turns = [*LOGIN, Turn("PASV", b"227 Entering passiv"), Turn("RETR", b"e mode {pasv}.\r\n")]
    server = serve(turns)
    app = App()
    assert session(server, app) == 500
    assert "RETR app_update.bin" in server.commands
    assert app.chunks == []


def test_split_226_returns_without_waiting_for_the_data_task(serve) -> None:
    """l.377: only a 226 waits; the data callbacks go on after ftp_get() returned."""
    gate = threading.Event()
    small = DATA[: 8 * 708]  # fits any socket buffer while the data task is held
    # No 150 first: a late reader could get "150 ...\r\n22" in one recv() and wait on.
    tail = Turn("QUIT", b"6 Transfer complete.\r\n")
    turns = [*LOGIN, PASV, retr(small, after=b"22", reply=b""), tail]
    server = serve(turns)
    app = App(gate)
    ftp = logged_in(server, app)
    # The data task is held inside its first callback: get() must not wait for it.
    holder = threading.Thread(target=lambda: app.first.wait(WAIT) and None)
    holder.start()
    rc = ftp.get("app_update.bin")
    assert rc == 500, (server.commands, len(app.chunks), app.first.is_set(), app.replies)
    app.returned.set()
    assert app.chunks == []
    gate.set()
    assert app.late.wait(WAIT), "no data callback after get() returned"
    assert app.threads == {"ftp_client work_q"}
    ftp.close()
    assert ftp.wait_data_task(WAIT)
    holder.join()


def test_server_fin_mid_transfer_is_0_and_data_arrives_late(serve) -> None:
    """recv() == 0 returns -errno with errno 0; the data task reads on to the data EOF."""
    server = serve([*LOGIN, PASV, Turn("RETR", b"150 Here it comes.\r\n", data=DATA, close="fin")])
    app = App()
    ftp = logged_in(server, app)
    assert ftp.get("app_update.bin") == 0
    assert not any(reply.startswith("901") for reply in app.replies)
    assert ftp.wait_data_task(WAIT)
    assert app.rx == len(DATA)
    # QUIT goes to the closed peer, whose RST is the POLLHUP that posts 901 (l.286-289).
    assert ftp.close() == 221
    assert app.replies[-1] == "901 Disconnected(-104).\r\n"


def test_control_rst_is_901_and_econnreset(serve) -> None:
    server = serve([*LOGIN, PASV, Turn("RETR", b"150 Here it comes.\r\n", data=DATA, close="rst")])
    app = App()
    assert session(server, app) == -ECONNRESET
    assert app.replies[-1] == "901 Disconnected(-104).\r\n"


def test_unresolvable_host_is_ehostunreach(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: object, **__: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    ftp = client(App())
    assert ftp.open("ftp.example.invalid", 21) == -EHOSTUNREACH
    assert ftp.close() == 221


def test_refused_connection_is_a_negative_errno_and_close_is_221() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    ftp = client(App())
    assert ftp.open("127.0.0.1", port) == -111  # ECONNREFUSED
    assert ftp.close() == 221


def test_close_is_221_whatever_quit_gets(serve) -> None:
    server = serve([*LOGIN[:4], Turn("QUIT", b"500 Not now.\r\n")])
    ftp = client(App())
    assert ftp.open(server.host, server.port) == 200
    assert ftp.login(server.user, server.password) == 230
    assert ftp.close() == 221
    assert server.commands[-1] == "QUIT"


def test_reply_of_708_bytes_warns_only_with_the_defect(serve, caplog) -> None:
    line = b"220 " + b"x" * (708 - 6) + b"\r\n"
    assert len(line) == 708
    for defect, warned in ((False, False), (True, True)):
        server = serve([Turn(None, line), *conversation(DATA)[1:]])
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="hil.sim"):
            ftp = client(App(), defects=ClientDefects(ctrl_buf_overflow=defect))
            assert ftp.open(server.host, server.port) == 200  # the real client works, too
            ftp.close()
        assert ftp.overflows == 1
        assert (OVERFLOW_WARNING in caplog.text) is warned


def test_pasv_port_race_defect_never_opens_the_data_connection(serve) -> None:
    turns = [*LOGIN, PASV, retr(DATA)]  # 425 when the data connection never comes
    app = App()
    server = serve(turns, data_wait=LISTEN)  # 425 well before the 6-poll timeout
    assert session(server, app, defects=ClientDefects(pasv_port_race=True)) == 425
    assert app.chunks == []
    assert session(serve(turns), App()) == 226  # the same server, Zephyr-like scheduling


def test_keepalive_noop_after_61_then_every_120_while_idle(serve) -> None:
    """The timer starts at login: expiry at +1 s marks idle, +61 s sends NOOP, +181 s again."""
    server = serve(LOGIN[:4])
    app = App()
    ftp = client(app, keepalive_time=KEEPALIVE, keepalive_delay=KEEPALIVE / 60)
    assert ftp.open(server.host, server.port) == 200
    assert ftp.login(server.user, server.password) == 230
    commands = server.wait_for_commands(5, WAIT)
    assert ftp.wait_data_task(WAIT)  # the work queue has read the second NOOP's reply
    ftp.close()
    assert commands[3:5] == ["NOOP", "NOOP"]
    login, first, second = server.times[2], server.times[3], server.times[4]
    period = ftp.keepalive_time
    # Timers fire late under load, never early: +61 s, then not at +121 s but at +181 s.
    assert first - login >= period + ftp.keepalive_delay * 0.5
    assert second - login >= 3 * period
    assert not any("NOOP" in reply for reply in app.replies)  # not posted to ctrl_cb


def test_226_before_the_data_waits_for_the_data_task(serve) -> None:
    """l.377-385: after a 226 ftp_get() returns only once the data task has ended."""
    turns = [*LOGIN, PASV, Turn("RETR", s.PRELIMINARY + s.COMPLETE, data=DATA)]
    server = serve(turns)
    app = App()
    ftp = logged_in(server, app)
    assert ftp.get("app_update.bin") == 226
    assert app.rx == len(DATA)  # every callback ran before get() returned
    assert ftp.close() == 221
