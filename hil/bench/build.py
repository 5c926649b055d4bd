"""The files of a west build directory that the bench needs (NCS v2.6.0, child or sysbuild)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from hil.bench.hwmap import DkEntry
from hil.errors import HilError

# Where NCS v2.6.0 puts each file: multi-image (child_image) layout first, then sysbuild.
_PARTITIONS = ("partitions.yml",)
_MERGED = ("zephyr/merged.hex", "merged.hex")
_UPDATE = ("zephyr/app_update.bin", "app_update.bin", "*/zephyr/app_update.bin")
_MCUBOOT_CONFIG = ("mcuboot/zephyr/.config",)
_KEY_RE = re.compile(r'^CONFIG_BOOT_SIGNATURE_KEY_FILE="(?P<path>[^"]+)"', re.MULTILINE)


@dataclass(frozen=True)
class BuildArtifacts:
    """Layout, flashable image, update image and (when known) the MCUboot signing key."""

    partitions: Path | None
    merged_hex: Path
    update_image: Path
    signing_key: Path | None


def _find(build_dir: Path, patterns: tuple[str, ...]) -> Path | None:
    for pattern in patterns:
        for path in sorted(build_dir.glob(pattern)):
            if path.is_file():
                return path
    return None


def _signing_key(build_dir: Path) -> Path | None:
    """CONFIG_BOOT_SIGNATURE_KEY_FILE from MCUboot's .config, when it is an absolute path."""
    config = _find(build_dir, _MCUBOOT_CONFIG)
    if config is None:
        return None
    match = _KEY_RE.search(config.read_text(encoding="utf-8", errors="replace"))
    if not match:
        return None
    path = Path(match["path"])
    return path if path.is_absolute() and path.is_file() else None


def resolve_build(entry: DkEntry) -> BuildArtifacts:
    """The files for ``entry``: explicit paths from the map win over the build directory."""
    build_dir = entry.build_dir
    if not build_dir.is_dir():
        raise HilError(
            f"{entry.source}: DK {entry.id!r}: build_dir {build_dir} does not exist "
            "(run 'west build -b nrf5340dk_nrf5340_cpuapp' or fix the path)"
        )

    def required(explicit: Path | None, patterns: tuple[str, ...], what: str) -> Path:
        path = explicit or _find(build_dir, patterns)
        if path is None or not path.is_file():
            shown = explicit or build_dir / patterns[0]
            raise HilError(
                f"{entry.source}: DK {entry.id!r}: {what} not found at {shown} "
                "(finish the west build or set its path in the hardware map)"
            )
        return path

    key = entry.signing_key or _signing_key(build_dir)
    if entry.signing_key is not None and not entry.signing_key.is_file():
        raise HilError(f"{entry.source}: DK {entry.id!r}: signing_key {key} not found")
    return BuildArtifacts(
        partitions=entry.partitions or _find(build_dir, _PARTITIONS),
        merged_hex=required(entry.merged_hex, _MERGED, "merged.hex"),
        update_image=required(entry.update_image, _UPDATE, "app_update.bin"),
        signing_key=key,
    )
