"""The lab driver behind the project's ``Probe`` interface, so ``NrfDut`` drives it unchanged.

The agent on the exporter host reads in its own chunks (and sets up QSPI once per read), so a
read is one driver call here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hil.probe import Core, Memory, Probe, ProbeOptions, ResetKind

WHOLE = 1 << 30


class LabProbe(Probe):
    """A probe reached through a labgrid ``NrfDkDriver``; closing it leaves the driver on."""

    def __init__(self, driver: Any, backend: str) -> None:
        super().__init__(ProbeOptions(chunk_size=WHOLE))
        self.driver = driver
        self.backend = f"lab/{backend}"
        self.snr = driver.snr

    def _list_probes(self) -> list[int]:
        return [self.snr] if self.snr else []

    def _connect(self, snr: int) -> None:
        pass

    def _select_core(self, core: Core) -> None:
        pass

    def _program(self, hex_path: Path) -> None:
        self.driver.program(str(hex_path))

    def _erase(self, memory: Memory, address: int, length: int) -> None:
        self.driver.erase(memory.value, address, length)

    def _reset(self, kind: ResetKind) -> None:
        self.driver.reset()

    def _begin_read(self, memory: Memory) -> None:
        pass

    def _read_chunk(self, memory: Memory, address: int, length: int) -> bytes:
        return self.driver.read(memory.value, address, length)

    def _end_read(self, memory: Memory) -> None:
        pass

    def _recover(self) -> None:
        self.driver.recover()
