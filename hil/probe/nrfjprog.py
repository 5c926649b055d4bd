"""Probe backend on the ``nrfjprog`` command line (nRF Command Line Tools, archived)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from hil.probe.base import ComPort, Core, Memory, ProbeOptions, ResetKind, xip_address
from hil.probe.errors import ProbeError, from_nrfjprog_exit
from hil.probe.hexfile import touches_external
from hil.probe.memrd import MemrdError, parse_dump
from hil.probe.tool import CommandLineProbe, ToolResult, run_tool

MAX_READ = 0x100000  # one --memrd reads at most 1 MB
INSTALL_HINT = "install the nRF Command Line Tools, or use --backend pynrfjprog/nrfutil"
# `nrfjprog --com` line: serial number, port, VCOM index.
COM_LINE_RE = re.compile(r"^\s*(?P<snr>\d+)\s+(?P<path>\S+)\s+VCOM(?P<vcom>\d+)\s*$")
_CORES = {Core.APPLICATION: "CP_APPLICATION", Core.NETWORK: "CP_NETWORK"}


class NrfjprogProbe(CommandLineProbe):
    """Each operation is one ``nrfjprog -f NRF53 --coprocessor CP --snr N ...`` call."""

    backend = "nrfjprog"
    tool_name = "nrfjprog"
    install_hint = INSTALL_HINT

    def __init__(self, options: ProbeOptions | None = None) -> None:
        super().__init__(options)
        if self.options.chunk_size == ProbeOptions.chunk_size:  # default: one call per MB
            self.options = replace(self.options, chunk_size=MAX_READ)

    def _run(
        self, action: str, *args: str, target: bool = True, core: Core | None = None
    ) -> ToolResult:
        """``target``: add family, core and probe selection (not for --ids / --com)."""
        argv = [self.exe, *args]
        if target:
            argv += ["-f", "NRF53", "--coprocessor", _CORES[core or self._core]]
            argv += ["--clockspeed", str(self.options.jlink_speed_khz)]
        if self.snr is not None and (target or "--com" in args):
            argv += ["--snr", str(self.snr)]
        result = run_tool(argv, self.options.timeout)
        if result.returncode != 0:
            raise from_nrfjprog_exit(result.returncode, result.last_line(), action, self.snr)
        return result

    def _qspi_args(self) -> list[str]:
        """A QSPI settings file from the hardware map; its custom instructions (0xAB) run too."""
        if self.options.qspi_config is None:
            return []
        extra = ["--qspiini", str(self.options.qspi_config)]
        return [*extra, "--qspicustominit"] if self.options.qspi_wake else extra

    def _list_probes(self) -> list[int]:
        out = self._run("list probes", "--ids", target=False).stdout
        return [int(word) for word in out.split() if word.isdigit()]

    def _program(self, hex_path: Path) -> None:
        extra = ["--qspisectorerase", *self._qspi_args()] if touches_external(hex_path) else []
        self._run(
            f"program {hex_path.name}",
            "--program", str(hex_path), "--sectorerase", *extra, "--verify",
        )

    def _erase(self, memory: Memory, address: int, length: int) -> None:
        external = memory is Memory.EXTERNAL
        start = xip_address(address) if external else address
        self._run(
            f"erase {memory.value} flash 0x{address:x}+0x{length:x}",
            "--erasepage", f"0x{start:X}-0x{start + length:X}",  # end address not included
            *(self._qspi_args() if external else []),
        )

    def _reset(self, kind: ResetKind) -> None:
        self._run(f"{kind.value} reset", "--pinreset" if kind is ResetKind.PIN else "--reset")

    def _begin_read(self, memory: Memory) -> None:
        if memory is Memory.EXTERNAL:
            self._run("halt before reading external flash", "--halt")

    def _read_chunk(self, memory: Memory, address: int, length: int) -> bytes:
        if length > MAX_READ:
            raise ProbeError(f"nrfjprog reads at most 1 MB at a time, asked for {length}")
        external = memory is Memory.EXTERNAL
        start = xip_address(address) if external else address
        width = 32 if start % 4 == 0 and length % 4 == 0 else 8
        action = f"read {memory.value} flash at 0x{address:x}"
        out = self._run(
            action,
            "--memrd", f"0x{start:X}", "--n", str(length), "--w", str(width),
            *(self._qspi_args() if external else []),
        ).stdout
        try:
            return parse_dump(out, start, length)
        except MemrdError as err:
            raise ProbeError(f"{action}: {err}") from None

    def _end_read(self, memory: Memory) -> None:
        if memory is Memory.EXTERNAL:
            self._run("run after reading external flash", "--run")

    def _recover(self) -> None:
        for core in (Core.NETWORK, Core.APPLICATION):  # network first: it erases both cores
            self._run(f"recover ({core.value} core)", "--recover", core=core)

    def _com_ports(self) -> list[ComPort]:
        out = self._run("list COM ports", "--com", target=False).stdout
        ports = []
        for line in out.splitlines():
            match = COM_LINE_RE.match(line)
            if match and (self.snr is None or int(match["snr"]) == self.snr):
                ports.append(ComPort(match["path"], int(match["vcom"])))
        return ports
