"""Diagnosis of real signed images: the consequence for MCUboot, JSON, and the slot picture."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hil.errors import HilError
from hil.forensics import NRF5340_SLOT_SIZE, Kind, diagnose, slot_map_svg
from hil.forensics.svg import block_size
from hil.forensics.transforms import pyftpdlib_ascii
from hil.image.keys import KeyType, generate_key, load_public_key
from hil.image.signing import make_test_payload, sign_image

SLOT = NRF5340_SLOT_SIZE


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    root = tmp_path_factory.mktemp("diag")
    key = generate_key(root / "ed.pem", KeyType.ED25519)
    image = sign_image(make_test_payload(30_000, seed=4), key, "1.10.0")
    old = sign_image(make_test_payload(30_000, seed=5), key, "1.0.0")
    return image, old, (load_public_key(key),)


def _slot(data: bytes) -> bytes:
    return data + b"\xff" * (SLOT - len(data))


def test_ascii_download_names_the_moved_tlv_info_and_the_version(signed) -> None:
    image, _, keys = signed
    result = diagnose(image, _slot(pyftpdlib_ascii(image)), keys)
    assert result.kind is Kind.LF_TO_CRLF and not result.ok
    text = "\n".join(result.consequences)
    assert "header version minor 10 became 13" in text
    tlv_at = 0x200 + 30_000
    assert f"TLV info expected at 0x{tlv_at:X}, found 0x" in text
    assert f"the image's TLV info moved from 0x{tlv_at:X} to 0x" in text
    assert "hashed range [0, " in text
    assert result.consequences[-1].startswith(
        "MCUboot v2.0.99-ncs1 would reject the slot if an upgrade is requested: TLV"
    )
    assert any(label.startswith("TLV info expected") for _, label in result.marks())
    assert result.trailer and "magic=unset" in result.trailer
    json.dumps(result.to_dict())


def test_identical_slot_is_ok_and_accepted(signed) -> None:
    image, _, keys = signed
    result = diagnose(image, _slot(image), keys)
    assert result.ok
    assert result.consequences == (
        "MCUboot v2.0.99-ncs1 would accept the slot if an upgrade is requested",
    )
    assert result.lines()[0].startswith("finding  identical")


def test_erased_truncated_and_other_image(signed) -> None:
    image, old, keys = signed
    erased = diagnose(image, b"\xff" * SLOT, keys)
    assert erased.kind is Kind.ERASED
    assert "finds no image to boot in the slot" in erased.consequences[-1]
    cut = diagnose(image, _slot(image[:20_000]), keys)
    assert cut.kind is Kind.TRUNCATED
    assert any("TLV info expected at" in line for line in cut.consequences)
    other = diagnose(image, _slot(old), keys)
    assert other.kind is Kind.OTHER_IMAGE
    assert "version 1.0.0+0" in other.finding.summary


def test_served_file_that_is_not_an_image(signed) -> None:
    result = diagnose(b"plain\ntext\n" * 10, b"plain\r\ntext\r\n" * 10)
    assert result.kind is Kind.LF_TO_CRLF
    assert "not an MCUboot image" in result.consequences[0]


def test_sizes_are_checked(signed) -> None:
    image, _, keys = signed
    with pytest.raises(HilError, match="larger than the 0x1000 B slot"):
        diagnose(image, image, keys, slot_size=0x1000)


def test_slot_picture_is_valid_svg_with_legend_and_marks(signed) -> None:
    image, _, keys = signed
    slot = _slot(pyftpdlib_ascii(image))
    result = diagnose(image, slot, keys)
    svg = slot_map_svg(
        image, slot, title="a <slot>", subtitle=result.finding.summary, marks=result.marks()
    )
    root = ET.fromstring(svg)
    texts = " ".join(
        element.text or "" for element in root.iter("{http://www.w3.org/2000/svg}text")
    )
    assert "a <slot>" in texts
    assert "differs from the image" in texts and "same bytes as the image" in texts
    assert "1: 0x" in texts and "first difference" in texts
    assert block_size(SLOT) == 128


def _text_boxes(svg: str) -> list[tuple[float, float, float, float, str]]:
    """Approximate boxes (x0, y0, x1, y1) of the texts: monospace, 0.6 em wide characters."""
    boxes = []
    for element in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text"):
        size = float(element.get("font-size", "11"))
        x, y, text = float(element.get("x", 0)), float(element.get("y", 0)), element.text or ""
        boxes.append((x, y - 0.8 * size, x + 0.6 * size * len(text), y + 0.2 * size, text))
    return boxes


def test_slot_picture_texts_never_overlap_and_it_carries_the_verdict(signed) -> None:
    image, _, keys = signed
    slot = _slot(pyftpdlib_ascii(image))
    result = diagnose(image, slot, keys)
    marks = [(0, "at the slot start"), *result.marks()]
    svg = slot_map_svg(
        image,
        slot,
        title="test_update_over_ftp.py::test_update[default-client] slot before the reboot " * 2,
        subtitle=result.finding.summary * 3,
        slot_size=SLOT,
        marks=marks,
        verdict=result.verdict_text(),
    )
    assert "MCUboot REJECTS the slot if an upgrade is requested" in svg
    boxes = _text_boxes(svg)
    width = float(ET.fromstring(svg).get("width"))
    for index, (x0, y0, x1, y1, text) in enumerate(boxes):
        assert x1 <= width, f"{text!r} runs off the picture"
        for ox0, oy0, ox1, oy1, other in boxes[index + 1 :]:
            apart = x1 <= ox0 or ox1 <= x0 or y1 <= oy0 or oy1 <= y0
            assert apart, f"{text!r} overlaps {other!r}"


@settings(max_examples=80, deadline=None)
@given(
    image=st.binary(min_size=1, max_size=120),
    slot=st.binary(min_size=1, max_size=120),
    magic=st.booleans(),
)
def test_any_input_gives_a_diagnosis_or_a_hil_error(image: bytes, slot: bytes, magic: bool) -> None:
    if magic:
        image, slot = b"\x3d\xb8\xf3\x96" + image, b"\x3d\xb8\xf3\x96" + slot
    try:
        result = diagnose(image, slot, slot_size=0x2000)
    except HilError:
        return
    json.dumps(result.to_dict())
    assert result.lines() and result.consequences


def test_swap_status_of_the_firmwares_256_sectors_is_trailer_not_stale_data(signed) -> None:
    """CONFIG_BOOT_MAX_IMG_SECTORS=256 (child_image/mcuboot.conf): the status area starts at
    0x773D0 in a 0x78000 B slot, not at 0x779D0 as with MCUboot's default of 128."""
    image, _, keys = signed
    slot = bytearray(_slot(image))
    slot[0x773D0:0x773D4] = b"\x01\xff\xff\xff"  # a status entry written during a swap
    assert diagnose(image, bytes(slot), keys).kind is Kind.IDENTICAL
    slot[0x773C0] = 0x00  # before the status area: really left over
    assert diagnose(image, bytes(slot), keys).kind is Kind.STALE_DATA
