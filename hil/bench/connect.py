"""Bring up a bench DUT: pick and lock a DK, attach its probe, open its console."""

from __future__ import annotations

import logging
from pathlib import Path

from hil.bench.build import resolve_build
from hil.bench.console_port import find_console_port
from hil.bench.hwmap import DkEntry, HardwareMap
from hil.bench.lock import acquire_dk
from hil.bench.nrf_dut import NrfDut
from hil.bench.serial_console import SerialConsole
from hil.bench.settings import BenchSettings
from hil.console import Console
from hil.errors import HilError
from hil.layout import Layout
from hil.probe import DEFAULT_BACKEND, Probe, ProbeUnavailable, create_probe, open_probe
from hil.probe.errors import NO_PROBE

log = logging.getLogger("hil.bench")


def _no_map(settings: BenchSettings) -> HilError:
    """Without a hardware map: skip when there is no probe, else say what is missing."""
    backend = settings.backend or DEFAULT_BACKEND
    probe = create_probe(backend)
    try:
        found = probe.list_probes()
    finally:
        probe.close()
    if not found:
        raise ProbeUnavailable(NO_PROBE)
    listed = ", ".join(str(snr) for snr in found)
    return HilError(
        f"J-Link {listed} attached but no hardware map: pass --hw-map FILE (or set HIL_HW_MAP)"
    )


def _layout(entry: DkEntry, partitions: Path | None, fallback: Layout) -> Layout:
    if partitions is None:
        log.info("%s: no partitions.yml in the build; using %s", entry.id, fallback.source)
        return fallback
    layout = Layout.load(partitions)
    if layout.secondary != fallback.secondary:
        log.info("%s: using the build's layout %s (%s)", entry.id, partitions,
                 layout.secondary.describe())
    return layout


def _console(entry: DkEntry, probe: Probe, log_path: Path) -> SerialConsole:
    port = entry.console
    if port == "auto":
        port = find_console_port(entry.snr, probe.com_ports(), entry.console_vcom)
    console = Console(f"{entry.id} console", log_path)
    serial = SerialConsole(
        port, console, entry.baud, write_chunk=entry.write_chunk, write_delay=entry.write_delay
    )
    try:
        return serial.start()
    except BaseException:
        console.close()
        raise


def connect_dut(settings: BenchSettings, layout: Layout, workdir: Path) -> NrfDut:
    """A ready NrfDut; ProbeUnavailable when no J-Link software or probe is there."""
    if settings.hw_map is None:
        raise _no_map(settings)
    hwmap = HardwareMap.load(settings.hw_map)
    lock = acquire_dk(hwmap.select(settings.dk), settings.lock_dir, settings.lock_timeout)
    entry = lock.entry
    probe: Probe | None = None
    try:
        probe = open_probe(settings.backend or entry.backend, entry.snr, entry.probe_options())
        build = resolve_build(entry)
        serial = _console(entry, probe, workdir / "console.log")
        return NrfDut(
            entry, probe, serial, _layout(entry, build.partitions, layout), build.merged_hex, lock
        )
    except BaseException:
        if probe is not None:
            probe.close()
        lock.release()
        raise
