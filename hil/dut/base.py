"""The device under test, whatever it is: the interface every test talks to."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from hil.console import Console
from hil.dut.bootlog import BootLog
from hil.layout import Layout
from hil.protocol import ClientMode, DownloadResult


@dataclass(frozen=True)
class FtpEndpoint:
    """Where the device fetches from: the address as the device sees it, and credentials."""

    host: str
    port: int
    user: str
    password: str


class Dut(ABC):
    """An nRF5340 running the FTP-DFU firmware under MCUboot, simulated or on a bench.

    The test body uses only these calls, so the same test runs on both.
    """

    kind: str
    layout: Layout
    console: Console

    @abstractmethod
    def provision(self) -> BootLog:
        """Install the known old firmware, erase the secondary slot, boot; return the boot log."""

    @abstractmethod
    def download(
        self, endpoint: FtpEndpoint, path: str, size: int, mode: ClientMode
    ) -> DownloadResult:
        """Let the firmware download ``path`` into the secondary slot in the given client mode."""

    @abstractmethod
    def read_slot(self, name: str) -> bytes:
        """The whole contents of a partition ('primary', 'secondary' or a layout name)."""

    @abstractmethod
    def schedule_update(self) -> int:
        """Request a test swap of the secondary image (dfu_target_schedule_update); rc."""

    @abstractmethod
    def confirm(self) -> int:
        """Mark the running image as good (boot_write_img_confirmed); rc."""

    @abstractmethod
    def reset(self) -> BootLog:
        """Reset the device and return what MCUboot and the app printed until the app is up."""

    @abstractmethod
    def running_version(self) -> str:
        """The version the running app reports, e.g. '1.0.0+0'."""

    def close(self) -> None:  # noqa: B027 - optional hook, most devices hold nothing
        """Release the device (ports, probes, threads)."""
