"""Running a probe command-line tool (nrfjprog, nrfutil) with a timeout and a debug log."""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass

from hil.probe.base import Core, Probe, ProbeOptions
from hil.probe.errors import ProbeError, ProbeUnavailable, absent_hint

log = logging.getLogger("hil.probe")


@dataclass(frozen=True)
class ToolResult:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def last_line(self) -> str:
        """The last non-empty line of stderr (else stdout): what the tool said last."""
        for text in (self.stderr, self.stdout):
            lines = [line.strip() for line in text.replace("\r", "\n").splitlines()]
            lines = [line for line in lines if line]
            if lines:
                return lines[-1]
        return ""


def find_tool(name: str, install_hint: str) -> str:
    """The executable's path; ProbeUnavailable (skip) when it is not installed."""
    path = shutil.which(name)
    if path is None:
        raise ProbeUnavailable(f"{name} not found on PATH: {install_hint}")
    return path


def run_tool(argv: list[str], timeout: float) -> ToolResult:
    log.debug("run %s", " ".join(argv))
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, check=False, errors="replace"
        )
    except FileNotFoundError:
        raise ProbeUnavailable(
            f"{argv[0]} not found: install it or pick another --backend"
        ) from None
    except subprocess.TimeoutExpired:
        raise ProbeError(
            f"{' '.join(argv[:3])} … did not finish within {timeout:g} s: unplug and replug "
            "the DK, or raise 'timeout' in the hardware map"
        ) from None
    result = ToolResult(tuple(argv), done.returncode, done.stdout, done.stderr)
    log.debug("exit %d; stderr: %s", done.returncode, result.stderr.strip()[-500:])
    return result


class CommandLineProbe(Probe):
    """A probe driven by one tool process per operation: no session to open or hold.

    Connecting only checks that the probe is attached; the core is named on each command.
    """

    tool_name: str
    install_hint: str

    def __init__(self, options: ProbeOptions | None = None) -> None:
        super().__init__(options)
        self.exe = find_tool(self.options.tool or self.tool_name, self.install_hint)
        self._core = Core.APPLICATION

    def _connect(self, snr: int) -> None:
        if snr not in self._list_probes():
            raise ProbeUnavailable(f"connect to J-Link {snr}: {absent_hint(snr)}")

    def _select_core(self, core: Core) -> None:
        self._core = core
