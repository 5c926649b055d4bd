"""Device faults on the simulated DK, hooked around the app's dfu_target.

* :class:`PowerCut`: the board resets once a byte offset of the image has reached
  ``dfu_target_write()``. What stream_flash still buffered in RAM is lost; the app is powered
  off at once (its FTP session dies without a word, nothing more is written or printed).
* :class:`SkipDfuReset`: a firmware build whose ``ftpdfu get`` never calls
  ``dfu_target_reset()``, so a download after an aborted one resumes at the old offset.
* :class:`BootPowerCut`: power lost in the middle of MCUboot's next boot (e.g. a swap).
* :class:`CtrlBufOverflow`, :class:`PasvPortRace`: the NCS v2.6.0 ftp_client's two defects
  made visible (``hil.sim.ftp_client.ClientDefects``): a warning on each 708-byte reply, and
  the PASV port parsed after the 150 reply overwrote it (the data connection never opens).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from hil import protocol
from hil.dut.base import FtpEndpoint
from hil.dut.bootlog import BootLog
from hil.errors import HilError
from hil.mcuboot.trailer import TrailerLayout
from hil.protocol import ClientMode
from hil.sim.device import SimNrf5340
from hil.sim.dfu_target import DfuTarget, ImageType
from hil.sim.dut import SimDut
from hil.sim.flash import FlashArea
from hil.sim.ftp_client import ClientDefects, NcsFtpClient


@dataclass(frozen=True)
class PowerCut:
    """Reset the board when ``at`` image bytes have been passed to ``dfu_target_write()``.

    Fires once per installation (:func:`install`), on the first download that gets that far.
    """

    at: int

    def __post_init__(self) -> None:
        if self.at < 0:
            raise HilError(f"a power-cut offset must not be negative, got {self.at}")

    def __str__(self) -> str:
        return f"power-cut@{self.at}"


@dataclass
class ArmedCut:
    """One installed power cut, shared by every boot's dfu_target until it fires."""

    at: int
    fired: bool = False


@dataclass(frozen=True)
class SkipDfuReset:
    """The app never calls ``dfu_target_reset()`` before a download (a firmware bug)."""

    def __str__(self) -> str:
        return "no-dfu-target-reset"


@dataclass(frozen=True)
class BootPowerCut:
    """Power lost after ``after`` flash operations of MCUboot's next boot (once); the board then
    powers up again and MCUboot resumes the interrupted swap (hil.mcuboot.swap_move)."""

    after: int

    def __post_init__(self) -> None:
        if self.after < 0:
            raise HilError(f"a boot power cut needs a count >= 0, got {self.after}")

    def __str__(self) -> str:
        return f"boot-power-cut@{self.after}"


@dataclass(frozen=True)
class CtrlBufOverflow:
    """Warn on each 708-byte control reply: the real client writes ``ctrl_buf[708]`` (l.307)."""

    def __str__(self) -> str:
        return "ctrl-buf-overflow"


@dataclass(frozen=True)
class PasvPortRace:
    """The data task parses the PASV port after the next control reply overwrote ``ctrl_buf``.

    Free-running threads do this (l.756 stores the pointer, l.105 parses it); Zephyr's
    scheduling normally runs the data task first. The data connection then never opens.
    """

    def __str__(self) -> str:
        return "pasv-port-race"


SimFault = PowerCut | SkipDfuReset | BootPowerCut | CtrlBufOverflow | PasvPortRace


@dataclass
class FaultyDfuTarget(DfuTarget):
    """A dfu_target on a board with faults: halts the board at a byte offset, or never resets."""

    board: SimNrf5340 | None = None
    power_cut: ArmedCut | None = None
    skip_reset: bool = False
    written: int = field(default=0, init=False)
    halted: bool = field(default=False, init=False)

    def init(self, image_type: ImageType, img_num: int, file_size: int) -> int:
        return 0 if self.halted else super().init(image_type, img_num, file_size)

    def write(self, data: bytes) -> int:
        if self.halted:
            return 0
        cut = self.power_cut
        if cut is None or cut.fired or self.written + len(data) < cut.at:
            self.written += len(data)
            return super().write(data)
        part = data[: cut.at - self.written]
        rc = super().write(part) if part else 0
        self.written += len(part)
        self._halt(cut)
        return rc

    def _halt(self, cut: ArmedCut) -> None:
        cut.fired = True
        self.halted = True
        if self.board is not None:
            self.board.halt()

    def done(self, successful: bool) -> int:
        return 0 if self.halted else super().done(successful)

    def reset(self) -> int:
        self.written = 0
        if self.halted or self.skip_reset:
            return 0
        return super().reset()

    def schedule_update(self, img_num: int = 0) -> int:
        return 0 if self.halted else super().schedule_update(img_num)


def _sim_board(dut: object) -> SimNrf5340:
    if not isinstance(dut, SimDut):
        raise HilError(f"device faults need the simulated DK, not {getattr(dut, 'kind', dut)!r}")
    return dut.board


def install(dut: object, *faults: SimFault) -> None:
    """Build every later boot's dfu_target with ``faults``; takes effect at the next reset."""
    board = _sim_board(dut)
    cut = next((ArmedCut(f.at) for f in faults if isinstance(f, PowerCut)), None)
    skip = any(isinstance(f, SkipDfuReset) for f in faults)

    def factory(secondary: FlashArea, trailer: TrailerLayout) -> DfuTarget:
        return FaultyDfuTarget(secondary, trailer, board=board, power_cut=cut, skip_reset=skip)

    board.dfu_factory = factory
    defects = ClientDefects(
        ctrl_buf_overflow=any(isinstance(f, CtrlBufOverflow) for f in faults),
        pasv_port_race=any(isinstance(f, PasvPortRace) for f in faults),
    )
    board.ftp_client_factory = functools.partial(NcsFtpClient, defects=defects)
    board.boot_power_cut = next((f.after for f in faults if isinstance(f, BootPowerCut)), None)


def remove(dut: object) -> None:
    """Back to the plain dfu_target from the next reset on."""
    _sim_board(dut).dfu_factory = DfuTarget
    _sim_board(dut).ftp_client_factory = NcsFtpClient
    _sim_board(dut).boot_power_cut = None


@contextlib.contextmanager
def installed(dut: object, *faults: SimFault) -> Iterator[None]:
    """``install`` for the duration of a ``with`` block."""
    install(dut, *faults)
    try:
        yield
    finally:
        remove(dut)


def download_until_reset(
    dut: SimDut, endpoint: FtpEndpoint, path: str, size: int, mode: ClientMode
) -> BootLog:
    """Start ``ftpdfu get`` on a board that will reset during it; the boot log of that reset."""
    dut.console.add_secret(endpoint.password)
    line = protocol.get_command(
        endpoint.host, endpoint.port, endpoint.user, endpoint.password, path, size, mode
    )
    dut.console.mark()
    dut.send_line(line)
    return dut.wait_for_boot()


def shorten_timeouts(dut: object, listen_time: float) -> None:
    """Give the simulated ftp_client a shorter poll timeout from the next reset on."""
    if listen_time <= 0:
        raise HilError(f"listen_time must be positive, got {listen_time}")
    board = _sim_board(dut)
    board.config = replace(board.config, listen_time=listen_time)
