"""Classify what a slot holds compared with the image that was served."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from hil.errors import HilError
from hil.forensics.bytesdiff import byte_diff, common_prefix, first_programmed, is_erased
from hil.forensics.candidates import Candidate, candidates
from hil.forensics.describe import describe
from hil.forensics.kinds import Kind
from hil.forensics.regions import image_header
from hil.image.header import HEADER_SIZE, IMAGE_MAGIC, ImageHeader
from hil.image.keys import signing_key_hash
from hil.mcuboot.validate import BytesArea, validate_image

SHOWN_OFFSETS = 16


@dataclass(frozen=True)
class Stale:
    """Programmed (non-0xFF) bytes after the image, before the trailer."""

    count: int
    first: int


@dataclass(frozen=True)
class Finding:
    """The classification: the kind, a one-line summary and the numbers behind it."""

    kind: Kind
    summary: str
    image_size: int
    dump_size: int
    candidate: Candidate
    """The form of the image the slot matches best (``unchanged`` when none does)."""
    match_length: int
    """Bytes from the slot start that equal ``candidate.expected``."""
    first_difference: int | None
    """First offset where the slot differs from the served image, None if it holds it."""
    changes: tuple[int, ...] = ()
    """Offsets of the bytes the mangling touched: image offsets of the LFs given a CR or the CRs
    removed; for bit errors, offsets in ``candidate.expected`` (the slot)."""
    stale: Stale | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def problem(self) -> bool:
        return self.kind is not Kind.IDENTICAL

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "summary": self.summary,
            "image_size": self.image_size,
            "dump_size": self.dump_size,
            "transform": self.candidate.name,
            "expected_size": len(self.candidate.expected),
            "match_length": self.match_length,
            "first_difference": self.first_difference,
            "changed": len(self.changes),
            "changed_offsets": list(self.changes[:SHOWN_OFFSETS]),
            "stale": None if self.stale is None else vars(self.stale).copy(),
            **self.details,
        }


def _stale(slot: bytes, start: int, limit: int | None) -> Stale | None:
    region = slot[start : len(slot) if limit is None else max(start, limit)]
    first = first_programmed(region)
    if first is None:
        return None
    return Stale(len(region) - region.count(0xFF), start + first)


def _bit_error_limit(size: int) -> int:
    return max(16, size // 256)


def classify(
    image: bytes, slot: bytes, trailer_start: int | None = None, slot_size: int | None = None
) -> Finding:
    """What ``slot`` (the dump from the slot start) holds relative to the served ``image``.

    ``trailer_start`` (slot offset of the MCUboot trailer, for a whole-slot dump) keeps the
    trailer out of the stale-data check; ``slot_size`` tells an image that outgrew the slot.
    """
    if not image:
        raise HilError("the served image is empty")
    if not slot:
        raise HilError("the slot dump is empty")
    first_diff = common_prefix(image, slot)
    first_difference = None if first_diff == len(image) else first_diff
    base = {"image_size": len(image), "dump_size": len(slot), "first_difference": first_difference}
    forms = candidates(image)

    def found(kind: Kind, form: Candidate, match: int, **extra: Any) -> Finding:
        extra["details"] = {**_form_details(form, forms), **extra.get("details", {})}
        finding = Finding(kind, "", candidate=form, match_length=match, **base, **extra)
        return replace(finding, summary=describe(finding))

    if is_erased(slot[: len(image)]):
        return found(Kind.ERASED, forms[0], 0, details={"whole_dump_erased": is_erased(slot)})
    for form in forms:
        if slot.startswith(form.expected):
            stale = _stale(slot, len(form.expected), trailer_start)
            kind = Kind.STALE_DATA if form.kind is Kind.IDENTICAL and stale else form.kind
            return found(kind, form, len(form.expected), changes=form.changes, stale=stale)
    resigned = _resigned(image, slot)
    if resigned is not None:
        return found(Kind.RESIGNED, forms[0], first_diff, details=resigned)
    prefixes = [common_prefix(slot, form.expected) for form in forms]
    best = max(range(len(forms)), key=prefixes.__getitem__)
    form, prefix = forms[best], prefixes[best]
    if is_erased(slot[prefix : len(form.expected)]):
        changes = tuple(
            offset for offset in form.changes if form.shift.slot_offset(offset) < prefix
        )
        dump_ends = len(slot) <= prefix
        outgrows = slot_size is not None and len(form.expected) > slot_size
        details = {
            "dump_ends": dump_ends,
            "missing": len(form.expected) - prefix,
            "outgrows_slot": outgrows,
            "slot_size": slot_size,
        }
        kind = Kind.TRUNCATED
        if dump_ends and not outgrows:
            kind = Kind.PARTIAL if form.kind is Kind.IDENTICAL else form.kind
        return found(kind, form, prefix, changes=changes, details=details)
    comparable = [form for form in forms if len(slot) >= len(form.expected)]
    if comparable:
        diffs = [byte_diff(form.expected, slot[: len(form.expected)]) for form in comparable]
        best = min(range(len(diffs)), key=lambda index: diffs[index].count)
        diff, form = diffs[best], comparable[best]
        if diff.count <= _bit_error_limit(len(form.expected)):
            return found(
                Kind.BIT_ERRORS,
                form,
                diff.offsets[0],
                changes=diff.offsets,
                details={
                    "differing_bytes": diff.count,
                    "flipped_bits": diff.bits,
                    "ones_to_zeros": diff.ones_to_zeros,
                    "zeros_to_ones": diff.zeros_to_ones,
                },
            )
    other = _other_image(slot)
    if other is not None:
        return found(Kind.OTHER_IMAGE, forms[0], first_diff, details=other)
    window = slot[: len(image)]
    differing = byte_diff(image[: len(window)], window).count
    return found(Kind.UNKNOWN, forms[0], first_diff, details={"differing_bytes": differing})


def _form_details(form: Candidate, forms: list[Candidate]) -> dict[str, Any]:
    """What the transformation is, for the transformation kinds."""
    if form.kind is Kind.LF_TO_CRLF:
        pyftpdlib_skips = next((f.skipped for f in forms if f.name == "pyftpdlib"), ())
        return {
            "variant": form.name,
            "lone_lf": len(form.changes) + len(form.skipped),
            "pyftpdlib_skips": list(pyftpdlib_skips),
        }
    if form.kind is Kind.CRLF_TO_LF:
        return {"variant": form.name, "final_cr_dropped": form.name == "stor"}
    return {}


def _resigned(image: bytes, slot: bytes) -> dict[str, Any] | None:
    """Header and payload of the served image, with other TLVs: the build signed again."""
    header = image_header(image)
    if header is None or slot[: header.tlv_offset] != image[: header.tlv_offset]:
        return None
    other = _other_image(slot)
    if other is None:
        return None
    served, now = signing_key_hash(image), signing_key_hash(slot)
    return {
        **other,
        "same_image_hash": _image_hash(image) == _image_hash(slot),
        "same_key": served == now,
        "slot_key_hash": now.hex() if now else None,
        "image_key_hash": served.hex() if served else None,
    }


def _image_hash(data: bytes) -> bytes | None:
    return validate_image(BytesArea(data), (), len(data)).image_hash


def _other_image(slot: bytes) -> dict[str, Any] | None:
    """Version and size of a complete, self-consistent MCUboot image in the slot."""
    if len(slot) < HEADER_SIZE:
        return None
    header = ImageHeader.parse(slot[:HEADER_SIZE])
    if header.magic != IMAGE_MAGIC:
        return None
    verdict = validate_image(BytesArea(slot), (), len(slot))
    if not verdict.ok or verdict.tlv_end is None:
        return None
    return {"slot_version": str(header.version), "slot_image_size": verdict.tlv_end}


def classify_window(image: bytes, data: bytes, start: int) -> Finding:
    """What a dump holding only slot offsets ``[start, start + len(data))`` shows, compared with
    each form the image may have taken (erased flash past a form's end)."""
    if not data:
        raise HilError("the slot dump is empty")
    end = start + len(data)
    base = {"image_size": len(image), "dump_size": len(data), "first_difference": None}
    forms = candidates(image)
    window = {"window": [start, end]}
    for form in forms:
        expected = form.expected[start:end]
        if data == expected + bytes([0xFF]) * (len(data) - len(expected)):
            kind = Kind.PARTIAL if form.kind is Kind.IDENTICAL else form.kind
            changes = tuple(
                offset for offset in form.changes if start <= form.shift.slot_offset(offset) < end
            )
            details = {**_form_details(form, forms), **window}
            finding = Finding(
                kind,
                "",
                candidate=form,
                match_length=len(data),
                changes=changes,
                details=details,
                **base,
            )
            return replace(finding, summary=describe(finding))
    differing = sum(1 for a, b in zip(data, image[start:end], strict=False) if a != b)
    finding = Finding(
        Kind.UNKNOWN,
        "",
        candidate=forms[0],
        match_length=0,
        details={**window, "differing_bytes": differing},
        **base,
    )
    return replace(finding, summary=describe(finding))
