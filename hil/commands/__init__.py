"""Subcommands of ``hil``. Each module has ``register(subparsers)`` that sets ``run``."""

from __future__ import annotations

from types import ModuleType

from hil.commands import check, reproduce

COMMANDS: list[ModuleType] = [reproduce, check]
