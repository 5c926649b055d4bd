"""A private pyftpdlib IOLoop that blocks in poll until work or a stop request arrives."""

from __future__ import annotations

import contextlib
import socket
import threading

from pyftpdlib.ioloop import AsyncChat, IOLoop


class _Waker(AsyncChat):
    """The read end of a socketpair, registered in the loop; any byte asks it to stop."""

    def __init__(self, sock: socket.socket, loop: StoppableIOLoop) -> None:
        self._loop = loop
        super().__init__(sock, ioloop=loop)

    def handle_read(self) -> None:
        self.recv(64)
        self._loop.stopping = True

    def writable(self) -> bool:
        return False


class StoppableIOLoop(IOLoop):
    """An IOLoop for one server thread, stoppable from any thread in a few milliseconds.

    :meth:`run` waits in poll with no periodic timeout (only scheduled calls bound the wait)
    and, unlike ``IOLoop.loop``, never configures logging.
    """

    def __init__(self) -> None:
        super().__init__()
        self.stopping = False
        self._wake_lock = threading.Lock()
        self._wake_rx, self._wake_tx = socket.socketpair()
        self._wake_tx.setblocking(False)
        _Waker(self._wake_rx, self)

    def run(self) -> None:
        """Serve until :meth:`wake` is called, then close every socket of the loop."""
        try:
            timeout = None
            while self.socket_map and not self.stopping:
                self.poll(timeout)
                timeout = self.sched.poll()
        finally:
            self.close()

    def wake(self) -> None:
        """Ask :meth:`run` to return (callable from any thread)."""
        with self._wake_lock:
            if self._wake_tx.fileno() != -1:
                with contextlib.suppress(BlockingIOError):
                    self._wake_tx.send(b"x")

    def close(self) -> None:
        """Close every socket in the loop, the poller and the wake-up pair."""
        super().close()
        with self._wake_lock:
            self._wake_tx.close()
