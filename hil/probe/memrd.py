"""The ``nrfjprog --memrd`` / ``nrfutil device read`` text dump: write it and read it back.

A line is ``0x%08X: `` then 16 bytes as units of 1, 2 or 4 bytes (each the little-endian value
printed MSB-first), three spaces and the 16 bytes as ASCII between ``|``. Progress text may
precede a line after ``\\r``, so the address token is searched anywhere in a line.
"""

from __future__ import annotations

import re

from hil.errors import HilError

BYTES_PER_LINE = 16
WIDTHS = (8, 16, 32)
_ADDRESS_RE = re.compile(r"0x([0-9A-Fa-f]{8}): ")
_UNIT_RE = re.compile(r"[0-9A-Fa-f]+")


class MemrdError(HilError):
    """The dump text is not what nrfjprog prints, or it has gaps."""


def _ascii(data: bytes) -> str:
    return "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in data)


def format_line(address: int, data: bytes, width: int = 32) -> str:
    if width not in WIDTHS:
        raise MemrdError(f"--memrd width must be 8, 16 or 32, not {width}")
    step = width // 8
    units = [
        f"{int.from_bytes(data[i : i + step], 'little'):0{2 * step}X}"
        for i in range(0, len(data), step)
    ]
    return f"0x{address:08X}: {' '.join(units)}   |{_ascii(data)}|"


def format_dump(address: int, data: bytes, width: int = 32) -> str:
    """The text nrfjprog prints for ``--memrd address --n len(data) --w width``."""
    step = width // 8
    if address % step or len(data) % step:
        raise MemrdError(f"address and length must be aligned to the {width}-bit width")
    lines = [
        format_line(address + i, data[i : i + BYTES_PER_LINE], width)
        for i in range(0, len(data), BYTES_PER_LINE)
    ]
    return "\n".join(lines) + ("\n" if lines else "")


def parse_line(line: str) -> tuple[int, bytes] | None:
    """``(address, bytes)`` of one dump line, or None for a line without an address token."""
    match = _ADDRESS_RE.search(line)
    if not match:
        return None
    rest = line[match.end() :]
    units_text = rest.split("   |", 1)[0] if "   |" in rest else rest
    units = units_text.split()
    if not units or any(not _UNIT_RE.fullmatch(unit) for unit in units):
        raise MemrdError(f"not a memory dump line: {line.strip()!r}")
    digits = len(units[0])
    if digits not in (2, 4, 8) or any(len(unit) != digits for unit in units):
        raise MemrdError(f"mixed or unknown unit widths in dump line: {line.strip()!r}")
    data = b"".join(int(unit, 16).to_bytes(digits // 2, "little") for unit in units)
    if len(data) > BYTES_PER_LINE:
        raise MemrdError(f"more than 16 bytes in dump line: {line.strip()!r}")
    return int(match.group(1), 16), data


def parse_dump(text: str, address: int | None = None, length: int | None = None) -> bytes:
    """The bytes of a dump; the lines must be contiguous (and cover the range when given)."""
    data = bytearray()
    start: int | None = None
    for raw in re.split(r"[\r\n]", text):
        parsed = parse_line(raw)
        if parsed is None:
            continue
        line_address, chunk = parsed
        if start is None:
            start = line_address
        expected = start + len(data)
        if line_address != expected:
            raise MemrdError(
                f"gap in the memory dump: expected a line at 0x{expected:08X}, "
                f"got 0x{line_address:08X}"
            )
        data += chunk
    if start is None:
        raise MemrdError("no memory dump lines in the tool's output")
    if address is not None and start != address:
        raise MemrdError(f"memory dump starts at 0x{start:08X}, expected 0x{address:08X}")
    if length is not None and len(data) != length:
        raise MemrdError(f"memory dump has {len(data)} bytes, expected {length}")
    return bytes(data)
