"""A full diagnosis of one slot dump against the served image: finding, consequences, verdict."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hil.dumps.locate import SlotRead
from hil.errors import HilError
from hil.forensics.classify import Finding, classify, classify_window
from hil.forensics.consequences import consequences
from hil.forensics.fixes import fix_for
from hil.forensics.kinds import Kind
from hil.forensics.slotcheck import SlotVerdict, key_warnings, slot_limits, slot_verdict
from hil.image.keys import PublicKey, sample_key_of_image
from hil.layout import Partition
from hil.mcuboot.validate import BytesArea, Verdict, validate_image

NRF5340_SLOT_SIZE = 0x78000


@dataclass(frozen=True)
class Diagnosis:
    """What the slot holds, what that means for MCUboot, and MCUboot's verdict on it."""

    finding: Finding
    check: SlotVerdict
    """MCUboot's verdict on the slot as far as the dump holds it, and the trailer's request."""
    served_verdict: Verdict
    consequences: tuple[str, ...]
    read: SlotRead
    image_sha256: str
    """SHA-256 of the served file (not the image hash in its SHA256 TLV)."""
    warnings: tuple[str, ...] = ()

    @property
    def kind(self) -> Kind:
        return self.finding.kind

    @property
    def slot_size(self) -> int:
        return self.read.size

    @property
    def verdict(self) -> Verdict | None:
        """MCUboot's verdict on the slot; None when the dump does not hold what it reads."""
        return self.check.verdict

    @property
    def trailer(self) -> str | None:
        """The swap state as MCUboot logs it, when the dump holds the trailer."""
        state = self.check.upgrade.state
        return None if state is None else state.describe()

    @property
    def ok(self) -> bool:
        """The slot holds the served image unchanged and MCUboot would accept it."""
        return self.finding.kind is Kind.IDENTICAL and self.check.ok is True

    @property
    def known(self) -> bool:
        """Whether the dump holds enough to say what MCUboot makes of the slot."""
        return self.check.known

    @property
    def fix(self) -> str | None:
        return fix_for(self.kind, self.finding.candidate.kind)

    def to_dict(self) -> dict[str, Any]:
        verdict = self.check.verdict
        header = self.check.header
        return {
            "ok": self.ok,
            **self.finding.to_dict(),
            "consequences": list(self.consequences),
            "verdict_known": self.check.known,
            "verdict_ok": self.check.ok,
            "verdict_reason": self.check.reason,
            "verdict_applies": self.check.upgrade.condition(),
            "upgrade_requested": self.check.upgrade.requested,
            "signature_checked": bool(verdict and verdict.signature_checked),
            "slot_version": str(header.version) if header else None,
            "slot_image_hash": verdict.image_hash.hex() if verdict and verdict.image_hash else None,
            "served_ok": self.served_verdict.ok,
            "served_reason": self.served_verdict.reason,
            "image_sha256": self.image_sha256,
            "image_hash": _hex(self.served_verdict.image_hash),
            "slot_size": self.slot_size,
            "slot_read": [self.read.start, self.read.end],
            "notes": list(self.read.notes),
            "trailer": self.trailer,
            "fix": self.fix,
            "warnings": list(self.warnings),
        }

    def marks(self) -> list[tuple[int, str]]:
        """Slot offsets worth pointing at in a picture: divergence, TLV info, cut, stale data."""
        finding, found = self.finding, []
        if finding.first_difference is not None and finding.kind is not Kind.ERASED:
            found.append((finding.first_difference, "first difference from the image"))
        served, slot = self.served_verdict.header, self.check.header
        if served is not None and served.has_magic:
            if slot is not None and slot.has_magic and slot.tlv_offset < self.slot_size:
                found.append((slot.tlv_offset, "TLV info expected here (hdr_size + img_size)"))
            form = finding.candidate
            if form.kind in (Kind.LF_TO_CRLF, Kind.CRLF_TO_LF) and form.shift.positions:
                moved = form.shift.slot_offset(served.tlv_offset)
                if moved != served.tlv_offset:
                    found.append((moved, "the image's TLV info is here now"))
        if finding.kind is Kind.TRUNCATED:
            found.append((finding.match_length, "erased from here on"))
        if finding.stale is not None:
            found.append((finding.stale.first, "programmed data after the image"))
        return found

    def verdict_text(self) -> str:
        """The verdict in a few words, for a picture's caption."""
        check = self.check
        if check.ok is None:
            return "MCUboot's verdict: cannot be known from this dump"
        if check.no_image:
            return "MCUboot: no image in the slot"
        word = "accepts" if check.ok else "REJECTS"
        return f"MCUboot {word} the slot {check.upgrade.condition()}"

    def lines(self) -> list[str]:
        """The diagnosis for a terminal: the finding, then one line per consequence."""
        rows = [("finding", f"{self.kind.value}: {self.finding.summary}")]
        rows += [("effect", line) for line in self.consequences]
        if self.check.ok is not None and not self.check.no_image:
            rows.append(("mcuboot", self.check.upgrade.outcome(self.check.ok)))
        if self.fix:
            rows.append(("fix", self.fix))
        rows += [("warning", warning) for warning in self.warnings]
        rows += [("trailer", line) for line in self.check.upgrade.lines()]
        image = f"0x{self.finding.image_size:x} B, file sha256 {self.image_sha256}"
        if self.served_verdict.image_hash:
            image += f", image hash (SHA256 TLV) {self.served_verdict.image_hash.hex()}"
        rows.append(("image", image))
        rows.append(("dump", f"{self.read.describe_read()}"))
        rows += [("note", note) for note in self.read.notes]
        return [f"{name:<8} {value}" for name, value in rows]


