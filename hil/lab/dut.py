"""``--dut nrf`` on a labgrid place: the same ``NrfDut`` as on a local bench.

The place describes the bench (probe, console, tags such as ``recover`` or
``after_external_read``); the build's files come from the run's options. The place is the lock.
"""

from __future__ import annotations

import atexit
import logging
import threading
from pathlib import Path

from hil.bench.hwmap import DkEntry
from hil.bench.nrf_dut import NrfDut
from hil.errors import HilError
from hil.lab.errors import LabError
from hil.lab.labprobe import LabProbe
from hil.lab.labtarget import LabTarget
from hil.lab.session import LabSession
from hil.lab.settings import LabSettings
from hil.layout import Layout

log = logging.getLogger("hil.lab")

_target: LabTarget | None = None
_failed: LabError | None = None
_lock = threading.Lock()
CLOSE_WAIT = 15.0  # how long the end of a run waits for a place being prepared


def lab_target(settings: LabSettings) -> LabTarget:
    """This process's place, reserved/acquired and expanded on first use."""
    global _target, _failed
    with _lock:
        if _failed is not None:
            raise _failed  # the same one line for every later test, at once
        if _target is None:
            try:
                _target = LabTarget(settings)
            except LabError as err:
                _failed = err
                raise
            atexit.register(close_lab_target)
        return _target


def prepare_lab_target(settings: LabSettings) -> None:
    """Get this process's place ready in the background; ``lab_target`` then waits for it.

    Reserving, acquiring, starting the probe agent and opening the console take about a
    second, mostly waits in labgrid's exporter and pyserial's RFC2217 handshake. A failure is
    kept and reaches the first test that needs the DK as the usual one line.
    """

    def prepare() -> None:
        try:
            lab_target(settings)
        except Exception as err:  # kept in _failed; the first test reports it
            log.debug("preparing the place failed: %s", err)

    threading.Thread(target=prepare, name="prepare place", daemon=True).start()


def close_lab_target() -> None:
    """Release the place (and the reservation) this process holds, if any.

    A place still being prepared stops waiting for a free place at once (Ctrl-C during
    collection must not wait out ``--hw-lock-timeout``).
    """
    global _target, _failed
    LabSession.stop_waiting.set()
    try:
        if not _lock.acquire(timeout=CLOSE_WAIT):
            log.warning("the place is still being prepared after %g s; leaving it to labgrid "
                        "(an unacquired reservation expires by itself)", CLOSE_WAIT)
            return
        try:
            target, _target, _failed = _target, None, None
        finally:
            _lock.release()
        if target is not None:
            target.close()
    finally:
        LabSession.stop_waiting.clear()


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


def place_entry(settings: LabSettings, target: LabTarget, backend: str) -> DkEntry:
    """The DK as ``NrfDut`` knows it: the bench from the place, the build from the options."""
    if settings.build_dir is None:
        raise LabError("--dut nrf on a labgrid place needs --hil-build DIR (the west build)")
    tags = target.tags
    default_after = "resume" if backend == "sim" else "reset"
    return DkEntry(
        id=target.place,
        snr=int(target.driver.snr or 0),
        build_dir=settings.build_dir,
        update_image=settings.update_image,
        signing_key=settings.signing_key,
        ftp_host=settings.ftp_advertise or tags.get("ftp_host"),
        recover=_flag(tags.get("recover")),
        after_external_read=tags.get("after_external_read", default_after),
        board=tags.get("board_name", "nrf5340dk_nrf5340_cpuapp"),
        source=f"place {target.place}",
    )


def create_lab_dut(settings: LabSettings, layout: Layout, workdir: Path) -> NrfDut:
    """An NrfDut on this process's place; ProbeUnavailable (skip) when the J-Link is absent."""
    from hil.bench.build import resolve_build
    from hil.bench.connect import _layout as build_layout

    target = lab_target(settings)
    target.check()
    backend = target.driver.probe.backend
    entry = place_entry(settings, target, backend)
    build = resolve_build(entry)
    lease = target.console.lend(workdir / "console.log")
    try:
        return NrfDut(
            entry, LabProbe(target.driver, backend), lease,  # type: ignore[arg-type]
            build_layout(entry, build.partitions, layout), build.merged_hex, lock=None,
        )
    except HilError:
        lease.close()
        raise
