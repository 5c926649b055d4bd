"""MCUboot's verdict on a slot: ``bootutil_img_validate`` then ``boot_is_header_valid``.

Modelled on sdk-mcuboot v2.0.99-ncs1 (``image_validate.c``, ``tlv.c``, ``loader.c``), check by
check and in the same order. MCUboot only says pass or fail; the verdict also names the first
check that failed, with offsets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from hil.errors import HilError
from hil.image.header import HEADER_SIZE, IMAGE_MAGIC, ImageHeader
from hil.image.keys import PublicKey
from hil.image.tlv import (
    TLV_KEYHASH,
    TLV_SHA256,
    ReadError,
    TlvArea,
    TlvError,
    locate,
    tlv_name,
    walk,
)
from hil.mcuboot.area import BytesArea, ReadableArea, checked_read, checked_view
from hil.mcuboot.trailer import TrailerLayout

__all__ = ["BytesArea", "Verdict", "max_image_size_swap_move", "validate_image"]

_U32 = 0xFFFFFFFF
HASH_SIZE = 32


@dataclass(frozen=True)
class Verdict:
    """Whether MCUboot accepts the image; ``reason`` names the first failed check."""

    ok: bool
    reason: str | None
    header: ImageHeader | None
    tlv_end: int | None
    signature_checked: bool
    image_hash: bytes | None = None
    key_index: int | None = None


def max_image_size_swap_move(
    slot_size: int, sector_size: int, write_size: int = 4, max_img_sectors: int | None = None
) -> int:
    """``bootutil_max_image_size`` for swap-using-move: start of the sector holding the status
    area (0x77000 for 0x78000 slots with 4 KiB sectors). ``max_img_sectors`` defaults to the
    firmware build's value (:mod:`hil.mcuboot.kconfig`)."""
    if sector_size <= 0:
        raise HilError(f"sector size must be positive, got {sector_size}")
    if max_img_sectors is None:
        layout = TrailerLayout(slot_size, write_size=write_size)
    else:
        layout = TrailerLayout(slot_size, write_size=write_size, max_img_sectors=max_img_sectors)
    return layout.status_off // sector_size * sector_size


class _Failed(Exception):
    """A check failed; carries the reason."""


@dataclass
class _Walk:
    """What the TLV walk found, for the result and for naming the failure."""

    hash_valid: bool = False
    valid_signature: bool = False
    signature_tried: bool = False
    key_hash_seen: bool = False
    key_matched: bool = False
    key_index: int | None = None


def validate_image(
    area: ReadableArea,
    keys: Sequence[PublicKey],
    max_image_size: int,
    *,
    header_bytes: bytes | None = None,
) -> Verdict:
    """Validate the image at offset 0 of ``area`` as MCUboot would; never raises on bad data.

    With no ``keys`` everything but the signature is checked (``signature_checked`` False).
    ``header_bytes`` replaces the header MCUboot holds in RAM (default: read from the slot).
    """
    key_types = {key.key_type for key in keys}
    if len(key_types) > 1:
        raise HilError(
            "MCUboot is built for one signature type; the keys given are of "
            + ", ".join(sorted(k.value for k in key_types))
        )
    if header_bytes is None:
        if area.size < HEADER_SIZE:
            return Verdict(
                False, f"the 0x{area.size:x} B slot cannot hold an image header", None, None, False
            )
        header_bytes = area.read(0, HEADER_SIZE)
    header = ImageHeader.parse(header_bytes)
    found = _Walk()
    digest: bytes | None = None
    tlv_end: int | None = None
    try:
        digest = _image_hash(area, header)
        tlvs = locate(lambda off, n: checked_read(area, off, n), header)
        tlv_end = tlvs.tlv_end
        if tlv_end > max_image_size:
            raise _Failed(
                f"TLV area ends at 0x{tlv_end:x}, past the maximum image size 0x{max_image_size:x}"
            )
        _walk_tlvs(area, tlvs, keys, digest, found)
        if not found.hash_valid:
            raise _Failed("no SHA256 TLV in the TLV area")
        if keys and not found.valid_signature:
            raise _Failed(_signature_reason(found, keys))
        _check_header(header, area.size)
    except (_Failed, TlvError) as failure:
        return Verdict(
            False, str(failure), header, tlv_end, found.signature_tried, digest, found.key_index
        )
    return Verdict(True, None, header, tlv_end, found.signature_tried, digest, found.key_index)


