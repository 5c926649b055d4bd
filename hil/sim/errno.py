"""Zephyr errno values the NCS DFU path returns (negated, as the C API does)."""

EIO = 5
ENOMEM = 12
EACCES = 13
EFAULT = 14
ENODEV = 19
EINVAL = 22
EFBIG = 27
ETIMEDOUT = 116
ECONNREFUSED = 111
ENOTSUP = 134
