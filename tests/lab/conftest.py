"""A loopback lab (coordinator, simulated DKs, exporter with ser2net) for the lab tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

try:
    import labgrid  # noqa: F401

    collect_ignore: list[str] = []
except ImportError:  # test_lab_install.py is the one skip line; the lab runs are left out
    collect_ignore = ["test_lab_failures.py"]

ABSENT_JLINK = {
    "nojlink": {
        "probe": {
            "cls": "NetworkNrfDkProbe",
            "host": "{{ hostname }}",
            "snr": 999,
            "backend": "pynrfjprog",
        }
    }
}


def lab_or_skip() -> None:
    """One line when this machine cannot run a lab: labgrid or ser2net missing."""
    pytest.importorskip("labgrid", reason="labgrid is not installed (pip install -e '.[lab]')")
    if shutil.which("ser2net") is None and not Path("/usr/sbin/ser2net").exists():
        pytest.skip("ser2net is not installed (apt-get install ser2net)")


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    lab_or_skip()
    from hil.lab.loopback import LoopbackLab

    dks = [(name, "internal", "board=nrf5340dk,layout=internal") for name in ("sim1", "sim2")]
    started = LoopbackLab(tmp_path_factory.mktemp("lab"), dks, ABSENT_JLINK)
    try:
        yield started.start()
    finally:
        started.stop()
