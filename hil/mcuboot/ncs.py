"""The nRF Connect SDK patches in ``loader.c`` compiled for the nRF5340 app core.

sdk-mcuboot v2.0.99-ncs1 as NCS v2.6.0 builds it for ``nrf5340dk_nrf5340_cpuapp`` without the
nRF Secure Immutable Bootloader (NSIB, ``PM_S1_ADDRESS`` undefined), without a network-core
update (``PM_CPUNET_B0N_ADDRESS`` / ``CONFIG_PCD_APP``) and with
``CONFIG_MCUBOOT_CLEANUP_UNUSABLE_SECONDARY=y`` (the nRF5340 default):

* ``boot_validated_swap_type`` l.1052-1122: when the secondary header (as read into RAM) has
  the image magic, MCUboot reads the image's reset vector at ``ih_hdr_size + 4``. A failed read
  returns ``BOOT_SWAP_TYPE_FAIL`` at once (no ``Swap type`` line, no validation), and the slot is
  left "touched". Otherwise it is marked "assigned" straight away: the address checks that could
  route it elsewhere sit under ``PM_S1_ADDRESS``.
* ``sec_slot_cleanup_if_unusable`` l.998-1026, run after the swap type is known: a touched
  secondary that was never assigned is erased whole, with ``Cleaned-up secondary slot of 0.
  image.`` at ERR level.

With the DK's 0x78000 slots the reset-vector read cannot fail (``ih_hdr_size`` is 16 bits, the
read ends below 0x10008), so the DK build never cleans up; a layout with slots under 0x10008 B
can reach it, and the model does what the target would.

Not modelled, because the DK build does not compile them: the NSIB routing (a reset vector below
the primary slot selects the S0/S1 upgrade slot with ``CONFIG_NRF53_MULTI_IMAGE_UPDATE``, else
swap type NONE; above the primary slot also NONE, and the clean-up then erases the secondary),
which needs ``PM_S1_ADDRESS`` and a second image; and the network-core update through PCD
(``Starting network core update``), which needs the network core's B0N and an IPC peer.
"""

from __future__ import annotations

from enum import IntEnum

from hil.image.header import IMAGE_MAGIC, ImageHeader
from hil.image.tlv import ReadError
from hil.mcuboot.area import ReadableArea, checked_read

CLEANED_UP = "Cleaned-up secondary slot of {index}. image."
CANNOT_CLEAN_UP = "Can not cleanup secondary slot of {index}. image."


class SecondarySlot(IntEnum):
    """``sec_slot_assignmnet`` values."""

    VIRGIN = 0
    TOUCHED = 1
    ASSIGNED = 2


def reset_vector_readable(secondary: ReadableArea, header: ImageHeader) -> bool | None:
    """The l.1052-1122 read: None when the header has no image magic (nothing is read),
    else whether the 4-byte reset vector at ``ih_hdr_size + 4`` could be read."""
    if header.magic != IMAGE_MAGIC:
        return None
    try:
        checked_read(secondary, header.hdr_size + 4, 4)
    except ReadError:
        return False
    return True
