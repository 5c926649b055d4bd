"""The evidence of a test's updates: diagnosis, JUnit properties, artifact folders, pictures.

One :class:`EvidenceRecorder` per test hears every update ``run_update`` performs (through
``hil.update_watch``); the ``hil_evidence`` fixture returns the same recorder, so a test that
also calls it by hand records each update once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from hil.artifacts import (
    diagnosis_lines,
    folder_name,
    probe_serial,
    properties,
    secondary_address,
    slot_pictures,
    write_artifacts,
    write_incomplete,
)
from hil.errors import HilError
from hil.forensics import Diagnosis, diagnose
from hil.image.keys import PublicKey
from hil.scenario import UpdateEvidence
from hil.update_watch import UpdateRun

Record = Callable[[str, object], None]


@dataclass
class RecordedUpdate:
    """One update of a test as recorded: its diagnosis before and after the reboot, pictures."""

    evidence: UpdateEvidence
    before: Diagnosis
    after: Diagnosis | None = None
    pictures: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def diagnosis_text(self) -> list[str]:
        return diagnosis_lines(self.before, self.after) if self.after else self.before.lines()


def _logs(dut: Any, server: Any) -> tuple[list[str], list[str], list[str]]:
    """The console lines, the FTP session lines and the secrets to mask in them."""
    console = list(dut.console.lines) if dut is not None else []
    ftp_log = server.recorder.lines() if server is not None else []
    secrets = [getattr(server, "password", "")] if server is not None else []
    return console, ftp_log, secrets


class EvidenceRecorder:
    """What the ``hil_evidence`` fixture returns: call it with an update's evidence."""

    def __init__(
        self, root: Path | None, nodeid: str, record: Record, *, pictures: bool = False
    ) -> None:
        self.root = root
        self.nodeid = nodeid
        self.record = record
        self.want_pictures = pictures
        self.folder: Path | None = None
        self.diagnosis: Diagnosis | None = None
        self.updates: list[RecordedUpdate] = []
        self.errors: list[BaseException] = []
        self.secrets: list[str] = []

    def observe(self, run: UpdateRun) -> None:
        """A ``hil.update_watch`` listener."""
        if run.error is not None:
            self.incomplete(run.error, dut=run.dut, server=run.server)
        else:
            self(run.evidence, dut=run.dut, server=run.server, keys=run.keys)

    def _next_folder(self) -> Path:
        assert self.root is not None
        base = self.root / folder_name(self.nodeid)
        count = len(self.updates) + len(self.errors)
        return base if count <= 1 else base.with_name(f"{base.name}-update-{count}")

    def __call__(
        self,
        evidence: UpdateEvidence,
        *,
        dut: Any = None,
        server: Any = None,
        keys: Sequence[PublicKey] = (),
    ) -> Diagnosis:
        """Diagnose the update, record JUnit properties and, with a root, write the folder."""
        for done in self.updates:
            if done.evidence is evidence:
                return done.before
        self.secrets += _logs(None, server)[2]
        slot_size = dut.layout.slot_size if dut is not None else None
        before = diagnose(evidence.served, evidence.slot_before, keys, slot_size)
        update = RecordedUpdate(evidence, before)
        self.updates.append(update)
        self.diagnosis = before
        for name, value in properties(evidence, before, probe_serial(dut)):
            self.record(name, value)
        if self.root is None and not self.want_pictures:
            return before
        update.after = diagnose(evidence.served, evidence.slot_after, keys, slot_size)
        update.pictures = slot_pictures(evidence, before, update.after)
        if self.root is None:
            return before
        console, ftp_log, secrets = _logs(dut, server)
        try:
            self.folder = write_artifacts(
                self._next_folder(),
                evidence,
                before,
                update.after,
                console=console,
                ftp_log=ftp_log,
                address=secondary_address(dut),
                secrets=secrets,
                pictures=update.pictures,
            )
        except OSError as err:
            raise HilError(f"cannot write the HIL artifacts under {self.root}: {err}") from None
        self.record("hil_artifacts", str(self.folder))
        return before

    def incomplete(self, error: BaseException, *, dut: Any = None, server: Any = None) -> None:
        """The update stopped before all evidence existed: keep the logs and the error."""
        if any(seen is error for seen in self.errors):
            return
        self.errors.append(error)
        self.secrets += _logs(None, server)[2]
        if self.root is None:
            return
        console, ftp_log, secrets = _logs(dut, server)
        try:
            folder = write_incomplete(
                self._next_folder(), error, console=console, ftp_log=ftp_log, secrets=secrets
            )
        except OSError as err:
            raise HilError(f"cannot write the HIL artifacts under {self.root}: {err}") from None
        self.folder = folder
        self.record("hil_artifacts", str(folder))


RECORDER_KEY = pytest.StashKey[EvidenceRecorder]()


def recorder_for(
    item: pytest.Item, root: str | Path | None, *, pictures: bool = False
) -> EvidenceRecorder:
    """The recorder of ``item`` (made on first use), remembered for the report hooks.

    Properties go to ``item.user_properties``, which the JUnit XML writer emits (as
    ``record_property`` does, without its warning under the default xunit2 family).
    """
    recorder = item.stash.get(RECORDER_KEY, None)
    if recorder is None:

        def record(name: str, value: object) -> None:
            item.user_properties.append((name, value))

        folder = Path(root).resolve() if root else None
        recorder = EvidenceRecorder(folder, item.nodeid, record, pictures=pictures)
        item.stash[RECORDER_KEY] = recorder
    return recorder


def recorded(item: pytest.Item) -> EvidenceRecorder | None:
    return item.stash.get(RECORDER_KEY, None)


def annotate_failure(item: pytest.Item, report: pytest.TestReport) -> None:
    """Name the artifact folder in a failed test's message and report."""
    recorder = recorded(item)
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
