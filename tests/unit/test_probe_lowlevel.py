"""The pynrfjprog backend against a fake LowLevel.API whose memories are FlashDevices."""

from __future__ import annotations

import pytest

pytest.importorskip("pynrfjprog")

from fake_tools.fake_lowlevel import FakeBoard, FakeLowLevelAPI
from intelhex import IntelHex

from hil.probe import (
    Memory,
    ProbeError,
    ProbeOptions,
    ProbeProtected,
    ProbeUnavailable,
    ResetKind,
)
from hil.probe.lowlevel import LowLevelProbe

SNR = 1050012345


def make_probe(board: FakeBoard, **options) -> LowLevelProbe:
    return LowLevelProbe(ProbeOptions(**options), api_factory=lambda: FakeLowLevelAPI(board))


def names(board: FakeBoard) -> list[str]:
    return [name for name, _, _ in board.calls]


def write_hex(path, chunks: dict[int, bytes]):
    image = IntelHex()
    for address, data in chunks.items():
        image.puts(address, data)
    image.write_hex_file(str(path))
    return path


@pytest.fixture
def board() -> FakeBoard:
    return FakeBoard(snr=SNR)


def test_connect_picks_the_only_probe_and_the_app_core(board):
    probe = make_probe(board)
    assert probe.connect() == SNR
    first = ["open", "enum_emu_snr", "connect_to_emu_with_snr", "select_coprocessor"]
    assert names(board)[:4] == first
    assert board.calls[3][1] == (0,)  # CP_APPLICATION, selected before connect_to_device
    assert "connect_to_device" in names(board)


def test_program_erases_touched_sectors_then_verifies(board, tmp_path):
    board.internal.load(0x0, b"\x00" * 0x2000)  # stale contents: programming needs an erase
    board.internal.load(0x84000, b"\x00" * 16)  # an untouched page stays as it is
    hex_path = write_hex(tmp_path / "merged.hex", {0x0: b"MCUBOOT!" * 600, 0xC000: b"\x3d\xb8"})
    probe = make_probe(board)
    probe.connect(SNR)
    probe.program(hex_path)
    assert board.internal.read(0x0, 8) == b"MCUBOOT!"
    assert board.internal.read(0xC000, 3) == b"\x3d\xb8\xff"
    assert board.internal.read(0x84000, 4) == b"\x00" * 4
    assert sorted(set(board.internal.erase_log)) == [0x0, 0x1000, 0xC000]
    calls = names(board)
    assert calls.index("erase_file") < calls.index("program_file") < calls.index("verify_file")
    erase = next(kw for n, _, kw in board.calls if n == "erase_file")
    assert erase["chip_erase_mode"].name == "ERASE_SECTOR"
    assert erase["qspi_erase_mode"].name == "ERASE_NONE"


def test_program_with_qspi_data_sets_up_qspi_first(board, tmp_path):
    hex_path = write_hex(tmp_path / "x.hex", {0x0: b"A" * 16, 0x10000000: b"EXT!"})
    probe = make_probe(board)
    probe.connect(SNR)
    probe.program(hex_path)
    assert board.external.read(0, 4) == b"EXT!"
    calls = names(board)
    assert calls.index("qspi_init_ini") < calls.index("erase_file")
    assert calls[-1] == "qspi_uninit"


def test_internal_read_in_chunks_with_progress_leaves_the_app_running(board):
    data = bytes(range(256)) * 0x180
    board.internal.load(0x84000, data)
    seen = []
    probe = make_probe(board, chunk_size=0x4000)
    probe.connect(SNR)
    assert probe.read(Memory.INTERNAL, 0x84000, len(data), lambda d, t: seen.append((d, t))) == data
    assert seen == [(0x4000 * i, len(data)) for i in range(1, 7)]
    assert names(board).count("read") == 6
    assert board.halted is False


