"""The validator against real signed images, cross-checked with imgtool's ``Image.verify``."""

import hashlib
import struct

import pytest
from imgtool import keys as imgtool_keys
from imgtool.image import Image, VerifyResult

from hil.errors import HilError
from hil.image.header import IMAGE_MAGIC
from hil.image.keys import KeyType, generate_key, load_public_key
from hil.image.signing import make_test_payload, sign_image
from hil.mcuboot.validate import BytesArea, max_image_size_swap_move, validate_image

SLOT = 0x78000
MAX = max_image_size_swap_move(SLOT, 0x1000)


@pytest.fixture(scope="module")
def keyring(tmp_path_factory):
    """Two keys per type: the one MCUboot is built with and a stranger."""
    root = tmp_path_factory.mktemp("keys")
    return {
        kt: (
            generate_key(root / f"{kt.value}.pem", kt),
            generate_key(root / f"x-{kt.value}.pem", kt),
        )
        for kt in KeyType
    }


@pytest.fixture(scope="module")
def images(keyring):
    payload = make_test_payload(60_000, seed=11)
    return {
        kt: {
            "1.2.3+4": sign_image(payload, paths[0], "1.2.3+4"),
            "1.10.0": sign_image(payload, paths[0], "1.10.0"),
        }
        for kt, paths in keyring.items()
    }


