"""Wall times of whole processes: ``hil reproduce --json`` and the default test run."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import Row, medians, ms

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NO_OPENSSL = "import sys; sys.modules['OpenSSL'] = None; import hil.cli"


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)


def bench_reproduce(repeat: int) -> list[Row]:
    reproduce = (str(BIN / "hil"), "reproduce", "--json")
    first = _run(*reproduce)
    rows = json.loads(first.stdout) if first.returncode == 0 else []
    modes = ", ".join(f"{r['mode']}={'ok' if r['verdict_ok'] else 'bad'}" for r in rows)
    t_repro, t_import, t_bare, t_no_ssl = medians(
        lambda: _run(*reproduce),
        lambda: _run(sys.executable, "-c", "import hil.cli"),
        lambda: _run(sys.executable, "-c", "pass"),
        lambda: _run(sys.executable, "-c", NO_OPENSSL),
        repeat=repeat,
    )
    return [
        Row(
            "`hil reproduce --json` (3 modes, sim), wall",
            ms(t_repro),
            f"python -c pass {ms(t_bare)}; import hil.cli {ms(t_import)}",
            f"rc={first.returncode}; {modes or first.stderr.strip()[-80:]}",
            "<= 1.5 s",
            first.returncode == 0 and len(rows) == 3 and t_repro <= 1.5,
        ),
        Row(
            "import hil.cli: pyOpenSSL (bench-tools dep) imported by pyftpdlib",
            ms(t_import),
            f"OpenSSL blocked {ms(t_no_ssl)}",
            f"+{ms(t_import - t_no_ssl)}",
            "report",
            None,
        ),
    ]


def bench_test_run() -> list[Row]:
    start = time.perf_counter()
    done = _run(sys.executable, "-m", "pytest", "-q", "-n", "2")
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
