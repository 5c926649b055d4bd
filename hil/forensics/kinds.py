"""What happened to an image on its way into the slot."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    IDENTICAL = "identical"
    """The slot holds the image, erased flash after it."""
    LF_TO_CRLF = "lf-to-crlf"
    """An ASCII (TYPE A) download: CR inserted before lone LF bytes."""
    CRLF_TO_LF = "crlf-to-lf"
    """An ASCII upload, or a client converting back: CR LF became LF."""
    TRUNCATED = "truncated"
    """The slot (or the dump) stops part-way; erased after that."""
    ERASED = "erased"
    """All 0xFF where the image should be: nothing written, or MCUboot erased it."""
    STALE_DATA = "stale-data"
    """The image is intact but old data follows it."""
    BIT_ERRORS = "bit-errors"
    """A few bytes differ in place, nothing inserted or removed."""
    RESIGNED = "another-signing"
    """The same build (header and payload) signed again: only the TLVs differ."""
    PARTIAL = "partial-dump"
    """The dump ends, or starts, inside the image: what it holds matches, the rest is unknown."""
    OTHER_IMAGE = "other-image"
    """A complete MCUboot image, but not the served one (e.g. the old one after a swap)."""
    UNKNOWN = "unknown"
    """None of the above."""
