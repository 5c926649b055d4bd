"""Finding the secondary slot in any dump: placed by the layout, partial reads kept partial."""

from __future__ import annotations

import pytest

from hil.dumps import Dump, DumpFormat
from hil.dumps.locate import UnreadBytes, locate_slot
from hil.errors import HilError
from hil.layout import Layout

INTERNAL = Layout.builtin("internal")
EXTERNAL = Layout.builtin("external")
SECONDARY = INTERNAL.secondary  # 0x84000, 0x78000 B


def _flash() -> bytes:
    """1 MiB of internal flash: every 4 KiB page holds its own page number."""
    return b"".join(bytes([page & 0xFF]) * 0x1000 for page in range(0x100))


def test_whole_flash_hex_is_cut_by_the_layout() -> None:
    flash = _flash()
    read = locate_slot(Dump(flash, 0, DumpFormat.HEX), INTERNAL)
    assert read.complete and not read.guessed
    assert read.data == flash[0x84000:0xFC000]
    assert "cut out of" in read.notes[0]


def test_raw_whole_flash_is_placed_from_zero_and_said_to_be_a_guess() -> None:
    flash = _flash()
    read = locate_slot(Dump(flash), INTERNAL)
    assert read.guessed and read.data == flash[0x84000:0xFC000]
    assert "--offset" in read.notes[0]


def test_raw_offset_places_the_slot_where_the_user_says() -> None:
    data = b"\x00" * 0x100 + bytes(range(256)) * 0x780
    read = locate_slot(Dump(data), INTERNAL, offset=0x100)
    assert read.data == data[0x100 : 0x100 + SECONDARY.size] and not read.guessed
    with pytest.raises(HilError, match="past the end"):
        locate_slot(Dump(data), INTERNAL, offset=len(data))


def test_offset_is_refused_for_a_dump_with_addresses() -> None:
    with pytest.raises(HilError, match="records its addresses"):
        locate_slot(Dump(b"\x01" * 64, 0x84000, DumpFormat.MEMRD), INTERNAL, offset=4)


def test_raw_dump_too_long_for_a_slot_but_no_flash_asks_for_an_offset() -> None:
    with pytest.raises(HilError, match="pass --offset"):
        locate_slot(Dump(b"\x01" * (SECONDARY.size + 16)), INTERNAL)


def test_partial_memrd_keeps_only_what_was_read() -> None:
    read = locate_slot(Dump(b"\x02" * 64, 0x84010, DumpFormat.MEMRD), INTERNAL)
    assert (read.start, read.end) == (0x10, 0x50)
    assert read.unread() == [(0, 0x10), (0x50, SECONDARY.size)]
    area = read.area()
    assert area.read(0x10, 64) == b"\x02" * 64
    with pytest.raises(UnreadBytes) as before:
        area.read(0, 0x20)
    assert (before.value.start, before.value.end) == (0, 0x10)
    with pytest.raises(UnreadBytes) as after:
        area.read(0x40, 0x20)
    assert (after.value.start, after.value.end) == (0x50, 0x60)


def test_a_short_raw_file_is_never_padded_with_erased_bytes() -> None:
    read = locate_slot(Dump(b"\x03" * 8), INTERNAL)
    assert read.area().read(0, 8) == b"\x03" * 8
    with pytest.raises(UnreadBytes):
        read.area().read(4, 8)


def test_dump_of_another_partition_is_named() -> None:
    with pytest.raises(HilError, match=r"0xc000-0xc040 \(mcuboot_primary\), not mcuboot_secondary"):
        locate_slot(Dump(b"\x01" * 64, 0xC000, DumpFormat.HEX), INTERNAL)


def test_external_slot_is_found_through_the_xip_window() -> None:
    part = EXTERNAL.secondary
    read = locate_slot(Dump(b"\x04" * 32, 0x10000000 + 0x20, DumpFormat.MEMRD), EXTERNAL)
    assert (read.start, read.end, read.size) == (0x20, 0x40, part.size)
    with pytest.raises(HilError, match="external flash: dump it through the XIP window"):
        locate_slot(Dump(b"\x04" * 32, 0x20, DumpFormat.MEMRD), EXTERNAL)
    with pytest.raises(HilError, match="--layout external"):
        locate_slot(Dump(b"\x04" * 32, 0x10000000, DumpFormat.MEMRD), INTERNAL)


def test_view_is_the_read_without_a_copy_and_refuses_unread_bytes() -> None:
    read = locate_slot(Dump(bytes(range(64)), 0x84000, DumpFormat.HEX), INTERNAL)
    area = read.area()
    assert bytes(area.view(8, 16)) == area.read(8, 16) == bytes(range(8, 24))
    with pytest.raises(UnreadBytes):
        area.view(60, 8)
