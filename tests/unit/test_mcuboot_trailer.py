"""Image trailer: offsets, encoding, the swap-type table, boot_set_next semantics."""

import pytest

from hil.errors import HilError
from hil.mcuboot.trailer import (
    BOOT_MAGIC,
    Flag,
    MagicState,
    SwapState,
    SwapType,
    TrailerLayout,
    confirm_image,
    read_swap_state,
    request_upgrade,
    swap_type_for,
    write_copy_done,
    write_image_ok,
    write_magic,
    write_swap_info,
    write_swap_size,
)
from hil.mcuboot.trailer import read_swap_size as read_size
from hil.sim.flash import FlashArea, nrf5340_internal_flash

S = 0x78000


def secondary() -> FlashArea:
    return FlashArea(nrf5340_internal_flash(), 0x84000, S, "mcuboot_secondary")


def test_offsets_and_size_for_the_firmware_build():
    """The firmware's child_image/mcuboot.conf sets CONFIG_BOOT_MAX_IMG_SECTORS=256."""
    layout = TrailerLayout(S)
    assert layout.magic_off == S - 16
    assert layout.image_ok_off == S - 24
    assert layout.copy_done_off == S - 32
    assert layout.swap_info_off == S - 40
    assert layout.swap_size_off == S - 48
    assert layout.max_img_sectors == 256
    assert layout.trailer_size == 256 * 12 + 48 == 0xC30
    assert 0xC000 + layout.status_off == 0xC000 + 0x773D0  # the real bootloader's status area
    assert layout.trailer_sectors(0x1000) == 1
    assert TrailerLayout(S, max_img_sectors=128).status_off == 0x779D0
    assert TrailerLayout(0xF4000, max_img_sectors=256).trailer_size == 256 * 12 + 48


def test_layout_refuses_a_slot_smaller_than_the_trailer():
    with pytest.raises(HilError, match="cannot hold"):
        TrailerLayout(0x600)


def test_erased_trailer_decodes_unset():
    state = read_swap_state(secondary(), TrailerLayout(S))
    assert state == SwapState(MagicState.UNSET, SwapType.NONE, Flag.UNSET, Flag.UNSET, 0)
    assert state.describe() == "magic=unset, swap_type=0x1, copy_done=0x3, image_ok=0x3"


def test_encode_decode_round_trip():
    area, layout = secondary(), TrailerLayout(S)
    write_magic(area, layout)
    write_swap_info(area, layout, SwapType.PERM, 0)
    write_copy_done(area, layout)
    write_image_ok(area, layout)
    write_swap_size(area, layout, 0x25000)
    raw = area.read(S - 48, 48)
    assert raw[-16:] == BOOT_MAGIC
    assert raw[24:32] == b"\x01\xff\xff\xff\xff\xff\xff\xff"  # image_ok padded to 4, rest erased
    assert raw[8:12] == b"\x03\xff\xff\xff"  # swap_info
    assert raw[0:4] == (0x25000).to_bytes(4, "little")
    state = read_swap_state(area, layout)
    assert state == SwapState(MagicState.GOOD, SwapType.PERM, Flag.SET, Flag.SET, 0)
    assert state.describe() == "magic=good, swap_type=0x3, copy_done=0x1, image_ok=0x1"
    assert read_size(area, layout) == 0x25000


def test_bad_values_decode_as_bad():
    area, layout = secondary(), TrailerLayout(S)
    area.write(layout.magic_off, b"\x00" * 16)
    area.write(layout.image_ok_off, b"\x02\xff\xff\xff")
    area.write(layout.swap_info_off, b"\x07\xff\xff\xff")  # type > REVERT reads as none
    state = read_swap_state(area, layout)
    assert (state.magic, state.image_ok, state.swap_type) == (
        MagicState.BAD,
        Flag.BAD,
        SwapType.NONE,
    )
    assert state.describe().startswith("magic=bad, swap_type=0x1")


def _state(magic=MagicState.UNSET, image_ok=Flag.UNSET, copy_done=Flag.UNSET):
    return SwapState(magic, SwapType.NONE, copy_done, image_ok)


G, U, B = MagicState.GOOD, MagicState.UNSET, MagicState.BAD


@pytest.mark.parametrize(
    ("primary", "secondary_state", "expected"),
    [
        (_state(U), _state(G), SwapType.TEST),
        (_state(G, Flag.SET, Flag.SET), _state(G), SwapType.TEST),
        (_state(U), _state(G, Flag.SET), SwapType.PERM),
        (_state(G, Flag.UNSET, Flag.SET), _state(U), SwapType.REVERT),
        (_state(G, Flag.SET, Flag.SET), _state(U), SwapType.NONE),  # confirmed
        (_state(G, Flag.UNSET, Flag.UNSET), _state(U), SwapType.NONE),  # copy not done
        (_state(U), _state(U), SwapType.NONE),
        (_state(U), _state(B), SwapType.NONE),
        (_state(U), _state(G, Flag.BAD), SwapType.NONE),
        (_state(G, Flag.UNSET, Flag.SET), _state(B), SwapType.NONE),
    ],
)
def test_swap_type_table(primary, secondary_state, expected):
    assert swap_type_for(primary, secondary_state) is expected


def test_request_upgrade_on_unset_writes_magic_and_test():
    area, layout = secondary(), TrailerLayout(S)
    area.write(0, b"\x3d\xb8\xf3\x96")
    assert request_upgrade(area, layout) == 0
    state = read_swap_state(area, layout)
    assert (state.magic, state.swap_type, state.image_ok) == (G, SwapType.TEST, Flag.UNSET)
    assert area.read(0, 4) == b"\x3d\xb8\xf3\x96"


def test_request_permanent_upgrade_sets_image_ok():
    area, layout = secondary(), TrailerLayout(S)
    assert request_upgrade(area, layout, permanent=True) == 0
    state = read_swap_state(area, layout)
    assert (state.swap_type, state.image_ok) == (SwapType.PERM, Flag.SET)


def test_request_upgrade_on_good_leaves_the_slot_alone():
    area, layout = secondary(), TrailerLayout(S)
    request_upgrade(area, layout)
    before = area.contents()
    assert request_upgrade(area, layout, permanent=True) == 0
    assert area.contents() == before


def test_request_upgrade_on_bad_magic_erases_the_whole_slot():
    area, layout = secondary(), TrailerLayout(S)
    area.write(0, b"\x00" * 64)
    area.write(layout.magic_off, b"\x12" * 16)
    assert request_upgrade(area, layout) == 3
    assert area.contents() == b"\xff" * S


def test_confirm_image():
    area, layout = secondary(), TrailerLayout(S)
    assert confirm_image(area, layout) == 0  # unset magic: nothing to do
    assert area.contents() == b"\xff" * S
    write_magic(area, layout)
    assert confirm_image(area, layout) == 0
    assert read_swap_state(area, layout).image_ok is Flag.SET
    bad = secondary()
    bad.write(layout.magic_off, b"\x00" * 16)
    assert confirm_image(bad, layout) == 4
