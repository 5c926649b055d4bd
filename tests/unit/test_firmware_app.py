"""The NCS app's build files agree with the layouts and settings the suite relies on."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from hil.sim import core_lib

APP = core_lib.FIRMWARE_DIR
LAYOUTS = Path(__file__).resolve().parents[2] / "fixtures" / "layouts"


def kconfig(path: Path) -> dict[str, str]:
    pairs = re.findall(r"^(CONFIG_\w+)=(.*)$", path.read_text(), re.MULTILINE)
    return dict(pairs)


def test_frozen_layouts_are_the_suites_layouts():
    for static, layout in [
        (APP / "pm_static.yml", LAYOUTS / "nrf5340dk_internal.yml"),
        (APP / "ext_flash" / "pm_static.yml", LAYOUTS / "nrf5340dk_external.yml"),
    ]:
        assert yaml.safe_load(static.read_text()) == yaml.safe_load(layout.read_text())


def test_mcuboot_can_hold_the_external_slot_sectors():
    internal = yaml.safe_load((APP / "pm_static.yml").read_text())
    external = yaml.safe_load((APP / "ext_flash" / "pm_static.yml").read_text())
    sectors = int(kconfig(APP / "child_image" / "mcuboot.conf")["CONFIG_BOOT_MAX_IMG_SECTORS"])
    assert internal["mcuboot_secondary"]["region"] == "flash_primary"
    assert external["mcuboot_secondary"]["region"] == "external_flash"
    for layout in (internal, external):
        assert sectors >= layout["mcuboot_secondary"]["size"] // 0x1000
    assert sectors >= 244


def test_prj_conf_has_the_dfu_network_and_shell_settings():
    conf = kconfig(APP / "prj.conf")
    for name in (
        "BOOTLOADER_MCUBOOT",
        "DFU_TARGET",
        "DFU_TARGET_MCUBOOT",
        "STREAM_FLASH_ERASE",
        "FTP_CLIENT",
        "NET_TCP",
        "NET_SOCKETS",
        "USB_DEVICE_NETWORK_ECM",
        "SHELL",
    ):
        assert conf[f"CONFIG_{name}"] == "y", name
    assert conf["CONFIG_NET_CONFIG_MY_IPV4_ADDR"] == '"192.0.2.1"'
    assert conf["CONFIG_NET_CONFIG_PEER_IPV4_ADDR"] == '"192.0.2.2"'
    assert conf["CONFIG_NET_CONFIG_AUTO_INIT"] == "n"  # main() enables USB first
    assert re.fullmatch(r'"\d+\.\d+\.\d+\+\d+"', conf["CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION"])
    assert kconfig(APP / "ext_flash" / "app.conf")["CONFIG_PM_EXTERNAL_FLASH_MCUBOOT_SECONDARY"]


def test_cmake_builds_the_three_sources():
    cmake = (APP / "CMakeLists.txt").read_text()
    for source in ("src/main.c", "src/port_ncs.c", "src/ftpdfu_core.c"):
        assert source in cmake
    assert (APP / "Kconfig").read_text().rstrip().endswith('source "Kconfig.zephyr"')
