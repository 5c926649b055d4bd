"""One MCUboot boot on the contents of both slots (dumps, images), outside a simulated board.

What ``hil boot`` runs: the two slots are put in NOR flash of their size (4 KiB sectors, 4-byte
writes, as on the nRF5340 and the DK's MX25R64), optionally with an upgrade request written the
way the app writes it, and :class:`~hil.mcuboot.bootloader.Mcuboot` boots once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from hil.errors import HilError
from hil.image.header import HEADER_SIZE, ImageHeader
from hil.image.keys import PublicKey
from hil.layout import Layout
from hil.mcuboot.bootloader import BootloaderConfig, BootResult, Mcuboot
from hil.mcuboot.trailer import SwapType, TrailerLayout, erase_trailer_sectors, request_upgrade
from hil.sim.flash import FlashArea, FlashDevice

SECTOR_SIZE = 0x1000
WRITE_BLOCK = 4


class Request(StrEnum):
    """What the app asked for before the reset."""

    AS_DUMPED = "as-dumped"  # the trailers in the dump decide
    NONE = "none"  # no request: the secondary's last sector erased, as dfu_target_done leaves it
    TEST = "test"  # boot_request_upgrade(BOOT_UPGRADE_TEST) on a freshly erased last sector
    PERM = "perm"  # boot_request_upgrade(BOOT_UPGRADE_PERMANENT)


@dataclass(frozen=True)
class SlotReport:
    """One slot before and after the boot."""

    before: str
    after: str
    changed: bool
    sha256_after: str


@dataclass(frozen=True)
class SlotBoot:
    """The boot's log and decision, the version that runs and what became of each slot."""

    result: BootResult
    booted_version: str | None
    primary: SlotReport
    secondary: SlotReport
    primary_after: bytes
    secondary_after: bytes

    @property
    def swap_type(self) -> str | int:
        """The swap type as MCUboot's log names it (a number when it has no name)."""
        value = self.result.swap_type
        return value.label if isinstance(value, SwapType) else value


def describe_slot(data: bytes) -> str:
    """``image 1.2.3+4``, ``erased``, or ``no image`` (no header magic)."""
    header = ImageHeader.parse(data[:HEADER_SIZE])
    if header.has_magic:
        return f"image {header.version}"
    if data.count(0xFF) == len(data):
        return "erased"
    return "no image (bad header magic)"


def _area(data: bytes, size: int, name: str) -> FlashArea:
    if len(data) != size:
        raise HilError(f"the {name} slot holds 0x{len(data):x} B, the layout says 0x{size:x}")
    device = FlashDevice(name, size=size, page_size=SECTOR_SIZE, write_block=WRITE_BLOCK)
    device.load(0, data)
    return FlashArea(device, 0, size, f"mcuboot_{name}")


def boot_slots(
    primary: bytes,
    secondary: bytes,
    layout: Layout,
    keys: tuple[PublicKey, ...],
    max_img_sectors: int,
    request: Request = Request.AS_DUMPED,
    power_cut_after: int | None = None,
) -> SlotBoot:
    """Boot once on whole-slot contents ``primary`` and ``secondary`` (each the slot size)."""
    if layout.slot_size % SECTOR_SIZE:
        raise HilError(f"slot size 0x{layout.slot_size:x} is not a multiple of 4 KiB sectors")
    areas = {
        "primary": _area(primary, layout.primary.size, "primary"),
        "secondary": _area(secondary, layout.secondary.size, "secondary"),
    }
    trailer = TrailerLayout(
        layout.slot_size, write_size=WRITE_BLOCK, max_img_sectors=max_img_sectors
    )
    if request is not Request.AS_DUMPED:
        # dfu_target_mcuboot_done erases the secondary's last page, then the app may schedule
        erase_trailer_sectors(areas["secondary"], SECTOR_SIZE)
        if request is not Request.NONE:
            request_upgrade(areas["secondary"], trailer, permanent=request is Request.PERM)
    before = {name: area.contents() for name, area in areas.items()}
    mcuboot = Mcuboot(
        BootloaderConfig(keys=keys, max_img_sectors=max_img_sectors),
        areas["primary"],
        areas["secondary"],
        primary_address=layout.primary.address,
    )
    result = mcuboot.boot(power_cut_after=power_cut_after)
    after = {name: area.contents() for name, area in areas.items()}
    reports = {
        name: SlotReport(
            describe_slot(before[name]),
            describe_slot(after[name]),
            before[name] != after[name],
            hashlib.sha256(after[name]).hexdigest(),
        )
        for name in areas
    }
    version = None
    if result.booted:
        version = str(ImageHeader.parse(after["primary"][:HEADER_SIZE]).version)
    return SlotBoot(
        result,
        version,
        reports["primary"],
        reports["secondary"],
        after["primary"],
        after["secondary"],
    )
