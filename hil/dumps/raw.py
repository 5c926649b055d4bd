"""Raw binary dumps: the bytes as they are, no address."""

from __future__ import annotations

from hil.dumps.model import Dump, DumpFormat
from hil.errors import HilError


def read_bin(data: bytes, source: str = "<dump>") -> Dump:
    """A raw dump; only an empty file is unusable."""
    if not data:
        raise HilError(f"{source} is empty")
    return Dump(bytes(data), None, DumpFormat.BIN)


def write_bin(dump: Dump) -> bytes:
    return bytes(dump.data)
