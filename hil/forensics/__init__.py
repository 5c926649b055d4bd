"""What happened to an image on its way into a slot, and what it means for MCUboot.

``diagnose(image, slot, keys)`` (or ``diagnose_read`` for a :class:`~hil.dumps.SlotRead`)
classifies the slot (identical, LF→CRLF by the RFC rule, pyftpdlib's 64 KiB variant or
pure-ftpd's every-LF rule, CRLF→LF, truncated or grown past the slot, erased, stale data, bit
errors, another signing of the build, another image, partial dump, unknown), names the header
fields and TLVs that moved or broke and the fix, and gives MCUboot's verdict with the trailer's
say on when it applies. ``slot_map_svg`` draws the slot.
"""

from hil.forensics.classify import Finding, Stale, classify
from hil.forensics.diagnosis import NRF5340_SLOT_SIZE, Diagnosis, diagnose, diagnose_read
from hil.forensics.kinds import Kind
from hil.forensics.svg import slot_map_svg

__all__ = [
    "NRF5340_SLOT_SIZE",
    "Diagnosis",
    "Finding",
    "Kind",
    "Stale",
    "classify",
    "diagnose",
    "diagnose_read",
    "slot_map_svg",
]
