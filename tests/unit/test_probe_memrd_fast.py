"""The one-pass memrd reader and writer agree with the line-by-line reference path."""

from hypothesis import given
from hypothesis import strategies as st

from hil.probe import memrd

BASE = 0x10000000


@st.composite
def dumps(draw):
    width = draw(st.sampled_from(memrd.WIDTHS))
    step = width // 8
    data = draw(st.binary(max_size=400).map(lambda b: b[: len(b) - len(b) % step]))
    return width, data


@given(dumps())
def test_fast_writer_matches_line_formatter(case):
    width, data = case
    expected = "".join(
        memrd.format_line(BASE + i, data[i : i + 16], width) + "\n" for i in range(0, len(data), 16)
    )
    assert memrd.format_dump(BASE, data, width) == expected


@given(dumps(), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_fast_reader_matches_line_parser(case, newline, lower):
    width, data = case
    text = memrd.format_dump(BASE, data, width).replace("\n", newline)
    if lower:
        text = text.lower()
    if not data:
        return
    assert memrd.parse_dump(text) == memrd._parse_by_line(text, None, None) == data
