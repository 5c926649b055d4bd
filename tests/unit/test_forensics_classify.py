"""Forensics: each way a slot can differ from the served image is recognised and measured."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hil.errors import HilError
from hil.forensics import Kind, classify
from hil.forensics.transforms import (
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
    assert short.kind is Kind.TRUNCATED and short.details["dump_ends"]
    after_ascii = classify(QUIRK, wire_bytes(QUIRK, "a")[: CHUNK + 5] + FF * 10)
    assert after_ascii.kind is Kind.TRUNCATED
    assert after_ascii.candidate.kind is Kind.LF_TO_CRLF


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
