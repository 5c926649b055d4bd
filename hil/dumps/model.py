"""A slot dump: the bytes read, where they were read from, and the format they came in."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DumpFormat(StrEnum):
    """The file formats a slot dump comes in."""

    BIN = "bin"
    """Raw bytes, as ``nrfjprog --readcode`` piped through objcopy or ``hil dump`` writes."""
    HEX = "hex"
    """Intel HEX, as ``nrfjprog --readcode`` writes."""
    MEMRD = "memrd"
    """The text ``nrfjprog --memrd`` and ``nrfutil device read`` print."""


@dataclass(frozen=True)
class Dump:
    """``data`` read from ``address`` (None when the format does not record an address)."""

    data: bytes
    address: int | None = None
    format: DumpFormat = DumpFormat.BIN

    @property
    def end(self) -> int | None:
        """The address after the last byte, when the address is known."""
        return None if self.address is None else self.address + len(self.data)