def _image_hash(area: ReadableArea, header: ImageHeader) -> bytes:
    """``bootutil_img_hash``: SHA-256 over [0, hdr_size + img_size + protect_tlv_size)."""
    size = (header.tlv_offset + header.protect_tlv_size) & _U32
    try:
        return hashlib.sha256(checked_view(area, 0, size)).digest()
    except ReadError:
        raise _Failed(
            f"hdr_size + img_size + protect_tlv_size (0x{size:x}) reaches past the slot "
            f"(0x{area.size:x}): the hash cannot be computed"
        ) from None


def _walk_tlvs(
    area: ReadableArea, tlvs: TlvArea, keys: Sequence[PublicKey], digest: bytes, found: _Walk
) -> None:
    def load(offset: int, length: int, what: str) -> bytes:
        try:
            return checked_read(area, offset, length)
        except ReadError:
            raise _Failed(f"{what} TLV data at 0x{offset:x} reaches past the slot end") from None

    sig_tlv = keys[0].sig_tlv if keys else None
    key_id: int | None = None
    for tlv in walk(lambda off, n: checked_read(area, off, n), tlvs):
        if tlv.type == TLV_SHA256:
            if tlv.length != HASH_SIZE:
                raise _Failed(
                    f"SHA256 TLV at 0x{tlv.offset - 4:x} has length {tlv.length}, "
                    f"expected {HASH_SIZE}"
                )
            if load(tlv.offset, HASH_SIZE, "SHA256") != digest:
                raise _Failed("image hash does not match the SHA256 TLV")
            found.hash_valid = True
        elif not keys:
            continue
        elif tlv.type == TLV_KEYHASH:
            if tlv.length > HASH_SIZE:
                raise _Failed(
                    f"KEYHASH TLV at 0x{tlv.offset - 4:x} has length {tlv.length}, "
                    f"more than {HASH_SIZE}"
                )
            key_id = _find_key(keys, load(tlv.offset, tlv.length, "KEYHASH"))
            found.key_hash_seen = True
            found.key_matched |= key_id is not None
        elif tlv.type == sig_tlv:
            if key_id is None:
                continue
            if not keys[0].key_type.sig_len_ok(tlv.length):
                raise _Failed(
                    f"{tlv_name(tlv.type)} TLV at 0x{tlv.offset - 4:x} has a bad "
                    f"length {tlv.length}"
                )
            signature = load(tlv.offset, tlv.length, tlv_name(tlv.type))
            found.valid_signature = keys[key_id].verify_digest(signature, digest)
            found.signature_tried = True
            found.key_index = key_id
            key_id = None


def _find_key(keys: Sequence[PublicKey], key_hash: bytes) -> int | None:
    """``bootutil_find_key``: the first key whose hash starts with the TLV bytes."""
    for index, key in enumerate(keys):
        if key.key_hash[: len(key_hash)] == key_hash:
            return index
    return None


def _signature_reason(found: _Walk, keys: Sequence[PublicKey]) -> str:
    if found.signature_tried:
        return "signature does not verify"
    sig_name = tlv_name(keys[0].sig_tlv)
    if found.key_matched:
        return f"no {sig_name} signature TLV follows the matching KEYHASH"
    if found.key_hash_seen:
        return f"key hash matches none of the {len(keys)} built-in key(s): signature not checked"
    return "no KEYHASH TLV: signature not checked"


def _check_header(header: ImageHeader, slot_size: int) -> None:
    """``boot_is_header_valid``: magic, then hdr_size + img_size overflow or ``>=`` the slot."""
    if header.magic != IMAGE_MAGIC:
        raise _Failed(f"header magic 0x{header.magic:08x} is not 0x{IMAGE_MAGIC:08x}")
    size = header.hdr_size + header.img_size
    if size > _U32:
        raise _Failed(f"hdr_size + img_size (0x{size:x}) overflows 32 bits")
    if size >= slot_size:
        raise _Failed(f"hdr_size + img_size (0x{size:x}) reaches past the slot (0x{slot_size:x})")
