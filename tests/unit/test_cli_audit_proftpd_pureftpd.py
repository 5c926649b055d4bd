"""``hil audit`` (and diagnose) against Debian's proftpd and pure-ftpd on loopback: unpacked by
.ci/run (``apt-get download`` + ``dpkg -x``), as their packages conflict with vsftpd."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from audit_servers import LONE_LF, PAYLOAD, free_port, run_audit, serve, stop_all, unpacked

from hil.cli import main
from hil.commands.audit import download_all
from hil.dumps import Dump, save_dump
from hil.ftp.url import parse_ftp_url


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
        binary, port = unpacked("usr/sbin/proftpd"), free_port()
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
        serve([str(binary), "-n", "-q", "-c", str(config)], port, started)
        return f"ftp://127.0.0.1:{port}/app_update.bin"

    def pure_ftpd() -> str:
        binary, port = unpacked("usr/sbin/pure-ftpd"), free_port()
        pure_pw = unpacked("usr/bin/pure-pw")
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
        serve(command, port, started)
        return f"ftp://hil:secret@127.0.0.1:{port}/app_update.bin"

    yield {"proftpd": proftpd, "pure-ftpd": pure_ftpd}
    stop_all(started)
    shutil.rmtree(root, ignore_errors=True)


def test_proftpd_default_mangles_the_ncs_default_download(real_servers, capsys) -> None:
    code, out, _ = run_audit(capsys, real_servers["proftpd"](), "--json")
    result = json.loads(out)
    assert code == 1 and result["default_type_mangles"] and not result["binary_mangles"]
    assert result["downloads"]["no TYPE"]["bytes"] == len(PAYLOAD) + LONE_LF
    assert result["downloads"]["no TYPE"]["kind"] == "lf-to-crlf"


def test_proftpd_binary_default_mangles_only_type_a(real_servers, capsys) -> None:
    url = real_servers["proftpd"]("DefaultTransferMode binary")
    code, out, _ = run_audit(capsys, url, "--json")
    result = json.loads(out)
    assert code == 3 and result["type_a_only"]
    assert result["downloads"]["TYPE A"]["bytes"] == len(PAYLOAD) + LONE_LF


def test_proftpd_ignore_ascii_is_clean(real_servers, capsys) -> None:
    code, out, _ = run_audit(capsys, real_servers["proftpd"]("TransferOptions IgnoreASCII"))
    assert code == 0 and "no mangling" in out


def test_pure_ftpd_converts_every_lf_and_audit_names_it(
    real_servers, capsys, tmp_path: Path
) -> None:
    url = real_servers["pure-ftpd"]()
    code, out, _ = run_audit(capsys, url, "--json")
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
