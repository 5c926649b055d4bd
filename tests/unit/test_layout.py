"""partitions.yml reading: the shipped NCS v2.6.0 layouts and clear errors for bad files."""

import pytest

from hil.errors import HilError
from hil.layout import Layout


def test_internal_layout_matches_ncs_v2_6_0_dk_defaults():
    layout = Layout.builtin("internal")
    assert (layout.primary.address, layout.primary.size) == (0xC000, 0x78000)
    assert (layout.secondary.address, layout.secondary.size) == (0x84000, 0x78000)
    assert not layout.secondary.external


def test_external_layout_puts_the_secondary_on_the_mx25r64():
    layout = Layout.builtin("external")
    assert layout.secondary.external and layout.secondary.device == "MX25R64"
    assert (layout.secondary.address, layout.slot_size) == (0, 0xF4000)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [unclosed", "not valid YAML"),
        ("- a list", "expected a mapping"),
        ("mcuboot_primary: {address: 0xc000, size: 0x78000}", "no 'mcuboot_secondary'"),
        (
            "mcuboot_primary: {address: 0xc000, size: 0x78000}\n"
            "mcuboot_secondary: {address: 0x84000, size: -1}",
            "no valid 'size'",
        ),
        (
            "mcuboot_primary: {address: 0xc000, size: 0x78000}\n"
            "mcuboot_secondary: {address: 0x84000, size: 0x70000}",
            "slot sizes differ",
        ),
    ],
)
def test_bad_layouts_give_one_line_errors(text, message):
    with pytest.raises(HilError, match=message) as info:
        Layout.parse(text, source="partitions.yml")
    assert "\n" not in str(info.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(HilError, match="not found"):
        Layout.load(tmp_path / "nope.yml")
    with pytest.raises(HilError, match="directory"):
        Layout.load(tmp_path)


def test_slot_lookup_by_alias_and_unknown_name():
    layout = Layout.builtin("internal")
    assert layout.slot("secondary") == layout.secondary
    with pytest.raises(HilError, match="no partition 'scratch'"):
        layout.slot("scratch")
