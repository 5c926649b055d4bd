"""``hil reproduce``: the update over FTP on the simulated DK, once per client mode, in a table."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from hil.dut.factory import create_dut
from hil.ftp.policy import TransferPolicy
from hil.ftp.server import FtpServer, FtpServerConfig
from hil.image.keys import KeyType
from hil.kit import make_sim_kit
from hil.layout import Layout
from hil.protocol import ClientMode
from hil.scenario import UpdateEvidence, run_update

JSON_KEYS = (
    "mode",
    "type_sent",
    "bytes_served",
    "bytes_on_wire",
    "bytes_written",
    "slot_matches_served",
    "verdict_ok",
    "verdict_reason",
    "booted_version",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "reproduce",
        help="run the FTP update on the simulated nRF5340 DK in default, ascii and binary mode",
        description="Serve a signed update from a local pyftpdlib server and let the simulated "
        "DK download it with no TYPE (the bug), TYPE A and TYPE I; show what each layer saw.",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.add_argument(
        "--key-type",
        choices=[k.value for k in KeyType],
        default=KeyType.RSA2048.value,
        help="signature type of the simulated build (default rsa-2048, as NCS v2.6.0)",
    )
    parser.add_argument(
        "--layout",
        default="internal",
        help="'internal', 'external' (secondary on the MX25R64) or a partitions.yml path",
    )
    parser.set_defaults(run=run)


def summarize(evidence: UpdateEvidence) -> dict[str, Any]:
    """The row for one mode, with exactly the documented keys."""
    served = evidence.served
    return {
        "mode": evidence.mode.value,
        "type_sent": evidence.type_commands[-1] if evidence.type_commands else None,
        "bytes_served": len(served),
        "bytes_on_wire": evidence.transfer.bytes_on_wire,
        "bytes_written": evidence.download.rx,
        "slot_matches_served": evidence.slot_before[: len(served)] == served
        and evidence.download.rx == len(served),
        "verdict_ok": evidence.verdict.ok,
        "verdict_reason": evidence.verdict.reason,
        "booted_version": evidence.version_after,
    }


def reproduce(layout: Layout, key_type: KeyType, workdir: Path) -> list[dict[str, Any]]:
    kit = make_sim_kit(workdir / "kit", layout, key_type)
    root = workdir / "ftp"
    root.mkdir()
    kit.write_update(root)
    rows = []
    with FtpServer(FtpServerConfig(root=root, policy=TransferPolicy.CLIENT)) as server:
        for mode in ClientMode:
            dut = create_dut("sim", layout, kit, workdir / mode.value)
            try:
                rows.append(summarize(run_update(dut, server, kit.update_name, mode, kit.keys)))
            finally:
                dut.close()
    return rows


def run(args: argparse.Namespace) -> int:
    layout = Layout.resolve(args.layout)
    with tempfile.TemporaryDirectory(prefix="hil-reproduce-") as tmp:
        workdir = Path(tmp)
        for mode in ClientMode:
            (workdir / mode.value).mkdir()
        rows = reproduce(layout, KeyType(args.key_type), workdir)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        _print_table(rows)
    return 0


def _print_table(rows: list[dict[str, Any]]) -> None:
    table = Table(
        title="Update over FTP on the simulated nRF5340 DK", box=box.SIMPLE_HEAD, pad_edge=False
    )
    for header in ("mode", "TYPE", "served", "on wire", "written", "slot=file", "verdict"):
        numeric = header in ("served", "on wire", "written")
        table.add_column(header, justify="right" if numeric else "left", no_wrap=True)
    table.add_column("booted", no_wrap=True)
    reasons = []
    for row in rows:
        verdict = "valid"
        if not row["verdict_ok"]:
            reasons.append(f"{row['mode']}: {row['verdict_reason']}")
            verdict = f"invalid [{len(reasons)}]"
        table.add_row(
            row["mode"],
            row["type_sent"] or "(none)",
            str(row["bytes_served"]),
            str(row["bytes_on_wire"]),
            str(row["bytes_written"]),
            "yes" if row["slot_matches_served"] else "no",
            verdict,
            row["booted_version"],
        )
    console = Console(width=max(Console().width, 100))
    console.print(table)
    for number, reason in enumerate(reasons, 1):
        console.print(f"[{number}] {reason}")