def _flip(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


CASES = {
    "good": lambda img: img,
    "padded-to-slot": lambda img: img + b"\xff" * (SLOT - len(img)),
    "lf-to-crlf": lambda img: img.replace(b"\n", b"\r\n"),
    "flipped-bit": lambda img: _flip(img, 0x200 + 1234),
    "truncated-10": lambda img: img[:-10],
    "truncated-half": lambda img: img[: len(img) // 2],
    "garbage": lambda img: make_test_payload(5000, seed=99),
    "empty": lambda img: b"",
    "all-ff": lambda img: b"\xff" * 4096,
}


def _imgtool(tmp_path, data: bytes, key_path) -> VerifyResult | None:
    path = tmp_path / "image.bin"
    path.write_bytes(data)
    key = imgtool_keys.load(str(key_path)) if key_path else None
    try:
        return Image.verify(str(path), key)[0]
    except struct.error:
        return None  # imgtool cannot read an offset the header points to


@pytest.mark.parametrize("key_type", list(KeyType))
@pytest.mark.parametrize("version", ["1.2.3+4", "1.10.0"])
@pytest.mark.parametrize("case", list(CASES))
def test_verdict_agrees_with_imgtool(tmp_path, keyring, images, key_type, version, case):
    data = CASES[case](images[key_type][version])
    own, stranger = keyring[key_type]
    for key_path, expect_ok in ((own, case in ("good", "padded-to-slot")), (stranger, False)):
        verdict = validate_image(BytesArea(data, SLOT), [load_public_key(key_path)], MAX)
        assert verdict.ok is expect_ok, verdict.reason
        assert (verdict.reason is None) is verdict.ok
        result = _imgtool(tmp_path, data, key_path)
        if case not in ("truncated-half", "empty"):
            assert result is not None, "imgtool gave no verdict to compare with"
        if result is not None:
            assert verdict.ok == (result == VerifyResult.OK), (case, result, verdict.reason)


def test_crlf_reasons_name_the_tlv_info_magic(images, keyring):
    image = images[KeyType.RSA2048]["1.2.3+4"]
    translated = image.replace(b"\n", b"\r\n")
    assert image.count(b"\n") > 0
    verdict = validate_image(
        BytesArea(translated, SLOT), [load_public_key(keyring[KeyType.RSA2048][0])], MAX
    )
    offset = 0x200 + 60_000
    assert verdict.reason.startswith(f"TLV info magic at 0x{offset:x} is 0x")
    assert verdict.reason.endswith("expected 0x6907")
    assert not verdict.signature_checked


def test_version_with_lf_in_header_changes_the_header(images):
    image = images[KeyType.ED25519]["1.10.0"]
    assert image[21] == 0x0A
    translated = image.replace(b"\n", b"\r\n")
    verdict = validate_image(BytesArea(translated, SLOT), [], MAX)
    assert not verdict.ok
    assert verdict.header.version.minor == 0x0D


def test_specific_reasons(images, keyring):
    key = load_public_key(keyring[KeyType.ECDSA_P256][0])
    image = images[KeyType.ECDSA_P256]["1.2.3+4"]
    check = lambda data: validate_image(BytesArea(data, SLOT), [key], MAX)  # noqa: E731
    assert check(_flip(image, 0x300)).reason == "image hash does not match the SHA256 TLV"
    stranger = load_public_key(keyring[KeyType.ECDSA_P256][1])
    wrong = validate_image(BytesArea(image, SLOT), [stranger], MAX)
    assert wrong.reason == "key hash matches none of the 1 built-in key(s): signature not checked"
    assert not wrong.signature_checked
    two = validate_image(BytesArea(image, SLOT), [stranger, key], MAX)
    assert two.ok and two.key_index == 1 and two.signature_checked
    sig_flip = _flip(image, len(image) - 5)
    assert check(sig_flip).reason == "signature does not verify"
    assert check(_flip(image, 0)).reason == "image hash does not match the SHA256 TLV"
    assert check(b"").reason.startswith("header's protect_tlv_size is 0xffff")


def test_no_keys_checks_everything_but_the_signature(images):
    image = images[KeyType.RSA2048]["1.2.3+4"]
    verdict = validate_image(BytesArea(image, SLOT), [], MAX)
    assert verdict.ok and not verdict.signature_checked
    assert not validate_image(BytesArea(_flip(image, 0x250), SLOT), [], MAX).ok


def test_size_limits(images, keyring):
    image = images[KeyType.RSA2048]["1.2.3+4"]
    key = load_public_key(keyring[KeyType.RSA2048][0])
    tlv_end = len(image)
    small = validate_image(BytesArea(image, SLOT), [key], tlv_end - 1)
    assert (
        small.reason
        == f"TLV area ends at 0x{tlv_end:x}, past the maximum image size 0x{tlv_end - 1:x}"
    )
    assert validate_image(BytesArea(image, SLOT), [key], tlv_end).ok
    exact = validate_image(BytesArea(image, len(image)), [key], 0x100000)
    assert exact.ok


def _handmade(magic: int, hdr_size: int, img_size: int, body_len: int) -> bytes:
    """Header + zero bytes up to ``body_len``, then a TLV area holding only the SHA256 TLV."""
    header = struct.pack("<IIHHIIBBHII", magic, 0, hdr_size, 0, img_size, 0, 1, 0, 0, 0, 0)
    body = header + bytes(body_len - len(header))
    tlvs = struct.pack("<HHHH", 0x6907, 4 + 36, 0x10, 32)
    return body + tlvs + hashlib.sha256(body).digest()


def test_header_magic_is_checked_after_the_hash():
    data = _handmade(0x12345678, 0x40, 0x10, 0x50)
    verdict = validate_image(BytesArea(data, SLOT), [], MAX)
    assert verdict.reason == "header magic 0x12345678 is not 0x96f3b83d"
    assert verdict.tlv_end == len(data)


def test_header_overflow_is_caught_after_the_tlvs_pass():
    """hdr_size + img_size wraps in 32 bits, so the TLVs are found at a small offset and the
    hash passes; boot_is_header_valid's overflow check is what rejects the image."""
    data = _handmade(IMAGE_MAGIC, 0x40, 0xFFFFFFFF, 0x3F)
    verdict = validate_image(BytesArea(data, SLOT), [], MAX)
    assert verdict.reason == f"hdr_size + img_size (0x{0x40 + 0xFFFFFFFF:x}) overflows 32 bits"


def test_max_image_size_swap_move():
    assert max_image_size_swap_move(0x78000, 0x1000) == 0x77000
    assert max_image_size_swap_move(0xF4000, 0x1000, max_img_sectors=256) == 0xF3000


def test_mixed_key_types_are_refused(keyring):
    keys = [
        load_public_key(keyring[KeyType.RSA2048][0]),
        load_public_key(keyring[KeyType.ED25519][0]),
    ]
    with pytest.raises(HilError, match="one signature type"):
        validate_image(BytesArea(b"", SLOT), keys, MAX)


@pytest.mark.parametrize("data", [b"", b"\x00", bytes(31), make_test_payload(64, 3)])
def test_garbage_is_a_verdict_never_an_exception(data):
    assert not validate_image(BytesArea(data, max(len(data), 1)), [], MAX).ok
