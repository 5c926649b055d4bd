"""The fault matrix: a bad transfer never updates the device, and a clean one still does.

Per fault: the codes the device printed (``FTPDFU_RESULT ftp=… dfu=…``); nothing scheduled with
bad data (the host schedules only on ``ftp=226 dfu=0``, and then MCUboot must reject the
image); the old version boots; then a binary download from a clean server boots the new one.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from hil.dut.base import Dut
from hil.dut.bootlog import BootDecision, BootLog
from hil.fixtures_faults import FAULT_LISTEN_TIME, SIM_ONLY, ascii_overflow_image
from hil.ftp.faults import (
    Banner,
    DropData,
    FtpFault,
    MissingFile,
    RefuseLogin,
    SplitReply,
    StallData,
    StopServer,
    Throttle,
)
from hil.ftp.server import FtpServer
from hil.kit import UpdateKit
from hil.mcuboot.validate import BytesArea, max_image_size_swap_move, validate_image
from hil.protocol import ClientMode, DownloadResult
from hil.scenario import endpoint_for
from hil.sim.dut import SimDut
from hil.sim.errno import EACCES, EFBIG, EIO, ENOMEM
from hil.sim.faults import PowerCut, SimFault, SkipDfuReset, download_until_reset, installed

OFFSET = 70_001  # mid-image; on no page (4 KiB), 64 KiB or recv (708 B) boundary
THROTTLE = Throttle(64 * 1024)  # ThrottledDTPHandler: two bursts, then a 2 s pause


@dataclass
class Bench:
    """What a fault needs: the device, the images and a way to start (faulty) servers."""

    dut: Dut
    kit: UpdateKit
    serve: Callable[..., FtpServer]

    def download(
        self,
        server: FtpServer,
        mode: ClientMode = ClientMode.BINARY,
        size: int | None = None,
        path: str | None = None,
    ) -> DownloadResult:
        size = len(self.kit.update_image) if size is None else size
        endpoint = endpoint_for(server)  # a bench DUT swaps in its hardware map's ftp_host
        return self.dut.download(endpoint, path or self.kit.update_name, size, mode)

    def serve_update(self, *faults: FtpFault, data: bytes | None = None) -> FtpServer:
        image = self.kit.update_image if data is None else data
        return self.serve(files={self.kit.update_name: image}, faults=faults)

    @functools.cached_property
    def overflow_image(self) -> bytes:
        return ascii_overflow_image(self.dut.layout, self.kit.key_path, self.kit.new_version)


@dataclass(frozen=True)
class Outcome:
    """The fault phase: the device's result line, or the boot of a reset that cut it short."""

    result: DownloadResult | None
    boot: BootLog | None = None


@dataclass(frozen=True)
class Case:
    id: str
    run: Callable[[Bench], Outcome]
    ftp: int | None
    """The reported FTP code; None when the board reset before printing a result."""
    dfu: int | None = 0
    rx: Callable[[int, Bench], bool] = lambda rx, bench: True
    """Check of the reported byte count."""
    intact: bool = False
    """The data arrived whole despite the fault: the slot must hold the image."""
    reboot: bool = True
    """Reset before the clean download (False: the clean download follows in the same boot)."""
    device_faults: tuple[SimFault, ...] = ()
    """Faults of the simulated DK; the case is skipped on real hardware."""


def served(*faults: FtpFault, mode: ClientMode = ClientMode.BINARY) -> Callable[[Bench], Outcome]:
    """Download the update from a server with ``faults``; checks that each one fired."""

    def run(bench: Bench) -> Outcome:
        server = bench.serve_update(*faults)
        result = bench.download(server, mode)
        for fault in faults:
            if not isinstance(fault, Throttle | Banner):
                assert bench_fired(server, fault), f"{fault} never fired"
        return Outcome(result)

    return run


def bench_fired(server: FtpServer, fault: FtpFault) -> bool:
    return any(event.fault == fault for event in server.fault_log.events)


def throttled(bench: Bench) -> Outcome:
    started = time.monotonic()
    outcome = served(THROTTLE)(bench)
    assert time.monotonic() - started > FAULT_LISTEN_TIME, "the throttle did not slow the transfer"
    return outcome


def truncated_file(bench: Bench) -> Outcome:
    """The server holds a partial upload; the device is told the full size."""
    server = bench.serve_update(data=bench.kit.update_image[:OFFSET])
    return Outcome(bench.download(server))


