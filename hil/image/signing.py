"""Sign an app binary the way an NCS v2.6.0 build does, with imgtool's own code in-process.

Equivalent to ``imgtool sign --key K --header-size 0x200 --align 4 --version V --pad-header
--slot-size S app_to_sign.bin app_update.bin`` (sdk-nrf ``modules/mcuboot/CMakeLists.txt``).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click
from imgtool import image as imgtool_image
from imgtool import keys as imgtool_keys
from imgtool.version import decode_version

from hil.errors import HilError
from hil.image.header import ImageVersion
from hil.image.keys import key_type_of, load_imgtool_key

LF = 0x0A
CR = 0x0D


@dataclass(frozen=True)
class SigningParams:
    """imgtool arguments an NCS v2.6.0 nRF5340 build uses."""

    header_size: int = 0x200
    align: int = 4
    slot_size: int = 0x78000
    max_sectors: int = 128


def sign_image(
    payload: bytes,
    key_path: str | Path,
    version: str | ImageVersion,
    params: SigningParams = SigningParams(),
) -> bytes:
    """Return the signed image (header, payload, TLVs; no trailer, no padding)."""
    key_path = Path(key_path)
    parsed = version if isinstance(version, ImageVersion) else ImageVersion.parse(version)
    if not payload:
        raise HilError("cannot sign an empty payload")
    key = load_imgtool_key(key_path)
    key_type_of(key, key_path)
    if not isinstance(key, imgtool_keys.PayloadSigner | imgtool_keys.DigestSigner):
        raise HilError(f"{key_path} holds only a public key; signing needs the private key")
    image = imgtool_image.Image(
        version=decode_version(str(parsed)),
        header_size=params.header_size,
        pad_header=True,
        align=params.align,
        slot_size=params.slot_size,
        max_sectors=params.max_sectors,
    )
    with tempfile.TemporaryDirectory(prefix="hil-sign-") as tmp:
        infile = Path(tmp) / "app_to_sign.bin"
        infile.write_bytes(payload)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                image.load(str(infile))
                image.create(key, "hash", None, custom_tlvs={}, compression_tlvs={})
        except click.UsageError as err:
            raise HilError(f"imgtool refused to sign: {err.format_message()}") from None
    return bytes(image.payload)


def make_test_payload(size: int, seed: int = 0) -> bytes:
    """Deterministic pseudo-random bytes standing in for an app binary.

    Like a real binary it holds lone LF bytes (0x0A not preceded by 0x0D), at least one when
    ``size >= 2``, so an ASCII-mode transfer changes it.
    """
    if size < 0:
        raise HilError(f"payload size must not be negative, got {size}")
    data = bytearray(hashlib.shake_256(f"hil-test-payload:{seed}".encode()).digest(size))
    if size >= 2 and count_lone_lf(bytes(data)) == 0:
        middle = size // 2
        data[middle - 1] = 0x00
        data[middle] = LF
    return bytes(data)


def count_lone_lf(data: bytes) -> int:
    """Number of LF bytes not preceded by CR: what an ASCII transfer on POSIX expands."""
    total = data.count(b"\n")
    return total - data.count(b"\r\n")
