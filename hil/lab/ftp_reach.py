"""How a DK on another bench PC reaches the FTP server, which stays in the pytest process.

Routed bench network (the default): bind the server where the bench can reach it
(``--ftp-bind 0.0.0.0 --ftp-passive-ports 50000-50009``) and tell the DK the runner's address
(``--ftp-advertise`` or the place's ``ftp_host`` tag). Isolated bench: forward the control port
and every passive port from the exporter host back to this process over SSH (``-R``; the
exporter's sshd needs ``GatewayPorts clientspecified``) and advertise the exporter's bench-side
address. The NCS client connects its data socket to the control host and ignores the address in
the PASV reply, so the passive ports must keep their numbers on the exporter host.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from hil.lab.errors import LabError

MAX_FORWARDS = 256  # one -R per port: keep the passive range small


def reverse_forward_argv(
    exporter: str,
    control_port: int,
    passive_ports: range,
    bind: str = "*",
    local_host: str = "127.0.0.1",
    ssh: Sequence[str] = ("ssh",),
) -> list[str]:
    """``ssh -N -R …`` forwarding ``control_port`` and ``passive_ports`` from ``exporter``."""
    ports = [control_port, *passive_ports]
    if not all(0 < port < 65536 for port in ports):
        raise LabError(f"SSH forward: ports must be within 1-65535, got {ports}")
    if control_port in passive_ports:
        raise LabError(f"SSH forward: control port {control_port} is inside the passive range")
    if len(ports) > MAX_FORWARDS:
        raise LabError(
            f"SSH forward: {len(ports)} ports; use a passive range of at most "
            f"{MAX_FORWARDS - 1} ports (--ftp-passive-ports)"
        )
    argv = [*ssh, "-N", "-o", "ExitOnForwardFailure=yes", "-o", "ServerAliveInterval=15"]
    for port in ports:
        argv += ["-R", f"{bind}:{port}:{local_host}:{port}"]
    return [*argv, exporter]


class ReverseForward:
    """The SSH process holding the forwards while the server runs; ``close()`` ends it."""

    def __init__(self, argv: Sequence[str]) -> None:
        self.argv = list(argv)
        try:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE)
        except OSError as err:
            raise LabError(f"cannot start {self.argv[0]}: {err}") from None

    def check(self) -> None:
        """LabError with ssh's last words when the forwards did not come up."""
        if self.proc.poll() is not None:
            said = self.proc.stderr.read().decode(errors="replace").strip() if self.proc.stderr \
                else ""
            raise LabError(f"SSH reverse forward exited ({self.proc.returncode}): "
                           f"{said.splitlines()[-1] if said else 'no message'}")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
