"""The fault matrix: what the real NCS v2.6.0 client and the firmware report, and that it is safe.

Each row (``fault_cases.CASES``) states the real client's outcome (``ftp``, ``dfu``, a check of
``rx``) for a server or device fault, then that the update stayed safe: nothing scheduled with
bad data (the host schedules only ``ftp=226 dfu=0``, and MCUboot must then reject it), the old
image keeps booting, and, on the hardened firmware, nothing written past the bytes it reported.
Timings are ratios of the device's listen time (10 s on a DK, scaled on the sim). Finally a
binary download from a clean server boots the new image. Rows hold on a real DK unchanged;
device fault rows need the sim.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from fault_cases import (
    CASES,
    NONZERO,
    OFFSET,
    PAGE,
    Bench,
    Case,
    Outcome,
)

from hil.dut.base import Dut
from hil.dut.bootlog import BootDecision
from hil.errors import HilError
from hil.fixtures_faults import FAULT_LISTEN_TIME, SIM_ONLY, firmware_flavour, listen_time
from hil.ftp.faults import DropData, MissingFile, StallData, StopServer
from hil.ftp.server import FtpServer
from hil.image.header import HEADER_SIZE, ImageHeader
from hil.kit import UpdateKit
from hil.mcuboot.validate import BytesArea, max_image_size_swap_move, validate_image
from hil.protocol import ClientMode, DownloadResult, FirmwareFlavour
from hil.scenario import endpoint_for
from hil.sim.dut import SimDut
from hil.sim.errno import EACCES
from hil.sim.faults import PowerCut, download_until_reset, installed, shorten_timeouts


@pytest.fixture(params=list(FirmwareFlavour), ids=lambda flavour: f"{flavour}-firmware")
def firmware(request: pytest.FixtureRequest, hil_options: Any) -> FirmwareFlavour | None:
    """Both flavours on the sim (``--hil-firmware`` picks one); on a bench its banner decides."""
    wanted = request.config.getoption("--hil-firmware", None)
    if hil_options.dut_kind != "sim":
        if request.param is not FirmwareFlavour.SEED:
            pytest.skip("on a bench the build decides the flavour")
        return None
    if wanted is not None and request.param != wanted:
        pytest.skip(f"--hil-firmware {wanted}")
    return request.param


@pytest.fixture
def update_kit(update_kit: UpdateKit, firmware: FirmwareFlavour | None, hil_layout) -> UpdateKit:
    """The session's kit as a build of ``firmware`` on the sim; a bench kit as it is."""
    if firmware is None:
        return update_kit
    from hil.sim.firmware import kit_for_flavour

    try:
        return kit_for_flavour(update_kit, firmware, hil_layout.slot_size)
    except HilError as why:
        pytest.skip(str(why))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_fault_leaves_old_image_and_clean_update_boots(
    case: Case,
    fault_dut: Dut,
    ftp_server,
    scripted_server,
    update_kit: UpdateKit,
    firmware: FirmwareFlavour | None,
) -> None:
    dut = fault_dut
    if case.device_faults and dut.kind != "sim":
        pytest.skip(SIM_ONLY)
    if case.listen_time is not None and dut.kind == "sim":
        shorten_timeouts(dut, max(case.listen_time, FAULT_LISTEN_TIME))
    faults = case.device_faults
    with installed(dut, *faults) if faults else contextlib.nullcontext():
        boot = dut.provision()
        assert boot.app_version == update_kit.old_version
        assert firmware is None or firmware_flavour(boot) == firmware, boot.text()
        bench = Bench(dut, update_kit, ftp_server, scripted_server, listen_time(dut))
        outcome = case.run(bench)
        check_fault_phase(case, bench, outcome, firmware_flavour(boot))
    if faults:
        dut.reset()  # device faults last until the next reset: the clean run has none

    # The next binary download from a clean server updates the device.
    image = update_kit.update_image
    result = bench.download(bench.serve_update())
    assert result.ok and result.rx == len(image), result
    assert dut.schedule_update() == 0
    boot = dut.reset()
    assert boot.decision is BootDecision.SWAPPED, boot.text()
    assert boot.app_version == update_kit.new_version


