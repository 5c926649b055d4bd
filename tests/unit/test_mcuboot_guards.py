"""What real MCUboot v2.0.99-ncs1 confirmed, guarded check by check.

Images carry protected TLVs (security counter, boot record, dependency, custom TLVs) signed for
real by imgtool; each test names the rule of ``image_validate.c`` / ``tlv.c`` / ``loader.c``
it holds the model to.
"""

from __future__ import annotations

import hashlib
import struct

import pytest
from imgtool.image import Image, VerifyResult
from imgtool.keys import load as imgtool_load
from protected_images import (
    PROTECTED_TYPES,
    sign_protected,
    unprotected_tlvs,
    with_unprotected,
)

from hil.image.header import ImageHeader
from hil.image.keys import KeyType, generate_key, load_public_key
from hil.image.signing import make_test_payload
from hil.image.tlv import TLV_KEYHASH, TLV_SHA256, locate, walk
from hil.mcuboot.bootloader import BootloaderConfig, Mcuboot
from hil.mcuboot.trailer import (
    BOOT_MAGIC,
    SwapType,
    TrailerLayout,
    read_swap_state,
    write_magic,
)
from hil.mcuboot.validate import BytesArea, max_image_size_swap_move, validate_image
from hil.sim.flash import FlashArea, nrf5340_internal_flash

SLOT = 0x78000
MAX = max_image_size_swap_move(SLOT, 0x1000)


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    root = tmp_path_factory.mktemp("guards")
    key = generate_key(root / "a.pem", KeyType.RSA2048)
    other = generate_key(root / "b.pem", KeyType.RSA2048)
    image = sign_protected(make_test_payload(30_000, seed=21), key)
    (root / "image.bin").write_bytes(image)
    return {
        "root": root,
        "key_path": key,
        "a": load_public_key(key),
        "b": load_public_key(other),
        "image": image,
    }


def _verdict(image: bytes, *keys):
    return validate_image(BytesArea(image, SLOT), keys, MAX)


def test_protected_image_is_accepted_with_the_hash_imgtool_computed(kit):
    """The hash covers header, payload and the protected TLVs: [0, hdr + img + protect)."""
    image = kit["image"]
    header = ImageHeader.parse(image[:32])
    assert header.protect_tlv_size > 0
    result, _, digest, _ = Image.verify(str(kit["root"] / "image.bin"),
                                        imgtool_load(str(kit["key_path"])))
    assert result is VerifyResult.OK
    for keys in ((kit["a"],), ()):
        verdict = _verdict(image, *keys)
        assert verdict.ok, verdict.reason
        assert verdict.image_hash == digest
    end = header.tlv_offset + header.protect_tlv_size
    assert _verdict(image).image_hash == hashlib.sha256(image[:end]).digest()


def test_the_walk_visits_both_areas_and_skips_the_info_headers(kit):
    """Protected TLVs first, the 0x6907 info header skipped, then SHA256, KEYHASH, signature;
    tlv_end counts the protected area too (the file ends there)."""
    image = kit["image"]
    header = ImageHeader.parse(image[:32])

    def read(off: int, n: int) -> bytes:
        return image[off : off + n]

    area = locate(read, header)
    assert area.tlv_end == len(image)
    assert [tlv.type for tlv in walk(read, area)] == [*PROTECTED_TYPES, 0x10, 0x01, 0x20]
    assert _verdict(image, kit["a"]).tlv_end == len(image)


def test_an_image_ending_past_the_maximum_only_by_its_protected_area_is_refused(kit):
    header = ImageHeader.parse(kit["image"][:32])
    tlv_end = len(kit["image"])
    limit = tlv_end - 1
    assert tlv_end - header.protect_tlv_size <= limit  # without the protected area it would fit
    verdict = validate_image(BytesArea(kit["image"], SLOT), (kit["a"],), limit)
    assert not verdict.ok and "past the maximum image size" in (verdict.reason or "")


