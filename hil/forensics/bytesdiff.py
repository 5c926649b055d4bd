"""Fast byte comparisons: common prefix, erased runs, differing offsets and bits."""

from __future__ import annotations

import re
from dataclasses import dataclass

ERASED = 0xFF
_BLOCK = 4096
_NONZERO = re.compile(rb"[^\x00]")


def common_prefix(a: bytes, b: bytes) -> int:
    """Length of the longest common prefix of ``a`` and ``b``."""
    limit = min(len(a), len(b))
    start = 0
    while start < limit:
        end = min(start + _BLOCK, limit)
        if a[start:end] != b[start:end]:
            return next(i for i in range(start, end) if a[i] != b[i])
        start = end
    return limit


def is_erased(data: bytes) -> bool:
    """All bytes 0xFF (an empty range counts as erased)."""
    return not data.strip(b"\xff")


def first_programmed(data: bytes) -> int | None:
    """Offset of the first byte that is not 0xFF."""
    rest = data.lstrip(b"\xff")
    return len(data) - len(rest) if rest else None


@dataclass(frozen=True)
class ByteDiff:
    """How two equally long byte strings differ."""

    offsets: tuple[int, ...]
    ones_to_zeros: int
    zeros_to_ones: int

    @property
    def count(self) -> int:
        return len(self.offsets)

    @property
    def bits(self) -> int:
        return self.ones_to_zeros + self.zeros_to_ones


def byte_diff(expected: bytes, actual: bytes) -> ByteDiff:
    """Differing offsets and flipped bits between ``expected`` and ``actual`` (same length)."""
    if len(expected) != len(actual):
        raise ValueError("byte_diff needs equal lengths")
    exp = int.from_bytes(expected, "big")
    act = int.from_bytes(actual, "big")
    flipped = exp ^ act
    xor = flipped.to_bytes(len(expected), "big")
    return ByteDiff(
        offsets=tuple(match.start() for match in _NONZERO.finditer(xor)),
        ones_to_zeros=(flipped & exp).bit_count(),
        zeros_to_ones=(flipped & act).bit_count(),
    )
