"""NCS v2.6.0 dfu_target with its MCUboot target, as the app on the device drives it.

Return codes follow sdk-nrf v2.6.0 ``dfu_target.c``: reset, done and schedule need a current
target (-EACCES otherwise), and only reset forgets it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from hil.image.header import IMAGE_MAGIC
from hil.mcuboot.trailer import TrailerLayout, request_upgrade
from hil.sim.errno import EACCES, EFAULT, EFBIG, EINVAL, ENODEV, ENOTSUP
from hil.sim.flash import FlashArea
from hil.sim.stream_flash import StreamFlash

IDENTIFY_MIN_LEN = 32


class ImageType(IntEnum):
    NONE = 0
    MCUBOOT = 1


def img_type(buf: bytes) -> ImageType:
    """dfu_target_img_type(): needs 32 bytes; MCUboot if the first word is the image magic."""
    if len(buf) < IDENTIFY_MIN_LEN:
        return ImageType.NONE
    if int.from_bytes(buf[:4], "little") == IMAGE_MAGIC:
        return ImageType.MCUBOOT
    return ImageType.NONE


@dataclass
class DfuTarget:
    """dfu_target + dfu_target_mcuboot + dfu_target_stream over the secondary slot."""

    secondary: FlashArea
    trailer: TrailerLayout
    buf_len: int | None = None
    stream: StreamFlash | None = field(default=None, init=False)
    _current: tuple[ImageType, int] | None = field(default=None, init=False)

    def set_buf(self, buf_len: int) -> int:
        """dfu_target_mcuboot_set_buf(): the buffer must be usable by stream_flash."""
        if buf_len <= 0:
            return -EINVAL
        self.buf_len = buf_len
        return 0

    def init(self, image_type: ImageType, img_num: int, file_size: int) -> int:
        """dfu_target_init(): the target becomes current before its own init runs."""
        if image_type != ImageType.MCUBOOT:
            return -ENOTSUP
        if self._current == (image_type, img_num):
            return 0  # same target still current: resume where the last download stopped
        self._current = (image_type, img_num)
        if self.buf_len is None:
            return -ENODEV
        if file_size > self.secondary.size:
            return -EFBIG
        rc, stream = StreamFlash.init(self.secondary, self.buf_len)
        if rc:
            return -EFAULT
        self.stream = stream
        return 0

    def write(self, data: bytes) -> int:
        if self._current is None or self.stream is None:
            return -EACCES
        return self.stream.buffered_write(data)

    def offset(self) -> int:
        return self.stream.offset if self.stream else 0

    def done(self, successful: bool) -> int:
        """Flush; on success also erase the slot's last page (the old trailer).

        The target stays current until ``reset``, as in NCS v2.6.0.
        """
        if self._current is None:
            return -EACCES
        if successful and self.stream is not None:
            rc = self.stream.buffered_write(b"", flush=True)
            if rc:
                return rc
            self.stream.erase_page(self.secondary.size - 1)
        return 0

    def reset(self) -> int:
        """dfu_target_reset(): erase the slot's first page and forget the current target."""
        if self._current is None:
            return -EACCES
        if self.stream is not None:
            self.stream.erase_page(0)
        self._current = None
        self.stream = None
        return 0

    def schedule_update(self, img_num: int = 0) -> int:
        """boot_request_upgrade_multi(img_num, BOOT_UPGRADE_TEST); a bad magic erases the slot."""
        if self._current is None:
            return -EACCES
        rc = request_upgrade(self.secondary, self.trailer, permanent=False)
        return -EFAULT if rc else 0
