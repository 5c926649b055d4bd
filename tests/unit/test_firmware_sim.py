"""The C core and the simulator's Python model of the app, side by side over a real FTP server.

Both run on the simulator's dfu_target and ftp_client models; they must print the same lines
and leave the same bytes in the secondary slot, for every mode and failure below, in sequence.
"""

from __future__ import annotations

import re

import pytest

from hil import protocol
from hil.ftp.server import FtpServer, FtpServerConfig
from hil.mcuboot.trailer import TrailerLayout
from hil.protocol import ClientMode
from hil.sim import core_lib
from hil.sim.dfu_target import DfuTarget
from hil.sim.firmware import FtpDfuApp
from hil.sim.flash import FlashArea, nrf5340_internal_flash
from hil.sim.ncs_ftp_client import NcsFtpClient

SLOT = 0x78000
PASV_RE = re.compile(r"\(\d+,\d+,\d+,\d+,\d+,\d+\)")


def slot_image(size: int) -> bytes:
    body = bytes((i * 13) % 256 for i in range(size - 4))  # has lone LFs and CRs
    return bytes.fromhex("3db8f396") + body


def steps(server: FtpServer) -> list[tuple[str, int, ClientMode]]:
    """(file, announced size, mode) for one downloading sequence on one device."""
    return [
        ("app_update.bin", 20_004, ClientMode.BINARY),
        ("app_update.bin", 20_004, ClientMode.DEFAULT),
        ("short.bin", 20, ClientMode.BINARY),
        ("app_update.bin", SLOT + 1, ClientMode.BINARY),
        ("huge.bin", 100, ClientMode.ASCII),
        ("missing.bin", 100, ClientMode.BINARY),
        ("app_update.bin", 20_004, ClientMode.BINARY),
    ]


class Device:
    """A secondary slot, its dfu_target and the console lines of one app implementation."""

    def __init__(self) -> None:
        flash = nrf5340_internal_flash()
        self.slot = FlashArea(flash, 0x84000, SLOT, "mcuboot_secondary")
        self.dfu = DfuTarget(self.slot, TrailerLayout(SLOT))
        self.lines: list[str] = []
        self.app = FtpDfuApp(
            self.lines.append,
            self.dfu,
            FlashArea(flash, 0xC000, SLOT),
            TrailerLayout(SLOT),
            "1.0.0+0",
        )
        self.app.boot()

    def output(self) -> list[str]:
        return [PASV_RE.sub("(pasv)", line) for line in self.lines]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    try:
        core_lib.load()
    except core_lib.CoreUnavailable as exc:
        pytest.skip(str(exc))
    root = tmp_path_factory.mktemp("ftp")
    (root / "app_update.bin").write_bytes(slot_image(20_004))
    (root / "short.bin").write_bytes(slot_image(20))
    (root / "huge.bin").write_bytes(slot_image(SLOT + 1000))
    with FtpServer(FtpServerConfig(root=root)) as srv:
        yield srv


def test_c_core_and_python_model_agree_step_by_step(server):
    python, native = Device(), Device()
    core = core_lib.sim_core(
        native.dfu,
        native.lines.append,
        lambda on_data, on_ctrl: NcsFtpClient(on_data, on_ctrl, listen_time=5.0),
        "1.0.0+0",
    )
    if core is None:
        pytest.skip("the C core is switched off (FTPDFU_SIM_CORE=python) or cannot be built")
    for path, size, mode in steps(server):
        command = protocol.get_command(
            "127.0.0.1", server.port, server.user, server.password, path, size, mode
        )
        python.app.execute(command)
        native.lines.append(protocol.PROMPT + command)
        core.get("127.0.0.1", server.port, server.user, server.password, path, size, mode.value)
        assert native.output() == python.output(), command
        assert native.slot.read(0, SLOT) == python.slot.read(0, SLOT), command

    bad = f"ftpdfu get 127.0.0.1 {server.port} u p app_update.bin 10 ebcdic"
    python.app.execute(bad)
    native.lines.append(protocol.PROMPT + bad)
    core.get("127.0.0.1", server.port, "u", "p", "app_update.bin", 10, "ebcdic")
    assert native.output() == python.output()

    results = [protocol.parse_result(line) for line in native.lines if "FTPDFU_RESULT" in line]
    assert [(r.ftp, r.dfu) for r in results] == [
        (226, 0),
        (226, 0),
        (226, -134),
        (226, -27),
        (226, -12),
        (550, 0),
        (226, 0),
    ]
    assert results[1].rx > results[0].rx == 20_004  # TYPE A added CRs
    assert native.slot.read(0, 20_004) == slot_image(20_004)
