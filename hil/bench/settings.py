"""Session-wide bench settings: set by the pytest plugin or the CLI, else from the environment."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hil.errors import HilError

ENV_HW_MAP = "HIL_HW_MAP"
ENV_DK = "HIL_DK"
ENV_BACKEND = "HIL_PROBE_BACKEND"
ENV_LOCK_DIR = "HIL_LOCK_DIR"
ENV_LOCK_TIMEOUT = "HIL_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 600.0


def default_lock_dir() -> Path:
    return Path(tempfile.gettempdir()) / "hil-dk-locks"


@dataclass(frozen=True)
class BenchSettings:
    """Which hardware map, which DK in it, which probe backend, where the DK locks live."""

    hw_map: Path | None = None
    dk: str | None = None
    backend: str | None = None
    lock_dir: Path = field(default_factory=default_lock_dir)
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BenchSettings:
        env = os.environ if environ is None else environ
        timeout_text = env.get(ENV_LOCK_TIMEOUT)
        try:
            timeout = float(timeout_text) if timeout_text else DEFAULT_LOCK_TIMEOUT
        except ValueError:
            raise HilError(f"{ENV_LOCK_TIMEOUT} must be seconds, got {timeout_text!r}") from None
        return cls(
            hw_map=Path(env[ENV_HW_MAP]) if env.get(ENV_HW_MAP) else None,
            dk=env.get(ENV_DK) or None,
            backend=env.get(ENV_BACKEND) or None,
            lock_dir=Path(env[ENV_LOCK_DIR]) if env.get(ENV_LOCK_DIR) else default_lock_dir(),
            lock_timeout=timeout,
        )


_configured: BenchSettings | None = None


def configure(settings: BenchSettings | None) -> None:
    """Set the settings for this process (None: go back to the environment)."""
    global _configured
    _configured = settings


def current() -> BenchSettings:
    return _configured if _configured is not None else BenchSettings.from_env()