def test_external_read_halts_inits_qspi_and_wakes_the_flash(board):
    board.external.load(0x1000, b"\x3d\xb8\xf3\x96" + b"\x0a" * 60)
    probe = make_probe(board)
    probe.connect(SNR)
    assert probe.read(Memory.EXTERNAL, 0x1000, 64)[:4] == b"\x3d\xb8\xf3\x96"
    calls = names(board)
    order = ["halt", "qspi_init_ini", "qspi_custom", "qspi_read", "qspi_uninit", "go"]
    assert [c for c in calls if c in order] == order
    custom = next(args for n, args, _ in board.calls if n == "qspi_custom")
    assert custom == (0xAB, 1)


def test_without_the_wake_a_sleeping_flash_reads_wrong(board):
    board.external.load(0, b"\x3d\xb8\xf3\x96")
    probe = make_probe(board, qspi_wake=False)
    probe.connect(SNR)
    assert probe.read(Memory.EXTERNAL, 0, 4) == b"\x00" * 4


def test_erase_internal_pages_and_external_sectors(board):
    board.internal.load(0x84000, b"\x00" * 0x3000)
    board.external.load(0, b"\x00" * 0x12000)
    probe = make_probe(board)
    probe.connect(SNR)
    probe.erase(Memory.INTERNAL, 0x84000, 0x2000)
    probe.erase(Memory.EXTERNAL, 0x0, 0x11000)
    assert board.internal.read(0x84000, 0x2000) == b"\xff" * 0x2000
    assert board.internal.read(0x86000, 1) == b"\x00"
    assert board.external.read(0, 0x11000) == b"\xff" * 0x11000
    assert board.external.read(0x11000, 1) == b"\x00"
    sizes = [args[1].name for n, args, _ in board.calls if n == "qspi_erase"]
    assert sizes == ["ERASE64KB", "ERASE4KB"]


@pytest.mark.parametrize(
    ("kind", "expected"), [(ResetKind.PIN, "pin"), (ResetKind.SYSTEM, "system+run")]
)
def test_reset_runs_the_chip_and_reconnects_afterwards(board, kind, expected):
    probe = make_probe(board, reset=kind)
    probe.connect(SNR)
    probe.reset()
    assert board.resets == [expected] and board.halted is False
    board.internal.load(0, b"OK")
    assert probe.read(Memory.INTERNAL, 0, 16)[:2] == b"OK"


def test_protected_chip_is_reported_and_never_recovered_implicitly(board, tmp_path):
    board.protected = True
    probe = make_probe(board)
    with pytest.raises(ProbeProtected) as err:
        probe.connect(SNR)
    message = str(err.value)
    assert "APPROTECT" in message and "--recover" in message and "\n" not in message
    assert "-90" in message
    assert "recover" not in names(board)


def test_recover_is_explicit_network_core_first(board):
    board.internal.load(0, b"\x00" * 16)
    probe = make_probe(board)
    probe.connect(SNR)
    probe.recover()
    cores = [args[0] for n, args, _ in board.calls if n == "select_coprocessor"]
    assert [int(c) for c in cores[-2:]] == [2, 0]
    assert board.internal.read(0, 16) == b"\xff" * 16


def test_no_probe_attached_is_unavailable(board):
    board.attached = False
    with pytest.raises(ProbeUnavailable, match="no J-Link probe found"):
        make_probe(board).connect()


def test_an_absent_serial_number_is_unavailable(board):
    with pytest.raises(ProbeUnavailable, match=r"J-Link 42 is not attached.*\[pynrfjprog -10"):
        make_probe(board).connect(42)


def test_missing_jlink_software_is_unavailable(board):
    board.jlink_installed = False
    with pytest.raises(ProbeUnavailable, match="J-Link Software and Documentation Pack"):
        make_probe(board).connect(SNR)


def test_com_ports_come_from_the_probe(board):
    probe = make_probe(board)
    probe.connect(SNR)
    ports = [(p.path, p.vcom) for p in probe.com_ports()]
    assert ports == [("/dev/ttyACM0", 0), ("/dev/ttyACM1", 1)]


