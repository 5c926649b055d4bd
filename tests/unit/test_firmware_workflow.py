"""The firmware build recipe (.github/workflows/firmware.yml) agrees with the firmware and the
files the bench reads. It cannot run here (no NCS toolchain); this checks what it builds,
checks and keeps."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from hil.bench import build as bench_build
from hil.sim import core_lib

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "firmware.yml"
APP = core_lib.FIRMWARE_DIR


def job() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]["build"]


def script() -> str:
    return "\n".join(step.get("run", "") for step in job()["steps"])


def test_builds_both_layouts_and_both_flavours_with_ncs_v2_6_0():
    build = job()
    assert build["strategy"]["matrix"] == {
        "layout": ["internal", "external"],
        "flavour": ["seed", "hardened"],
    }
    assert build["container"].endswith(":v2.6.0")
    text = script()
    assert "--mr v2.6.0" in text and "-DFTPDFU_SECONDARY=${{ matrix.layout }}" in text
    assert "-DCONFIG_FTPDFU_HARDENED=y" in text
    assert text.count("west build -p -b nrf5340dk_nrf5340_cpuapp") == 2
    assert '-DCONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION="2.0.0+0"' in text


def test_keeps_every_file_the_bench_reads():
    upload = next(s for s in job()["steps"] if s.get("uses", "").startswith("actions/upload"))
    kept = set(upload["with"]["path"].split())
    assert upload["with"]["if-no-files-found"] == "error"
    # hil/bench/build.py: partitions.yml, zephyr/merged.hex and zephyr/app_update.bin of the
    # factory build (its app_update.bin is the factory image), the update's app_update.bin.
    v1 = {
        f"build/v1/{name}"
        for name in (bench_build._PARTITIONS[0], bench_build._MERGED[0], bench_build._UPDATE[0])
    }
    assert v1 | {"build/v2/zephyr/app_update.bin", "build/mcuboot-public.pem"} == kept


def test_checks_the_config_lines_the_firmware_sets():
    usb = dict(re.findall(r"^(CONFIG_\w+)=(.*)$", (APP / "usb_ecm.conf").read_text(), re.M))
    checked = re.search(r"for line in (.*?); do", script(), re.S)[1].replace("\\\n", " ").split()
    assert checked, "no .config lines checked"
    for line in checked:
        name, value = line.split("=", 1)
        assert usb[name] == value, line
    for name in (
        "CONFIG_PICOLIBC",
        "CONFIG_COMMON_LIBC_MALLOC_ARENA_SIZE",
        "CONFIG_HEAP_MEM_POOL_SIZE",
    ):
        assert any(line.startswith(name + "=") for line in checked), name
