"""The --memrd text format: the published sample lines, round trips, progress text, gaps."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hil.probe.memrd import MemrdError, format_dump, format_line, parse_dump, parse_line


def test_published_word_line_is_little_endian_units():
    line = "0x000FE010: 027543B6 682F7462 FF687361 FFFFFFFF   |.Cu.bt/hash.....|"
    address, data = parse_line(line)
    assert address == 0xFE010
    assert data[4:8] == b"bt/h"
    assert format_line(address, data) == line


def test_published_byte_line():
    line = "0x00000000: 00 04 00 20 E5 08 00 00 79 05 00 00 C5 08 00 00   |... ....y.......|"
    address, data = parse_line(line)
    assert data[:4] == bytes([0x00, 0x04, 0x00, 0x20])
    assert format_line(address, data, 8) == line


def test_mcuboot_magic_word():
    assert parse_line("0x000F8000: 96F3B83D")[1] == b"\x3d\xb8\xf3\x96"


def test_progress_text_before_the_address_on_the_same_line():
    text = (
        "[ #### ] 0.000s | Reading external memory, 0x0004 bytes @ 0x00000000 - Done "
        "0x12000000: EEEEEEEE"
    )
    assert parse_dump(text, 0x12000000, 4) == b"\xee" * 4


def test_progress_after_carriage_return_and_pipes_in_the_ascii_column():
    data = b"| |ab\r\n" + bytes(9)
    text = "Reading... 50%\r" + format_dump(0x10000000, data)
    assert "|| |ab" in text
    assert parse_dump(text, 0x10000000, 16) == data


@pytest.mark.parametrize("width", [8, 16, 32])
@given(data=st.binary(min_size=1, max_size=100))
def test_round_trip_every_width(width, data):
    step = width // 8
    data = data[: len(data) - len(data) % step] or bytes(step)
    assert parse_dump(format_dump(0x84000, data, width), 0x84000, len(data)) == data


def test_a_missing_line_is_a_gap():
    lines = format_dump(0x1000, bytes(48)).splitlines()
    with pytest.raises(MemrdError, match=r"gap.*0x00001010.*0x00001020"):
        parse_dump("\n".join([lines[0], lines[2]]))


def test_short_output_and_wrong_start_are_errors():
    text = format_dump(0x1000, bytes(32))
    with pytest.raises(MemrdError, match="32 bytes, expected 64"):
        parse_dump(text, 0x1000, 64)
    with pytest.raises(MemrdError, match="starts at 0x00001000, expected 0x00002000"):
        parse_dump(text, 0x2000)
    with pytest.raises(MemrdError, match="no memory dump lines"):
        parse_dump("ERROR: something\n")


def test_malformed_units_are_rejected():
    with pytest.raises(MemrdError, match="mixed"):
        parse_line("0x00000000: FFFF FFFFFFFF   |......|")
    with pytest.raises(MemrdError, match="not a memory dump line"):
        parse_line("0x00000000: XYZ")
