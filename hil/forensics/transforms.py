"""The byte transformations a transfer can apply, where they act, and how offsets move.

LF→CRLF is an ASCII (TYPE A) download: RFC 959's rule inserts CR before every lone LF;
pyftpdlib's producer does the same per 64 KiB chunk, except for an LF at a chunk start whose
chunk ends in CR; pure-ftpd inserts CR before every LF, so CR LF becomes CR CR LF. CRLF→LF is
an ASCII upload, or a client converting a download back.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from hil.ftp.ascii import wire_bytes

CR = 0x0D
LF = 0x0A
PYFTPDLIB_CHUNK = 65536
_LONE_LF = re.compile(rb"(?<!\r)\n")
_CRLF = re.compile(rb"\r\n")
_LF = re.compile(rb"\n")


def lone_lf_offsets(data: bytes) -> list[int]:
    """Offsets of the LF bytes not preceded by CR."""
    return [match.start() for match in _LONE_LF.finditer(data)]


def lf_offsets(data: bytes) -> list[int]:
    """Offsets of every LF byte."""
    return [match.start() for match in _LF.finditer(data)]


def crlf_offsets(data: bytes) -> list[int]:
    """Offsets of the CR of each CR LF pair."""
    return [match.start() for match in _CRLF.finditer(data)]


def lf_to_crlf(data: bytes) -> bytes:
    """RFC 959 ASCII on a POSIX host: CR inserted before every lone LF."""
    return _LONE_LF.sub(b"\r\n", data)


def every_lf_to_crlf(data: bytes) -> bytes:
    """pure-ftpd's ASCII download: CR inserted before every LF, CR LF included."""
    return data.replace(b"\n", b"\r\n")


def pyftpdlib_ascii(data: bytes) -> bytes:
    """pyftpdlib 2.2.0's TYPE A download bytes (its own producer, 64 KiB quirk included)."""
    return wire_bytes(data, "a")


def pyftpdlib_skipped_lf(data: bytes) -> list[int]:
    """Lone LFs pyftpdlib leaves alone: first byte of a 64 KiB chunk ending in CR."""
    skipped = []
    for start in range(0, len(data), PYFTPDLIB_CHUNK):
        last = data[min(start + PYFTPDLIB_CHUNK, len(data)) - 1]
        if data[start] == LF and (start == 0 or data[start - 1] != CR) and last == CR:
            skipped.append(start)
    return skipped


def crlf_to_lf(data: bytes, drop_final_cr: bool = False) -> bytes:
    """CR LF pairs become LF; pyftpdlib's STOR also drops a CR that ends the upload."""
    out = data.replace(b"\r\n", b"\n")
    if drop_final_cr and out.endswith(b"\r"):
        out = out[:-1]
    return out


@dataclass(frozen=True)
class Shift:
    """Maps image offsets to slot offsets when one byte was inserted (``step`` +1) or removed
    (-1) at each of ``positions`` (image offsets, sorted)."""

    positions: tuple[int, ...] = ()
    step: int = 0

    def before(self, offset: int) -> int:
        """How many insertions or removals happen before ``offset``."""
        return bisect_left(self.positions, offset) if self.step else 0

    def slot_offset(self, offset: int) -> int:
        """Where the image byte at ``offset`` is found in the slot."""
        return offset + self.step * self.before(offset)
