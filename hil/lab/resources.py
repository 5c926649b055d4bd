"""labgrid resources for an nRF5340 DK's probe: on this host, or on an exporter host.

An exporter publishes ``NetworkNrfDkProbe`` as a static entry (labgrid passes classes it has
no export rule for through unchanged), with ``host: "{{ hostname }}"`` in its config.
"""

from __future__ import annotations

import attr
from labgrid.factory import target_factory
from labgrid.resource.common import NetworkResource, Resource

_str = attr.validators.optional(attr.validators.instance_of(str))


def _snr(value: object) -> int | None:
    return None if value in (None, "") else int(str(value))


def _fields() -> dict[str, object]:
    """The probe settings both resources carry (names as in the hardware map)."""
    return {
        "snr": attr.ib(default=None, converter=_snr),
        "backend": attr.ib(default="pynrfjprog", validator=attr.validators.instance_of(str)),
        "reset": attr.ib(default="pin", validator=attr.validators.instance_of(str)),
        "jlink_dll": attr.ib(default=None, validator=_str),
        "qspi_config": attr.ib(default=None, validator=_str),
        "ext_mem_config": attr.ib(default=None, validator=_str),
        "sim_socket": attr.ib(default=None, validator=_str),
        "agent": attr.ib(default="hil", validator=attr.validators.instance_of(str)),
    }


def agent_argv(resource: NrfDkProbe | NetworkNrfDkProbe) -> list[str]:
    """``hil probe-agent …`` for this probe, to run on the host that has it."""
    argv = [resource.agent, "probe-agent", "--backend", resource.backend, "--reset", resource.reset]
    for flag, value in (
        ("--snr", resource.snr),
        ("--jlink-dll", resource.jlink_dll),
        ("--qspi-config", resource.qspi_config),
        ("--ext-mem-config", resource.ext_mem_config),
        ("--sim-socket", resource.sim_socket),
    ):
        if value is not None:
            argv += [flag, str(value)]
    return argv


@target_factory.reg_resource
@attr.s(eq=False)
class NrfDkProbe(Resource):
    """The J-Link of a DK attached to this host (``backend: sim`` for a simulated DK)."""

    locals().update(_fields())


@target_factory.reg_resource
@attr.s(eq=False)
class NetworkNrfDkProbe(NetworkResource):
    """The J-Link of a DK attached to the exporter host ``host``."""

    locals().update(_fields())
