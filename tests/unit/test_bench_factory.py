"""``create_dut('nrf')``: skip (DutUnavailable) without J-Link software or probe, else a DUT."""

from __future__ import annotations

import ctypes.util
import os
import shutil
from pathlib import Path

import pytest
from fake_tools.cli_env import install
from intelhex import IntelHex

from hil.bench.nrf_dut import NrfDut
from hil.bench.settings import BenchSettings, configure, current
from hil.dut.factory import DutUnavailable, create_dut
from hil.errors import HilError
from hil.layout import FIXTURE_DIR, Layout

SNR = 1050012345


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch):
    for name in ("HIL_HW_MAP", "HIL_DK", "HIL_PROBE_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    yield
    configure(None)


def jlink_installed() -> bool:
    return ctypes.util.find_library("jlinkarm") is not None or Path("/opt/SEGGER").is_dir()


def make_build(directory: Path) -> Path:
    (directory / "zephyr").mkdir(parents=True)
    shutil.copy(FIXTURE_DIR / "nrf5340dk_internal.yml", directory / "partitions.yml")
    image = IntelHex()
    image.puts(0, b"MCUBOOT!")
    image.write_hex_file(str(directory / "zephyr" / "merged.hex"))
    (directory / "zephyr" / "app_update.bin").write_bytes(b"\x3d\xb8\xf3\x96")
    return directory


def write_map(tmp_path: Path, console: str = "auto", backend: str = "nrfjprog") -> Path:
    make_build(tmp_path / "build")
    path = tmp_path / "map.yml"
    path.write_text(
        f"- id: dk1\n  snr: {SNR}\n  build_dir: build\n  backend: {backend}\n"
        f"  console: {console}\n  ftp_host: 192.0.2.2\n"
    )
    return path


@pytest.mark.skipif(jlink_installed(), reason="SEGGER J-Link software is installed here")
def test_no_jlink_software_skips_with_one_line(tmp_path):
    pytest.importorskip("pynrfjprog")
    with pytest.raises(DutUnavailable) as why:
        create_dut("nrf", Layout.builtin(), None, tmp_path)
    message = str(why.value)
    assert message.startswith("--dut nrf: ") and "J-Link Software" in message
    assert "\n" not in message


def test_no_probe_attached_skips_even_with_a_map(monkeypatch, tmp_path):
    bench = install(monkeypatch, tmp_path)
    bench.set(snrs=[])
    configure(BenchSettings(hw_map=write_map(tmp_path), lock_dir=tmp_path / "locks"))
    with pytest.raises(DutUnavailable, match=r"--dut nrf: .*is not attached"):
        create_dut("nrf", Layout.builtin(), None, tmp_path)


def test_missing_tool_skips(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    configure(BenchSettings(hw_map=write_map(tmp_path, backend="nrfutil"),
                            lock_dir=tmp_path / "locks"))
    with pytest.raises(DutUnavailable, match="nrfutil not found on PATH"):
        create_dut("nrf", Layout.builtin(), None, tmp_path)


def test_a_probe_without_a_map_is_an_error_not_a_skip(monkeypatch, tmp_path):
    install(monkeypatch, tmp_path)
    configure(BenchSettings(backend="nrfjprog"))
    with pytest.raises(HilError, match=f"J-Link {SNR} attached but no hardware map: pass --hw-map"):
        create_dut("nrf", Layout.builtin(), None, tmp_path)


def test_map_from_the_environment(monkeypatch, tmp_path):
    bench = install(monkeypatch, tmp_path)
    bench.set(snrs=[])
    path = write_map(tmp_path)
    monkeypatch.setenv("HIL_HW_MAP", str(path))
    monkeypatch.setenv("HIL_LOCK_DIR", str(tmp_path / "locks"))
    monkeypatch.setenv("HIL_DK", "dk1")
    settings = current()
    assert (settings.hw_map, settings.dk) == (path, "dk1")
    assert settings.lock_dir == tmp_path / "locks"
    with pytest.raises(DutUnavailable):
        create_dut("nrf", Layout.builtin(), None, tmp_path)
    assert list((tmp_path / "locks").iterdir()), "the DK from the map was locked"


def test_full_bring_up_with_the_fake_nrfjprog_and_a_pty(monkeypatch, tmp_path):
    install(monkeypatch, tmp_path)
    master, slave = os.openpty()
    try:
        hw_map = write_map(tmp_path, console=os.ttyname(slave))
        configure(BenchSettings(hw_map=hw_map, lock_dir=tmp_path / "locks", lock_timeout=0.2))
        dut = create_dut("nrf", Layout.builtin("external"), None, tmp_path)
        try:
            assert isinstance(dut, NrfDut)
            assert dut.layout.secondary.address == 0x84000  # the build's partitions.yml wins
            assert dut.probe.backend == "nrfjprog" and dut.probe.snr == SNR
            with pytest.raises(HilError, match="stayed busy"):
                create_dut("nrf", Layout.builtin(), None, tmp_path)
        finally:
            dut.close()
        create_dut("nrf", Layout.builtin(), None, tmp_path).close()  # the lock was released
    finally:
        os.close(master)
        os.close(slave)
