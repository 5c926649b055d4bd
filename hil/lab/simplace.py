"""A simulated DK served like a bench DK: its UART on a pty, its probe behind the agent protocol.

ser2net (started by labgrid's exporter) serves the pty's other end over RFC2217, exactly as it
serves a J-Link VCOM; the probe socket answers the same requests ``hil probe-agent`` answers
for a real J-Link, so a lab's driver and tests cannot tell the sim from the DK.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socketserver
import threading
import tty
from dataclasses import dataclass
from pathlib import Path

from hil.console import Console
from hil.lab.agent import handle, serve
from hil.lab.simbuild import SimBuild
from hil.lab.simprobe import SimBoardProbe
from hil.layout import Layout
from hil.sim.device import SimConfig, SimNrf5340

log = logging.getLogger("hil.lab")

FIRST_SNR = 1050000001  # simulated J-Link serial numbers count up from here


class PtyConsole(Console):
    """The board's console: every line goes out on the pty master, as the UART sends it.

    Nobody may be reading (no ser2net while the place is free): a full pty drops output, as
    a UART with nothing attached does, instead of stopping the board.
    """

    def __init__(self, name: str, master: int, log_path: Path | None = None) -> None:
        super().__init__(name, log_path)
        self.master = master

    def feed_line(self, line: str) -> None:
        super().feed_line(line)
        with contextlib.suppress(BlockingIOError, OSError):
            os.write(self.master, (line + "\r\n").encode())


@dataclass(frozen=True)
class SimDkSpec:
    """One simulated DK of a sim place: its name, J-Link serial number and build."""

    name: str
    snr: int
    layout: Layout
    build: SimBuild


class _ProbeHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        probe: SimBoardProbe = self.server.probe  # type: ignore[attr-defined]
        serve(lambda request: handle(probe, request), self.rfile, self.wfile)


class _ProbeServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

    def __init__(self, path: Path, probe: SimBoardProbe) -> None:
        self.probe = probe
        super().__init__(str(path), _ProbeHandler)


class SimDk:
    """One running simulated DK: board, pty UART and probe socket."""

    def __init__(self, spec: SimDkSpec, workdir: Path) -> None:
        self.spec = spec
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self.master, False)
        self.tty = os.ttyname(self._slave)
        uart_log = workdir / f"{spec.name}.uart.log"
        self.console = PtyConsole(f"{spec.name} uart", self.master, uart_log)
        kit = spec.build.kit
        config = SimConfig(layout=spec.layout, keys=kit.keys, factory_image=kit.factory_image)
        self.board = SimNrf5340(config, self.console)
        self.lock = threading.Lock()
        self.probe = SimBoardProbe(self.board, spec.snr, self.lock)
        self.probe.connect(spec.snr)
        self.socket_path = workdir / f"{spec.name}.probe"
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        self._server = _ProbeServer(self.socket_path, self.probe)
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._server.serve_forever, name=f"{spec.name} probe",
                             daemon=True),
            threading.Thread(target=self._uart, name=f"{spec.name} uart", daemon=True),
        ]

    def start(self) -> SimDk:
        for thread in self._threads:
            thread.start()
        log.info("%s: UART %s, probe %s", self.spec.name, self.tty, self.socket_path)
        return self

    def _uart(self) -> None:
        """Lines typed into the UART go to the firmware's shell, one at a time."""
        pending = b""
        while not self._stop.is_set():
            try:
                chunk = os.read(self.master, 4096)
            except BlockingIOError:
                self._stop.wait(0.005)
                continue
            except OSError as err:
                if err.errno == errno.EIO:  # no slave open at the moment
                    self._stop.wait(0.05)
                    continue
                raise
            pending += chunk
            *lines, pending = pending.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
            for raw in lines:
                line = raw.decode(errors="replace").strip()
                if line:
                    with self.lock:
                        self.board.shell(line)

    def stop(self) -> None:
        """Stop the UART reader and the probe server, then close what they were using."""
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join()
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.console.close()
