"""The place's console: reopened at the address the place gives now, lost with one line."""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest

from hil.lab.errors import PlaceGone
from hil.lab.labconsole import ConsoleLost, SharedConsole


class LineServer:
    """A TCP server standing in for one ser2net instance: answers each line with a greeting.

    (pyserial's socket:// drops what arrived before it finished opening, so nothing is sent
    unasked.)"""

    def __init__(self, greeting: bytes) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.greeting = greeting
        self.clients: list[socket.socket] = []
        self.received = bytearray()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.clients.append(client)
            threading.Thread(target=self._read, args=(client,), daemon=True).start()

    def _read(self, client: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := client.recv(1024):
                self.received += data
                if data.endswith(b"\n"):
                    client.sendall(self.greeting)

    def close(self) -> None:
        self.sock.close()
        for client in self.clients:
            client.shutdown(socket.SHUT_RDWR)
            client.close()


def test_console_reopens_where_the_place_says_after_the_port_changed(tmp_path):
    first, second = LineServer(b"boot on port A\r\n"), LineServer(b"boot on port B\r\n")
    where = {"url": first.url}
    shared = SharedConsole("dk1", lambda: where["url"], reconnect_timeout=30)
    lease = shared.lend(tmp_path / "console.log")
    shared.start()
    try:
        lease.write_line("ftpdfu version")
        lease.console.readlines_until("boot on port A", 30)
        where["url"] = second.url  # the exporter restarted ser2net on a new port
        first.close()
        lease.console.readlines_until("reconnected", 30)
        lease.write_line("ftpdfu version")
        lease.console.readlines_until("boot on port B", 30)
        assert shared.serial.reconnects == 1
    finally:
        lease.close()
        shared.close()
        second.close()
    assert "port B" in (tmp_path / "console.log").read_text()


def test_console_of_a_gone_place_fails_the_waiting_test_with_one_line(tmp_path):
    server = LineServer(b"up\r\n")
    state = {"gone": False}

    def url() -> str:
        if state["gone"]:
            raise PlaceGone("place dk1: the place's resources are gone")
        return server.url

    shared = SharedConsole("dk1", url, reconnect_timeout=30)
    lease = shared.lend(tmp_path / "console.log")
    shared.start()
    try:
        lease.write_line("ftpdfu version")
        lease.console.readlines_until("up", 30)
        state["gone"] = True
        server.close()
        with pytest.raises(ConsoleLost, match="console of place dk1 lost: place dk1: the "
                                              "place's resources are gone"):
            lease.console.readlines_until("never", 120)
        later = shared.lend(tmp_path / "later.log")
        with pytest.raises(ConsoleLost):
            later.write_line("ftpdfu version")
        later.close()
    finally:
        lease.close()
        shared.close()