def test_close_detaches_and_closes(board):
    probe = make_probe(board)
    probe.connect(SNR)
    probe.close()
    assert names(board)[-3:] == ["disconnect_from_device", "disconnect_from_emu", "close"]


@pytest.mark.parametrize("dll_checks", [True, False], ids=["dll-checks", "bare-chip"])
def test_external_erase_off_a_64k_boundary_spares_its_neighbours(board, dll_checks):
    board.dll_checks_erase_alignment = dll_checks
    board.external.load(0, b"\x00" * 0x30000)
    probe = make_probe(board)
    probe.connect(SNR)
    probe.erase(Memory.EXTERNAL, 0x1000, 0x20000)
    assert board.external.read(0x0, 0x1000) == b"\x00" * 0x1000
    assert board.external.read(0x1000, 0x20000) == b"\xff" * 0x20000
    assert board.external.read(0x21000, 0x1000) == b"\x00" * 0x1000
    erases = [(args[0], args[1].name) for n, args, _ in board.calls if n == "qspi_erase"]
    assert erases == [
        *((0x1000 * i, "ERASE4KB") for i in range(1, 16)),
        (0x10000, "ERASE64KB"),
        (0x20000, "ERASE4KB"),
    ]


@pytest.mark.parametrize(
    ("address", "length"),
    [(0x7FF000, 0x2000), (0x7F0000, 0x11000), (0x0, 0x801000), (0x10000000, 0x1000)],
)
def test_an_external_range_ending_past_the_mx25r64_is_refused_before_any_access(
    board, address, length
):
    board.external.load(0, b"\x3d\xb8\xf3\x96")  # what a wrapped read would return
    probe = make_probe(board)
    probe.connect(SNR)
    before = len(board.calls)
    with pytest.raises(ProbeError, match="past the 8 MiB MX25R64"):
        probe.read(Memory.EXTERNAL, address, length)
    with pytest.raises(ProbeError, match="past the 8 MiB MX25R64"):
        probe.erase(Memory.EXTERNAL, address, length)
    assert board.calls[before:] == []


def test_the_last_external_sector_is_in_range(board):
    board.external.load(0x7FF000, b"\xa5" * 0x1000)
    probe = make_probe(board)
    probe.connect(SNR)
    assert probe.read(Memory.EXTERNAL, 0x7FF000, 0x1000) == b"\xa5" * 0x1000
    probe.erase(Memory.EXTERNAL, 0x7FF000, 0x1000)
    assert board.external.read(0x7FF000, 0x1000) == b"\xff" * 0x1000


def test_a_dll_code_pynrfjprog_cannot_name_is_one_line_not_a_traceback():
    """pynrfjprog's APIError raises ValueError for a DLL result missing from its enum (the real
    DLL without J-Link software has returned such codes): still one line, probe unavailable."""

    class UnnamedCodeAPI:
        def open(self) -> None:
            raise ValueError("383 is not a valid NrfjprogdllErr")

    probe = LowLevelProbe(ProbeOptions(), api_factory=UnnamedCodeAPI)
    with pytest.raises(ProbeUnavailable) as err:
        probe.connect()
    assert "J-Link Software" in str(err.value) and "returned 383" in str(err.value)
    assert "\n" not in str(err.value)


def test_other_value_errors_from_the_dll_are_not_hidden():
    class BrokenAPI:
        def open(self) -> None:
            raise ValueError("something else entirely")

    with pytest.raises(ValueError, match="something else"):
        LowLevelProbe(ProbeOptions(), api_factory=BrokenAPI).connect()


def test_an_unnamed_dll_code_during_a_call_is_a_probe_error(monkeypatch):
    board = FakeBoard(snr=SNR)
    probe = make_probe(board)

    def unnamed(*args, **kwargs):
        raise ValueError("-383 is not a valid NrfjprogdllErr")

    monkeypatch.setattr(FakeLowLevelAPI, "enum_emu_snr", unnamed)
    with pytest.raises(ProbeError, match=r"list probes: .*\[pynrfjprog -383 UNKNOWN\]"):
        probe.connect()
