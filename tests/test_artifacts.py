"""``--hil-artifacts``: a HIL test leaves its evidence folder; a failure names it; JUnit gets
the update's properties."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from hil.artifacts import folder_name

pytest_plugins = ["pytester"]

HIL_STYLE_TEST = """
from hil.ftp.policy import TransferPolicy
from hil.protocol import ClientMode
from hil.scenario import run_update


def _update(dut, ftp_server, update_kit, hil_evidence, mode):
    server = ftp_server(files={update_kit.update_name: update_kit.update_image})
    ev = run_update(dut, server, update_kit.update_name, mode, update_kit.keys)
    hil_evidence(ev, dut=dut, server=server, keys=update_kit.keys)
    return ev


def test_default_mode(dut, ftp_server, update_kit, hil_evidence):
    ev = _update(dut, ftp_server, update_kit, hil_evidence, ClientMode.DEFAULT)
    assert ev.verdict.ok, ev.verdict.reason


def test_binary_mode(dut, ftp_server, update_kit, hil_evidence):
    ev = _update(dut, ftp_server, update_kit, hil_evidence, ClientMode.BINARY)
    assert ev.verdict.ok, ev.verdict.reason
"""

EXPECTED_FILES = {
    "image.bin",
    "slot-before.bin",
    "slot-before.txt",
    "slot-after.bin",
    "slot-after.txt",
    "console.log",
    "ftp-session.log",
    "diagnosis.txt",
    "diagnosis.json",
    "slot-before.svg",
    "slot-after.svg",
}


def test_failing_hil_test_leaves_its_folder_and_names_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_hil_style=HIL_STYLE_TEST)
    artifacts = pytester.path / "artifacts"
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest(
        "--hil-artifacts", str(artifacts), "--hil-key-type", "ed25519", f"--junitxml={junit}"
    )
    result.assert_outcomes(passed=1, failed=1)
    folder = artifacts / folder_name("test_hil_style.py::test_default_mode")
    assert {path.name for path in folder.iterdir()} == EXPECTED_FILES
    result.stdout.fnmatch_lines(["*- hil artifacts -*", str(folder)])
    result.stdout.fnmatch_lines(["FAILED test_hil_style.py::test_default_mode - AssertionError*"])
    svg = ET.parse(folder / "slot-before.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert "differs from the image" in (folder / "slot-before.svg").read_text()
    report = json.loads((folder / "diagnosis.json").read_text())
    assert report["before_reboot"]["kind"] == "lf-to-crlf"
    assert report["after_reboot"]["kind"] == "erased"
    assert report["update"]["type_commands"] == []
    assert (folder / "slot-before.txt").read_text().startswith("0x00084000: 96F3B83D ")
    ftp_log = (folder / "ftp-session.log").read_text()
    assert "PASS ******" in ftp_log
    assert "ftpdfu get" in (folder / "console.log").read_text()
    assert "******" in (folder / "console.log").read_text()
    _check_junit(junit, artifacts)


def _check_junit(junit, artifacts) -> None:
    cases = {case.get("name"): case for case in ET.parse(junit).getroot().iter("testcase")}
    props = {
        name: {p.get("name"): p.get("value") for p in case.iter("property")}
        for name, case in cases.items()
    }
    failed, passed = props["test_default_mode"], props["test_binary_mode"]
    assert failed["hil_mode"] == "default" and failed["hil_type_sent"] == "none"
    assert failed["hil_transfer_type"] == "ASCII"
    assert failed["hil_verdict"].startswith("rejected: TLV info magic")
    assert failed["hil_diagnosis"] == "lf-to-crlf"
    assert int(failed["hil_bytes_on_wire"]) > int(failed["hil_bytes_served"])
    assert len(failed["hil_image_sha256"]) == 64
    assert "hil_probe_serial" not in failed
    assert "hil artifacts: " in cases["test_default_mode"].find("failure").get("message")
    assert passed["hil_type_sent"] == "TYPE I" and passed["hil_verdict"] == "accepted"
    assert passed["hil_diagnosis"] == "identical"
    assert (
        artifacts / folder_name("test_hil_style.py::test_binary_mode") / "slot-after.svg"
    ).exists()


BROKEN_UPDATE_TEST = """
from hil.protocol import ClientMode
from hil.scenario import run_update


def test_update_that_never_finishes(dut, ftp_server, update_kit, hil_evidence):
    server = ftp_server(files={update_kit.update_name: update_kit.update_image})
    real_reset, resets = dut.reset, []

    def reset():  # the first boot works; the one after the download never finishes
        resets.append(1)
        if len(resets) > 1:
            raise TimeoutError("no boot line within 30 s")
        return real_reset()

    dut.reset = reset
    try:
        run_update(dut, server, update_kit.update_name, ClientMode.BINARY, update_kit.keys)
    except Exception as error:
        hil_evidence.incomplete(error, dut=dut, server=server)
        raise
"""


def test_an_update_that_stops_early_still_leaves_logs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_broken=BROKEN_UPDATE_TEST)
    artifacts = pytester.path / "artifacts"
    result = pytester.runpytest("--hil-artifacts", str(artifacts), "--hil-key-type", "ed25519")
    result.assert_outcomes(failed=1)
    folder = artifacts / folder_name("test_broken.py::test_update_that_never_finishes")
    assert {p.name for p in folder.iterdir()} == {"console.log", "ftp-session.log", "error.txt"}
    assert "no boot line within 30 s" in (folder / "error.txt").read_text()
    assert "FTPDFU_RESULT ftp=226" in (folder / "console.log").read_text()
    result.stdout.fnmatch_lines(["*- hil artifacts -*", str(folder)])


def test_an_earlier_runs_evidence_is_kept_not_overwritten(tmp_path):
    from hil.artifacts import EvidenceRecorder

    recorder = EvidenceRecorder(tmp_path, "tests/test_x.py::test_y", lambda name, value: None)
    recorder.incomplete(RuntimeError("first run"))
    recorder.incomplete(RuntimeError("second run"))
    folder = tmp_path / folder_name("tests/test_x.py::test_y")
    assert "second run" in (folder / "error.txt").read_text()
    kept = folder.with_name(folder.name + ".previous-1")
    assert "first run" in (kept / "error.txt").read_text()
