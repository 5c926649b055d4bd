"""A simulated nRF5340 DK: flash, MCUboot and the FTP-DFU app behind a console."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from hil.console import Console
from hil.image.header import ImageHeader
from hil.image.keys import PublicKey
from hil.layout import Layout, Partition
from hil.mcuboot.bootloader import BootloaderConfig, BootResult, Mcuboot
from hil.mcuboot.kconfig import firmware_max_img_sectors
from hil.mcuboot.trailer import TrailerLayout
from hil.sim.dfu_target import DfuTarget
from hil.sim.firmware import FtpDfuApp
from hil.sim.flash import FlashArea, FlashDevice, mx25r64_flash, nrf5340_internal_flash
from hil.sim.ftp_client import NcsFtpClient

log = logging.getLogger("hil.sim")


@dataclass(frozen=True)
class SimConfig:
    """What the simulated DK is built with: layout, MCUboot's keys, the factory image.

    ``max_img_sectors`` (``CONFIG_BOOT_MAX_IMG_SECTORS``) defaults to what the firmware's MCUboot
    configuration sets for the layout (:func:`hil.mcuboot.kconfig.firmware_max_img_sectors`).
    """

    layout: Layout
    keys: tuple[PublicKey, ...]
    factory_image: bytes
    max_img_sectors: int | None = None
    listen_time: float = 10.0

    def img_sectors(self, sector_size: int | None = None) -> int:
        """The value MCUboot is built with (``sector_size`` is not needed; kept for callers)."""
        if self.max_img_sectors is not None:
            return self.max_img_sectors
        return firmware_max_img_sectors(external=self.layout.secondary.external)


class SimNrf5340:
    """The board: app-core flash, the DK's MX25R64, MCUboot at reset, then the app."""

    def __init__(self, config: SimConfig, console: Console) -> None:
        self.config = config
        self.console = console
        self.internal: FlashDevice = nrf5340_internal_flash()
        self.external: FlashDevice = mx25r64_flash()
        self.primary = self.area(config.layout.primary)
        self.secondary = self.area(config.layout.secondary)
        sectors = config.img_sectors()
        self.trailer = TrailerLayout(
            config.layout.slot_size, write_size=self.primary.write_size, max_img_sectors=sectors
        )
        self.bootloader = Mcuboot(
            BootloaderConfig(keys=config.keys, max_img_sectors=sectors),
            self.primary,
            self.secondary,
            primary_address=config.layout.primary.address,
        )
        self.app: FtpDfuApp | None = None
        self.last_boot: BootResult | None = None
        self.dfu_factory: Callable[[FlashArea, TrailerLayout], DfuTarget] = DfuTarget
        """Builds the app's dfu_target at each boot; device faults swap it (hil.sim.faults)."""
        self.ftp_client_factory: Callable[..., NcsFtpClient] = NcsFtpClient
        """Builds the app's ftp_client sessions; device faults swap it (hil.sim.faults)."""
        self.boot_power_cut: int | None = None
        """Cut the power after this many flash operations of the next boot (once); the board
        then powers up again and boots once more."""
        self._halted = False

    def area(self, partition: Partition) -> FlashArea:
        device = self.external if partition.external else self.internal
        return FlashArea(device, partition.address, partition.size, partition.name)

    def program_factory_image(self) -> None:
        """What provisioning leaves on the bench too: the primary erased, then the old image
        programmed (no trailer), and the secondary erased, so every run starts the same."""
        self._power_off_app()
        self.primary.erase_all()
        self.primary.device.load(self.primary.offset, self.config.factory_image)
        self.secondary.erase_all()
        size = len(self.config.factory_image)
        log.info("sim: programmed factory image (%d B), erased secondary", size)

    def reset(self) -> BootResult:
        """Power-on: MCUboot decides, prints its log, and jumps to the app if it can.

        The app that ran before is powered off first: its threads stop, its sockets go.
        """
        self._power_off_app()
        self._halted = False
        cut, self.boot_power_cut = self.boot_power_cut, None
        result = self.bootloader.boot(power_cut_after=cut)
        for line in result.lines:
            self.console.feed_line(line)
        if result.power_lost:
            log.info("sim: power cut after %d flash operations of the boot", result.flash_ops)
            result = self.bootloader.boot()
            for line in result.lines:
                self.console.feed_line(line)
        self.last_boot = result
        if result.booted:
            header = ImageHeader.parse(self.primary.read(0, 32))
            dfu = self.dfu_factory(self.secondary, self.trailer)
            self.app = FtpDfuApp(
                self._app_output,
                dfu,
                self.primary,
                self.trailer,
                version=str(header.version),
                listen_time=self.config.listen_time,
                client_factory=self.ftp_client_factory,
            )
            self.app.boot()
        return result

    def shell(self, line: str) -> None:
        """A line arriving on the UART; ignored while no app runs (as a hung board would)."""
        if self.app is not None:
            self.app.execute(line)
            if self._halted:
                self.reset()

    def halt(self) -> None:
        """The CPU stops here (reset pin, brown-out): RAM is lost, flash keeps what it has.

        Callable from the app's data path. The app is powered off at once (nothing more reaches
        flash or the console, its FTP session dies); the board resets when the running shell
        command returns.
        """
        self._halted = True
        if self.app is not None:
            self.app.power_off()

    def _power_off_app(self) -> None:
        app, self.app = self.app, None
        if app is not None:
            app.power_off()

    def _app_output(self, line: str) -> None:
        if not self._halted:
            self.console.feed_line(line)