def announced_too_big(bench: Bench) -> Outcome:
    return Outcome(bench.download(bench.serve_update(), size=bench.dut.layout.slot_size + 1))


def ascii_overflow(bench: Bench) -> Outcome:
    image = bench.overflow_image
    assert len(image) < bench.dut.layout.slot_size
    server = bench.serve_update(data=image)
    return Outcome(bench.download(server, ClientMode.DEFAULT, size=len(image)))


def power_cut(bench: Bench) -> Outcome:
    assert isinstance(bench.dut, SimDut)
    server = bench.serve_update()
    endpoint = endpoint_for(server)
    size = len(bench.kit.update_image)
    boot = download_until_reset(bench.dut, endpoint, bench.kit.update_name, size, ClientMode.BINARY)
    return Outcome(None, boot)


def clean_download(bench: Bench) -> Outcome:
    """A good download; the host then resets instead of scheduling."""
    return Outcome(bench.download(bench.serve_update()))


def aborted_then_complete(bench: Bench) -> Outcome:
    """A download dropped mid-way, then a complete one in the same boot."""
    first = bench.download(bench.serve_update(DropData(OFFSET)))
    assert (first.ftp, first.dfu, first.rx) == (426, 0, OFFSET)
    return Outcome(bench.download(bench.serve_update()))


def exact(expected: int) -> Callable[[int, Bench], bool]:
    return lambda rx, bench: rx == expected


def whole(rx: int, bench: Bench) -> bool:
    return rx == len(bench.kit.update_image)


def at_most_whole(rx: int, bench: Bench) -> bool:
    return rx <= len(bench.kit.update_image)


def past_slot(rx: int, bench: Bench) -> bool:
    return rx > bench.dut.layout.slot_size


LONG_BANNER = Banner("FTP-DFU test server. " * 4)  # over 75 characters: "220-…" then "220 "

