"""The simulated DK's fault hooks: a power cut at a byte offset, a firmware without reset."""

from __future__ import annotations

from pathlib import Path

import pytest

from hil.errors import HilError
from hil.kit import UpdateKit, make_sim_kit
from hil.layout import Layout
from hil.mcuboot.trailer import TrailerLayout
from hil.sim.device import SimConfig
from hil.sim.dfu_target import DfuTarget, ImageType
from hil.sim.dut import SimDut
from hil.sim.faults import (
    ArmedCut,
    FaultyDfuTarget,
    PowerCut,
    SkipDfuReset,
    install,
    installed,
    remove,
    shorten_timeouts,
)
from hil.sim.flash import FlashArea, nrf5340_internal_flash

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
