"""Real FTP servers on 127.0.0.1 for the ``hil audit`` tests: a payload with lone LFs and CR
LF pairs, vsftpd's config, Debian binaries unpacked by .ci/run, and waiting for a banner."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from hil.cli import main

PAYLOAD = b"\x3d\xb8\xf3\x96" + bytes(range(256)) * 16 + b"a\r\nb\n"
LONE_LF = 16 + 1
VSFTPD = shutil.which("vsftpd") or next(
    (p for p in ("/usr/sbin/vsftpd", "/sbin/vsftpd") if os.access(p, os.X_OK)), None
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def vsftpd_config(tmp: Path, port: int, ascii_download: bool) -> Path:
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


def wait_for_banner(proc: subprocess.Popen[bytes], port: int) -> None:
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


def stop_all(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def run_audit(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["audit", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


UNPACKED = Path(
    os.environ.get("HIL_FTP_SERVERS", Path(__file__).resolve().parents[2] / ".cache/ftp-servers")
)


def unpacked(relative: str) -> Path:
    """A server binary unpacked by .ci/run (``apt-get download`` + ``dpkg -x``), or a skip."""
    path = UNPACKED / relative
    if not os.access(path, os.X_OK):
        pytest.skip(f"{path} not found: .ci/run unpacks proftpd-core and pure-ftpd there")
    probe = subprocess.run([str(path), "-h" if "pure" in relative else "-v"], capture_output=True)
    if b"error while loading shared libraries" in probe.stderr:
        pytest.skip(f"{path.name} cannot run here: {probe.stderr.decode().strip()}")
    return path


def serve(command: list[str], port: int, started: list[subprocess.Popen[bytes]]) -> None:
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    started.append(proc)
    wait_for_banner(proc, port)
