"""Probe backend on pynrfjprog's ``LowLevel.API`` (the nrfjprog DLL, in process)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hil.probe.base import (
    DPD_RELEASE,
    EXTERNAL_SECTOR,
    INTERNAL_PAGE,
    ComPort,
    Core,
    Memory,
    Probe,
    ProbeOptions,
    ResetKind,
)
from hil.probe.errors import NO_JLINK_SOFTWARE, ProbeUnavailable, from_api_error
from hil.probe.hexfile import touches_external

log = logging.getLogger("hil.probe")

ApiFactory = Callable[[], Any]
SECTOR_64K = 0x10000


def _pynrfjprog() -> tuple[Any, type[Exception]]:
    try:
        from pynrfjprog import LowLevel
        from pynrfjprog.APIError import APIError
    except ImportError:
        raise ProbeUnavailable(
            "pynrfjprog is not installed: pip install -e '.[bench]', or use --backend nrfutil"
        ) from None
    except RuntimeError as err:  # its import chmods the J-Link worker and may fail
        raise ProbeUnavailable(f"pynrfjprog cannot be loaded ({err}): reinstall it") from None
    return LowLevel, APIError


_UNKNOWN_CODE = re.compile(r"(-?\d+) is not a valid NrfjprogdllErr")


def unknown_dll_code(err: ValueError) -> int | None:
    """The code of a DLL result pynrfjprog's ``APIError`` cannot name (it raises ValueError)."""
    match = _UNKNOWN_CODE.search(str(err))
    return int(match[1]) if match else None


