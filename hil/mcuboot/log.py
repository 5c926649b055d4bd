"""MCUboot's console lines: minimal log mode (``I: ``), the NCS default, and the full form.

In minimal mode Zephyr prints ``"%c: " fmt "\\n"``; with the full log backend the same message
reads ``[00:00:00.286,499] <inf> mcuboot: ...``. Message texts are MCUboot's format strings
(sdk-mcuboot v2.0.99-ncs1: ``boot/zephyr/main.c``, ``loader.c``, ``swap_move.c``,
``bootutil_public.c``).
"""

from __future__ import annotations

import re
from enum import StrEnum


class Level(StrEnum):
    ERR = "E"
    WRN = "W"
    INF = "I"
    DBG = "D"

    @property
    def tag(self) -> str:
        """The level as the full log form prints it: ``err``, ``wrn``, ``inf``, ``dbg``."""
        return {"E": "err", "W": "wrn", "I": "inf", "D": "dbg"}[self.value]


STARTING = "Starting bootloader"
SLOT_STATE = "{area}: {state}"
BOOT_SOURCE = "Boot source: {source}"
SWAP_TYPE = "Image index: {index}, Swap type: {swap_type}"
SLOT_NOT_VALID = "Image in the {slot} slot is not valid!"
SWAP_MOVE_START = "Starting swap using move algorithm."
NOT_ENOUGH_SPACE = "Not enough free space to run swap upgrade"
REQUIRED_BYTES = "required {required} bytes but only {available} are available"
FAILED_SECTORS = "Failed reading sectors; BOOT_MAX_IMG_SECTORS={max_sectors} - too small?"
FAILED_HEADERS = "Failed reading image headers; Image={index}"
INCOMPATIBLE_COUNT = "Cannot upgrade: not a compatible amount of sectors"
INCOMPATIBLE_LAYOUT = "Cannot upgrade: not same sector layout"
NO_BOOTABLE_IMAGE = "Unable to find bootable image"
CHAINLOAD = "Bootloader chainload address offset: 0x{offset:x}"
JUMPING = "Jumping to the first image slot"


def minimal(level: Level, message: str) -> str:
    """One line as printed with ``CONFIG_LOG_MODE_MINIMAL``: ``E: Image in the ...``."""
    return f"{level.value}: {message}"


def full(level: Level, message: str, timestamp: str = "00:00:00.000,000") -> str:
    """One line as printed by the full log backend."""
    return f"[{timestamp}] <{level.tag}> mcuboot: {message}"


def line_regex(message: str, levels: str = "IWE", *, literal: bool = True) -> re.Pattern[str]:
    """A pattern finding ``message`` in either log form, at any of ``levels``.

    ``message`` is escaped unless ``literal`` is False (then it is a regex, e.g. with groups).
    """
    chars = "".join(sorted(set(levels)))
    tags = "|".join(Level(c).tag for c in chars)
    body = re.escape(message) if literal else message
    return re.compile(rf"(?:^|\s)(?:[{chars}]: |<(?:{tags})> mcuboot: ){body}")
