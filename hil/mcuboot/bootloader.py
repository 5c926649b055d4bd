"""One MCUboot boot on simulated flash: single image, swap-using-move, minimal log mode.

Follows ``main()`` (``boot/zephyr/main.c``) and ``context_boot_go`` /
``boot_prepare_image_for_update`` / ``boot_validated_swap_type`` / ``boot_validate_slot`` /
``boot_perform_update`` (``loader.c``) of sdk-mcuboot v2.0.99-ncs1 as built by NCS v2.6.0 for
the nRF5340 app core (no NSIB, no network-core update, no encryption, asserts off).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from hil.errors import HilError
from hil.image.header import HEADER_SIZE, IMAGE_MAGIC, ImageHeader
from hil.image.keys import PublicKey
from hil.image.tlv import ReadError, TlvError, locate
from hil.mcuboot import log
from hil.mcuboot.area import FlashLike, checked_read
from hil.mcuboot.swap_move import SwapMove
from hil.mcuboot.trailer import (
    Flag,
    MagicState,
    SwapType,
    TrailerLayout,
    erase_trailer_sectors,
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
    max_img_sectors: int = 128  # CONFIG_BOOT_MAX_IMG_SECTORS
    validate_primary: bool = True  # CONFIG_BOOT_VALIDATE_SLOT0


@dataclass
class BootResult:
    """What one boot printed and decided; ``booted`` means it jumped to the primary image."""

    lines: list[str]
    swap_type: SwapType
    secondary_verdict: Verdict | None
    primary_verdict: Verdict | None
    booted: bool
    swapped: bool = False


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
    swap_type: SwapType = SwapType.NONE
    source_primary: bool = False
    swapped: bool = False

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
        self.areas = {PRIMARY: primary, SECONDARY: secondary}
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

    def boot(self) -> BootResult:
        run = _Boot()
        run.emit(log.Level.INF, log.STARTING)
        self._prepare(run)
        if not self._act(run):
            return self._result(run, booted=False)
        return self._result(run, booted=self._boot_primary(run))

    def _result(self, run: _Boot, booted: bool) -> BootResult:
        return BootResult(
            run.lines,
            run.swap_type,
            run.verdicts[SECONDARY],
            run.verdicts[PRIMARY],
            booted,
            run.swapped,
        )

    def _sectors(self, name: str) -> int:
        area = self.areas[name]
        return area.size // area.sector_size

    def _prepare(self, run: _Boot) -> None:
        """``boot_prepare_image_for_update``: sectors, headers, trailer states, swap type."""
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
        run.source_primary, resumed_type = self._status_source(run)
        if not ImageHeader.parse(run.headers[PRIMARY]).has_magic:
            run.emit(log.Level.WRN, log.FAILED_HEADERS.format(index=0))
            return
        if resumed_type is SwapType.NONE:
            run.swap_type = self._validated_swap_type(run)
        elif self._validate_slot(run, SECONDARY) is _Fih.SUCCESS:
            run.swap_type = resumed_type
        else:
            run.swap_type = SwapType.FAIL

    def _read_headers(self, run: _Boot) -> None:
        for name, area in self.areas.items():
            run.headers[name] = area.read(0, HEADER_SIZE)

    def _slots_compatible(self, run: _Boot, secondary_sectors: int) -> bool:
        primary_sectors = self._sectors(PRIMARY)
        if primary_sectors not in (secondary_sectors, secondary_sectors + 1):
            run.emit(log.Level.WRN, log.INCOMPATIBLE_COUNT)
            return False
        if self.primary.sector_size != self.secondary.sector_size:
            run.emit(log.Level.WRN, log.INCOMPATIBLE_LAYOUT)
            return False
        return True

    def _status_source(self, run: _Boot) -> tuple[bool, SwapType]:
        """``swap_read_status``: log both trailers; a swap to resume from the primary's status?"""
        states = {n: read_swap_state(self.areas[n], self.trailers[n]) for n in self.areas}
        run.emit(
            log.Level.INF,
            log.SLOT_STATE.format(area="Primary image", state=states[PRIMARY].describe()),
        )
        run.emit(
            log.Level.INF,
            log.SLOT_STATE.format(area="Secondary image", state=states[SECONDARY].describe()),
        )
        primary, secondary = states[PRIMARY], states[SECONDARY]
        if (
            primary.magic is MagicState.GOOD
            and primary.copy_done is Flag.UNSET
            and secondary.magic is not MagicState.GOOD
        ):
            run.emit(log.Level.INF, log.BOOT_SOURCE.format(source="primary slot"))
            if self._swapper(run).status_written():
                raise HilError(
                    "the primary slot records an interrupted swap; resuming one is not modelled"
                )
            info = self.primary.read(self.trailers[PRIMARY].swap_info_off, 1)[0]
            try:
                return True, SwapType.NONE if info == 0xFF else SwapType(info & 0x0F)
            except ValueError:
                return True, SwapType.PANIC
        run.emit(log.Level.INF, log.BOOT_SOURCE.format(source="none"))
        return False, SwapType.NONE

    def _validated_swap_type(self, run: _Boot) -> SwapType:
        """``boot_validated_swap_type``: the table, then the secondary is validated for upgrades."""
        primary = read_swap_state(self.primary, self.trailers[PRIMARY])
        secondary = read_swap_state(self.secondary, self.trailers[SECONDARY])
        swap_type = swap_type_for(primary, secondary)
        run.emit(log.Level.INF, log.SWAP_TYPE.format(index=0, swap_type=swap_type.label))
        if swap_type.is_upgrade and self._validate_slot(run, SECONDARY) is not _Fih.SUCCESS:
            return SwapType.NONE
        return swap_type

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
        if swap_type.is_upgrade:
            swap_size = max(self._image_size(run, PRIMARY), self._image_size(run, SECONDARY))
            run.swapped = self._swapper(run).run(swap_type, swap_size, run.source_primary)
            if swap_type in (SwapType.REVERT, SwapType.PERM):
                self._set_image_ok()
            write_copy_done(self.primary, self.trailers[PRIMARY])
        elif swap_type is SwapType.FAIL:
            self._set_image_ok()
        elif swap_type is not SwapType.NONE:
            run.emit(log.Level.ERR, "panic!")
            return False
        return True

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
        if run.swap_type is not SwapType.NONE:
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