@pytest.mark.parametrize("prefix", [0, 4])
def test_a_short_key_hash_matches_by_its_own_length(kit, prefix):
    """bootutil_find_key compares the TLV's length of bytes: an empty KEYHASH matches the first
    built-in key, a 4-byte one the first key whose hash starts with those bytes."""
    _, tlvs = unprotected_tlvs(kit["image"])
    short = [(t, v[:prefix] if t == TLV_KEYHASH else v) for t, v in tlvs]
    image = with_unprotected(kit["image"], short)
    first = _verdict(image, kit["a"], kit["b"])
    assert first.ok and first.key_index == 0, first.reason
    second = _verdict(image, kit["b"], kit["a"])
    if prefix == 0:  # matched to b, whose signature check fails
        assert not second.ok and second.key_index == 0
    else:
        assert second.ok and second.key_index == 1, second.reason


def test_a_wrong_digest_in_the_sha256_tlv_fails_even_with_a_good_signature(kit):
    """The signature is checked over the computed hash, so only the SHA256 compare sees it."""
    _, tlvs = unprotected_tlvs(kit["image"])
    forged = [(t, bytes(32) if t == TLV_SHA256 else v) for t, v in tlvs]
    image = with_unprotected(kit["image"], forged)
    for keys in ((kit["a"],), ()):
        verdict = _verdict(image, *keys)
        assert not verdict.ok and verdict.reason == "image hash does not match the SHA256 TLV"
    flipped = bytearray(kit["image"])
    flipped[0x400] ^= 1
    assert not _verdict(bytes(flipped)).ok


def _board(kit):
    device = nrf5340_internal_flash()
    primary = FlashArea(device, 0xC000, SLOT, "mcuboot_primary")
    secondary = FlashArea(device, 0x84000, SLOT, "mcuboot_secondary")
    device.load(0xC000, kit["image"])
    mcuboot = Mcuboot(BootloaderConfig(keys=(kit["a"],)), primary, secondary, 0xC000)
    return primary, secondary, mcuboot


@pytest.mark.parametrize("info", [0x00, 0x10])
def test_a_secondary_swap_info_of_type_0_is_read_as_the_target_reads_it(kit, info):
    """boot_read_swap_state keeps type 0 (only erased or > 4 become NONE)."""
    _, secondary, mcuboot = _board(kit)
    layout = TrailerLayout(SLOT)
    write_magic(secondary, layout)
    secondary.write(layout.swap_info_off, bytes([info, 0xFF, 0xFF, 0xFF]))
    state = read_swap_state(secondary, layout)
    assert state.swap_type == 0 and state.image_num == info >> 4
    result = mcuboot.boot()
    assert "I: Secondary image: magic=good, swap_type=0x0, copy_done=0x3, image_ok=0x3" in (
        result.lines
    )
    assert result.swap_type is SwapType.NONE and result.booted  # erased header: no upgrade


def test_a_primary_swap_info_of_type_0_panics_when_the_status_is_read(kit):
    """swap_read_status takes the type from the primary's swap_info unchecked: type 0 with a
    valid secondary reaches the default case of context_boot_go: panic, nothing boots."""
    primary, secondary, mcuboot = _board(kit)
    secondary.write(0, kit["image"] + b"\xff" * (-len(kit["image"]) % 4))
    layout = TrailerLayout(SLOT)
    primary.write(layout.swap_info_off, bytes([0x00, 0xFF, 0xFF, 0xFF]))
    primary.write(layout.swap_size_off, struct.pack("<I", len(kit["image"])))
    write_magic(primary, layout)
    assert primary.read(layout.magic_off, 16) == BOOT_MAGIC
    result = mcuboot.boot()
    assert result.lines[-3:] == [
        "I: Secondary image: magic=unset, swap_type=0x1, copy_done=0x3, image_ok=0x3",
        "I: Boot source: primary slot",
        "E: panic!",
    ]
    assert not result.booted and result.swap_type == 0
