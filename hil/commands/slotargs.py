"""The options that say where the secondary slot is in a dump, shared by check and diagnose."""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING

from hil.commands.args import number

if TYPE_CHECKING:
    from hil.dumps import Dump, SlotRead
    from hil.layout import Layout, Partition

FORMATS = ("auto", "bin", "hex", "memrd")


def add_slot_options(parser: argparse.ArgumentParser, dump: str) -> None:
    """``--layout``, ``--slot-size``, ``--offset`` and ``--format`` for the file ``dump``."""
    parser.add_argument(
        "--layout",
        default="internal",
        metavar="L",
        help="internal, external or the build's partitions.yml: where the secondary slot is "
        "(default internal: 0x84000, 0x78000 B, NCS v2.6.0 nRF5340 DK)",
    )
    parser.add_argument(
        "--slot-size",
        type=number(1, "size"),
        default=None,
        metavar="N",
        help="slot size, hex or decimal, overriding the layout's (a multiple of 0x1000 up to "
        "0x800000)",
    )
    parser.add_argument(
        "--slot-address",
        type=number(0, "address"),
        default=None,
        metavar="ADDR",
        help=f"where the slot starts in a {dump} that records addresses, overriding the layout "
        "(0x10000000 + offset for external flash read through the XIP window)",
    )
    parser.add_argument(
        "--offset",
        type=number(0, "offset"),
        default=None,
        metavar="N",
        help=f"where the slot starts in a raw .bin {dump} (default: a slot-sized or smaller file "
        "is the slot from its start; a whole-flash file is placed by the layout, said as a guess)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="auto",
        help=f"format of {dump} (default: recognised from its content)",
    )


def slot_target(args: argparse.Namespace) -> Layout | Partition:
    """The layout (its secondary slot), or the secondary resized by ``--slot-size``."""
    from hil.dumps.locate import XIP_BASE
    from hil.forensics.slotcheck import checked_slot_size
    from hil.layout import EXTERNAL_REGION, INTERNAL_REGION, Layout

    layout = Layout.resolve(args.layout)
    if args.slot_size is None and args.slot_address is None:
        return layout
    slot = layout.secondary
    if args.slot_size is not None:
        slot = dataclasses.replace(slot, size=checked_slot_size(args.slot_size))
    if args.slot_address is not None:
        external = args.slot_address >= XIP_BASE
        address = args.slot_address - XIP_BASE if external else args.slot_address
        region = EXTERNAL_REGION if external else INTERNAL_REGION
        slot = dataclasses.replace(slot, address=address, region=region)
    return slot


def read_slot(
    args: argparse.Namespace, path: str, name: str, primary_too: bool = False
) -> tuple[Dump, SlotRead]:
    """The dump at ``path`` and the secondary slot found in it; ``primary_too``: a file that
    starts at the primary slot's address (a signed ``.hex`` as the build writes it) is read as
    the primary slot, and the output says so."""
    from hil.dumps import load_dump, locate_slot
    from hil.layout import Layout

    target = slot_target(args)
    dump = load_dump(path, args.format)
    source = f"{name} {path}"
    if primary_too and isinstance(target, Layout) and dump.address == target.primary.address:
        read = locate_slot(dump, target.primary, source=source)
        note = (
            f"{source} starts at the primary slot's address 0x{dump.address:x} (a signed .hex "
            "as the build writes it): checked as the image in that slot"
        )
        return dump, dataclasses.replace(read, notes=(*read.notes, note))
    return dump, locate_slot(dump, target, offset=args.offset, source=source)
