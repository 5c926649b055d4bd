"""The FTP-DFU application as it runs on the simulated nRF5340: its shell and its data path.

The app holds one firmware core for its whole run, as the device's static ``struct ftpdfu``:
``ftpdfu_core.c`` through ctypes, or its Python model where no C compiler is available. Which
build runs (seed or hardened) is a property of the running image, as on a real DK: a hardened
sim image carries a build record (``mark_flavour``) that the app reads at boot.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from hil import protocol
from hil.errors import HilError
from hil.image.header import ImageHeader
from hil.image.signing import SigningParams, sign_image
from hil.kit import UpdateKit
from hil.mcuboot.trailer import TrailerLayout, confirm_image
from hil.protocol import FirmwareFlavour
from hil.sim import core_lib, core_port
from hil.sim.core_model import CoreModel
from hil.sim.dfu_target import DfuTarget, img_type
from hil.sim.errno import EINVAL
from hil.sim.flash import FlashArea
from hil.sim.ftp_client import NcsFtpClient

log = logging.getLogger("hil.sim")

FLASH_BUF_LEN = 4096  # one 4 KiB page, __aligned(4): the largest buffer stream_flash accepts
BUILD_RECORD = b"\0FTPDFU_BUILD flavour="  # what a hardened sim image carries in its payload
BUILD_RECORD_OFFSET = 0x100  # into the payload, after where a vector table would be
BUILD_RECORD_SCAN = 0x1000

_FALLBACK_WARNED = False


def _warn_fallback() -> None:
    global _FALLBACK_WARNED
    _FALLBACK_WARNED = True
    log.warning(
        "sim: the firmware's ftpdfu_core.c cannot run (%s); using its Python model",
        core_lib.unavailable_reason() or "unknown reason",
    )


def mark_flavour(payload: bytes, flavour: FirmwareFlavour) -> bytes:
    """An app payload that identifies itself as a ``flavour`` build (seed payloads stay as is)."""
    if flavour is FirmwareFlavour.SEED:
        return payload
    record = BUILD_RECORD + flavour.value.encode() + b"\0"
    end = BUILD_RECORD_OFFSET + len(record)
    if len(payload) < end:
        raise ValueError(f"a payload of {len(payload)} bytes has no room for a build record")
    return payload[:BUILD_RECORD_OFFSET] + record + payload[end:]


def image_flavour(image: bytes) -> FirmwareFlavour:
    """The flavour a signed app image was built as (no build record: the seed firmware)."""
    try:
        header = ImageHeader.parse(image[:32])
    except HilError:  # an unreadable header runs as the seed build
        return FirmwareFlavour.SEED
    payload = image[header.hdr_size : header.hdr_size + min(header.img_size, BUILD_RECORD_SCAN)]
    at = payload.find(BUILD_RECORD)
    if at < 0:
        return FirmwareFlavour.SEED
    name = payload[at + len(BUILD_RECORD) :].split(b"\0", 1)[0]
    try:
        return FirmwareFlavour(name.decode("ascii", "replace"))
    except ValueError:
        return FirmwareFlavour.SEED


@dataclass
class FtpDfuApp:
    """Shell commands ``ftpdfu get|schedule|confirm|version|status`` printing protocol lines.

    ``core_kind``: "c" or "python" forces one implementation of the core; None picks the C
    core when it can be built.
    """

    print_line: Callable[[str], None]
    dfu: DfuTarget
    primary: FlashArea
    trailer: TrailerLayout
    version: str
    listen_time: float = 10.0
    core_kind: str | None = None
    client_factory: Callable[..., NcsFtpClient] = NcsFtpClient
    """Builds each ftp_client session (device faults pass one with the client's defects)."""
    flavour: FirmwareFlavour = field(init=False, default=FirmwareFlavour.SEED)
    core: Any = field(init=False, default=None)
    port: core_port.SimPort | None = field(init=False, default=None)

    def boot(self) -> None:
        self.dfu.set_buf(FLASH_BUF_LEN)
        self.flavour = image_flavour(self.primary.read(0, 32 + BUILD_RECORD_SCAN))
        self.core = self._make_core()
        self.print_line(protocol.ZEPHYR_BANNER)
        self.core.ready()

    def _make_core(self) -> Any:
        hardened = self.flavour is FirmwareFlavour.HARDENED
        self.port = core_port.SimPort(
            self.dfu, self.print_line, self._make_client, img_type, self._confirm
        )
        if self.core_kind != "python":
            core = core_port.attach_c_core(self.port, self.version, hardened=hardened)
            if core is not None:  # the firmware's own data path: ftpdfu_core.c through ctypes
                return core
            if self.core_kind == "c":
                raise core_lib.CoreUnavailable(core_lib.unavailable_reason())
        if not _FALLBACK_WARNED and self.core_kind is None:
            _warn_fallback()
        self.port.core = CoreModel(self.port, self.version, hardened=hardened)
        return self.port.core

    def power_off(self) -> None:
        """The CPU stops (reset, brown-out): the open FTP session dies without a word and a
        data callback still arriving touches neither flash nor the console."""
        if self.port is not None:
            self.port.power_off()

    def _confirm(self) -> int:
        return -EINVAL if confirm_image(self.primary, self.trailer) else 0

    def _make_client(
        self, on_data: Callable[[bytes], None], on_ctrl: Callable[[str], None]
    ) -> NcsFtpClient:
        return self.client_factory(on_data, on_ctrl, listen_time=self.listen_time)

    def execute(self, line: str) -> None:
        """Run one shell line as the Zephyr shell would: echo it, then the handler's output."""
        self.print_line(protocol.PROMPT + line)
        try:
            words = shlex.split(line)
        except ValueError:
            words = line.split()
        match words:
            case ["ftpdfu", "get", host, port, user, password, path, size, *rest] if len(rest) <= 1:
                mode = rest[0] if rest else "default"
                self.core.get(host, port, user, password, path, size, mode)
            case ["ftpdfu", "schedule"]:
                self.core.schedule()
            case ["ftpdfu", "confirm"]:
                self.core.confirm()
            case ["ftpdfu", "version"]:
                self.core.version()
            case ["ftpdfu", "status"]:
                self.core.status()
            case []:
                pass
            case _:
                self.print_line(f"{words[0]}: command not found or wrong arguments")


def kit_for_flavour(kit: UpdateKit, flavour: FirmwareFlavour, slot_size: int) -> UpdateKit:
    """The same two builds as ``flavour`` firmware: each payload re-signed with its build record.

    Needs the kit's private key (a generated sim kit has it); raises HilError otherwise.
    """
    if all(image_flavour(image) is flavour for image in (kit.factory_image, kit.update_image)):
        return kit
    params = SigningParams(slot_size=slot_size)
    images = []
    for image, version in (
        (kit.factory_image, kit.old_version),
        (kit.update_image, kit.new_version),
    ):
        header = ImageHeader.parse(image[:32])
        payload = image[header.hdr_size : header.hdr_size + header.img_size]
        try:
            images.append(sign_image(mark_flavour(payload, flavour), kit.key_path, version, params))
        except HilError as err:
            raise HilError(f"cannot sign a {flavour} build of this kit: {err}") from None
    return replace(kit, factory_image=images[0], update_image=images[1])
