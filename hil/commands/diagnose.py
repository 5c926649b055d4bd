"""``hil diagnose``: what happened to an image on its way into a slot, from any dump."""

from __future__ import annotations

import argparse
import contextlib
import json
from pathlib import Path
from typing import Any

from hil.commands.slotargs import add_slot_options, read_slot
from hil.errors import HilError

EXIT_OK, EXIT_PROBLEM, EXIT_UNKNOWN = 0, 1, 3
EPILOG = (
    "Exit codes: 0 the slot holds the image unchanged and MCUboot would accept it; "
    "1 a problem was found (what and where is printed); 2 unusable input (one-line error); "
    "3 the dump holds too little to tell (what it holds matches)."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "diagnose",
        help="compare a slot dump with the served image: what changed and what MCUboot makes of it",
        description="Classify how the secondary slot differs from the image that was served "
        "(identical, LF->CRLF by the RFC rule, pyftpdlib's 64 KiB variant or pure-ftpd's "
        "every-LF rule, CRLF->LF, truncated, outgrown the slot, erased, stale data, bit errors, "
        "another signing of the build, another image, partial dump), name the header fields and "
        "TLVs that moved or broke, the fix, and MCUboot's verdict, which applies when an upgrade "
        "is requested (the trailer says whether). DUMP may be a slot or whole-flash dump, raw "
        ".bin, Intel HEX or nrfjprog --memrd / nrfutil device read text; the format is "
        "recognised and the layout finds the slot. Bytes the dump does not hold are never "
        "guessed.",
        epilog=EPILOG,
    )
    parser.add_argument("image", metavar="IMAGE", help="the image that was served (app_update.bin)")
    parser.add_argument("dump", metavar="DUMP", help="the secondary slot dump, or a flash dump")
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="PEM",
        help="a key MCUboot is built with; repeat for several (without: signature not checked)",
    )
    add_slot_options(parser, "DUMP")
    parser.add_argument("--json", action="store_true", help="print the diagnosis as JSON")
    parser.set_defaults(run=run)


def _exit_code(ok: bool, kind: str, known: bool) -> int:
    if kind == "partial-dump" or (kind == "identical" and not known):
        return EXIT_UNKNOWN
    return EXIT_OK if ok else EXIT_PROBLEM


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from hil.dumps import load_dump
    from hil.forensics.diagnosis import diagnose_read
    from hil.forensics.roles import swapped
    from hil.image.keys import load_public_key

    err = Console(stderr=True)
    busy = err.status("reading and diagnosing ...") if err.is_terminal else contextlib.nullcontext()
    with busy:
        keys = tuple(load_public_key(path) for path in args.key)
        image = load_dump(args.image)
        dump, read = read_slot(args, args.dump, "DUMP")
        problem = swapped(image, dump)
        if problem:
            raise HilError(problem)
        result = diagnose_read(image.data, read, keys)
    if args.json:
        out: dict[str, Any] = {
            "image": str(Path(args.image)),
            "dump": str(Path(args.dump)),
            "dump_format": dump.format.value,
            "dump_address": dump.address,
            "placement_guessed": read.guessed,
            **result.to_dict(),
        }
        print(json.dumps(out, indent=2))
    else:
        where = "" if dump.address is None else f" from 0x{dump.address:08x}"
        print(f"{'file':<8} {args.dump}: {dump.format.value}{where}")
        print("\n".join(result.lines()))
    return _exit_code(result.ok, result.kind.value, result.known)
