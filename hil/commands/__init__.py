"""Subcommands of ``hil``. Each module has ``register(subparsers)`` that sets ``run``."""

from __future__ import annotations

from types import ModuleType

from hil.commands import audit, check, diagnose, dump, reproduce, serve

COMMANDS: list[ModuleType] = [reproduce, check, dump, diagnose, serve, audit]
