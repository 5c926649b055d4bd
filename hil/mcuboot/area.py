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

    def view(self, off: int, length: int) -> memoryview:
        """``read`` without copying when the range lies in ``data`` (erased tail is built)."""
        if off < 0 or length < 0 or off + length > self._size:
            raise ReadError(off, length, self._size)
        if off + length <= len(self._data):
            return memoryview(self._data)[off : off + length]
        return memoryview(self.read(off, length))


def checked_view(area: ReadableArea, off: int, length: int) -> bytes | memoryview:
    """``checked_read`` through the area's ``view`` when it has one (no copy of the bytes)."""
    view = getattr(area, "view", None)
    if view is None:
        return checked_read(area, off, length)
    return view(off, length)


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


class PowerLoss(Exception):
    """Power went away before a flash operation: it and everything after it did not happen."""

    def __init__(self, done: int) -> None:
        super().__init__(f"power lost after {done} flash operation(s)")
        self.done = done


class FlashOps:
    """Counts the flash operations (``flash_area_write`` / ``flash_area_erase`` calls) of a
    boot; with ``cut_after`` set, the next one after that many raises :class:`PowerLoss`."""

    def __init__(self) -> None:
        self.done = 0
        self.cut_after: int | None = None

    def start(self, cut_after: int | None = None) -> None:
        if cut_after is not None and cut_after < 0:
            raise HilError(f"a power cut needs a count of operations >= 0, got {cut_after}")
        self.done = 0
        self.cut_after = cut_after

    def spend(self) -> None:
        if self.cut_after is not None and self.done >= self.cut_after:
            raise PowerLoss(self.done)
        self.done += 1


class CountedArea:
    """A :class:`FlashLike` whose writes and erases go through a shared :class:`FlashOps`.

    One MCUboot call is one operation: an erase of several sectors, or a write of a chunk.
    Reads are free. A cut falls between operations (no torn writes or half-erased ranges).
    """

    def __init__(self, area: FlashLike, ops: FlashOps) -> None:
        self.inner = area
        self.ops = ops

    @property
    def size(self) -> int:
        return self.inner.size

    @property
    def sector_size(self) -> int:
        return self.inner.sector_size

    @property
    def write_size(self) -> int:
        return self.inner.write_size

    def read(self, off: int, length: int) -> bytes:
        return self.inner.read(off, length)

    def write(self, off: int, data: bytes) -> None:
        self.ops.spend()
        self.inner.write(off, data)

    def erase(self, off: int, length: int) -> None:
        self.ops.spend()
        self.inner.erase(off, length)
