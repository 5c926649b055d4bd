"""The swap-using-move upgrade (``swap_move.c`` / ``swap_misc.c``, sdk-mcuboot v2.0.99-ncs1).

Primary sectors [0, n) move up by one sector, then sector by sector the secondary's sector i
goes to primary i and the moved-up old primary sector goes to secondary i. Progress bytes are
written to the primary's status area as on the target. Power loss is not modelled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hil.mcuboot import log
from hil.mcuboot.area import ERASED, FlashLike
from hil.mcuboot.trailer import (
    Flag,
    MagicState,
    SwapType,
    TrailerLayout,
    erase_trailer_sectors,
    read_swap_state,
    write_image_ok,
    write_magic,
    write_swap_info,
    write_swap_size,
)

Logger = Callable[[log.Level, str], None]

OP_MOVE = 1
OP_SWAP = 2
MOVE_STATES = 1
SWAP_STATES = 2


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

    def last_idx(self, swap_size: int) -> int:
        """``find_last_idx``: sectors covering ``swap_size`` (at least one)."""
        return max(1, -(-swap_size // self.sector_size))

    def first_trailer_idx(self) -> int:
        """Index of the first primary sector that holds part of the trailer."""
        idx = self.primary.size // self.sector_size - 1
        covered = self.sector_size
        while covered < self.trailer_sz:
            covered += self.sector_size
            idx -= 1
        return idx

    def run(self, swap_type: SwapType, swap_size: int, source_primary: bool = False) -> bool:
        """``swap_run``; False when the image is too large to swap (nothing is touched)."""
        self.emit(log.Level.INF, log.SWAP_MOVE_START)
        last_idx = self.last_idx(swap_size)
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
            return False
        if swap_type is SwapType.REVERT:
            self._fixup_revert(swap_size)
        for step, idx in enumerate(range(last_idx, 0, -1)):
            if step == 0:
                self._start(swap_type, swap_size, source_primary)
            self._move_sector_up(idx, status_idx=step + 1)
        for idx in range(1, last_idx + 1):
            self._swap_sectors(idx)
        return True

    def _fixup_revert(self, swap_size: int) -> None:
        """``fixup_revert``: give an unset secondary trailer a magic before moving."""
        state = read_swap_state(self.secondary, self.secondary_trailer)
        self.emit(
            log.Level.INF, log.SLOT_STATE.format(area="Secondary image", state=state.describe())
        )
        if state.magic is MagicState.UNSET:
            erase_trailer_sectors(self.secondary, self.trailer_sz)
            write_image_ok(self.secondary, self.secondary_trailer)
            write_swap_size(self.secondary, self.secondary_trailer, swap_size)
            write_magic(self.secondary, self.secondary_trailer)

    def _start(self, swap_type: SwapType, swap_size: int, source_primary: bool) -> None:
        """First move step: fresh primary trailer (``swap_status_init``), secondary's erased."""
        if not source_primary:
            erase_trailer_sectors(self.primary, self.trailer_sz)
            secondary = read_swap_state(self.secondary, self.secondary_trailer)
            if swap_type is not SwapType.NONE:
                write_swap_info(self.primary, self.primary_trailer, swap_type, 0)
            if secondary.image_ok is Flag.SET:
                write_image_ok(self.primary, self.primary_trailer)
            write_swap_size(self.primary, self.primary_trailer, swap_size)
            write_magic(self.primary, self.primary_trailer)
        erase_trailer_sectors(self.secondary, self.trailer_sz)

    def _move_sector_up(self, idx: int, status_idx: int) -> None:
        sz = self.sector_size
        self.primary.erase(idx * sz, sz)
        self.primary.write(idx * sz, self.primary.read((idx - 1) * sz, sz))
        self._write_status(OP_MOVE, status_idx, 1)

    def _swap_sectors(self, idx: int) -> None:
        sz = self.sector_size
        off = (idx - 1) * sz
        self.primary.erase(off, sz)
        self.primary.write(off, self.secondary.read(off, sz))
        self._write_status(OP_SWAP, idx, 1)
        self.secondary.erase(off, sz)
        self.secondary.write(off, self.primary.read(idx * sz, sz))
        self._write_status(OP_SWAP, idx, 2)

    def _write_status(self, op: int, idx: int, state: int) -> None:
        """``boot_write_status``: one progress byte, padded to the write size, in the primary."""
        elem = self.write_sz
        if op == OP_MOVE:
            off = (idx - 1) * MOVE_STATES * elem + (state - 1) * elem
        else:
            base = self.primary_trailer.max_img_sectors * MOVE_STATES * elem
            off = base + (idx - 1) * SWAP_STATES * elem + (state - 1) * elem
        data = bytes([state]) + bytes([ERASED]) * (self.primary.write_size - 1)
        self.primary.write(self.primary_trailer.status_off + off, data)

    def status_written(self) -> bool:
        """Whether the primary's status area holds progress bytes (an interrupted swap)."""
        area = self.primary_trailer
        entries = area.max_img_sectors * (MOVE_STATES + SWAP_STATES)
        raw = self.primary.read(area.status_off, entries * self.write_sz)
        return any(raw[i * self.write_sz] != ERASED for i in range(entries))
