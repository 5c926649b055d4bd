"""``hil dump``: read a slot or a memory range of a DK through its J-Link into .bin and text."""

from __future__ import annotations

import argparse
from pathlib import Path

from hil.commands.args import number
from hil.errors import HilError
from hil.probe import BACKENDS, DEFAULT_BACKEND, XIP_BASE, Memory, ProbeOptions, open_probe


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dump",
        help="read an MCUboot slot or a memory range of a DK through its J-Link",
        description="Dump a partition (internal flash or the DK's MX25R64) or a range to a raw "
        ".bin and a nrfjprog --memrd style .txt. Addresses from 0x10000000 are read from the "
        "external flash (XIP window).",
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--slot", help="partition name: secondary, primary or a partitions.yml name")
    what.add_argument("--address", type=number(0), help="start address (with --length)")
    parser.add_argument("--length", type=number(0), help="number of bytes (with --address)")
    parser.add_argument(
        "--layout",
        default="internal",
        help="'internal', 'external' or the build's partitions.yml (for --slot)",
    )
    parser.add_argument(
        "--backend", choices=sorted(BACKENDS), default=DEFAULT_BACKEND, help="probe backend"
    )
    parser.add_argument("--snr", type=int, help="J-Link serial number (needed with several)")
    parser.add_argument("--width", type=int, choices=(8, 16, 32), default=32,
                        help="unit width of the text dump (default 32, as nrfjprog)")
    parser.add_argument(
        "--force", action="store_true", help="overwrite OUT.bin and OUT.txt if they exist"
    )
    parser.add_argument("-o", "--output", required=True, type=Path,
                        help="output .bin; the text dump goes next to it with .txt")
    parser.set_defaults(run=run)


def _target(args: argparse.Namespace) -> tuple[Memory, int, int, int]:
    """(memory, address in it, length, address shown in the text dump)."""
    if args.slot is not None:
        from hil.layout import Layout

        if args.length is not None:
            raise HilError("--length goes with --address, not with --slot")
        layout = (
            Layout.builtin(args.layout)
            if args.layout in ("internal", "external")
            else Layout.load(args.layout)
        )
        part = layout.slot(args.slot)
        if part.external:
            return Memory.EXTERNAL, part.address, part.size, XIP_BASE + part.address
        return Memory.INTERNAL, part.address, part.size, part.address
    if args.length is None or args.length <= 0:
        raise HilError("--address needs --length N (bytes, > 0)")
    if args.address >= XIP_BASE:
        return Memory.EXTERNAL, args.address - XIP_BASE, args.length, args.address
    return Memory.INTERNAL, args.address, args.length, args.address


def run(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    from hil.probe.memrd import format_dump

    memory, address, length, shown = _target(args)
    if shown % (args.width // 8) or length % (args.width // 8):
        raise HilError(f"address and length must be multiples of {args.width // 8} for --width")
    out: Path = args.output
    if out.suffix == ".txt":
        raise HilError("-o names the .bin file; the text dump is written next to it as .txt")
    text_path = out.with_suffix(".txt")
    existing = [str(p) for p in (out, text_path) if p.exists()]
    if existing and not args.force:
        raise HilError(f"{' and '.join(existing)} exist: choose another -o, or pass --force")
    with open_probe(args.backend, args.snr, ProbeOptions()) as probe, Progress(
        "[progress.description]{task.description}", BarColumn(), DownloadColumn(),
        TimeRemainingColumn(), transient=True,
    ) as bar:
        task = bar.add_task(f"{memory.value} 0x{address:x}", total=length)
        data = probe.read(
            memory, address, length, lambda done, total: bar.update(task, completed=done)
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    text_path.write_text(format_dump(shown, data, args.width), encoding="utf-8")
    print(f"{len(data)} bytes from {memory.value} 0x{address:x} -> {out}, {text_path}")
    if memory is Memory.EXTERNAL:
        print("note: the probe used the QSPI peripheral; reset the DK before it uses QSPI again")
    return 0
