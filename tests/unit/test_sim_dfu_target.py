"""dfu_target (MCUboot target) semantics on the simulated secondary slot."""

import pytest

from hil.mcuboot.trailer import MagicState, SwapType, TrailerLayout, read_swap_state
from hil.sim.dfu_target import DfuTarget, ImageType, img_type
from hil.sim.errno import EACCES, EFBIG, ENOMEM, ENOTSUP
from hil.sim.flash import FlashArea, nrf5340_internal_flash

MAGIC = bytes.fromhex("3db8f396")
SLOT = 0x78000


@pytest.fixture
def target() -> DfuTarget:
    area = FlashArea(nrf5340_internal_flash(), 0x84000, SLOT, "mcuboot_secondary")
    dfu = DfuTarget(area, TrailerLayout(SLOT))
    assert dfu.set_buf(4096) == 0
    return dfu


def image(size: int) -> bytes:
    return MAGIC + bytes(i % 251 for i in range(size - 4))


def test_image_type_needs_32_bytes_and_the_magic():
    assert img_type(image(31)) is ImageType.NONE
    assert img_type(image(32)) is ImageType.MCUBOOT
    assert img_type(b"\0" * 32) is ImageType.NONE


def test_write_before_init_and_unknown_type(target):
    assert target.write(b"x") == -EACCES
    assert target.init(ImageType.NONE, 0, 100) == -ENOTSUP


def test_announced_size_larger_than_the_slot_is_efbig(target):
    assert target.init(ImageType.MCUBOOT, 0, SLOT + 1) == -EFBIG
    assert target.init(ImageType.MCUBOOT, 0, SLOT) == 0


def test_overflowing_the_slot_is_enomem(target):
    assert target.init(ImageType.MCUBOOT, 0, 100) == 0
    assert target.write(b"\0" * SLOT) == 0
    assert target.write(b"\0") == -ENOMEM


def test_done_flushes_and_erases_only_the_last_page(target):
    slot = target.secondary
    slot.write(SLOT - 0x1000, b"\0" * 16)  # an old trailer
    slot.write(0x40000, b"\0" * 16)  # stale data in the middle
    data = image(10_001)
    assert target.init(ImageType.MCUBOOT, 0, len(data)) == 0
    for start in range(0, len(data), 708):
        assert target.write(data[start : start + 708]) == 0
    assert target.done(True) == 0
    assert slot.read(0, len(data)) == data
    assert slot.read(SLOT - 0x1000, 16) == b"\xff" * 16
    assert slot.read(0x40000, 16) == b"\0" * 16
    assert target.schedule_update(0) == 0  # the target stays current until reset


def test_reset_and_schedule_need_a_current_target(target):
    assert target.reset() == -EACCES
    assert target.schedule_update(0) == -EACCES


def test_efbig_still_leaves_the_target_current(target):
    assert target.init(ImageType.MCUBOOT, 0, SLOT + 1) == -EFBIG
    assert target.reset() == 0


def test_init_resumes_the_current_target_until_reset(target):
    data = image(12_000)
    target.init(ImageType.MCUBOOT, 0, len(data))
    target.write(data[:10_000])
    assert target.init(ImageType.MCUBOOT, 0, len(data)) == 0
    assert target.offset() == 10_000  # resumed, not restarted
    target.reset()
    assert target.secondary.read(0, 4) == b"\xff" * 4  # first page erased
    target.init(ImageType.MCUBOOT, 0, len(data))
    assert target.offset() == 0


def test_reset_skips_the_erase_when_page_0_was_the_last_one_erased(target):
    """stream_flash_erase_page() skips the page it erased last: a header can survive a reset."""
    target.init(ImageType.MCUBOOT, 0, 5000)
    target.write(image(5000))
    target.reset()
    assert target.secondary.read(0, 4) == MAGIC


def test_schedule_writes_a_test_swap_trailer(target):
    assert target.init(ImageType.MCUBOOT, 0, 100) == 0
    assert target.schedule_update(0) == 0
    state = read_swap_state(target.secondary, target.trailer)
    assert state.magic is MagicState.GOOD
    assert state.swap_type is SwapType.TEST
