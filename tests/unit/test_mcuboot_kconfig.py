"""CONFIG_BOOT_MAX_IMG_SECTORS comes from the build being modelled, and only from there."""

from __future__ import annotations

import pytest

from hil.console import Console
from hil.errors import HilError
from hil.kit import make_sim_kit
from hil.layout import Layout
from hil.mcuboot.kconfig import (
    KCONFIG_DEFAULT_MAX_IMG_SECTORS,
    build_max_img_sectors,
    firmware_max_img_sectors,
    max_img_sectors_of,
)
from hil.mcuboot.trailer import TrailerLayout
from hil.mcuboot.validate import max_image_size_swap_move
from hil.sim.device import SimConfig, SimNrf5340


def test_the_firmware_builds_set_256_for_both_layouts():
    assert firmware_max_img_sectors() == 256
    assert firmware_max_img_sectors(external=True) == 256


def test_a_later_fragment_wins_and_an_unset_value_is_the_kconfig_default(tmp_path):
    base = tmp_path / "mcuboot.conf"
    base.write_text("# comment\nCONFIG_BOOT_MAX_IMG_SECTORS=256\nCONFIG_X=y\n")
    overlay = tmp_path / "overlay.conf"
    overlay.write_text("CONFIG_BOOT_MAX_IMG_SECTORS=0x200\n")
    silent = tmp_path / "silent.conf"
    silent.write_text("CONFIG_MULTITHREADING=y\n")
    assert max_img_sectors_of(base, overlay) == 512
    assert max_img_sectors_of(overlay, base, silent) == 256
    assert max_img_sectors_of(silent) == KCONFIG_DEFAULT_MAX_IMG_SECTORS == 128
    bad = tmp_path / "bad.conf"
    bad.write_text("CONFIG_BOOT_MAX_IMG_SECTORS=lots\n")
    with pytest.raises(HilError, match="not a number"):
        max_img_sectors_of(bad)


def test_a_west_builds_mcuboot_config(tmp_path):
    assert build_max_img_sectors(tmp_path) is None
    config = tmp_path / "mcuboot" / "zephyr" / ".config"
    config.parent.mkdir(parents=True)
    config.write_text('CONFIG_BOOT_SIGNATURE_KEY_FILE="root-rsa-2048.pem"\n'
                      "CONFIG_BOOT_MAX_IMG_SECTORS=244\n")
    assert build_max_img_sectors(tmp_path) == 244


def test_trailer_offsets_and_the_sim_follow_the_build(tmp_path):
    assert TrailerLayout(0x78000).status_off == 0x773D0
    assert max_image_size_swap_move(0x78000, 0x1000) == 0x77000
    for name in ("internal", "external"):
        layout = Layout.builtin(name)
        kit = make_sim_kit(tmp_path / name, layout)
        board = SimNrf5340(SimConfig(layout, kit.keys, kit.factory_image), Console("t"))
        assert board.trailer.max_img_sectors == 256
        assert board.bootloader.config.max_img_sectors == 256
        assert board.trailer.status_off == layout.slot_size - 256 * 12 - 48
