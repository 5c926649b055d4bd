"""Wall times of whole processes: ``hil reproduce --json`` and the default test run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import Row, medians, ms, paired

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


DEPENDENCIES = (  # what `hil reproduce` needs from outside the suite
    "import imgtool.image, imgtool.keys, pyftpdlib.servers, pyftpdlib.handlers, rich.console, "
    "rich.table, cryptography.hazmat.primitives.asymmetric.rsa"
)
# Both sides with bytecode caches, as installed packages have them (an inherited
# PYTHONDONTWRITEBYTECODE would recompile only the suite's modules on every run).
CACHED_BYTECODE = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False, env=env)


def bench_reproduce(repeat: int) -> list[Row]:
    reproduce = (str(BIN / "hil"), "reproduce", "--json")
    first = _run(*reproduce, env=CACHED_BYTECODE)
    rows = json.loads(first.stdout) if first.returncode == 0 else []
    modes = ", ".join(f"{r['mode']}={'ok' if r['verdict_ok'] else 'bad'}" for r in rows)
    whole = paired(
        lambda: _run(*reproduce, env=CACHED_BYTECODE),
        lambda: _run(sys.executable, "-c", DEPENDENCIES, env=CACHED_BYTECODE),
        repeat=repeat,
        clock=time.perf_counter,
    )
    t_repro, (t_deps,), ratio = whole.ours, whole.floors, whole.ratio
    t_import, t_bare, t_help = medians(
        lambda: _run(sys.executable, "-c", "import hil.cli"),
        lambda: _run(sys.executable, "-c", "pass"),
        lambda: _run(str(BIN / "hil"), "--help"),
        repeat=repeat,
    )
    return [
        Row(
            "`hil reproduce --json` (3 modes, sim), wall",
            ms(t_repro),
            f"importing its dependencies {ms(t_deps)}; python -c pass {ms(t_bare)}",
            f"{ratio:.2f}x; rc={first.returncode}; {modes or first.stderr.strip()[-80:]}",
            "<= 3x",
            first.returncode == 0 and len(rows) == 3 and ratio <= 3,
        ),
        Row(
            "`hil --help` (subcommands imported only when they run)",
            ms(t_help),
            f"python -c pass {ms(t_bare)}",
            f"import hil.cli {ms(t_import)}",
            "report",
            None,
        ),
    ]


# The suite runs in the test venv (`make test`'s .venv), never beside bench-tools: their
# pyOpenSSL and pytest plugin change what a user's run sees.
TEST_PYTHON = ROOT / ".venv" / "bin" / "python"


def bench_test_run() -> list[Row]:
    python = str(TEST_PYTHON) if TEST_PYTHON.exists() else sys.executable
    start = time.perf_counter()
    done = _run(python, "-m", "pytest", "-q", "-n", "2")
    elapsed = time.perf_counter() - start
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-80:]
    return [
        Row(
            "default test run `pytest -q -n 2`, wall",
            ms(elapsed),
            "-",
            summary.strip("= "),
            "report",
            None,
        )
    ]
