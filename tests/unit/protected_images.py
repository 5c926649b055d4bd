"""Images with protected TLVs, signed by imgtool itself, and edits of their unprotected area.

``imgtool sign --security-counter N --boot-record SW -d "(1, 1.2.3)" --custom-tlv 0xa0 ...``:
the protected area (security counter, boot record, dependency, custom TLVs) is hashed and
signed with the image, behind its own info header (magic 0x6908).
"""

from __future__ import annotations

import contextlib
import io
import struct
import tempfile
from pathlib import Path

from imgtool import image as imgtool_image
from imgtool.version import decode_version

from hil.image.keys import load_imgtool_key

TLV_INFO = struct.Struct("<HH")
PROTECTED_TYPES = [0x50, 0x60, 0x40, 0xA0, 0xA1]  # SEC_CNT, BOOT_RECORD, DEPENDENCY, custom


def sign_protected(payload: bytes, key_path: Path, version: str = "1.2.3+4") -> bytes:
    """An NCS-like signed image (header 0x200, align 4) with all four kinds of protected TLV."""
    image = imgtool_image.Image(
        version=decode_version(version),
        header_size=0x200,
        pad_header=True,
        align=4,
        slot_size=0x78000,
        security_counter=7,
    )
    dependencies = {
        imgtool_image.DEP_IMAGES_KEY: [1],
        imgtool_image.DEP_VERSIONS_KEY: [decode_version("1.2.3")],
    }
    custom = {0xA0: b"\x01\x02\x03\x04", 0xA1: b"custom tlv!\x00"}
    with tempfile.TemporaryDirectory() as tmp:
        infile = Path(tmp) / "app.bin"
        infile.write_bytes(payload)
        with contextlib.redirect_stdout(io.StringIO()):
            image.load(str(infile))
            image.create(
                load_imgtool_key(key_path),
                "hash",
                None,
                dependencies=dependencies,
                sw_type="app",
                custom_tlvs=custom,
                compression_tlvs={},
            )
    return bytes(image.payload)


def unprotected_tlvs(image: bytes) -> tuple[int, list[tuple[int, bytes]]]:
    """Where the unprotected info header is, and its TLVs as (type, value)."""
    hdr_size, prot = struct.unpack_from("<HH", image, 8)
    img_size = struct.unpack_from("<I", image, 12)[0]
    start = hdr_size + img_size + prot
    magic, total = TLV_INFO.unpack_from(image, start)
    assert magic == 0x6907
    tlvs, off = [], start + 4
    while off < start + total:
        tlv_type, length = TLV_INFO.unpack_from(image, off)
        tlvs.append((tlv_type, image[off + 4 : off + 4 + length]))
        off += 4 + length
    return start, tlvs


def with_unprotected(image: bytes, tlvs: list[tuple[int, bytes]]) -> bytes:
    """``image`` with its unprotected TLV area rebuilt from ``tlvs`` (hash and signature stay
    valid: MCUboot hashes only up to the end of the protected area)."""
    start, _ = unprotected_tlvs(image)
    body = b"".join(TLV_INFO.pack(t, len(v)) + v for t, v in tlvs)
    return image[:start] + TLV_INFO.pack(0x6907, 4 + len(body)) + body
