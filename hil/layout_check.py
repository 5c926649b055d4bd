"""Partition Manager's rules for a static configuration, applied to any partitions file.

NCS v2.6.0 ``scripts/partition_manager.py`` refuses a ``pm_static.yml`` whose partitions leave
more than the one gap where it places the dynamic partition ('app'), and a ``partitions.yml``
it writes always tiles each flash region completely. So a file the suite reads (a shipped
layout, ``--hil-layout``, a bench build's ``partitions.yml``) is held to the same rules:

* the partitions of a flash region tile it: no overlap, and no gap (one gap only where the
  file leaves the dynamic partition or the region's free rest to Partition Manager);
* a container (``span``) starts at its first member and is exactly the sum of its members
  (``mcuboot_primary`` = ``mcuboot_pad`` + ``app``), and ``end_address`` = address + size;
* alignment: each ``placement: align`` holds, and the MCUboot slots start and end on a
  flash page (4 KiB on the nRF5340 and on the MX25R64);
* the MCUboot slots are of equal size (checked by :class:`hil.layout.Layout`).

A file without an ``mcuboot`` partition is not a Partition Manager file (a hand-written pair
of slots, say): it is checked for overlaps, containers and alignment, not for gaps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

PAGE = 0x1000
SLOTS = ("mcuboot_primary", "mcuboot_secondary")
DYNAMIC_PARTITION = "app"


@dataclass(frozen=True)
class Region:
    """A flash region Partition Manager fills: its bounds and how it places partitions."""

    name: str
    base: int
    size: int
    complex_placement: bool  # the dynamic partition takes the free space (flash_primary)

    @property
    def end(self) -> int:
        return self.base + self.size


# nRF5340 application core: 1 MiB internal flash; the DK's MX25R64 holds 8 MiB.
REGIONS = {
    "flash_primary": Region("flash_primary", 0x0, 0x100000, complex_placement=True),
    "external_flash": Region("external_flash", 0x0, 0x800000, complex_placement=False),
}
EXTERNAL_DEVICES = {"MX25R64"}


class LayoutRuleError(ValueError):
    """A partitions file breaks a Partition Manager rule; the message is one line."""


def _span(first: int, end: int) -> str:
    return f"0x{first:x}-0x{end:x}"


def _entries(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The partitions with an integer address and size (others are reported by the reader)."""
    found = {}
    for name, entry in document.items():
        if not isinstance(entry, dict):
            continue
        address, size = entry.get("address"), entry.get("size")
        if all(isinstance(v, int) and not isinstance(v, bool) for v in (address, size)):
            found[str(name)] = entry
    return found


def _members(entry: dict[str, Any]) -> list[str] | None:
    span = entry.get("span")
    if isinstance(span, list):
        return [str(member) for member in span]
    if isinstance(span, dict):  # an unresolved span ({one_of: [...]}) names no members
        return []
    return None


def check_document(document: Mapping[str, Any]) -> None:
    """Raise :class:`LayoutRuleError` naming the first rule the partitions break."""
    entries = _entries(document)
    for name, entry in entries.items():
        _check_end_address(name, entry)
        _check_alignment(name, entry, entries)
    for name, entry in entries.items():
        members = _members(entry)
        if members:
            _check_container(name, entry, members, entries)
    proper = {name: e for name, e in entries.items() if _members(e) is None}
    by_region: dict[str, dict[str, dict[str, Any]]] = {}
    for name, entry in proper.items():
        by_region.setdefault(str(entry.get("region", "flash_primary")), {})[name] = entry
    pm_file = "mcuboot" in entries
    for region_name, partitions in sorted(by_region.items()):
        _check_overlaps(region_name, partitions)
        region = REGIONS.get(region_name)
        if pm_file and region is not None and _region_known(region, partitions):
            _check_tiling(region, partitions)


def _check_end_address(name: str, entry: dict[str, Any]) -> None:
    end = entry.get("end_address")
    if isinstance(end, int) and end != entry["address"] + entry["size"]:
        raise LayoutRuleError(
            f"partition '{name}': end_address 0x{end:x} is not address 0x{entry['address']:x} "
            f"+ size 0x{entry['size']:x}"
        )


