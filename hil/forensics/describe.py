"""The one-line summary of a finding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hil.forensics.kinds import Kind

if TYPE_CHECKING:
    from hil.forensics.classify import Finding


def _first(finding: Finding) -> str:
    return f"0x{finding.changes[0]:x}" if finding.changes else "?"


def _unread_tail(finding: Finding) -> str:
    """What a dump that stops (or starts) inside the image leaves unknown."""
    window = finding.details.get("window")
    if window:
        return f" (seen in slot 0x{window[0]:x}-0x{window[1]:x}, all the dump holds)"
    if finding.details.get("dump_ends"):
        return f" (seen in the first 0x{finding.dump_size:x} B, where the dump ends)"
    return ""


def _lf_to_crlf(finding: Finding) -> str:
    inserted = len(finding.changes)
    new_size = len(finding.candidate.expected)
    which = "lone LF byte(s)"
    if finding.candidate.name == "every-lf":
        which = "LF byte(s), CR LF pairs included (CR LF became CR CR LF, as pure-ftpd sends it),"
    text = (
        f"ASCII transfer: {inserted} {which} became CR LF (+{inserted} B: "
        f"0x{finding.image_size:x} -> 0x{new_size:x} B), the first at image offset "
        f"{_first(finding)}{_unread_tail(finding)}"
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
        f"offset {_first(finding)}{_unread_tail(finding)}: an ASCII upload (STOR in TYPE A) "
        "or a client converting CR LF back"
    )
    if finding.details.get("final_cr_dropped"):
        text += "; the final CR was dropped, as pyftpdlib's STOR does"
    return text


def _after(finding: Finding) -> str:
    return {Kind.LF_TO_CRLF: " (after LF to CR LF)", Kind.CRLF_TO_LF: " (after CR LF to LF)"}.get(
        finding.candidate.kind, ""
    )


def _outgrown(finding: Finding) -> str:
    expected = len(finding.candidate.expected)
    slot_size = finding.details["slot_size"]
    padded = (
        " (imgtool --pad made it the size of the slot)" if finding.image_size == slot_size else ""
    )
    return (
        f"the 0x{finding.image_size:x} B image{padded} became 0x{expected:x} B "
        f"by {finding.candidate.label}: 0x{expected - slot_size:x} B more than the "
        f"0x{slot_size:x} B slot, so it no longer fits; the slot holds its first "
        f"0x{finding.match_length:x} B"
    )


def _partial(finding: Finding) -> str:
    window = finding.details.get("window")
    if window:
        return (
            f"the dump holds only slot 0x{window[0]:x}-0x{window[1]:x}: those bytes equal the "
            "image there; the rest of the slot was not read and cannot be known"
        )
    return (
        f"the dump ends at 0x{finding.dump_size:x}, before the image end "
        f"0x{len(finding.candidate.expected):x}: what it holds equals the image; the rest was "
        "not read and cannot be known (dump the whole slot)"
    )


def _resigned(finding: Finding) -> str:
    d = finding.details
    text = (
        "another signing of this build: header and payload are the served image's, the TLVs "
        "differ (RSA-PSS and ECDSA signatures change at every signing)"
    )
    if not d.get("same_key"):
        text += f"; signed with another key (key hash {str(d.get('slot_key_hash'))[:16]}...)"
    return text


def _truncated(finding: Finding) -> str:
    expected = len(finding.candidate.expected)
    after = _after(finding)
    if finding.details.get("outgrows_slot"):
        return _outgrown(finding)
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
        case Kind.PARTIAL:
            return _partial(finding)
        case Kind.RESIGNED:
            return _resigned(finding)
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
