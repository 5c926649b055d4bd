"""``hil dump``: exit 2 with one line without a probe; .bin and --memrd text with one."""

from __future__ import annotations

import ctypes.util
from pathlib import Path

import pytest
from fake_tools.cli_env import install

from hil.cli import main
from hil.probe.memrd import parse_dump

SNR = 1050012345


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    return err


@pytest.mark.skipif(
    ctypes.util.find_library("jlinkarm") is not None or Path("/opt/SEGGER").is_dir(),
    reason="SEGGER J-Link software is installed here",
)
def test_without_jlink_software_exits_2_with_one_line(tmp_path, capsys):
    pytest.importorskip("pynrfjprog")
    assert main(["dump", "--slot", "secondary", "-o", str(tmp_path / "s.bin")]) == 2
    err = one_error_line(capsys)
    assert err.startswith("hil dump: error: ") and "J-Link Software" in err
    assert not (tmp_path / "s.bin").exists()


def test_without_a_probe_exits_2_with_one_line(monkeypatch, tmp_path, capsys):
    install(monkeypatch, tmp_path).set(snrs=[])
    args = ["dump", "--address", "0x0", "--length", "16", "--backend", "nrfjprog"]
    assert main([*args, "-o", str(tmp_path / "x.bin")]) == 2
    assert "no J-Link probe found" in one_error_line(capsys)


def test_dumps_an_external_slot_to_bin_and_memrd_text(monkeypatch, tmp_path, capsys):
    bench = install(monkeypatch, tmp_path)
    flash = bench.external()
    flash.load(0, b"\x3d\xb8\xf3\x96" + bytes(range(256)) * 16)
    bench.store(external=flash)
    out = tmp_path / "dumps" / "secondary.bin"
    args = ["dump", "--slot", "secondary", "--layout", "external", "--backend", "nrfjprog"]
    assert main([*args, "--snr", str(SNR), "-o", str(out)]) == 0
    data = out.read_bytes()
    assert len(data) == 0xF4000 and data[:4] == b"\x3d\xb8\xf3\x96"
    text = out.with_suffix(".txt").read_text()
    assert text.startswith("0x10000000: 96F3B83D ")
    assert parse_dump(text, 0x10000000, len(data)) == data
    assert "secondary.bin" in capsys.readouterr().out


def test_dumps_an_address_range_with_byte_width(monkeypatch, tmp_path):
    bench = install(monkeypatch, tmp_path)
    flash = bench.internal()
    flash.load(0xC000, b"MCUboot image...")
    bench.store(internal=flash)
    out = tmp_path / "range.bin"
    args = ["dump", "--address", "0xc000", "--length", "32", "--backend", "nrfjprog"]
    assert main([*args, "--width", "8", "-o", str(out)]) == 0
    assert out.read_bytes()[:16] == b"MCUboot image..."
    assert out.with_suffix(".txt").read_text().startswith("0x0000C000: 4D 43 55 62 ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--address", "0x0"], "--address needs --length"),
        (["--slot", "secondary", "--length", "4"], "--length goes with --address"),
        (["--slot", "nope"], "no partition 'nope'"),
        (["--address", "2", "--length", "4"], "multiples of 4"),
    ],
)
def test_bad_arguments_exit_2(tmp_path, capsys, args, message):
    assert main(["dump", *args, "-o", str(tmp_path / "x.bin")]) == 2
    assert message in one_error_line(capsys)


def test_never_overwrites_an_earlier_dump_without_force(monkeypatch, tmp_path, capsys):
    bench = install(monkeypatch, tmp_path)
    bench.store(external=bench.external())
    out = tmp_path / "before.bin"
    out.write_bytes(b"evidence")
    args = ["dump", "--address", "0x0", "--length", "16", "--backend", "nrfjprog"]
    assert main([*args, "--snr", str(SNR), "-o", str(out)]) == 2
    assert "--force" in one_error_line(capsys)
    assert out.read_bytes() == b"evidence"
    assert main([*args, "--snr", str(SNR), "-o", str(out), "--force"]) == 0
    assert len(out.read_bytes()) == 16
