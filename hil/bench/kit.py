"""The update kit of a bench DK: its build's signed images and MCUboot key, not sim ones."""

from __future__ import annotations

import logging
import warnings
from dataclasses import replace

from hil.bench.build import resolve_build
from hil.bench.hwmap import DkEntry, HardwareMap
from hil.bench.settings import BenchSettings
from hil.errors import HilError
from hil.image.header import ImageHeader
from hil.image.keys import (
    SampleKeyWarning,
    load_public_key,
    sample_key_name,
    sample_key_warning,
)
from hil.kit import UpdateKit

log = logging.getLogger("hil.bench")


def _version(image: bytes, what: str) -> str:
    header = ImageHeader.parse(image[:32])
    if not header.has_magic:
        raise HilError(f"{what} is not a signed MCUboot image (no 0x96f3b83d magic)")
    return str(header.version)


def bench_kit(settings: BenchSettings) -> UpdateKit | None:
    """Kit for the DKs the settings select; None without a hardware map.

    The factory image is the build's app_update.bin (what merged.hex puts in the primary
    slot); the update is ``update_image`` from the map, by default that same file. Any free
    DK may serve a test, so when several are selectable their kits must be the same.
    """
    if settings.hw_map is None:
        return None
    entries = HardwareMap.load(settings.hw_map).select(settings.dk)
    kits = [_entry_kit(entry) for entry in entries]
    for entry, kit in zip(entries[1:], kits[1:], strict=True):
        if (kit.factory_image, kit.update_image, kit.keys) != (
            kits[0].factory_image,
            kits[0].update_image,
            kits[0].keys,
        ):
            raise HilError(
                f"{entry.source}: DKs {entries[0].id!r} and {entry.id!r} have different builds, "
                "images or keys: pick one with --hw-dk (or run one pytest per DK)"
            )
    return kits[0]


def _entry_kit(entry: DkEntry) -> UpdateKit:
    build = resolve_build(entry)
    if build.signing_key is None:
        raise HilError(
            f"{entry.source}: DK {entry.id!r}: set 'signing_key' to the MCUboot key of the build "
            "(NCS default: <ncs>/bootloader/mcuboot/root-rsa-2048.pem)"
        )
    factory_file = resolve_build(replace(entry, update_image=None)).update_image
    factory = factory_file.read_bytes()
    update = build.update_image.read_bytes()
    kit = UpdateKit(
        key_path=build.signing_key,
        keys=(load_public_key(build.signing_key),),
        factory_image=factory,
        update_image=update,
        old_version=_version(factory, str(factory_file)),
        new_version=_version(update, str(build.update_image)),
    )
    log.info("bench kit for %s: %s -> %s, key %s", entry.id, kit.old_version, kit.new_version,
             build.signing_key)
    sample = sample_key_name(kit.keys[0].key_hash)
    if sample is not None:
        message = f"DK {entry.id!r}: the build is {sample_key_warning(sample)}"
        log.warning("%s", message)
        warnings.warn(message, SampleKeyWarning, stacklevel=2)
    return kit
