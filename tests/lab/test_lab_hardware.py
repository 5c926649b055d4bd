"""The lab driver against a real J-Link: only on a bench (set HIL_LAB_JLINK_SNR)."""

from __future__ import annotations

import os
import sys

import pytest

from hil.lab.agent_client import AgentClient
from hil.probe import Memory, ProbeUnavailable

SNR = os.environ.get("HIL_LAB_JLINK_SNR")
BACKEND = os.environ.get("HIL_LAB_JLINK_BACKEND", "pynrfjprog")


@pytest.mark.hardware
def test_agent_reads_internal_and_qspi_flash_through_a_real_jlink():
    if not SNR:
        pytest.skip("no J-Link for the lab driver: set HIL_LAB_JLINK_SNR on a bench PC")
    argv = [sys.executable, "-m", "hil.cli", "probe-agent", "--backend", BACKEND, "--snr", SNR]
    agent = AgentClient(argv, f"J-Link {SNR}")
    try:
        try:
            hello = agent.call(120, op="hello")
        except ProbeUnavailable as why:
            pytest.skip(f"J-Link {SNR}: {why}")
        assert hello["snr"] == int(SNR)
        mcuboot = agent.read(120, memory=Memory.INTERNAL.value, address=0, length=0x1000)
        assert mcuboot != b"\xff" * 0x1000, "MCUboot must be at 0x0 of a programmed DK"
        qspi = agent.read(120, memory=Memory.EXTERNAL.value, address=0, length=0x1000)
        assert len(qspi) == 0x1000
    finally:
        agent.close()
