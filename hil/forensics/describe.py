"""The one-line summary of a finding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hil.forensics.kinds import Kind

if TYPE_CHECKING:
    from hil.forensics.classify import Finding


def _first(finding: Finding) -> str:
    return f"0x{finding.changes[0]:x}" if finding.changes else "?"


def _lf_to_crlf(finding: Finding) -> str:
    inserted = len(finding.changes)
    new_size = len(finding.candidate.expected)
    text = (
        f"ASCII transfer: {inserted} lone LF byte(s) became CR LF (+{inserted} B: "
        f"0x{finding.image_size:x} -> 0x{new_size:x} B), the first at image offset "
        f"{_first(finding)}"
    )
    skipped = finding.candidate.skipped
    if skipped:
        where = ", ".join(f"0x{offset:x}" for offset in skipped)
        text += f"; as pyftpdlib sends it: the LF at chunk start {where} left alone"
    elif finding.details.get("pyftpdlib_skips"):
        text += "; by the RFC 959 rule, not pyftpdlib's 64 KiB variant: another server"
    return text


def _crlf_to_lf(finding: Finding) -> str:
    pairs = len(finding.changes) - int(finding.details.get("final_cr_dropped", False))
    text = (
        f"CR LF became LF {pairs} time(s) (-{len(finding.changes)} B), the first at image "
        f"offset {_first(finding)}: an ASCII upload (STOR in TYPE A) or a client converting "
        "CR LF back"
    )
    if finding.details.get("final_cr_dropped"):
        text += "; the final CR was dropped, as pyftpdlib's STOR does"
    return text


def _truncated(finding: Finding) -> str:
    expected = len(finding.candidate.expected)
    after = "" if finding.candidate.kind is Kind.IDENTICAL else " (after LF to CR LF)"
    if finding.candidate.kind is Kind.CRLF_TO_LF:
        after = " (after CR LF to LF)"
    if finding.details.get("dump_ends"):
        return (
            f"the dump ends at 0x{finding.dump_size:x}, before the image end 0x{expected:x}"
            f"{after}: what it holds matches; dump the whole slot"
        )
    return (
        f"the slot holds the first 0x{finding.match_length:x} of 0x{expected:x} B"
        f"{after} and is erased from there"
    )


def _bit_errors(finding: Finding) -> str:
    d = finding.details
    after = (
        "" if finding.candidate.kind is Kind.IDENTICAL else f" (after {finding.candidate.label})"
    )
    return (
        f"{d['differing_bytes']} byte(s) differ in place{after}, {d['flipped_bits']} bit(s) "
        f"flipped ({d['ones_to_zeros']} 1->0, {d['zeros_to_ones']} 0->1), the first at "
        f"{_first(finding)}; nothing inserted or removed"
    )


def describe(finding: Finding) -> str:
    """One line saying what the slot holds compared with the served image."""
    d = finding.details
    match finding.kind:
        case Kind.IDENTICAL:
            return f"the slot holds the image unchanged (0x{finding.image_size:x} B)"
        case Kind.STALE_DATA:
            stale = finding.stale
            assert stale is not None
            return (
                f"the image is intact, but {stale.count} programmed byte(s) follow it (the "
                f"first at 0x{stale.first:x}): old data the download did not erase"
            )
        case Kind.LF_TO_CRLF:
            return _lf_to_crlf(finding)
        case Kind.CRLF_TO_LF:
            return _crlf_to_lf(finding)
        case Kind.TRUNCATED:
            return _truncated(finding)
        case Kind.ERASED:
            return (
                "the slot is erased (all 0xFF where the image should be): nothing was written, "
                "or MCUboot rejected the image at the reboot and erased the slot"
            )
        case Kind.BIT_ERRORS:
            return _bit_errors(finding)
        case Kind.OTHER_IMAGE:
            return (
                f"the slot holds another complete MCUboot image (version {d['slot_version']}, "
                f"0x{d['slot_image_size']:x} B), not the served one"
            )
    return (
        f"the slot differs from the image from offset 0x{finding.first_difference or 0:x} "
        f"({d.get('differing_bytes', '?')} of {finding.image_size} bytes differ) "
        "in no known pattern"
    )