CASES = [
    Case("drop-data", served(DropData(OFFSET)), 426, rx=exact(OFFSET)),
    Case("reset-data", served(DropData(OFFSET, abortive=True)), 426, rx=at_most_whole),
    Case("stall-until-timeout", served(StallData(OFFSET, data_timeout=0.3)), 421, rx=exact(OFFSET)),
    Case("stall-then-resume", served(StallData(OFFSET, seconds=0.3)), 226, rx=whole, intact=True),
    Case("throttle", throttled, 226, rx=whole, intact=True),
    Case("missing-file", served(MissingFile()), 550, rx=exact(0)),
    Case("refused-login", served(RefuseLogin()), 530, rx=exact(0)),
    Case("server-stopped", served(StopServer(OFFSET)), -EIO, rx=exact(OFFSET)),
    Case("split-greeting-code", served(SplitReply("220", 2)), -EIO, rx=exact(0)),
    Case("split-greeting-text", served(SplitReply("220", 4)), 530, rx=exact(0)),
    Case("multiline-greeting", served(LONG_BANNER, SplitReply("220 ", 0)), 530, rx=exact(0)),
    Case("split-226", served(SplitReply("226", 2)), 0, rx=at_most_whole),
    Case("truncated-file", truncated_file, 226, rx=exact(OFFSET)),
    Case("announced-too-big", announced_too_big, 226, dfu=-EFBIG, rx=whole),
    Case("ascii-overflow", ascii_overflow, 226, dfu=-ENOMEM, rx=past_slot),
    Case("reset-before-schedule", clean_download, 226, rx=whole, intact=True),
    Case(
        "second-download-after-abort",
        aborted_then_complete,
        226,
        rx=whole,
        intact=True,
        reboot=False,
    ),
    Case("power-cut-at-page", power_cut, None, dfu=None, device_faults=(PowerCut(4096),)),
    Case("power-cut", power_cut, None, dfu=None, device_faults=(PowerCut(OFFSET),)),
    Case(
        "no-dfu-target-reset",
        aborted_then_complete,
        226,
        rx=whole,
        device_faults=(SkipDfuReset(),),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_fault_leaves_old_image_and_clean_update_boots(
    case: Case, fault_dut: Dut, ftp_server, update_kit: UpdateKit
) -> None:
    if case.device_faults and fault_dut.kind != "sim":
        pytest.skip(SIM_ONLY)
    bench = Bench(fault_dut, update_kit, ftp_server)
    dut, image = fault_dut, update_kit.update_image
    faults = case.device_faults
    with installed(dut, *faults) if faults else contextlib.nullcontext():
        assert dut.provision().app_version == update_kit.old_version
        outcome = case.run(bench)
        check_fault_phase(case, bench, outcome)

    # The next binary download from a clean server updates the device.
    result = bench.download(bench.serve_update())
    assert result.ok and result.rx == len(image), result
    assert dut.schedule_update() == 0
    boot = dut.reset()
    assert boot.decision is BootDecision.SWAPPED, boot.text()
    assert boot.app_version == update_kit.new_version


def check_fault_phase(case: Case, bench: Bench, outcome: Outcome) -> None:
    """The device's report, the slot, the scheduling decision and the boot that follows."""
    dut, kit = bench.dut, bench.kit
    result = outcome.result
    if case.ftp is None:
        assert result is None and outcome.boot is not None, "expected a reset mid-download"
    else:
        assert result is not None
        assert (result.ftp, result.dfu) == (case.ftp, case.dfu), result
        assert case.rx(result.rx, bench), result

    slot = dut.read_slot("secondary")
    if case.intact:
        assert slot[: len(kit.update_image)] == kit.update_image
    # The host schedules only what the device called a success; bad data must then be refused.
    scheduled = result is not None and result.ok and not case.intact
    if scheduled:
        max_size = max_image_size_swap_move(dut.layout.slot_size, sector_size=0x1000)
        verdict = validate_image(BytesArea(slot), kit.keys, max_size)
        assert not verdict.ok, "a fault that corrupts data left a valid image"
        assert dut.schedule_update() == 0

    if not case.reboot:
        assert dut.running_version() == kit.old_version
        return
    boot = outcome.boot or dut.reset()
    if scheduled:
        assert boot.decision is BootDecision.REJECTED, boot.text()
    else:
        assert boot.decision is BootDecision.NO_UPGRADE and boot.swap_type == "none", boot.text()
    assert boot.app_version == kit.old_version
    # After a reboot no dfu_target is current: a stale slot cannot be scheduled.
    assert dut.schedule_update() == -EACCES


@pytest.mark.parametrize(
    "ftp_fault",
    [DropData(OFFSET, abortive=True), StopServer(OFFSET), SplitReply("227", 5), MissingFile()],
    indirect=True,
    ids=str,
)
def test_schedule_after_a_failed_download_is_caught_by_mcuboot(
    ftp_fault: FtpServer, fault_dut: Dut, update_kit: UpdateKit
) -> None:
    """A host that schedules anyway: the shell still answers, and MCUboot refuses the rest.

    The firmware's ``ftpdfu schedule`` does not look at the last result: once a download
    has started, dfu_target stays current and the request is accepted.
    """
    fault_dut.provision()
    bench = Bench(fault_dut, update_kit, lambda **_: ftp_fault)
    result = bench.download(ftp_fault)
    assert not result.ok and ftp_fault.fault_log.events
    assert fault_dut.running_version() == update_kit.old_version
    started = result.rx >= 32  # dfu_target_init ran on the first 32 bytes
    assert fault_dut.schedule_update() == (0 if started else -EACCES)
    boot = fault_dut.reset()
    expected = BootDecision.REJECTED if started else BootDecision.NO_UPGRADE
    assert boot.decision is expected, boot.text()
    assert boot.app_version == update_kit.old_version


@pytest.mark.parametrize("sim_fault", [PowerCut(OFFSET)], indirect=True, ids=str)
def test_power_cut_leaves_the_partial_image_unscheduled(
    sim_fault: Dut, ftp_server, update_kit: UpdateKit
) -> None:
    """The pages flushed before the cut are in the slot; the trailer is untouched."""
    assert isinstance(sim_fault, SimDut)
    sim_fault.provision()
    server = ftp_server(files={update_kit.update_name: update_kit.update_image})
    image = update_kit.update_image
    endpoint = endpoint_for(server)
    boot = download_until_reset(
        sim_fault, endpoint, update_kit.update_name, len(image), ClientMode.BINARY
    )
    assert boot.decision is BootDecision.NO_UPGRADE
    flushed = OFFSET // 0x1000 * 0x1000
    slot = sim_fault.read_slot("secondary")
    assert slot[:flushed] == image[:flushed]
    assert slot[flushed:] == b"\xff" * (len(slot) - flushed)
    assert not any(line.startswith("FTPDFU_RESULT") for line in boot.lines)
