"""One download on the simulated DK from any FTP server, and everything after it.

Provision the old image, ``ftpdfu get`` in one client mode, read the secondary slot, MCUboot's
verdict on it, ``ftpdfu schedule``, reset, and what MCUboot and the app did at that boot.
"""

from __future__ import annotations

from dataclasses import dataclass

from hil.dut.base import FtpEndpoint
from hil.dut.bootlog import BootDecision, BootLog
from hil.errors import HilError
from hil.ftp.url import FtpUrl
from hil.mcuboot.validate import BytesArea, Verdict, max_image_size_swap_move, validate_image
from hil.protocol import ClientMode, DownloadResult
from hil.reproduce.tap import SocketTap
from hil.sim.device import SimConfig
from hil.sim.dut import SimDut

SECTOR_SIZE = 0x1000
DATA_TIMEOUTS = 7  # FTP_DATA_TIMEOUT_SEC is 6 listen times; one more for the last poll


@dataclass(frozen=True)
class ModeRun:
    """What every layer showed for one client mode."""

    mode: ClientMode
    download: DownloadResult
    commands: tuple[str, ...]
    bytes_on_wire: int
    slot_before: bytes
    verdict: Verdict
    schedule_rc: int
    boot: BootLog
    version_before: str | None
    primary_after: bytes

    @property
    def type_sent(self) -> str | None:
        types = [line for line in self.commands if line.upper().startswith("TYPE")]
        return types[-1] if types else None

    @property
    def update_booted(self) -> bool:
        """MCUboot swapped the downloaded image in and the app came up from it."""
        end = self.verdict.tlv_end or 0
        return (
            self.boot.decision is BootDecision.SWAPPED
            and self.boot.booted
            and end > 0
            and self.primary_after[:end] == self.slot_before[:end]
        )


def run_mode(
    config: SimConfig, url: FtpUrl, size: int, mode: ClientMode, tap: SocketTap
) -> ModeRun:
    """The whole story for one mode on a freshly provisioned simulated DK."""
    dut = SimDut(config)
    try:
        first = dut.provision()
        if not first.booted:
            said = "; ".join(first.mcuboot_lines[-2:]) or "no output"
            raise HilError(f"the factory image does not boot on the simulated DK (MCUboot: {said})")
        endpoint = FtpEndpoint(url.host, url.port, url.user, url.password)
        with tap.active():
            download = dut.download(endpoint, url.path, size, mode)
        slot_before = dut.read_slot("secondary")
        slot_size = config.layout.slot_size
        limit = max_image_size_swap_move(
            slot_size, SECTOR_SIZE, max_img_sectors=config.img_sectors(SECTOR_SIZE)
        )
        verdict = validate_image(BytesArea(slot_before, slot_size), config.keys, limit)
        schedule_rc = dut.schedule_update()
        boot = dut.reset()
        primary_after = dut.read_slot("primary")
        # a data task may outlive ftp_get (any end but 226): count its bytes once it ends
        tap.wait_for_data_end(DATA_TIMEOUTS * config.listen_time)
        return ModeRun(
            mode=mode,
            download=download,
            commands=tuple(tap.commands()),
            bytes_on_wire=tap.data_received,
            slot_before=slot_before,
            verdict=verdict,
            schedule_rc=schedule_rc,
            boot=boot,
            version_before=first.app_version,
            primary_after=primary_after,
        )
    finally:
        dut.close()
