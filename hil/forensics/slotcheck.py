"""MCUboot's verdict on what a dump holds of a slot, and nothing about bytes it did not read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hil.dumps.locate import SlotRead, UnreadBytes
from hil.errors import HilError
from hil.forensics.upgrade import UpgradeRequest
from hil.image.header import HEADER_SIZE, IMAGE_MAGIC, ImageHeader
from hil.image.keys import (
    PublicKey,
    sample_key_name,
    sample_key_of_image,
    sample_key_warning,
)
from hil.mcuboot.kconfig import firmware_max_img_sectors
from hil.mcuboot.trailer import TrailerLayout, read_swap_state
from hil.mcuboot.validate import Verdict, max_image_size_swap_move, validate_image

SECTOR_SIZE = 0x1000  # nRF5340 internal flash and the DK's MX25R64
MIN_SLOT_SIZE = 2 * SECTOR_SIZE
MAX_SLOT_SIZE = 0x800000  # the DK's whole 8 MiB MX25R64


def checked_slot_size(size: int, what: str = "--slot-size") -> int:
    """``size`` when it can be an MCUboot slot on an nRF5340 DK, else a one-line error."""
    if not MIN_SLOT_SIZE <= size <= MAX_SLOT_SIZE or size % SECTOR_SIZE:
        raise HilError(
            f"{what} 0x{size:x} is not a slot size: give a multiple of the 0x{SECTOR_SIZE:x} B "
            f"sector from 0x{MIN_SLOT_SIZE:x} to 0x{MAX_SLOT_SIZE:x} (the DK's 8 MiB QSPI flash)"
        )
    return size


def slot_limits(slot_size: int, external: bool = False) -> tuple[TrailerLayout, int]:
    """The trailer layout (the firmware's ``CONFIG_BOOT_MAX_IMG_SECTORS``) and the largest image
    swap-using-move can take for this slot."""
    sectors = firmware_max_img_sectors(external)
    try:
        layout = TrailerLayout(slot_size, max_img_sectors=sectors)
        return layout, max_image_size_swap_move(slot_size, SECTOR_SIZE, max_img_sectors=sectors)
    except HilError as err:
        raise HilError(f"slot size 0x{slot_size:x} is unusable: {err}") from None


@dataclass(frozen=True)
class SlotVerdict:
    """``verdict`` None when MCUboot would read bytes the dump does not hold (``unknown`` says
    which); ``upgrade`` from the trailer, when it was read."""

    verdict: Verdict | None
    unknown: str | None
    upgrade: UpgradeRequest
    max_image_size: int
    sample_key: str | None = None
    """The MCUboot sample key the slot's image names in its TLVs."""
    header: ImageHeader | None = None
    """The image header, when the dump holds it."""

    @property
    def known(self) -> bool:
        return self.verdict is not None

    @property
    def no_image(self) -> bool:
        header = None if self.verdict is None else self.verdict.header
        return header is not None and (header.is_erased or header.non_bootable)

    @property
    def ok(self) -> bool | None:
        """Accepted, rejected, or None: cannot be known from the dump."""
        if self.verdict is None:
            return None
        return self.verdict.ok and not self.no_image

    @property
    def reason(self) -> str | None:
        if self.verdict is None:
            return self.unknown
        header = self.verdict.header
        if header is not None and header.is_erased:
            return "no image: the header magic is erased"
        if header is not None and header.non_bootable:
            return "no image: the image is flagged NON_BOOTABLE"
        return self.verdict.reason


def _header_only(header: ImageHeader) -> Verdict | None:
    """The verdict the header alone gives (erased, or no MCUboot magic), else None."""
    if header.is_erased or header.non_bootable:
        return Verdict(False, None, header, None, False)
    if not header.has_magic:
        return Verdict(
            False,
            f"header magic 0x{header.magic:08x} is not 0x{IMAGE_MAGIC:08x}: not an MCUboot "
            "image (boot_is_header_valid refuses it whatever follows)",
            header,
            None,
            False,
        )
    return None


def slot_verdict(read: SlotRead, keys: Sequence[PublicKey] = ()) -> SlotVerdict:
    """MCUboot's verdict on the image at the start of the slot, as far as ``read`` holds it."""
    layout, max_size = slot_limits(read.size, read.partition.external)
    area = read.area()
    try:
        state = read_swap_state(area, layout)
    except UnreadBytes:
        state = None
    upgrade = UpgradeRequest(state)
    sample = sample_key_of_image(read.from_start)
    if not read.has(0, HEADER_SIZE):
        why = f"the image header (slot 0x0-0x{HEADER_SIZE:x}) was not read ({read.describe_read()})"
        return SlotVerdict(None, why, upgrade, max_size, sample)
    header = ImageHeader.parse(read.data[:HEADER_SIZE])
    verdict = _header_only(header)
    if verdict is not None:
        return SlotVerdict(verdict, None, upgrade, max_size, sample, header)
    try:
        verdict = validate_image(area, keys, max_size)
    except UnreadBytes as gap:
        why = (
            f"MCUboot reads slot 0x{gap.start:x}-0x{gap.end:x} to check this image, and the "
            f"dump does not hold it ({read.describe_read()}): dump the whole slot"
        )
        return SlotVerdict(None, why, upgrade, max_size, sample, header)
    return SlotVerdict(verdict, None, upgrade, max_size, sample, header)


def key_warnings(keys: Sequence[PublicKey], sample_key: str | None) -> list[str]:
    """The sample-key warning for the image and for each key given that is a sample key."""
    names = [sample_key] if sample_key else []
    names += [name for key in keys if (name := sample_key_name(key.key_hash))]
    return [sample_key_warning(name) for name in dict.fromkeys(names)]
