"""Subcommands of ``hil``, imported only when they run.

Each command is a module with ``register(subparsers)``, which adds its parser (under the name
and help listed here) and sets ``run``. ``hil --help`` lists the commands from this table alone;
only the module of the command given on the command line is imported.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, the module that implements it and its one-line help."""

    name: str
    module: str
    help: str

    def load(self) -> ModuleType:
        return importlib.import_module(self.module)


COMMANDS: list[Command] = [
    Command("reproduce", "hil.commands.reproduce", "run the FTP update on the simulated nRF5340 DK in default, ascii and binary mode"),  # noqa: E501
    Command("check", "hil.commands.check", "validate a signed image or a slot dump as MCUboot v2.0.99-ncs1 would"),  # noqa: E501
    Command("boot", "hil.commands.boot", "run MCUboot's next boot on dumps of both slots: log, swap, what runs, slots after"),  # noqa: E501
    Command("dump", "hil.commands.dump", "read an MCUboot slot or a memory range of a DK through its J-Link"),  # noqa: E501
    Command("diagnose", "hil.commands.diagnose", "compare a slot dump with the served image: what changed and what MCUboot makes of it"),  # noqa: E501
    Command("serve", "hil.commands.serve", "serve a directory over FTP (read-only) for a manual update on a bench"),  # noqa: E501
    Command("audit", "hil.commands.audit", "check whether an FTP server mangles ASCII (TYPE A) downloads of a file"),  # noqa: E501
    Command("sim-place", "hil.commands.lab_sim", "serve simulated DKs for a labgrid exporter (UART on a pty, probe on a socket)"),  # noqa: E501
    Command("probe-agent", "hil.commands.lab_agent", "drive a J-Link (or a simulated DK) for the lab driver over stdin/stdout"),  # noqa: E501
]
