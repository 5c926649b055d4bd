"""MCUboot's build options that decide where the trailer is: ``CONFIG_BOOT_MAX_IMG_SECTORS``.

The status area of swap-using-move holds ``BOOT_MAX_IMG_SECTORS x 3`` entries, so this one
Kconfig value moves every trailer offset below the magic (0x773D0 for 256 sectors in a 0x78000
slot, 0x779D0 for 128). Its one source is the build being modelled:

* the firmware fixture's MCUboot child-image configuration
  (``fixtures/firmware/ftp_dfu/child_image/mcuboot.conf``; the external-flash variant's
  ``ext_flash/mcuboot.conf`` is applied on top, as its build does), or
* a west build's MCUboot ``.config`` (``build/mcuboot/zephyr/.config``, child-image build).

A build that does not set it gets MCUboot's Kconfig default, 128 (``boot/zephyr/Kconfig``).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from hil import resources
from hil.errors import HilError

KCONFIG_DEFAULT_MAX_IMG_SECTORS = 128
OPTION = "CONFIG_BOOT_MAX_IMG_SECTORS"
CHILD_IMAGE_CONF = f"{resources.FIRMWARE}/child_image/mcuboot.conf"
EXTERNAL_CONF = f"{resources.FIRMWARE}/ext_flash/mcuboot.conf"
BUILD_CONFIG = Path("mcuboot") / "zephyr" / ".config"

_LINE = re.compile(r"^\s*(CONFIG_\w+)=(.*?)\s*$")


def read_kconfig(path: Path) -> dict[str, str]:
    """``CONFIG_X=value`` lines of a ``.conf`` fragment or a ``.config`` (quotes kept)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise HilError(f"cannot read {path}: {err.strerror or err}") from None
    return {m[1]: m[2] for line in text.splitlines() if (m := _LINE.match(line))}


def max_img_sectors_of(*paths: Path) -> int:
    """``CONFIG_BOOT_MAX_IMG_SECTORS`` after applying ``paths`` in order (the last one wins)."""
    value = KCONFIG_DEFAULT_MAX_IMG_SECTORS
    for path in paths:
        raw = read_kconfig(path).get(OPTION)
        if raw is None:
            continue
        try:
            value = int(raw, 0)
        except ValueError:
            raise HilError(f"{path}: {OPTION}={raw} is not a number") from None
        if value <= 0:
            raise HilError(f"{path}: {OPTION}={raw} must be positive")
    return value


@functools.cache
def firmware_max_img_sectors(external: bool = False) -> int:
    """The value the firmware fixture's MCUboot is built with (internal or external layout)."""
    paths = [resources.require(CHILD_IMAGE_CONF)]
    if external:
        paths.append(resources.require(EXTERNAL_CONF))
    return max_img_sectors_of(*paths)


def build_config(build_dir: Path) -> Path | None:
    """MCUboot's ``.config`` in a west build directory (child-image build), if there is one."""
    path = build_dir / BUILD_CONFIG
    return path if path.is_file() else None


def build_max_img_sectors(build_dir: Path) -> int | None:
    """The value a west build's MCUboot was configured with; None without its ``.config``."""
    path = build_config(build_dir)
    return None if path is None else max_img_sectors_of(path)
