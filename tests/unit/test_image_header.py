"""Image header and version: parsing, printing, and what imgtool writes."""

import struct

import pytest

from hil.errors import HilError
from hil.image.header import IMAGE_F_NON_BOOTABLE, IMAGE_MAGIC, ImageHeader, ImageVersion


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.2.3+4", ImageVersion(1, 2, 3, 4)),
        ("1.10.0", ImageVersion(1, 10, 0, 0)),
        ("2", ImageVersion(2, 0, 0, 0)),
        ("0.0.0+0", ImageVersion(0, 0, 0, 0)),
        ("255.255.65535+4294967295", ImageVersion(255, 255, 65535, 4294967295)),
    ],
)
def test_version_parse_and_str(text, expected):
    parsed = ImageVersion.parse(text)
    assert parsed == expected
    assert ImageVersion.parse(str(parsed)) == parsed


def test_version_str_format():
    assert str(ImageVersion(1, 2, 3, 4)) == "1.2.3+4"


@pytest.mark.parametrize(
    "text", ["", "1.2.3.4", "v1.2", "1.02", "1.2+3", "256.0.0", "a.b.c", "1..2"]
)
def test_bad_version_text_is_a_hil_error(text):
    with pytest.raises(HilError, match="version"):
        ImageVersion.parse(text)


def test_header_parse_round_trip():
    raw = struct.pack("<IIHHIIBBHII", IMAGE_MAGIC, 0, 0x200, 0, 0x1234, 0, 1, 10, 3, 4, 0)
    header = ImageHeader.parse(raw + b"\xff" * 100)
    assert header.magic == IMAGE_MAGIC
    assert (header.hdr_size, header.img_size, header.protect_tlv_size) == (0x200, 0x1234, 0)
    assert header.version == ImageVersion(1, 10, 3, 4)
    assert ImageVersion.from_header(raw) == header.version
    assert header.tlv_offset == 0x1434
    assert not header.is_erased
    assert header.pack() == raw


def test_erased_and_non_bootable_headers():
    assert ImageHeader.parse(b"\xff" * 32).is_erased
    raw = struct.pack(
        "<IIHHIIBBHII", IMAGE_MAGIC, 0, 0x200, 0, 4, IMAGE_F_NON_BOOTABLE, 0, 0, 0, 0, 0
    )
    assert ImageHeader.parse(raw).non_bootable


def test_short_header_is_a_hil_error():
    with pytest.raises(HilError, match="32 bytes"):
        ImageHeader.parse(b"\x3d\xb8\xf3\x96" + bytes(27))
