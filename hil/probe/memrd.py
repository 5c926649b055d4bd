"""The ``nrfjprog --memrd`` / ``nrfutil device read`` text dump: write it and read it back.

A line is ``0x%08X: `` then 16 bytes as units of 1, 2 or 4 bytes (each the little-endian value
printed MSB-first), three spaces and the 16 bytes as ASCII between ``|``. Progress text may
precede a line after ``\\r``, so the address token is searched anywhere in a line.
"""

from __future__ import annotations

import re
from array import array

from hil.errors import HilError

BYTES_PER_LINE = 16
WIDTHS = (8, 16, 32)
_ADDRESS_RE = re.compile(r"0x([0-9A-Fa-f]{8}): ")
_UNIT_RE = re.compile(r"[0-9A-Fa-f]+")
_PRINTABLE = bytes(b if 0x20 <= b < 0x7F else 0x2E for b in range(256))
_ARRAY_CODE = {array(code).itemsize: code for code in "HIL"}
# A full line of one width, ending at its ASCII column: what nrfjprog prints for whole lines.
_LINE_RE = {
    step: re.compile(
        rf"0x([0-9A-Fa-f]{{8}}): ((?:[0-9A-Fa-f]{{{2 * step}}} ){{{16 // step - 1}}}"
        rf"[0-9A-Fa-f]{{{2 * step}}})   \|([^\r\n]{{16}})\|[ \t\f\v]*(?=[\r\n]|\Z)"
    )
    for step in (1, 2, 4)
}


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


def _swap(data: bytes, step: int) -> bytes:
    """Each ``step``-byte unit reversed: little-endian memory <-> MSB-first printed value."""
    if step == 1:
        return data
    units = array(_ARRAY_CODE[step], data)
    units.byteswap()  # reverses the bytes of every item, whatever the host's byte order
    return units.tobytes()


def format_dump(address: int, data: bytes, width: int = 32) -> str:
    """The text nrfjprog prints for ``--memrd address --n len(data) --w width``."""
    if width not in WIDTHS:
        raise MemrdError(f"--memrd width must be 8, 16 or 32, not {width}")
    step = width // 8
    if address % step or len(data) % step:
        raise MemrdError(f"address and length must be aligned to the {width}-bit width")
    hexed = _swap(data, step).hex(" ", step).upper()
    text = data.translate(_PRINTABLE).decode("ascii")
    span = 2 * BYTES_PER_LINE + BYTES_PER_LINE // step - 1  # hex digits and spaces per line
    lines = [
        f"0x{address + pos:08X}: {hexed[at : at + span]}   |{text[pos : pos + BYTES_PER_LINE]}|"
        for pos, at in zip(
            range(0, len(data), BYTES_PER_LINE), range(0, len(hexed), span + 1), strict=True
        )
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


def parse_regular(text: str) -> tuple[int, bytes, str] | None:
    """(start, bytes, ASCII columns joined) of a dump of full, contiguous, one-width lines
    ending at their ASCII column, in one pass; None for anything else."""
    first = _ADDRESS_RE.search(text)
    if first is None:
        return None
    digits = len(text[first.end() : first.end() + 9].split(" ", 1)[0])
    pattern = _LINE_RE.get(digits // 2) if digits in (2, 4, 8) else None
    lines = pattern.findall(text) if pattern else []
    if not lines or len(lines) != len(_ADDRESS_RE.findall(text)):
        return None
    start = int(lines[0][0], 16)
    if [int(line[0], 16) for line in lines] != list(
        range(start, start + BYTES_PER_LINE * len(lines), BYTES_PER_LINE)
    ):
        return None
    data = _swap(bytes.fromhex(" ".join(line[1] for line in lines)), digits // 2)
    return start, data, "".join(line[2] for line in lines)


def parse_dump(text: str, address: int | None = None, length: int | None = None) -> bytes:
    """The bytes of a dump; the lines must be contiguous (and cover the range when given)."""
    regular = parse_regular(text)
    if regular is not None:
        start, data, _ = regular
        if (address is None or start == address) and (length is None or len(data) == length):
            return data
    return _parse_by_line(text, address, length)  # irregular: exact checks and messages


def _parse_by_line(text: str, address: int | None, length: int | None) -> bytes:
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
