"""Intel HEX dumps (``nrfjprog --readcode``): one contiguous range of data records."""

from __future__ import annotations

import io

from intelhex import IntelHex, IntelHexError

from hil.dumps.model import Dump, DumpFormat
from hil.errors import HilError

MAX_MESSAGE = 120


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def _check_nothing_after_eof(text: str, source: str) -> None:
    """Records after the end-of-file record would be silently ignored: refuse them."""
    lines = [line.strip() for line in text.splitlines()]
    for index, line in enumerate(lines):
        if line.upper().startswith(":00000001"):
            if any(lines[index + 1 :]):
                raise HilError(
                    f"{source}: data after the Intel HEX end-of-file record (line {index + 1}); "
                    "are two files concatenated?"
                )
            return


def read_hex(text: str, source: str = "<dump>") -> Dump:
    """The data of an Intel HEX file; a gap between records is an error (missing data)."""
    ihex = IntelHex()
    try:
        ihex.loadhex(io.StringIO(text))
    except (IntelHexError, ValueError, TypeError, IndexError, KeyError) as err:
        raise HilError(f"{source} is not valid Intel HEX: {_short(str(err))}") from None
    _check_nothing_after_eof(text, source)
    segments = ihex.segments()
    if not segments:
        raise HilError(f"{source}: the Intel HEX file holds no data records")
    if len(segments) > 1:
        (_, first_end), (second_start, _) = segments[0], segments[1]
        raise HilError(
            f"{source}: gap in the Intel HEX data: 0x{first_end:08X}-0x{second_start - 1:08X} "
            f"is missing ({len(segments)} separate ranges); dump one contiguous range"
        )
    start, end = segments[0]
    return Dump(bytes(ihex.tobinarray(start=start, size=end - start)), start, DumpFormat.HEX)


def write_hex(dump: Dump, address: int | None = None) -> str:
    """Intel HEX text for the dump at ``address`` (default: the dump's own, else 0)."""
    if not dump.data:
        raise HilError("cannot write an empty dump as Intel HEX")
    start = address if address is not None else (dump.address or 0)
    if start < 0 or start + len(dump.data) > 1 << 32:
        raise HilError(f"0x{len(dump.data):x} B at 0x{start:x} do not fit 32-bit addresses")
    ihex = IntelHex()
    ihex.frombytes(dump.data, offset=start)
    out = io.StringIO()
    ihex.write_hex_file(out, write_start_addr=False, byte_count=16)
    return out.getvalue()
