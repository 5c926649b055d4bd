"""Zephyr stream_flash: buffered, write-block aligned writes that erase pages just before use."""

from __future__ import annotations

from hil.sim.errno import EFAULT, ENOMEM
from hil.sim.flash import FlashArea


class StreamFlash:
    """Writes a stream into a flash area through a RAM buffer (CONFIG_STREAM_FLASH_ERASE=y).

    Only the pages a write lands in are erased, once each, as the buffer is flushed; pages past
    the end of the stream keep whatever they held before.
    """

    def __init__(self, area: FlashArea, buf_len: int) -> None:
        if buf_len % area.write_size or buf_len > area.sector_size or buf_len <= 0:
            raise ValueError(f"stream_flash_init: bad buffer length {buf_len}")
        self.area = area
        self.buf_len = buf_len
        self.buffer = bytearray()
        self.bytes_written = 0
        self._last_erased_page: int | None = None

    @classmethod
    def init(cls, area: FlashArea, buf_len: int) -> tuple[int, StreamFlash | None]:
        """stream_flash_init(): -EFAULT for a buffer that is unaligned or bigger than a page."""
        try:
            return 0, cls(area, buf_len)
        except ValueError:
            return -EFAULT, None

    @property
    def offset(self) -> int:
        """Bytes accepted so far (written plus buffered), as dfu_target_offset_get reports."""
        return self.bytes_written + len(self.buffer)

    def buffered_write(self, data: bytes, flush: bool = False) -> int:
        if self.bytes_written + len(self.buffer) + len(data) > self.area.size:
            return -ENOMEM
        view = memoryview(data)
        while view:
            room = self.buf_len - len(self.buffer)
            self.buffer += view[:room]
            view = view[room:]
            if len(self.buffer) == self.buf_len:
                self._sync()
        if flush and self.buffer:
            self._sync()
        return 0

    def _sync(self) -> None:
        data = bytes(self.buffer)
        valid = len(data)
        pad = -valid % self.area.write_size
        data += b"\xff" * pad
        start = self.bytes_written
        self._erase_page_for(start + len(data) - 1)
        self.area.write(start, data)
        self.bytes_written += valid
        self.buffer.clear()

    def _erase_page_for(self, offset: int) -> None:
        page = offset - offset % self.area.sector_size
        if page != self._last_erased_page:
            self.area.erase(page, self.area.sector_size)
            self._last_erased_page = page

    def erase_page(self, offset: int) -> None:
        """stream_flash_erase_page(): erase the page holding ``offset`` (if not just erased)."""
        self._erase_page_for(offset)
