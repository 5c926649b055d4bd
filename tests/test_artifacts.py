"""``--hil-artifacts``: every HIL update leaves its evidence folder, named by the test id, whether
or not the test asks for ``hil_evidence``; a failure names it; JUnit gets the update's
properties; secrets are masked; memrd addresses are those nrfjprog shows."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from hil.artifacts import folder_name, write_artifacts
from hil.evidence import EvidenceRecorder
from hil.forensics import diagnose
from hil.protocol import ClientMode
from hil.scenario import run_update

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
    result = pytester.runpytest_subprocess(
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
    assert "MCUboot REJECTS the slot" in (folder / "slot-before.svg").read_text()
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
    result = pytester.runpytest_subprocess(
        "--hil-artifacts", str(artifacts), "--hil-key-type", "ed25519"
    )
    result.assert_outcomes(failed=1)
    folder = artifacts / folder_name("test_broken.py::test_update_that_never_finishes")
    assert {p.name for p in folder.iterdir()} == {"console.log", "ftp-session.log", "error.txt"}
    assert "no boot line within 30 s" in (folder / "error.txt").read_text()
    assert "FTPDFU_RESULT ftp=226" in (folder / "console.log").read_text()
    result.stdout.fnmatch_lines(["*- hil artifacts -*", str(folder)])


def test_an_earlier_runs_evidence_is_kept_not_overwritten(tmp_path):
    for run in ("first run", "second run"):  # one recorder per run of the test
        recorder = EvidenceRecorder(tmp_path, "tests/test_x.py::test_y", lambda *_: None)
        recorder.incomplete(RuntimeError(run))
    recorder.incomplete(RuntimeError("a second update of that run"))
    folder = tmp_path / folder_name("tests/test_x.py::test_y")
    assert "second run" in (folder / "error.txt").read_text()
    kept = folder.with_name(folder.name + ".previous-1")
    assert "first run" in (kept / "error.txt").read_text()
    second = folder.with_name(folder.name + "-update-2")
    assert "a second update" in (second / "error.txt").read_text()


PLAIN_TEST = """
from hil.protocol import ClientMode
from hil.scenario import run_update


def test_plain(dut, ftp_server, update_kit):
    server = ftp_server(files={update_kit.update_name: update_kit.update_image})
    run_update(dut, server, update_kit.update_name, ClientMode.BINARY, update_kit.keys)


def test_not_an_update():
    pass
"""


def test_evidence_without_hil_evidence_and_memrd_addresses_in_the_xip_window(
    pytester: pytest.Pytester,
) -> None:
    """A test that never asks for ``hil_evidence`` still leaves its folder and JUnit properties;
    with the secondary on the MX25R64 the memrd text shows nrfjprog's XIP addresses."""
    pytester.makepyfile(test_plain=PLAIN_TEST)
    artifacts, junit = pytester.path / "artifacts", pytester.path / "junit.xml"
    result = pytester.runpytest_subprocess(
        *("--hil-artifacts", str(artifacts), "--hil-key-type", "ed25519"),
        *("--hil-layout", "external", f"--junitxml={junit}"),
    )
    result.assert_outcomes(passed=2)
    folder = artifacts / "test_plain.py" / "test_plain"
    assert {path.name for path in folder.iterdir()} == EXPECTED_FILES
    assert sorted(p.name for p in (artifacts / "test_plain.py").iterdir()) == ["test_plain"]
    # mcuboot_secondary is at offset 0 of the MX25R64, which the app core sees at 0x10000000
    assert (folder / "slot-before.txt").read_text().startswith("0x10000000: 96F3B83D ")
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    props = {p.get("name"): p.get("value") for p in cases["test_plain"].iter("property")}
    assert props["hil_type_sent"] == "TYPE I" and props["hil_verdict"] == "accepted"
    assert props["hil_artifacts"] == str(folder)


def test_folder_is_the_test_id() -> None:
    assert str(folder_name("tests/test_x.py::TestY::test_z[TYPE-A]")) == (
        "tests/test_x.py/TestY/test_z[TYPE-A]"
    )
    odd = folder_name("tests/test_x.py::test_z[a/b c]")
    assert odd.parent.as_posix() == "tests/test_x.py" and odd.name.startswith("test_z[a_b_c]-")
    assert folder_name("t.py::test_z[a/b]") != folder_name("t.py::test_z[a_b]")
    assert ".." not in folder_name("../up.py::test_z").parts


def test_every_log_file_masks_the_ftp_password(dut, ftp_server, update_kit, tmp_path) -> None:
    """Not only the PASS command: a password typed as the user name, echoed in an error, ..."""
    server = ftp_server(files={update_kit.update_name: update_kit.update_image})
    ev = run_update(dut, server, update_kit.update_name, ClientMode.DEFAULT, update_kit.keys)
    before = diagnose(ev.served, ev.slot_before, update_kit.keys, dut.layout.slot_size)
    after = diagnose(ev.served, ev.slot_after, update_kit.keys, dut.layout.slot_size)
    secret = server.password
    folder = write_artifacts(
        tmp_path / "evidence",
        ev,
        before,
        after,
        console=[*dut.console.lines, f"error: login {secret} refused"],
        ftp_log=[*server.recorder.lines(), f"USER {secret}", "530 Login incorrect."],
        secrets=[secret],
    )
    assert "USER ******" in (folder / "ftp-session.log").read_text()
    leaking = [p.name for p in folder.iterdir() if secret.encode() in p.read_bytes()]
    assert leaking == []
