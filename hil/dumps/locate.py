"""Find a slot in a dump: which of its bytes were read, and how sure the placement is.

Every command reads dumps through :func:`locate_slot`. A dump that records addresses (Intel HEX,
memrd text) is placed by the layout: the slot is cut out of a whole-flash dump, a partial dump
keeps only the range it read. A raw ``.bin`` records no address: it is the slot from its start,
the slot at ``offset`` when one is given, or (said as a guess) a flash dump from address 0 when
it is long enough to hold the slot there. Bytes that were not read are never reported as
anything: :class:`SlotArea` raises :class:`UnreadBytes` for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from hil.dumps.model import Dump, DumpFormat
from hil.errors import HilError
from hil.image.tlv import ReadError
from hil.layout import Layout, Partition
from hil.probe.base import XIP_BASE

XIP_END = 0x20000000
INTERNAL_FLASH_SIZE = 0x100000  # nRF5340 application core


class UnreadBytes(Exception):
    """A slot range the dump does not hold was needed."""

    def __init__(self, start: int, end: int) -> None:
        super().__init__(f"slot bytes 0x{start:x}-0x{end:x} were not read")
        self.start = start
        self.end = end


@dataclass(frozen=True)
class SlotRead:
    """What a dump tells about one slot: ``data`` holds slot offsets ``[start, end)``."""

    partition: Partition
    data: bytes
    start: int = 0
    notes: tuple[str, ...] = ()
    """How the slot was placed, when that is worth saying (always when it is a guess)."""
    guessed: bool = False
    """The placement is an assumption the dump cannot confirm."""
    dump_format: DumpFormat = DumpFormat.BIN
    dump_address: int | None = None

    @property
    def size(self) -> int:
        return self.partition.size

    @property
    def end(self) -> int:
        return self.start + len(self.data)

    @property
    def complete(self) -> bool:
        """The whole slot was read."""
        return self.start == 0 and self.end == self.size

    @property
    def from_start(self) -> bytes:
        """The bytes read from the slot start on (empty when the start was not read)."""
        return self.data if self.start == 0 else b""

    def has(self, start: int, end: int) -> bool:
        """Whether slot offsets ``[start, end)`` were all read."""
        return self.start <= start and end <= self.end

    def unread(self) -> list[tuple[int, int]]:
        """The slot ranges the dump does not hold."""
        gaps = []
        if self.start > 0:
            gaps.append((0, self.start))
        if self.end < self.size:
            gaps.append((self.end, self.size))
        return gaps

    def describe_read(self) -> str:
        """``"slot 0x0-0x40 of 0x78000 read"`` or ``"the whole 0x78000 B slot read"``."""
        if self.complete:
            return f"the whole 0x{self.size:x} B slot read"
        return f"slot 0x{self.start:x}-0x{self.end:x} of 0x{self.size:x} read"

    def area(self) -> SlotArea:
        """The slot for MCUboot's reads (bytes not read raise :class:`UnreadBytes`)."""
        return SlotArea(self)


class SlotArea:
    """A :class:`~hil.mcuboot.area.ReadableArea` over a :class:`SlotRead`."""

    def __init__(self, read: SlotRead) -> None:
        self._read = read

    @property
    def size(self) -> int:
        return self._read.size

    def read(self, off: int, length: int) -> bytes:
        end = off + length
        slot = self._read
        if off < 0 or length < 0 or end > slot.size:
            raise ReadError(off, length, slot.size)
        if slot.has(off, end):
            return slot.data[off - slot.start : end - slot.start]
        if off < slot.start:
            raise UnreadBytes(off, min(end, slot.start))
        raise UnreadBytes(max(off, slot.end), end)

    def view(self, off: int, length: int) -> memoryview:
        """``read`` without copying the bytes (what MCUboot hashes can be the whole slot)."""
        slot = self._read
        if off >= 0 and length >= 0 and slot.has(off, off + length):
            return memoryview(slot.data)[off - slot.start : off - slot.start + length]
        return memoryview(self.read(off, length))


