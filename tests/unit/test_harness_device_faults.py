"""The simulated DK's fault hooks: a power cut at a byte offset, a firmware without reset."""

from __future__ import annotations

from pathlib import Path

import pytest

from hil.dut.bootlog import BootDecision
from hil.errors import HilError
from hil.ftp import FtpServer, FtpServerConfig
from hil.kit import UpdateKit, make_sim_kit
from hil.layout import Layout
from hil.mcuboot.trailer import TrailerLayout
from hil.protocol import ClientMode
from hil.scenario import endpoint_for
from hil.sim.device import SimConfig
from hil.sim.dfu_target import DfuTarget, ImageType
from hil.sim.dut import SimDut
from hil.sim.faults import (
    ArmedCut,
    CtrlBufOverflow,
    FaultyDfuTarget,
    PasvPortRace,
    PowerCut,
    SkipDfuReset,
    install,
    installed,
    remove,
    shorten_timeouts,
)
from hil.sim.flash import FlashArea, nrf5340_internal_flash
from hil.sim.ftp_client import ClientDefects, NcsFtpClient

SLOT = 0x78000
IMAGE = bytes.fromhex("3db8f396") + bytes(i % 251 for i in range(20_000))


def target(**faults: object) -> FaultyDfuTarget:
    area = FlashArea(nrf5340_internal_flash(), 0x84000, SLOT, "mcuboot_secondary")
    dfu = FaultyDfuTarget(area, TrailerLayout(SLOT), **faults)  # type: ignore[arg-type]
    assert dfu.set_buf(4096) == 0
    return dfu


def stream(dfu: DfuTarget, data: bytes, chunk: int = 708) -> None:
    assert dfu.init(ImageType.MCUBOOT, 0, len(data)) == 0
    for start in range(0, len(data), chunk):
        assert dfu.write(data[start : start + chunk]) == 0


def test_power_cut_keeps_only_flushed_pages() -> None:
    cut = ArmedCut(10_000)
    dfu = target(power_cut=cut)
    stream(dfu, IMAGE)
    assert cut.fired and dfu.halted and dfu.written == 10_000
    assert dfu.done(True) == 0 and dfu.schedule_update() == 0  # a halted CPU does nothing
    slot = dfu.secondary.contents()
    assert slot[:8192] == IMAGE[:8192]  # two full 4 KiB buffers reached flash
    assert slot[8192:] == b"\xff" * (SLOT - 8192)  # the buffered rest died with the RAM
    assert dfu.offset() == 10_000


def test_power_cut_fires_once() -> None:
    cut = ArmedCut(100)
    stream(target(power_cut=cut), IMAGE)
    fresh = target(power_cut=cut)  # the next boot's dfu_target
    stream(fresh, IMAGE)
    assert not fresh.halted and fresh.done(True) == 0
    assert fresh.secondary.read(0, len(IMAGE)) == IMAGE


def test_skip_reset_resumes_at_the_old_offset() -> None:
    dfu = target(skip_reset=True)
    stream(dfu, IMAGE[:5000])
    assert dfu.done(False) == 0  # aborted: progress kept
    assert dfu.reset() == 0  # the bug: nothing happens
    stream(dfu, IMAGE)
    assert dfu.done(True) == 0
    slot = dfu.secondary.contents()
    assert slot[:5000] == IMAGE[:5000] and slot[5000 : 5000 + len(IMAGE)] == IMAGE


def test_plain_reset_starts_over() -> None:
    dfu = target()
    stream(dfu, IMAGE[:5000])
    assert dfu.done(False) == 0 and dfu.reset() == 0
    stream(dfu, IMAGE)
    assert dfu.done(True) == 0
    assert dfu.secondary.read(0, len(IMAGE)) == IMAGE


def test_invalid_power_cut() -> None:
    with pytest.raises(HilError, match="negative"):
        PowerCut(-1)
    assert str(PowerCut(4096)) == "power-cut@4096" and str(SkipDfuReset()) == "no-dfu-target-reset"


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> UpdateKit:
    return make_sim_kit(tmp_path_factory.mktemp("kit"), Layout.builtin())


def test_install_applies_from_the_next_boot(kit: UpdateKit, tmp_path: Path) -> None:
    dut = SimDut(SimConfig(Layout.builtin(), kit.keys, kit.factory_image))
    dut.provision()
    assert type(dut.board.app.dfu) is DfuTarget  # type: ignore[union-attr]
    with installed(dut, SkipDfuReset()):
        dut.reset()
        assert isinstance(dut.board.app.dfu, FaultyDfuTarget)  # type: ignore[union-attr]
    dut.reset()
    assert type(dut.board.app.dfu) is DfuTarget  # type: ignore[union-attr]
    shorten_timeouts(dut, 0.5)
    dut.reset()
    assert dut.board.app.listen_time == 0.5  # type: ignore[union-attr]
    install(dut, PowerCut(1))
    remove(dut)
    assert dut.board.dfu_factory is DfuTarget


def test_device_faults_need_the_simulator() -> None:
    with pytest.raises(HilError, match="simulated DK"):
        install(object(), PowerCut(1))
    with pytest.raises(HilError, match="simulated DK"):
        shorten_timeouts(object(), 1.0)


def test_client_defects_reach_the_app_from_the_next_boot(kit: UpdateKit) -> None:
    dut = SimDut(SimConfig(Layout.builtin(), kit.keys, kit.factory_image))
    dut.provision()

    def session() -> NcsFtpClient:
        return dut.board.app._make_client(lambda chunk: None, lambda text: None)  # type: ignore[union-attr]

    assert session().defects == ClientDefects()
    with installed(dut, CtrlBufOverflow(), PasvPortRace()):
        assert session().defects == ClientDefects()  # this boot's app keeps its client
        dut.reset()
        assert session().defects == ClientDefects(ctrl_buf_overflow=True, pasv_port_race=True)
    dut.reset()
    assert session().defects == ClientDefects()
    assert (str(CtrlBufOverflow()), str(PasvPortRace())) == ("ctrl-buf-overflow", "pasv-port-race")


def test_schedule_reports_a_refused_upgrade_request(kit: UpdateKit, tmp_path: Path) -> None:
    """boot_request_upgrade finds a bad trailer magic, erases the slot and fails: so must
    ``ftpdfu schedule``, and the next boot has nothing to swap."""
    dut = SimDut(SimConfig(Layout.builtin(), kit.keys, kit.factory_image))
    dut.provision()
    (tmp_path / kit.update_name).write_bytes(kit.update_image)
    with FtpServer(FtpServerConfig(tmp_path)) as server:
        result = dut.download(
            endpoint_for(server), kit.update_name, len(kit.update_image), ClientMode.BINARY
        )
    assert result.ok, result
    secondary, trailer = dut.board.secondary, dut.board.trailer
    secondary.write(
        trailer.magic_off, b"\x00" * 16
    )  # a flipped trailer: magic neither set nor erased
    assert dut.schedule_update() != 0
    assert secondary.contents() == b"\xff" * secondary.size  # MCUboot's request erased it
    boot = dut.reset()
    assert boot.decision is BootDecision.NO_UPGRADE and boot.app_version == kit.old_version
