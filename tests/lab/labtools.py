"""Helpers of the lab tests: the labgrid CLI and pytest runs against the loopback lab."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HIL_CASE = "tests/test_update_over_ftp.py::test_update_over_ftp[seed-firmware-TYPE-I]"


def lg_client(lab, *args: str, user: str = "ci", check: bool = True):
    """``labgrid-client ARGS`` as user ``user`` (the CI jobs of a real lab use the CLI too)."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("labgrid-client")), *args],
        env=lab.env(LG_USERNAME=user), capture_output=True, text=True, timeout=120, check=check,
    )


def pytest_args(lab, *args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs",
            *lab.pytest_args(), *args]


def run_pytest(lab, *args: str, user: str = "ci", **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        pytest_args(lab, *args), cwd=REPO, env=lab.env(LG_USERNAME=user, **env),
        capture_output=True, text=True, timeout=600, check=False,
    )
