"""Proposed drop-ins: ``format_dump``/``parse_dump`` (``hil/probe/memrd.py``), ``read_memrd``
(``hil/dumps/memrd.py``).

Whole-buffer work in C (``bytes.hex``, ``bytes.fromhex``, ``array.byteswap``, one regex pass)
instead of per-unit Python; ``parse_dump`` falls back to the existing line-by-line parser for
anything irregular (partial lines, no ASCII column, a token in the ASCII column...), so its
results and error messages are unchanged.
"""

from __future__ import annotations

import re
from array import array

from hil.dumps.memrd import read_memrd as read_memrd_by_line
from hil.dumps.model import Dump, DumpFormat
from hil.probe.memrd import BYTES_PER_LINE, WIDTHS, MemrdError
from hil.probe.memrd import parse_dump as parse_dump_by_line

_PRINTABLE = bytes(b if 0x20 <= b < 0x7F else 0x2E for b in range(256))
_ARRAY_CODE = {array(code).itemsize: code for code in "HIL"}
_ADDRESS_RE = re.compile(r"0x[0-9A-Fa-f]{8}: ")
_LINE_RE = {
    step: re.compile(
        rf"0x([0-9A-Fa-f]{{8}}): ((?:[0-9A-Fa-f]{{{2 * step}}} ){{{16 // step - 1}}}"
        rf"[0-9A-Fa-f]{{{2 * step}}})   \|([^\r\n]{{16}})\|[ \t\f\v]*(?=[\r\n]|\Z)"
    )
    for step in (1, 2, 4)
}


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


def parse_regular(text: str) -> tuple[int, bytes, str] | None:
    """(start, bytes, ASCII columns joined) of a dump of full, contiguous, one-width lines
    ending at their ASCII column; None for anything else (the caller parses line by line)."""
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
    return parse_dump_by_line(text, address, length)  # irregular: exact checks and messages


def read_memrd(text: str, source: str = "<dump>") -> Dump:
    """Proposed ``hil.dumps.memrd.read_memrd``: the regular case in one pass."""
    regular = parse_regular(text)
    if regular is not None:
        start, data, columns = regular
        if columns == data.translate(_PRINTABLE).decode("ascii"):
            return Dump(data, start, DumpFormat.MEMRD)
    return read_memrd_by_line(text, source)  # irregular or a bad ASCII column: exact message
