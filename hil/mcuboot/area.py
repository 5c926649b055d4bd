"""What MCUboot needs from a slot: its size and reads; a read-only slot made from bytes."""

from __future__ import annotations

from typing import Protocol

from hil.errors import HilError
from hil.image.tlv import ReadError

ERASED = 0xFF


class ReadableArea(Protocol):
    """Anything with ``size`` and ``read(off, n)``: a FlashArea, a BytesArea, a probe dump."""

    @property
    def size(self) -> int: ...

    def read(self, off: int, length: int) -> bytes: ...


class FlashLike(ReadableArea, Protocol):
    """A writable slot with NOR rules: a FlashArea of ``hil.sim.flash``."""

    @property
    def sector_size(self) -> int: ...

    @property
    def write_size(self) -> int: ...

    def write(self, off: int, data: bytes) -> None: ...

    def erase(self, off: int, length: int) -> None: ...


class BytesArea:
    """A slot holding ``data`` from offset 0 and erased flash (0xFF) after it."""

    def __init__(self, data: bytes, size: int | None = None) -> None:
        self._data = bytes(data)
        self._size = len(self._data) if size is None else size
        if self._size < len(self._data):
            raise HilError(f"0x{len(self._data):x} B of data do not fit a 0x{self._size:x} B slot")

    @property
    def size(self) -> int:
        return self._size

    def read(self, off: int, length: int) -> bytes:
        if off < 0 or length < 0 or off + length > self._size:
            raise ReadError(off, length, self._size)
        chunk = self._data[off : off + length]
        return chunk + bytes([ERASED]) * (length - len(chunk))

    def contents(self) -> bytes:
        return self.read(0, self._size)


def checked_read(area: ReadableArea, off: int, length: int) -> bytes:
    """``flash_area_read``: a range outside the area is an error, never a partial read."""
    if off < 0 or length < 0 or off + length > area.size:
        raise ReadError(off, length, area.size)
    try:
        data = area.read(off, length)
    except HilError as err:
        raise ReadError(off, length, area.size) from err
    if len(data) != length:
        raise ReadError(off, length, area.size)
    return data
