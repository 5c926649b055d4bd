"""Per-test evidence of a HIL update: a folder of files, JUnit properties, and a failure message
that names the folder.

For each update the folder holds the served image, the secondary slot before and after the
reboot (raw .bin and ``nrfjprog --memrd`` text), the console and FTP session logs (secrets
masked), the diagnosis (text and JSON) and an SVG map of each slot.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

from hil.dumps import Dump, save_dump
from hil.errors import HilError
from hil.forensics import Diagnosis, diagnose, slot_map_svg
from hil.ftp.policy import TYPE_NAMES
from hil.image.keys import PublicKey
from hil.scenario import UpdateEvidence

MASK = "******"
MAX_FOLDER_NAME = 150
Record = Callable[[str, object], None]


def folder_name(nodeid: str) -> str:
    """A file-system-safe folder name for a test id, unique per id (a short hash ends it)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", nodeid.replace("::", "__")).strip("._")
    digest = hashlib.sha1(nodeid.encode()).hexdigest()[:8]
    return f"{name[:MAX_FOLDER_NAME] or 'test'}-{digest}"


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


def _masked(lines: Iterable[str], secrets: Sequence[str]) -> str:
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


def _picture(folder: Path, stem: str, title: str, image: bytes, slot: bytes, d: Diagnosis) -> None:
    svg = slot_map_svg(
        image,
        slot,
        title=title,
        subtitle=f"{d.kind.value}: {d.finding.summary}",
        slot_size=d.slot_size,
        marks=d.marks(),
    )
    (folder / f"{stem}.svg").write_text(svg, encoding="utf-8")


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
) -> Path:
    """Write every file of one update's evidence into ``folder`` (an older one is kept aside)."""
    _fresh_folder(folder)
    (folder / "image.bin").write_bytes(ev.served)
    _slot_files(folder, "slot-before", ev.slot_before, address)
    _slot_files(folder, "slot-after", ev.slot_after, address)
    (folder / "console.log").write_text(_masked(console, secrets), encoding="utf-8")
    (folder / "ftp-session.log").write_text(_masked(ftp_log, secrets), encoding="utf-8")
    text = ["before the reboot:", *before.lines(), "", "after the reboot:", *after.lines()]
    (folder / "diagnosis.txt").write_text(_masked(text, secrets), encoding="utf-8")
    report = {
        "update": _update_summary(ev),
        "before_reboot": before.to_dict(),
        "after_reboot": after.to_dict(),
    }
    (folder / "diagnosis.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    title = "secondary slot {} the reboot"
    _picture(folder, "slot-before", title.format("before"), ev.served, ev.slot_before, before)
    _picture(folder, "slot-after", title.format("after"), ev.served, ev.slot_after, after)
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


class EvidenceRecorder:
    """What the ``hil_evidence`` fixture returns: call it with the update's evidence."""

    def __init__(self, root: Path | None, nodeid: str, record: Record) -> None:
        self.root = root
        self.nodeid = nodeid
        self.record = record
        self.folder: Path | None = None
        self.diagnosis: Diagnosis | None = None

    def __call__(
        self,
        evidence: UpdateEvidence,
        *,
        dut: Any = None,
        server: Any = None,
        keys: Sequence[PublicKey] = (),
    ) -> Diagnosis:
        """Diagnose the update, record JUnit properties and, with a root, write the folder."""
        slot_size = dut.layout.slot_size if dut is not None else None
        before = diagnose(evidence.served, evidence.slot_before, keys, slot_size)
        self.diagnosis = before
        for name, value in properties(evidence, before, probe_serial(dut)):
            self.record(name, value)
        if self.root is None:
            return before
        after = diagnose(evidence.served, evidence.slot_after, keys, slot_size)
        console = dut.console.lines if dut is not None else []
        ftp_log = server.recorder.lines() if server is not None else []
        secrets = [getattr(server, "password", "")] if server is not None else []
        try:
            self.folder = write_artifacts(
                self.root / folder_name(self.nodeid),
                evidence,
                before,
                after,
                console=console,
                ftp_log=ftp_log,
                address=secondary_address(dut),
                secrets=secrets,
            )
        except OSError as err:
            raise HilError(f"cannot write the HIL artifacts under {self.root}: {err}") from None
        self.record("hil_artifacts", str(self.folder))
        return before

    def incomplete(self, error: BaseException, *, dut: Any = None, server: Any = None) -> None:
        """The update stopped before all evidence existed: keep the logs and the error."""
        if self.root is None:
            return
        secrets = [getattr(server, "password", "")] if server is not None else []
        console = dut.console.lines if dut is not None else []
        ftp_log = server.recorder.lines() if server is not None else []
        folder = self.root / folder_name(self.nodeid)
        try:
            _fresh_folder(folder)
            (folder / "console.log").write_text(_masked(console, secrets), encoding="utf-8")
            (folder / "ftp-session.log").write_text(_masked(ftp_log, secrets), encoding="utf-8")
            message = f"{type(error).__name__}: {error}"
            (folder / "error.txt").write_text(_masked([message], secrets), encoding="utf-8")
        except OSError as err:
            raise HilError(f"cannot write the HIL artifacts under {self.root}: {err}") from None
        self.folder = folder
        self.record("hil_artifacts", str(folder))


RECORDER_KEY = pytest.StashKey[EvidenceRecorder]()


def start_recording(item: pytest.Item, root: str | None) -> EvidenceRecorder:
    """A recorder for ``item``, remembered so a failure report can name its folder.

    Properties go to ``item.user_properties``, which the JUnit XML writer emits (as
    ``record_property`` does, without its warning under the default xunit2 family).
    """

    def record(name: str, value: object) -> None:
        item.user_properties.append((name, value))

    recorder = EvidenceRecorder(Path(root).resolve() if root else None, item.nodeid, record)
    item.stash[RECORDER_KEY] = recorder
    return recorder


def annotate_failure(item: pytest.Item, report: pytest.TestReport) -> None:
    """Name the artifact folder in a failed test's message and report."""
    recorder = item.stash.get(RECORDER_KEY, None)
    if not report.failed or recorder is None or recorder.folder is None:
        return
    note = f"hil artifacts: {recorder.folder}"
    longrepr = report.longrepr
    if hasattr(longrepr, "addsection"):
        longrepr.addsection("hil artifacts", str(recorder.folder))
    else:
        report.sections.append(("hil artifacts", str(recorder.folder)))
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None and note not in crash.message:
        first, newline, rest = crash.message.partition("\n")
        crash.message = f"{first} [{note}]{newline}{rest}"
