"""Forensics: each way a slot can differ from the served image is recognised and measured."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hil.errors import HilError
from hil.forensics import Kind, classify
from hil.forensics.classify import classify_window
from hil.forensics.transforms import (
    Shift,
    crlf_to_lf,
    lf_to_crlf,
    lone_lf_offsets,
    pyftpdlib_ascii,
    pyftpdlib_skipped_lf,
)
from hil.ftp.ascii import wire_bytes

CHUNK = 65536
FF = b"\xff"
# An LF at a chunk start in a chunk ending in CR: pyftpdlib leaves it alone, RFC 959 does not.
QUIRK = b"\n" + random.Random(1).randbytes(CHUNK - 2) + b"\r" + b"B" * CHUNK + b"\nC" + b"x\n" * 9
PLAIN = b"\x3d\xb8\xf3\x96" + random.Random(3).randbytes(5000) + b"a\nb\r\nc"


def test_identical_and_erased_tail() -> None:
    finding = classify(PLAIN, PLAIN + FF * 4096)
    assert finding.kind is Kind.IDENTICAL
    assert not finding.problem
    assert finding.first_difference is None


def test_lf_to_crlf_counts_and_offsets() -> None:
    finding = classify(PLAIN, lf_to_crlf(PLAIN) + FF * 100)
    lone = lone_lf_offsets(PLAIN)
    assert finding.kind is Kind.LF_TO_CRLF
    assert finding.changes == tuple(lone)
    assert finding.first_difference == lone[0]
    assert finding.details["lone_lf"] == len(lone)
    assert f"{len(lone)} lone LF byte(s) became CR LF" in finding.summary
    assert f"first at image offset 0x{lone[0]:x}" in finding.summary


def test_pyftpdlib_variant_versus_rfc_rule() -> None:
    assert pyftpdlib_skipped_lf(QUIRK) == [0]
    ours = classify(QUIRK, wire_bytes(QUIRK, "a"))
    assert (ours.kind, ours.candidate.name) == (Kind.LF_TO_CRLF, "pyftpdlib")
    assert "as pyftpdlib sends it: the LF at chunk start 0x0 left alone" in ours.summary
    other = classify(QUIRK, lf_to_crlf(QUIRK))
    assert (other.kind, other.candidate.name) == (Kind.LF_TO_CRLF, "rfc")
    assert "another server" in other.summary


def test_crlf_to_lf_and_pyftpdlib_stor_drops_the_final_cr() -> None:
    finding = classify(PLAIN, crlf_to_lf(PLAIN))
    assert finding.kind is Kind.CRLF_TO_LF
    assert finding.changes == (PLAIN.index(b"\r\n"),)
    ending_cr = PLAIN + b"\r"
    stored = classify(ending_cr, crlf_to_lf(ending_cr, drop_final_cr=True) + FF)
    assert stored.kind is Kind.CRLF_TO_LF
    assert stored.details["final_cr_dropped"]


def test_truncated_in_the_slot_and_a_short_dump() -> None:
    cut = classify(PLAIN, PLAIN[:3000] + FF * 8000)
    assert cut.kind is Kind.TRUNCATED
    assert cut.match_length == 3000 and not cut.details["dump_ends"]
    short = classify(PLAIN, PLAIN[:100])
    assert short.kind is Kind.PARTIAL and short.details["dump_ends"]
    assert "the rest was not read and cannot be known" in short.summary
    after_ascii = classify(QUIRK, wire_bytes(QUIRK, "a")[: CHUNK + 5] + FF * 10)
    assert after_ascii.kind is Kind.TRUNCATED
    assert after_ascii.candidate.kind is Kind.LF_TO_CRLF


def test_a_short_dump_that_already_shows_the_ascii_cause_names_it() -> None:
    mangled = lf_to_crlf(PLAIN)
    first = lone_lf_offsets(PLAIN)[0]
    finding = classify(PLAIN, mangled[: first + 40])
    assert finding.kind is Kind.LF_TO_CRLF and finding.details["dump_ends"]
    assert finding.changes == (first,)
    assert "where the dump ends" in finding.summary


def test_a_dump_window_inside_the_slot_is_compared_there_only() -> None:
    mangled = lf_to_crlf(PLAIN)
    window = classify_window(PLAIN, mangled[4000:4100], 4000)
    assert window.kind is Kind.LF_TO_CRLF and "slot 0xfa0-0x1004" in window.summary
    same = classify_window(PLAIN, PLAIN[100:200], 100)
    assert same.kind is Kind.PARTIAL and "cannot be known" in same.summary
    other = classify_window(PLAIN, bytes(100), 100)
    assert other.kind is Kind.UNKNOWN


def test_pure_ftpd_converts_every_lf_crlf_included() -> None:
    image = b"\x3d\xb8\xf3\x96" + b"a\nb\r\nc\n" * 50 + random.Random(4).randbytes(3000)
    served = image.replace(b"\n", b"\r\n")
    assert served.count(b"\r\r\n") == 50
    finding = classify(image, served + FF * 64)
    assert (finding.kind, finding.candidate.name) == (Kind.LF_TO_CRLF, "every-lf")
    every = tuple(i for i, byte in enumerate(image) if byte == 0x0A)
    assert finding.changes == every
    assert "CR LF became CR CR LF, as pure-ftpd sends it" in finding.summary
    # Same image through the RFC rule: lone LFs only, recognised as such.
    assert classify(image, lf_to_crlf(image)).candidate.name == "rfc"


def test_offset_map_counts_only_the_crs_inserted_before_a_byte() -> None:
    shift = Shift((5, 9), +1)
    # The LF at image offset 5 gets its own CR at slot offset 5 and moves to 6: the CR inserted
    # for it is not "before" image offset 5 in the map, only the earlier ones are.
    assert [shift.before(offset) for offset in (4, 5, 6, 9, 10)] == [0, 0, 1, 1, 2]
    assert [shift.slot_offset(offset) for offset in (4, 5, 6, 9, 10)] == [4, 5, 7, 10, 12]
    removed = Shift((3,), -1)
    assert (removed.slot_offset(3), removed.slot_offset(4)) == (3, 3)


def test_a_slot_cut_right_after_an_inserted_cr_counts_that_change() -> None:
    data = b"\x3d\xb8\xf3\x96" + bytes(range(0x20, 0x7F)) * 40 + b"\n" + b"tail" * 500
    lf = data.index(b"\n")
    slot = lf_to_crlf(data)[: lf + 1] + FF * 4000  # the CR written, its LF not
    finding = classify(data, slot)
    assert finding.kind is Kind.TRUNCATED and finding.changes == (lf,)


@pytest.mark.parametrize("size", [0x10000, 0x40000])
def test_bit_error_threshold_is_one_byte_in_256(size: int) -> None:
    image = b"\x3d\xb8\xf3\x96" + random.Random(size).randbytes(size - 4)
    image = image.replace(b"\n", b"n").replace(b"\r", b"r")
    limit = size // 256

    def flipped(count: int) -> bytes:
        slot = bytearray(image)
        for offset in range(8, 8 + 64 * count, 64):
            slot[offset] ^= 0x10
        return bytes(slot)

    at_limit = classify(image, flipped(limit))
    assert at_limit.kind is Kind.BIT_ERRORS and at_limit.details["differing_bytes"] == limit
    assert classify(image, flipped(limit + 1)).kind is Kind.UNKNOWN


def test_erased_stale_and_trailer_left_out() -> None:
    assert classify(PLAIN, FF * 8192).kind is Kind.ERASED
    stale = classify(PLAIN, PLAIN + b"\x00" * 7 + FF * 100)
    assert stale.kind is Kind.STALE_DATA
    assert (stale.stale.count, stale.stale.first) == (7, len(PLAIN))
    trailer_only = PLAIN + FF * 1000 + b"\x77" * 16
    assert classify(PLAIN, trailer_only, trailer_start=len(PLAIN) + 1000).kind is Kind.IDENTICAL


def test_bit_errors_are_counted_by_bit() -> None:
    slot = bytearray(PLAIN)
    slot[10] ^= 0x01
    slot[2000] ^= 0x30
    finding = classify(PLAIN, bytes(slot))
    assert finding.kind is Kind.BIT_ERRORS
    assert finding.changes == (10, 2000)
    assert finding.details["flipped_bits"] == 3


def test_unknown_and_empty_inputs() -> None:
    finding = classify(PLAIN, random.Random(9).randbytes(len(PLAIN)))
    assert finding.kind is Kind.UNKNOWN
    with pytest.raises(HilError, match="empty"):
        classify(b"", PLAIN)
    with pytest.raises(HilError, match="empty"):
        classify(PLAIN, b"")


images = st.binary(min_size=1, max_size=400).map(lambda data: b"\x3d\xb8" + data + b"q\nz")


@settings(max_examples=100, deadline=None)
@given(image=images)
def test_ascii_download_of_any_image_is_recognised(image: bytes) -> None:
    finding = classify(image, pyftpdlib_ascii(image) + FF * 64)
    assert finding.kind is Kind.LF_TO_CRLF
    assert len(finding.candidate.expected) == len(image) + len(finding.changes)


@settings(max_examples=100, deadline=None)
@given(image=st.binary(min_size=1, max_size=300), slot=st.binary(min_size=1, max_size=300))
def test_any_pair_is_classified_without_error(image: bytes, slot: bytes) -> None:
    finding = classify(image, slot)
    assert finding.summary and finding.kind in Kind
    finding.to_dict()


@settings(max_examples=60, deadline=None)
@given(
    head=st.binary(max_size=40),
    middle=st.sampled_from([b"\n", b"\r", b"\r\n", b"B"]),
    tail=st.sampled_from([b"\r", b"\n", b"x"]),
    end=st.sampled_from([b"\r", b"\n", b"y"]),
)
def test_skipped_lf_rule_matches_pyftpdlib(
    head: bytes, middle: bytes, tail: bytes, end: bytes
) -> None:
    data = (head + b"z" * CHUNK)[: CHUNK - 1] + tail + middle + b"y" * 10 + end
    skipped = set(pyftpdlib_skipped_lf(data))
    expected = bytearray()
    lone = set(lone_lf_offsets(data)) - skipped
    for offset, byte in enumerate(data):
        if offset in lone:
            expected += b"\r"
        expected.append(byte)
    assert bytes(expected) == wire_bytes(data, "a")
