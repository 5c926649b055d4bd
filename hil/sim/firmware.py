"""The FTP-DFU application as it runs on the simulated nRF5340: its shell and its data path."""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from hil import protocol
from hil.mcuboot.trailer import TrailerLayout, confirm_image
from hil.protocol import ClientMode, DownloadResult
from hil.sim import core_lib
from hil.sim.dfu_target import IDENTIFY_MIN_LEN, DfuTarget, img_type
from hil.sim.errno import EINVAL, ENOTSUP
from hil.sim.flash import FlashArea
from hil.sim.ncs_ftp_client import NcsFtpClient

log = logging.getLogger("hil.sim")

FLASH_BUF_LEN = 4096  # one 4 KiB page, __aligned(4): the largest buffer stream_flash accepts


_FALLBACK_WARNED = False


def _warn_fallback() -> None:
    global _FALLBACK_WARNED
    _FALLBACK_WARNED = True
    log.warning(
        "sim: the firmware's ftpdfu_core.c cannot run (%s); using its Python model",
        core_lib.unavailable_reason() or "unknown reason",
    )


def _parse_uint(text: str, maximum: int) -> int:
    """ftpdfu_parse_uint(): decimal, or 0x/0o/0b prefixed; no sign, no underscores."""
    if not text or not text.isascii() or "_" in text or text[0] in "+-" or text != text.strip():
        raise ValueError(text)
    value = int(text, 0)
    if value > maximum:
        raise ValueError(text)
    return value


@dataclass
class _Download:
    """State of one ``ftpdfu get``: the header held back for type detection, counters, error."""

    dfu: DfuTarget
    file_size: int
    head: bytearray = field(default_factory=bytearray)
    received: int = 0
    started: bool = False
    error: int = 0

    def on_data(self, chunk: bytes) -> None:
        """The ftp_client data callback: identify the image from 32 bytes, then stream it."""
        self.received += len(chunk)
        if self.error:
            return
        if not self.started:
            need = IDENTIFY_MIN_LEN - len(self.head)
            self.head += chunk[:need]
            chunk = chunk[need:]
            if len(self.head) < IDENTIFY_MIN_LEN:
                return
            self.error = self.dfu.init(img_type(bytes(self.head)), 0, self.file_size)
            if not self.error:
                self.error = self.dfu.write(bytes(self.head))
            if self.error:
                return
            self.started = True
        if chunk:
            self.error = self.dfu.write(chunk)


@dataclass
class FtpDfuApp:
    """Shell commands ``ftpdfu get|schedule|confirm|version`` printing protocol result lines."""

    print_line: Callable[[str], None]
    dfu: DfuTarget
    primary: FlashArea
    trailer: TrailerLayout
    version: str
    listen_time: float = 10.0
    client_factory: Callable[..., NcsFtpClient] = NcsFtpClient
    """Builds each ftp_client session (device faults pass one with the client's defects)."""

    def boot(self) -> None:
        self.dfu.set_buf(FLASH_BUF_LEN)
        self.print_line(protocol.ZEPHYR_BANNER)
        self.print_line(protocol.format_ready(self.version))

    def execute(self, line: str) -> None:
        """Run one shell line as the Zephyr shell would: echo it, then the handler's output."""
        self.print_line(protocol.PROMPT + line)
        try:
            words = shlex.split(line)
        except ValueError:
            words = line.split()
        match words:
            case ["ftpdfu", "get", host, port, user, password, path, size, *rest] if len(rest) <= 1:
                self._get(host, port, user, password, path, size, rest[0] if rest else "default")
            case ["ftpdfu", "schedule"]:
                self.print_line(protocol.format_schedule(self.dfu.schedule_update(0)))
            case ["ftpdfu", "confirm"]:
                rc = confirm_image(self.primary, self.trailer)
                self.print_line(protocol.format_confirm(-EINVAL if rc else 0))
            case ["ftpdfu", "version"]:
                self.print_line(protocol.format_version(self.version))
            case []:
                pass
            case _:
                self.print_line(f"{words[0]}: command not found or wrong arguments")

    def _get(
        self, host: str, port: str, user: str, password: str, path: str, size: str, mode: str
    ) -> None:
        core = core_lib.sim_core(self.dfu, self.print_line, self._make_client, self.version)
        if core is not None:  # the firmware's own data path: ftpdfu_core.c through ctypes
            with core:
                core.get(host, port, user, password, path, size, mode)
            return
        self._get_python_model(host, port, user, password, path, size, mode)

    def _make_client(
        self, on_data: Callable[[bytes], None], on_ctrl: Callable[[str], None]
    ) -> NcsFtpClient:
        return self.client_factory(on_data, on_ctrl, listen_time=self.listen_time)

    def _get_python_model(
        self, host: str, port: str, user: str, password: str, path: str, size: str, mode: str
    ) -> None:
        """The same logic as ftpdfu_core.c, for hosts without a C compiler."""
        if not _FALLBACK_WARNED:
            _warn_fallback()
        try:
            client_mode = ClientMode(mode)
            port_number, file_size = _parse_uint(port, 0xFFFF), _parse_uint(size, 2**32 - 1)
        except ValueError:
            self.print_line(protocol.format_error(f"bad argument in: {port} {size} {mode}"))
            return
        if len(path) > protocol.PATH_MAX:
            self.print_line(protocol.format_error("path too long for ftp_client"))
            return
        self.dfu.reset()
        download = _Download(self.dfu, file_size)
        client = self.client_factory(
            download.on_data, self._print_ctrl, listen_time=self.listen_time
        )
        rc = client.open(host, port_number)
        if rc == 200:
            rc = client.login(user, password)
        if rc == 230 and client_mode is not ClientMode.DEFAULT:
            rc = client.set_type(binary=client_mode is ClientMode.BINARY)
            rc = 230 if rc == 200 else rc
        if rc == 230:
            rc = client.get(path)
        if download.started:
            done = self.dfu.done(rc == 226 and not download.error)
            download.error = download.error or done
        elif rc == 226 and not download.error:
            download.error = -ENOTSUP  # too short to identify: nothing was written
        client.close()
        result = DownloadResult(ftp=rc, dfu=download.error, rx=download.received)
        self.print_line(protocol.format_result(result))

    def _print_ctrl(self, reply: str) -> None:
        for reply_line in reply.splitlines():
            if reply_line.strip():
                self.print_line(protocol.format_ctrl(reply_line))
