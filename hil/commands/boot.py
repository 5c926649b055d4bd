"""``hil boot``: what MCUboot v2.0.99-ncs1 does at the next reset with these two slots."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hil.commands.args import number

if TYPE_CHECKING:
    from hil.layout import Layout
    from hil.mcuboot.slotboot import SlotBoot

REQUESTS = ("none", "test", "perm", "as-dumped")
WRITTEN = {"primary": "primary.bin", "secondary": "secondary.bin"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "boot",
        help="run MCUboot's next boot on dumps of both slots: log, swap, what runs, slots after",
        description="Boot the MCUboot model (sdk-mcuboot v2.0.99-ncs1, swap-using-move, NCS "
        "v2.6.0 nRF5340) once on the two slots: MCUboot's log lines verbatim, the swap type, "
        "the version that boots and what became of each slot. Dumps may be raw .bin, Intel HEX "
        "or nrfjprog --memrd text; one whole-flash dump (or the same file twice) holds both "
        "slots, found through the layout. A raw .bin shorter than its slot is an image in "
        "otherwise erased flash. Exit 0 an image boots, 1 none does (or the power was cut), "
        "2 unusable input.",
    )
    parser.add_argument("primary", metavar="PRIMARY", help="dump of the primary slot (or of the "
                        "whole flash, then SECONDARY may be left out)")
    parser.add_argument("secondary", metavar="SECONDARY", nargs="?", default=None,
                        help="dump of the secondary slot (default: found in PRIMARY)")
    parser.add_argument(
        "--request",
        choices=REQUESTS,
        default="as-dumped",
        help="what the app asked before the reset: none (secondary's last sector erased), "
        "test or perm (boot_request_upgrade on it), as-dumped (default: the trailers in the "
        "dumps decide)",
    )
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="PEM",
        help="a key MCUboot is built with (private or public PEM); repeat for several. Without "
        "--key signatures are not checked",
    )
    parser.add_argument(
        "--layout",
        default="internal",
        metavar="L",
        help="internal, external or a build's partitions.yml (default internal: primary "
        "0xc000, secondary 0x84000, 0x78000 B each)",
    )
    parser.add_argument(
        "--sectors",
        type=number(1, "sector count"),
        default=None,
        metavar="N",
        help="CONFIG_BOOT_MAX_IMG_SECTORS (default: build/mcuboot/zephyr/.config next to a "
        "partitions.yml, else the firmware's MCUboot configuration: 256)",
    )
    parser.add_argument(
        "--power-cut",
        type=number(0, "operation count"),
        default=None,
        metavar="N",
        help="the power goes after N flash operations (writes and erases) of this boot; the "
        "slots are left as the cut leaves them (boot them again to see the resume)",
    )
    parser.add_argument(
        "--write-after",
        metavar="DIR",
        default=None,
        help="write both slots after the boot, raw, as DIR/primary.bin and DIR/secondary.bin "
        "(existing files are never overwritten)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(run=run)


def _sectors(args: argparse.Namespace, layout: Layout) -> int:
    from hil.mcuboot.kconfig import build_max_img_sectors, firmware_max_img_sectors

    if args.sectors is not None:
        return int(args.sectors)
    spec = Path(args.layout)
    if spec.is_file():
        from_build = build_max_img_sectors(spec.resolve().parent)
        if from_build is not None:
            return from_build
    return firmware_max_img_sectors(external=layout.secondary.external)


def _slot(path: str, layout: Layout, name: str, notes: list[str]) -> bytes:
    """The whole slot ``name`` from the dump at ``path``."""
    from hil.dumps import DumpFormat, load_dump, locate_slot
    from hil.errors import HilError

    partition = layout.slot(name)
    dump = load_dump(path)
    read = locate_slot(dump, partition, source=f"{name} dump {path}")
    notes.extend(read.notes)
    if read.complete:
        return read.data
    if read.start == 0 and dump.format is DumpFormat.BIN and dump.address is None:
        notes.append(f"{path}: 0x{len(read.data):x} B in the 0x{read.size:x} B {name} slot, "
                     "the rest read as erased flash")
        return read.data + b"\xff" * (read.size - len(read.data))
    gaps = ", ".join(f"0x{start:x}-0x{end:x}" for start, end in read.unread())
    raise HilError(f"{path}: {read.describe_read()}; the {name} slot bytes {gaps} are missing "
                   "(MCUboot reads and writes the whole slot: dump all of it)")


def _targets(directory: str | None) -> dict[str, Path]:
    from hil.errors import HilError

    if directory is None:
        return {}
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise HilError(f"--write-after {folder} is a file, not a directory")
    targets = {name: folder / file for name, file in WRITTEN.items()}
    for path in targets.values():
        if path.exists():
            raise HilError(f"{path} already exists; not overwriting it (choose another folder)")
    return targets


def _write(targets: dict[str, Path], outcome: SlotBoot) -> None:
    from hil.errors import HilError

    if not targets:
        return
    try:
        next(iter(targets.values())).parent.mkdir(parents=True, exist_ok=True)
        for name, data in (("primary", outcome.primary_after),
                           ("secondary", outcome.secondary_after)):
            with targets[name].open("xb") as handle:
                handle.write(data)
    except FileExistsError as err:
        raise HilError(f"{err.filename} already exists; not overwriting it") from None
    except OSError as err:
        raise HilError(f"cannot write {err.filename}: {err.strerror or err}") from None


def result_json(outcome: SlotBoot, notes: list[str]) -> dict[str, Any]:
    result = outcome.result
    return {
        "log": result.lines,
        "swap_type": outcome.swap_type,
        "booted_version": outcome.booted_version,
        "primary_after_sha256": outcome.primary.sha256_after,
        "secondary_after_sha256": outcome.secondary.sha256_after,
        "power_lost": result.power_lost,
        "flash_operations": result.flash_ops,
        "resumed_swap": result.resumed,
        "slots": {
            name: {"before": report.before, "after": report.after, "changed": report.changed}
            for name, report in (("primary", outcome.primary), ("secondary", outcome.secondary))
        },
        "notes": notes,
    }


def _print_text(outcome: SlotBoot, notes: list[str]) -> None:
    result = outcome.result
    for line in result.lines:
        print(line)
    print()
    print(f"swap type:  {outcome.swap_type}" + ("  (a swap cut short earlier was completed)"
                                              if result.resumed else ""))
    if result.power_lost:
        print(f"boots:      nothing: the power was cut after {result.flash_ops} flash operations")
    else:
        print(f"boots:      {outcome.booted_version or 'nothing (no bootable image)'}")
    for name, report in (("primary", outcome.primary), ("secondary", outcome.secondary)):
        change = f"{report.before} -> {report.after}" if report.changed else "unchanged"
        print(f"{name + ':':11} {change}, sha256 {report.sha256_after}")
    for note in notes:
        print(f"note: {note}")


def run(args: argparse.Namespace) -> int:
    from hil.errors import HilError
    from hil.image.keys import load_public_key
    from hil.layout import Layout
    from hil.mcuboot.slotboot import Request, boot_slots
    from hil.mcuboot.swap_move import NotModelled

    layout = Layout.resolve(args.layout)
    keys = tuple(load_public_key(path) for path in args.key)
    if len({key.key_type for key in keys}) > 1:
        raise HilError("keys of mixed types: MCUboot is built for one signature type")
    sectors = _sectors(args, layout)
    targets = _targets(args.write_after)
    notes: list[str] = []
    primary = _slot(args.primary, layout, "primary", notes)
    secondary = _slot(args.secondary or args.primary, layout, "secondary", notes)
    try:
        outcome = boot_slots(
            primary, secondary, layout, keys, sectors, Request(args.request), args.power_cut
        )
    except NotModelled as err:
        raise HilError(f"cannot model this boot: {err}") from None
    _write(targets, outcome)
    if not keys:
        notes.append("no --key: signatures were not checked (MCUboot always checks one)")
    if args.json:
        print(json.dumps(result_json(outcome, notes), indent=2))
    else:
        _print_text(outcome, notes)
    return 0 if outcome.result.booted else 1
