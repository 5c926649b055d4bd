"""The HIL test over a labgrid place against the local sim, and what a place costs a CI job.

A loopback lab (coordinator, one simulated DK behind ser2net, exporter) runs the 5-case HIL
test (seed firmware) over the place and on the in-process sim, interleaved, in one run; the
ratio of pytest's session times is the figure (goal <= 2x), with bytecode cached and without.
Then reserve + acquire (+ release) of a place through the process's coordinator session, and
the same with the labgrid-client CLI.

Run alone: ``python -m benchmarks.bench_lab``.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Row, ms

REPO = Path(__file__).resolve().parents[1]
CASES = ("tests/test_update_over_ftp.py", "-k", "seed-firmware")
TAGS = {"board": "nrf5340dk", "layout": "internal"}
RATIO_GOAL = 2.0


def _session_seconds(argv: list[str], env: dict[str, str]) -> float:
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=900,
                          check=False)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    match = re.search(r"(\d+) passed.* in ([\d.]+)s", summary)
    if done.returncode != 0 or match is None or int(match[1]) != 5:
        raise RuntimeError(f"HIL run failed: {summary or done.stderr[-300:]}")
    return float(match[2])


# Both sides import the same modules, the lab run a few more; how Python finds its bytecode
# moves the local run between 0.8 s and 2 s while the lab's fixed costs (labgrid's exporter
# waits 0.5 s for ser2net on acquire, pyserial's RFC2217 handshake sleeps 0.5 s) stay. Each
# condition has a __pycache__ tree of its own (PYTHONPYCACHEPREFIX), filled by one unmeasured
# run of each side, so no run depends on what earlier runs left behind. CI's condition keeps
# what pip compiles at install and drops the rest: the suite's own modules and pytest's
# rewritten ones, which PYTHONDONTWRITEBYTECODE=1 keeps from being written.
CONDITIONS = (
    ("bytecode cached (a second run)", False),
    ("as CI runs it (PYTHONDONTWRITEBYTECODE=1: only installed packages compiled)", True),
)


def _as_ci_leaves_it(cache: Path) -> None:
    """Remove from ``cache`` what a CI run would not find: the suite's and pytest's bytecode."""
    for pyc in cache.rglob("*.pyc"):
        if "-pytest-" in pyc.name or Path("/", pyc.relative_to(cache)).is_relative_to(REPO):
            pyc.unlink()


def _hil_ratio(lab: object, repeat: int, label: str, as_ci: bool, cache: Path) -> Row:
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *CASES]
    lab_argv = [*base, *lab.pytest_args(), "--lg-reserve", "board=nrf5340dk"]  # type: ignore[attr-defined]
    env = lab.env(PYTHONPYCACHEPREFIX=str(cache))  # type: ignore[attr-defined]
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    _session_seconds(base, env)  # fill the cache, unmeasured
    _session_seconds(lab_argv, env)
    if as_ci:
        _as_ci_leaves_it(cache)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    local, remote = [], []
    for _ in range(repeat):  # interleaved: load hits both alike
        local.append(_session_seconds(base, env))
        remote.append(_session_seconds(lab_argv, env))
    lo, re_ = statistics.median(local), statistics.median(remote)
    ratio = re_ / lo
    return Row(
        f"HIL test, 5 cases: labgrid place / local sim, {label}", f"{re_:.2f} s",
        f"{lo:.2f} s", f"{ratio:.2f}x", f"<= {RATIO_GOAL:g}x", ratio <= RATIO_GOAL,
    )


def _place_cost(lab: object, repeat: int) -> list[Row]:
    from hil.lab.session import LabSession

    session = LabSession.get(lab.address)  # type: ignore[attr-defined]
    reserve, release = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        token, place = session.reserve(TAGS, timeout=60)
        session.acquire(place)
        reserve.append(time.perf_counter() - start)
        start = time.perf_counter()
        session.release(place)
        session.cancel(token)
        release.append(time.perf_counter() - start)
    client = str(Path(sys.executable).with_name("labgrid-client"))
    env = lab.env()  # type: ignore[attr-defined]
    start = time.perf_counter()
    shell = subprocess.run([client, "reserve", "--wait", "--shell", "board=nrf5340dk"], env=env,
                           capture_output=True, text=True, check=True, timeout=120).stdout
    token = shell.strip().split("=", 1)[1]
    env["LG_TOKEN"] = token
    subprocess.run([client, "-p", "+", "acquire"], env=env, capture_output=True, check=True,
                   timeout=120)
    cli = time.perf_counter() - start
    subprocess.run([client, "-p", "+", "release"], env=env, capture_output=True, check=True,
                   timeout=120)
    return [
        Row("reserve + acquire a place (in-process session)", ms(statistics.median(reserve)),
            "-", f"release + cancel {ms(statistics.median(release))}", "-", None),
        Row("reserve --wait + acquire with labgrid-client (CI job)", ms(cli), "-",
            "two CLI starts", "-", None),
    ]


def bench_lab(repeat: int = 3) -> list[Row]:
    try:
        from hil.lab.loopback import LoopbackLab
    except ImportError as err:  # the `lab` extra is not installed
        reason = f"not run: {err} (pip install -e '.[lab]')"
        return [Row("HIL test, 5 cases: labgrid place / local sim", "-", "-", reason,
                    f"<= {RATIO_GOAL:g}x", None)]

    with tempfile.TemporaryDirectory(prefix="bench-lab-") as tmp:
        lab = LoopbackLab(Path(tmp), [("sim1", "internal", "board=nrf5340dk,layout=internal")])
        try:
            lab.start()
            rows = [
                _hil_ratio(lab, repeat, label, as_ci, Path(tmp) / f"pycache-{index}")
                for index, (label, as_ci) in enumerate(CONDITIONS)
            ]
            return rows + _place_cost(lab, 2 * repeat + 1)
        finally:
            lab.stop()


if __name__ == "__main__":
    for row in bench_lab():
        print(f"| {row.name} | {row.ours} | {row.baseline} | {row.figure} | {row.target} |")
