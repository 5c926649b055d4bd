"""``hil audit`` against real servers on loopback: vsftpd (Debian) and the suite's pyftpdlib.

proftpd and pure-ftpd: ``test_cli_audit_proftpd_pureftpd.py``."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from audit_servers import (
    LONE_LF,
    PAYLOAD,
    VSFTPD,
    free_port,
    run_audit,
    stop_all,
    vsftpd_config,
    wait_for_banner,
)
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

from hil.cli import main
from hil.errors import HilError
from hil.ftp.policy import TransferPolicy
from hil.ftp.server import FtpServer, FtpServerConfig
from hil.ftp.url import parse_ftp_url


@pytest.fixture
def vsftpd(tmp_path: Path) -> Iterator[Callable[[bool], str]]:
    """Start vsftpd on 127.0.0.1 with ``ascii_download_enable`` YES or NO; returns a URL."""
    if VSFTPD is None:
        pytest.skip("vsftpd is not installed (apt-get install vsftpd)")
    started: list[subprocess.Popen[bytes]] = []

    def start(ascii_download: bool) -> str:
        port = free_port()
        folder = tmp_path / f"vsftpd-{port}"
        folder.mkdir()
        config = vsftpd_config(folder, port, ascii_download)
        proc = subprocess.Popen(
            [VSFTPD, str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        started.append(proc)
        wait_for_banner(proc, port)
        return f"ftp://127.0.0.1:{port}/app_update.bin"

    yield start
    stop_all(started)


def test_vsftpd_with_ascii_download_enable_mangles(vsftpd, capsys) -> None:
    code, out, _ = run_audit(capsys, vsftpd(True), "--json")
    result = json.loads(out)
    assert code == 1
    assert result["server"].startswith("220 (vsFTPd")
    assert result["mangles_ascii"] and result["default_type_mangles"]
    assert result["lone_lf"] == LONE_LF
    assert result["downloads"]["TYPE A"]["bytes"] == len(PAYLOAD) + LONE_LF
    assert result["downloads"]["TYPE A"]["kind"] == "lf-to-crlf"
    assert result["downloads"]["TYPE I"]["bytes"] == len(PAYLOAD)


def test_vsftpd_without_ascii_download_enable_is_clean(vsftpd, capsys) -> None:
    code, out, _ = run_audit(capsys, vsftpd(False))
    assert code == 0, out
    assert "no mangling" in out and "fix" not in out.split()
    assert "anonymous:******@" in out


@pytest.fixture
def pyftpd(tmp_path: Path) -> Iterator[Callable[[TransferPolicy], FtpServer]]:
    root = tmp_path / "srv"
    root.mkdir()
    (root / "app_update.bin").write_bytes(PAYLOAD)
    (root / "no_lf.bin").write_bytes(b"\x00\x01\x02")
    servers: list[FtpServer] = []

    def start(policy: TransferPolicy) -> FtpServer:
        server = FtpServer(FtpServerConfig(root=root, policy=policy)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def _url(server: FtpServer, name: str = "app_update.bin") -> str:
    return f"ftp://{server.user}:{server.password}@127.0.0.1:{server.port}/{name}"


def test_pyftpdlib_client_policy_mangles_and_binary_policy_does_not(pyftpd, capsys) -> None:
    client = pyftpd(TransferPolicy.CLIENT)
    code, out, _ = run_audit(capsys, _url(client))
    assert code == 1
    assert "MANGLES what the NCS ftp_client gets by default (no TYPE)" in out
    assert "fix      make the download binary: call ftp_type(FTP_TYPE_BINARY)" in out
    assert client.password not in out
    code, out, _ = run_audit(capsys, _url(pyftpd(TransferPolicy.BINARY)))
    assert code == 0, out


def test_forced_ascii_needs_the_local_copy(pyftpd, capsys, tmp_path: Path) -> None:
    server = pyftpd(TransferPolicy.ASCII)
    local = tmp_path / "local.bin"
    local.write_bytes(PAYLOAD)
    code, out, _ = run_audit(capsys, _url(server), "--local", str(local), "--json")
    assert code == 1
    assert json.loads(out)["binary_mangles"] is True
    mangled = run_audit(capsys, _url(server), "--local", str(local))[1]
    assert "even TYPE I downloads are mangled" in mangled
    code, _, err = run_audit(capsys, _url(server))
    assert code == 2 and "pass --local FILE" in err


def test_a_wrong_local_file_is_not_blamed_on_the_server(pyftpd, capsys, tmp_path: Path) -> None:
    server = pyftpd(TransferPolicy.CLIENT)
    wrong = tmp_path / "other_build.bin"
    wrong.write_bytes(PAYLOAD[:-6] + b"x\ny\n\n\n")
    code, out, err = run_audit(capsys, _url(server), "--local", str(wrong))
    assert code == 2 and not out
    assert "is not the file the server serves" in err and "not to blame" in err
    assert err.count("\n") == 1


class _BinaryByDefault(FTPHandler):
    """pyftpdlib answering as proftpd with ``DefaultTransferMode binary``: TYPE I until the
    client asks for TYPE A (pyftpdlib translates TYPE A by the RFC rule on POSIX)."""

    def on_connect(self) -> None:
        self._current_type = "i"


@pytest.fixture
def binary_default_server(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "binary-default"
    root.mkdir()
    (root / "app_update.bin").write_bytes(PAYLOAD)
    authorizer = DummyAuthorizer()
    authorizer.add_anonymous(str(root))
    handler = type("Handler", (_BinaryByDefault,), {"authorizer": authorizer})
    server = FTPServer(("127.0.0.1", 0), handler)
    port = server.socket.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():  # one poll per turn: the loop ends before the server closes
            server.serve_forever(timeout=0.05, blocking=False)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        yield f"ftp://127.0.0.1:{port}/app_update.bin"
    finally:
        stop.set()
        thread.join(10)
        server.close_all()


def test_a_server_mangling_only_type_a_exits_3_not_1(binary_default_server, capsys) -> None:
    code, out, _ = run_audit(capsys, binary_default_server, "--json")
    result = json.loads(out)
    assert code == 3, out
    assert result["type_a_only"] and not result["default_type_mangles"]
    assert result["downloads"]["no TYPE"]["same_as_reference"] is True
    assert result["downloads"]["TYPE A"]["kind"] == "lf-to-crlf"
    out = run_audit(capsys, binary_default_server)[1]
    assert "mangles TYPE A only" in out and "NCS ftp_client's default" in out


@pytest.mark.parametrize(
    ("name", "message"),
    [("no_lf.bin", "holds no lone LF byte"), ("missing.bin", "refused missing.bin: 550")],
)
def test_unusable_files_exit_2(pyftpd, capsys, name: str, message: str) -> None:
    code, _, err = run_audit(capsys, _url(pyftpd(TransferPolicy.CLIENT), name))
    assert code == 2
    assert message in err and err.count("\n") == 1


def test_unreachable_server_and_bad_urls(capsys) -> None:
    code, _, err = run_audit(capsys, f"ftp://127.0.0.1:{free_port()}/f.bin", "--timeout", "2")
    assert code == 2 and "cannot connect" in err
    for url, message in [
        ("http://host/f", "not an ftp:// URL"),
        ("ftp:///f", "no host"),
        ("ftp://host/", "must name a file"),
        ("ftp://host:99999/f", "bad FTP URL"),
    ]:
        with pytest.raises(HilError, match=message):
            parse_ftp_url(url, shell=False)
    target = parse_ftp_url("ftp://us%40er:p%3As s@[::1]:2121/dir/app.bin", shell=False)
    assert (target.user, target.password, target.host, target.port) == (
        "us@er",
        "p:s s",
        "::1",
        2121,
    )
    assert target.masked() == "ftp://us@er:******@[::1]:2121/dir/app.bin"
    assert parse_ftp_url("ftp://h/f", shell=False).user == "anonymous"


def test_help_documents_exit_codes(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["audit", "--help"])
    text = capsys.readouterr().out
    assert "Exit codes: 0 every download" in text and "3 only TYPE A" in " ".join(text.split())
