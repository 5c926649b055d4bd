"""HIL suite for MCUboot updates over FTP on the nRF5340 (simulated or on a bench).

The stable API, importable from ``hil`` (loaded on first use, so ``import hil`` stays cheap):

- ``run_update(dut, server, path, mode, keys)`` -> ``UpdateEvidence``: one update end to end
- ``ClientMode``: what the device's FTP client sends (``DEFAULT`` no TYPE, ``ASCII``, ``BINARY``)
- ``TransferPolicy``: what the FTP server does with TYPE (``CLIENT``, ``ASCII``, ``BINARY``)
- ``UpdateKit``: keys and images of a build (``UpdateKit.from_files(key, factory, update)``)
- ``UpdateEvidence``, ``Diagnosis``, ``diagnose``, ``Layout``, ``HilError``

The pytest fixtures (``dut``, ``ftp_server``, ``update_kit``, ``hil_evidence``, ``hil_layout``,
``hil_options``) come from the plugin this package registers. Other modules may change.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "run_update": "hil.scenario",
    "UpdateEvidence": "hil.scenario",
    "ClientMode": "hil.protocol",
    "TransferPolicy": "hil.ftp.policy",
    "UpdateKit": "hil.kit",
    "Diagnosis": "hil.forensics",
    "diagnose": "hil.forensics",
    "Layout": "hil.layout",
    "HilError": "hil.errors",
}
__all__ = [
    "ClientMode",
    "Diagnosis",
    "HilError",
    "Layout",
    "TransferPolicy",
    "UpdateEvidence",
    "UpdateKit",
    "__version__",
    "diagnose",
    "run_update",
]

if TYPE_CHECKING:
    from hil.errors import HilError
    from hil.forensics import Diagnosis, diagnose
    from hil.ftp.policy import TransferPolicy
    from hil.kit import UpdateKit
    from hil.layout import Layout
    from hil.protocol import ClientMode
    from hil.scenario import UpdateEvidence, run_update


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hil' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
