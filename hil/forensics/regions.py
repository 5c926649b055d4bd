"""The parts of a signed image (header fields, payload, each TLV) and which ones changed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from hil.image.header import HEADER_SIZE, IMAGE_MAGIC, ImageHeader
from hil.image.tlv import TLV_INFO_SIZE, ReadError, TlvError, locate, tlv_name, walk
from hil.mcuboot.area import BytesArea, checked_read

# (name, offset, size) of the header fields MCUboot reads.
HEADER_FIELDS = (
    ("magic", 0, 4),
    ("load_addr", 4, 4),
    ("hdr_size", 8, 2),
    ("protect_tlv_size", 10, 2),
    ("img_size", 12, 4),
    ("flags", 16, 4),
    ("version major", 20, 1),
    ("version minor", 21, 1),
    ("version revision", 22, 2),
    ("version build", 24, 4),
    ("pad", 28, 4),
)


@dataclass(frozen=True)
class Region:
    """``[start, end)`` of the image holding one named part."""

    name: str
    start: int
    end: int


def image_header(data: bytes) -> ImageHeader | None:
    """The header at the start of ``data``, when it has the MCUboot magic."""
    if len(data) < HEADER_SIZE:
        return None
    header = ImageHeader.parse(data[:HEADER_SIZE])
    return header if header.magic == IMAGE_MAGIC else None


def image_regions(image: bytes) -> list[Region]:
    """Header fields, padding, payload, TLV info headers and TLVs, in order."""
    header = image_header(image)
    if header is None:
        return [Region("data", 0, len(image))]
    regions = [Region(f"header {name}", off, off + size) for name, off, size in HEADER_FIELDS]
    regions.append(Region("header padding", HEADER_SIZE, header.hdr_size))
    regions.append(Region("payload", header.hdr_size, header.tlv_offset))
    area = BytesArea(image)
    try:
        tlvs = locate(lambda off, n: checked_read(area, off, n), header)
        if tlvs.protect_tlv_size:
            regions.append(Region("protected TLV info", tlvs.start, tlvs.start + TLV_INFO_SIZE))
        info = tlvs.prot_end
        regions.append(Region("TLV info", info, info + TLV_INFO_SIZE))
        for tlv in walk(lambda off, n: checked_read(area, off, n), tlvs):
            regions.append(
                Region(f"{tlv_name(tlv.type)} TLV", tlv.offset - 4, tlv.offset + tlv.length)
            )
        end = tlvs.tlv_end
    except (TlvError, ReadError):
        end = header.tlv_offset
    if end < len(image):
        regions.append(Region("after the TLVs", end, len(image)))
    return [region for region in regions if region.end > region.start]


def changes_by_region(image: bytes, offsets: Iterable[int]) -> Counter[str]:
    """How many of ``offsets`` fall in each region of the image."""
    regions = image_regions(image)
    counts: Counter[str] = Counter()
    index = 0
    for offset in sorted(offsets):
        while index < len(regions) and regions[index].end <= offset:
            index += 1
        if index < len(regions) and regions[index].start <= offset:
            counts[regions[index].name] += 1
        else:
            counts["outside the image regions"] += 1
    return counts


def header_changes(before: bytes, after: bytes) -> list[str]:
    """``"version minor 10 became 13"`` for each header field that differs."""
    changes = []
    for name, off, size in HEADER_FIELDS:
        old = int.from_bytes(before[off : off + size], "little")
        new = int.from_bytes(after[off : off + size], "little")
        if old != new and name != "pad":
            if name.startswith("version"):
                changes.append(f"{name} {old} became {new}")
            else:
                changes.append(f"{name} 0x{old:0{2 * size}x} became 0x{new:0{2 * size}x}")
    return changes
