"""A real nRF5340 DK: flash, reset and slot reads through the probe, shell over the UART."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from hil.bench.hwmap import DkEntry
from hil.bench.lock import DkLock
from hil.bench.serial_console import SerialConsole
from hil.dut.base import FtpEndpoint
from hil.dut.bootlog import BootLog
from hil.dut.shell import ShellDut
from hil.errors import HilError
from hil.layout import Layout, Partition
from hil.probe import Memory, Probe, ProbeProtected
from hil.probe.base import INTERNAL_PAGE
from hil.probe.steps import step
from hil.protocol import ClientMode, DownloadResult

log = logging.getLogger("hil.bench")


def memory_of(partition: Partition) -> Memory:
    return Memory.EXTERNAL if partition.external else Memory.INTERNAL


class NrfDut(ShellDut):
    """One DK from the hardware map, held (locked) for as long as this object lives."""

    kind = "nrf"

    def __init__(
        self,
        entry: DkEntry,
        probe: Probe,
        serial: SerialConsole,
        layout: Layout,
        merged_hex: Path,
        lock: DkLock | None = None,
    ) -> None:
        self.entry = entry
        self.probe = probe
        self.serial = serial
        self.console = serial.console
        self.layout = layout
        self.merged_hex = merged_hex
        self._lock = lock

    def send_line(self, line: str) -> None:
        self.serial.write_line(line)

    def download(
        self, endpoint: FtpEndpoint, path: str, size: int, mode: ClientMode
    ) -> DownloadResult:
        if self.entry.ftp_host and endpoint.host != self.entry.ftp_host:
            log.info("%s: the DK reaches the FTP server at %s (ftp_host), not %s",
                     self.entry.id, self.entry.ftp_host, endpoint.host)
            endpoint = replace(endpoint, host=self.entry.ftp_host)
        return super().download(endpoint, path, size, mode)

    def provision(self) -> BootLog:
        primary, secondary = self.layout.primary, self.layout.secondary
        with step(log, "provision", dk=self.entry.id, hex=self.merged_hex.name):
            try:
                self._program_factory(primary)
            except ProbeProtected:
                if not self.entry.recover:
                    raise
                log.warning("%s: chip is protected; recovering as the hardware map allows",
                            self.entry.id)
                self.probe.recover()
                self._program_factory(primary)
            self.probe.erase(memory_of(secondary), secondary.address, secondary.size)
            self._check_erased(secondary)
        return self.reset()

    def _program_factory(self, primary: Partition) -> None:
        """Erase the primary, then program merged.hex (MCUboot + the old image).

        Programming erases only the sectors the hex touches: the primary's trailer from an
        earlier swap would survive and make MCUboot revert, so the slot is erased first.
        """
        self.probe.erase(memory_of(primary), primary.address, primary.size)
        self.probe.program(self.merged_hex)

    def _check_erased(self, partition: Partition) -> None:
        """Read back the first and last page: catches an erase that missed its range."""
        memory = memory_of(partition)
        for address in {partition.address, partition.end - INTERNAL_PAGE}:
            data = self.probe.read(memory, address, INTERNAL_PAGE)
            if data != b"\xff" * INTERNAL_PAGE:
                raise HilError(
                    f"{self.entry.id}: {partition.name} page 0x{address:x} is not erased after "
                    f"the {self.probe.backend} erase: try another --backend and report it"
                )

    def reset(self) -> BootLog:
        self.console.mark()
        self.probe.reset()
        return self.wait_for_boot()

    def read_slot(self, name: str) -> bytes:
        partition = self.layout.slot(name)
        memory = memory_of(partition)

        def progress(done: int, total: int) -> None:
            log.debug("%s: read %s %d/%d bytes", self.entry.id, partition.name, done, total)

        with step(log, "read_slot", dk=self.entry.id, slot=partition.name, memory=memory.value):
            data = self.probe.read(memory, partition.address, partition.size, progress)
        if memory is Memory.EXTERNAL and self.entry.after_external_read == "reset":
            # The probe took the QSPI peripheral from the firmware: reboot to give it back.
            log.info("%s: reset after the QSPI read so the firmware owns QSPI again",
                     self.entry.id)
            self.reset()
        return data

    def close(self) -> None:
        try:
            self.serial.close()
            self.probe.close()
        finally:
            self.console.close()
            if self._lock is not None:
                self._lock.release()
