"""Dump formats: round trips, the real nrfjprog examples, and garbage rejected cleanly."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hil.dumps import Dump, DumpFormat, load_dump, parse_dump, render_dump, save_dump
from hil.errors import HilError

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Real nrfjprog / nrfutil lines (probe.md §5).
WORDS = (
    "0x000FE000: FFFF8001 CE3988EC 7FCA6A41 C7972C03   |......9.Aj...,..|\n"
    "0x000FE010: 027543B6 682F7462 FF687361 FFFFFFFF   |.Cu.bt/hash.....|\n"
)
BYTES8 = "0x00000000: 00 04 00 20 E5 08 00 00 79 05 00 00 C5 08 00 00   |... ....y.......|\n"
PROGRESS = (
    "[ #### ] 0.000s | Reading external memory, 0x0004 bytes @ 0x00000000 - Done "
    "0x12000000: EEEEEEEE\n"
)


def test_real_word_dump_is_little_endian_units() -> None:
    dump = parse_dump(WORDS.encode())
    assert dump.format is DumpFormat.MEMRD
    assert dump.address == 0xFE000
    assert dump.data[:4] == bytes.fromhex("0180FFFF")
    assert dump.data[0x14:0x18] == b"bt/h"
    assert len(dump.data) == 32


def test_real_byte_dump_and_progress_prefix() -> None:
    assert parse_dump(BYTES8.encode()).data[:8] == bytes.fromhex("00040020E5080000")
    dump = parse_dump(("\r".join(PROGRESS.rsplit(" 0x12", 1)).replace("\r", "\r0x12")).encode())
    assert dump.address == 0x12000000
    assert dump.data == b"\xee" * 4


def test_gap_is_a_clear_error() -> None:
    text = WORDS.replace("0x000FE010", "0x000FE020")
    with pytest.raises(HilError, match="gap in the memory dump: expected a line at 0x000FE010"):
        parse_dump(text.encode())


def test_ascii_column_must_match_the_units() -> None:
    with pytest.raises(HilError, match="ASCII column"):
        parse_dump(WORDS.replace("|.Cu.bt/hash.....|", "|.Cu.bt/HASH.....|").encode())


def test_hex_gap_is_a_clear_error() -> None:
    text = render_dump(Dump(b"\x01" * 16, 0x1000), "hex").decode()
    text = text.replace(":00000001FF", "")
    text += render_dump(Dump(b"\x02" * 16, 0x2000), "hex").decode()
    with pytest.raises(HilError, match="gap in the Intel HEX data: 0x00001010-0x00001FFF"):
        parse_dump(text.encode())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b":10000000zz\n", "not valid Intel HEX"),
        (b"hello world\n", "neither Intel HEX nor nrfjprog --memrd"),
        (b"0x00000000: 12 3\n", "mixed or unknown unit widths"),
    ],
)
def test_garbage_is_rejected_in_one_line(content: bytes, message: str) -> None:
    with pytest.raises(HilError, match=message) as info:
        parse_dump(content)
    assert "\n" not in str(info.value)


def test_files_and_suffixes(tmp_path) -> None:
    dump = Dump(bytes(range(256)) * 3, 0x84000)
    for name in ("s.bin", "s.hex", "s.txt"):
        loaded = load_dump(save_dump(tmp_path / name, dump))
        assert loaded.data == dump.data
    assert load_dump(tmp_path / "s.txt").address == 0x84000
    (tmp_path / "bad.hex").write_bytes(b"\x00\x01binary")
    with pytest.raises(HilError, match="named like hex text"):
        load_dump(tmp_path / "bad.hex")
    with pytest.raises(HilError, match="no such file"):
        load_dump(tmp_path / "missing.bin")
    with pytest.raises(HilError, match="is a directory"):
        load_dump(tmp_path)


def test_forced_format_reads_text_as_raw() -> None:
    assert parse_dump(b"hello\n", "bin").data == b"hello\n"
    with pytest.raises(HilError, match="unknown dump format"):
        parse_dump(b"x", "elf")


def test_writer_checks_width_and_alignment() -> None:
    with pytest.raises(HilError, match="width must be 8, 16 or 32"):
        render_dump(Dump(b"\x00" * 4), "memrd", width=12)
    with pytest.raises(HilError, match="aligned"):
        render_dump(Dump(b"\x00" * 3, 0), "memrd", width=32)


aligned_data = st.integers(1, 80).flatmap(lambda n: st.binary(min_size=4 * n, max_size=4 * n))


@FAST
@given(data=aligned_data, word=st.integers(0, 0x3FFFFF), width=st.sampled_from([8, 16, 32]))
def test_memrd_round_trip(data: bytes, word: int, width: int) -> None:
    dump = Dump(data, word * 4)
    back = parse_dump(render_dump(dump, DumpFormat.MEMRD, width))
    assert (back.data, back.address, back.format) == (data, word * 4, DumpFormat.MEMRD)


@FAST
@given(data=st.binary(min_size=1, max_size=600), address=st.integers(0, 0xFFFF0000))
def test_hex_round_trip(data: bytes, address: int) -> None:
    back = parse_dump(render_dump(Dump(data, address), DumpFormat.HEX))
    assert (back.data, back.address, back.format) == (data, address, DumpFormat.HEX)


@FAST
@given(data=st.binary(min_size=1, max_size=600))
def test_bin_round_trip(data: bytes) -> None:
    assert parse_dump(render_dump(Dump(data), DumpFormat.BIN), "bin").data == data


def _only_hil_errors(content: bytes, fmt: str) -> None:
    try:
        dump = parse_dump(content, fmt)
    except HilError as err:
        assert "\n" not in str(err)
    else:
        assert dump.data


memrd_like = st.lists(
    st.one_of(
        st.text(max_size=60),
        st.builds(
            lambda a, units, tail: f"0x{a:08X}: {' '.join(units)}{tail}",
            st.integers(0, 0xFFFFFFFF),
            st.lists(st.sampled_from(["FF", "0A0D", "DEADBEEF", "G1", "", "|", "AB"]), max_size=9),
            st.sampled_from(["", "   |................|", "   |", "\r", "|x|"]),
        ),
    ),
    max_size=8,
).map("\n".join)
hex_like = st.lists(
    st.one_of(st.text(":0123456789ABCDEFabcdef", max_size=50), st.text(max_size=20)), max_size=6
).map("\n".join)


@FAST
@given(
    text=st.one_of(st.text(), memrd_like, hex_like), fmt=st.sampled_from(["auto", "memrd", "hex"])
)
def test_arbitrary_text_raises_only_hil_error(text: str, fmt: str) -> None:
    _only_hil_errors(text.encode("utf-8", "surrogatepass"), fmt)


@FAST
@given(data=st.binary(max_size=300), fmt=st.sampled_from(["auto", "memrd", "hex", "bin"]))
def test_arbitrary_bytes_raise_only_hil_error(data: bytes, fmt: str) -> None:
    _only_hil_errors(data, fmt)


def test_hex_records_after_eof_are_refused() -> None:
    text = render_dump(Dump(b"\x01" * 16, 0x1000), "hex") * 2
    with pytest.raises(HilError, match="after the Intel HEX end-of-file record"):
        parse_dump(text)
