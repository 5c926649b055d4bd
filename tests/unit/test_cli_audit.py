"""``hil audit`` against real servers on loopback: vsftpd (Debian) and the suite's pyftpdlib."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

from hil.cli import main
from hil.commands.audit import download_all
from hil.dumps import Dump, save_dump
from hil.errors import HilError
from hil.ftp.policy import TransferPolicy
from hil.ftp.server import FtpServer, FtpServerConfig
from hil.ftp.url import parse_ftp_url

PAYLOAD = b"\x3d\xb8\xf3\x96" + bytes(range(256)) * 16 + b"a\r\nb\n"
LONE_LF = 16 + 1
VSFTPD = shutil.which("vsftpd") or next(
    (p for p in ("/usr/sbin/vsftpd", "/sbin/vsftpd") if os.access(p, os.X_OK)), None
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _vsftpd_config(tmp: Path, port: int, ascii_download: bool) -> Path:
    root, empty = tmp / "root", tmp / "empty"
    for folder in (root, empty):
        folder.mkdir(exist_ok=True)
        folder.chmod(0o755)
    (root / "app_update.bin").write_bytes(PAYLOAD)
    (root / "app_update.bin").chmod(0o644)
    lines = [
        "listen=YES",
        "listen_ipv6=NO",
        "listen_address=127.0.0.1",
        f"listen_port={port}",
        "background=NO",
        "anonymous_enable=YES",
        "no_anon_password=YES",
        f"anon_root={root}",
        "local_enable=NO",
        "write_enable=NO",
        f"ascii_download_enable={'YES' if ascii_download else 'NO'}",
        "seccomp_sandbox=NO",
        f"secure_chroot_dir={empty}",
        "xferlog_enable=NO",
        f"vsftpd_log_file={tmp / 'vsftpd.log'}",
    ]
    if os.geteuid() != 0:
        lines.append("run_as_launching_user=YES")
    config = tmp / f"vsftpd-{port}.conf"
    config.write_text("\n".join(lines) + "\n")
    return config


def _wait_for_banner(proc: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            pytest.fail(f"vsftpd exited with {proc.returncode}: {output.strip()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                if conn.recv(64).startswith(b"220"):
                    return
        except OSError:
            time.sleep(0.05)
    pytest.fail("vsftpd did not answer within 5 s")


def _stop_all(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture
def vsftpd(tmp_path: Path) -> Iterator[Callable[[bool], str]]:
    """Start vsftpd on 127.0.0.1 with ``ascii_download_enable`` YES or NO; returns a URL."""
    if VSFTPD is None:
        pytest.skip("vsftpd is not installed (apt-get install vsftpd)")
    started: list[subprocess.Popen[bytes]] = []

    def start(ascii_download: bool) -> str:
        port = _free_port()
        folder = tmp_path / f"vsftpd-{port}"
        folder.mkdir()
        config = _vsftpd_config(folder, port, ascii_download)
        proc = subprocess.Popen(
            [VSFTPD, str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        started.append(proc)
        _wait_for_banner(proc, port)
        return f"ftp://127.0.0.1:{port}/app_update.bin"

    yield start
    _stop_all(started)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["audit", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_vsftpd_with_ascii_download_enable_mangles(vsftpd, capsys) -> None:
    code, out, _ = _run(capsys, vsftpd(True), "--json")
    result = json.loads(out)
    assert code == 1
    assert result["server"].startswith("220 (vsFTPd")
    assert result["mangles_ascii"] and result["default_type_mangles"]
    assert result["lone_lf"] == LONE_LF
    assert result["downloads"]["TYPE A"]["bytes"] == len(PAYLOAD) + LONE_LF
    assert result["downloads"]["TYPE A"]["kind"] == "lf-to-crlf"
    assert result["downloads"]["TYPE I"]["bytes"] == len(PAYLOAD)


def test_vsftpd_without_ascii_download_enable_is_clean(vsftpd, capsys) -> None:
    code, out, _ = _run(capsys, vsftpd(False))
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
    code, out, _ = _run(capsys, _url(client))
    assert code == 1
    assert "MANGLES what the NCS ftp_client gets by default (no TYPE)" in out
    assert "fix      make the download binary: call ftp_type(FTP_TYPE_BINARY)" in out
    assert client.password not in out
    code, out, _ = _run(capsys, _url(pyftpd(TransferPolicy.BINARY)))
    assert code == 0, out


def test_forced_ascii_needs_the_local_copy(pyftpd, capsys, tmp_path: Path) -> None:
    server = pyftpd(TransferPolicy.ASCII)
    local = tmp_path / "local.bin"
    local.write_bytes(PAYLOAD)
    code, out, _ = _run(capsys, _url(server), "--local", str(local), "--json")
    assert code == 1
    assert json.loads(out)["binary_mangles"] is True
    assert (
        "even TYPE I downloads are mangled" in _run(capsys, _url(server), "--local", str(local))[1]
    )
    code, _, err = _run(capsys, _url(server))
    assert code == 2 and "pass --local FILE" in err


def test_a_wrong_local_file_is_not_blamed_on_the_server(pyftpd, capsys, tmp_path: Path) -> None:
    server = pyftpd(TransferPolicy.CLIENT)
    wrong = tmp_path / "other_build.bin"
    wrong.write_bytes(PAYLOAD[:-6] + b"x\ny\n\n\n")
    code, out, err = _run(capsys, _url(server), "--local", str(wrong))
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
    code, out, _ = _run(capsys, binary_default_server, "--json")
    result = json.loads(out)
    assert code == 3, out
    assert result["type_a_only"] and not result["default_type_mangles"]
    assert result["downloads"]["no TYPE"]["same_as_reference"] is True
    assert result["downloads"]["TYPE A"]["kind"] == "lf-to-crlf"
    out = _run(capsys, binary_default_server)[1]
    assert "mangles TYPE A only" in out and "NCS ftp_client's default" in out


@pytest.mark.parametrize(
    ("name", "message"),
    [("no_lf.bin", "holds no lone LF byte"), ("missing.bin", "refused missing.bin: 550")],
)
def test_unusable_files_exit_2(pyftpd, capsys, name: str, message: str) -> None:
    code, _, err = _run(capsys, _url(pyftpd(TransferPolicy.CLIENT), name))
    assert code == 2
    assert message in err and err.count("\n") == 1


def test_unreachable_server_and_bad_urls(capsys) -> None:
    code, _, err = _run(capsys, f"ftp://127.0.0.1:{_free_port()}/f.bin", "--timeout", "2")
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


# --- proftpd and pure-ftpd: Debian's binaries, unpacked (they conflict with vsftpd as packages) ---

UNPACKED = Path(
    os.environ.get("HIL_FTP_SERVERS", Path(__file__).resolve().parents[2] / ".cache/ftp-servers")
)


def _unpacked(relative: str) -> Path:
    """A server binary unpacked by .ci/run (``apt-get download`` + ``dpkg -x``), or a skip."""
    path = UNPACKED / relative
    if not os.access(path, os.X_OK):
        pytest.skip(f"{path} not found: .ci/run unpacks proftpd-core and pure-ftpd there")
    probe = subprocess.run([str(path), "-h" if "pure" in relative else "-v"], capture_output=True)
    if b"error while loading shared libraries" in probe.stderr:
        pytest.skip(f"{path.name} cannot run here: {probe.stderr.decode().strip()}")
    return path


def _serve(command: list[str], port: int, started: list[subprocess.Popen[bytes]]) -> None:
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    started.append(proc)
    _wait_for_banner(proc, port)


@pytest.fixture
def real_servers(tmp_path: Path) -> Iterator[dict[str, Callable[..., str]]]:
    """Start proftpd (optionally with one extra directive) or pure-ftpd on 127.0.0.1."""
    # The servers drop to unprivileged users: serve from a folder they can reach.
    root = Path(tempfile.mkdtemp(prefix="hil-ftp-root-"))
    root.chmod(0o755)
    (root / "app_update.bin").write_bytes(PAYLOAD)
    (root / "app_update.bin").chmod(0o644)
    started: list[subprocess.Popen[bytes]] = []

    def proftpd(extra: str = "") -> str:
        binary, port = _unpacked("usr/sbin/proftpd"), _free_port()
        config = tmp_path / f"proftpd-{port}.conf"
        config.write_text(
            "\n".join(
                [
                    "ServerType standalone",
                    "DefaultServer on",
                    f"Port {port}",
                    "DefaultAddress 127.0.0.1",
                    "UseIPv6 off",
                    f"PidFile {tmp_path}/proftpd-{port}.pid",
                    f"ScoreboardFile {tmp_path}/proftpd-{port}.scoreboard",
                    "DelayTable none",
                    "WtmpLog off",
                    "UseReverseDNS off",
                    "RequireValidShell off",
                    *(["User nobody", "Group nogroup"] if os.geteuid() == 0 else []),
                    f"<Anonymous {root}>",
                    "  User ftp" if os.geteuid() == 0 else f"  User {getpass.getuser()}",
                    "  UserAlias anonymous ftp",
                    "</Anonymous>",
                    extra,
                ]
            )
            + "\n"
        )
        _serve([str(binary), "-n", "-q", "-c", str(config)], port, started)
        return f"ftp://127.0.0.1:{port}/app_update.bin"

    def pure_ftpd() -> str:
        binary, port = _unpacked("usr/sbin/pure-ftpd"), _free_port()
        pure_pw = _unpacked("usr/bin/pure-pw")
        passwd, database = tmp_path / "pure.passwd", tmp_path / "pure.pdb"
        subprocess.run(
            [
                str(pure_pw),
                "useradd",
                "hil",
                "-u",
                str(os.getuid() or 65534),
                "-g",
                str(os.getgid() or 65534),
                "-d",
                str(root),
                "-f",
                str(passwd),
                "-m",
                "-F",
                str(database),
            ],
            input=b"secret\nsecret\n",
            check=True,
            capture_output=True,
        )
        command = [
            str(binary),
            "-l",
            f"puredb:{database}",
            "-S",
            f"127.0.0.1,{port}",
            "-E",
            "-u",
            "1",
        ]
        _serve(command, port, started)
        return f"ftp://hil:secret@127.0.0.1:{port}/app_update.bin"

    yield {"proftpd": proftpd, "pure-ftpd": pure_ftpd}
    _stop_all(started)
    shutil.rmtree(root, ignore_errors=True)


def test_proftpd_default_mangles_the_ncs_default_download(real_servers, capsys) -> None:
    code, out, _ = _run(capsys, real_servers["proftpd"](), "--json")
    result = json.loads(out)
    assert code == 1 and result["default_type_mangles"] and not result["binary_mangles"]
    assert result["downloads"]["no TYPE"]["bytes"] == len(PAYLOAD) + LONE_LF
    assert result["downloads"]["no TYPE"]["kind"] == "lf-to-crlf"


def test_proftpd_binary_default_mangles_only_type_a(real_servers, capsys) -> None:
    code, out, _ = _run(capsys, real_servers["proftpd"]("DefaultTransferMode binary"), "--json")
    result = json.loads(out)
    assert code == 3 and result["type_a_only"]
    assert result["downloads"]["TYPE A"]["bytes"] == len(PAYLOAD) + LONE_LF


def test_proftpd_ignore_ascii_is_clean(real_servers, capsys) -> None:
    code, out, _ = _run(capsys, real_servers["proftpd"]("TransferOptions IgnoreASCII"))
    assert code == 0 and "no mangling" in out


def test_pure_ftpd_converts_every_lf_and_audit_names_it(
    real_servers, capsys, tmp_path: Path
) -> None:
    url = real_servers["pure-ftpd"]()
    code, out, _ = _run(capsys, url, "--json")
    result = json.loads(out)
    every_lf = PAYLOAD.count(b"\n")
    assert code == 1 and result["default_type_mangles"]
    assert result["downloads"]["no TYPE"]["bytes"] == len(PAYLOAD) + every_lf
    assert "as pure-ftpd sends it" in result["downloads"]["no TYPE"]["summary"]
    # What pure-ftpd sent, as the slot would hold it, in a memrd dump: diagnose names the rule.
    _, got = download_all(parse_ftp_url(url, shell=False), 10.0)
    slot = got["no TYPE"] + b"\xff" * (-len(got["no TYPE"]) % 4)
    save_dump(tmp_path / "slot.txt", Dump(slot, 0x84000))
    (tmp_path / "served.bin").write_bytes(PAYLOAD)
    code = main(["diagnose", str(tmp_path / "served.bin"), str(tmp_path / "slot.txt")])
    out = capsys.readouterr().out
    assert code == 1 and "finding  lf-to-crlf" in out and "as pure-ftpd sends it" in out
