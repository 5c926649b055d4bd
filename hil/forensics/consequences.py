"""What a finding means for MCUboot: which header field or TLV moved or broke, and why."""

from __future__ import annotations

import struct

from hil.forensics.classify import Finding
from hil.forensics.kinds import Kind
from hil.forensics.regions import changes_by_region, header_changes, image_header
from hil.forensics.slotcheck import SlotVerdict
from hil.image.header import HEADER_SIZE, ImageHeader
from hil.image.tlv import TLV_INFO_MAGIC, TLV_PROT_INFO_MAGIC
from hil.mcuboot.validate import Verdict

_U16 = struct.Struct("<H")


def _u16_at(data: bytes, offset: int) -> int | None:
    if offset + 2 > len(data):
        return None
    return _U16.unpack_from(data, offset)[0]


def _region_line(image: bytes, finding: Finding) -> str | None:
    if not finding.changes or finding.kind in (Kind.UNKNOWN, Kind.OTHER_IMAGE):
        return None
    if finding.kind is Kind.BIT_ERRORS and finding.candidate.kind is not Kind.IDENTICAL:
        return None
    counts = changes_by_region(image, finding.changes)
    parts = ", ".join(f"{name} {count}" for name, count in counts.items())
    return f"changed bytes by image region: {parts}"


def _hash_line(image: bytes, finding: Finding) -> str | None:
    header = image_header(image)
    first = finding.first_difference
    if header is None or first is None:
        return None
    hashed = header.tlv_offset + header.protect_tlv_size
    if first >= hashed:
        return None
    return (
        f"the hashed range [0, 0x{hashed:x}) differs from offset 0x{first:x} on: the image "
        "hash cannot match the SHA256 TLV"
    )


def _tlv_info_line(image: bytes, slot: bytes, finding: Finding) -> list[str]:
    header = image_header(image)
    if header is None or len(slot) < HEADER_SIZE:
        return []
    slot_header = ImageHeader.parse(slot[:HEADER_SIZE])
    at = slot_header.tlv_offset
    found = _u16_at(slot, at) if at < len(slot) else None
    wanted = TLV_PROT_INFO_MAGIC if header.protect_tlv_size else TLV_INFO_MAGIC
    lines = []
    if found != wanted:
        shown = "nothing: it is past the end of the dump" if found is None else f"0x{found:04X}"
        text = f"TLV info expected at 0x{at:X}, found {shown}"
        if at != header.tlv_offset:
            text += f" (the header now puts it there; the image had it at 0x{header.tlv_offset:X})"
        lines.append(text)
    moved = _moved_line(header.tlv_offset, finding)
    if moved:
        lines.append(moved)
    return lines


def _moved_line(tlv_offset: int, finding: Finding) -> str | None:
    form = finding.candidate
    if form.kind not in (Kind.LF_TO_CRLF, Kind.CRLF_TO_LF) or not form.shift.positions:
        return None
    count = form.shift.before(tlv_offset)
    if count == 0:
        return None
    now = form.shift.slot_offset(tlv_offset)
    what = "CR inserted" if form.shift.step > 0 else "CR removed"
    text = (
        f"the image's TLV info moved from 0x{tlv_offset:X} to 0x{now:X} "
        f"({now - tlv_offset:+#x}: {count} {what} before it)"
    )
    if finding.kind is Kind.TRUNCATED and now >= finding.match_length:
        text += f", but the slot is erased from 0x{finding.match_length:X}"
    return text


def _kind_lines(finding: Finding, verdict: Verdict | None) -> list[str]:
    tlv_end = None if verdict is None else verdict.tlv_end
    match finding.kind:
        case Kind.ERASED:
            return [
                "header magic reads 0xffffffff: MCUboot sees no image (no ERR line, only the "
                "trailer is erased); an erased slot after the reboot means MCUboot rejected the "
                "image and erased it: dump the slot before the reset to keep the evidence"
            ]
        case Kind.STALE_DATA if finding.stale and tlv_end is not None:
            return [
                f"MCUboot reads nothing past the TLV end 0x{tlv_end:x}: the stale data does not "
                "change its verdict, but a later, larger image would be written over it"
            ]
        case Kind.OTHER_IMAGE:
            return [
                "a complete image of another version: after a successful swap the secondary "
                "slot holds the previous image"
            ]
    return []


def _wrong_file_line(image: bytes, slot: bytes, finding: Finding) -> str | None:
    """For bytes in no known pattern: a slot image whose header differs from the served one."""
    if finding.kind is not Kind.UNKNOWN:
        return None
    served, held = image_header(image), image_header(slot)
    if served is None or held is None:
        return None
    if (held.version, held.img_size) == (served.version, served.img_size):
        return None
    return (
        f"the slot holds an image header of version {held.version}, image size "
        f"0x{held.img_size:x}; IMAGE is version {served.version}, 0x{served.img_size:x}: is IMAGE "
        "the file that was served?"
    )


def verdict_line(check: SlotVerdict) -> str:
    """MCUboot's verdict on the slot, when it applies, or why it cannot be known."""
    verdict = check.verdict
    if verdict is None:
        return f"MCUboot's verdict cannot be known from this dump: {check.unknown}"
    header = verdict.header
    if header is not None and (header.is_erased or header.non_bootable):
        why = "its header magic is erased" if header.is_erased else "it is flagged NON_BOOTABLE"
        return f"MCUboot v2.0.99-ncs1 finds no image to boot in the slot: {why}"
    when = check.upgrade.condition()
    if verdict.ok:
        note = "" if verdict.signature_checked else " (signature not checked: pass --key)"
        return f"MCUboot v2.0.99-ncs1 would accept the slot {when}{note}"
    return f"MCUboot v2.0.99-ncs1 would reject the slot {when}: {verdict.reason}"


def consequences(
    image: bytes, slot: bytes, finding: Finding, check: SlotVerdict, served: Verdict
) -> list[str]:
    """Lines naming the header fields and TLVs that moved or broke, then MCUboot's verdict."""
    if image_header(image) is None:
        return [
            "the served file is not an MCUboot image (no header magic): only the bytes compared",
            verdict_line(check),
        ]
    lines: list[str] = []
    if not served.ok:
        lines.append(f"the served image itself is rejected: {served.reason}")
    if finding.kind not in (Kind.ERASED, Kind.OTHER_IMAGE, Kind.UNKNOWN) and len(slot) >= 32:
        lines += [f"header {change}" for change in header_changes(image, slot)]
    if finding.kind not in (Kind.ERASED, Kind.OTHER_IMAGE):
        for line in (_region_line(image, finding), _hash_line(image, finding)):
            if line:
                lines.append(line)
        lines += _tlv_info_line(image, slot, finding)
    lines += _kind_lines(finding, check.verdict)
    wrong = _wrong_file_line(image, slot, finding)
    if wrong:
        lines.append(wrong)
    lines.append(verdict_line(check))
    return lines
