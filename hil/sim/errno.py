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

NAMES = {
    EIO: "EIO",
    ENOMEM: "ENOMEM",
    EACCES: "EACCES",
    EFAULT: "EFAULT",
    ENODEV: "ENODEV",
    EINVAL: "EINVAL",
    EFBIG: "EFBIG",
    ETIMEDOUT: "ETIMEDOUT",
    ECONNREFUSED: "ECONNREFUSED",
    ENOTSUP: "ENOTSUP",
}


def errno_name(code: int) -> str:
    """'-EFBIG' for -27, '0' for 0, the number otherwise."""
    if code == 0:
        return "0"
    name = NAMES.get(-code)
    return f"-{name}" if code < 0 and name else str(code)
