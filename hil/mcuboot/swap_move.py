"""The swap-using-move upgrade and its resume after power loss (sdk-mcuboot v2.0.99-ncs1).

Follows ``swap_move.c`` (``swap_run``, ``boot_move_sector_up``, ``boot_swap_sectors``,
``fixup_revert``, ``swap_read_status_bytes``, ``boot_read_image_header``), ``swap_misc.c``
(``swap_status_init``) and ``loader.c`` (``boot_write_status``, ``boot_copy_region``). Primary
sectors [0, n) move up by one sector, then sector by sector the secondary's sector i goes to
primary i and the moved-up old primary sector goes to secondary i. Every step records a progress
byte in the primary's status area; after a power cut, :meth:`SwapMove.read_status` finds the
last one and :meth:`SwapMove.run` carries on from the step after it, as the target does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hil.errors import HilError
from hil.mcuboot import log
from hil.mcuboot.area import ERASED, FlashLike
from hil.mcuboot.trailer import (
    Flag,
    MagicState,
    SwapType,
    TrailerLayout,
    erase_trailer_sectors,
    read_swap_size,
    read_swap_state,
    write_image_ok,
    write_magic,
    write_swap_info,
    write_swap_size,
)

Logger = Callable[[log.Level, str], None]

OP_MOVE = 1  # BOOT_STATUS_OP_MOVE
OP_SWAP = 2  # BOOT_STATUS_OP_SWAP
MOVE_STATES = 1  # BOOT_STATUS_MOVE_STATE_COUNT
SWAP_STATES = 2  # BOOT_STATUS_SWAP_STATE_COUNT
IDX_0 = 1  # BOOT_STATUS_IDX_0
STATE_0 = 1  # BOOT_STATUS_STATE_0
COPY_CHUNK = 1024  # BUF_SZ of boot_copy_region: one flash write per chunk
_U32 = 0xFFFFFFFF


class NotModelled(HilError):
    """Slot contents that send the real bootloader into undefined behaviour."""


@dataclass
class BootStatus:
    """``struct boot_status``: where a swap is, what kind it is, and where it was read from."""

    op: int = OP_MOVE
    idx: int = IDX_0
    state: int = STATE_0
    swap_type: SwapType | int = SwapType.NONE
    swap_size: int = 0
    source_primary: bool = False

    def is_reset(self) -> bool:
        """``boot_status_is_reset``: no swap progress recorded."""
        return self.op == OP_MOVE and self.idx == IDX_0 and self.state == STATE_0


def as_swap_type(value: int) -> SwapType | int:
    """A raw swap type as MCUboot keeps it: the enum where it has a name, else the number."""
    try:
        return SwapType(value)
    except ValueError:
        return value


@dataclass
class SwapMove:
    """The two slots and their trailers, as ``boot_loader_state`` holds them."""

    primary: FlashLike
    secondary: FlashLike
    primary_trailer: TrailerLayout
    secondary_trailer: TrailerLayout
    emit: Logger

    @property
    def sector_size(self) -> int:
        return self.primary.sector_size

    @property
    def write_sz(self) -> int:
        """``BOOT_WRITE_SZ``: the primary slot's flash write size."""
        return self.primary.write_size

    @property
    def trailer_sz(self) -> int:
        return self.primary_trailer.trailer_size

    @property
    def num_sectors(self) -> int:
        return self.primary.size // self.sector_size

    def last_idx(self, swap_size: int) -> int:
        """``find_last_idx``: sectors covering ``swap_size`` (at least one)."""
        if swap_size > _U32 // self.sector_size * self.sector_size:
            raise NotModelled(
                f"swap_size 0x{swap_size:x}: MCUboot's find_last_idx never ends (32-bit overflow)"
            )
        return max(1, -(-swap_size // self.sector_size))

    def first_trailer_idx(self) -> int:
        """Index of the first primary sector that holds part of the trailer."""
        idx = self.num_sectors - 1
        covered = self.sector_size
        while covered < self.trailer_sz:
            covered += self.sector_size
            idx -= 1
        return idx

    def read_status(self, bs: BootStatus) -> None:
        """``swap_read_status_bytes`` + the swap_info read of ``swap_read_status``."""
        layout = self.primary_trailer
        entries = layout.max_img_sectors * (MOVE_STATES + SWAP_STATES)
        raw = self.primary.read(layout.status_off, entries * self.write_sz)
        found = next(
            (i for i in range(entries, 0, -1) if raw[(i - 1) * self.write_sz] != ERASED), None
        )
        move_entries = layout.max_img_sectors * MOVE_STATES
        if found is None:
            pass
        elif found < move_entries:
            bs.op = OP_MOVE
            bs.idx = found // MOVE_STATES + IDX_0
            bs.state = found % MOVE_STATES + STATE_0
        else:
            bs.op = OP_SWAP
            bs.idx = (found - move_entries) // SWAP_STATES + IDX_0
            bs.state = (found - move_entries) % SWAP_STATES + STATE_0
        info = self.primary.read(layout.swap_info_off, 1)[0]
        bs.swap_type = SwapType.NONE if info == ERASED else as_swap_type(info & 0x0F)

    def header_location(self, bs: BootStatus, slot: int) -> tuple[int, int]:
        """Where ``boot_read_image_header`` reads slot ``slot``'s header in a swap under way:
        ``(slot, offset)``. The swap size comes from the primary trailer (``boot_find_status``
        leaves the primary open even when its magic is not good)."""
        last_idx = self.last_idx(read_swap_size(self.primary, self.primary_trailer))
        off = 0
        if bs.op == OP_MOVE and slot == 0 and bs.idx > last_idx:
            off = self.sector_size
        elif bs.op == OP_SWAP:
            if 1 < bs.idx <= last_idx:
                slot = 1 - slot
            elif bs.idx == 1:
                if slot == 0:
                    off = self.sector_size
                elif bs.state == 2:
                    slot = 0
        return slot, off

    def run(self, bs: BootStatus, copy_size: int) -> bool:
        """``swap_run``; False when a new swap is too large (nothing is touched)."""
        self.emit(log.Level.INF, log.SWAP_MOVE_START)
        last_idx = self.last_idx(copy_size)
        if bs.is_reset():
            first_trailer = self.first_trailer_idx()
            if last_idx >= first_trailer:
                self.emit(log.Level.WRN, log.NOT_ENOUGH_SPACE)
                self.emit(
                    log.Level.WRN,
                    log.REQUIRED_BYTES.format(
                        required=(last_idx + 1) * self.sector_size,
                        available=first_trailer * self.sector_size,
                    ),
                )
                bs.swap_type = SwapType.NONE
                return False
        if last_idx >= self.num_sectors:
            raise NotModelled(
                f"swap_size 0x{copy_size:x} in the primary trailer needs {last_idx + 1} sectors, "
                f"the slot has {self.num_sectors}: MCUboot would run past its sector table"
            )
        self._fixup_revert(bs)
        if bs.op == OP_MOVE:
            for idx in range(last_idx, 0, -1):
                if idx <= (last_idx - bs.idx + 1) & _U32:
                    self._move_sector_up(idx, bs)
            bs.idx = IDX_0
        bs.op = OP_SWAP
        for idx in range(1, last_idx + 1):
            if idx >= bs.idx:
                self._swap_sectors(idx, bs)
        return True

    def _fixup_revert(self, bs: BootStatus) -> None:
        """``fixup_revert``: a revert about to start gets a secondary trailer, like a perm."""
        if bs.swap_type != SwapType.REVERT or bs.op != OP_MOVE or bs.idx != IDX_0:
            return
        state = read_swap_state(self.secondary, self.secondary_trailer)
        self.emit(
            log.Level.INF, log.SLOT_STATE.format(area="Secondary image", state=state.describe())
        )
        if state.magic is MagicState.UNSET:
            erase_trailer_sectors(self.secondary, self.trailer_sz)
            write_image_ok(self.secondary, self.secondary_trailer)
            write_swap_size(self.secondary, self.secondary_trailer, bs.swap_size)
            write_magic(self.secondary, self.secondary_trailer)

    def _status_init(self, bs: BootStatus) -> None:
        """``swap_status_init`` on the primary."""
        secondary = read_swap_state(self.secondary, self.secondary_trailer)
        if bs.swap_type != SwapType.NONE:
            write_swap_info(self.primary, self.primary_trailer, bs.swap_type, 0)
        if secondary.image_ok is Flag.SET:
            write_image_ok(self.primary, self.primary_trailer)
        write_swap_size(self.primary, self.primary_trailer, bs.swap_size)
        write_magic(self.primary, self.primary_trailer)

    def _move_sector_up(self, idx: int, bs: BootStatus) -> None:
        """``boot_move_sector_up``: primary sector idx-1 to idx (first step: fresh trailers)."""
        if bs.idx == IDX_0:
            if not bs.source_primary:
                erase_trailer_sectors(self.primary, self.trailer_sz)
                self._status_init(bs)
            erase_trailer_sectors(self.secondary, self.trailer_sz)
        sz = self.sector_size
        self.primary.erase(idx * sz, sz)
        self._copy(self.primary, self.primary, (idx - 1) * sz, idx * sz)
        self._write_status(bs)
        bs.idx += 1

    def _swap_sectors(self, idx: int, bs: BootStatus) -> None:
        """``boot_swap_sectors``: secondary idx-1 to primary idx-1, then the moved-up old
        primary sector (now at idx) to secondary idx-1; a progress byte after each half."""
        sz = self.sector_size
        off = (idx - 1) * sz
        if bs.state == STATE_0:
            self.primary.erase(off, sz)
            self._copy(self.secondary, self.primary, off, off)
            self._write_status(bs)
            bs.state = STATE_0 + 1
        if bs.state == STATE_0 + 1:
            self.secondary.erase(off, sz)
            self._copy(self.primary, self.secondary, idx * sz, off)
            self._write_status(bs)
            bs.idx += 1
            bs.state = STATE_0

    def _copy(self, src: FlashLike, dst: FlashLike, off_src: int, off_dst: int) -> None:
        """``boot_copy_region`` of one sector, in BUF_SZ chunks (one write each)."""
        for done in range(0, self.sector_size, COPY_CHUNK):
            size = min(COPY_CHUNK, self.sector_size - done)
            dst.write(off_dst + done, src.read(off_src + done, size))

    def _write_status(self, bs: BootStatus) -> None:
        """``boot_write_status``: the state byte, padded to the write size, in the primary."""
        elem = self.write_sz
        if bs.op == OP_MOVE:
            base, per_idx = 0, MOVE_STATES * elem
        else:
            base = self.primary_trailer.max_img_sectors * MOVE_STATES * elem
            per_idx = SWAP_STATES * elem
        off = base + (bs.idx - IDX_0) * per_idx + (bs.state - STATE_0) * elem
        data = bytes([bs.state]) + bytes([ERASED]) * (elem - 1)
        self.primary.write(self.primary_trailer.status_off + off, data)
