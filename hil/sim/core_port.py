"""The firmware core's port onto the simulator: dfu_target, ftp_client and console models.

``attach_c_core`` wires ``ftpdfu_core.c`` (through :mod:`hil.sim.core_lib`) to them; the
same :class:`SimPort` serves the core's Python model (:mod:`hil.sim.core_model`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from hil.sim.core_lib import SIM_CORE_ENV, CoreUnavailable, FtpDfuCore, load
from hil.sim.ftp_client.errors import ENETDOWN


class SimPort:
    """CorePort over the simulator's models: a dfu_target, an ftp_client per session, a console.

    ``dfu`` is duck-typed like ``hil.sim.dfu_target.DfuTarget``; ``make_client(on_data,
    on_ctrl)`` returns an ``NcsFtpClient``-like session.

    :meth:`power_off` is the CPU stopping: once it returns, no port call touches flash or the
    console (a call in progress finishes first), and the open session's sockets are gone.
    """

    def __init__(
        self,
        dfu: Any,
        print_line: Callable[[str], None],
        make_client: Callable[[Callable[[bytes], None], Callable[[str], None]], Any],
        img_type: Callable[[bytes], int],
        confirm: Callable[[], int] = lambda: 0,
    ) -> None:
        self.dfu = dfu
        self._print = print_line
        self.make_client = make_client
        self._img_type = img_type
        self._confirm = confirm
        self.core: FtpDfuCore | None = None
        self._client: Any = None
        self.powered = True
        self._power = threading.RLock()  # held by each call that reaches flash or the console

    def power_off(self) -> None:
        """The CPU stops: the session's sockets close unannounced, later calls do nothing."""
        with self._power:
            self.powered = False
            client, self._client = self._client, None
        if client is not None:
            client.power_off()

    def _powered(self, action: Callable[[], int]) -> int:
        with self._power:
            return action() if self.powered else 0

    def print_line(self, line: str) -> None:
        with self._power:
            if self.powered:
                self._print(line)

    def img_type(self, head: bytes) -> int:
        return int(self._img_type(head))

    def dfu_init(self, img_type: int, img_num: int, file_size: int) -> int:
        return self._powered(lambda: self.dfu.init(img_type, img_num, file_size))

    def dfu_write(self, data: bytes) -> int:
        return self._powered(lambda: self.dfu.write(data))

    def dfu_done(self, successful: bool) -> int:
        return self._powered(lambda: self.dfu.done(successful))

    def dfu_reset(self) -> int:
        return self._powered(self.dfu.reset)

    def dfu_schedule(self, img_num: int) -> int:
        return self._powered(lambda: self.dfu.schedule_update(img_num))

    def img_confirm(self) -> int:
        return self._powered(self._confirm)

    def ftp_open(self, host: str, port: int) -> int:
        assert self.core is not None, "SimPort.core is set by attach_c_core() or the model"
        with self._power:
            if not self.powered:
                return -ENETDOWN
            self._client = self.make_client(self.core.on_data, self.core.on_ctrl)
        return self._client.open(host, port)

    def ftp_login(self, user: str, password: str) -> int:
        return self._client.login(user, password)

    def ftp_type(self, binary: bool) -> int:
        return self._client.set_type(binary=binary)

    def ftp_get(self, path: str) -> int:
        return self._client.get(path)

    def ftp_close(self) -> int:
        client, self._client = self._client, None
        return client.close() if client is not None else 0


def attach_c_core(port: SimPort, version: str, hardened: bool = False) -> FtpDfuCore | None:
    """``ftpdfu_core.c`` wired to ``port``, or None (use the Python model) without a C compiler."""
    if os.environ.get(SIM_CORE_ENV, "").lower() == "python":
        return None
    try:
        load()
    except CoreUnavailable:
        return None
    port.core = FtpDfuCore(port, version, hardened=hardened)
    return port.core
