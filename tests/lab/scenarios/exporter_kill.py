"""Run by test_lab_failures: the exporter stops during the first test (not collected alone)."""

from __future__ import annotations

import os
import signal

from hil.protocol import ClientMode
from hil.scenario import run_update


def test_exporter_stops_during_update(dut, ftp_server, update_kit, hil_evidence):
    server = ftp_server(files={update_kit.update_name: update_kit.update_image})
    dut.provision()
    how = os.environ.get("HIL_TEST_EXPORTER_SIGNAL", "TERM")
    if how == "KILL":  # the exporter alone: its ser2net lives on as an orphan
        os.kill(int(os.environ["HIL_TEST_EXPORTER_PGID"]), signal.SIGKILL)
    else:
        os.killpg(int(os.environ["HIL_TEST_EXPORTER_PGID"]), signal.SIGTERM)
    try:
        run_update(dut, server, update_kit.update_name, ClientMode.BINARY, update_kit.keys)
    except Exception as error:
        hil_evidence.incomplete(error, dut=dut, server=server)
        raise


def test_after_the_exporter_stopped(dut):
    dut.running_version()
