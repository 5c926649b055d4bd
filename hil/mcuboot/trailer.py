"""The image trailer at the end of each slot, and the swap decision it drives.

Layout from ``bootutil_priv.h`` / ``bootutil_misc.h``; reads and writes follow
``bootutil_public.c`` (``boot_read_swap_state``, ``boot_write_*``, ``boot_set_next``) and the
table of ``boot_swap_type_multi`` in sdk-mcuboot v2.0.99-ncs1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from hil.errors import HilError
from hil.mcuboot.area import ERASED, FlashLike, ReadableArea
from hil.mcuboot.kconfig import firmware_max_img_sectors

BOOT_MAGIC = bytes.fromhex("77c295f360d2ef7f3552500f2cb67980")
_ALIGNED_MAGIC_TAIL = bytes.fromhex("2de15d29410b8d77679c110f1f8a")
MAGIC_SIZE = 16
STATUS_STATE_COUNT = 3  # swap-move: one move state and two swap states per sector
BOOT_EBADIMAGE = 3
BOOT_EBADVECT = 4


class MagicState(IntEnum):
    GOOD = 1
    BAD = 2
    UNSET = 3


class Flag(IntEnum):
    SET = 1
    BAD = 2
    UNSET = 3


class SwapType(IntEnum):
    NONE = 1
    TEST = 2
    PERM = 3
    REVERT = 4
    FAIL = 5
    PANIC = 0xFF

    @property
    def is_upgrade(self) -> bool:
        """``BOOT_IS_UPGRADE``: a swap is to be performed."""
        return self in (SwapType.TEST, SwapType.PERM, SwapType.REVERT)

    @property
    def label(self) -> str:
        """The word MCUboot prints in ``Image index: 0, Swap type: %s``."""
        return self.name.lower()


def _align_up(value: int, align: int) -> int:
    return (value + align - 1) // align * align


def _align_down(value: int, align: int) -> int:
    return value // align * align


@dataclass(frozen=True)
class TrailerLayout:
    """Where the trailer fields of a slot of ``slot_size`` bytes are (no encryption).

    ``max_img_sectors`` defaults to the firmware build's ``CONFIG_BOOT_MAX_IMG_SECTORS``
    (:mod:`hil.mcuboot.kconfig`).
    """

    slot_size: int
    write_size: int = 4
    max_align: int = 8
    max_img_sectors: int = field(default_factory=firmware_max_img_sectors)

    def __post_init__(self) -> None:
        if self.write_size not in (1, 2, 4, 8, 16, 32) or self.write_size > self.max_align:
            raise HilError(
                f"write size {self.write_size} is not supported with max align {self.max_align}"
            )
        if self.trailer_size > self.slot_size:
            raise HilError(
                f"a 0x{self.slot_size:x} B slot cannot hold the 0x{self.trailer_size:x} B trailer"
            )

    @property
    def magic(self) -> bytes:
        """``boot_img_magic``: the classic 16 bytes for BOOT_MAX_ALIGN 8, else align-prefixed."""
        if self.max_align == 8:
            return BOOT_MAGIC
        return self.max_align.to_bytes(2, "little") + _ALIGNED_MAGIC_TAIL

    @property
    def magic_off(self) -> int:
        return self.slot_size - MAGIC_SIZE

    @property
    def image_ok_off(self) -> int:
        return _align_down(self.magic_off - self.max_align, self.max_align)

    @property
    def copy_done_off(self) -> int:
        return self.image_ok_off - self.max_align

    @property
    def swap_info_off(self) -> int:
        return self.copy_done_off - self.max_align

    @property
    def swap_size_off(self) -> int:
        return self.swap_info_off - self.max_align

    @property
    def status_size(self) -> int:
        return self.max_img_sectors * STATUS_STATE_COUNT * self.write_size

    @property
    def trailer_size(self) -> int:
        """``boot_trailer_sz``: status area plus the four fields plus the aligned magic."""
        return self.status_size + self.max_align * 4 + _align_up(MAGIC_SIZE, self.max_align)

    @property
    def status_off(self) -> int:
        return self.slot_size - self.trailer_size

    def trailer_sectors(self, sector_size: int) -> int:
        """Whole sectors ``swap_erase_trailer_sectors`` erases from the slot end."""
        return -(-self.trailer_size // sector_size)


@dataclass(frozen=True)
class SwapState:
    """``struct boot_swap_state`` as decoded by ``boot_read_swap_state``."""

    magic: MagicState
    swap_type: SwapType | int
    copy_done: Flag
    image_ok: Flag
    image_num: int = 0

    def describe(self) -> str:
        """The fields as ``BOOT_LOG_SWAP_STATE`` prints them."""
        magic = {MagicState.GOOD: "good", MagicState.UNSET: "unset"}.get(self.magic, "bad")
        return (
            f"magic={magic}, swap_type=0x{int(self.swap_type):x}, "
            f"copy_done=0x{int(self.copy_done):x}, image_ok=0x{int(self.image_ok):x}"
        )


def _decode_flag(value: int) -> Flag:
    if value == ERASED:
        return Flag.UNSET
    return Flag.SET if value == Flag.SET else Flag.BAD


def read_swap_state(area: ReadableArea, layout: TrailerLayout) -> SwapState:
    magic_bytes = area.read(layout.magic_off, MAGIC_SIZE)
    if magic_bytes == bytes([ERASED]) * MAGIC_SIZE:
        magic = MagicState.UNSET
    else:
        magic = MagicState.GOOD if magic_bytes == layout.magic else MagicState.BAD
    info = area.read(layout.swap_info_off, 1)[0]
    swap_type_raw, image_num = info & 0x0F, info >> 4
    swap_type: SwapType | int
    if info == ERASED or swap_type_raw > SwapType.REVERT:
        swap_type, image_num = SwapType.NONE, 0
    else:
        swap_type = SwapType(swap_type_raw) if swap_type_raw else 0  # 0 is kept as read
    return SwapState(
        magic=magic,
        swap_type=swap_type,
        copy_done=_decode_flag(area.read(layout.copy_done_off, 1)[0]),
        image_ok=_decode_flag(area.read(layout.image_ok_off, 1)[0]),
        image_num=image_num,
    )


def read_swap_size(area: ReadableArea, layout: TrailerLayout) -> int:
    return int.from_bytes(area.read(layout.swap_size_off, 4), "little")


def _write_trailer(area: FlashLike, layout: TrailerLayout, off: int, data: bytes) -> None:
    """``boot_write_trailer``: the value padded with 0xFF up to the flash write size."""
    size = _align_up(len(data), layout.write_size)
    if size > layout.max_align:
        raise HilError(f"trailer write of {len(data)} B exceeds BOOT_MAX_ALIGN {layout.max_align}")
    area.write(off, data + bytes([ERASED]) * (size - len(data)))


def write_magic(area: FlashLike, layout: TrailerLayout) -> None:
    """``boot_write_magic``: the magic, right-aligned in a max-align padded block."""
    block = _align_up(MAGIC_SIZE, layout.max_align)
    pad_off = _align_down(layout.magic_off, layout.max_align)
    area.write(pad_off, bytes([ERASED]) * (block - MAGIC_SIZE) + layout.magic)


def write_image_ok(area: FlashLike, layout: TrailerLayout) -> None:
    _write_trailer(area, layout, layout.image_ok_off, bytes([Flag.SET]))


def write_copy_done(area: FlashLike, layout: TrailerLayout) -> None:
    _write_trailer(area, layout, layout.copy_done_off, bytes([Flag.SET]))


def write_swap_info(
    area: FlashLike, layout: TrailerLayout, swap_type: SwapType | int, image_num: int = 0
) -> None:
    _write_trailer(area, layout, layout.swap_info_off, bytes([(image_num << 4) | int(swap_type)]))


def write_swap_size(area: FlashLike, layout: TrailerLayout, swap_size: int) -> None:
    _write_trailer(area, layout, layout.swap_size_off, swap_size.to_bytes(4, "little"))


def erase_trailer_sectors(area: FlashLike, trailer_size: int) -> None:
    """``swap_erase_trailer_sectors``: erase sectors from the slot end until the trailer is gone."""
    erased = 0
    off = area.size
    while True:
        off -= area.sector_size
        area.erase(off, area.sector_size)
        erased += area.sector_size
        if erased >= trailer_size:
            return


_SWAP_TABLE: tuple[
    tuple[MagicState | None, MagicState, Flag | None, Flag | None, Flag | None, SwapType], ...
] = (
    (None, MagicState.GOOD, None, Flag.UNSET, None, SwapType.TEST),
    (None, MagicState.GOOD, None, Flag.SET, None, SwapType.PERM),
    (MagicState.GOOD, MagicState.UNSET, Flag.UNSET, None, Flag.SET, SwapType.REVERT),
)


def swap_type_for(primary: SwapState, secondary: SwapState) -> SwapType:
    """``boot_swap_type_multi``: the first matching row of the table, else NONE.

    Columns: primary magic, secondary magic, primary image_ok, secondary image_ok, primary
    copy_done (None = any).
    """
    actual = (
        primary.magic,
        secondary.magic,
        primary.image_ok,
        secondary.image_ok,
        primary.copy_done,
    )
    for *wanted, swap_type in _SWAP_TABLE:
        if all(w is None or w == a for w, a in zip(wanted, actual, strict=True)):
            return swap_type
    return SwapType.NONE


def request_upgrade(
    secondary_area: FlashLike, layout: TrailerLayout, permanent: bool = False
) -> int:
    """``boot_set_pending`` → ``boot_set_next(secondary, active=false, confirm=permanent)``.

    Returns 0, or BOOT_EBADIMAGE (3) after erasing a slot whose trailer magic is bad.
    """
    state = read_swap_state(secondary_area, layout)
    if state.magic is MagicState.UNSET:
        write_magic(secondary_area, layout)
        if permanent:
            write_image_ok(secondary_area, layout)
        write_swap_info(secondary_area, layout, SwapType.PERM if permanent else SwapType.TEST)
        return 0
    if state.magic is MagicState.BAD:
        secondary_area.erase(0, secondary_area.size)
        return BOOT_EBADIMAGE
    return 0


def confirm_image(primary_area: FlashLike, layout: TrailerLayout) -> int:
    """``boot_set_confirmed`` → ``boot_set_next(primary, active=true)``.

    Writes image_ok only when the magic is good and image_ok unset; an unset magic is a no-op
    (a freshly flashed image counts as confirmed); a bad magic returns BOOT_EBADVECT (4).
    """
    state = read_swap_state(primary_area, layout)
    if state.magic is MagicState.GOOD:
        if state.image_ok is Flag.UNSET:
            write_image_ok(primary_area, layout)
        return 0
    if state.magic is MagicState.BAD:
        return BOOT_EBADVECT
    return 0
