"""The firmware core (``ftpdfu_core.c``) in Python, for hosts that cannot compile the C.

Same port (``hil.sim.core_lib.CorePort``, e.g. ``hil.sim.core_port.SimPort``), same commands,
same console lines and the same data-path rules as the C: the first 32 bytes held back for
dfu_target_img_type(), the first error kept, late data (after the download ended) counted and
never written, under one lock shared with the ftp_client's data thread; hardened, the size
check and a guarded `schedule`. ``tests/unit/test_firmware_sim.py`` runs both side by side.
"""

from __future__ import annotations

import re
import threading
from enum import IntEnum
from typing import Any

from hil import protocol
from hil.protocol import ClientMode, DownloadResult, FirmwareFlavour
from hil.sim.errno import EINVAL, ENOTSUP

HEAD_LEN = 32
IMG_NUM = 0
FTP_OPENED, FTP_TYPE_OK, FTP_LOGGED_IN, FTP_COMPLETE = 200, 200, 230, 226
SIZE_MAX = 2**32 - 1  # size_t on the nRF5340


class State(IntEnum):
    """enum ftpdfu_state."""

    IDLE = 0
    RECEIVING = 1
    ENDED = 2


def parse_uint(text: str, maximum: int) -> int:
    """ftpdfu_parse_uint(): decimal, or 0x/0o/0b prefixed; no sign, no underscores."""
    if not text or not text.isascii() or "_" in text or text[0] in "+-" or text != text.strip():
        raise ValueError(text)
    value = int(text, 0)
    if value > maximum:
        raise ValueError(text)
    return value


class CoreModel:
    """``struct ftpdfu`` and its functions; the port is duck-typed like core_lib.CorePort."""

    def __init__(self, port: Any, version: str, hardened: bool = False) -> None:
        self.port = port
        self.version_text = version
        self.hardened = hardened
        self.flavour = FirmwareFlavour.HARDENED if hardened else FirmwareFlavour.SEED
        self.last = "none"
        self._lock = threading.Lock()
        self.state = State.IDLE
        self.late = self.late_calls = 0
        self._start(0)
        self.result = DownloadResult(0, 0, 0)

    def _start(self, file_size: int) -> None:
        self.head, self.file_size = bytearray(), file_size
        self.rx, self.error, self.started = 0, 0, False

    def ready(self) -> None:
        self.port.print_line(protocol.format_ready(self.version_text, self.flavour))

    def version(self) -> None:
        self.port.print_line(protocol.format_version(self.version_text))

    def status(self) -> None:
        with self._lock:
            late, calls = self.late, self.late_calls
        self.port.print_line(protocol.format_status(self.flavour, self.last, late, calls))

    def schedule(self) -> int:
        if self.hardened and self.last != "good":
            self.port.print_line(protocol.format_schedule_refused(self.last))
            return -protocol.EPERM
        rc = self.port.dfu_schedule(IMG_NUM)
        self.port.print_line(protocol.format_schedule(rc))
        return rc

    def confirm(self) -> int:
        rc = self.port.img_confirm()
        self.port.print_line(protocol.format_confirm(rc))
        return rc

    def on_ctrl(self, reply: bytes | str) -> None:
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
        for line in re.split(r"[\r\n]", text.split("\0")[0]):
            if line.strip(" \t"):
                self.port.print_line(protocol.format_ctrl(line))

    def data_end(self) -> None:
        with self._lock:
            if self.state is State.RECEIVING:
                self.state = State.ENDED

    @property
    def data_state(self) -> tuple[int, int, int]:
        with self._lock:
            return int(self.state), self.late, self.late_calls

    def on_data(self, chunk: bytes) -> None:
        with self._lock:
            if self.state is not State.RECEIVING:
                self.late += len(chunk)
                self.late_calls += 1
                return
            self.rx += len(chunk)
            self._consume(chunk)

    def _fail(self, error: int) -> None:
        self.error = self.error or error

    def _consume(self, chunk: bytes) -> None:
        oversize = False
        if self.hardened and self.rx > self.file_size:
            before = self.rx - len(chunk)
            chunk = chunk[: max(0, self.file_size - before)]
            oversize = True
        if self.error:
            return
        error = 0
        if not self.started:
            need = HEAD_LEN - len(self.head)
            self.head += chunk[:need]
            chunk = chunk[need:]
            if len(self.head) == HEAD_LEN:
                port = self.port
                error = port.dfu_init(port.img_type(bytes(self.head)), IMG_NUM, self.file_size)
                if not error:
                    error = port.dfu_write(bytes(self.head))
                self.started = not error
        if not error and self.started and chunk:
            error = self.port.dfu_write(chunk)
        self._fail(-protocol.EMSGSIZE if oversize else error)

    def get(
        self,
        host: str,
        port: str | int,
        user: str,
        password: str,
        path: str,
        size: str | int,
        mode: str | None = None,
    ) -> int:
        port, size, mode = str(port), str(size), mode or "default"
        try:
            client_mode = ClientMode(mode)
            port_number, file_size = parse_uint(port, 0xFFFF), parse_uint(size, SIZE_MAX)
        except ValueError:
            self.port.print_line(protocol.format_error(f"bad argument in: {port} {size} {mode}"))
            return -EINVAL
        if len(path) > protocol.PATH_MAX:
            self.port.print_line(protocol.format_error("path too long for ftp_client"))
            return -EINVAL
        self.port.dfu_reset()
        with self._lock:
            self._start(file_size)
            self.late = self.late_calls = 0
            self.state = State.RECEIVING
        rc = self._session(host, port_number, user, password, path, client_mode)
        self.data_end()
        self._finish(rc)
        self.port.ftp_close()
        with self._lock:
            self.result = DownloadResult(rc, self.error, self.rx, self.late)
        self.port.print_line(protocol.format_result(self.result))
        return 0 if self.last == "good" else -1

    def _session(
        self, host: str, port: int, user: str, password: str, path: str, mode: ClientMode
    ) -> int:
        rc = self.port.ftp_open(host, port)
        if rc == FTP_OPENED:
            rc = self.port.ftp_login(user, password)
        if rc == FTP_LOGGED_IN and mode is not ClientMode.DEFAULT:
            rc = self.port.ftp_type(mode is ClientMode.BINARY)
            rc = FTP_LOGGED_IN if rc == FTP_TYPE_OK else rc
        if rc == FTP_LOGGED_IN:
            rc = self.port.ftp_get(path)
        return rc

    def _finish(self, rc: int) -> None:
        good = rc == FTP_COMPLETE and not self.error
        if good and self.hardened and self.rx != self.file_size:
            self.error, good = -protocol.EMSGSIZE, False
        if self.started:
            done = self.port.dfu_done(good)
            self.error = self.error or done
        elif good:
            self.error = -ENOTSUP  # under 32 bytes: nothing identified or written
        if self.hardened and self.error == -protocol.EMSGSIZE:
            self.last = "size-mismatch"
        else:
            self.last = "good" if rc == FTP_COMPLETE and not self.error else "failed"

    def close(self) -> None:
        """Nothing to free (the C core's binding frees its struct here)."""

    def __enter__(self) -> CoreModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
