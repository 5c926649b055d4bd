"""A west-build-like directory for a simulated DK: what ``--hil-build`` points a test run at.

``zephyr/merged.hex`` holds the factory (old) image at the primary slot's address and
``zephyr/app_update.bin`` the same image, as a real build has them; the update to offer is
``update/app_update.bin`` and the MCUboot key is ``mcuboot-<type>.pem``. There is no
``partitions.yml``: a run gives the layout with ``--hil-layout``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from intelhex import IntelHex

from hil.image.keys import KeyType
from hil.kit import UpdateKit, make_sim_kit
from hil.layout import Layout


@dataclass(frozen=True)
class SimBuild:
    """The files of a simulated DK's build and the kit they came from."""

    directory: Path
    kit: UpdateKit
    merged_hex: Path
    update_image: Path

    @property
    def signing_key(self) -> Path:
        return self.kit.key_path


def write_sim_build(directory: Path, layout: Layout, key_type: KeyType) -> SimBuild:
    """Sign old and new images for ``layout`` and lay them out like a build directory."""
    kit = make_sim_kit(directory, layout, key_type)
    zephyr = directory / "zephyr"
    zephyr.mkdir(parents=True, exist_ok=True)
    merged = IntelHex()
    merged.frombytes(kit.factory_image, offset=layout.primary.address)
    merged_hex = zephyr / "merged.hex"
    merged.write_hex_file(str(merged_hex))
    (zephyr / "app_update.bin").write_bytes(kit.factory_image)
    update = directory / "update" / "app_update.bin"
    update.parent.mkdir(exist_ok=True)
    update.write_bytes(kit.update_image)
    return SimBuild(directory, kit, merged_hex, update)
