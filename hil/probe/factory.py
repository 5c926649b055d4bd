"""Choose a probe backend by name and connect it to one J-Link."""

from __future__ import annotations

from collections.abc import Callable

from hil.probe.base import Probe, ProbeOptions
from hil.probe.errors import ProbeError

DEFAULT_BACKEND = "pynrfjprog"


def _lowlevel(options: ProbeOptions) -> Probe:
    from hil.probe.lowlevel import LowLevelProbe

    return LowLevelProbe(options)


def _nrfutil(options: ProbeOptions) -> Probe:
    from hil.probe.nrfutil import NrfutilProbe

    return NrfutilProbe(options)


def _nrfjprog(options: ProbeOptions) -> Probe:
    from hil.probe.nrfjprog import NrfjprogProbe

    return NrfjprogProbe(options)


BACKENDS: dict[str, Callable[[ProbeOptions], Probe]] = {
    "pynrfjprog": _lowlevel,
    "nrfutil": _nrfutil,
    "nrfjprog": _nrfjprog,
}


def create_probe(backend: str = DEFAULT_BACKEND, options: ProbeOptions | None = None) -> Probe:
    try:
        factory = BACKENDS[backend]
    except KeyError:
        known = ", ".join(BACKENDS)
        raise ProbeError(f"unknown probe backend {backend!r} (choose {known})") from None
    return factory(options or ProbeOptions())


def open_probe(
    backend: str = DEFAULT_BACKEND, snr: int | None = None, options: ProbeOptions | None = None
) -> Probe:
    """A connected probe on the app core; ProbeUnavailable when no software or no probe."""
    probe = create_probe(backend, options)
    try:
        probe.connect(snr)
    except BaseException:
        probe.close()
        raise
    return probe
