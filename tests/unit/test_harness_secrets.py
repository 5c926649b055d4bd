"""The FTP password never reaches a log: log records at DEBUG, the recorder, the console log."""

from __future__ import annotations

import ftplib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hil.dut.base import FtpEndpoint
from hil.ftp import FtpServer, FtpServerConfig
from hil.ftp.faults import RefuseLogin, SplitReply
from hil.kit import UpdateKit, make_sim_kit
from hil.layout import Layout
from hil.protocol import ClientMode
from hil.scenario import run_update
from hil.sim.device import SimConfig
from hil.sim.dut import SimDut

PASSWORD = "Pw-7f3a9c-secret"


@dataclass
class Session:
    """Everything one update run and a few failed logins left behind."""

    records: list[logging.LogRecord]
    servers: list[FtpServer]
    dut: SimDut
    console_log: Path


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> UpdateKit:
    return make_sim_kit(tmp_path_factory.mktemp("kit"), Layout.builtin())


def rendered(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.exc_info:
        text += logging.Formatter().formatException(record.exc_info)
    return text


@pytest.fixture
def session(kit: UpdateKit, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[Session]:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="pyftpdlib")  # its command log: "<- PASS ******"
    root = tmp_path / "ftp"
    root.mkdir()
    kit.write_update(root)
    console_log = tmp_path / "console.log"
    config = SimConfig(Layout.builtin(), kit.keys, kit.factory_image, listen_time=1.0)
    dut = SimDut(config, console_log)
    servers = [
        FtpServer(
            FtpServerConfig(root, password=PASSWORD, auth_failed_timeout=0.0, faults=faults)
        ).start()
        for faults in ((), (RefuseLogin(),), (SplitReply("230", 2),))
    ]
    try:
        clean, refusing, splitting = servers
        run_update(dut, clean, kit.update_name, ClientMode.BINARY, kit.keys)
        for server in (refusing, splitting):
            endpoint = FtpEndpoint("127.0.0.1", server.port, server.user, PASSWORD)
            dut.download(endpoint, kit.update_name, len(kit.update_image), ClientMode.BINARY)
        for attempt in (PASSWORD + "x", PASSWORD.upper(), PASSWORD[:-1]):
            with ftplib.FTP(timeout=5) as client:
                client.connect(clean.host, clean.port)
                with pytest.raises(ftplib.error_perm):
                    client.login(clean.user, attempt)
        dut.close()
        yield Session(list(caplog.records), servers, dut, console_log)
    finally:
        for server in servers:
            server.stop()


def test_no_log_record_shows_the_password(session: Session) -> None:
    records = session.records
    assert any(r.name == "pyftpdlib" and "PASS ******" in r.getMessage() for r in records)
    assert any(r.name.startswith("hil.dut") and "ftpdfu get" in r.getMessage() for r in records)
    leaks = [f"{r.name}: {rendered(r)}" for r in records if PASSWORD in rendered(r)]
    assert leaks == []


def test_recorder_never_shows_the_password(session: Session) -> None:
    for server in session.servers:
        assert any(c.command == "PASS" for c in server.recorder.commands)
        text = "\n".join(server.recorder.lines())
        text += "\n".join(f"{c.line} {c.argument}" for c in server.recorder.commands)
        assert PASSWORD not in text
        assert "PASS ******" in text
        assert PASSWORD not in repr(server) and PASSWORD not in server.url("x")


def test_console_never_shows_the_password(session: Session) -> None:
    log = session.console_log.read_text(encoding="utf-8")
    assert "ftpdfu get" in log and "******" in log
    assert PASSWORD not in log
    assert not any(PASSWORD in line for line in session.dut.console.lines)
