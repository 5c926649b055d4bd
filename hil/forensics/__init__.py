"""What happened to an image on its way into a slot, and what it means for MCUboot.

``diagnose(image, slot, keys)`` classifies the slot (identical, LF→CRLF by the RFC rule or
pyftpdlib's 64 KiB variant, CRLF→LF, truncated, erased, stale data, bit errors, another image,
unknown), names the header fields and TLVs that moved or broke, and gives MCUboot's verdict.
``slot_map_svg`` draws the slot.
"""

from hil.forensics.classify import Finding, Stale, classify
from hil.forensics.diagnosis import NRF5340_SLOT_SIZE, Diagnosis, diagnose
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
    "slot_map_svg",
]
