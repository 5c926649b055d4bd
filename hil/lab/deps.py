"""Is the ``serial`` package on disk pyserial-labgrid's, as labgrid needs?

labgrid depends on pyserial-labgrid, the project on pyserial; both install the package
``serial``. Whichever pip installs last wins, and ``pip check`` cannot tell. The files'
hashes against each distribution's RECORD can.
"""

from __future__ import annotations

import base64
import hashlib
from importlib import metadata
from pathlib import Path

LAB_SERIAL = "pyserial-labgrid"
FIX = f"pip install --force-reinstall --no-deps {LAB_SERIAL}"


def _mismatched(dist: metadata.Distribution, package: str) -> list[str]:
    """Files of ``package`` listed by ``dist`` whose content on disk is not ``dist``'s."""
    bad = []
    for entry in dist.files or ():
        if entry.parts[0] != package or not entry.hash or entry.hash.mode != "sha256":
            continue
        path = Path(str(dist.locate_file(entry)))
        try:
            digest = hashlib.sha256(path.read_bytes()).digest()
        except OSError:
            bad.append(str(entry))
            continue
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != entry.hash.value:
            bad.append(str(entry))
    return bad


def serial_problem() -> str | None:
    """None when ``serial`` is intact pyserial-labgrid; else one line with the fix."""
    try:
        dist = metadata.distribution(LAB_SERIAL)
    except metadata.PackageNotFoundError:
        return f"{LAB_SERIAL} is not installed (labgrid needs it): {FIX}"
    bad = _mismatched(dist, "serial")
    if bad:
        return (
            f"the serial package is not {LAB_SERIAL}'s ({bad[0]} differs: plain pyserial "
            f"was installed over it): {FIX}"
        )
    return None
