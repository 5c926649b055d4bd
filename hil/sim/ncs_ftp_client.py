"""The NCS v2.6.0 ftp_client of the simulated DK (implemented in :mod:`hil.sim.ftp_client`)."""

from hil.sim.ftp_client import (
    DATA_TIMEOUT,
    KEEPALIVE_DELAY,
    KEEPALIVE_TIME,
    LISTEN_TIME,
    MAX_BUFFER,
    OVERFLOW_WARNING,
    ClientDefects,
    NcsFtpClient,
)

__all__ = [
    "DATA_TIMEOUT",
    "KEEPALIVE_DELAY",
    "KEEPALIVE_TIME",
    "LISTEN_TIME",
    "MAX_BUFFER",
    "OVERFLOW_WARNING",
    "ClientDefects",
    "NcsFtpClient",
]
