"""Per-test evidence of a HIL update, written as a folder of files named by the test id.

For each update the folder holds the served image, the secondary slot before and after the
reboot (raw .bin and ``nrfjprog --memrd`` text), the console and FTP session logs (secrets
masked), the diagnosis (text and JSON) and an SVG map of each slot.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from hil.dumps import Dump, save_dump
from hil.forensics import Diagnosis, slot_map_svg
from hil.ftp.policy import TYPE_NAMES
from hil.scenario import UpdateEvidence

MASK = "******"
MAX_PART = 100
UNSAFE = re.compile(r"[^A-Za-z0-9._+=,@\[\]-]+")
PICTURE_TITLE = "secondary slot {} the reboot"


def folder_name(nodeid: str) -> PurePosixPath:
    """The test id as a relative folder: ``tests/test_x.py::test_y[a]`` is
    ``tests/test_x.py/test_y[a]``.

    Characters some file systems refuse become ``_``; when that (or shortening a long part)
    changed the id, a short hash of the id ends the name, so two ids never share a folder.
    """
    path, *names = nodeid.split("::")
    parts = [part for part in path.split("/") if part] + names
    safe = [UNSAFE.sub("_", part)[:MAX_PART] for part in parts]
    safe = [f"_{part}" if part in ("", ".", "..") else part for part in safe] or ["test"]
    if safe != parts:
        safe[-1] += "-" + hashlib.sha1(nodeid.encode()).hexdigest()[:8]
    return PurePosixPath(*safe)


def probe_serial(dut: object) -> str | None:
    """The J-Link serial number of a bench DUT, None for the simulator."""
    for holder in (getattr(dut, "probe", None), getattr(dut, "entry", None)):
        snr = getattr(holder, "snr", None)
        if snr:
            return str(snr)
    return None


def secondary_address(dut: object) -> int:
    """The address nrfjprog shows for the secondary slot (XIP window for external flash)."""
    layout = getattr(dut, "layout", None)
    if layout is None:
        return 0
    part = layout.secondary
    if part.external:
        from hil.probe.base import XIP_BASE

        return XIP_BASE + part.address
    return part.address


def properties(
    ev: UpdateEvidence, diagnosis: Diagnosis, serial: str | None
) -> list[tuple[str, object]]:
    """JUnit properties of one update."""
    verdict = ev.verdict
    found: list[tuple[str, object]] = [
        ("hil_mode", ev.mode.value),
        ("hil_policy", ev.policy.value),
        ("hil_type_sent", ", ".join(ev.type_commands) or "none"),
        ("hil_transfer_type", TYPE_NAMES.get(ev.transfer.transfer_type, "?")),
        ("hil_bytes_served", len(ev.served)),
        ("hil_bytes_on_wire", ev.transfer.bytes_on_wire),
        ("hil_bytes_written", ev.download.rx),
        ("hil_verdict", "accepted" if verdict.ok else f"rejected: {verdict.reason}"),
        ("hil_boot_decision", ev.boot.decision.value if ev.boot.decision else "none"),
        ("hil_diagnosis", diagnosis.kind.value),
        ("hil_image_sha256", diagnosis.image_sha256),
    ]
    if serial:
        found.append(("hil_probe_serial", serial))
    return found


def masked(lines: Iterable[str], secrets: Sequence[str]) -> str:
    text = "\n".join(lines)
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text + "\n"


def _slot_files(folder: Path, stem: str, slot: bytes, address: int) -> None:
    dump = Dump(slot, address)
    save_dump(folder / f"{stem}.bin", dump)
    width = 32 if address % 4 == 0 and len(slot) % 4 == 0 else 8
    if slot:
        save_dump(folder / f"{stem}.txt", dump, "memrd", width=width)


def slot_pictures(
    ev: UpdateEvidence, before: Diagnosis, after: Diagnosis
) -> dict[str, tuple[str, str]]:
    """The SVG map of the secondary slot before and after the reboot: stem -> (title, svg)."""
    pictures = {}
    for stem, when, slot, d in (
        ("slot-before", "before", ev.slot_before, before),
        ("slot-after", "after", ev.slot_after, after),
    ):
        title = PICTURE_TITLE.format(when)
        svg = slot_map_svg(
            ev.served,
            slot,
            title=title,
            subtitle=f"{d.kind.value}: {d.finding.summary}",
            slot_size=d.slot_size,
            marks=d.marks(),
            verdict=d.verdict_text(),
        )
        pictures[stem] = (title, svg)
    return pictures


def diagnosis_lines(before: Diagnosis, after: Diagnosis) -> list[str]:
    """The diagnosis of the slot before and after the reboot, as text."""
    return ["before the reboot:", *before.lines(), "", "after the reboot:", *after.lines()]


def _fresh_folder(folder: Path) -> None:
    """Create ``folder`` empty; evidence of an earlier run there is renamed, never deleted."""
    if folder.exists():
        for number in itertools.count(1):
            keep = folder.with_name(f"{folder.name}.previous-{number}")
            if not keep.exists():
                folder.rename(keep)
                break
    folder.mkdir(parents=True)


def write_artifacts(
    folder: Path,
    ev: UpdateEvidence,
    before: Diagnosis,
    after: Diagnosis,
    *,
    console: Iterable[str] = (),
    ftp_log: Iterable[str] = (),
    address: int = 0,
    secrets: Sequence[str] = (),
    pictures: dict[str, tuple[str, str]] | None = None,
) -> Path:
    """Write every file of one update's evidence into ``folder`` (an older one is kept aside)."""
    _fresh_folder(folder)
    (folder / "image.bin").write_bytes(ev.served)
    _slot_files(folder, "slot-before", ev.slot_before, address)
    _slot_files(folder, "slot-after", ev.slot_after, address)
    (folder / "console.log").write_text(masked(console, secrets), encoding="utf-8")
    (folder / "ftp-session.log").write_text(masked(ftp_log, secrets), encoding="utf-8")
    text = diagnosis_lines(before, after)
    (folder / "diagnosis.txt").write_text(masked(text, secrets), encoding="utf-8")
    report = {
        "update": _update_summary(ev),
        "before_reboot": before.to_dict(),
        "after_reboot": after.to_dict(),
    }
    (folder / "diagnosis.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for stem, (_title, svg) in (pictures or slot_pictures(ev, before, after)).items():
        (folder / f"{stem}.svg").write_text(svg, encoding="utf-8")
    return folder


def _update_summary(ev: UpdateEvidence) -> dict[str, Any]:
    return {
        "mode": ev.mode.value,
        "policy": ev.policy.value,
        "type_commands": list(ev.type_commands),
        "transfer_type": ev.transfer.transfer_type,
        "bytes_served": len(ev.served),
        "bytes_on_wire": ev.transfer.bytes_on_wire,
        "download": {"ftp": ev.download.ftp, "dfu": ev.download.dfu, "rx": ev.download.rx},
        "schedule_rc": ev.schedule_rc,
        "boot_decision": ev.boot.decision.value if ev.boot.decision else None,
        "version_before": ev.version_before,
        "version_after": ev.version_after,
    }


def write_incomplete(
    folder: Path,
    error: BaseException,
    *,
    console: Iterable[str] = (),
    ftp_log: Iterable[str] = (),
    secrets: Sequence[str] = (),
) -> Path:
    """What is left of an update that stopped early: the logs and the error."""
    _fresh_folder(folder)
    (folder / "console.log").write_text(masked(console, secrets), encoding="utf-8")
    (folder / "ftp-session.log").write_text(masked(ftp_log, secrets), encoding="utf-8")
    message = f"{type(error).__name__}: {error}"
    (folder / "error.txt").write_text(masked([message], secrets), encoding="utf-8")
    return folder
