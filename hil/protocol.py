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
    """``FTPDFU_RESULT ftp=<code> dfu=<errno> rx=<bytes>``: how the download ended."""

    ftp: int
    dfu: int
    rx: int

    @property
    def ok(self) -> bool:
        return self.ftp == 226 and self.dfu == 0


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

RESULT_RE = re.compile(r"FTPDFU_RESULT ftp=(?P<ftp>-?\d+) dfu=(?P<dfu>-?\d+) rx=(?P<rx>\d+)")
SCHEDULE_RE = re.compile(r"FTPDFU_SCHEDULE rc=(?P<rc>-?\d+)")
CONFIRM_RE = re.compile(r"FTPDFU_CONFIRM rc=(?P<rc>-?\d+)")
VERSION_RE = re.compile(r"FTPDFU_VERSION (?P<version>\d+\.\d+\.\d+\+\d+)")
READY_RE = re.compile(r"FTPDFU_READY version=(?P<version>\d+\.\d+\.\d+\+\d+)")
ERROR_RE = re.compile(r"FTPDFU_ERROR (?P<message>.*)")


def format_result(result: DownloadResult) -> str:
    return f"FTPDFU_RESULT ftp={result.ftp} dfu={result.dfu} rx={result.rx}"


def format_schedule(rc: int) -> str:
    return f"FTPDFU_SCHEDULE rc={rc}"


def format_confirm(rc: int) -> str:
    return f"FTPDFU_CONFIRM rc={rc}"


def format_version(version: str) -> str:
    return f"FTPDFU_VERSION {version}"


def format_ready(version: str) -> str:
    return f"{READY_PREFIX} version={version}"


def format_error(message: str) -> str:
    return f"FTPDFU_ERROR {message}"


def format_ctrl(reply: str) -> str:
    """The control-channel echo of the firmware's ftp_client callback, one line per reply line."""
    return f"FTPCTRL {reply}"


def parse_result(line: str) -> DownloadResult:
    match = RESULT_RE.search(line)
    if not match:
        raise HilError(f"not a download result line: {line!r}")
    return DownloadResult(int(match["ftp"]), int(match["dfu"]), int(match["rx"]))
