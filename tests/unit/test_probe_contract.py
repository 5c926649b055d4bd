"""The fake LowLevel.API cannot drift from the installed pynrfjprog, and the real one skips.

Every call the backend makes in a full session is bound against the signature of the same
method on ``pynrfjprog.LowLevel.API``; the fake's own signatures must match too.
"""

from __future__ import annotations

import ctypes.util
import inspect
from pathlib import Path

import pytest

pytest.importorskip("pynrfjprog")

from fake_tools.fake_lowlevel import FakeBoard, FakeLowLevelAPI
from intelhex import IntelHex
from pynrfjprog import LowLevel
from pynrfjprog.APIError import APIError, NrfjprogdllErr
from pynrfjprog.Parameters import QSPIEraseLen

from hil.probe import Memory, ProbeOptions, ProbeUnavailable, ResetKind
from hil.probe.lowlevel import LowLevelProbe

SNR = 1050012345


def full_session(board: FakeBoard, tmp_path: Path) -> None:
    image = IntelHex()
    image.puts(0x0, b"boot" * 8)
    image.puts(0x10000000, b"xip!" * 8)
    hex_path = tmp_path / "all.hex"
    image.write_hex_file(str(hex_path))
    for reset in ResetKind:
        factory = lambda: FakeLowLevelAPI(board)  # noqa: E731
        probe = LowLevelProbe(ProbeOptions(reset=reset, chunk_size=0x1000), api_factory=factory)
        probe.connect()
        probe.program(hex_path)
        probe.erase(Memory.INTERNAL, 0x84000, 0x1000)
        probe.erase(Memory.EXTERNAL, 0x0, 0x11000)
        probe.read(Memory.INTERNAL, 0x0, 0x2000)
        probe.read(Memory.EXTERNAL, 0x0, 0x2000)
        probe.reset()
        probe.com_ports()
        probe.recover()
        probe.close()


def test_every_call_the_backend_makes_fits_the_installed_pynrfjprog(tmp_path):
    board = FakeBoard(snr=SNR)
    full_session(board, tmp_path)
    called = {name for name, _, _ in board.calls}
    assert {"erase_file", "program_file", "verify_file", "qspi_read", "read"} <= called
    for name, args, kwargs in board.calls:
        real = getattr(LowLevel.API, name, None)
        assert real is not None, f"pynrfjprog LowLevel.API has no {name}()"
        try:
            inspect.signature(real).bind(object(), *args, **kwargs)
        except TypeError as err:
            pytest.fail(f"{name}{args!r}{kwargs!r} does not fit {inspect.signature(real)}: {err}")


def test_the_fake_has_the_real_signatures():
    for name, method in inspect.getmembers(FakeLowLevelAPI, inspect.isfunction):
        if name.startswith("_"):
            continue
        real = getattr(LowLevel.API, name, None)
        assert real is not None, f"the fake has {name}(), pynrfjprog does not"
        fake_params = list(inspect.signature(method).parameters)
        real_params = list(inspect.signature(real).parameters)
        assert fake_params == real_params, f"{name}: fake {fake_params} != real {real_params}"


def _jlink_installed() -> bool:
    return ctypes.util.find_library("jlinkarm") is not None or Path("/opt/SEGGER").is_dir()


@pytest.mark.skipif(_jlink_installed(), reason="SEGGER J-Link software is installed here")
def test_real_pynrfjprog_without_jlink_software_is_unavailable_with_one_line():
    probe = LowLevelProbe()
    with pytest.raises(ProbeUnavailable) as err:
        probe.connect()
    message = str(err.value)
    assert "J-Link Software and Documentation Pack" in message and "\n" not in message
    # -101 JLINKARM_DLL_NOT_FOUND, or (seen now and then) a code pynrfjprog cannot name
    assert "-101" in message or "a code pynrfjprog does not know" in message
    probe.close()


@pytest.mark.parametrize(
    ("size", "address", "erased"),
    [
        (QSPIEraseLen.ERASE4KB, 0x12345, (0x12000, 0x13000)),
        (QSPIEraseLen.ERASE32KB, 0x1ABCD, (0x18000, 0x20000)),
        (QSPIEraseLen.ERASE64KB, 0x1ABCD, (0x10000, 0x20000)),
    ],
)
def test_the_fake_mx25r64_erases_the_whole_aligned_block_like_the_chip(size, address, erased):
    board = FakeBoard(snr=SNR, flash_in_dpd=False, dll_checks_erase_alignment=False)
    board.external.load(0, b"\x00" * 0x30000)
    api = FakeLowLevelAPI(board)
    api.open()
    api.connect_to_device()
    api.qspi_init_ini()
    api.qspi_erase(address, size)
    low, high = erased
    assert board.external.read(0, 0x30000) == (
        b"\x00" * low + b"\xff" * (high - low) + b"\x00" * (0x30000 - high)
    )
    board.dll_checks_erase_alignment = True  # as the DLL header documents
    with pytest.raises(APIError) as err:
        api.qspi_erase(address, size)
    assert err.value.err_code == -3


def test_the_fake_mx25r64_read_wraps_past_its_last_byte_and_refuses_xip_addresses():
    board = FakeBoard(snr=SNR, flash_in_dpd=False)
    board.external.load(0, b"HEAD")
    board.external.load(0x7FFFFC, b"TAIL")
    api = FakeLowLevelAPI(board)
    api.open()
    api.connect_to_device()
    api.qspi_init_ini()
    assert api.qspi_read(0x7FFFFC, 8) == b"TAILHEAD"
    with pytest.raises(APIError):
        api.qspi_read(0x10000000, 4)


def _raised(call) -> str:
    with pytest.raises(APIError) as err:
        call()
    return NrfjprogdllErr(err.value.err_code).name


def test_the_fake_raises_the_codes_the_real_dll_documents(tmp_path):
    """Each failure the fake models carries the nrfjprogdll.h code for that situation."""
    board = FakeBoard(snr=SNR, jlink_installed=False)
    api = FakeLowLevelAPI(board)
    assert _raised(api.open) == "JLINKARM_DLL_COULD_NOT_BE_OPENED"
    board.jlink_installed = True
    api.open()
    assert _raised(lambda: api.connect_to_emu_with_snr(42)) == "EMULATOR_NOT_CONNECTED"
    assert _raised(lambda: api.read(0, 4)) == "INVALID_OPERATION"  # no connect_to_device
    board.protected = True
    assert _raised(api.connect_to_device) == "NOT_AVAILABLE_BECAUSE_PROTECTION"
    board.protected = False
    api.connect_to_device()
    api.qspi_init_ini()
    assert _raised(lambda: api.qspi_erase(0x800, QSPIEraseLen.ERASE4KB)) == "INVALID_PARAMETER"
    assert _raised(lambda: api.qspi_read(0x10000000, 4)) == "INVALID_PARAMETER"
    image = IntelHex()
    image.puts(0x0, b"boot")
    hex_path = tmp_path / "x.hex"
    image.write_hex_file(str(hex_path))
    assert _raised(lambda: api.verify_file(str(hex_path))) == "VERIFY_ERROR"  # not programmed
