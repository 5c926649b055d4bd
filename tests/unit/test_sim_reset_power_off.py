"""A reset of the simulated DK stops the app that ran: its FTP session and data task die with it.

The data task is held inside its data callback (a received chunk not yet handed to the app)
while the board resets from another thread, as the reset pin does in the middle of
``ftpdfu get``; then it is let go and runs on. Nothing it delivers may reach the secondary slot
or the console, and the server hears no QUIT: the CPU that would send it is gone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from hil import protocol
from hil.console import Console
from hil.ftp.scripted import ScriptedServer, conversation
from hil.kit import UpdateKit, make_sim_kit
from hil.layout import Layout
from hil.protocol import ClientMode
from hil.sim.device import SimConfig, SimNrf5340
from hil.sim.ftp_client import NcsFtpClient

WAIT = 30.0  # bound for things that happen "soon", even on a starved machine
HELD_CHUNK = 3  # the data task is held before handing this chunk (1-based) to the app


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> UpdateKit:
    return make_sim_kit(tmp_path_factory.mktemp("kit"), Layout.builtin())


class HeldDataTask:
    """ftp_client sessions whose data task stops before handing over chunk ``HELD_CHUNK``."""

    def __init__(self) -> None:
        self.held = threading.Event()
        self.release = threading.Event()
        self.clients: list[NcsFtpClient] = []

    def __call__(
        self, on_data: Callable[[bytes], None], on_ctrl: Callable[[str], None], **options: object
    ) -> NcsFtpClient:
        chunks = 0

        def deliver(chunk: bytes) -> None:
            nonlocal chunks
            chunks += 1
            if chunks == HELD_CHUNK:
                self.held.set()
                assert self.release.wait(WAIT)
            on_data(chunk)

        client = NcsFtpClient(deliver, on_ctrl, **options)  # type: ignore[arg-type]
        self.clients.append(client)
        return client


@pytest.mark.parametrize("core", ["c", "python"])
def test_a_data_task_running_at_reset_writes_and_prints_nothing(
    kit: UpdateKit, core: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if core == "python":
        monkeypatch.setenv("FTPDFU_SIM_CORE", "python")
    console = Console("sim console")
    board = SimNrf5340(SimConfig(Layout.builtin(), kit.keys, kit.factory_image, None, 1.0), console)
    sessions = HeldDataTask()
    board.ftp_client_factory = sessions
    board.program_factory_image()
    assert board.reset().booted
    image = kit.update_image
    assert len(image) > 8 * 0x1000  # pages that would reach flash after the reset
    with ScriptedServer(conversation(image)) as server:
        line = protocol.get_command(
            "127.0.0.1",
            server.port,
            server.user,
            server.password,
            "a.bin",
            len(image),
            ClientMode.BINARY,
        )
        shell = threading.Thread(target=board.shell, args=(line,), daemon=True)
        shell.start()
        try:
            assert sessions.held.wait(WAIT), "the data task never delivered"
            assert board.reset().booted
            after_boot = len(console.lines)
            slot_at_reset = board.secondary.contents()
        finally:
            sessions.release.set()
        assert sessions.clients[0].wait_data_task(WAIT), "the old data task did not end"
        shell.join(WAIT)
        assert not shell.is_alive(), "the old shell command did not end"
        commands = list(server.commands)
    assert board.secondary.contents() == slot_at_reset, "the old app wrote after the reset"
    assert console.lines[after_boot:] == []
    assert "QUIT" not in commands, commands
