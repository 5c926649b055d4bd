"""Finding the app-core console of a DK: the J-Link OB's VCOM1, preferably by a stable path."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

from hil.errors import HilError
from hil.probe import ComPort

log = logging.getLogger("hil.bench")

BY_ID_DIR = Path("/dev/serial/by-id")
APP_CONSOLE_VCOM = 1  # VCOM1 = uart0 = zephyr,console on the nRF5340 DK
_INTERFACE_RE = re.compile(r"-if(?P<num>\d+)")


def by_id_ports(snr: int, by_id_dir: Path = BY_ID_DIR) -> list[Path]:
    """``/dev/serial/by-id`` links of this J-Link, ordered by USB interface number."""
    if not by_id_dir.is_dir():
        return []
    wanted = str(snr)
    found = []
    for link in by_id_dir.iterdir():
        name = link.name
        digits = re.findall(r"\d+", name)
        if "J-Link" in name and any(d.lstrip("0") == wanted for d in digits):
            match = _INTERFACE_RE.search(name)
            found.append((int(match["num"]) if match else 0, link))
    return [link for _, link in sorted(found)]


def _same_device(a: str | Path, b: str | Path) -> bool:
    try:
        return os.path.realpath(a) == os.path.realpath(b)
    except OSError:
        return False


def find_console_port(
    snr: int,
    com_ports: Sequence[ComPort],
    vcom: int = APP_CONSOLE_VCOM,
    by_id_dir: Path = BY_ID_DIR,
) -> str:
    """The port of VCOM ``vcom``: by-id link when one matches (survives re-enumeration)."""
    links = by_id_ports(snr, by_id_dir)
    from_probe = [p.path for p in com_ports if p.vcom == vcom]
    if from_probe:
        for link in links:
            if _same_device(link, from_probe[0]):
                return str(link)
        return from_probe[0]
    if len(links) > vcom:
        log.info("console: probe reported no COM ports; using by-id link #%d", vcom)
        return str(links[vcom])
    listed = ", ".join(f"{p.path} (VCOM{p.vcom})" for p in com_ports) or "none"
    raise HilError(
        f"cannot find the console (VCOM{vcom}) of J-Link {snr}: ports seen: {listed}; set "
        "'console: /dev/ttyACMx' for this DK in the hardware map"
    )
