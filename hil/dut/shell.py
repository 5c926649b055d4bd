"""Device operations done through the FTP-DFU firmware's shell, shared by sim and bench."""

from __future__ import annotations

import logging
import re
from abc import abstractmethod

from hil import protocol
from hil.console import Console
from hil.dut.base import Dut, FtpEndpoint
from hil.dut.bootlog import BOOT_DONE_RE, BootLog
from hil.errors import HilError
from hil.protocol import ClientMode, DownloadResult

log = logging.getLogger("hil.dut")

COMMAND_TIMEOUT = 10.0
DOWNLOAD_TIMEOUT = 180.0
BOOT_TIMEOUT = 30.0  # MCUboot hashes and erases the slot first: seconds on QSPI


class ShellDut(Dut):
    """A Dut whose downloads, scheduling and confirmation are shell commands on its console.

    Subclasses supply the transport (``send_line``), the reset, slot reads and provisioning.
    """

    console: Console

    @abstractmethod
    def send_line(self, line: str) -> None:
        """Type one line into the device's shell."""

    def _command(
        self, line: str, reply: re.Pattern[str], timeout: float, secret: str | None = None
    ) -> re.Match[str]:
        self.console.mark()
        shown = line.replace(secret, "******") if secret else line
        log.info("%s: shell> %s", self.kind, shown)
        self.send_line(line)
        found = self.console.readlines_until(reply, timeout)
        match = reply.search(found[-1])
        assert match is not None
        return match

    def download(
        self, endpoint: FtpEndpoint, path: str, size: int, mode: ClientMode
    ) -> DownloadResult:
        self.console.add_secret(endpoint.password)
        line = protocol.get_command(
            endpoint.host, endpoint.port, endpoint.user, endpoint.password, path, size, mode
        )
        reply = re.compile(f"{protocol.RESULT_RE.pattern}|{protocol.ERROR_RE.pattern}")
        match = self._command(line, reply, DOWNLOAD_TIMEOUT, secret=endpoint.password)
        if match["message"] is not None:
            raise HilError(f"{self.kind}: the firmware refused the download: {match['message']}")
        result = protocol.parse_result(match.group(0))
        log.info("%s: download %s in %s mode -> %s", self.kind, path, mode, result)
        return result

    def schedule_update(self) -> int:
        match = self._command(protocol.SCHEDULE_COMMAND, protocol.SCHEDULE_RE, COMMAND_TIMEOUT)
        rc = int(match["rc"])
        log.info("%s: schedule update -> rc=%d", self.kind, rc)
        return rc

    def confirm(self) -> int:
        match = self._command(protocol.CONFIRM_COMMAND, protocol.CONFIRM_RE, COMMAND_TIMEOUT)
        rc = int(match["rc"])
        log.info("%s: confirm -> rc=%d", self.kind, rc)
        return rc

    def running_version(self) -> str:
        return self._command(protocol.VERSION_COMMAND, protocol.VERSION_RE, COMMAND_TIMEOUT)[
            "version"
        ]

    def wait_for_boot(self) -> BootLog:
        """Lines from the reset until the app's ready line (or MCUboot giving up)."""
        lines = self.console.readlines_until(BOOT_DONE_RE, BOOT_TIMEOUT)
        boot = BootLog(tuple(lines))
        log.info("%s: booted: decision=%s version=%s", self.kind, boot.decision, boot.app_version)
        return boot
