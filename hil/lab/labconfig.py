"""Writing the lab's configuration files: the exporter's resources and the clients' env.

The exporter file is a Jinja2 template (labgrid renders ``{{ hostname }}`` with the exporter's
``--hostname``); the env file names the place through ``$LG_PLACE`` so one file serves every
place and every pytest-xdist worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

DEFAULT_COORDINATOR = "127.0.0.1:20408"
CONSOLE = "console"
PROBE = "probe"


def sim_exporter_groups(dks: Sequence[tuple[str, int, str, Path]]) -> dict[str, Any]:
    """Exporter groups for simulated DKs: ``(name, snr, pty, probe socket)`` each."""
    groups: dict[str, Any] = {}
    for name, snr, tty, socket_path in dks:
        groups[name] = {
            CONSOLE: {"cls": "RawSerialPort", "port": tty, "speed": 115200},
            PROBE: {
                "cls": "NetworkNrfDkProbe",
                "host": "{{ hostname }}",
                "snr": snr,
                "backend": "sim",
                "sim_socket": str(socket_path),
            },
        }
    return groups


def write_exporter_config(path: Path, groups: dict[str, Any]) -> Path:
    path.write_text(
        "{# labgrid exporter resources (a Jinja2 template); run: labgrid-exporter "
        f"-c COORDINATOR -n NAME --hostname HOST {path.name} #}}\n"
        + yaml.safe_dump(groups, sort_keys=False),
        encoding="utf-8",
    )
    return path


ENV_TEMPLATE = """\
# labgrid environment for the suite: pytest --dut nrf --lg-env {name}
# The place comes from LG_PLACE (or a reservation made with --lg-reserve).
targets:
  main:
    resources:
      RemotePlace:
        name: !template "$LG_PLACE"
    drivers:
      NrfDkDriver: {{}}
options:
  coordinator_address: "{coordinator}"
imports:
  - hil.lab.driver
"""


def write_env_config(path: Path, coordinator: str = DEFAULT_COORDINATOR) -> Path:
    path.write_text(ENV_TEMPLATE.format(name=path.name, coordinator=coordinator), encoding="utf-8")
    return path
