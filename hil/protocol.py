"""The console contract of the FTP-DFU firmware: its shell commands and its result lines.

The firmware, the simulated device and the console parser all use these definitions, so one
test can prove that they agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from hil.errors import HilError

PROMPT = "uart:~$ "
ZEPHYR_BANNER = "*** Booting nRF Connect SDK v3.5.99-ncs1 ***"
READY_PREFIX = "FTPDFU_READY"
PATH_MAX = 120  # FTPDFU_PATH_MAX: RETR is formatted into a 128-byte buffer
EPERM = 1  # Zephyr errno: `ftpdfu schedule` refused by the hardened firmware
EMSGSIZE = 122  # Zephyr errno: hardened, the received size differs from the announced one


class FirmwareFlavour(StrEnum):
    """Which build of the FTP-DFU firmware runs; the boot banner says it (``flavour=``)."""

    SEED = "seed"  # CONFIG_FTPDFU_HARDENED=n: reproduces the ASCII-mode bug
    HARDENED = "hardened"  # size check, `schedule` only after a good download


class ClientMode(StrEnum):
    """How the firmware sets the FTP transfer type before RETR."""

    DEFAULT = "default"  # no TYPE command: the server default (ASCII) applies
    ASCII = "ascii"  # ftp_type(FTP_TYPE_ASCII): TYPE A
    BINARY = "binary"  # ftp_type(FTP_TYPE_BINARY): TYPE I

    @property
    def type_command(self) -> str | None:
        return {ClientMode.ASCII: "TYPE A", ClientMode.BINARY: "TYPE I"}.get(self)


@dataclass(frozen=True)
class DownloadResult:
    """``FTPDFU_RESULT ftp=<code> dfu=<errno> rx=<bytes> late=<bytes>``: how the download ended.

    ``late`` counts bytes the ftp_client delivered after the download had ended (ignored, never
    written) up to the result line; older firmware prints no ``late=``.
    """

    ftp: int
    dfu: int
    rx: int
    late: int = 0

    @property
    def ok(self) -> bool:
        return self.ftp == 226 and self.dfu == 0

    @property
    def size_mismatch(self) -> bool:
        """The hardened firmware received more or fewer bytes than announced."""
        return self.dfu == -EMSGSIZE


def get_command(
    host: str, port: int, user: str, password: str, path: str, size: int, mode: ClientMode
) -> str:
    for name, value in (("host", host), ("user", user), ("password", password), ("path", path)):
        if not value or any(ch.isspace() for ch in value):
            raise HilError(f"the firmware shell cannot pass {name} {value!r}: empty or has spaces")
    if len(path) > PATH_MAX:
        raise HilError(f"path {path!r} is longer than the firmware's {PATH_MAX} characters")
    return f"ftpdfu get {host} {port} {user} {password} {path} {size} {mode.value}"


SCHEDULE_COMMAND = "ftpdfu schedule"
CONFIRM_COMMAND = "ftpdfu confirm"
VERSION_COMMAND = "ftpdfu version"
STATUS_COMMAND = "ftpdfu status"

RESULT_RE = re.compile(
    r"FTPDFU_RESULT ftp=(?P<ftp>-?\d+) dfu=(?P<dfu>-?\d+) rx=(?P<rx>\d+)(?: late=(?P<late>\d+))?"
)
SCHEDULE_RE = re.compile(
    r"FTPDFU_SCHEDULE rc=(?P<rc>-?\d+)(?: refused: last download (?P<refused>[\w-]+))?"
)
STATUS_RE = re.compile(
    r"FTPDFU_STATUS flavour=(?P<flavour>\w+) last=(?P<last>[\w-]+) late=(?P<late>\d+) "
    r"calls=(?P<calls>\d+)"
)
CONFIRM_RE = re.compile(r"FTPDFU_CONFIRM rc=(?P<rc>-?\d+)")
VERSION_RE = re.compile(r"FTPDFU_VERSION (?P<version>\d+\.\d+\.\d+\+\d+)")
READY_RE = re.compile(
    r"FTPDFU_READY version=(?P<version>\d+\.\d+\.\d+\+\d+)(?: flavour=(?P<flavour>\w+))?"
)
ERROR_RE = re.compile(r"FTPDFU_ERROR (?P<message>.*)")


def format_result(result: DownloadResult) -> str:
    return f"FTPDFU_RESULT ftp={result.ftp} dfu={result.dfu} rx={result.rx} late={result.late}"


def format_schedule(rc: int) -> str:
    return f"FTPDFU_SCHEDULE rc={rc}"


def format_schedule_refused(last: str) -> str:
    """The hardened firmware's answer to `ftpdfu schedule` unless the last download was good."""
    return f"FTPDFU_SCHEDULE rc={-EPERM} refused: last download {last}"


def format_status(flavour: FirmwareFlavour, last: str, late: int, calls: int) -> str:
    return f"FTPDFU_STATUS flavour={flavour} last={last} late={late} calls={calls}"


def format_confirm(rc: int) -> str:
    return f"FTPDFU_CONFIRM rc={rc}"


def format_version(version: str) -> str:
    return f"FTPDFU_VERSION {version}"


def format_ready(version: str, flavour: FirmwareFlavour = FirmwareFlavour.SEED) -> str:
    return f"{READY_PREFIX} version={version} flavour={flavour}"


def ready_flavour(line: str) -> FirmwareFlavour | None:
    """The flavour a boot banner names; None for firmware that names none (older builds)."""
    match = READY_RE.search(line)
    if match is None or match["flavour"] is None:
        return None
    try:
        return FirmwareFlavour(match["flavour"])
    except ValueError:
        raise HilError(f"unknown firmware flavour in the boot banner: {line!r}") from None


def format_error(message: str) -> str:
    return f"FTPDFU_ERROR {message}"


def format_ctrl(reply: str) -> str:
    """The control-channel echo of the firmware's ftp_client callback, one line per reply line."""
    return f"FTPCTRL {reply}"


def parse_result(line: str) -> DownloadResult:
    match = RESULT_RE.search(line)
    if not match:
        raise HilError(f"not a download result line: {line!r}")
    late = int(match["late"]) if match["late"] is not None else 0
    return DownloadResult(int(match["ftp"]), int(match["dfu"]), int(match["rx"]), late)
