"""The simulated DK's NCS v2.6.0 ftp_client: reply parsing, sockets, work queue, client."""

from hil.sim.ftp_client.client import (
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
