"""NrfDut end to end without hardware: fake LowLevel probe + a pty playing the firmware's UART."""

from __future__ import annotations

import os
import select
import threading
from pathlib import Path

import pytest

pytest.importorskip("pynrfjprog")

from fake_tools.fake_lowlevel import FakeBoard, FakeLowLevelAPI
from intelhex import IntelHex

from hil.bench.hwmap import HardwareMap
from hil.bench.lock import DkLock
from hil.bench.nrf_dut import NrfDut
from hil.bench.serial_console import SerialConsole
from hil.console import Console
from hil.dut.base import FtpEndpoint
from hil.layout import Layout
from hil.probe import ProbeProtected
from hil.probe.lowlevel import LowLevelProbe
from hil.protocol import ClientMode

SNR = 1050012345
BOOT = (
    "*** Booting nRF Connect SDK v3.5.99-ncs1 ***\r\nI: Starting bootloader\r\n"
    "I: Swap type: none\r\nI: Bootloader chainload address offset: 0xc000\r\n"
    "FTPDFU_READY version={version}\r\n"
)


class Firmware:
    """Answers the FTP-DFU shell on the pty master and prints a boot log at each reset."""

    def __init__(self, board: FakeBoard, layout: Layout) -> None:
        self.board = board
        self.layout = layout
        self.master, self._slave = os.openpty()  # keep the slave open: no EIO on the master
        self.port = os.ttyname(self._slave)
        self.commands: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        board.on_reset = self.boot

    def boot(self) -> None:
        os.write(self.master, BOOT.format(version="1.0.0+0").encode())

    def _serve(self) -> None:
        buffer = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                buffer += os.read(self.master, 1024)
            except OSError:
                return
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                self._answer(line.decode().strip())

    def _answer(self, line: str) -> None:
        self.commands.append(line)
        words = line.split()
        if words[:2] == ["ftpdfu", "get"]:
            size = int(words[7])
            secondary = self.layout.secondary
            device = self.board.external if secondary.external else self.board.internal
            device.load(secondary.address, b"\x3d\xb8\xf3\x96" + b"\x0a" * (size - 4))
            reply = f"FTPDFU_RESULT ftp=226 dfu=0 rx={size}"
        elif words[:2] == ["ftpdfu", "schedule"]:
            reply = "FTPDFU_SCHEDULE rc=0"
        elif words[:2] == ["ftpdfu", "version"]:
            reply = "FTPDFU_VERSION 1.0.0+0"
        else:
            reply = f"{words[0] if words else ''}: command not found"
        os.write(self.master, f"uart:~$ {line}\r\n{reply}\r\n".encode())

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1)
        os.close(self.master)
        os.close(self._slave)


def make_dut(
    tmp_path: Path, layout: Layout, board: FakeBoard, **map_keys: str
) -> tuple[NrfDut, Firmware]:
    extra = "".join(f"  {k}: {v}\n" for k, v in map_keys.items())
    entry = HardwareMap.parse(
        f"- id: dk1\n  snr: {SNR}\n  build_dir: build\n  ftp_host: 192.0.2.2\n{extra}",
        base=tmp_path,
    ).dks[0]
    image = IntelHex()
    image.puts(0x0, b"MCUBOOT" * 64)
    image.puts(layout.primary.address, b"\x3d\xb8\xf3\x96old app")
    merged = tmp_path / "merged.hex"
    image.write_hex_file(str(merged))
    firmware = Firmware(board, layout)
    probe = LowLevelProbe(entry.probe_options(), api_factory=lambda: FakeLowLevelAPI(board))
    probe.connect(SNR)
    serial = SerialConsole(firmware.port, Console("dk1", tmp_path / "console.log"),
                           read_timeout=0.02).start()
    lock = DkLock(entry, tmp_path / "locks")
    assert lock.try_acquire()
    return NrfDut(entry, probe, serial, layout, merged, lock), firmware


@pytest.fixture
def internal(tmp_path):
    board = FakeBoard(snr=SNR)
    dut, firmware = make_dut(tmp_path, Layout.builtin("internal"), board)
    yield dut, board, firmware
    dut.close()
    firmware.close()


def test_provision_flashes_erases_the_secondary_and_boots(internal):
    dut, board, _ = internal
    secondary = dut.layout.secondary
    board.internal.load(secondary.address, b"\x00" * 0x2000)
    boot = dut.provision()
    assert boot.booted and boot.app_version == "1.0.0+0" and boot.swap_type == "none"
    assert board.internal.read(dut.layout.primary.address, 4) == b"\x3d\xb8\xf3\x96"
    assert board.internal.read(secondary.address, secondary.size) == b"\xff" * secondary.size
    assert board.resets == ["pin"]


def test_shell_commands_go_over_the_uart_with_the_bench_ftp_host(internal):
    dut, _, firmware = internal
    dut.provision()
    assert dut.running_version() == "1.0.0+0"
    endpoint = FtpEndpoint("127.0.0.1", 2121, "hil", "s3cret")
    result = dut.download(endpoint, "app_update.bin", 1000, ClientMode.BINARY)
    assert result.ok and result.rx == 1000
    sent = "ftpdfu get 192.0.2.2 2121 hil s3cret app_update.bin 1000 binary"
    assert firmware.commands[-1] == sent
    assert "s3cret" not in "\n".join(dut.console.lines)
    slot = dut.read_slot("secondary")
    assert slot[:4] == b"\x3d\xb8\xf3\x96" and slot[4:1000] == b"\x0a" * 996
    assert slot[1000:] == b"\xff" * (len(slot) - 1000)
    assert dut.schedule_update() == 0
    assert dut.reset().booted


def test_external_slot_read_resets_so_the_firmware_owns_qspi_again(tmp_path):
    board = FakeBoard(snr=SNR)
    dut, firmware = make_dut(tmp_path, Layout.builtin("external"), board)
    try:
        dut.provision()
        dut.download(FtpEndpoint("127.0.0.1", 21, "hil", "pw-1234"), "f", 64, ClientMode.DEFAULT)
        resets = len(board.resets)
        assert dut.read_slot("secondary")[:4] == b"\x3d\xb8\xf3\x96"
        assert len(board.resets) == resets + 1
        assert dut.running_version() == "1.0.0+0"
    finally:
        dut.close()
        firmware.close()


def test_external_slot_read_can_resume_instead(tmp_path):
    board = FakeBoard(snr=SNR)
    dut, firmware = make_dut(tmp_path, Layout.builtin("external"), board,
                             after_external_read="resume")
    try:
        dut.provision()
        resets = len(board.resets)
        dut.read_slot("secondary")
        assert len(board.resets) == resets and board.halted is False
    finally:
        dut.close()
        firmware.close()


def test_protected_chip_fails_unless_the_map_allows_recover(tmp_path):
    for allowed in (False, True):
        board = FakeBoard(snr=SNR)
        (tmp_path / str(allowed)).mkdir()
        dut, firmware = make_dut(tmp_path / str(allowed), Layout.builtin("internal"), board,
                                 recover="true" if allowed else "false")
        try:
            board.protected = True
            dut.probe.reset()  # a pin reset detaches the debugger; reattaching now fails
            if allowed:
                assert dut.provision().booted
                assert "recover" in [name for name, _, _ in board.calls]
            else:
                with pytest.raises(ProbeProtected, match="recover"):
                    dut.provision()
                assert "recover" not in [name for name, _, _ in board.calls]
        finally:
            dut.close()
            firmware.close()


def test_close_releases_the_dk(tmp_path, internal):
    dut, _, _ = internal
    dut.close()
    assert DkLock(dut.entry, tmp_path / "locks").try_acquire()
