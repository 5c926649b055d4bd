"""What a firmware hex file covers, to decide whether programming touches the QSPI flash."""

from __future__ import annotations

from pathlib import Path

from intelhex import HexRecordError, IntelHex

from hil.probe.base import XIP_BASE
from hil.probe.errors import ProbeError

XIP_END = 0x20000000


def segments(path: Path) -> list[tuple[int, int]]:
    """``[(start, end), ...]`` of the data in an Intel HEX file (end exclusive)."""
    try:
        return list(IntelHex(str(path)).segments())
    except (HexRecordError, ValueError, OSError) as err:
        raise ProbeError(f"cannot read hex file {path}: {err}; rebuild it") from None


def touches_external(path: Path) -> bool:
    """True when the hex has data in the app core's QSPI XIP window."""
    return any(start < XIP_END and end > XIP_BASE for start, end in segments(path))
