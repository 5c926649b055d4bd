"""``hil diagnose``: what happened to an image on its way into a slot, from any dump."""

from __future__ import annotations

import argparse
import contextlib
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from hil.commands.args import number
from hil.dumps import FORMAT_CHOICES, Dump, load_dump
from hil.errors import HilError
from hil.forensics import diagnose
from hil.image.keys import PublicKey, load_public_key

EPILOG = (
    "Exit codes: 0 the slot holds the image unchanged and MCUboot would accept it; "
    "1 a problem was found (what and where is printed); 2 unusable input (one-line error)."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "diagnose",
        help="compare a slot dump with the served image: what changed and what MCUboot makes of it",
        description="Classify how the secondary slot differs from the image that was served "
        "(identical, LF->CRLF by the RFC rule or pyftpdlib's 64 KiB variant, CRLF->LF, "
        "truncated, erased, stale data, bit errors, another image), name the header fields and "
        "TLVs that moved or broke, and give MCUboot's verdict. DUMP may be raw .bin, Intel HEX "
        "or nrfjprog --memrd / nrfutil device read text; the format is recognised.",
        epilog=EPILOG,
    )
    parser.add_argument("image", metavar="IMAGE", help="the image that was served (app_update.bin)")
    parser.add_argument("dump", metavar="DUMP", help="the secondary slot dump, from its start")
    parser.add_argument(
        "--format",
        choices=FORMAT_CHOICES,
        default="auto",
        help="format of DUMP (default: recognised from its content)",
    )
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="PEM",
        help="a key MCUboot is built with; repeat for several (without: signature not checked)",
    )
    parser.add_argument(
        "--slot-size",
        type=number(0),
        default=None,
        metavar="N",
        help="slot size (default: the dump's size, at least 0x78000 as NCS v2.6.0 nRF5340)",
    )
    parser.add_argument(
        "--slot-address",
        type=number(0),
        default=None,
        metavar="ADDR",
        help="where the slot starts, for a HEX or memrd dump that covers more than the slot",
    )
    parser.add_argument("--json", action="store_true", help="print the diagnosis as JSON")
    parser.set_defaults(run=run)


def _slot_bytes(dump: Dump, slot_address: int | None, slot_size: int | None) -> bytes:
    if slot_address is None:
        data = dump.data
    elif dump.address is None:
        raise HilError("--slot-address needs a dump that records addresses (Intel HEX or memrd)")
    elif not dump.address <= slot_address < dump.address + len(dump.data):
        raise HilError(
            f"--slot-address 0x{slot_address:x} is outside the dump "
            f"(0x{dump.address:x}-0x{dump.address + len(dump.data):x})"
        )
    else:
        data = dump.data[slot_address - dump.address :]
    if slot_size is not None:
        if slot_address is not None:
            data = data[:slot_size]
        elif len(data) > slot_size:
            raise HilError(
                f"the dump is 0x{len(data):x} B, larger than the 0x{slot_size:x} B slot "
                "(pass --slot-address to pick the slot out of it)"
            )
    return data


def _keys(paths: list[str]) -> tuple[PublicKey, ...]:
    return tuple(load_public_key(path) for path in paths)


def run(args: argparse.Namespace) -> int:
    if args.slot_size is not None and args.slot_size == 0:
        raise HilError("--slot-size must be positive")
    err = Console(stderr=True)
    busy = err.status("reading and diagnosing ...") if err.is_terminal else contextlib.nullcontext()
    with busy:
        keys = _keys(args.key)
        image = load_dump(args.image)
        dump = load_dump(args.dump, args.format)
        slot = _slot_bytes(dump, args.slot_address, args.slot_size)
        result = diagnose(image.data, slot, keys, args.slot_size)
    if args.json:
        out: dict[str, Any] = {
            "image": str(Path(args.image)),
            "dump": str(Path(args.dump)),
            "dump_format": dump.format.value,
            "dump_address": dump.address,
            **result.to_dict(),
        }
        print(json.dumps(out, indent=2))
    else:
        where = "" if dump.address is None else f" from 0x{dump.address:08x}"
        print(f"{'file':<8} {args.dump}: {dump.format.value}{where}")
        print("\n".join(result.lines()))
    return 0 if result.ok else 1
