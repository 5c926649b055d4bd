"""A full diagnosis of one slot dump against the served image: finding, consequences, verdict."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hil.errors import HilError
from hil.forensics.classify import Finding, classify
from hil.forensics.consequences import consequences
from hil.forensics.kinds import Kind
from hil.image.keys import PublicKey
from hil.mcuboot.trailer import TrailerLayout, read_swap_state
from hil.mcuboot.validate import BytesArea, Verdict, max_image_size_swap_move, validate_image

NRF5340_SLOT_SIZE = 0x78000
SECTOR_SIZE = 0x1000


@dataclass(frozen=True)
class Diagnosis:
    """What the slot holds, what that means for MCUboot, and MCUboot's verdict on it."""

    finding: Finding
    verdict: Verdict
    served_verdict: Verdict
    consequences: tuple[str, ...]
    slot_size: int
    image_sha256: str
    trailer: str | None
    """The swap state the trailer encodes, for a whole-slot dump."""

    @property
    def kind(self) -> Kind:
        return self.finding.kind

    @property
    def ok(self) -> bool:
        """The slot holds the served image unchanged and MCUboot would accept it."""
        return self.finding.kind is Kind.IDENTICAL and self.verdict.ok

    def to_dict(self) -> dict[str, Any]:
        header = self.verdict.header
        return {
            "ok": self.ok,
            **self.finding.to_dict(),
            "consequences": list(self.consequences),
            "verdict_ok": self.verdict.ok,
            "verdict_reason": self.verdict.reason,
            "signature_checked": self.verdict.signature_checked,
            "slot_version": str(header.version) if header else None,
            "served_ok": self.served_verdict.ok,
            "served_reason": self.served_verdict.reason,
            "image_sha256": self.image_sha256,
            "slot_size": self.slot_size,
            "trailer": self.trailer,
        }

    def marks(self) -> list[tuple[int, str]]:
        """Slot offsets worth pointing at in a picture: divergence, TLV info, cut, stale data."""
        finding, found = self.finding, []
        if finding.first_difference is not None and finding.kind is not Kind.ERASED:
            found.append((finding.first_difference, "first difference from the image"))
        served, slot = self.served_verdict.header, self.verdict.header
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

    def lines(self) -> list[str]:
        """The diagnosis for a terminal: the finding, then one line per consequence."""
        rows = [("finding", f"{self.kind.value}: {self.finding.summary}")]
        rows += [("effect", line) for line in self.consequences]
        if self.trailer:
            rows.append(("trailer", self.trailer))
        rows.append(("image", f"0x{self.finding.image_size:x} B, sha256 {self.image_sha256}"))
        rows.append(("dump", f"0x{self.finding.dump_size:x} B (slot 0x{self.slot_size:x})"))
        return [f"{name:<8} {value}" for name, value in rows]


def _slot_checks(slot_size: int) -> tuple[TrailerLayout, int]:
    try:
        return TrailerLayout(slot_size), max_image_size_swap_move(slot_size, SECTOR_SIZE)
    except HilError as err:
        raise HilError(f"slot size 0x{slot_size:x} is unusable: {err}") from None


def diagnose(
    image: bytes,
    slot: bytes,
    keys: Sequence[PublicKey] = (),
    slot_size: int | None = None,
) -> Diagnosis:
    """Diagnose ``slot`` (a dump from the slot start) against the served ``image``.

    ``slot_size`` defaults to the larger of the dump and the NCS v2.6.0 nRF5340 slot.
    """
    size = slot_size if slot_size is not None else max(len(slot), NRF5340_SLOT_SIZE)
    if len(slot) > size:
        raise HilError(f"the 0x{len(slot):x} B dump is larger than the 0x{size:x} B slot")
    if len(image) > size:
        raise HilError(f"the 0x{len(image):x} B image is larger than the 0x{size:x} B slot")
    layout, max_size = _slot_checks(size)
    whole = len(slot) == size
    finding = classify(image, slot, layout.status_off if whole else None)
    verdict = validate_image(BytesArea(slot, size), keys, max_size)
    served = validate_image(BytesArea(image, size), keys, max_size)
    trailer = read_swap_state(BytesArea(slot), layout).describe() if whole else None
    return Diagnosis(
        finding=finding,
        verdict=verdict,
        served_verdict=served,
        consequences=tuple(consequences(image, slot, finding, verdict, served)),
        slot_size=size,
        image_sha256=hashlib.sha256(image).hexdigest(),
        trailer=trailer,
    )
