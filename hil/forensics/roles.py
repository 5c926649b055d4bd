"""Which of two files is the served image and which the slot dump: swapped arguments noticed.

A served image (imgtool's output) ends where its TLVs end, or, padded with ``imgtool --pad``,
carries a trailer magic with no swap request. A slot dump holds an image followed by flash:
erased pages, and possibly a trailer the device wrote.
"""

from __future__ import annotations

from hil.dumps.model import Dump
from hil.errors import HilError
from hil.forensics.bytesdiff import is_erased
from hil.forensics.regions import image_header
from hil.mcuboot.area import ERASED
from hil.mcuboot.trailer import BOOT_MAGIC, TrailerLayout
from hil.mcuboot.validate import BytesArea, validate_image

PAGE = 0x1000


def image_end(data: bytes) -> int | None:
    """Where the TLVs of the image at the start of ``data`` end (None: no readable image)."""
    if image_header(data) is None:
        return None
    verdict = validate_image(BytesArea(data), (), len(data))
    return verdict.tlv_end if verdict.ok else None


def is_exact_image(data: bytes) -> bool:
    """An image file as imgtool writes it without --pad: nothing after its TLVs."""
    return image_end(data) == len(data)


def _padded(data: bytes) -> bool:
    """``imgtool --pad``: the trailer magic at the end, no swap requested."""
    if not data.endswith(BOOT_MAGIC):
        return False
    try:
        layout = TrailerLayout(len(data))
    except HilError:
        return False
    return data[layout.swap_info_off] == ERASED


def slot_evidence(dump: Dump) -> str | None:
    """Why ``dump`` looks like a slot dump rather than an image file, or None."""
    data = dump.data
    end = image_end(data)
    if end is None:
        return "all erased" if is_erased(data) else None
    tail = data[end:]
    if _padded(data):
        return None
    if len(tail) >= PAGE and is_erased(tail[:PAGE]):
        where = "" if dump.address is None else f", read at 0x{dump.address:x}"
        return f"its image ends at 0x{end:x} and 0x{len(tail):x} B of flash follow{where}"
    return None


def swapped(image: Dump, dump: Dump) -> str | None:
    """A one-line explanation when IMAGE is a slot dump and DUMP the signed image, else None."""
    evidence = slot_evidence(image)
    if evidence is None or not is_exact_image(dump.data):
        return None
    return (
        f"IMAGE looks like a slot dump ({evidence}) and DUMP like the signed image "
        f"(0x{len(dump.data):x} B, ending with its TLVs): are the arguments swapped? "
        "Give the served image first: hil diagnose IMAGE DUMP"
    )
