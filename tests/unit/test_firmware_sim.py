"""The C core and its Python model inside the simulated app, side by side over a real FTP server.

Both run on the simulator's dfu_target and ftp_client models; they must print the same lines
and leave the same bytes in the secondary slot, for every mode and failure below, in sequence,
in both firmware flavours.
"""

from __future__ import annotations

import re
import threading

import pytest

from hil import protocol
from hil.ftp.scripted import ScriptedServer, Turn, conversation
from hil.ftp.server import FtpServer, FtpServerConfig
from hil.image.header import IMAGE_MAGIC, ImageHeader, ImageVersion
from hil.mcuboot.trailer import TrailerLayout
from hil.protocol import ClientMode, FirmwareFlavour
from hil.sim import core_lib
from hil.sim.dfu_target import DfuTarget
from hil.sim.firmware import FtpDfuApp, mark_flavour
from hil.sim.flash import FlashArea, nrf5340_internal_flash

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

    def __init__(self, core_kind: str, flavour: FirmwareFlavour) -> None:
        flash = nrf5340_internal_flash()
        self.slot = FlashArea(flash, 0x84000, SLOT, "mcuboot_secondary")
        self.dfu = DfuTarget(self.slot, TrailerLayout(SLOT))
        self.lines: list[str] = []
        primary = FlashArea(flash, 0xC000, SLOT)
        primary.device.load(primary.offset, running_image(flavour))
        self.app = FtpDfuApp(
            self.lines.append, self.dfu, primary, TrailerLayout(SLOT), "1.0.0+0", 5.0, core_kind
        )
        self.app.boot()

    def execute(self, line: str) -> None:
        self.app.execute(line)

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


def running_image(flavour: FirmwareFlavour) -> bytes:
    """A header the app reads its version from, and the build record of its flavour."""
    header = ImageHeader(IMAGE_MAGIC, 0, 0x200, 0, 0x2000, 0, ImageVersion.parse("1.0.0+0"))
    return header.pack() + b"\0" * 0x1E0 + mark_flavour(bytes(0x2000), flavour)


EXPECTED = {
    FirmwareFlavour.SEED: [(226, 0), (226, 0), (226, -134), (226, -27), (226, -12), (550, 0)],
    FirmwareFlavour.HARDENED: [
        (226, 0),
        (226, -122),
        (226, -134),
        (226, -27),
        (226, -122),
        (550, 0),
    ],
}


@pytest.mark.parametrize("flavour", list(FirmwareFlavour), ids=str)
def test_c_core_and_python_model_agree_step_by_step(server, flavour):
    python, native = Device("python", flavour), Device("c", flavour)
    assert native.lines[-1] == protocol.format_ready("1.0.0+0", flavour)
    for path, size, mode in steps(server):
        command = protocol.get_command(
            "127.0.0.1", server.port, server.user, server.password, path, size, mode
        )
        for line in (command, protocol.SCHEDULE_COMMAND, protocol.STATUS_COMMAND):
            python.execute(line)
            native.execute(line)
        assert native.output() == python.output(), command
        assert native.slot.read(0, SLOT) == python.slot.read(0, SLOT), command

    bad = f"ftpdfu get 127.0.0.1 {server.port} u p app_update.bin 10 ebcdic"
    python.execute(bad)
    native.execute(bad)
    assert native.output() == python.output()

    results = [protocol.parse_result(line) for line in native.lines if "FTPDFU_RESULT" in line]
    assert [(r.ftp, r.dfu) for r in results] == [*EXPECTED[flavour], (226, 0)]
    assert results[1].rx > results[0].rx == 20_004  # TYPE A added CRs
    assert native.slot.read(0, 20_004) == slot_image(20_004)


class GatedClient:
    """The sim's NcsFtpClient with the scheduling of a busy device: the data task delivers
    ``in_time`` chunks before ftp_get() returns (451 from the server: it returns without
    waiting for the data task, l.377), then stalls until the app closes the connection, and
    delivers ``late`` more chunks while ftp_close() runs: after dfu_target_done()."""

    def __init__(self, client_factory, on_data, on_ctrl, in_time: int, late: int) -> None:
        self.in_time, self.late = in_time, late
        self.sizes: list[int] = []
        self._enough = threading.Event()
        self._closing = threading.Event()
        self._late_done = threading.Event()
        self._on_data = on_data
        self.client = client_factory(self._deliver, on_ctrl)

    def _deliver(self, chunk: bytes) -> None:
        if len(self.sizes) >= self.in_time:
            self._enough.set()
            self._closing.wait(30)
        self.sizes.append(len(chunk))
        self._on_data(chunk)
        if len(self.sizes) >= self.in_time + self.late:
            self._late_done.set()

    def get(self, path: str) -> int:
        rc = self.client.get(path)
        self._enough.wait(30)
        return rc

    def close(self) -> int:
        self._closing.set()
        self._late_done.wait(30)
        return self.client.close()

    def __getattr__(self, name: str):
        return getattr(self.client, name)


@pytest.mark.parametrize("core_kind", ["c", "python"])
@pytest.mark.parametrize("flavour", list(FirmwareFlavour), ids=str)
def test_late_data_from_the_sim_client_never_reaches_flash(flavour, core_kind):
    data = slot_image(40_000)
    turns = conversation(data)
    turns[-1] = Turn("RETR", b"451 Requested action aborted.\r\n", data=data, after=b"")
    device = Device(core_kind, flavour)
    clients: list[GatedClient] = []
    real_factory = device.app._make_client
    device.app._make_client = lambda on_data, on_ctrl: (
        clients.append(GatedClient(real_factory, on_data, on_ctrl, in_time=20, late=10))
        or clients[-1]
    )
    device.app.listen_time = 2.0
    if core_kind == "c":
        try:
            core_lib.load()
        except core_lib.CoreUnavailable as exc:
            pytest.skip(str(exc))
    device.app.boot()
    with ScriptedServer(turns) as server:
        device.execute(
            protocol.get_command(
                "127.0.0.1",
                server.port,
                server.user,
                server.password,
                "a.bin",
                len(data),
                ClientMode.BINARY,
            )
        )
        result = protocol.parse_result(next(x for x in device.lines if "FTPDFU_RESULT" in x))
        assert clients[-1].wait_data_task(30), "the data task did not end"
    device.execute(protocol.STATUS_COMMAND)
    status = protocol.STATUS_RE.fullmatch(device.lines[-1])
    sizes = clients[-1].sizes
    in_time = sum(sizes[:20])
    assert result.ftp == 451 and result.rx == in_time
    assert len(sizes) >= 30 and int(status["late"]) == sum(sizes[20:]) >= 10 * 708
    assert int(status["calls"]) == len(sizes) - 20 and status["last"] == "failed"
    flushed = in_time // 0x1000 * 0x1000  # dfu_target_done(false) flushes nothing more
    assert flushed > 0 and device.slot.read(0, flushed) == data[:flushed]
    assert device.slot.read(flushed, SLOT - flushed) == b"\xff" * (SLOT - flushed)
