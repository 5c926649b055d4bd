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

from benchmarks import bench_cli, bench_ftp, bench_memrd, bench_sim, bench_validate, paper
from benchmarks.common import Row

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
PROPOSALS = """## Proposed changes for misses (diffs in `benchmarks/proposed/`)

* `hil/probe/memrd.py` `format_dump`/`parse_dump` (+ new `parse_regular`) and
  `hil/dumps/memrd.py` `read_memrd`: whole-buffer `bytes.hex`/`bytes.fromhex`/`array.byteswap`
  and one regex pass, falling back to today's line parser for anything irregular, so bytes,
  text and error messages stay identical (checked on 648 regular/irregular cases each run).
  `hil.dumps.read_memrd` also parses every line twice today (per-line check, then
  `parse_dump`). Diff: `memrd.diff`; code under test: `benchmarks/memrd_fast.py`.
* `hil/ftp/handler.py` `PolicyDTPHandler.ac_out_buffer_size = 1 MiB` (optional, RETR row):
  one `sendfile` per loop turn instead of 16. Diff: `handler_sendfile.diff`.
* `hil/probe/nrfjprog.py` `NrfjprogProbe.__init__`: read in 1 MB `--memrd` calls (on paper).
  Diff: `nrfjprog_chunk.diff`.
"""


def _suites(args: argparse.Namespace) -> dict[str, Callable[[], list[Row]]]:
    n = 3 if args.quick else 1
    return {
        "ftp": lambda: bench_ftp.bench_start_stop(9 // n),
        "retr": lambda: bench_ftp.bench_retr(101 // n),
        "validate": lambda: bench_validate.bench_validate(31 // n),
        "memrd": lambda: bench_memrd.bench_memrd(9 // n),
        "cli": lambda: bench_cli.bench_reproduce(9 // n),
        "sim": lambda: bench_sim.bench_sim(31 // n),
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
    parser.add_argument("--quick", action="store_true", help="a third of the repetitions")
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="ftp retr validate memrd cli sim tests paper"
    )
    parser.add_argument("--no-tests", action="store_true", help="skip timing the test run")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS.name}")
    args = parser.parse_args(argv)
    suites = _suites(args)
    chosen = args.only or [*suites, "paper"]
    if args.no_tests and "tests" in chosen:
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
            rows += suites[name]()
    body = table(rows)
    header = (
        f"# Benchmarks\n\n`{Path(sys.executable).name} -m benchmarks` on "
        f"{datetime.date.today()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {load_before:.2f} -> {os.getloadavg()[0]:.2f} (shared machine), "
        f"{time.perf_counter() - start:.0f} s. Medians of interleaved repeats; every ratio "
        "is measured side by side in the same run.\n\n"
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
