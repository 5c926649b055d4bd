"""The simulated DK behind the Dut interface."""

from __future__ import annotations

from pathlib import Path

from hil.console import Console
from hil.dut.bootlog import BootLog
from hil.dut.shell import ShellDut
from hil.sim.device import SimConfig, SimNrf5340


class SimDut(ShellDut):
    """A simulated nRF5340 DK; shell lines go straight into the simulated firmware."""

    kind = "sim"

    def __init__(self, config: SimConfig, console_log: Path | None = None) -> None:
        self.layout = config.layout
        self.console = Console("sim console", console_log)
        self.board = SimNrf5340(config, self.console)

    def send_line(self, line: str) -> None:
        self.board.shell(line)

    def provision(self) -> BootLog:
        self.board.program_factory_image()
        return self.reset()

    def reset(self) -> BootLog:
        self.console.mark()
        self.board.reset()
        return self.wait_for_boot()

    def read_slot(self, name: str) -> bytes:
        return self.board.area(self.layout.slot(name)).contents()

    def close(self) -> None:
        self.console.close()
