"""``hil serve``: a standalone server over loopback, its banner, session log and clean Ctrl-C."""

from __future__ import annotations

import ftplib
import json
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hil.cli import main
from hil.ftp.ascii import wire_bytes

PAYLOAD = b"\x3d\xb8\xf3\x96" + bytes(range(256)) * 8 + b"end\n"


class Served:
    """A ``hil serve`` subprocess whose stdout lines arrive on a queue."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def next_json(self, timeout: float = 10.0) -> dict:
        return json.loads(self.lines.get(timeout=timeout))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    (tmp_path / "app_update.bin").write_bytes(PAYLOAD)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hil.cli",
            "serve",
            str(tmp_path),
            "--port",
            "0",
            "--json",
            "--policy",
            "ascii",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield Served(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def test_serves_prints_credentials_logs_and_stops_on_ctrl_c(served: Served) -> None:
    banner = served.next_json()
    assert banner["event"] == "listening" and banner["host"] == "127.0.0.1"
    assert banner["url"].startswith(f"ftp://{banner['user']}:{banner['password']}@127.0.0.1:")
    assert banner["files"] == [
        {
            "name": "app_update.bin",
            "size": len(PAYLOAD),
            "lone_lf": 9,
            "ascii_size": len(wire_bytes(PAYLOAD, "a")),
        }
    ]
    client = ftplib.FTP(timeout=5)
    client.connect("127.0.0.1", banner["port"])
    client.login(banner["user"], banner["password"])
    chunks: list[bytes] = []
    client.retrbinary("RETR app_update.bin", chunks.append)  # TYPE I, but the policy forces A
    client.quit()
    assert b"".join(chunks) == wire_bytes(PAYLOAD, "a")
    events = [served.next_json()["line"] for _ in range(4)]
    assert any("PASS ******" in line for line in events)
    assert banner["password"] not in " ".join(events)
    served.proc.send_signal(signal.SIGINT)
    assert served.proc.wait(10) == 0
    rest = []
    while not served.lines.empty():
        rest.append(served.lines.get())
    assert json.loads(rest[-1]) == {"event": "stopped"}
    assert "Traceback" not in served.proc.stderr.read()


def test_bad_directory_and_busy_port_exit_2(tmp_path: Path, capsys) -> None:
    assert main(["serve", str(tmp_path / "nope")]) == 2
    assert "is not a directory" in capsys.readouterr().err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", str(tmp_path), "--port", str(port)]) == 2
    assert "already in use" in capsys.readouterr().err


def test_help_documents_exit_codes(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    assert "Exit codes: 0 stopped with Ctrl-C" in capsys.readouterr().out
