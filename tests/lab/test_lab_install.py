"""The lab extra's traps: labgrid's serial package, and its pytest plugin loaded everywhere.

Without labgrid this module is the lab tests' one skip line (conftest leaves the lab runs out).
"""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata

import pytest
from labtools import REPO

pytest.importorskip("labgrid", reason="labgrid is not installed (pip install -e '.[lab]')")


def _outcome(*args: str) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_update_over_ftp.py", *args],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    summary = done.stdout.strip().splitlines()[-1]
    return {word: int(count) for count, word in re.findall(r"(\d+) (\w+)", summary)}


def test_plain_sim_run_is_the_same_with_labgrids_plugin_loaded():
    plugins = {ep.name for ep in metadata.entry_points(group="pytest11")}
    assert "labgrid" in plugins, "labgrid's pytest plugin must be installed for this check"
    with_labgrid = _outcome()
    without = _outcome("-p", "no:labgrid")
    assert with_labgrid == without
    assert with_labgrid.get("passed", 0) >= 5


def test_the_installed_serial_package_is_pyserial_labgrids():
    from hil.lab.deps import serial_problem

    assert serial_problem() is None
