"""What a boot printed, read back into MCUboot's decision (minimal or full log form)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from hil import protocol
from hil.mcuboot.log import line_regex

SWAP_TYPE_RE = line_regex(r"(?:Image index: \d+, )?Swap type: (?P<type>\w+)", literal=False)
REJECTED_RE = line_regex("Image in the secondary slot is not valid!", "E")
SWAP_STARTED_RE = line_regex(r"Starting swap using (?:move|scratch) algorithm\.", literal=False)
SWAP_REFUSED_RE = line_regex("Not enough free space to run swap upgrade")
NO_IMAGE_RE = line_regex("Unable to find bootable image")
SOURCE_PRIMARY_RE = line_regex("Boot source: primary slot")
MCUBOOT_LINE_RE = line_regex("", literal=False)
BOOT_DONE_RE = re.compile(
    rf"{protocol.READY_RE.pattern}|{NO_IMAGE_RE.pattern}"
)


class BootDecision(StrEnum):
    """What MCUboot did with the secondary slot on this boot."""

    NO_UPGRADE = "no-upgrade"  # Swap type: none, the secondary was left alone
    REJECTED = "rejected"  # "Image in the secondary slot is not valid!", slot erased
    SWAPPED = "swapped"  # test or permanent swap to the new image
    REVERTED = "reverted"  # the unconfirmed image was swapped back
    SWAP_REFUSED = "swap-refused"  # image too large for swap-using-move
    RESUMED = "resumed"  # a swap cut short by a reset was completed (no Swap type line)


@dataclass(frozen=True)
class BootLog:
    """The console lines of one boot, from MCUboot's first line to the app's ready line."""

    lines: tuple[str, ...]

    @property
    def mcuboot_lines(self) -> list[str]:
        return [line for line in self.lines if MCUBOOT_LINE_RE.search(line)]

    def _search(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        return next((m for line in self.lines if (m := pattern.search(line))), None)

    @property
    def swap_type(self) -> str | None:
        match = self._search(SWAP_TYPE_RE)
        return match["type"] if match else None

    @property
    def decision(self) -> BootDecision | None:
        """None when no MCUboot decision was seen at all.

        A boot that completes an interrupted swap prints no Swap type line: ``Boot source:
        primary slot`` then ``Starting swap using move algorithm.``.
        """
        swap_type = self.swap_type
        if swap_type is None:
            if not (self._search(SOURCE_PRIMARY_RE) and self._search(SWAP_STARTED_RE)):
                return None
            refused = self._search(SWAP_REFUSED_RE)
            return BootDecision.SWAP_REFUSED if refused else BootDecision.RESUMED
        if self._search(REJECTED_RE):
            return BootDecision.REJECTED
        if self._search(SWAP_REFUSED_RE):
            return BootDecision.SWAP_REFUSED
        if self._search(SWAP_STARTED_RE):
            return BootDecision.REVERTED if swap_type == "revert" else BootDecision.SWAPPED
        return BootDecision.NO_UPGRADE

    @property
    def app_version(self) -> str | None:
        match = self._search(protocol.READY_RE)
        return match["version"] if match else None

    @property
    def booted(self) -> bool:
        return self.app_version is not None

    def text(self) -> str:
        return "\n".join(self.lines)
