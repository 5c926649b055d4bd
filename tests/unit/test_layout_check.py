"""Partition Manager's static-configuration rules on every partitions file the suite reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hil.errors import HilError
from hil.layout import FIXTURE_DIR, Layout
from hil.layout_check import LayoutRuleError, check_document
from hil.sim import core_lib

APP = core_lib.FIRMWARE_DIR
SHIPPED = [
    FIXTURE_DIR / "nrf5340dk_internal.yml",
    FIXTURE_DIR / "nrf5340dk_external.yml",
    APP / "pm_static.yml",
    APP / "ext_flash" / "pm_static.yml",
]

# What `west build -b nrf5340dk_nrf5340_cpuapp -- -DFTPDFU_SECONDARY=external` writes to
# build/partitions.yml: the static partitions plus those Partition Manager adds itself.
BENCH_PARTITIONS = """
app: {address: 0xc200, end_address: 0x100000, region: flash_primary, size: 0xf3e00}
external_flash: {address: 0xf4000, device: MX25R64, end_address: 0x800000,
                 region: external_flash, size: 0x70c000}
mcuboot: {address: 0x0, end_address: 0xc000, region: flash_primary, size: 0xc000,
          placement: {before: [mcuboot_primary]}}
mcuboot_pad: {address: 0xc000, end_address: 0xc200, region: flash_primary, size: 0x200,
              placement: {align: {start: 0x4000}, before: [mcuboot_primary_app]}}
mcuboot_primary: {address: 0xc000, end_address: 0x100000, region: flash_primary,
                  size: 0xf4000, orig_span: [mcuboot_pad, app], span: [mcuboot_pad, app]}
mcuboot_primary_app: {address: 0xc200, end_address: 0x100000, region: flash_primary,
                      size: 0xf3e00, orig_span: [app], span: [app]}
mcuboot_secondary: {address: 0x0, device: MX25R64, end_address: 0xf4000,
                    region: external_flash, size: 0xf4000, share_size: [mcuboot_primary],
                    placement: {align: {start: 0x4}}}
otp: {address: 0xff8100, end_address: 0xff83fc, region: otp, size: 0x2fc}
pcd_sram: {address: 0x20000000, end_address: 0x20002000, region: sram_primary, size: 0x2000}
rpmsg_nrf53_sram: {address: 0x20070000, end_address: 0x20080000, placement: {before: [end]},
                   region: sram_primary, size: 0x10000}
sram_primary: {address: 0x20002000, end_address: 0x20070000, region: sram_primary,
               size: 0x6e000}
"""


def internal() -> dict:
    return yaml.safe_load((FIXTURE_DIR / "nrf5340dk_internal.yml").read_text())


def parse(document: dict) -> Layout:
    return Layout.parse(yaml.safe_dump(document), source="partitions.yml")


def rejected(document: dict) -> str:
    with pytest.raises(HilError) as info:
        parse(document)
    message = str(info.value)
    assert "\n" not in message and message.startswith("partitions.yml: ")
    return message


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(Path(p).relative_to(APP.parents[2])))
def test_every_shipped_layout_passes(path):
    layout = Layout.load(path)
    assert layout.primary.size == layout.secondary.size


def test_a_bench_builds_partitions_yml_passes():
    layout = Layout.parse(BENCH_PARTITIONS, source="build/partitions.yml")
    assert layout.secondary.external and layout.slot_size == 0xF4000


def test_the_layout_before_the_fix_fails_naming_the_gap(tmp_path):
    old = internal()
    del old["EMPTY_0"]
    path = tmp_path / "pm_static.yml"
    path.write_text(yaml.safe_dump(old))
    with pytest.raises(HilError) as info:
        Layout.load(path)
    assert "0xfc000-0x100000" in str(info.value) and "\n" not in str(info.value)
    assert str(path) in str(info.value)


def test_a_static_file_may_leave_the_apps_gap_but_no_other():
    static = {name: internal()[name] for name in ("mcuboot", "mcuboot_pad", "mcuboot_secondary")}
    static["EMPTY_0"] = internal()["EMPTY_0"]
    check_document(static)  # one gap, 0xc200-0x84000: where Partition Manager puts 'app'
    del static["EMPTY_0"]
    with pytest.raises(LayoutRuleError, match="0xc200-0x84000 0xfc000-0x100000"):
        check_document(static)


def test_overlapping_partitions_are_named():
    document = internal()
    document["EMPTY_0"]["address"] = 0xFB000
    document["EMPTY_0"]["end_address"] = 0xFF000
    message = rejected(document)
    assert "'mcuboot_secondary'" in message and "'EMPTY_0'" in message
    assert "overlap at 0xfb000-0xfc000" in message


def test_a_container_must_be_the_sum_of_its_members():
    document = internal()
    document["mcuboot_primary_app"].update(size=0x77000, end_address=0x83200)
    message = rejected(document)
    assert "'mcuboot_primary_app' = app must be 0xc200-0x84000 (size 0x77e00)" in message
    document = internal()
    document["mcuboot_pad"].update(size=0x100, end_address=0xC100)
    assert "'mcuboot_pad' and 'app', which do not touch" in rejected(document)


def test_end_address_must_agree_with_the_size():
    document = internal()
    document["app"]["end_address"] = 0x83000
    assert "end_address 0x83000" in rejected(document)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"mcuboot_pad": {"address": 0xC100}}, "start 0xc100 is not aligned to 0x4000"),
        ({"mcuboot_secondary": {"address": 0x84200, "placement": {}}}, "0x1000 flash page"),
    ],
)
def test_alignment(change, expected):
    document = internal()
    for name, values in change.items():
        document[name].update(values)
        document[name].pop("end_address", None)
    assert expected in rejected(document)


def test_unequal_slots_are_refused():
    document = internal()
    document["mcuboot_secondary"].update(size=0x74000, end_address=0xF8000)
    document["EMPTY_0"].update(address=0xF8000, size=0x8000, end_address=0x100000)
    assert "slot sizes differ" in rejected(document)


def test_external_region_may_end_free_but_not_have_a_hole():
    document = yaml.safe_load(BENCH_PARTITIONS)
    del document["external_flash"]  # pm_static.yml leaves the rest to Partition Manager
    parse(document)
    document["mcuboot_secondary"]["address"] = 0x1000
    document["mcuboot_secondary"]["end_address"] = 0xF5000
    assert "0x0-0x1000" in rejected(document)


def test_a_hand_written_pair_of_slots_is_no_pm_file_but_may_not_overlap():
    pair = {
        "mcuboot_primary": {"address": 0xC000, "size": 0x78000},
        "mcuboot_secondary": {"address": 0x84000, "size": 0x78000},
    }
    parse(pair)
    pair["mcuboot_secondary"]["address"] = 0x80000
    assert "overlap" in rejected(pair)


def test_the_cli_refuses_the_old_layout_with_one_line_and_exit_2(tmp_path, capsys):
    from hil.cli import main

    old = internal()
    del old["EMPTY_0"]
    layout = tmp_path / "partitions.yml"
    layout.write_text(yaml.safe_dump(old))
    image = tmp_path / "image.bin"
    image.write_bytes(b"\xff" * 64)
    assert main(["check", str(image), "--layout", str(layout)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "0xfc000-0x100000" in err and str(layout) in err
