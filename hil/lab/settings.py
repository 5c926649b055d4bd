"""Lab settings of a test run: which env, which place (or tags to reserve one), which build.

Set by the pytest plugin; ``None`` when the run does not use a labgrid place. Importing this
module never imports labgrid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from hil.errors import HilError

ENV_RESERVE = "HIL_LG_RESERVE"
PLACEHOLDER_PLACE = "hil-reserved-place"  # LG_PLACE until this process's reservation is granted
_TAG_RE = re.compile(r"^[a-z][a-z0-9_]*=[A-Za-z0-9_.-]+$")


def parse_tags(text: str) -> dict[str, str]:
    """``board=nrf5340dk,layout=internal`` (commas or spaces) as a dict; HilError when bad."""
    tags: dict[str, str] = {}
    for word in re.split(r"[,\s]+", text.strip()):
        if not word:
            continue
        if not _TAG_RE.match(word):
            raise HilError(
                f"reservation filter {word!r} is not TAG=VALUE (lower-case tag, value of "
                "letters, digits, '_', '.', '-')"
            )
        key, value = word.split("=", 1)
        tags[key] = value
    if not tags:
        raise HilError("reservation filter is empty: give at least one TAG=VALUE")
    return tags


@dataclass(frozen=True)
class LabSettings:
    """Where the DUT comes from (env, place or reservation) and the build it runs."""

    env_file: Path
    build_dir: Path | None = None
    update_image: Path | None = None
    signing_key: Path | None = None
    reserve: dict[str, str] | None = None
    ftp_advertise: str | None = None
    wait_timeout: float = 600.0


_settings: LabSettings | None = None


def configure(settings: LabSettings | None) -> None:
    global _settings
    _settings = settings


def lab_settings() -> LabSettings | None:
    """This run's lab settings, or None when the DUT does not come from a labgrid place."""
    return _settings
