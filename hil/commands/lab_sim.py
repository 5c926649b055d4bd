"""``hil sim-place``: simulated DKs served like a bench PC's DKs, for a labgrid exporter."""

from __future__ import annotations

import argparse
import os

EPILOG = (
    "Exit codes: 0 stopped with Ctrl-C or SIGTERM; 2 unusable input (one-line error). "
    "Writes DIR/exporter.yaml (labgrid-exporter resources), DIR/env.yaml (pytest --lg-env), "
    "DIR/build-<layout>/ (the build files for --hil-build) and DIR/ready when serving."
)


def _dk(text: str) -> tuple[str, str]:
    name, _, layout = text.partition(":")
    if not name.isidentifier():
        raise argparse.ArgumentTypeError(f"DK name {name!r} must be letters, digits and _")
    return name, layout or "internal"


def register(subparsers: argparse._SubParsersAction) -> None:
    sim = subparsers.add_parser(
        "sim-place",
        help="serve simulated DKs for a labgrid exporter (UART on a pty, probe on a socket)",
        description="Run simulated nRF5340 DKs as a bench PC runs real ones: each DK's UART on "
        "a pty (labgrid's exporter serves it with ser2net over RFC2217) and its probe behind "
        "the same agent protocol as a J-Link. Writes the exporter config and a labgrid env.",
        epilog=EPILOG,
    )
    sim.add_argument("--dir", required=True, metavar="DIR", help="working directory")
    sim.add_argument(
        "--dk", action="append", type=_dk, metavar="NAME[:LAYOUT]",
        help="a simulated DK (layout 'internal' (default), 'external' or a partitions.yml); "
        "repeat for more (default: sim1)",
    )
    sim.add_argument("--key-type", default="rsa-2048", help="MCUboot key type of the builds")
    sim.add_argument(
        "--coordinator", default=os.environ.get("LG_COORDINATOR", "127.0.0.1:20408"),
        metavar="HOST:PORT",
        help="coordinator address written into env.yaml (default: $LG_COORDINATOR, else "
        "127.0.0.1:20408)",
    )
    sim.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hil.errors import HilError
    from hil.image.keys import KeyType
    from hil.lab.simrunner import serve_sim_place

    try:
        key_type = KeyType(args.key_type)
    except ValueError:
        known = ", ".join(k.value for k in KeyType)
        raise HilError(f"--key-type: unknown key type {args.key_type!r} (known: {known})") from None
    dks = args.dk or [("sim1", "internal")]
    return serve_sim_place(Path(args.dir), dks, key_type, args.coordinator)
