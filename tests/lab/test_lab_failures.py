"""What CI jobs meet on a shared lab: contention, a stopped exporter, a restarted coordinator,
an absent J-Link, too many workers. Real coordinator, exporter and ser2net on 127.0.0.1."""

from __future__ import annotations

import re
import signal
import subprocess
import time

from labtools import HIL_CASE, REPO, lg_client, pytest_args, run_pytest

WAIT = 120.0  # upper bound for a state a loaded runner reaches in seconds; never a verdict


def _eventually(check, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen within {WAIT:g} s"
        time.sleep(0.3)


def test_second_job_waits_in_its_reservation_then_runs(lab):
    lg_client(lab, "-p", "sim1", "acquire", user="jobA")
    job_b = subprocess.Popen(
        pytest_args(lab, HIL_CASE, "--lg-reserve", "name=sim1"), cwd=REPO,
        env=lab.env(LG_USERNAME="jobB"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _eventually(lambda: "waiting" in lg_client(lab, "reservations").stdout,
                    "job B's reservation")
        assert job_b.poll() is None, "job B must wait while job A holds the place"
        lg_client(lab, "-p", "sim1", "release", user="jobA")
        out, _ = job_b.communicate(timeout=600)
    finally:
        job_b.kill()
        lg_client(lab, "-p", "sim1", "release", user="jobA", check=False)
    assert job_b.returncode == 0, out
    assert "1 passed" in out
    assert "acquired: None" in lg_client(lab, "-p", "sim1", "show").stdout, "B released it"


def test_ctrl_c_while_the_place_is_busy_ends_the_run_and_its_reservation(lab):
    lg_client(lab, "-p", "sim1", "acquire", user="jobA")
    job_b = subprocess.Popen(  # far longer than WAIT: only giving up at once passes
        pytest_args(lab, HIL_CASE, "--lg-reserve", "name=sim1", "--hw-lock-timeout", "900"),
        cwd=REPO, env=lab.env(LG_USERNAME="jobB"), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal has it
    )
    try:
        _eventually(lambda: "waiting" in lg_client(lab, "reservations").stdout,
                    "job B's reservation")
        job_b.send_signal(signal.SIGINT)
        out, _ = job_b.communicate(timeout=WAIT)
        reservations = lg_client(lab, "reservations").stdout
    finally:
        job_b.kill()
        lg_client(lab, "-p", "sim1", "release", user="jobA", check=False)
    assert "KeyboardInterrupt" in out, out  # interrupted, not failed some other way
    assert "waiting" not in reservations, "job B's reservation must be cancelled"


def test_exporter_stopped_during_a_test(lab, tmp_path):
    lg_client(lab, "-p", "sim2", "acquire")
    artifacts = tmp_path / "artifacts"
    try:
        done = run_pytest(
            lab, "tests/lab/scenarios/exporter_kill.py", "--hil-artifacts", str(artifacts),
            LG_PLACE="sim2", HIL_TEST_EXPORTER_PGID=str(lab.procs["exporter"].pid),
        )
    finally:
        lab.start_exporter()
        lab.setup_places()
        lg_client(lab, "-p", "sim2", "release", check=False)
    out = done.stdout
    assert done.returncode == 1, out
    assert "1 failed, 1 error" in out, out
    assert re.search(r"ConsoleLost: console of place sim2 lost: place sim2: the place's "
                     r"resources are gone", out), out
    assert re.search(r"PlaceGone: place sim2: the place's resources are gone", out), out
    assert not re.search(r"^E\s+KeyError", out, re.MULTILINE), "labgrid's raw KeyError leaked"
    folders = list(artifacts.rglob("test_exporter_stops_during_update"))
    assert folders and any(folders[0].iterdir()), "the failed test's evidence must be kept"


def test_exporter_killed_leaves_ser2net_serving_until_its_group_is_ended(lab):
    lg_client(lab, "-p", "sim2", "acquire")
    try:
        done = run_pytest(
            lab, "tests/lab/scenarios/exporter_kill.py", LG_PLACE="sim2",
            HIL_TEST_EXPORTER_PGID=str(lab.procs["exporter"].pid), HIL_TEST_EXPORTER_SIGNAL="KILL",
        )
        orphan = lab.group_alive("exporter")
        lab.signal("exporter", signal.SIGTERM)  # what the supervisor's control group does
        ended = lab.group_ended("exporter", timeout=WAIT)  # the orphan exits on its own time
    finally:
        lab.start_exporter()
        lab.setup_places()
        lg_client(lab, "-p", "sim2", "release", check=False)
    out = done.stdout
    assert "1 passed, 1 error" in out, out  # the orphaned ser2net still carried that test
    assert re.search(r"PlaceGone: place sim2: the place's resources are gone", out), out
    assert orphan, "SIGKILL leaves the exporter's ser2net running"
    assert ended


def test_coordinator_restart_drops_acquisitions(lab):
    lg_client(lab, "-p", "sim1", "acquire")
    lab.signal("coordinator", signal.SIGTERM)
    lab.procs["exporter"].wait(timeout=WAIT)  # exporters exit with their coordinator
    lab.start_coordinator()
    lab.start_exporter()
    lab.setup_places()
    assert "acquired: None" in lg_client(lab, "-p", "sim1", "show").stdout

    lost = run_pytest(lab, HIL_CASE, LG_PLACE="sim1")
    assert lost.returncode != 0
    assert "place sim1 is not acquired" in lost.stdout, lost.stdout
    assert "a restarted coordinator drops every acquisition" in lost.stdout

    again = run_pytest(lab, HIL_CASE, "--lg-reserve", "name=sim1")
    assert again.returncode == 0, again.stdout
    assert "1 passed" in again.stdout


def test_absent_jlink_skips_at_once_with_one_line(lab):
    lg_client(lab, "-p", "nojlink", "acquire")
    try:
        done = run_pytest(lab, "tests/test_update_over_ftp.py", "--durations=0",
                          "--durations-min=0", "-vv", LG_PLACE="nojlink")
    finally:
        lg_client(lab, "-p", "nojlink", "release", check=False)
    out = done.stdout
    assert done.returncode == 0, out
    reasons = set(re.findall(r"SKIPPED \[\d+\] [^:]+:\d+: (--dut nrf: .*)", out))
    assert len(reasons) == 1, out
    assert "J-Link" in reasons.pop()
    setups = [float(s) for s in re.findall(r"^([\d.]+)s setup .*test_update_over_ftp\[", out,
                                           re.MULTILINE)]
    assert len(setups) == 10, out
    assert sorted(setups)[-2] < 2.0, f"only the first test may look for the J-Link: {setups}"


def test_more_workers_than_places_is_refused(lab):
    done = run_pytest(lab, HIL_CASE, "-n", "3", "--lg-reserve", "board=nrf5340dk")
    assert done.returncode == 4, done.stdout + done.stderr
    text = done.stdout + done.stderr
    assert "-n 3 needs 3 places tagged board=nrf5340dk, the coordinator has 2" in text
    assert "Traceback" not in text
