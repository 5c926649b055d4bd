"""Put the fake nrfjprog / nrfutil first on PATH, backed by a board state directory."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from hil.sim.flash import FlashDevice, mx25r64_flash, nrf5340_internal_flash

TOOLS = Path(__file__).resolve().parent
REPO = TOOLS.parents[2]


class FakeBench:
    """The state directory the fake tools read and write."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory

    def state(self) -> dict[str, Any]:
        path = self.dir / "state.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def set(self, **values: Any) -> None:
        (self.dir / "state.json").write_text(json.dumps({**self.state(), **values}))

    def _device(self, device: FlashDevice, name: str) -> FlashDevice:
        path = self.dir / name
        if path.exists():
            device.load(0, path.read_bytes())
        return device

    def internal(self) -> FlashDevice:
        return self._device(nrf5340_internal_flash(), "internal.bin")

    def external(self) -> FlashDevice:
        return self._device(mx25r64_flash(), "external.bin")

    def store(self, internal: FlashDevice | None = None, external: FlashDevice | None = None):
        if internal is not None:
            (self.dir / "internal.bin").write_bytes(internal.read(0, internal.size))
        if external is not None:
            (self.dir / "external.bin").write_bytes(external.read(0, external.size))

    def calls(self) -> list[list[str]]:
        return self.state().get("calls", [])


def install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeBench:
    for tool in ("nrfjprog", "nrfutil"):
        (TOOLS / tool).chmod(0o755)
    directory = tmp_path / "fake-board"
    directory.mkdir()
    python_bin = str(Path(sys.executable).parent)  # `env python3` finds the venv's python
    monkeypatch.setenv("PATH", os.pathsep.join([str(TOOLS), python_bin, os.environ["PATH"]]))
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.setenv("FAKE_PROBE_DIR", str(directory))
    return FakeBench(directory)
