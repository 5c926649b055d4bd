"""One update over FTP, end to end, with the evidence of every layer kept for assertions."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from hil import protocol
from hil.dut.base import Dut, FtpEndpoint
from hil.dut.bootlog import BootLog
from hil.errors import HilError
from hil.ftp.ascii import wire_bytes
from hil.ftp.policy import TransferPolicy
from hil.ftp.recorder import TransferRecord
from hil.ftp.server import FtpServer
from hil.image.keys import PublicKey
from hil.mcuboot.validate import BytesArea, Verdict, max_image_size_swap_move, validate_image
from hil.protocol import ClientMode, DownloadResult, FirmwareFlavour, ready_flavour
from hil.update_watch import UpdateRun, announce

log = logging.getLogger("hil.scenario")

TRANSFER_RECORD_TIMEOUT = 5.0


class FirmwareMismatch(HilError):
    """The device runs another firmware flavour than the test asked for."""


def booted_flavour(boot: BootLog) -> FirmwareFlavour:
    """The flavour the app's boot banner names; firmware that names none is the seed build."""
    for line in reversed(boot.lines):
        if protocol.READY_PREFIX in line:
            return ready_flavour(line) or FirmwareFlavour.SEED
    raise HilError("no FTPDFU_READY line in the boot log: the app did not start")


@dataclass(frozen=True)
class UpdateEvidence:
    """What each layer showed: the server, the slot before the reset, MCUboot, the slot after."""

    mode: ClientMode
    firmware: FirmwareFlavour
    policy: TransferPolicy
    served: bytes
    type_commands: tuple[str, ...]
    transfer: TransferRecord
    download: DownloadResult
    slot_before: bytes
    verdict: Verdict
    schedule_rc: int
    boot: BootLog
    version_before: str
    version_after: str
    slot_after: bytes

    @property
    def expected_wire(self) -> bytes:
        """The bytes the server should have sent, by pyftpdlib's own ASCII producer."""
        return wire_bytes(self.served, self.transfer.transfer_type)

    @property
    def written(self) -> bytes:
        """The part of the secondary slot the download wrote."""
        return self.slot_before[: self.download.rx]


def endpoint_for(server: FtpServer, device_host: str | None = None) -> FtpEndpoint:
    """The server as the device reaches it (``device_host`` when it differs from the bind)."""
    return FtpEndpoint(device_host or server.host, server.port, server.user, server.password)


def run_update(
    dut: Dut,
    server: FtpServer,
    path: str,
    mode: ClientMode,
    keys: tuple[PublicKey, ...],
    device_host: str | None = None,
    firmware: FirmwareFlavour | None = None,
) -> UpdateEvidence:
    """Provision, download ``path`` in ``mode``, inspect, schedule, reset, inspect again.

    With ``firmware``, :class:`FirmwareMismatch` is raised right after provisioning when the
    boot banner names another flavour, before anything is downloaded.

    Listeners of ``hil.update_watch`` (the pytest plugin) are told the evidence, or the error
    that stopped the update.
    """
    try:
        evidence = _run_update(dut, server, path, mode, keys, device_host, firmware)
    except Exception as error:
        announce(UpdateRun(dut, server, keys, error=error))
        raise
    announce(UpdateRun(dut, server, keys, evidence=evidence))
    return evidence


def _run_update(
    dut: Dut,
    server: FtpServer,
    path: str,
    mode: ClientMode,
    keys: tuple[PublicKey, ...],
    device_host: str | None,
    firmware: FirmwareFlavour | None = None,
) -> UpdateEvidence:
    served = (server.config.root / path).read_bytes()
    flavour = booted_flavour(dut.provision())
    if firmware is not None and flavour is not firmware:
        raise FirmwareMismatch(f"the device runs the {flavour} firmware, not the {firmware}")
    version_before = dut.running_version()
    server.recorder.clear()
    download = dut.download(endpoint_for(server, device_host), path, len(served), mode)
    transfer = server.recorder.wait_for_transfer(TRANSFER_RECORD_TIMEOUT)
    slot_before = dut.read_slot("secondary")
    slot_size = dut.layout.slot_size
    verdict = validate_image(
        BytesArea(slot_before, slot_size),
        keys,
        max_image_size_swap_move(slot_size, sector_size=0x1000),
    )
    log.info("slot verdict before reset: ok=%s reason=%s", verdict.ok, verdict.reason)
    schedule_rc = dut.schedule_update()
    boot = dut.reset()
    return UpdateEvidence(
        mode=mode,
        firmware=flavour,
        policy=server.config.policy,
        served=served,
        type_commands=tuple(server.recorder.type_commands()),
        transfer=transfer,
        download=download,
        slot_before=slot_before,
        verdict=verdict,
        schedule_rc=schedule_rc,
        boot=boot,
        version_before=version_before,
        version_after=dut.running_version(),
        slot_after=dut.read_slot("secondary"),
    )
