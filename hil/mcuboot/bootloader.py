"""One MCUboot boot on simulated flash: single image, swap-using-move, minimal log mode.

Follows ``main()`` (``boot/zephyr/main.c``) and ``context_boot_go`` /
``boot_prepare_image_for_update`` / ``boot_complete_partial_swap`` / ``boot_validated_swap_type``
/ ``boot_validate_slot`` / ``boot_perform_update`` (``loader.c``) of sdk-mcuboot v2.0.99-ncs1 as
built by NCS v2.6.0 for the nRF5340 app core (no NSIB, no network-core update, no encryption,
asserts off; the NCS patches that are compiled in: :mod:`hil.mcuboot.ncs`).

A boot can lose power after a given number of flash operations (:class:`~hil.mcuboot.area.
FlashOps`); the next boot finds the swap status in the primary trailer and completes the swap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from hil.image.header import HEADER_SIZE, IMAGE_MAGIC, ImageHeader
from hil.image.keys import PublicKey
from hil.image.tlv import ReadError, TlvError, locate
from hil.mcuboot import log
from hil.mcuboot.area import CountedArea, FlashLike, FlashOps, PowerLoss, checked_read
from hil.mcuboot.kconfig import firmware_max_img_sectors
from hil.mcuboot.ncs import CLEANED_UP, SecondarySlot, reset_vector_readable
from hil.mcuboot.swap_move import BootStatus, SwapMove
from hil.mcuboot.trailer import (
    Flag,
    MagicState,
    SwapType,
    TrailerLayout,
    erase_trailer_sectors,
    read_swap_size,
    read_swap_state,
    swap_type_for,
    write_copy_done,
    write_image_ok,
)
from hil.mcuboot.validate import Verdict, max_image_size_swap_move, validate_image

PRIMARY = "primary"
SECONDARY = "secondary"


class _Fih(Enum):
    SUCCESS = "success"
    NO_BOOTABLE_IMAGE = "no bootable image"


@dataclass(frozen=True)
class BootloaderConfig:
    """What MCUboot was built with: its keys and a few Kconfig options."""

    keys: tuple[PublicKey, ...]
    max_img_sectors: int = field(default_factory=firmware_max_img_sectors)
    """CONFIG_BOOT_MAX_IMG_SECTORS; default: the firmware build's (hil.mcuboot.kconfig)."""
    validate_primary: bool = True  # CONFIG_BOOT_VALIDATE_SLOT0


@dataclass
class BootResult:
    """What one boot printed and decided; ``booted`` means it jumped to the primary image.

    ``power_lost``: the boot stopped at a power cut after ``flash_ops`` flash operations.
    ``resumed``: the boot completed a swap an earlier boot had started.
    """

    lines: list[str]
    swap_type: SwapType | int
    secondary_verdict: Verdict | None
    primary_verdict: Verdict | None
    booted: bool
    swapped: bool = False
    resumed: bool = False
    power_lost: bool = False
    flash_ops: int = 0


@dataclass
class _Boot:
    """State of one boot (``boot_loader_state`` plus what we report)."""

    lines: list[str] = field(default_factory=list)
    headers: dict[str, bytes] = field(
        default_factory=lambda: {PRIMARY: bytes(HEADER_SIZE), SECONDARY: bytes(HEADER_SIZE)}
    )
    verdicts: dict[str, Verdict | None] = field(
        default_factory=lambda: {PRIMARY: None, SECONDARY: None}
    )
    swap_type: SwapType | int = SwapType.NONE
    status: BootStatus = field(default_factory=BootStatus)
    secondary_slot: SecondarySlot = SecondarySlot.VIRGIN
    swapped: bool = False
    resumed: bool = False

    def emit(self, level: log.Level, message: str) -> None:
        self.lines.append(log.minimal(level, message))


