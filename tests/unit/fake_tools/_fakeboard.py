"""State shared by the fake nrfjprog and nrfutil: a DK whose memories are FlashDevices.

``FAKE_PROBE_DIR`` holds ``state.json`` (probes, protection, J-Link software present, the
calls made) and ``internal.bin`` / ``external.bin`` (the memory, loaded into FlashDevices).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from hil.sim.flash import FlashDevice, mx25r64_flash, nrf5340_internal_flash

XIP = 0x10000000
PAGE = 0x1000

DEFAULT_STATE: dict[str, Any] = {
    "snrs": [1050012345],
    "jlink_installed": True,
    "protected": False,
    "halted": False,
    "resets": [],
    "calls": [],
    "ports": [["/dev/ttyACM0", 0], ["/dev/ttyACM1", 1]],
}


class Board:
    def __init__(self) -> None:
        self.dir = Path(os.environ["FAKE_PROBE_DIR"])
        path = self.dir / "state.json"
        self.state = {**DEFAULT_STATE, **(json.loads(path.read_text()) if path.exists() else {})}
        self.internal = self._load(nrf5340_internal_flash(), "internal.bin")
        self.external = self._load(mx25r64_flash(), "external.bin")
        self.state["calls"].append(sys.argv[1:])

    def _load(self, device: FlashDevice, name: str) -> FlashDevice:
        path = self.dir / name
        if path.exists():
            device.load(0, path.read_bytes())
        return device

    def save(self) -> None:
        (self.dir / "state.json").write_text(json.dumps(self.state))
        (self.dir / "internal.bin").write_bytes(self.internal.read(0, self.internal.size))
        (self.dir / "external.bin").write_bytes(self.external.read(0, self.external.size))

    def device_at(self, address: int) -> tuple[FlashDevice, int]:
        """The device and offset for an app-core address (XIP window -> external flash)."""
        return (self.external, address - XIP) if address >= XIP else (self.internal, address)

    def erase_range(self, start: int, end: int) -> None:
        device, offset = self.device_at(start)
        first = offset - offset % PAGE
        last = offset + (end - start)
        last += -last % PAGE
        device.erase(first, last - first)

    def program(self, chunks: dict[int, bytes], erase: set[str]) -> None:
        for address, data in chunks.items():
            kind = "external" if address >= XIP else "internal"
            if kind in erase:
                self.erase_range(address, address + len(data))
        for address, data in chunks.items():
            device, offset = self.device_at(address)
            pad_lo, end = offset % 4, offset + len(data)
            pad_hi = -end % 4
            device.write(offset - pad_lo, b"\xff" * pad_lo + data + b"\xff" * pad_hi)

    def matches(self, chunks: dict[int, bytes]) -> bool:
        for address, data in chunks.items():
            device, offset = self.device_at(address)
            if device.read(offset, len(data)) != data:
                return False
        return True


def read_hex(path: str) -> dict[int, bytes]:
    """Contiguous runs of an Intel HEX file (types 00, 01, 02, 04)."""
    memory: dict[int, int] = {}
    base = 0
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line.startswith(":"):
            continue
        raw = bytes.fromhex(line[1:])
        count, address, kind, data = raw[0], int.from_bytes(raw[1:3], "big"), raw[3], raw[4:-1]
        assert len(data) == count and sum(raw) & 0xFF == 0, "bad hex record"
        if kind == 0:
            for i, byte in enumerate(data):
                memory[base + address + i] = byte
        elif kind == 2:
            base = int.from_bytes(data, "big") << 4
        elif kind == 4:
            base = int.from_bytes(data, "big") << 16
        elif kind == 1:
            break
    runs: dict[int, bytes] = {}
    start = None
    for address in sorted(memory):
        if start is None or address != start + len(runs[start]):
            start = address
            runs[start] = b""
        runs[start] += bytes([memory[address]])
    return runs


def write_hex(path: str, address: int, data: bytes) -> None:
    lines = []
    upper = None
    for i in range(0, len(data), 16):
        at = address + i
        if at >> 16 != upper:
            upper = at >> 16
            rec = bytes([2, 0, 0, 4]) + upper.to_bytes(2, "big")
            lines.append(":" + (rec + bytes([-sum(rec) & 0xFF])).hex().upper())
        chunk = data[i : i + 16]
        rec = bytes([len(chunk)]) + (at & 0xFFFF).to_bytes(2, "big") + b"\x00" + chunk
        lines.append(":" + (rec + bytes([-sum(rec) & 0xFF])).hex().upper())
    lines.append(":00000001FF")
    Path(path).write_text("\n".join(lines) + "\n")
