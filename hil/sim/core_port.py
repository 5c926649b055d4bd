"""The firmware core's port onto the simulator: dfu_target, ftp_client and console models.

``sim_core`` wires ``ftpdfu_core.c`` (through :mod:`hil.sim.core_lib`) to them; the same
:class:`SimPort` serves the core's Python model (:mod:`hil.sim.core_model`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from hil.sim.core_lib import SIM_CORE_ENV, CoreUnavailable, FtpDfuCore, load


class SimPort:
    """CorePort over the simulator's models: a dfu_target, an ftp_client per session, a console.

    ``dfu`` is duck-typed like ``hil.sim.dfu_target.DfuTarget``; ``make_client(on_data,
    on_ctrl)`` returns an ``NcsFtpClient``-like session.
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
        self.print_line = print_line
        self.make_client = make_client
        self._img_type = img_type
        self._confirm = confirm
        self.core: FtpDfuCore | None = None
        self._client: Any = None

    def img_type(self, head: bytes) -> int:
        return int(self._img_type(head))

    def dfu_init(self, img_type: int, img_num: int, file_size: int) -> int:
        return self.dfu.init(img_type, img_num, file_size)

    def dfu_write(self, data: bytes) -> int:
        return self.dfu.write(data)

    def dfu_done(self, successful: bool) -> int:
        return self.dfu.done(successful)

    def dfu_reset(self) -> int:
        return self.dfu.reset()

    def dfu_schedule(self, img_num: int) -> int:
        return self.dfu.schedule_update(img_num)

    def img_confirm(self) -> int:
        return self._confirm()

    def ftp_open(self, host: str, port: int) -> int:
        assert self.core is not None, "SimPort.core is set by sim_core()"
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


def sim_core(
    dfu: Any,
    print_line: Callable[[str], None],
    make_client: Callable[[Callable[[bytes], None], Callable[[str], None]], Any],
    version: str,
    confirm: Callable[[], int] = lambda: 0,
    hardened: bool = False,
) -> FtpDfuCore | None:
    """The C core wired to the simulator, or None (Python model) without a C compiler."""
    if os.environ.get(SIM_CORE_ENV, "").lower() == "python":
        return None
    try:
        load()
    except CoreUnavailable:
        return None
    from hil.sim.dfu_target import img_type

    port = SimPort(dfu, print_line, make_client, img_type, confirm)
    port.core = FtpDfuCore(port, version, hardened=hardened)
    return port.core
