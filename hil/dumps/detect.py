"""Which format a dump file is in, from its content first and its name second."""

from __future__ import annotations

import re
from pathlib import PurePath

from hil.dumps.model import DumpFormat
from hil.errors import HilError

SNIFF_BYTES = 4096
_HEX_RECORD = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*:[0-9A-Fa-f]{2}")
_MEMRD_TOKEN = re.compile(rb"0x[0-9A-Fa-f]{8}: [0-9A-Fa-f]{2}")
_TEXT_BYTES = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}
TEXT_SUFFIXES = {
    ".hex": DumpFormat.HEX,
    ".ihex": DumpFormat.HEX,
    ".ihx": DumpFormat.HEX,
    ".txt": DumpFormat.MEMRD,
    ".memrd": DumpFormat.MEMRD,
    ".log": DumpFormat.MEMRD,
}


def looks_like_text(data: bytes) -> bool:
    """True when the first bytes are printable ASCII and line breaks only."""
    head = data[:SNIFF_BYTES]
    return bool(head) and all(byte in _TEXT_BYTES for byte in head)


def detect_format(data: bytes, name: str | None = None) -> DumpFormat:
    """The dump format of ``data``; ``name`` (a file name) only breaks ties.

    Intel HEX starts with a ``:`` record; memrd text holds ``0xXXXXXXXX: `` address tokens;
    anything else is raw binary, except text, which no raw slot dump is.
    """
    source = name or "<dump>"
    if not data:
        raise HilError(f"{source} is empty")
    if _HEX_RECORD.match(data[:SNIFF_BYTES]):
        return DumpFormat.HEX
    if b"\x00" not in data[:SNIFF_BYTES] and _MEMRD_TOKEN.search(data[: 16 * SNIFF_BYTES]):
        return DumpFormat.MEMRD
    suffix = PurePath(name).suffix.lower() if name else ""
    if suffix in TEXT_SUFFIXES:
        expected = TEXT_SUFFIXES[suffix]
        raise HilError(
            f"{source} is named like {expected.value} text but holds no "
            f"{'Intel HEX records' if expected is DumpFormat.HEX else 'memrd lines'}"
        )
    if looks_like_text(data):
        raise HilError(
            f"{source} is text but neither Intel HEX nor nrfjprog --memrd output "
            "(pass --format bin to read it as raw bytes)"
        )
    return DumpFormat.BIN
