"""Probe backend on ``nrfutil device`` (nRF Util 7+) with ``--json`` NDJSON output."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from intelhex import IntelHex

from hil.probe.base import ComPort, Core, Memory, ResetKind, xip_address
from hil.probe.errors import ProbeError, from_nrfutil_error
from hil.probe.hexfile import touches_external
from hil.probe.tool import CommandLineProbe, run_tool

INSTALL_HINT = (
    "install nRF Util from nordicsemi.com and run 'nrfutil install device', "
    "or use --backend pynrfjprog/nrfjprog"
)
_CORES = {Core.APPLICATION: "Application", Core.NETWORK: "Network"}
TOUCHED = "ERASE_RANGES_TOUCHED_BY_FIRMWARE"
_RESETS = {ResetKind.PIN: "RESET_PIN", ResetKind.SYSTEM: "RESET_SYSTEM"}


def parse_ndjson(text: str) -> list[dict[str, Any]]:
    """The JSON objects of an NDJSON stream; other lines (banners, progress) are skipped."""
    events = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


def find_error(events: list[dict[str, Any]]) -> tuple[int | None, str] | None:
    """``(code, text)`` of the first error an event reports (task_end or batch_end)."""
    for event in events:
        data = event.get("data") or {}
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict):
            code = error.get("code")
            text = str(error.get("description") or error.get("message") or "")
            return (code if isinstance(code, int) else None), text
        if isinstance(data, dict) and data.get("result") == "fail":
            return None, str(data.get("message") or "")
    return None


def task_results(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``data.data`` of every task_end event: where nrfutil puts a command's answer."""
    out = []
    for event in events:
        data = event.get("data")
        if event.get("type") == "task_end" and isinstance(data, dict):
            inner = data.get("data")
            if isinstance(inner, dict):
                out.append(inner)
    return out


def memory_from_json(events: list[dict[str, Any]], address: int, length: int) -> bytes:
    """Bytes from ``task_end.data.data.memoryData[] = {startAddress, values}`` (8-bit reads)."""
    blocks = [
        block
        for result in task_results(events)
        for block in result.get("memoryData") or []
        if isinstance(block, dict)
    ]
    data = bytearray()
    for block in sorted(blocks, key=lambda b: int(b.get("startAddress", 0))):
        if int(block.get("startAddress", -1)) != address + len(data):
            raise ProbeError(f"nrfutil read at 0x{address:x}: memory data has a gap; retry")
        data += bytes(int(v) & 0xFF for v in block.get("values") or [])
    if len(data) != length:
        raise ProbeError(f"nrfutil read at 0x{address:x}: got {len(data)} of {length} bytes")
    return bytes(data)


def memory_from_hex(path: Path, address: int, length: int) -> bytes:
    """The range from an Intel HEX file written by ``device read --to-file``; no gaps allowed."""
    image = IntelHex(str(path))
    covered = sum(
        max(0, min(end, address + length) - max(start, address))
        for start, end in image.segments()
    )
    if covered != length:
        raise ProbeError(
            f"nrfutil read at 0x{address:x}: the hex covers {covered} of {length} bytes; retry"
        )
    return image.tobinstr(start=address, size=length)


class NrfutilProbe(CommandLineProbe):
    """Each operation is one ``nrfutil --json device ... --serial-number N`` call."""

    backend = "nrfutil"
    tool_name = "nrfutil"
    install_hint = INSTALL_HINT

    def _run(
        self, action: str, command: str, *args: str, external: bool = False, probe: bool = True
    ) -> list[dict[str, Any]]:
        argv = [self.exe, "--json", "device"]
        if external and self.options.ext_mem_config is not None:
            argv += ["--x-ext-mem-config-file", str(self.options.ext_mem_config)]
        argv += [command, *args]
        if probe and self.snr is not None:
            argv += ["--serial-number", str(self.snr)]
        result = run_tool(argv, self.options.timeout)
        events = parse_ndjson(result.stdout)
        error = find_error(events)
        if result.returncode != 0 or error is not None:
            code, text = error or (None, result.last_line())
            raise from_nrfutil_error(code, text or result.last_line(), action, self.snr)
        return events

    def _devices(self) -> list[dict[str, Any]]:
        events = self._run("list probes", "list", probe=False)
        return [
            device
            for result in task_results(events)
            for device in result.get("devices") or []
            if isinstance(device, dict)
        ]

    def _list_probes(self) -> list[int]:
        found = []
        for device in self._devices():
            serial = str(device.get("serialNumber", ""))
            traits = device.get("traits") or {}
            if serial.isdigit() and traits.get("jlink", True):
                found.append(int(serial))
        return found

    def _program(self, hex_path: Path) -> None:
        external = touches_external(hex_path)
        options = [f"chip_erase_mode={TOUCHED}", "verify=VERIFY_READ", "reset=RESET_NONE"]
        if external:
            options.append(f"ext_mem_erase_mode={TOUCHED}")
        self._run(
            f"program {hex_path.name}",
            "program", "--firmware", str(hex_path), "--core", _CORES[self._core],
            "--options", ",".join(options),
            external=external,
        )

    def _erase(self, memory: Memory, address: int, length: int) -> None:
        external = memory is Memory.EXTERNAL
        start = xip_address(address) if external else address
        self._run(
            f"erase {memory.value} flash 0x{address:x}+0x{length:x}",
            "erase", "--pages", f"0x{start:X}-0x{start + length:X}", "--core", _CORES[self._core],
            external=external,
        )

    def _reset(self, kind: ResetKind) -> None:
        self._run(f"{kind.value} reset", "reset", "--reset-kind", _RESETS[kind])

    def _begin_read(self, memory: Memory) -> None:
        if memory is Memory.EXTERNAL:
            self._run("halt before reading external flash", "halt")

    def _read_chunk(self, memory: Memory, address: int, length: int) -> bytes:
        external = memory is Memory.EXTERNAL
        start = xip_address(address) if external else address
        action = f"read {memory.value} flash at 0x{address:x}"
        args = ["--address", f"0x{start:X}", "--bytes", str(length), "--core", _CORES[self._core]]
        if self.options.nrfutil_read == "json":
            events = self._run(action, "read", *args, "--width", "8", external=external)
            return memory_from_json(events, start, length)
        with tempfile.TemporaryDirectory(prefix="hil-nrfutil-") as tmp:
            out = Path(tmp) / "read.hex"
            self._run(action, "read", *args, "--to-file", str(out), external=external)
            if not out.is_file():
                raise ProbeError(f"{action}: nrfutil wrote no file; retry")
            return memory_from_hex(out, start, length)

    def _end_read(self, memory: Memory) -> None:
        if memory is Memory.EXTERNAL:
            self._run("run after reading external flash", "go")

    def _recover(self) -> None:
        for core in (Core.NETWORK, Core.APPLICATION):  # network first: it erases both cores
            self._run(f"recover ({core.value} core)", "recover", "--core", _CORES[core])

    def _com_ports(self) -> list[ComPort]:
        ports = []
        for device in self._devices():
            if self.snr is not None and str(device.get("serialNumber", "")).lstrip("0") != str(
                self.snr
            ):
                continue
            for port in device.get("serialPorts") or []:
                path = port.get("comName") or port.get("path")
                if path and isinstance(port.get("vcom"), int):
                    ports.append(ComPort(str(path), port["vcom"]))
        return ports