def locate_slot(
    dump: Dump,
    where: Layout | Partition,
    *,
    offset: int | None = None,
    source: str = "the dump",
) -> SlotRead:
    """The bytes of the slot (the layout's secondary, or ``where`` itself) found in ``dump``.

    ``offset``: where the slot starts in a raw dump's data. A dump with addresses is placed by
    its addresses (external-flash slots through the 0x10000000 XIP window nrfjprog reads).
    """
    layout = where if isinstance(where, Layout) else None
    part = layout.secondary if layout is not None else where
    if part.size <= 0:
        raise HilError(f"{part.name} has no size")
    if dump.address is None:
        return _place_raw(dump, part, offset, source)
    if offset is not None:
        raise HilError(
            f"{source} records its addresses (from 0x{dump.address:x}): the layout places the "
            "slot, --offset is for a raw .bin"
        )
    return _place_addressed(dump, part, layout, source)


def _place_raw(dump: Dump, part: Partition, offset: int | None, source: str) -> SlotRead:
    data = dump.data
    if offset is not None:
        if offset >= len(data):
            raise HilError(f"--offset 0x{offset:x} is past the end of {source} (0x{len(data):x} B)")
        return SlotRead(part, data[offset : offset + part.size], dump_format=dump.format)
    if len(data) <= part.size:
        return SlotRead(part, data, dump_format=dump.format)
    flash = f"{part.device or 'external flash'}" if part.external else "internal flash"
    if len(data) >= part.end and (not part.external or len(data) > INTERNAL_FLASH_SIZE):
        note = (
            f"{source} is 0x{len(data):x} B with no addresses: read as a dump of the {flash} "
            f"from 0, the slot at 0x{part.address:x} (a guess: pass --offset N if the slot "
            "starts elsewhere in the file)"
        )
        return SlotRead(
            part,
            data[part.address : part.end],
            notes=(note,),
            guessed=True,
            dump_format=dump.format,
        )
    raise HilError(
        f"{source} is 0x{len(data):x} B, larger than the 0x{part.size:x} B slot, and records no "
        "address: pass --offset N (where the slot starts in the file)"
    )


def _slot_space_address(dump: Dump, part: Partition, layout: Layout | None, source: str) -> int:
    """The dump's start in the address space of ``part`` (external offsets for QSPI)."""
    assert dump.address is not None
    in_xip = XIP_BASE <= dump.address < XIP_END
    if part.external and in_xip:
        return dump.address - XIP_BASE
    if part.external:
        raise HilError(
            f"{source} was read at 0x{dump.address:x}{_owner(dump.address, layout)}, but "
            f"{part.name} is on external flash: dump it through the XIP window "
            f"(0x{XIP_BASE:x} + offset), or pass the layout it was read with"
        )
    if in_xip:
        raise HilError(
            f"{source} was read from external flash (0x{dump.address:x}, the XIP window), but "
            f"{part.name} is in internal flash: pass --layout external or the build's "
            "partitions.yml"
        )
    return dump.address


def _owner(address: int, layout: Layout | None) -> str:
    """`` (mcuboot_primary)``: the largest internal partition holding ``address``, if any."""
    if layout is None:
        return ""
    holders = [
        part
        for part in layout.partitions.values()
        if not part.external and part.address <= address < part.end
    ]
    return f" ({max(holders, key=lambda part: part.size).name})" if holders else ""


def _place_addressed(dump: Dump, part: Partition, layout: Layout | None, source: str) -> SlotRead:
    start = _slot_space_address(dump, part, layout, source)
    end = start + len(dump.data)
    low, high = max(start, part.address), min(end, part.end)
    assert dump.address is not None
    if low >= high:
        shown = dump.address
        raise HilError(
            f"{source} holds 0x{shown:x}-0x{shown + len(dump.data):x}"
            f"{'' if part.external else _owner(shown, layout)}, not {part.describe()}: dump "
            "that slot, or pass the layout the dump belongs to"
        )
    notes: tuple[str, ...] = ()
    if start < part.address or end > part.end:
        where = layout.source if layout is not None else "the layout"
        notes = (
            f"{part.name} (0x{part.address:x}-0x{part.end:x}) cut out of {source} "
            f"(0x{start:x}-0x{end:x}) by {where}",
        )
    return SlotRead(
        part,
        dump.data[low - start : high - start],
        start=low - part.address,
        notes=notes,
        dump_format=dump.format,
        dump_address=dump.address,
    )
