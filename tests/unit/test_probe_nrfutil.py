"""The nrfutil backend against a fake ``nrfutil --json device`` on PATH (NDJSON, error codes)."""

from __future__ import annotations

import pytest
from fake_tools.cli_env import install
from intelhex import IntelHex

from hil.probe import Memory, ProbeError, ProbeOptions, ProbeProtected, ProbeUnavailable
from hil.probe.nrfutil import NrfutilProbe, find_error, memory_from_json, parse_ndjson

SNR = 1050012345


@pytest.fixture
def bench(monkeypatch, tmp_path):
    return install(monkeypatch, tmp_path)


def connected(**options) -> NrfutilProbe:
    probe = NrfutilProbe(ProbeOptions(**options))
    probe.connect()
    return probe


def test_list_parses_zero_padded_serial_numbers(bench):
    assert connected().list_probes() == [SNR]


@pytest.mark.parametrize("mode", ["hex", "json"])
def test_internal_read_by_hex_file_or_json(bench, mode):
    flash = bench.internal()
    data = bytes(range(256)) * 32
    flash.load(0x84000, data)
    bench.store(internal=flash)
    probe = connected(nrfutil_read=mode, chunk_size=0x1000)
    assert probe.read(Memory.INTERNAL, 0x84000, len(data)) == data
    read = next(c for c in bench.calls() if "read" in c)
    assert read[:3] == ["--json", "device", "read"]
    assert read[-2:] == ["--serial-number", str(SNR)]


def test_external_read_halts_goes_and_passes_the_ext_mem_config(bench, tmp_path):
    flash = bench.external()
    flash.load(0x2000, b"\x3d\xb8\xf3\x96")
    bench.store(external=flash)
    config = tmp_path / "qspi.json"
    config.write_text("{}")
    assert connected(ext_mem_config=config).read(Memory.EXTERNAL, 0x2000, 16)[:4] == (
        b"\x3d\xb8\xf3\x96"
    )
    calls = [c for c in bench.calls() if c[2:3] != ["list"]]
    assert calls[0][2] == "halt" and calls[-1][2] == "go"
    read = calls[1]
    assert read[2:4] == ["--x-ext-mem-config-file", str(config)]
    assert read[read.index("--address") + 1] == "0x10002000"


def test_program_erases_touched_ranges_and_verifies(bench, tmp_path):
    flash = bench.internal()
    flash.load(0xC000, b"\x00" * 32)
    bench.store(internal=flash)
    image = IntelHex()
    image.puts(0xC000, b"\x3d\xb8\xf3\x96new image")
    hex_path = tmp_path / "merged.hex"
    image.write_hex_file(str(hex_path))
    connected().program(hex_path)
    assert bench.internal().read(0xC000, 13) == b"\x3d\xb8\xf3\x96new image"
    program = next(c for c in bench.calls() if "program" in c)
    options = program[program.index("--options") + 1]
    assert "chip_erase_mode=ERASE_RANGES_TOUCHED_BY_FIRMWARE" in options
    assert "verify=VERIFY_READ" in options and "reset=RESET_NONE" in options


def test_erase_pages_internal(bench):
    flash = bench.internal()
    flash.load(0x84000, b"\x00" * 0x3000)
    bench.store(internal=flash)
    connected().erase(Memory.INTERNAL, 0x84000, 0x2000)
    after = bench.internal()
    assert after.read(0x84000, 0x2000) == b"\xff" * 0x2000 and after.read(0x86000, 1) == b"\x00"


def test_reset_pin(bench):
    connected().reset()
    assert bench.state()["resets"] == ["pin"]


def test_protection_error_code_24(bench):
    bench.set(protected=True)
    with pytest.raises(ProbeProtected, match=r"nrfutil device recover.*\[nrfutil error 24\]"):
        connected().read(Memory.INTERNAL, 0, 16)


def test_missing_jlink_library_and_missing_probe_are_unavailable(bench):
    bench.set(jlink_installed=False)
    with pytest.raises(ProbeUnavailable, match="J-Link Software"):
        connected()
    bench.set(jlink_installed=True, snrs=[])
    with pytest.raises(ProbeUnavailable, match="no J-Link probe"):
        connected()


def test_com_ports_from_device_list(bench):
    ports = connected().com_ports()
    assert [(p.path, p.vcom) for p in ports] == [("/dev/ttyACM0", 0), ("/dev/ttyACM1", 1)]


def test_ndjson_parsing_skips_noise_and_finds_errors():
    text = (
        "banner text\n"
        '{"type": "task_begin", "data": {"task": {"name": "read"}}}\n'
        "{not json\n"
        '{"type": "task_end", "data": {"result": "fail", "error": {"code": 24, '
        '"description": "protected"}}}\n'
    )
    events = parse_ndjson(text)
    assert len(events) == 2
    assert find_error(events) == (24, "protected")


def test_json_memory_with_a_gap_is_an_error():
    events = [{"type": "task_end", "data": {"data": {"memoryData": [
        {"startAddress": 0, "values": [1, 2]}, {"startAddress": 4, "values": [5, 6]}]}}}]
    with pytest.raises(ProbeError, match="gap"):
        memory_from_json(events, 0, 4)