def _check_alignment(name: str, entry: dict[str, Any], entries: dict[str, dict]) -> None:
    address, size = entry["address"], entry["size"]
    placement = entry.get("placement")
    align = placement.get("align") if isinstance(placement, dict) else None
    if isinstance(align, dict):
        for edge, value in (("start", address), ("end", address + size)):
            step = align.get(edge)
            if isinstance(step, int) and step > 0 and value % step:
                raise LayoutRuleError(
                    f"partition '{name}': its {edge} 0x{value:x} is not aligned to 0x{step:x} "
                    "as its placement requires"
                )
    if name in SLOTS and (address % PAGE or size % PAGE):
        raise LayoutRuleError(
            f"partition '{name}' ({_span(address, address + size)}) does not start and end on a "
            f"0x{PAGE:x} flash page"
        )
    step = placement.get("align_next") if isinstance(placement, dict) else None
    if isinstance(step, int) and step > 0:
        end = address + size
        after = [n for n, e in entries.items() if e["address"] == end and _members(e) is None]
        if after and end % step:
            raise LayoutRuleError(
                f"partition '{after[0]}' at 0x{end:x} is not aligned to 0x{step:x} as "
                f"'{name}' (align_next) requires"
            )


def _check_container(
    name: str, entry: dict[str, Any], members: list[str], entries: dict[str, dict]
) -> None:
    missing = [member for member in members if member not in entries]
    if missing:
        raise LayoutRuleError(f"partition '{name}' spans '{missing[0]}', which is not in the file")
    parts = sorted(
        (entries[m]["address"], entries[m]["address"] + entries[m]["size"], m) for m in members
    )
    for (_, end, before), (start, _, after) in pairwise(parts):
        if start != end:
            raise LayoutRuleError(
                f"partition '{name}' spans '{before}' and '{after}', which do not touch "
                f"(0x{end:x} vs 0x{start:x})"
            )
    start = parts[0][0]
    total = sum(entries[m]["size"] for m in members)
    if (entry["address"], entry["size"]) != (start, total):
        summed = " + ".join(members)
        said = _span(entry["address"], entry["address"] + entry["size"])
        raise LayoutRuleError(
            f"partition '{name}' = {summed} must be {_span(start, start + total)} "
            f"(size 0x{total:x}), the file says {said} (size 0x{entry['size']:x})"
        )


def _check_overlaps(region: str, partitions: dict[str, dict[str, Any]]) -> None:
    ordered = sorted((e["address"], e["address"] + e["size"], n) for n, e in partitions.items())
    for (start_a, end_a, a), (start_b, end_b, b) in pairwise(ordered):
        if start_b < end_a:
            raise LayoutRuleError(
                f"region {region}: '{a}' ({_span(start_a, end_a)}) and '{b}' "
                f"({_span(start_b, end_b)}) overlap at {_span(start_b, min(end_a, end_b))}"
            )


def _region_known(region: Region, partitions: dict[str, dict[str, Any]]) -> bool:
    """Whether the region's bounds apply: every external partition is on a known device."""
    if region.complex_placement:
        return True
    return all(str(e.get("device")) in EXTERNAL_DEVICES for e in partitions.values())


def gaps(region: Region, partitions: dict[str, dict[str, Any]]) -> list[tuple[int, int]]:
    """The uncovered address ranges of ``region`` (partitions must not overlap)."""
    found, at = [], region.base
    for start, end in sorted((e["address"], e["address"] + e["size"]) for e in partitions.values()):
        if start > at:
            found.append((at, start))
        at = max(at, end)
    if at < region.end:
        found.append((at, region.end))
    return found


def _check_tiling(region: Region, partitions: dict[str, dict[str, Any]]) -> None:
    outside = [
        (n, e)
        for n, e in partitions.items()
        if e["address"] < region.base or e["address"] + e["size"] > region.end
    ]
    if outside:
        name, entry = outside[0]
        raise LayoutRuleError(
            f"region {region.name} ({_span(region.base, region.end)}): '{name}' "
            f"({_span(entry['address'], entry['address'] + entry['size'])}) lies outside it"
        )
    holes = gaps(region, partitions)
    # Partition Manager places what the file leaves out in exactly one gap: the dynamic
    # partition in flash_primary, the region's free rest at the end of a simple region.
    if region.complex_placement:
        allowed = 0 if DYNAMIC_PARTITION in partitions else 1
    else:
        allowed = 0 if region.name in partitions else 1
        if holes and holes[-1][1] != region.end:
            allowed = 0
    if len(holes) > allowed:
        listed = " ".join(_span(start, end) for start, end in holes)
        first, end = min(holes, key=lambda hole: hole[1] - hole[0])
        raise LayoutRuleError(
            f"region {region.name} has unallocated flash {listed}: Partition Manager refuses a "
            f"static configuration with gaps (fill {_span(first, end)} with a partition, as PM's "
            f"own EMPTY_0 at 0x{first:x}, size 0x{end - first:x})"
        )
