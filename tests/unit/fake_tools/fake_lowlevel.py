"""A stand-in for ``pynrfjprog.LowLevel.API`` on an nRF5340 DK whose memories are FlashDevices.

Method signatures mirror the installed pynrfjprog (a contract test checks it). Errors are the
real ``APIError`` with real codes. Every call is recorded in ``board.calls``.

The QSPI calls behave as the MX25R6435F does: an erase instruction clears the whole aligned
4 KiB sector, 32 KiB or 64 KiB block that holds the address (the chip ignores the low address
bits), and a read that runs past the last byte wraps around to offset 0. The DLL header says
``qspi_erase`` refuses an address not aligned to the erase length (INVALID_PARAMETER);
``FakeBoard.dll_checks_erase_alignment`` chooses between that and the bare chip.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from intelhex import IntelHex
from pynrfjprog.APIError import APIError
from pynrfjprog.LowLevel import ConfigFile
from pynrfjprog.Parameters import (
    CoProcessor,
    DeviceFamily,
    EraseAction,
    QSPIEraseLen,
    VerifyAction,
)

from hil.sim.flash import FlashDevice, mx25r64_flash, nrf5340_internal_flash

XIP = 0x10000000
ADDRESS_24BIT_MAX = 0xFFFFFF
INVALID_PARAMETER = -3
_ERASE_LEN = {
    QSPIEraseLen.ERASE4KB: 0x1000,
    QSPIEraseLen.ERASE32KB: 0x8000,
    QSPIEraseLen.ERASE64KB: 0x10000,
}


@dataclass
class FakeBoard:
    """One DK behind one probe: what the fake API reads and writes."""

    snr: int = 1050012345
    internal: FlashDevice = field(default_factory=nrf5340_internal_flash)
    external: FlashDevice = field(default_factory=mx25r64_flash)
    attached: bool = True
    jlink_installed: bool = True
    protected: bool = False
    flash_in_dpd: bool = True  # NCS puts the MX25R64 into deep power-down when idle
    dll_checks_erase_alignment: bool = True  # False: the unaligned address reaches the chip
    halted: bool = False
    core: CoProcessor = CoProcessor.CP_APPLICATION
    resets: list[str] = field(default_factory=list)
    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)
    ports: tuple[tuple[str, int], ...] = (("/dev/ttyACM0", 0), ("/dev/ttyACM1", 1))
    on_reset: Callable[[], None] | None = None  # the firmware booting, for console tests


@dataclass
class _Port:
    path: str
    vcom: int
    serial_number: int


def _load(path: str) -> IntelHex:
    return IntelHex(str(path))


class FakeLowLevelAPI:
    """``api_factory`` for LowLevelProbe: ``lambda: FakeLowLevelAPI(board)``."""

    def __init__(self, board: FakeBoard, device_family: Any = DeviceFamily.NRF53) -> None:
        self.board = board
        self._open = False
        self._emu: int | None = None
        self._device = False
        self._qspi = False

    def _rec(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.board.calls.append((name, args, kwargs))

    def _need_device(self) -> None:
        if not self._device:
            raise APIError(-2)

    def _need_qspi(self) -> None:
        if not self._qspi:
            raise APIError(-2)

    # lifecycle and probe
    def open(self):
        self._rec("open")
        if not self.board.jlink_installed:
            raise APIError(-101)
        self._open = True

    def close(self):
        self._rec("close")
        self._open = False

    def enum_emu_snr(self):
        self._rec("enum_emu_snr")
        return [self.board.snr] if self.board.attached else None

    def enum_emu_com_ports(self, serial_number):
        self._rec("enum_emu_com_ports", serial_number)
        return [_Port(path, vcom, serial_number) for path, vcom in self.board.ports]

    def connect_to_emu_with_snr(self, serial_number, jlink_speed_khz=2000):
        self._rec("connect_to_emu_with_snr", serial_number, jlink_speed_khz=jlink_speed_khz)
        if not self.board.attached or serial_number != self.board.snr:
            raise APIError(-10)
        self._emu = serial_number

    def disconnect_from_emu(self):
        self._rec("disconnect_from_emu")
        self._emu = None

    def select_coprocessor(self, coprocessor):
        self._rec("select_coprocessor", coprocessor)
        if self._device:
            raise APIError(-2)  # precondition: not connected to the device
        self.board.core = CoProcessor(coprocessor)

    def connect_to_device(self):
        self._rec("connect_to_device")
        if self.board.protected:
            raise APIError(-90)
        self._device = True

    def disconnect_from_device(self):
        self._rec("disconnect_from_device")
        self._device = False

    def recover(self):
        self._rec("recover")
        self.board.internal.erase(0, self.board.internal.size)
        self.board.protected = False

    # run control
    def is_halted(self):
        self._rec("is_halted")
        self._need_device()
        return self.board.halted

    def halt(self):
        self._rec("halt")
        self._need_device()
        self.board.halted = True

    def go(self):
        self._rec("go")
        self._need_device()
        if self.board.halted and self.board.resets and self.board.resets[-1] == "system":
            self.board.resets[-1] = "system+run"
            if self.board.on_reset:
                self.board.on_reset()
        self.board.halted = False

    def pin_reset(self):
        self._rec("pin_reset")
        self.board.resets.append("pin")
        self.board.halted = False
        self.board.flash_in_dpd = True
        self._device = False  # post-condition: debugger detached
        if self.board.on_reset:
            self.board.on_reset()

    def sys_reset(self):
        self._rec("sys_reset")
        self._need_device()
        self.board.resets.append("system")
        self.board.halted = True
        self.board.flash_in_dpd = True

    # internal flash
    def read(self, addr, data_len):
        self._rec("read", addr, data_len)
        self._need_device()
        self.board.halted = True
        return list(self.board.internal.read(addr, data_len))

    def erase_page(self, addr):
        self._rec("erase_page", addr)
        self._need_device()
        self.board.internal.erase(addr - addr % 0x1000, 0x1000)

    # QSPI
    def qspi_init_ini(self, ini_path=ConfigFile):
        self._rec("qspi_init_ini", ini_path)
        self._need_device()
        self.board.halted = True
        self._qspi = True

    def qspi_uninit(self):
        self._rec("qspi_uninit")
        self._qspi = False

    def qspi_custom(self, code, length, data_in=None, output=False):
        self._rec("qspi_custom", code, length, data_in=data_in, output=output)
        self._need_qspi()
        if code == 0xAB:
            self.board.flash_in_dpd = False

    def qspi_read(self, addr, length):
        self._rec("qspi_read", addr, length)
        self._need_qspi()
        if addr > ADDRESS_24BIT_MAX:
            raise APIError(INVALID_PARAMETER)  # 24-bit addressing: e.g. an XIP address
        if self.board.flash_in_dpd:
            return bytearray(length)  # a sleeping flash answers nothing useful
        flash = self.board.external
        data = bytearray()
        offset = addr % flash.size  # the chip ignores address bits above its size
        while len(data) < length:  # its address counter rolls over to 0 after the last byte
            part = min(length - len(data), flash.size - offset)
            data += flash.read(offset, part)
            offset = 0
        return data

    def qspi_erase(self, addr, length):
        self._rec("qspi_erase", addr, length)
        self._need_qspi()
        if not isinstance(length, QSPIEraseLen):
            raise ValueError("length must be a QSPIEraseLen")
        if addr > ADDRESS_24BIT_MAX:
            raise APIError(INVALID_PARAMETER)
        flash = self.board.external
        if length is QSPIEraseLen.ERASEALL:
            start, size = 0, flash.size
        else:
            size = _ERASE_LEN[length]
            if addr % size and self.board.dll_checks_erase_alignment:
                raise APIError(INVALID_PARAMETER)
            start = addr % flash.size - addr % size  # the aligned sector or block
        if not self.board.flash_in_dpd:
            flash.erase(start, size)

    # files
    def erase_file(
        self, file_path, chip_erase_mode=EraseAction.ERASE_ALL,
        qspi_erase_mode=EraseAction.ERASE_NONE,
    ):
        self._rec("erase_file", file_path, chip_erase_mode=chip_erase_mode,
                  qspi_erase_mode=qspi_erase_mode)
        self._need_device()
        if not isinstance(chip_erase_mode, EraseAction):
            raise TypeError("chip_erase_mode must be an EraseAction")
        if not isinstance(qspi_erase_mode, EraseAction):
            raise TypeError("qspi_erase_mode must be an EraseAction")
        for start, end in _load(file_path).segments():
            external = start >= XIP
            if external and qspi_erase_mode is EraseAction.ERASE_NONE:
                continue
            if external:
                self._need_qspi()
            device = self.board.external if external else self.board.internal
            base = XIP if external else 0
            first = (start - base) // 0x1000 * 0x1000
            last = -(-(end - base) // 0x1000) * 0x1000
            device.erase(first, last - first)

    def program_file(self, file_path):
        self._rec("program_file", file_path)
        self._need_device()
        image = _load(file_path)
        for start, end in image.segments():
            external = start >= XIP
            if external:
                self._need_qspi()
            device = self.board.external if external else self.board.internal
            base = XIP if external else 0
            lo, hi = start - start % 4, end + (-end % 4)
            image.padding = 0xFF
            device.write(lo - base, image.tobinstr(start=lo, size=hi - lo))

    def verify_file(self, file_path, verify_action=VerifyAction.VERIFY_READ):
        self._rec("verify_file", file_path, verify_action)
        self._need_device()
        image = _load(file_path)
        for start, end in image.segments():
            device = self.board.external if start >= XIP else self.board.internal
            base = XIP if start >= XIP else 0
            if device.read(start - base, end - start) != image.tobinstr(start=start, end=end - 1):
                raise APIError(-160)
