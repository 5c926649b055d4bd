"""The NCS app's build files agree with the layouts and settings the suite relies on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
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
        "SHELL",
    ):
        assert conf[f"CONFIG_{name}"] == "y", name
    assert re.fullmatch(r'"\d+\.\d+\.\d+\+\d+"', conf["CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION"])
    assert conf["CONFIG_FTPDFU_HARDENED"] == "n"  # the seed flavour unless asked for
    assert kconfig(APP / "ext_flash" / "app.conf")["CONFIG_PM_EXTERNAL_FLASH_MCUBOOT_SECONDARY"]


def variant(*names: str) -> dict[str, str]:
    """The Kconfig assignments of prj.conf merged with the given fragments, in order."""
    merged = kconfig(APP / "prj.conf")
    for name in names:
        merged.update(kconfig(APP / name))
    return merged


def test_usb_ecm_variant_sets_its_static_address_without_auto_init():
    conf = variant("usb_ecm.conf")
    assert conf["CONFIG_USB_DEVICE_NETWORK_ECM"] == "y"
    assert conf["CONFIG_NET_CONFIG_MY_IPV4_ADDR"] == '"192.0.2.1"'
    assert conf["CONFIG_NET_CONFIG_PEER_IPV4_ADDR"] == '"192.0.2.2"'
    assert conf["CONFIG_NET_CONFIG_AUTO_INIT"] == "n"  # main() enables USB first
    # NET_CONFIG_NEED_IPV4 depends on NET_CONFIG_AUTO_INIT: setting it is a Kconfig warning.
    assert "CONFIG_NET_CONFIG_NEED_IPV4" not in conf


def test_wifi_variant_assigns_no_usb_symbol():
    """USB_DEVICE_PRODUCT and friends depend on USB_DEVICE_STACK: no assignment may remain."""
    conf = variant("overlay-nrf7002ek.conf")
    assert not [name for name in conf if name.startswith("CONFIG_USB_")], conf
    assert conf["CONFIG_WPA_SUPP"] == "y" and conf["CONFIG_NET_CONFIG_AUTO_INIT"] == "y"


@pytest.mark.parametrize(
    ("fragment", "libc"),
    [("usb_ecm.conf", "CONFIG_PICOLIBC"), ("overlay-nrf7002ek.conf", "CONFIG_NEWLIB_LIBC")],
)
def test_each_variant_sets_its_c_library_and_heaps_explicitly(fragment, libc):
    """getaddrinfo() in ftp_open() calloc()s: no default heap size is relied on."""
    conf = variant(fragment)
    assert conf[libc] == "y"
    assert int(conf["CONFIG_COMMON_LIBC_MALLOC_ARENA_SIZE"]) >= 4096
    assert int(conf["CONFIG_HEAP_MEM_POOL_SIZE"]) > 0


def test_cmake_picks_one_network_fragment_by_shield():
    cmake = (APP / "CMakeLists.txt").read_text()
    assert re.search(
        r'if\(SHIELD MATCHES "nrf7002ek"\)\s+list\(APPEND EXTRA_CONF_FILE '
        r"\$\{CMAKE_CURRENT_LIST_DIR\}/overlay-nrf7002ek.conf\)\s+else\(\)\s+"
        r"list\(APPEND EXTRA_CONF_FILE \$\{CMAKE_CURRENT_LIST_DIR\}/usb_ecm.conf\)",
        cmake,
    )
    assert cmake.index("usb_ecm.conf") < cmake.index("find_package(Zephyr")


def test_external_layout_keeps_the_flash_simulator_out_of_mcuboot():
    """PM_EXTERNAL_FLASH_MCUBOOT_SECONDARY implies ADD_MCUBOOT_MEDIATE_SIM_FLASH_DTS, an app
    symbol (depends on BOOTLOADER_MCUBOOT); with it MCUboot overflows its 0xc000 partition."""
    assert (
        kconfig(APP / "ext_flash" / "app.conf")["CONFIG_ADD_MCUBOOT_MEDIATE_SIM_FLASH_DTS"] == "n"
    )
    assert "MEDIATE" not in "".join(kconfig(APP / "ext_flash" / "mcuboot.conf"))


def test_hardened_option_is_declared_for_the_app():
    kconf = (APP / "Kconfig").read_text()
    assert re.search(r"config FTPDFU_HARDENED\n\tbool .*\n\tdefault n", kconf)


def test_cmake_builds_the_three_sources():
    cmake = (APP / "CMakeLists.txt").read_text()
    for source in ("src/main.c", "src/port_ncs.c", "src/ftpdfu_core.c"):
        assert source in cmake
    assert (APP / "Kconfig").read_text().rstrip().endswith('source "Kconfig.zephyr"')


@pytest.mark.parametrize(
    "fragment", ["usb_ecm.conf", "overlay-nrf7002ek.conf", "ext_flash/app.conf"]
)
def test_fragments_add_to_prj_conf_without_overriding_it(fragment):
    """One place per setting: a fragment that re-assigned a prj.conf symbol would hide it."""
    assert not set(kconfig(APP / fragment)) & set(kconfig(APP / "prj.conf"))
