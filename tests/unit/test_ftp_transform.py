"""The transfer policy and the exact TYPE A wire bytes, without a server."""

from __future__ import annotations

import io
import os
import random
import re

import pytest
from pyftpdlib.handlers.ftp.producers import FileProducer

from hil.ftp import PolicyFileProducer, TransferPolicy, effective_type, wire_bytes

CHUNK = FileProducer.buffer_size
posix_only = pytest.mark.skipif(os.linesep == "\r\n", reason="pyftpdlib translates on POSIX only")


def stock_wire_bytes(data: bytes, transfer_type: str) -> bytes:
    """What pyftpdlib's own FileProducer produces on this host."""
    producer = FileProducer(io.BytesIO(data), transfer_type)
    return b"".join(iter(producer.more, b""))


def random_bytes(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


@pytest.mark.parametrize(
    ("policy", "client_type", "expected"),
    [
        (TransferPolicy.CLIENT, "a", "a"),
        (TransferPolicy.CLIENT, "i", "i"),
        (TransferPolicy.ASCII, "a", "a"),
        (TransferPolicy.ASCII, "i", "a"),
        (TransferPolicy.BINARY, "a", "i"),
        (TransferPolicy.BINARY, "i", "i"),
    ],
)
def test_effective_type(policy: TransferPolicy, client_type: str, expected: str) -> None:
    assert effective_type(policy, client_type) == expected


def test_policy_values_and_bad_type() -> None:
    assert [p.value for p in TransferPolicy] == ["client", "ascii", "binary"]
    assert effective_type("ascii", "i") == "a"  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'a' or 'i'"):
        effective_type(TransferPolicy.CLIENT, "A")
    with pytest.raises(ValueError, match="'a' or 'i'"):
        wire_bytes(b"x", "e")


@pytest.mark.parametrize(
    ("data", "wire"),
    [
        (b"\x00\n\r\r\n\xff", b"\x00\r\n\r\r\n\xff"),
        (b"\x00\n\r\r\n\xff" * 4, b"\x00\r\n\r\r\n\xff" * 4),
        (b"a\nb\n", b"a\r\nb\r\n"),
        (b"\n", b"\r\n"),
        (b"", b""),
        (b"\r\n\r", b"\r\n\r"),
    ],
)
def test_ascii_rules(data: bytes, wire: bytes) -> None:
    assert wire_bytes(data, "a") == wire
    assert wire_bytes(data, "i") == data


@posix_only
def test_quirk_lf_first_in_chunk_ending_in_cr() -> None:
    data = b"\nAAAAAAAAAA\r"
    assert stock_wire_bytes(data, "a") == data
    assert wire_bytes(data, "a") == data
    naive = re.sub(rb"(?<!\r)\n", b"\r\n", data)
    assert naive != data


@posix_only
def test_lf_at_chunk_boundary() -> None:
    data = b"B" * CHUNK + b"\nC"
    wire = wire_bytes(data, "a")
    assert wire == stock_wire_bytes(data, "a")
    assert len(wire) == len(data) + 1
    assert wire[CHUNK - 2 :] == b"BB\r\nC"


@posix_only
def test_crlf_split_across_chunks_is_kept() -> None:
    data = b"B" * (CHUNK - 1) + b"\r\nC"
    assert wire_bytes(data, "a") == stock_wire_bytes(data, "a") == data


@posix_only
def test_quirk_at_second_chunk() -> None:
    second = b"\n" + b"D" * (CHUNK - 2) + b"\r"
    data = b"A" * CHUNK + second + b"\n"
    wire = wire_bytes(data, "a")
    assert wire == stock_wire_bytes(data, "a")
    # the LF opening chunk 2 sees chunk 2's last byte (CR); the LF opening chunk 3 follows a CR
    assert wire == data


@posix_only
@pytest.mark.parametrize("seed", range(4))
def test_random_data_matches_stock_producer(seed: int) -> None:
    data = random_bytes(3 * CHUNK + 1234, seed)
    assert wire_bytes(data, "a") == stock_wire_bytes(data, "a")
    assert wire_bytes(data, "i") == stock_wire_bytes(data, "i") == data


def test_translates_even_when_linesep_is_crlf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "linesep", "\r\n")
    data = b"x\ny\r\nz\n"
    assert stock_wire_bytes(data, "a") == data
    assert wire_bytes(data, "a") == b"x\r\ny\r\nz\r\n"
    producer = PolicyFileProducer(io.BytesIO(data), "a")
    assert producer.type == "a"
    assert bytes(producer.more()) == b"x\r\ny\r\nz\r\n"


def test_producer_reads_64k_chunks() -> None:
    producer = PolicyFileProducer(io.BytesIO(b"\n" * (CHUNK + 1)), "a")
    assert len(producer.more()) == 2 * CHUNK
    assert producer.more() == b"\r\n"
    assert not producer.more()