def check_fault_phase(case: Case, bench: Bench, outcome: Outcome, flavour: str) -> None:
    """The device's report, the slot, the scheduling decision and the boot that follows."""
    dut, kit = bench.dut, bench.kit
    result = outcome.result
    if case.ftp is None:
        assert result is None and outcome.boot is not None, "expected a reset mid-download"
        assert outcome.written is not None and case.rx(outcome.written, bench), outcome
    else:
        assert result is not None
        assert result.ftp in (case.ftp if isinstance(case.ftp, tuple) else (case.ftp,)), result
        check_dfu(case, result, flavour)
        assert case.rx(result.rx, bench), result

    slot = dut.read_slot("secondary")
    intact = case.intact if outcome.intact is None else outcome.intact
    if intact:
        assert slot[: len(kit.update_image)] == kit.update_image
    # The host schedules only what the device called a success; bad data must then be refused.
    scheduled = result is not None and result.ok and not intact
    if scheduled:
        max_size = max_image_size_swap_move(dut.layout.slot_size, sector_size=PAGE)
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
    if flavour == "hardened" and result is not None and not scheduled and case.contiguous:
        # Late data callbacks were ignored: nothing lies past the pages of the reported bytes.
        after = dut.read_slot("secondary")
        end = -(-result.rx // PAGE) * PAGE
        assert after[end:] == b"\xff" * max(0, len(after) - end), "written after the end"
    # After a reboot no dfu_target is current: a stale slot cannot be scheduled.
    rc = dut.schedule_update()
    assert rc == -EACCES if flavour == "seed" else rc != 0


def check_dfu(case: Case, result: DownloadResult, flavour: str) -> None:
    """The seed firmware's dfu code exactly; the hardened one's where the row knows it."""
    if flavour == "seed":
        assert result.dfu == case.dfu, result
    elif case.hardened_dfu == NONZERO:
        assert result.dfu != 0, result
    elif case.hardened_dfu is not None:
        assert result.dfu == case.hardened_dfu, result
    elif result.ftp == 226:
        assert result.dfu == case.dfu, result
    # Otherwise the client's outcome alone: the hardened firmware may name the failure.


ROW_PROBES = (-1, 0, 1, 31, PAGE, OFFSET - 1, OFFSET // PAGE * PAGE, OFFSET, OFFSET + 1)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_every_row_checks_its_byte_count(case: Case) -> None:
    """No row accepts every rx: each check tells some plausible counts from others."""
    image, slot = 150_000, 0x78000
    probes = (*ROW_PROBES, image - 1, image, image + 1, slot, slot + 1)
    bench: Any = type("B", (), {})()
    bench.kit = type("K", (), {"update_image": bytes(image)})()
    bench.dut = type("D", (), {"layout": type("L", (), {"slot_size": slot})()})()
    verdicts = {case.rx(rx, bench) for rx in probes}
    assert verdicts == {True, False}, f"{case.id}: rx check gives {verdicts} for every count"


@pytest.mark.parametrize(
    "ftp_fault",
    [
        DropData(OFFSET, abortive=True),
        StallData(PAGE // 2, data_timeout=0.5),
        StopServer(OFFSET),
        MissingFile(),
    ],
    indirect=True,
    ids=str,
)
def test_schedule_after_a_failed_download_is_caught(
    ftp_fault: FtpServer, fault_dut: Dut, update_kit: UpdateKit
) -> None:
    """A host that schedules anyway: the shell still answers, and the update never boots.

    The seed firmware's ``ftpdfu schedule`` does not look at the last result: once a download
    has started, dfu_target stays current and MCUboot must refuse the image. The hardened
    firmware refuses the request itself.
    """
    flavour = firmware_flavour(fault_dut.provision())
    result = fault_dut.download(
        endpoint_for(ftp_fault),
        update_kit.update_name,
        len(update_kit.update_image),
        ClientMode.BINARY,
    )
    assert not result.ok and ftp_fault.fault_log.events
    assert fault_dut.running_version() == update_kit.old_version
    started = result.rx >= 32  # dfu_target_init ran on the first 32 bytes
    rc = fault_dut.schedule_update()
    scheduled = rc == 0
    if flavour == "seed":
        assert rc == (0 if started else -EACCES)
    else:
        assert rc != 0
    # stream_flash holds a page in RAM: the header reaches flash with the first full page,
    # and a failed download is not flushed. MCUboot reads an erased header as "no image".
    header = ImageHeader.parse(fault_dut.read_slot("secondary")[:HEADER_SIZE])
    assert header.is_erased is (result.rx < PAGE), (header, result)
    boot = fault_dut.reset()
    rejected = scheduled and not header.is_erased
    expected = BootDecision.REJECTED if rejected else BootDecision.NO_UPGRADE
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
    boot = download_until_reset(
        sim_fault, endpoint_for(server), update_kit.update_name, len(image), ClientMode.BINARY
    )
    assert boot.decision is BootDecision.NO_UPGRADE
    flushed = OFFSET // PAGE * PAGE
    slot = sim_fault.read_slot("secondary")
    assert slot[:flushed] == image[:flushed]
    assert slot[flushed:] == b"\xff" * (len(slot) - flushed)
    assert not any(line.startswith("FTPDFU_RESULT") for line in boot.lines)
