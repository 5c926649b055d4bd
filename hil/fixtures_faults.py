"""pytest fixtures for fault injection: faulty FTP servers and faults on the simulated DK.

They build on the ``hil`` plugin's fixtures (``ftp_server``, ``update_kit``, ``dut``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from hil.dut.base import Dut
from hil.dut.bootlog import BootLog
from hil.ftp.scripted import ScriptedServer, Turn
from hil.ftp.server import FtpServer
from hil.image.signing import SigningParams, make_test_payload, sign_image
from hil.kit import UpdateKit
from hil.layout import Layout
from hil.mcuboot.validate import max_image_size_swap_move

if TYPE_CHECKING:
    pass

FAULT_LISTEN_TIME = 1.0
"""The simulated ftp_client's poll timeout in fault tests (CONFIG_FTP_CLIENT_LISTEN_TIME: 10 s)."""
DEVICE_LISTEN_TIME = 10.0
"""CONFIG_FTP_CLIENT_LISTEN_TIME of the firmware on a real DK."""
FLAVOUR_RE = re.compile(r"FTPDFU_READY .*\bflavour=(?P<flavour>\w+)")
SIM_ONLY = "device fault needs the simulated DK (--dut sim)"
LF_EVERY = 16  # one lone LF per 16 bytes: ASCII mode adds ~6 %

log = logging.getLogger("hil.ftp")


def _as_tuple(value: Any) -> tuple[Any, ...]:
    """A fixture parameter as a tuple of faults: None, one fault, or a tuple/list of them."""
    if value is None:
        return ()
    if isinstance(value, tuple | list):
        return tuple(value)
    return (value,)


@pytest.fixture
def ftp_fault(
    request: pytest.FixtureRequest,
    ftp_server: Callable[..., FtpServer],
    update_kit: UpdateKit,
) -> FtpServer:
    """A started server serving the update image with the fault(s) given as the parameter.

    ``@pytest.mark.parametrize("ftp_fault", [DropData(70_001)], indirect=True)``
    """
    faults = getattr(request, "param", ())
    return ftp_server(files={update_kit.update_name: update_kit.update_image}, faults=faults)


def listen_time(dut: Dut) -> float:
    """The ftp_client poll timeout the device runs with (scaled on the simulator)."""
    if dut.kind == "sim":
        return float(dut.board.config.listen_time)  # type: ignore[attr-defined]
    return DEVICE_LISTEN_TIME


def firmware_flavour(boot: BootLog) -> str:
    """"hardened" or "seed", from the app's ready line (a firmware that does not say is seed)."""
    for line in boot.lines:
        match = FLAVOUR_RE.search(line)
        if match:
            return match["flavour"]
    return "seed"


@pytest.fixture
def scripted_server(hil_options: Any) -> Iterator[Callable[..., ScriptedServer]]:
    """Factory: ``scripted_server(turns)`` starts a :class:`~hil.ftp.scripted.ScriptedServer`.

    It binds where ``ftp_server`` binds (``--ftp-bind``, the passive range); all are stopped
    when the test ends.
    """
    started: list[ScriptedServer] = []

    def start(turns: list[Turn], **options: Any) -> ScriptedServer:
        server = ScriptedServer(
            turns,
            host=hil_options.ftp_bind,
            passive_ports=hil_options.passive_ports,
            **options,
        ).start()
        started.append(server)
        log.info("scripted FTP server on %s:%d, %d turns", server.host, server.port, len(turns))
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def fault_dut(dut: Dut) -> Dut:
    """The ``dut``; on the simulator with a short ftp_client poll timeout (FAULT_LISTEN_TIME)."""
    if dut.kind == "sim":
        from hil.sim.faults import shorten_timeouts

        shorten_timeouts(dut, FAULT_LISTEN_TIME)
    return dut


@pytest.fixture
def sim_fault(request: pytest.FixtureRequest, fault_dut: Dut) -> Iterator[Dut]:
    """``fault_dut`` with device fault(s) installed (the parameter); skipped on real hardware.

    ``@pytest.mark.parametrize("sim_fault", [PowerCut(70_001)], indirect=True)``; the faults
    take effect from the next reset (``provision`` does one).
    """
    if fault_dut.kind != "sim":
        pytest.skip(SIM_ONLY)
    from hil.sim.faults import installed

    with installed(fault_dut, *_as_tuple(getattr(request, "param", ()))):
        yield fault_dut


def ascii_overflow_image(layout: Layout, key_path: Path, version: str) -> bytes:
    """A signed image that fits the slot in binary but overflows it once TYPE A adds CRs.

    It ends one sector below the largest image swap-using-move accepts and holds a lone LF
    every 16 bytes.
    """
    slot = layout.slot_size
    size = max_image_size_swap_move(slot, sector_size=0x1000) - 0x1000
    payload = bytearray(make_test_payload(size - 0x400, seed=7))
    payload[::LF_EVERY] = b"\n" * len(payload[::LF_EVERY])
    return sign_image(bytes(payload), key_path, version, SigningParams(slot_size=slot))


@pytest.fixture(scope="session")
def overflow_image(hil_layout: Layout, update_kit: UpdateKit) -> bytes:
    """:func:`ascii_overflow_image` for the layout and key under test."""
    return ascii_overflow_image(hil_layout, update_kit.key_path, update_kit.new_version)
