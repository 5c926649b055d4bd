"""Slot dumps: raw .bin, Intel HEX and ``nrfjprog --memrd`` text, read and written.

``load_dump(path)`` recognises the format and ``locate_slot(dump, layout)`` finds the slot in
it; every reader rejects garbage with a one-line :class:`~hil.errors.HilError`.
"""

from hil.dumps.detect import detect_format
from hil.dumps.files import (
    AUTO,
    FORMAT_CHOICES,
    format_for_path,
    load_dump,
    parse_dump,
    render_dump,
    save_dump,
)
from hil.dumps.locate import SlotArea, SlotRead, UnreadBytes, locate_slot
from hil.dumps.model import Dump, DumpFormat

__all__ = [
    "AUTO",
    "FORMAT_CHOICES",
    "Dump",
    "DumpFormat",
    "SlotArea",
    "SlotRead",
    "UnreadBytes",
    "detect_format",
    "format_for_path",
    "load_dump",
    "locate_slot",
    "parse_dump",
    "render_dump",
    "save_dump",
]
