"""``hil reproduce``: the update over FTP on the simulated DK, once per client mode, in a table."""

from __future__ import annotations

import argparse
from pathlib import Path

from hil.commands.args import number

KEY_TYPES = ("rsa-2048", "ecdsa-p256", "ed25519")  # hil.image.keys.KeyType, without importing it
LISTEN_TIME = 10.0  # CONFIG_FTP_CLIENT_LISTEN_TIME
EPILOG = (
    "Size: --size, else the length of --image, else (with --server) the server's SIZE in TYPE I "
    "asked by the host, else the slot size. Exit codes: 0 the update boots in every mode (with "
    "--server) or in binary mode (local server, which translates ASCII by default); 1 it would "
    "not (each row says why); 2 unusable input, a bad URL or an unreachable server (one line)."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "reproduce",
        help="run the FTP update on the simulated nRF5340 DK in default, ascii and binary mode",
        description="Let the simulated DK (the NCS v2.6.0 ftp_client and the FTP-DFU firmware) "
        "download the update with no TYPE (the bug), TYPE A and TYPE I, from a local pyftpdlib "
        "server or from --server; then the slot, MCUboot's verdict, the reboot and what booted.",
        epilog=EPILOG,
    )
    parser.add_argument(
        "--server",
        metavar="URL",
        help="ftp://user:pass@host[:port]/path: download from this server instead of a local one",
    )
    parser.add_argument(
        "--image",
        type=Path,
        metavar="FILE",
        help="the signed update (app_update.bin): served locally, or with --server the copy the "
        "server holds (gives the size and the slot comparison)",
    )
    parser.add_argument(
        "--key",
        type=Path,
        metavar="PEM",
        help="MCUboot's key (private or public PEM); without it a user image's signature is not "
        "checked",
    )
    parser.add_argument(
        "--factory-image",
        type=Path,
        metavar="FILE",
        help="the old signed image in the primary slot (default: a demo image, signed with --key "
        "when it is a private key)",
    )
    parser.add_argument(
        "--size",
        type=number(1, "size", maximum=0xFFFFFFFF),
        metavar="N",
        help="file size given to `ftpdfu get` (default: see below)",
    )
    parser.add_argument(
        "--key-type",
        choices=KEY_TYPES,
        default=None,
        help="signature type of the demo build (default rsa-2048, as NCS v2.6.0)",
    )
    parser.add_argument(
        "--layout",
        default="internal",
        help="'internal', 'external' (secondary on the MX25R64) or a partitions.yml path",
    )
    parser.add_argument(
        "--listen-time",
        type=float,
        default=LISTEN_TIME,
        metavar="S",
        help="CONFIG_FTP_CLIENT_LISTEN_TIME of the simulated client, seconds (default 10); "
        "its other timeouts keep their real ratios to it",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from hil.errors import HilError
    from hil.reproduce.session import reproduce

    if not 0 < args.listen_time <= 3600:
        raise HilError(f"--listen-time must be between 0 and 3600 s, got {args.listen_time}")
    rows, offer = reproduce(args)
    if args.json:
        import json

        print(json.dumps(rows, indent=2))
    else:
        from hil.reproduce.report import print_table

        print_table(rows, offer)
    # The local server translates by default, as pyftpdlib does: there only binary mode counts.
    judged = rows if args.server else [row for row in rows if row["mode"] == "binary"]
    return 0 if all(row["update_booted"] for row in judged) else 1
