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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest

from hil.cli import main
from hil.ftp.ascii import wire_bytes

PAYLOAD = b"\x3d\xb8\xf3\x96" + bytes(range(256)) * 8 + b"end\n"


SERVE = ["-m", "hil.cli", "serve", "--port", "0", "--json", "--policy", "ascii"]
# How a shell without job control starts `hil serve DIR &`: SIGINT ignored, inherited by exec.
SIGINT_IGNORED = ["sh", "-c", 'trap "" INT; exec "$0" "$@"']


class Served:
    """A ``hil serve`` subprocess whose stdout lines arrive on a queue; stderr is collected."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: queue.Queue[str] = queue.Queue()
        self.errors: list[str] = []
        self._pumps = [
            threading.Thread(target=self._pump, args=args, daemon=True)
            for args in ((proc.stdout, self.lines.put), (proc.stderr, self.errors.append))
        ]
        for pump in self._pumps:
            pump.start()

    @staticmethod
    def _pump(stream: IO[str] | None, put: Callable[[str], None]) -> None:
        assert stream is not None
        for line in stream:
            put(line)

    def next_json(self, timeout: float = 10.0) -> dict:
        return json.loads(self.lines.get(timeout=timeout))

    def wait_exit(self, timeout: float = 10.0) -> tuple[int, list[str]]:
        """The exit code and every stdout line not read yet (both pipes read to the end)."""
        code = self.proc.wait(timeout)
        for pump in self._pumps:
            pump.join(timeout)
        rest = []
        while not self.lines.empty():
            rest.append(self.lines.get_nowait())
        return code, rest


@pytest.fixture(params=["sigint-as-inherited", "sigint-ignored-at-start"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    (tmp_path / "app_update.bin").write_bytes(PAYLOAD)
    prefix = SIGINT_IGNORED if request.param == "sigint-ignored-at-start" else []
    proc = subprocess.Popen(
        [*prefix, sys.executable, *SERVE, str(tmp_path)],
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
    code, rest = served.wait_exit()
    assert code == 0
    assert json.loads(rest[-1]) == {"event": "stopped"}
    assert "Traceback" not in "".join(served.errors)


def test_bad_directory_and_busy_port_exit_2(tmp_path: Path, capsys) -> None:
    handlers = [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)]
    assert main(["serve", str(tmp_path / "nope")]) == 2
    assert "is not a directory" in capsys.readouterr().err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", str(tmp_path), "--port", str(port)]) == 2
    assert "already in use" in capsys.readouterr().err
    assert [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)] == handlers


def test_help_documents_exit_codes(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    assert "Exit codes: 0 stopped with Ctrl-C" in capsys.readouterr().out
