"""J-Link probe access for the nRF5340 DK: program, reset, read internal and QSPI flash."""

from hil.probe.base import (
    XIP_BASE,
    ComPort,
    Core,
    Memory,
    Probe,
    ProbeOptions,
    Progress,
    ResetKind,
)
from hil.probe.errors import ProbeError, ProbeProtected, ProbeUnavailable
from hil.probe.factory import BACKENDS, DEFAULT_BACKEND, create_probe, open_probe

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "XIP_BASE",
    "ComPort",
    "Core",
    "Memory",
    "Probe",
    "ProbeError",
    "ProbeOptions",
    "ProbeProtected",
    "ProbeUnavailable",
    "Progress",
    "ResetKind",
    "create_probe",
    "open_probe",
]
