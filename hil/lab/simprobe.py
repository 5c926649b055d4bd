"""A probe on a simulated DK: the same ``Probe`` protocol a J-Link backend implements.

Programming follows the real tools: only the 4 KiB sectors a hex file touches are erased, then
its data is written; a recover erases all internal flash. Every call holds the board lock, so
probe access and shell commands arriving on the UART never interleave.
"""

from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path

from intelhex import HexRecordError, IntelHex

from hil.probe import Core, Memory, Probe, ProbeError, ProbeOptions, ResetKind
from hil.probe.base import XIP_BASE
from hil.probe.hexfile import XIP_END
from hil.sim.device import SimNrf5340
from hil.sim.flash import FlashDevice, FlashError

_parsed: dict[bytes, list[tuple[int, bytes]]] = {}


def _hex_segments(hex_path: Path) -> list[tuple[int, bytes]]:
    """The hex file's segments as ``(address, data)``; the same content is parsed once."""
    try:
        text = hex_path.read_bytes()
        digest = hashlib.sha256(text).digest()
        if digest not in _parsed:
            image = IntelHex(io.StringIO(text.decode("ascii")))
            segments = [(start, image.tobinstr(start=start, end=end - 1))
                        for start, end in image.segments()]
            _parsed.clear()  # one build at a time: keep only the latest
            _parsed[digest] = segments
        return _parsed[digest]
    except (HexRecordError, ValueError, OSError) as err:
        raise ProbeError(f"cannot read hex file {hex_path}: {err}; rebuild it") from None


class SimBoardProbe(Probe):
    """Drives a ``SimNrf5340`` in this process as a J-Link would drive the DK."""

    backend = "sim"

    def __init__(
        self, board: SimNrf5340, snr: int, lock: threading.Lock, options: ProbeOptions | None = None
    ) -> None:
        super().__init__(options)
        self.board = board
        self.sim_snr = snr
        self.lock = lock

    def _device(self, memory: Memory) -> FlashDevice:
        return self.board.external if memory is Memory.EXTERNAL else self.board.internal

    def _list_probes(self) -> list[int]:
        return [self.sim_snr]

    def _connect(self, snr: int) -> None:
        if snr != self.sim_snr:
            raise ProbeError(f"this simulated DK has J-Link serial {self.sim_snr}, not {snr}")

    def _select_core(self, core: Core) -> None:
        pass

    def _program(self, hex_path: Path) -> None:
        segments = _hex_segments(hex_path)
        with self.lock:
            for start, data in segments:
                if XIP_BASE <= start < XIP_END:
                    self._write(self.board.external, start - XIP_BASE, data)
                else:
                    self._write(self.board.internal, start, data)

    @staticmethod
    def _write(device: FlashDevice, offset: int, data: bytes) -> None:
        page = device.page_size
        first = offset - offset % page
        last = -(-(offset + len(data)) // page) * page
        try:
            device.erase(first, last - first)
            device.load(offset, data)
        except FlashError as err:
            raise ProbeError(f"program: {err}") from None

    def _erase(self, memory: Memory, address: int, length: int) -> None:
        with self.lock:
            try:
                self._device(memory).erase(address, length)
            except FlashError as err:
                raise ProbeError(f"erase: {err}") from None

    def _reset(self, kind: ResetKind) -> None:
        with self.lock:
            self.board.reset()

    def _begin_read(self, memory: Memory) -> None:
        pass

    def _read_chunk(self, memory: Memory, address: int, length: int) -> bytes:
        with self.lock:
            try:
                return self._device(memory).read(address, length)
            except FlashError as err:
                raise ProbeError(f"read: {err}") from None

    def _end_read(self, memory: Memory) -> None:
        pass

    def _recover(self) -> None:
        with self.lock:
            self.board.app = None
            self.board.internal.erase(0, self.board.internal.size)