class LowLevelProbe(Probe):
    """Drives the J-Link through ``pynrfjprog.LowLevel.API('NRF53')``.

    ``api_factory`` builds the API object (tests pass a fake); by default the real one.
    """

    backend = "pynrfjprog"

    def __init__(
        self, options: ProbeOptions | None = None, api_factory: ApiFactory | None = None
    ) -> None:
        super().__init__(options)
        self._lowlevel, self._api_error = _pynrfjprog()
        self._factory = api_factory or self._real_api
        self._api: Any = None
        self._device_connected = False
        self._was_halted = False

    def _real_api(self) -> Any:
        return self._lowlevel.API("NRF53", jlink_arm_dll_path=self.options.jlink_dll)

    def _call(self, action: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call one API method; APIError becomes a one-line ProbeError naming ``action``."""
        api = self._session()
        log.debug("pynrfjprog %s%r %r", method, args, kwargs)
        try:
            return getattr(api, method)(*args, **kwargs)
        except self._api_error as err:
            code = int(getattr(err, "err_code", 0) or 0)
            enum = getattr(err, "error_enum", None)
            name = getattr(enum, "name", "UNKNOWN")
            raise from_api_error(code, name, action, self.snr) from None
        except ValueError as err:
            code = unknown_dll_code(err)
            if code is None:
                raise
            raise from_api_error(code, "UNKNOWN", action, self.snr) from None

    def _session(self) -> Any:
        if self._api is None:
            api = self._factory()
            self._api = api
            try:
                api.open()
            except self._api_error as err:
                self._api = None
                code = int(getattr(err, "err_code", 0) or 0)
                name = getattr(getattr(err, "error_enum", None), "name", "UNKNOWN")
                raise from_api_error(code, name, "open the J-Link library", None) from None
            except ValueError as err:
                self._api = None
                code = unknown_dll_code(err)
                if code is None:
                    raise
                raise ProbeUnavailable(
                    f"open the J-Link library: {NO_JLINK_SOFTWARE} [the nrfjprog DLL returned "
                    f"{code}, a code pynrfjprog does not know]"
                ) from None
        return self._api

    def _device(self, action: str) -> None:
        if not self._device_connected:
            self._call(action, "connect_to_device")
            self._device_connected = True

    # -- hooks ----------------------------------------------------------------------------

    def _list_probes(self) -> list[int]:
        return list(self._call("list probes", "enum_emu_snr") or [])

    def _connect(self, snr: int) -> None:
        self._call(
            f"connect to J-Link {snr}",
            "connect_to_emu_with_snr",
            snr,
            jlink_speed_khz=self.options.jlink_speed_khz,
        )

    def _select_core(self, core: Core) -> None:
        cp = self._lowlevel.CoProcessor
        target = cp.CP_NETWORK if core is Core.NETWORK else cp.CP_APPLICATION
        if self._device_connected:  # select_coprocessor requires no device connection
            self._call("select core", "disconnect_from_device")
            self._device_connected = False
        self._call(f"select the {core.value} core", "select_coprocessor", target)
        self._device(f"connect to the {core.value} core")

    def _qspi_begin(self, action: str) -> None:
        self._call(action, "halt")
        if self.options.qspi_config is not None:
            self._call(action, "qspi_init_ini", str(self.options.qspi_config))
        else:
            self._call(action, "qspi_init_ini", self._lowlevel.ConfigFile)
        if self.options.qspi_wake:
            self._call(f"{action} (wake the MX25R64)", "qspi_custom", DPD_RELEASE, 1)

    def _program(self, hex_path: Path) -> None:
        action = f"program {hex_path.name}"
        erase = self._lowlevel.EraseAction
        external = touches_external(hex_path)
        self._device(action)
        if external:
            self._qspi_begin(action)
        try:
            self._call(
                action,
                "erase_file",
                str(hex_path),
                chip_erase_mode=erase.ERASE_SECTOR,
                qspi_erase_mode=erase.ERASE_SECTOR if external else erase.ERASE_NONE,
            )
            self._call(action, "program_file", str(hex_path))
            verify = self._lowlevel.VerifyAction.VERIFY_READ
            self._call(action, "verify_file", str(hex_path), verify)
        finally:
            if external:
                self._call(action, "qspi_uninit")

    def _erase(self, memory: Memory, address: int, length: int) -> None:
        action = f"erase {memory.value} flash 0x{address:x}+0x{length:x}"
        self._device(action)
        if memory is Memory.INTERNAL:
            for page in range(address, address + length, INTERNAL_PAGE):
                self._call(action, "erase_page", page)
            return
        sizes = self._lowlevel.QSPIEraseLen
        self._qspi_begin(action)
        try:
            offset, end = address, address + length
            while offset < end:
                if offset % SECTOR_64K == 0 and end - offset >= SECTOR_64K:
                    self._call(action, "qspi_erase", offset, sizes.ERASE64KB)
                    offset += SECTOR_64K
                else:
                    self._call(action, "qspi_erase", offset, sizes.ERASE4KB)
                    offset += EXTERNAL_SECTOR
        finally:
            self._call(action, "qspi_uninit")
            self._call(action, "go")  # QSPI setup halted the CPU

    def _reset(self, kind: ResetKind) -> None:
        if kind is ResetKind.PIN:
            self._call("pin reset", "pin_reset")
            self._device_connected = False  # pin_reset leaves the debugger detached
        else:
            self._device("system reset")
            self._call("system reset", "sys_reset")
            self._call("run after reset", "go")

    def _begin_read(self, memory: Memory) -> None:
        action = f"read {memory.value} flash"
        self._device(action)
        self._was_halted = bool(self._call(action, "is_halted"))
        if memory is Memory.EXTERNAL:
            self._qspi_begin(action)

    def _read_chunk(self, memory: Memory, address: int, length: int) -> bytes:
        action = f"read {memory.value} flash at 0x{address:x}"
        if memory is Memory.EXTERNAL:
            return bytes(self._call(action, "qspi_read", address, length))
        return bytes(self._call(action, "read", address, length))

    def _end_read(self, memory: Memory) -> None:
        action = f"finish reading {memory.value} flash"
        if memory is Memory.EXTERNAL:
            self._call(action, "qspi_uninit")
        if not self._was_halted:  # read() and QSPI setup halt the CPU; let the app go on
            self._call(action, "go")

    def _recover(self) -> None:
        cp = self._lowlevel.CoProcessor
        if self._device_connected:
            self._call("recover", "disconnect_from_device")
            self._device_connected = False
        for core in (cp.CP_NETWORK, cp.CP_APPLICATION):  # network first: it erases both
            self._call("recover", "select_coprocessor", core)
            self._call("recover", "recover")
        self._device("connect after recover")

    def _com_ports(self) -> list[ComPort]:
        if self.snr is None:
            return []
        ports = self._call("list COM ports", "enum_emu_com_ports", self.snr) or []
        return [ComPort(str(p.path), int(p.vcom)) for p in ports]

    def _close(self) -> None:
        api, self._api = self._api, None
        if api is None:
            return
        try:
            if self._device_connected:
                api.disconnect_from_device()
            api.disconnect_from_emu()
        except self._api_error as err:
            log.debug("pynrfjprog close: %s", err)
        finally:
            self._device_connected = False
            api.close()

