"""The byte sequences a slot may hold for one served image: each transfer mangling applied."""

from __future__ import annotations

from dataclasses import dataclass, field

from hil.forensics.kinds import Kind
from hil.forensics.transforms import (
    CR,
    Shift,
    crlf_offsets,
    crlf_to_lf,
    every_lf_to_crlf,
    lf_offsets,
    lf_to_crlf,
    lone_lf_offsets,
    pyftpdlib_ascii,
    pyftpdlib_skipped_lf,
)


@dataclass(frozen=True)
class Candidate:
    """``expected``: the image after a transformation that changed the bytes at ``changes``."""

    kind: Kind
    name: str
    expected: bytes
    changes: tuple[int, ...] = ()
    shift: Shift = field(default_factory=Shift)
    skipped: tuple[int, ...] = ()
    """Lone LFs left alone (pyftpdlib's 64 KiB quirk)."""

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)


LABELS = {
    "unchanged": "unchanged",
    "pyftpdlib": "LF to CR LF as pyftpdlib sends it",
    "rfc": "LF to CR LF (RFC 959 rule)",
    "every-lf": "every LF to CR LF, CR LF included (as pure-ftpd sends it)",
    "crlf": "CR LF to LF",
    "stor": "CR LF to LF, final CR dropped",
}


def candidates(image: bytes) -> list[Candidate]:
    """The image as served, then after LF→CRLF (pyftpdlib, RFC 959 and pure-ftpd's every-LF
    rule, each only where it differs from the others), then after CRLF→LF."""
    found = [Candidate(Kind.IDENTICAL, "unchanged", image)]
    lone = lone_lf_offsets(image)
    if lone:
        skipped = pyftpdlib_skipped_lf(image)
        left_alone = set(skipped)
        translated = tuple(offset for offset in lone if offset not in left_alone)
        found.append(
            Candidate(
                Kind.LF_TO_CRLF,
                "pyftpdlib" if skipped else "rfc",
                pyftpdlib_ascii(image),
                translated,
                Shift(translated, +1),
                tuple(skipped),
            )
        )
        if skipped:
            all_lone = tuple(lone)
            found.append(
                Candidate(Kind.LF_TO_CRLF, "rfc", lf_to_crlf(image), all_lone, Shift(all_lone, +1))
            )
    pairs = tuple(crlf_offsets(image))
    if pairs:
        every = tuple(lf_offsets(image))
        found.append(
            Candidate(Kind.LF_TO_CRLF, "every-lf", every_lf_to_crlf(image), every, Shift(every, +1))
        )
        found.append(Candidate(Kind.CRLF_TO_LF, "crlf", crlf_to_lf(image), pairs, Shift(pairs, -1)))
    if image and image[-1] == CR:
        removed = (*pairs, len(image) - 1)
        found.append(
            Candidate(
                Kind.CRLF_TO_LF,
                "stor",
                crlf_to_lf(image, drop_final_cr=True),
                removed,
                Shift(removed, -1),
            )
        )
    return found
