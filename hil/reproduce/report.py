"""The rows ``hil reproduce`` prints: one per client mode, as JSON or as a table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hil.reproduce.story import ModeRun

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
    "ftp_rc",
    "dfu_rc",
    "rx",
    "commands",
    "size_announced",
    "signature_checked",
    "schedule_rc",
    "mcuboot_decision",
    "mcuboot_log",
    "update_booted",
)


@dataclass(frozen=True)
class Offer:
    """What was offered to the DK: the server, the size announced, the file if known."""

    url: str
    size: int
    size_source: str
    served: bytes | None
    served_size: int | None
    key_note: str
    signature_checked: bool


def summarize(run: ModeRun, offer: Offer) -> dict[str, Any]:
    """The row for one mode, with exactly :data:`JSON_KEYS`."""
    served = offer.served
    matches = None
    if served is not None:
        matches = run.slot_before[: len(served)] == served and run.download.rx == len(served)
    return {
        "mode": run.mode.value,
        "type_sent": run.type_sent,
        "bytes_served": offer.served_size,
        "bytes_on_wire": run.bytes_on_wire,
        "bytes_written": run.download.rx,
        "slot_matches_served": matches,
        "verdict_ok": run.verdict.ok,
        "verdict_reason": run.verdict.reason,
        "booted_version": run.boot.app_version,
        "ftp_rc": run.download.ftp,
        "dfu_rc": run.download.dfu,
        "rx": run.download.rx,
        "commands": list(run.commands),
        "size_announced": offer.size,
        "signature_checked": offer.signature_checked,
        "schedule_rc": run.schedule_rc,
        "mcuboot_decision": run.boot.decision.value if run.boot.decision else None,
        "mcuboot_log": run.boot.mcuboot_lines,
        "update_booted": run.update_booted,
    }


def print_table(rows: list[dict[str, Any]], offer: Offer) -> None:
    """A table of the rows, the reasons below it, then what the DK sent in each mode."""
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(
        title="Update over FTP on the simulated nRF5340 DK", box=box.SIMPLE_HEAD, pad_edge=False
    )
    headers = ("mode", "TYPE", "ftp", "dfu", "rx", "on wire", "slot=file", "verdict", "MCUboot")
    for header in headers:
        numeric = header in ("ftp", "dfu", "rx", "on wire")
        table.add_column(header, justify="right" if numeric else "left", no_wrap=True)
    table.add_column("booted", no_wrap=True)
    reasons = []
    for row in rows:
        verdict = "valid" if row["signature_checked"] else "valid, sig. not checked"
        if not row["verdict_ok"]:
            reasons.append(f"{row['mode']}: {row['verdict_reason']}")
            verdict = f"invalid [{len(reasons)}]"
        matches = {True: "yes", False: "no", None: "?"}[row["slot_matches_served"]]
        booted = row["booted_version"] or "nothing"
        table.add_row(
            row["mode"],
            row["type_sent"] or "(none)",
            str(row["ftp_rc"]),
            str(row["dfu_rc"]),
            str(row["rx"]),
            str(row["bytes_on_wire"]),
            matches,
            verdict,
            row["mcuboot_decision"] or "-",
            booted + (" (update)" if row["update_booted"] else ""),
        )
    console = Console(width=max(Console().width, 120))
    served = "unknown" if offer.served_size is None else f"{offer.served_size} B"
    console.print(escape(f"server: {offer.url}; file: {served}"), soft_wrap=True)
    size = f"size given to ftpdfu get: {offer.size} ({offer.size_source})"
    console.print(escape(size), soft_wrap=True)
    console.print(escape(f"MCUboot keys: {offer.key_note}"), soft_wrap=True)
    console.print(table)
    for number, reason in enumerate(reasons, 1):
        console.print(escape(f"[{number}] {reason}"), soft_wrap=True)
    for row in rows:
        console.print(escape(f"{row['mode']} sent: " + " | ".join(row["commands"])), soft_wrap=True)
    console.print(escape(conclusion(rows)), soft_wrap=True)


def conclusion(rows: list[dict[str, Any]]) -> str:
    """One line: in which modes the update boots, and the fix when only binary works."""
    booted = {row["mode"] for row in rows if row["update_booted"]}
    if booted == {row["mode"] for row in rows}:
        return "The update boots in every mode."
    if "binary" not in booted:
        return "The update does not boot even in binary mode (TYPE I): see the reasons above."
    return (
        f"The update boots only in {' and '.join(sorted(booted))} mode. Fix: send TYPE I "
        "(ftp_type(FTP_TYPE_BINARY) before ftp_get()), or make the server send files unchanged "
        "by default (vsftpd ascii_download_enable=NO, proftpd TransferOptions IgnoreASCII)."
    )
