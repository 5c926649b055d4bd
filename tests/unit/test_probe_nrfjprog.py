"""The nrfjprog backend against a fake nrfjprog on PATH (memrd text, exit codes)."""

from __future__ import annotations

import pytest
from fake_tools.cli_env import install
from intelhex import IntelHex

from hil.probe import Memory, ProbeError, ProbeOptions, ProbeProtected, ProbeUnavailable, ResetKind
from hil.probe.nrfjprog import NrfjprogProbe

SNR = 1050012345


@pytest.fixture
def bench(monkeypatch, tmp_path):
    return install(monkeypatch, tmp_path)


def connected(**options) -> NrfjprogProbe:
    probe = NrfjprogProbe(ProbeOptions(**options))
    probe.connect()
    return probe


def test_internal_read_parses_memrd_in_chunks(bench):
    flash = bench.internal()
    data = bytes(range(256)) * 64
    flash.load(0x84000, data)
    bench.store(internal=flash)
    seen = []
    probe = connected(chunk_size=0x1000)
    assert probe.read(Memory.INTERNAL, 0x84000, len(data), lambda d, t: seen.append(d)) == data
    assert seen[-1] == len(data) and len(seen) == 4
    memrd = [c for c in bench.calls() if "--memrd" in c]
    assert memrd[0][memrd[0].index("--memrd") + 1] == "0x84000"
    assert ["--snr", str(SNR)] == memrd[0][-2:]


def test_external_read_uses_the_xip_window_and_survives_progress_text(bench):
    flash = bench.external()
    flash.load(0, b"\x3d\xb8\xf3\x96" + b"\n\r|  x" * 100)
    bench.store(external=flash)
    probe = connected()
    data = probe.read(Memory.EXTERNAL, 0, 0x200)
    assert data[:4] == b"\x3d\xb8\xf3\x96" and data[4:9] == b"\n\r|  "
    calls = bench.calls()
    flat = [c for c in calls if "--halt" in c or "--run" in c or "--memrd" in c]
    assert "--halt" in flat[0] and "0x10000000" in flat[1] and "--run" in flat[-1]


def test_program_sector_erases_and_verifies(bench, tmp_path):
    flash = bench.internal()
    flash.load(0, b"\x00" * 0x1000)
    bench.store(internal=flash)
    image = IntelHex()
    image.puts(0x0, b"merged!!" * 4)
    hex_path = tmp_path / "merged.hex"
    image.write_hex_file(str(hex_path))
    connected().program(hex_path)
    assert bench.internal().read(0, 8) == b"merged!!"
    program = next(c for c in bench.calls() if "--program" in c)
    assert {"--sectorerase", "--verify"} <= set(program)
    assert "--qspisectorerase" not in program


def test_program_without_erase_would_fail_verify(bench, tmp_path):
    """The fake is strict: stale flash makes --verify fail with exit 55."""
    flash = bench.internal()
    flash.load(0, b"\x00" * 16)
    bench.store(internal=flash)
    image = IntelHex()
    image.puts(0x0, b"\xff" * 16)
    hex_path = tmp_path / "ff.hex"
    image.write_hex_file(str(hex_path))
    probe = connected()
    with pytest.raises(ProbeError, match=r"differ from the hex.*\[nrfjprog exit 55\]"):
        probe._run("program", "--program", str(hex_path), "--verify")


def test_erase_uses_an_exclusive_end_in_the_xip_window(bench):
    flash = bench.external()
    flash.load(0, b"\x00" * 0x3000)
    bench.store(external=flash)
    connected().erase(Memory.EXTERNAL, 0x0, 0x2000)
    after = bench.external()
    assert after.read(0, 0x2000) == b"\xff" * 0x2000 and after.read(0x2000, 1) == b"\x00"
    erase = next(c for c in bench.calls() if "--erasepage" in c)
    assert erase[erase.index("--erasepage") + 1] == "0x10000000-0x10002000"


@pytest.mark.parametrize(
    ("kind", "flag"), [(ResetKind.PIN, "--pinreset"), (ResetKind.SYSTEM, "--reset")]
)
def test_reset(bench, kind, flag):
    connected(reset=kind).reset()
    assert any(flag in c for c in bench.calls())


def test_protected_chip_maps_exit_16(bench):
    bench.set(protected=True)
    with pytest.raises(ProbeProtected, match=r"APPROTECT.*\[nrfjprog exit 16\]"):
        connected().read(Memory.INTERNAL, 0, 16)
    assert not any("--recover" in c for c in bench.calls())


def test_recover_network_core_first(bench):
    bench.set(protected=True)
    connected().recover()
    cores = [c[c.index("--coprocessor") + 1] for c in bench.calls() if "--recover" in c]
    assert cores == ["CP_NETWORK", "CP_APPLICATION"]
    assert bench.state()["protected"] is False


def test_no_probe_and_no_jlink_are_unavailable(bench):
    bench.set(snrs=[])
    with pytest.raises(ProbeUnavailable, match="no J-Link probe found"):
        connected()
    bench.set(snrs=[SNR], jlink_installed=False)
    with pytest.raises(ProbeUnavailable, match=r"J-Link Software.*\[nrfjprog exit 33\]"):
        connected()


def test_missing_tool_is_unavailable(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ProbeUnavailable, match="nrfjprog not found on PATH"):
        NrfjprogProbe()


def test_com_ports(bench):
    ports = connected().com_ports()
    assert [(p.path, p.vcom) for p in ports] == [("/dev/ttyACM0", 0), ("/dev/ttyACM1", 1)]
