"""The probe protocol: what the bench needs from a J-Link, whatever drives it.

Backends implement the ``_``-prefixed hooks; the public methods validate, log each action as
a step on logger ``hil.probe`` and read in chunks with progress.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType

from hil.probe.errors import ProbeError, ProbeUnavailable
from hil.probe.steps import step

log = logging.getLogger("hil.probe")

XIP_BASE = 0x10000000  # app-core window onto the external flash: offset 0 of the MX25R64
EXTERNAL_SIZE = 0x800000  # MX25R6435F, 8 MiB
EXTERNAL_SECTOR = 0x1000
INTERNAL_PAGE = 0x1000  # app-core flash page
DPD_RELEASE = 0xAB  # MX25R64 "release from deep power-down"

Progress = Callable[[int, int], None]


class Memory(StrEnum):
    """Where a read or erase goes: app-core address space, or an offset in the QSPI flash."""

    INTERNAL = "internal"
    EXTERNAL = "external"


class Core(StrEnum):
    APPLICATION = "application"
    NETWORK = "network"


class ResetKind(StrEnum):
    PIN = "pin"  # nRESET: whole chip, as west flash does on nRF53
    SYSTEM = "system"  # SYSRESETREQ from the app core, then run


@dataclass(frozen=True)
class ComPort:
    """A virtual COM port of a J-Link OB: ``vcom`` 1 carries the app-core console on the DK."""

    path: str
    vcom: int


@dataclass(frozen=True)
class ProbeOptions:
    """Backend settings; defaults fit an nRF5340 DK with its on-board J-Link."""

    jlink_dll: str | None = None  # pynrfjprog: path of libjlinkarm when not installed by SEGGER
    jlink_speed_khz: int = 2000
    reset: ResetKind = ResetKind.PIN
    qspi_config: Path | None = None  # pynrfjprog config.toml/.ini or nrfjprog --qspiini file
    ext_mem_config: Path | None = None  # nrfutil --x-ext-mem-config-file JSON
    qspi_wake: bool = True  # send 0xAB before reading the MX25R64
    chunk_size: int = 0x10000
    tool: str | None = None  # executable for the command-line backends
    timeout: float = 120.0  # per tool invocation
    nrfutil_read: str = "hex"  # 'hex' (--to-file) or 'json' (task_end memory data)


def xip_address(offset: int) -> int:
    return XIP_BASE + offset


def check_range(memory: Memory, address: int, length: int) -> None:
    if address < 0 or length <= 0:
        raise ProbeError(f"invalid memory range 0x{address:x}+{length}: length must be > 0")
    if memory is Memory.EXTERNAL and address + length > EXTERNAL_SIZE:
        raise ProbeError(
            f"external flash range 0x{address:x}+0x{length:x} ends past the 8 MiB MX25R64: "
            "give an offset inside the QSPI flash, not a 0x10000000 XIP address"
        )


class Probe(ABC):
    """One J-Link probe attached to one nRF5340, driven through the app core."""

    backend: str = "?"

    def __init__(self, options: ProbeOptions | None = None) -> None:
        self.options = options or ProbeOptions()
        self.snr: int | None = None

    # -- public protocol ----------------------------------------------------------------

    def list_probes(self) -> list[int]:
        """Serial numbers of the J-Link probes attached to this host."""
        with step(log, "list_probes", backend=self.backend):
            return self._list_probes()

    def connect(self, snr: int | None = None) -> int:
        """Attach to the probe ``snr`` (or the only one) and select the app core."""
        with step(log, "connect", backend=self.backend, snr=snr or "auto"):
            if snr is None:
                snr = self._only_probe()
            self.snr = snr
            try:
                self._connect(snr)
            except BaseException:
                self.snr = None
                raise
            self.select_core(Core.APPLICATION)
            return snr

    def select_core(self, core: Core) -> None:
        with step(log, "select_core", snr=self.snr, core=core.value):
            self._select_core(core)

    def program(self, hex_path: Path) -> None:
        """Write a hex file: erase only the sectors it touches, then verify (no reset)."""
        hex_path = Path(hex_path)
        if not hex_path.is_file():
            raise ProbeError(f"firmware file not found: {hex_path}")
        with step(log, "program", snr=self.snr, hex=hex_path.name, erase="sector", verify=True):
            self._program(hex_path)

    def erase(self, memory: Memory, address: int, length: int) -> None:
        """Erase whole 4 KiB pages/sectors of internal flash or of the external flash."""
        check_range(memory, address, length)
        if address % INTERNAL_PAGE or length % INTERNAL_PAGE:
            raise ProbeError(f"erase 0x{address:x}+0x{length:x} is not 4 KiB aligned")
        with step(log, "erase", snr=self.snr, memory=memory.value, address=address, length=length):
            self._erase(memory, address, length)

    def reset(self) -> None:
        """Reset the chip and let it run (MCUboot, then the app)."""
        with step(log, "reset", snr=self.snr, kind=self.options.reset.value):
            self._reset(self.options.reset)

    def read(
        self, memory: Memory, address: int, length: int, progress: Progress | None = None
    ) -> bytes:
        """Read in chunks; for external flash: halt, set up QSPI, wake the flash, read."""
        check_range(memory, address, length)
        chunk = max(16, self.options.chunk_size)
        with step(log, "read", snr=self.snr, memory=memory.value, address=address, length=length):
            parts: list[bytes] = []
            self._begin_read(memory)
            try:
                done = 0
                while done < length:
                    size = min(chunk, length - done)
                    data = self._read_chunk(memory, address + done, size)
                    if len(data) != size:
                        raise ProbeError(
                            f"read 0x{address + done:x}: got {len(data)} of {size} bytes; retry"
                        )
                    parts.append(data)
                    done += size
                    if progress:
                        progress(done, length)
            finally:
                self._end_read(memory)
            return b"".join(parts)

    def recover(self) -> None:
        """CTRL-AP erase-all that unlocks a protected chip. Erases every byte of internal flash."""
        with step(log, "recover", snr=self.snr):
            self._recover()

    def com_ports(self) -> list[ComPort]:
        """The probe's virtual COM ports (empty when the backend cannot tell)."""
        with step(log, "com_ports", snr=self.snr):
            return self._com_ports()

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Probe:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _only_probe(self) -> int:
        found = self._list_probes()
        if not found:
            raise ProbeUnavailable(
                "no J-Link probe found: connect the DK's debug USB port and switch the DK on"
            )
        if len(found) > 1:
            listed = ", ".join(str(s) for s in sorted(found))
            raise ProbeError(f"several J-Link probes attached ({listed}): choose one with --snr")
        return found[0]

    # -- backend hooks ------------------------------------------------------------------

    @abstractmethod
    def _list_probes(self) -> list[int]: ...

    @abstractmethod
    def _connect(self, snr: int) -> None: ...

    @abstractmethod
    def _select_core(self, core: Core) -> None: ...

    @abstractmethod
    def _program(self, hex_path: Path) -> None: ...

    @abstractmethod
    def _erase(self, memory: Memory, address: int, length: int) -> None: ...

    @abstractmethod
    def _reset(self, kind: ResetKind) -> None: ...

    @abstractmethod
    def _begin_read(self, memory: Memory) -> None: ...

    @abstractmethod
    def _read_chunk(self, memory: Memory, address: int, length: int) -> bytes: ...

    @abstractmethod
    def _end_read(self, memory: Memory) -> None: ...

    @abstractmethod
    def _recover(self) -> None: ...

    def _com_ports(self) -> list[ComPort]:
        return []

    def _close(self) -> None:  # noqa: B027 - backends without a session hold nothing
        pass
