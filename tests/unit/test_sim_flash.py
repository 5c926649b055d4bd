"""Flash model and stream_flash: NOR semantics, alignment, and which pages get erased."""

import pytest

from hil.sim.errno import EFAULT, ENOMEM
from hil.sim.flash import FlashArea, FlashDevice, FlashError, nrf5340_internal_flash
from hil.sim.stream_flash import StreamFlash


def small_flash() -> FlashDevice:
    return FlashDevice("test", size=0x10000, page_size=0x1000, write_block=4)


def test_erased_flash_reads_ff_and_writes_only_clear_bits():
    flash = small_flash()
    assert flash.read(0, 8) == b"\xff" * 8
    flash.write(0, b"\x0f\xf0\xaa\x55")
    flash.write(0, b"\xff\x0f\xff\x00")
    assert flash.read(0, 4) == b"\x0f\x00\xaa\x00"


@pytest.mark.parametrize(("addr", "data"), [(2, b"\0" * 4), (0, b"\0" * 3)])
def test_misaligned_write_is_refused(addr, data):
    with pytest.raises(FlashError, match="not aligned"):
        small_flash().write(addr, data)


def test_erase_is_page_granular_and_logged():
    flash = small_flash()
    flash.write(0x1000, b"\0" * 8)
    with pytest.raises(FlashError):
        flash.erase(0x1004, 0x1000)
    flash.erase(0x1000, 0x1000)
    assert flash.read(0x1000, 8) == b"\xff" * 8
    assert flash.erase_log == [0x1000]


def test_area_is_bounded_to_its_partition():
    area = FlashArea(nrf5340_internal_flash(), 0x84000, 0x78000, "mcuboot_secondary")
    with pytest.raises(FlashError, match="outside the area"):
        area.read(0x77FFF, 2)
    with pytest.raises(FlashError, match="not aligned"):
        FlashArea(nrf5340_internal_flash(), 0x84001, 0x1000, "bad")


def test_stream_flash_erases_only_touched_pages_and_pads_the_tail():
    flash = small_flash()
    flash.write(0x5000, b"\x00" * 16)  # stale data from an earlier run
    area = FlashArea(flash, 0, 0x8000, "slot")
    rc, stream = StreamFlash.init(area, 512)
    assert rc == 0 and stream is not None
    data = bytes(range(256)) * 20 + b"\x01\x02\x03"  # 5123 bytes: two pages
    for start in range(0, len(data), 700):
        assert stream.buffered_write(data[start : start + 700]) == 0
    assert stream.buffered_write(b"", flush=True) == 0
    assert area.read(0, len(data)) == data
    assert area.read(len(data), 1) == b"\xff"  # write-block padding is the erase value
    assert flash.erase_log == [0x0000, 0x1000]
    assert flash.read(0x5000, 16) == b"\x00" * 16  # untouched page keeps stale bytes
    assert stream.offset == len(data)


def test_stream_flash_refuses_overflow_and_bad_buffers():
    area = FlashArea(small_flash(), 0, 0x2000, "slot")
    assert StreamFlash.init(area, 0x2000)[0] == -EFAULT  # larger than a page
    assert StreamFlash.init(area, 510)[0] == -EFAULT  # not a multiple of the write block
    _, stream = StreamFlash.init(area, 512)
    assert stream is not None
    assert stream.buffered_write(b"\0" * 0x2000) == 0
    assert stream.buffered_write(b"\0") == -ENOMEM