class Mcuboot:
    """MCUboot on two flash areas of ``hil.sim.flash``; ``boot()`` is one reset."""

    def __init__(
        self,
        config: BootloaderConfig,
        primary: FlashLike,
        secondary: FlashLike,
        primary_address: int,
    ) -> None:
        self.config = config
        self.ops = FlashOps()
        self.areas: dict[str, FlashLike] = {
            PRIMARY: CountedArea(primary, self.ops),
            SECONDARY: CountedArea(secondary, self.ops),
        }
        self.primary_address = primary_address
        self.trailers = {
            name: TrailerLayout(
                area.size, write_size=area.write_size, max_img_sectors=config.max_img_sectors
            )
            for name, area in self.areas.items()
        }

    @property
    def primary(self) -> FlashLike:
        return self.areas[PRIMARY]

    @property
    def secondary(self) -> FlashLike:
        return self.areas[SECONDARY]

    def boot(self, power_cut_after: int | None = None) -> BootResult:
        """One reset; with ``power_cut_after`` the power goes after that many flash operations
        (the boot then stops where it was, its log cut short)."""
        run = _Boot()
        self.ops.start(power_cut_after)
        try:
            run.emit(log.Level.INF, log.STARTING)
            self._prepare(run)
            self._cleanup_unusable_secondary(run)
            booted = self._act(run) and self._boot_primary(run)
        except PowerLoss:
            return self._result(run, booted=False, power_lost=True)
        finally:
            done = self.ops.done
            self.ops.start(None)
        result = self._result(run, booted=booted)
        result.flash_ops = done
        return result

    def _result(self, run: _Boot, booted: bool, power_lost: bool = False) -> BootResult:
        return BootResult(
            run.lines,
            run.swap_type,
            run.verdicts[SECONDARY],
            run.verdicts[PRIMARY],
            booted,
            run.swapped,
            run.resumed,
            power_lost,
            self.ops.done,
        )

    def _sectors(self, name: str) -> int:
        area = self.areas[name]
        return area.size // area.sector_size

    def _prepare(self, run: _Boot) -> None:
        """``boot_prepare_image_for_update``: sectors, headers, status, resume or swap type."""
        limit = self.config.max_img_sectors
        if self._sectors(PRIMARY) > limit:
            run.emit(log.Level.WRN, log.FAILED_SECTORS.format(max_sectors=limit))
            return
        secondary_sectors = self._sectors(SECONDARY)
        if secondary_sectors > limit:
            run.emit(log.Level.WRN, log.FAILED_SECTORS.format(max_sectors=limit))
            secondary_sectors = 0
        self._read_headers(run)
        if not self._slots_compatible(run, secondary_sectors):
            return
        bs = run.status
        bs.source_primary = self._status_source(run)
        if bs.source_primary:
            self._swapper(run).read_status(bs)
        if not self._read_headers_during_swap(run, require_all=not bs.is_reset()):
            run.emit(log.Level.WRN, log.FAILED_HEADERS.format(index=0))
            return
        if not bs.is_reset():
            self._complete_partial_swap(run)
            self._read_headers_during_swap(run, require_all=False)
            run.swap_type = SwapType.NONE
        elif bs.swap_type == SwapType.NONE:
            run.swap_type = self._validated_swap_type(run)
        elif self._validate_slot(run, SECONDARY) is _Fih.SUCCESS:
            run.swap_type = bs.swap_type
        else:
            run.swap_type = SwapType.FAIL

    def _read_headers(self, run: _Boot) -> None:
        for name, area in self.areas.items():
            run.headers[name] = area.read(0, HEADER_SIZE)

    def _read_headers_during_swap(self, run: _Boot, require_all: bool) -> bool:
        """``boot_read_image_headers`` with the boot status: a header may sit in the other slot
        or a sector up while a swap is under way, and each must carry the image magic."""
        bs = run.status
        for index, name in enumerate((PRIMARY, SECONDARY)):
            slot, off = (index, 0) if bs.is_reset() else self._swapper(run).header_location(
                bs, index
            )
            run.headers[name] = self.areas[(PRIMARY, SECONDARY)[slot]].read(off, HEADER_SIZE)
            if ImageHeader.parse(run.headers[name]).magic != IMAGE_MAGIC:
                return index > 0 and not require_all
        return True

    def _slots_compatible(self, run: _Boot, secondary_sectors: int) -> bool:
        primary_sectors = self._sectors(PRIMARY)
        if primary_sectors not in (secondary_sectors, secondary_sectors + 1):
            run.emit(log.Level.WRN, log.INCOMPATIBLE_COUNT)
            return False
        if self.primary.sector_size != self.secondary.sector_size:
            run.emit(log.Level.WRN, log.INCOMPATIBLE_LAYOUT)
            return False
        return True

    def _status_source(self, run: _Boot) -> bool:
        """``swap_status_source``: log both trailers; is the swap status in the primary?"""
        states = {n: read_swap_state(self.areas[n], self.trailers[n]) for n in self.areas}
        for name, area in ((PRIMARY, "Primary image"), (SECONDARY, "Secondary image")):
            run.emit(log.Level.INF, log.SLOT_STATE.format(area=area, state=states[name].describe()))
        primary, secondary = states[PRIMARY], states[SECONDARY]
        if (
            primary.magic is MagicState.GOOD
            and primary.copy_done is Flag.UNSET
            and secondary.magic is not MagicState.GOOD
        ):
            run.emit(log.Level.INF, log.BOOT_SOURCE.format(source="primary slot"))
            return True
        run.emit(log.Level.INF, log.BOOT_SOURCE.format(source="none"))
        return False

    def _complete_partial_swap(self, run: _Boot) -> None:
        """``boot_complete_partial_swap``: finish the swap from the recorded step on."""
        bs = run.status
        bs.swap_size = read_swap_size(self.primary, self.trailers[PRIMARY])
        self._swapper(run).run(bs, bs.swap_size)
        run.resumed = True
        if bs.swap_type in (SwapType.REVERT, SwapType.PERM):
            self._set_image_ok()
        if bs.swap_type in (SwapType.TEST, SwapType.PERM, SwapType.REVERT):
            write_copy_done(self.primary, self.trailers[PRIMARY])

    def _validated_swap_type(self, run: _Boot) -> SwapType:
        """``boot_validated_swap_type``: the NCS reset-vector read, the table, then the
        secondary is validated for upgrades."""
        readable = reset_vector_readable(self.secondary, ImageHeader.parse(run.headers[SECONDARY]))
        if readable is not None:
            run.secondary_slot = SecondarySlot.TOUCHED
            if not readable:
                return SwapType.FAIL
            run.secondary_slot = SecondarySlot.ASSIGNED
        primary = read_swap_state(self.primary, self.trailers[PRIMARY])
        secondary = read_swap_state(self.secondary, self.trailers[SECONDARY])
        swap_type = swap_type_for(primary, secondary)
        run.emit(log.Level.INF, log.SWAP_TYPE.format(index=0, swap_type=swap_type.label))
        if swap_type.is_upgrade and self._validate_slot(run, SECONDARY) is not _Fih.SUCCESS:
            return SwapType.NONE
        return swap_type

    def _cleanup_unusable_secondary(self, run: _Boot) -> None:
        """``sec_slot_cleanup_if_unusable``: erase a secondary that was touched, not assigned."""
        if run.secondary_slot is SecondarySlot.TOUCHED:
            self.secondary.erase(0, self.secondary.size)
            run.emit(log.Level.ERR, CLEANED_UP.format(index=0))

    def _validate_slot(self, run: _Boot, name: str) -> _Fih:
        """``boot_validate_slot``: erased/NON_BOOTABLE, then the image, then the header."""
        area = self.areas[name]
        header = ImageHeader.parse(run.headers[name])
        if header.is_erased or header.non_bootable:
            why = "header magic is erased" if header.is_erased else "image is NON_BOOTABLE"
            run.verdicts[name] = Verdict(False, f"no bootable image: {why}", header, None, False)
            if name == SECONDARY:
                erase_trailer_sectors(area, self.trailers[PRIMARY].trailer_size)
            return _Fih.NO_BOOTABLE_IMAGE
        limit = max_image_size_swap_move(
            area.size, area.sector_size, area.write_size, self.config.max_img_sectors
        )
        verdict = validate_image(area, self.config.keys, limit, header_bytes=run.headers[name])
        run.verdicts[name] = verdict
        if verdict.ok:
            return _Fih.SUCCESS
        if name == SECONDARY:
            area.erase(0, area.size)
        run.emit(log.Level.ERR, log.SLOT_NOT_VALID.format(slot=name))
        return _Fih.NO_BOOTABLE_IMAGE

    def _swapper(self, run: _Boot) -> SwapMove:
        return SwapMove(
            self.primary, self.secondary, self.trailers[PRIMARY], self.trailers[SECONDARY], run.emit
        )

    def _act(self, run: _Boot) -> bool:
        """The swap-type switch of ``context_boot_go``; False on panic (the boot hangs)."""
        swap_type = run.swap_type
        run.status.swap_type = swap_type
        if swap_type in (SwapType.TEST, SwapType.PERM, SwapType.REVERT):
            self._perform_update(run)
        elif swap_type == SwapType.FAIL:
            self._set_image_ok()
        elif swap_type != SwapType.NONE:
            run.emit(log.Level.ERR, "panic!")
            return False
        return True

    def _perform_update(self, run: _Boot) -> None:
        """``boot_perform_update`` → ``boot_swap_image``: size the swap, swap, mark the primary."""
        bs = run.status
        if bs.is_reset():
            bs.swap_size = max(self._image_size(run, PRIMARY), self._image_size(run, SECONDARY))
        else:
            bs.swap_size = read_swap_size(self.primary, self.trailers[PRIMARY])
        run.swapped = self._swapper(run).run(bs, bs.swap_size)
        if run.swap_type in (SwapType.REVERT, SwapType.PERM):
            self._set_image_ok()
        write_copy_done(self.primary, self.trailers[PRIMARY])

    def _image_size(self, run: _Boot, name: str) -> int:
        """``boot_read_image_size``: tlv_end of a slot with a header magic, else 0."""
        header = ImageHeader.parse(run.headers[name])
        if header.magic != IMAGE_MAGIC:
            return 0
        area = self.areas[name]
        try:
            return locate(lambda off, n: checked_read(area, off, n), header).tlv_end
        except (TlvError, ReadError):
            return 0

    def _set_image_ok(self) -> None:
        """``swap_set_image_ok``: write the primary's image_ok unless already written."""
        state = read_swap_state(self.primary, self.trailers[PRIMARY])
        if state.image_ok is Flag.UNSET:
            write_image_ok(self.primary, self.trailers[PRIMARY])

    def _boot_primary(self, run: _Boot) -> bool:
        """Re-validate the primary, then chain-load it or give up (``main.c``)."""
        if run.swap_type != SwapType.NONE:
            self._read_headers(run)
        if self.config.validate_primary:
            ok = self._validate_slot(run, PRIMARY) is _Fih.SUCCESS
        else:
            magic = ImageHeader.parse(run.headers[PRIMARY]).magic
            ok = magic == IMAGE_MAGIC
            if not ok:
                run.emit(log.Level.ERR, f"bad image magic 0x{magic:x}; Image=0")
        if not ok:
            run.emit(log.Level.ERR, log.NO_BOOTABLE_IMAGE)
            return False
        run.emit(log.Level.INF, log.CHAINLOAD.format(offset=self.primary_address))
        run.emit(log.Level.INF, log.JUMPING)
        return True