def _hex(value: bytes | None) -> str | None:
    return None if value is None else value.hex()


def diagnose_read(image: bytes, read: SlotRead, keys: Sequence[PublicKey] = ()) -> Diagnosis:
    """Diagnose the slot as ``read`` holds it against the served ``image``."""
    size = read.size
    if len(image) > size:
        raise HilError(f"the 0x{len(image):x} B image is larger than the 0x{size:x} B slot")
    if not image:
        raise HilError("the served image is empty")
    layout, max_size = slot_limits(size, read.partition.external)
    slot = read.from_start
    if read.start > 0:
        finding = classify_window(image, read.data, read.start)
    else:
        finding = classify(image, slot, layout.status_off if read.complete else None, size)
    check = slot_verdict(read, keys)
    served = validate_image(BytesArea(image, size), keys, max_size)
    return Diagnosis(
        finding=finding,
        check=check,
        served_verdict=served,
        consequences=tuple(consequences(image, slot, finding, check, served)),
        read=read,
        image_sha256=hashlib.sha256(image).hexdigest(),
        warnings=tuple(key_warnings(keys, check.sample_key or sample_key_of_image(image))),
    )


def diagnose(
    image: bytes,
    slot: bytes,
    keys: Sequence[PublicKey] = (),
    slot_size: int | None = None,
) -> Diagnosis:
    """Diagnose ``slot`` (a dump from the slot start) against the served ``image``.

    ``slot_size`` defaults to the larger of the dump and the NCS v2.6.0 nRF5340 slot; a dump
    shorter than the slot holds only its own bytes (nothing is assumed about the rest).
    """
    size = slot_size if slot_size is not None else max(len(slot), NRF5340_SLOT_SIZE)
    if len(slot) > size:
        raise HilError(f"the 0x{len(slot):x} B dump is larger than the 0x{size:x} B slot")
    if not slot:
        raise HilError("the slot dump is empty")
    slot_limits(size)
    read = SlotRead(Partition("mcuboot_secondary", 0, size), bytes(slot))
    return diagnose_read(image, read, keys)
