"""``nrfjprog --memrd`` / ``nrfutil device read`` text dumps, through the probe's parser.

The line format (widths 8/16/32, little-endian units printed MSB-first, ASCII column,
progress text before an address after ``\\r``, gaps rejected) is implemented once, in
:mod:`hil.probe.memrd`; this module adds the dump's start address and the ASCII column check.
"""

from __future__ import annotations

import re

from hil.dumps.model import Dump, DumpFormat
from hil.errors import HilError
from hil.probe.memrd import WIDTHS, format_dump, parse_dump, parse_line, parse_regular

MAX_MESSAGE = 160
_LINE_SPLIT = re.compile(r"[\r\n]")
_ASCII_COLUMN = re.compile(r"   \|(.{1,16})\|\s*$")
_PRINTABLE = bytes(b if 0x20 <= b < 0x7F else 0x2E for b in range(256))


def _printable(data: bytes) -> str:
    return "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in data)


def _check_line(raw: str, address: int, data: bytes) -> None:
    """The ASCII column, when present, must show the line's bytes."""
    match = _ASCII_COLUMN.search(raw)
    if match and len(match.group(1)) == len(data) and match.group(1) != _printable(data):
        raise HilError(
            f"memrd line 0x{address:08X}: the ASCII column |{match.group(1)}| does not match "
            "the hex units (edited or mixed-up output?)"
        )


def _short(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def read_memrd(text: str, source: str = "<dump>") -> Dump:
    """The bytes and start address of a memrd text dump."""
    regular = parse_regular(text)  # the usual case, in one pass
    if regular is not None and regular[2] == regular[1].translate(_PRINTABLE).decode("ascii"):
        return Dump(regular[1], regular[0], DumpFormat.MEMRD)
    try:
        start: int | None = None
        for raw in _LINE_SPLIT.split(text):
            parsed = parse_line(raw)
            if parsed is None:
                continue
            if start is None:
                start = parsed[0]
            _check_line(raw, *parsed)
        data = parse_dump(text)
    except HilError as err:
        raise HilError(_short(f"{source}: {err}")) from None
    return Dump(data, start, DumpFormat.MEMRD)


def write_memrd(dump: Dump, width: int = 32, address: int | None = None) -> str:
    """The text nrfjprog prints for ``--memrd ADDRESS --n LEN --w WIDTH``."""
    if width not in WIDTHS:
        raise HilError(f"memrd width must be 8, 16 or 32, not {width}")
    if not dump.data:
        raise HilError("cannot write an empty dump as memrd text")
    start = address if address is not None else (dump.address or 0)
    if start < 0 or start + len(dump.data) > 1 << 32:
        raise HilError(f"0x{len(dump.data):x} B at 0x{start:x} do not fit 32-bit addresses")
    return format_dump(start, dump.data, width)
