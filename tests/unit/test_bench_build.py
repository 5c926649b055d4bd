"""Build-directory files, the bench update kit, and finding the console port."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

from hil.bench.build import resolve_build
from hil.bench.console_port import by_id_ports, find_console_port
from hil.bench.hwmap import HardwareMap
from hil.bench.kit import bench_kit
from hil.bench.settings import BenchSettings
from hil.errors import HilError
from hil.image.keys import SampleKeyWarning
from hil.image.sample_keys import SAMPLE_PUBLIC_KEYS
from hil.kit import make_sim_kit
from hil.layout import FIXTURE_DIR, Layout
from hil.probe import ComPort

SNR = 1050012345


def entry_for(tmp_path: Path, extra: str = ""):
    text = f"- id: dk1\n  snr: {SNR}\n  build_dir: build\n{extra}"
    return HardwareMap.parse(text, base=tmp_path).dks[0]


def test_child_image_layout_and_the_key_from_mcuboots_config(tmp_path):
    build = tmp_path / "build"
    (build / "zephyr").mkdir(parents=True)
    (build / "mcuboot" / "zephyr").mkdir(parents=True)
    shutil.copy(FIXTURE_DIR / "nrf5340dk_internal.yml", build / "partitions.yml")
    (build / "zephyr" / "merged.hex").write_text(":00000001FF\n")
    (build / "zephyr" / "app_update.bin").write_bytes(b"x")
    key = tmp_path / "root-rsa-2048.pem"
    key.write_text("key")
    (build / "mcuboot" / "zephyr" / ".config").write_text(
        f'CONFIG_BOOT_SIGNATURE_KEY_FILE="{key}"\n'
    )
    files = resolve_build(entry_for(tmp_path))
    assert files.merged_hex == build / "zephyr" / "merged.hex"
    assert files.update_image == build / "zephyr" / "app_update.bin"
    assert files.partitions == build / "partitions.yml" and files.signing_key == key


def test_sysbuild_layout(tmp_path):
    build = tmp_path / "build"
    (build / "ftp_dfu" / "zephyr").mkdir(parents=True)
    (build / "merged.hex").write_text(":00000001FF\n")
    (build / "ftp_dfu" / "zephyr" / "app_update.bin").write_bytes(b"x")
    files = resolve_build(entry_for(tmp_path))
    assert files.merged_hex == build / "merged.hex"
    assert files.update_image.parent.parent.name == "ftp_dfu"
    assert files.partitions is None and files.signing_key is None


def test_missing_build_files_say_what_to_do(tmp_path):
    with pytest.raises(HilError, match=r"build_dir .* does not exist .*west build"):
        resolve_build(entry_for(tmp_path))
    (tmp_path / "build").mkdir()
    with pytest.raises(HilError, match=r"merged\.hex not found .*finish the west build"):
        resolve_build(entry_for(tmp_path))


def test_bench_kit_reads_versions_and_key_from_the_build(tmp_path):
    layout = Layout.builtin("internal")
    old = make_sim_kit(tmp_path / "old", layout, new_version="1.2.3+4")
    build = tmp_path / "build" / "zephyr"
    build.mkdir(parents=True)
    (build / "merged.hex").write_text(":00000001FF\n")
    (build / "app_update.bin").write_bytes(old.factory_image)
    (tmp_path / "update.bin").write_bytes(old.update_image)
    hw_map = tmp_path / "map.yml"
    hw_map.write_text(
        f"- id: dk1\n  snr: {SNR}\n  build_dir: build\n  update_image: update.bin\n"
        f"  signing_key: {old.key_path}\n"
    )
    kit = bench_kit(BenchSettings(hw_map=hw_map))
    assert (kit.old_version, kit.new_version) == ("1.0.0+0", "1.2.3+4")
    assert kit.factory_image == old.factory_image and kit.update_image == old.update_image
    assert kit.keys == old.keys
    assert bench_kit(BenchSettings()) is None


def test_bench_kit_warns_when_the_build_uses_a_public_sample_key(tmp_path, monkeypatch):
    layout = Layout.builtin("internal")
    old = make_sim_kit(tmp_path / "old", layout)
    build = tmp_path / "build" / "zephyr"
    build.mkdir(parents=True)
    (build / "merged.hex").write_text(":00000001FF\n")
    (build / "app_update.bin").write_bytes(old.factory_image)
    hw_map = tmp_path / "map.yml"
    hw_map.write_text(
        f"- id: dk1\n  snr: {SNR}\n  build_dir: build\n  signing_key: {old.key_path}\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bench_kit(BenchSettings(hw_map=hw_map))  # a key of the project's own: no warning
    monkeypatch.setitem(SAMPLE_PUBLIC_KEYS, "root-rsa-2048.pem", old.keys[0].public_bytes)
    with pytest.warns(SampleKeyWarning, match="DK 'dk1'.*public sample key: anyone can sign"):
        bench_kit(BenchSettings(hw_map=hw_map))


def test_bench_kit_refuses_dks_with_different_builds_unless_one_is_picked(tmp_path):
    layout = Layout.builtin("internal")
    kits = [make_sim_kit(tmp_path / f"k{i}", layout, new_version=f"1.{i}.0+0") for i in (1, 2)]
    entries = []
    for i, kit in enumerate(kits, 1):
        build = tmp_path / f"build{i}" / "zephyr"
        build.mkdir(parents=True)
        (build / "merged.hex").write_text(":00000001FF\n")
        (build / "app_update.bin").write_bytes(kit.factory_image)
        (tmp_path / f"update{i}.bin").write_bytes(kit.update_image)
        entries.append(
            f"- id: dk{i}\n  snr: {SNR + i}\n  build_dir: build{i}\n"
            f"  update_image: update{i}.bin\n  signing_key: {kit.key_path}\n"
        )
    hw_map = tmp_path / "map.yml"
    hw_map.write_text("".join(entries))
    with pytest.raises(HilError, match=r"different builds.*--hw-dk"):
        bench_kit(BenchSettings(hw_map=hw_map))
    assert bench_kit(BenchSettings(hw_map=hw_map, dk="dk2")).new_version == "1.2.0+0"


def test_bench_kit_needs_a_signing_key(tmp_path):
    build = tmp_path / "build" / "zephyr"
    build.mkdir(parents=True)
    (build / "merged.hex").write_text(":00000001FF\n")
    (build / "app_update.bin").write_bytes(b"x")
    hw_map = tmp_path / "map.yml"
    hw_map.write_text(f"- id: dk1\n  snr: {SNR}\n  build_dir: build\n")
    with pytest.raises(HilError, match="set 'signing_key'"):
        bench_kit(BenchSettings(hw_map=hw_map))


def make_by_id(tmp_path: Path) -> tuple[Path, Path, Path]:
    dev = tmp_path / "dev"
    by_id = dev / "serial" / "by-id"
    by_id.mkdir(parents=True)
    acm0, acm1 = dev / "ttyACM0", dev / "ttyACM1"
    acm0.touch()
    acm1.touch()
    (by_id / f"usb-SEGGER_J-Link_00{SNR}-if02").symlink_to(acm1)
    (by_id / f"usb-SEGGER_J-Link_00{SNR}-if00").symlink_to(acm0)
    (by_id / "usb-SEGGER_J-Link_000683000001-if00").symlink_to(acm0)
    return by_id, acm0, acm1


def test_console_is_vcom1_by_its_stable_by_id_link(tmp_path):
    by_id, acm0, acm1 = make_by_id(tmp_path)
    ports = [ComPort(str(acm0), 0), ComPort(str(acm1), 1)]
    assert [p.name[-4:] for p in by_id_ports(SNR, by_id)] == ["if00", "if02"]
    found = find_console_port(SNR, ports, by_id_dir=by_id)
    assert found == str(by_id / f"usb-SEGGER_J-Link_00{SNR}-if02")


def test_console_falls_back_to_the_probe_path_or_the_by_id_order(tmp_path):
    by_id, _, _ = make_by_id(tmp_path)
    assert find_console_port(SNR, [ComPort("/dev/ttyACM7", 1)], by_id_dir=tmp_path) == (
        "/dev/ttyACM7"
    )
    assert find_console_port(SNR, [], by_id_dir=by_id).endswith("-if02")


def test_no_console_found_is_one_line(tmp_path):
    with pytest.raises(HilError, match=r"cannot find the console \(VCOM1\).*set 'console:"):
        find_console_port(SNR, [ComPort("/dev/ttyACM0", 0)], by_id_dir=tmp_path)
