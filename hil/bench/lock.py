"""One DK per test process: an exclusive lock file per J-Link serial number."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from hil.bench.hwmap import DkEntry
from hil.errors import HilError

log = logging.getLogger("hil.bench")

POLL_INTERVAL = 0.5

try:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

except ImportError:  # Windows
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


class DkLock:
    """Held while a process uses one DK; the OS drops it if the process dies."""

    def __init__(self, entry: DkEntry, lock_dir: Path) -> None:
        self.entry = entry
        self.path = lock_dir / f"dk-{entry.snr}.lock"
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        if not _try_lock(fd):
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {self.entry.id}\n".encode())
        self._fd = fd
        return True

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            _unlock(fd)
            os.close(fd)
            log.info("released DK %s (J-Link %d)", self.entry.id, self.entry.snr)

    def __enter__(self) -> DkLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def acquire_dk(entries: Sequence[DkEntry], lock_dir: Path, timeout: float) -> DkLock:
    """Lock the first free DK of ``entries``, waiting up to ``timeout`` seconds for one."""
    deadline = time.monotonic() + timeout
    start = time.monotonic()
    while True:
        for entry in entries:
            lock = DkLock(entry, lock_dir)
            if lock.try_acquire():
                log.info(
                    "step acquire_dk(id=%s, snr=%d) done in %.2f s",
                    entry.id, entry.snr, time.monotonic() - start,
                )
                return lock
        if time.monotonic() >= deadline:
            ids = ", ".join(e.id for e in entries)
            raise HilError(
                f"all DKs ({ids}) stayed busy for {timeout:g} s (locks in {lock_dir}): run fewer "
                "pytest-xdist workers than DKs, or add DKs to the hardware map"
            )
        time.sleep(POLL_INTERVAL)
