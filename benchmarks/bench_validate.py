"""Slot validation against its floor, hashlib SHA-256 of the hashed region plus one signature
check timed right before it (CPU time, the median of the pairs' ratios), and imgtool's verify."""

from __future__ import annotations

import contextlib
import hashlib
import io
import tempfile
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from imgtool import image as imgtool_image

from benchmarks.common import Row, medians, ms, paired
from hil.image.header import ImageHeader
from hil.image.keys import KeyType, PublicKey, generate_key, load_imgtool_key, load_public_key
from hil.image.signing import make_test_payload, sign_image
from hil.image.tlv import locate, walk
from hil.mcuboot.validate import BytesArea, max_image_size_swap_move, validate_image

SLOT = 0x78000
IMAGE = 0x76000  # payload + 0x200 header; TLVs follow
MAX_IMAGE = max_image_size_swap_move(SLOT, sector_size=0x1000)
LIMIT = 1.5  # x (SHA-256 of the hashed region + one signature check), CPU time, same run


def _signature_check(key: PublicKey, image: bytes) -> Callable[[], None]:
    """One signature check with the key already loaded: its bare cost."""
    header = ImageHeader.parse(image[:32])
    area = BytesArea(image, SLOT)
    sig = next(t for t in walk(area.read, locate(area.read, header)) if t.type == key.sig_tlv)
    signature = image[sig.offset : sig.offset + sig.length]
    digest = hashlib.sha256(image[: header.tlv_offset + header.protect_tlv_size]).digest()
    loaded = serialization.load_pem_private_key(Path(key.source).read_bytes(), None).public_key()
    if isinstance(loaded, rsa.RSAPublicKey):
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        return lambda: loaded.verify(signature, digest, pss, utils.Prehashed(hashes.SHA256()))
    assert isinstance(loaded, ec.EllipticCurvePublicKey)
    return lambda: loaded.verify(signature, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))


def _one(key_type: KeyType, tmp: Path, repeat: int) -> list[Row]:
    key_path = generate_key(tmp / f"{key_type.value}.pem", key_type)
    image = sign_image(make_test_payload(IMAGE - 0x200, seed=3), key_path, "2.0.0")
    image_path = tmp / f"{key_type.value}.bin"
    image_path.write_bytes(image)
    slot = image + b"\xff" * (SLOT - len(image))  # what read_slot returns
    keys = (load_public_key(key_path),)
    imgtool_key = load_imgtool_key(key_path)
    header = ImageHeader.parse(image[:32])
    hashed = slot[: header.tlv_offset + header.protect_tlv_size]
    check_signature = _signature_check(keys[0], image)
    assert validate_image(BytesArea(slot, SLOT), keys, MAX_IMAGE).ok

    def ours_slot() -> None:
        validate_image(BytesArea(slot, SLOT), keys, MAX_IMAGE)

    def ours_file() -> None:
        validate_image(BytesArea(image_path.read_bytes(), SLOT), keys, MAX_IMAGE)

    def imgtool_verify() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            result = imgtool_image.Image.verify(str(image_path), imgtool_key)
        assert result[0] == imgtool_image.VerifyResult.OK

    result = paired(
        ours_slot, lambda: hashlib.sha256(hashed).digest(), check_signature, repeat=repeat
    )
    t_sha, t_sig = result.floors
    t_file, t_imgtool = medians(ours_file, imgtool_verify, repeat=repeat)
    name = f"validate 0x{SLOT:x} slot, {key_type.value}"
    return [
        Row(
            name,
            ms(result.ours),
            f"sha256 {ms(t_sha)} + sig {ms(t_sig)}",
            f"{result.ratio:.2f}x (sha256 + sig)",
            f"<= {LIMIT:g}x (sha256 + sig)",
            result.ratio <= LIMIT,
        ),
        Row(
            f"{name}, from file",
            ms(t_file),
            f"imgtool Image.verify {ms(t_imgtool)}",
            f"{t_imgtool / t_file:.2f}x faster",
            "no slower than imgtool",
            t_file <= t_imgtool,
        ),
    ]


def bench_validate(repeat: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-validate-") as tmp:
        rows: list[Row] = []
        for key_type in (KeyType.RSA2048, KeyType.ECDSA_P256):
            rows += _one(key_type, Path(tmp), repeat)
        return rows
