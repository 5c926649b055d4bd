"""Console: waiting for lines with a timeout, failing with context, masking secrets."""

import threading
import time

import pytest

from hil.console import Console, ConsoleTimeout


def test_readlines_until_returns_lines_up_to_the_match_and_moves_on():
    console = Console()
    console.feed("I: Starting bootloader\r\nI: Swap type: none\nFTPDFU_READY version=1.0.0+0\n")
    assert console.readlines_until(r"Swap type", 1.0) == [
        "I: Starting bootloader",
        "I: Swap type: none",
    ]
    assert console.readlines_until(r"READY", 1.0) == ["FTPDFU_READY version=1.0.0+0"]


def test_partial_lines_wait_for_their_end():
    console = Console()
    console.feed("FTPDFU_RES")
    with pytest.raises(ConsoleTimeout):
        console.readlines_until("FTPDFU_RESULT", 0.05)
    console.feed("ULT ftp=226 dfu=0 rx=5\n")
    assert console.readlines_until("FTPDFU_RESULT", 0.05)[-1].endswith("rx=5")


def test_waits_for_lines_from_another_thread():
    console = Console()
    threading.Timer(0.05, console.feed_line, ["late line"]).start()
    start = time.monotonic()
    assert console.readlines_until("late", 2.0) == ["late line"]
    assert time.monotonic() - start < 1.0


def test_timeout_names_pattern_last_lines_and_log(tmp_path):
    log = tmp_path / "console.log"
    console = Console("dk", log)
    for i in range(30):
        console.feed_line(f"line {i}")
    with pytest.raises(ConsoleTimeout) as info:
        console.readlines_until(r"never", 0.01)
    message = str(info.value)
    assert "/never/" in message and str(log) in message
    assert "line 29" in message and "line 9\n" not in message
    console.close()
    assert log.read_text().count("\n") == 30


def test_secrets_are_masked_in_lines_and_log(tmp_path):
    log = tmp_path / "console.log"
    console = Console("dk", log)
    console.add_secret("s3cr3t")
    console.feed_line("uart:~$ ftpdfu get 127.0.0.1 21 user s3cr3t app.bin 10 default")
    console.close()
    assert "s3cr3t" not in log.read_text()
    assert "s3cr3t" not in console.lines[0] and "******" in console.lines[0]
