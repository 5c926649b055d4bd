"""Zephyr's errno numbers (newlib's) for what the client's sockets report."""

from __future__ import annotations

import errno as host_errno

from hil.sim.errno import ECONNREFUSED, EINVAL, EIO, ETIMEDOUT

EBADF = 9
EAGAIN = 11
EPIPE = 32
ECONNRESET = 104
ECONNABORTED = 113
ENETUNREACH = 114
ENETDOWN = 115
EHOSTUNREACH = 118
ENOTCONN = 128

_ZEPHYR = {
    "EIO": EIO,
    "EBADF": EBADF,
    "EAGAIN": EAGAIN,
    "EWOULDBLOCK": EAGAIN,
    "EINVAL": EINVAL,
    "EPIPE": EPIPE,
    "ECONNRESET": ECONNRESET,
    "ECONNREFUSED": ECONNREFUSED,
    "ECONNABORTED": ECONNABORTED,
    "ENETUNREACH": ENETUNREACH,
    "ENETDOWN": ENETDOWN,
    "EHOSTUNREACH": EHOSTUNREACH,
    "ENOTCONN": ENOTCONN,
    "ETIMEDOUT": ETIMEDOUT,
}


def zephyr_errno(error: OSError) -> int:
    """The positive Zephyr errno for a host socket error (EIO when it has no counterpart)."""
    if isinstance(error, TimeoutError):
        return ETIMEDOUT
    name = host_errno.errorcode.get(error.errno or 0, "")
    return _ZEPHYR.get(name, EIO)
