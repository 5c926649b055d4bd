"""Run every benchmark, print a Markdown table and write it to benchmarks/RESULTS.md."""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import (
    bench_cli,
    bench_ftp,
    bench_lab,
    bench_memrd,
    bench_sim,
    bench_validate,
    paper,
)
from benchmarks.common import Row

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
PROPOSALS = """## Notes

* Every target is a ratio to a floor timed in the same run, right before the measured code
  (`benchmarks.common.paired`: the median of the pairs' ratios), so a machine that slows down
  during the run slows both sides alike. In-process rows use CPU time (`time.process_time`);
  on a contended machine the wall time of in-process work mostly measures the scheduler.
  Rows that cross processes or threads (FTP, `hil reproduce`) use wall time.
* Floors: memrd rows `bytes.fromhex` / `bytes.hex` of the same data; validation SHA-256 of the
  hashed region plus one signature check; RETR stock pyftpdlib's `FTPHandler` on the same
  loop (raw `os.sendfile` is reported, not targeted: the protocol's fixed cost of ~0.3-0.5 ms
  per RETR is about what the raw 1 MiB copy costs); `hil reproduce` a process importing its
  dependencies (imgtool, pyftpdlib, cryptography, rich); the FTP fixture pytest-localftpserver
  (`pip install -e '.[bench-tools]'`, else the row is reported without a target).
* Validation hashes a view of the slot (no copy of the hashed region).
* pytest-localftpserver pulls in pyOpenSSL, which pyftpdlib then imports on every `hil`
  start, and registers a pytest plugin in the venv (disabled by `-p no:localftpserver` in
  pytest `addopts`): keep `bench-tools` out of the default install.
"""


def _suites(args: argparse.Namespace) -> dict[str, Callable[[], list[Row]]]:
    n = 3 if args.quick else 1
    return {
        "ftp": lambda: bench_ftp.bench_start_stop(9 // n),
        "retr": lambda: bench_ftp.bench_retr(201 // n),
        "validate": lambda: bench_validate.bench_validate(101 // n),
        "memrd": lambda: bench_memrd.bench_memrd(9 // n),
        "cli": lambda: bench_cli.bench_reproduce(9 // n),
        "sim": lambda: bench_sim.bench_sim(41 // n),
        "lab": lambda: bench_lab.bench_lab(1 if args.quick else 3),
        "tests": bench_cli.bench_test_run,
    }


def table(rows: list[Row]) -> str:
    verdict = {True: "met", False: "**MISSED**", None: "-"}
    lines = [
        "| benchmark | ours | baseline | figure | target | result |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.name} | {r.ours} | {r.baseline} | {r.figure} | {r.target} | {verdict[r.met]} |"
        for r in rows
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="a third of the repetitions, no timed test run"
    )
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="ftp retr validate memrd cli sim lab tests paper"
    )
    parser.add_argument("--no-tests", action="store_true", help="skip timing the test run")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS.name}")
    args = parser.parse_args(argv)
    suites = _suites(args)
    chosen = args.only or [*suites, "paper"]
    if (args.no_tests or (args.quick and not args.only)) and "tests" in chosen:
        chosen.remove("tests")
    unknown = set(chosen) - {*suites, "paper"}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    rows: list[Row] = []
    for name in chosen:
        if name in suites:
            print(f"running {name}...", file=sys.stderr, flush=True)
            try:
                rows += suites[name]()
            except Exception as err:  # one broken suite must not hide the other rows
                reason = f"{type(err).__name__}: {err}".replace("|", "/")[:120]
                rows.append(Row(f"{name}: did not run", "-", "-", reason, "runs", False))
    body = table(rows)
    command = f"{Path(sys.executable).name} -m benchmarks{' --quick' if args.quick else ''}"
    header = (
        f"# Benchmarks\n\n`{command}` on "
        f"{datetime.date.today()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {load_before:.2f} -> {os.getloadavg()[0]:.2f} (shared machine), "
        f"{time.perf_counter() - start:.0f} s. Every target is a ratio to a floor timed "
        "right beside it in the same run (see Notes).\n\n"
    )
    text = header + body
    if "paper" in chosen:
        text += "\n" + paper.section()
    text += "\n" + PROPOSALS
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
    missed = [r.name for r in rows if r.met is False]
    return 1 if missed else 0
