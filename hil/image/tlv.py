"""TLV types and a reader for the TLV areas that follow the image payload (bootutil ``tlv.c``).

Offsets are 32-bit, as on the target. ``read(off, n)`` must raise :class:`ReadError` for
a range outside the slot, as ``flash_area_read`` fails there.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from hil.image.header import ImageHeader

TLV_INFO_MAGIC = 0x6907
TLV_PROT_INFO_MAGIC = 0x6908
TLV_INFO_SIZE = 4
TLV_HEADER_SIZE = 4

TLV_KEYHASH = 0x01
TLV_PUBKEY = 0x02
TLV_SHA256 = 0x10
TLV_SHA384 = 0x11
TLV_SHA512 = 0x12
TLV_RSA2048_PSS = 0x20
TLV_ECDSA224 = 0x21
TLV_ECDSA_SIG = 0x22
TLV_RSA3072_PSS = 0x23
TLV_ED25519 = 0x24
TLV_ENC_RSA2048 = 0x30
TLV_ENC_KW = 0x31
TLV_ENC_EC256 = 0x32
TLV_ENC_X25519 = 0x33
TLV_DEPENDENCY = 0x40
TLV_SEC_CNT = 0x50
TLV_BOOT_RECORD = 0x60

TLV_NAMES = {
    TLV_KEYHASH: "KEYHASH",
    TLV_PUBKEY: "PUBKEY",
    TLV_SHA256: "SHA256",
    TLV_SHA384: "SHA384",
    TLV_SHA512: "SHA512",
    TLV_RSA2048_PSS: "RSA2048_PSS",
    TLV_ECDSA224: "ECDSA224",
    TLV_ECDSA_SIG: "ECDSA_SIG",
    TLV_RSA3072_PSS: "RSA3072_PSS",
    TLV_ED25519: "ED25519",
    TLV_ENC_RSA2048: "ENC_RSA2048",
    TLV_ENC_KW: "ENC_KW",
    TLV_ENC_EC256: "ENC_EC256",
    TLV_ENC_X25519: "ENC_X25519",
    TLV_DEPENDENCY: "DEPENDENCY",
    TLV_SEC_CNT: "SEC_CNT",
    TLV_BOOT_RECORD: "BOOT_RECORD",
}

_U32 = 0xFFFFFFFF
_PAIR = struct.Struct("<HH")

Reader = Callable[[int, int], bytes]


class ReadError(Exception):
    """A read outside the slot: what ``flash_area_read`` refuses."""

    def __init__(self, offset: int, length: int, size: int) -> None:
        super().__init__(f"read of 0x{length:x} B at 0x{offset:x} is outside the 0x{size:x} slot")
        self.offset = offset
        self.length = length
        self.size = size


class TlvError(Exception):
    """The TLV area is unusable; the message says where and why."""


def tlv_name(tlv_type: int) -> str:
    return TLV_NAMES.get(tlv_type, f"0x{tlv_type:02x}")


@dataclass(frozen=True)
class Tlv:
    """One TLV: its type, and where its ``length`` data bytes start in the slot."""

    type: int
    offset: int
    length: int


@dataclass(frozen=True)
class TlvArea:
    """The located TLV areas (``struct image_tlv_iter`` after ``bootutil_tlv_iter_begin``)."""

    start: int
    protect_tlv_size: int
    prot_end: int
    tlv_end: int

    @property
    def first(self) -> int:
        return (self.start + TLV_INFO_SIZE) & _U32


def locate(read: Reader, header: ImageHeader) -> TlvArea:
    """Find the TLV info headers at hdr_size + img_size, in ``bootutil_tlv_iter_begin`` order."""
    start = header.tlv_offset
    magic, total = _read_info(read, start)
    prot = header.protect_tlv_size
    info_at = start
    if magic == TLV_PROT_INFO_MAGIC:
        if prot != total:
            raise TlvError(
                f"protected TLV area at 0x{start:x} is 0x{total:x} B but the header's "
                f"protect_tlv_size is 0x{prot:x}"
            )
        info_at = (start + total) & _U32
        magic, total = _read_info(read, info_at)
    elif prot != 0:
        raise TlvError(
            f"header's protect_tlv_size is 0x{prot:x} but the TLV info magic at 0x{start:x} "
            f"is 0x{magic:04x}, expected 0x{TLV_PROT_INFO_MAGIC:04x}"
        )
    if magic != TLV_INFO_MAGIC:
        raise TlvError(
            f"TLV info magic at 0x{info_at:x} is 0x{magic:04x}, expected 0x{TLV_INFO_MAGIC:04x}"
        )
    return TlvArea(
        start=start,
        protect_tlv_size=prot,
        prot_end=(start + prot) & _U32,
        tlv_end=(start + prot + total) & _U32,
    )


def _read_info(read: Reader, offset: int) -> tuple[int, int]:
    try:
        return _PAIR.unpack(read(offset, TLV_INFO_SIZE))
    except ReadError as err:
        raise TlvError(f"TLV info at 0x{offset:x} is past the end of the slot ({err})") from None


def walk(read: Reader, area: TlvArea) -> Iterator[Tlv]:
    """Every TLV of both areas in order (``bootutil_tlv_iter_next`` with IMAGE_TLV_ANY)."""
    off = area.first
    while off < area.tlv_end:
        if area.protect_tlv_size > 0 and off == area.prot_end:
            off = (off + TLV_INFO_SIZE) & _U32
        try:
            tlv_type, length = _PAIR.unpack(read(off, TLV_HEADER_SIZE))
        except ReadError as err:
            raise TlvError(f"TLV at 0x{off:x} is past the end of the slot ({err})") from None
        yield Tlv(tlv_type, (off + TLV_HEADER_SIZE) & _U32, length)
        off = (off + TLV_HEADER_SIZE + length) & _U32
