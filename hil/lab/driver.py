"""The labgrid driver of an nRF5340 DK: the project's probe backends, run where the J-Link is.

On activation the driver starts ``hil probe-agent`` on the resource's host (through labgrid's
SSH prefix; directly when the host is this machine) and keeps it for every later step, so the
probe session, its QSPI set-up and every J-Link detail live in ``hil.probe`` only. Hex files
go to the exporter host with labgrid's ``ManagedFile`` first.

Use it in an environment file::

    imports: [hil.lab.driver]
    targets:
      main:
        resources: {RemotePlace: {name: dk1}}
        drivers: {NrfDkDriver: {}}
"""

from __future__ import annotations

import socket
import sys
from typing import Any

import attr
from labgrid.driver.common import Driver
from labgrid.factory import target_factory
from labgrid.resource.common import NetworkResource
from labgrid.step import step
from labgrid.util.managedfile import ManagedFile

from hil.lab.agent_client import AgentClient
from hil.lab.protocols import NrfProbeProtocol
from hil.lab.resources import NetworkNrfDkProbe, NrfDkProbe, agent_argv

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def is_local(host: str) -> bool:
    """True when ``host`` is this machine: the agent then runs without SSH."""
    return host in LOCAL_HOSTS or host in {socket.gethostname(), socket.getfqdn()}


@target_factory.reg_driver
@attr.s(eq=False)
class NrfDkDriver(Driver, NrfProbeProtocol):
    """Program, erase, reset, read and recover an nRF5340 DK through ``hil probe-agent``."""

    bindings = {"probe": {"NrfDkProbe", "NetworkNrfDkProbe"}}  # noqa: RUF012 - labgrid API
    timeout = attr.ib(default=120.0, converter=float)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        self._agent: AgentClient | None = None
        self.snr: int | None = None

    @property
    def host(self) -> str:
        probe = self.probe
        return probe.host if isinstance(probe, NetworkResource) else "localhost"

    @property
    def local(self) -> bool:
        return not isinstance(self.probe, NetworkNrfDkProbe) or is_local(self.probe.host)

    def _argv(self) -> list[str]:
        argv = agent_argv(self.probe)
        if self.local:
            if argv[0] == "hil":  # this interpreter's hil, venv or not
                argv[:1] = [sys.executable, "-m", "hil.cli"]
            return argv
        return self.probe.wrap_command(argv)

    def on_activate(self) -> None:
        assert isinstance(self.probe, NrfDkProbe | NetworkNrfDkProbe)
        self._agent = AgentClient(self._argv(), f"{self.probe.backend} probe on {self.host}")
        try:
            hello = self._agent.call(self.timeout, op="hello")
        except BaseException:
            self._agent.close()
            self._agent = None
            raise
        self.snr = hello.get("snr")

    def on_deactivate(self) -> None:
        if self._agent is not None:
            self._agent.close()
            self._agent = None

    def _call(self, **request: Any) -> dict[str, Any]:
        assert self._agent is not None
        return self._agent.call(self.timeout, **request)

    def _remote_path(self, path: str) -> str:
        if self.local:
            return path
        managed = ManagedFile(path, self.probe)
        managed.sync_to_resource()
        return managed.get_remote_path()

    @Driver.check_active
    @step(args=["path"])
    def program(self, path: str) -> None:
        self._call(op="program", path=self._remote_path(str(path)))

    @Driver.check_active
    @step(args=["memory", "address", "length"])
    def erase(self, memory: str, address: int, length: int) -> None:
        self._call(op="erase", memory=str(memory), address=address, length=length)

    @Driver.check_active
    @step()
    def reset(self) -> None:
        self._call(op="reset")

    @Driver.check_active
    @step(args=["memory", "address", "length"])
    def read(self, memory: str, address: int, length: int) -> bytes:
        assert self._agent is not None
        return self._agent.read(
            self.timeout, memory=str(memory), address=address, length=length
        )

    @Driver.check_active
    @step()
    def recover(self) -> None:
        self._call(op="recover")
