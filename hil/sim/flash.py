"""NOR flash as on the nRF5340: erased bytes read 0xFF, writes only clear bits, erase by page."""

from __future__ import annotations

from dataclasses import dataclass, field

from hil.errors import HilError

ERASED = 0xFF


class FlashError(HilError):
    """An access the flash driver would refuse (out of range or misaligned)."""


@dataclass
class FlashDevice:
    """One flash device: the app core's internal NVMC flash or the external MX25R64.

    Addresses are offsets inside the device. ``erase_log`` records every erased page address,
    so a test can see which pages a writer touched.
    """

    name: str
    size: int
    page_size: int
    write_block: int
    erase_log: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._cells = bytearray(b"\xff" * self.size)

    def _check_range(self, addr: int, length: int) -> None:
        if addr < 0 or length < 0 or addr + length > self.size:
            raise FlashError(
                f"{self.name}: access 0x{addr:x}+0x{length:x} is outside the device "
                f"(size 0x{self.size:x})"
            )

    def read(self, addr: int, length: int) -> bytes:
        self._check_range(addr, length)
        return bytes(self._cells[addr : addr + length])

    def write(self, addr: int, data: bytes) -> None:
        """Program bytes; NOR semantics: a write can only turn 1 bits into 0 bits."""
        self._check_range(addr, len(data))
        if addr % self.write_block or len(data) % self.write_block:
            raise FlashError(
                f"{self.name}: write of {len(data)} B at 0x{addr:x} is not aligned to the "
                f"{self.write_block}-byte write block"
            )
        end = addr + len(data)
        current = int.from_bytes(self._cells[addr:end], "big")
        self._cells[addr:end] = (current & int.from_bytes(data, "big")).to_bytes(len(data), "big")

    def erase(self, addr: int, length: int) -> None:
        """Erase whole pages covering ``[addr, addr + length)``; both must be page aligned."""
        self._check_range(addr, length)
        if addr % self.page_size or length % self.page_size:
            raise FlashError(
                f"{self.name}: erase 0x{addr:x}+0x{length:x} is not aligned to "
                f"{self.page_size}-byte pages"
            )
        self._cells[addr : addr + length] = b"\xff" * length
        self.erase_log.extend(range(addr, addr + length, self.page_size))

    def load(self, addr: int, data: bytes) -> None:
        """Put bytes into flash as a programmer would after erasing (no alignment rules)."""
        self._check_range(addr, len(data))
        self._cells[addr : addr + len(data)] = data


@dataclass
class FlashArea:
    """A partition of a flash device addressed from its own start, like Zephyr's flash_area."""

    device: FlashDevice
    offset: int
    size: int
    label: str = ""

    def __post_init__(self) -> None:
        if self.offset % self.device.page_size or self.size % self.device.page_size:
            raise FlashError(
                f"partition {self.label or '?'} at 0x{self.offset:x} size 0x{self.size:x} is not "
                f"aligned to the {self.device.page_size}-byte pages of {self.device.name}"
            )
        if self.offset + self.size > self.device.size:
            raise FlashError(
                f"partition {self.label or '?'} ends at 0x{self.offset + self.size:x}, past the "
                f"end of {self.device.name} (0x{self.device.size:x})"
            )

    @property
    def sector_size(self) -> int:
        return self.device.page_size

    @property
    def write_size(self) -> int:
        return self.device.write_block

    def _check(self, off: int, length: int) -> None:
        if off < 0 or length < 0 or off + length > self.size:
            raise FlashError(
                f"{self.label or 'flash area'}: access 0x{off:x}+0x{length:x} is outside the "
                f"area (size 0x{self.size:x})"
            )

    def read(self, off: int, length: int) -> bytes:
        self._check(off, length)
        return self.device.read(self.offset + off, length)

    def write(self, off: int, data: bytes) -> None:
        self._check(off, len(data))
        self.device.write(self.offset + off, data)

    def erase(self, off: int, length: int) -> None:
        self._check(off, length)
        self.device.erase(self.offset + off, length)

    def erase_all(self) -> None:
        self.erase(0, self.size)

    def contents(self) -> bytes:
        return self.read(0, self.size)


def nrf5340_internal_flash() -> FlashDevice:
    """The app core's 1 MiB flash: 4 KiB pages, 4-byte write block."""
    return FlashDevice("nrf5340_app_flash", size=0x100000, page_size=0x1000, write_block=4)


def mx25r64_flash() -> FlashDevice:
    """The nRF5340 DK's external MX25R6435F: 8 MiB, 4 KiB sectors, 4-byte write block."""
    return FlashDevice("MX25R64", size=0x800000, page_size=0x1000, write_block=4)
