"""The serial console over a real pty pair: lines, timeouts with context, reconnects."""

from __future__ import annotations

import os
import select
import time
from pathlib import Path

import pytest

from hil.bench.serial_console import SerialConsole
from hil.console import Console, ConsoleTimeout
from hil.errors import HilError


class PtyPort:
    """A pty whose slave is reached through a stable symlink, like /dev/serial/by-id."""

    def __init__(self, directory: Path) -> None:
        self.link = directory / "usb-SEGGER_J-Link_001050012345-if02"
        self.master = -1
        self.plug()

    def plug(self) -> None:
        master, slave = os.openpty()
        tmp = self.link.with_suffix(".new")
        tmp.symlink_to(os.ttyname(slave))
        os.replace(tmp, self.link)
        os.close(slave)
        self.master = master

    def unplug(self) -> None:
        """The USB device goes away: its by-id link first, then the tty itself."""
        self.link.unlink(missing_ok=True)
        os.close(self.master)
        self.master = -1

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def receive(self, timeout: float = 2.0) -> bytes:
        data = b""
        deadline = time.monotonic() + timeout
        while not data.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                data += os.read(self.master, 1024)
        return data

    def close(self) -> None:
        if self.master >= 0:
            self.unplug()


def wait_for_line(console: Console, text: str, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not any(text in line for line in console.lines):
        assert time.monotonic() < deadline, f"no console line with {text!r}"
        time.sleep(0.02)


@pytest.fixture
def port(tmp_path):
    pty_port = PtyPort(tmp_path)
    yield pty_port
    pty_port.close()


@pytest.fixture
def serial_console(port, tmp_path):
    console = Console("dk1 console", tmp_path / "console.log")
    link = SerialConsole(str(port.link), console, read_timeout=0.02, reconnect_timeout=3.0)
    link.start()
    yield link
    link.close()
    console.close()


def test_lines_reach_the_console_and_the_log(port, serial_console, tmp_path):
    port.send("*** Booting nRF Connect SDK ***\r\nI: Swap type: none\r\nFTPDFU_READY ver")
    port.send("sion=1.0.0+0\r\n")
    lines = serial_console.console.readlines_until(r"FTPDFU_READY", 2.0)
    assert lines[-1] == "FTPDFU_READY version=1.0.0+0"
    assert "I: Swap type: none" in lines
    serial_console.close()
    assert "FTPDFU_READY version=1.0.0+0" in (tmp_path / "console.log").read_text()


def test_escape_sequences_are_removed_even_when_split(port, serial_console):
    port.send("\x1b[1;32muart:~$ \x1b[")
    time.sleep(0.1)
    port.send("mFTPDFU_VERSION 1.0.0+0\r")
    time.sleep(0.1)
    port.send("\n")
    lines = serial_console.console.readlines_until(r"FTPDFU_VERSION", 2.0)
    assert lines == ["uart:~$ FTPDFU_VERSION 1.0.0+0"]


def test_write_line_types_the_command_with_a_line_ending(port, serial_console):
    serial_console.write_line("ftpdfu get 192.0.2.2 21 u p app_update.bin 150000 binary")
    assert port.receive() == b"ftpdfu get 192.0.2.2 21 u p app_update.bin 150000 binary\r\n"


def test_expect_timeout_shows_the_last_lines_and_the_log(port, serial_console, tmp_path):
    port.send("E: Image in the secondary slot is not valid!\r\n")
    with pytest.raises(ConsoleTimeout) as err:
        serial_console.console.readlines_until(r"FTPDFU_READY", 0.3)
    message = str(err.value)
    assert "not valid!" in message and str(tmp_path / "console.log") in message


def test_reconnects_when_the_port_goes_away_mid_stream(port, serial_console):
    port.send("I: Starting bootloader\r\nI: Swap ty")
    serial_console.console.readlines_until(r"Starting bootloader", 2.0)
    time.sleep(0.1)
    port.unplug()  # the VCOM disappears during the reset
    deadline = time.monotonic() + 3.0
    while not any("lost" in line for line in serial_console.console.lines):
        assert time.monotonic() < deadline, "the reader did not notice the unplug"
        time.sleep(0.02)
    port.plug()
    while serial_console.reconnects == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert serial_console.reconnects == 1
    port.send("FTPDFU_READY version=2.0.0+0\r\n")
    lines = serial_console.console.readlines_until(r"FTPDFU_READY", 2.0)
    assert lines[-1] == "FTPDFU_READY version=2.0.0+0"
    assert lines[0] == "I: Swap ty"  # the cut line is kept, not glued to the next one
    assert any("lost" in line for line in lines) and any("reconnected" in line for line in lines)
    serial_console.write_line("ftpdfu version")
    assert port.receive() == b"ftpdfu version\r\n"


def test_writing_while_the_port_stays_gone_fails_with_one_line(port, tmp_path):
    console = Console("dk1")
    link = SerialConsole(str(port.link), console, read_timeout=0.02, reconnect_timeout=0.3)
    link.start()
    try:
        port.unplug()
        wait_for_line(console, "lost")
        with pytest.raises(HilError, match=r"has been gone for 0\.3 s"):
            link.write_line("ftpdfu version")
    finally:
        link.close()


def test_a_missing_port_is_a_clear_error(tmp_path):
    link = SerialConsole(str(tmp_path / "ttyACM9"), Console())
    with pytest.raises(HilError, match=r"cannot open console port .*ttyACM9"):
        link.start()
