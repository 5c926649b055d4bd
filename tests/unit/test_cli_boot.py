"""``hil boot``: MCUboot's next boot on dumps of both slots, through the command line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from hil.cli import main
from hil.dumps import Dump, DumpFormat, save_dump
from hil.image.keys import KeyType, generate_key
from hil.image.signing import make_test_payload, sign_image
from hil.mcuboot.trailer import TrailerLayout, request_upgrade
from hil.sim.flash import FlashArea, nrf5340_internal_flash

SLOT = 0x78000
PRIMARY, SECONDARY = 0xC000, 0x84000
HEAD = [
    "I: Starting bootloader",
    "I: Primary image: magic=unset, swap_type=0x1, copy_done=0x3, image_ok=0x3",
]
SCHEDULED = "I: Secondary image: magic=good, swap_type=0x2, copy_done=0x3, image_ok=0x3"
TAIL = ["I: Bootloader chainload address offset: 0xc000", "I: Jumping to the first image slot"]
KEYS = ("log", "swap_type", "booted_version", "primary_after_sha256", "secondary_after_sha256")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("boot")
    key = generate_key(root / "rsa.pem", KeyType.RSA2048)
    old = sign_image(make_test_payload(60_000, seed=11), key, "1.0.0")
    new = sign_image(make_test_payload(40_000, seed=12), key, "2.0.0")
    device = nrf5340_internal_flash()
    device.load(PRIMARY, old)
    secondary = FlashArea(device, SECONDARY, SLOT, "mcuboot_secondary")
    secondary.write(0, new + b"\xff" * (-len(new) % 4))
    assert request_upgrade(secondary, TrailerLayout(SLOT)) == 0
    flash = device.read(0, device.size)
    (root / "old.bin").write_bytes(old)
    (root / "new.bin").write_bytes(new)
    (root / "crlf.bin").write_bytes(new.replace(b"\n", b"\r\n"))
    (root / "flash.bin").write_bytes(flash)
    save_dump(root / "flash.hex", Dump(flash, 0, DumpFormat.HEX))
    save_dump(root / "primary.txt", Dump(flash[PRIMARY : PRIMARY + SLOT], PRIMARY))
    save_dump(root / "secondary.txt", Dump(flash[SECONDARY : SECONDARY + SLOT], SECONDARY))
    save_dump(root / "half.hex", Dump(flash[SECONDARY : SECONDARY + SLOT // 2], SECONDARY))
    return {"root": root, "key": key, "old": old, "new": new, "flash": flash}


def _run(capsys, *argv):
    code = main(["boot", *map(str, argv)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _json(capsys, *argv):
    code, out, _ = _run(capsys, *argv, "--json")
    return code, json.loads(out)


def test_a_scheduled_test_swap_boots_the_new_image(files, capsys, tmp_path):
    root = files["root"]
    code, result = _json(capsys, root / "flash.bin", "--key", files["key"],
                         "--write-after", tmp_path / "after")
    assert code == 0
    assert set(KEYS) <= set(result)
    assert result["log"] == [
        *HEAD, SCHEDULED, "I: Boot source: none", "I: Image index: 0, Swap type: test",
        "I: Starting swap using move algorithm.", *TAIL,
    ]
    assert result["swap_type"] == "test" and result["booted_version"] == "2.0.0+0"
    primary = (tmp_path / "after" / "primary.bin").read_bytes()
    secondary = (tmp_path / "after" / "secondary.bin").read_bytes()
    assert len(primary) == len(secondary) == SLOT
    assert result["primary_after_sha256"] == hashlib.sha256(primary).hexdigest()
    assert result["secondary_after_sha256"] == hashlib.sha256(secondary).hexdigest()
    assert primary.startswith(files["new"]) and secondary.startswith(files["old"])
    # the status area of CONFIG_BOOT_MAX_IMG_SECTORS=256 starts at 0x773D0: the first move's
    # progress byte is there, and nothing was written where 128 sectors would put it
    assert primary[0x773D0] == 0x01 and primary[0x779D0] == 0xFF
    layout = TrailerLayout(SLOT)
    assert primary[layout.copy_done_off] == 0x01 and primary[layout.image_ok_off] == 0xFF


def test_every_dump_format_gives_the_same_boot(files, capsys):
    root = files["root"]
    _, reference = _json(capsys, root / "flash.bin", "--key", files["key"])
    for argv in (
        [root / "flash.hex"],
        [root / "flash.bin", root / "flash.bin"],
        [root / "primary.txt", root / "secondary.txt"],
    ):
        code, result = _json(capsys, *argv, "--key", files["key"])
        assert code == 0
        assert {k: result[k] for k in KEYS} == {k: reference[k] for k in KEYS}, argv


def test_the_request_option_writes_what_the_app_writes(files, capsys):
    root = files["root"]
    key = ("--key", files["key"])
    _, none = _json(capsys, root / "flash.bin", "--request", "none", *key)
    assert none["swap_type"] == "none" and none["booted_version"] == "1.0.0+0"
    _, perm = _json(capsys, root / "old.bin", root / "new.bin", "--request", "perm", *key)
    assert "I: Secondary image: magic=good, swap_type=0x3, copy_done=0x3, image_ok=0x1" in (
        perm["log"]
    )
    assert perm["swap_type"] == "perm" and perm["booted_version"] == "2.0.0+0"
    _, as_dumped = _json(capsys, root / "old.bin", root / "new.bin", *key)
    assert as_dumped["swap_type"] == "none" and as_dumped["booted_version"] == "1.0.0+0"


@pytest.mark.parametrize("request_type", ["test", "perm"])
def test_a_corrupted_update_is_rejected_whatever_the_request(files, capsys, request_type):
    """Every upgrade type validates the secondary: a CRLF-damaged image scheduled as permanent
    is erased, not swapped in (else nothing would boot)."""
    root = files["root"]
    code, result = _json(capsys, root / "old.bin", root / "crlf.bin", "--request", request_type,
                         "--key", files["key"])
    assert code == 0
    assert result["log"][-3:] == ["E: Image in the secondary slot is not valid!", *TAIL]
    assert result["swap_type"] == "none" and result["booted_version"] == "1.0.0+0"
    assert result["secondary_after_sha256"] == hashlib.sha256(b"\xff" * SLOT).hexdigest()


def test_a_power_cut_then_the_next_boot_resumes(files, capsys, tmp_path):
    root = files["root"]
    key = ("--key", files["key"])
    _, clean = _json(capsys, root / "flash.bin", *key)
    code, cut = _json(capsys, root / "flash.bin", "--power-cut", 150, *key,
                      "--write-after", tmp_path / "cut")
    assert code == 1 and cut["booted_version"] is None and cut["power_lost"]
    assert cut["log"][-1] == "I: Starting swap using move algorithm."
    code, resumed = _json(capsys, tmp_path / "cut" / "primary.bin",
                          tmp_path / "cut" / "secondary.bin", *key)
    assert code == 0 and resumed["resumed_swap"]
    assert "I: Boot source: primary slot" in resumed["log"]
    assert resumed["booted_version"] == "2.0.0+0"
    for slot in ("primary_after_sha256", "secondary_after_sha256"):
        assert resumed[slot] == clean[slot]


def test_sectors_default_to_the_firmware_build_and_can_be_overridden(files, capsys, tmp_path):
    root = files["root"]
    _, default = _json(capsys, root / "flash.bin", "--key", files["key"])
    _, explicit = _json(capsys, root / "flash.bin", "--key", files["key"], "--sectors", 256)
    _, small = _json(capsys, root / "flash.bin", "--key", files["key"], "--sectors", 128)
    assert default["primary_after_sha256"] == explicit["primary_after_sha256"]
    assert small["primary_after_sha256"] != default["primary_after_sha256"]
    # a build directory's MCUboot .config next to its partitions.yml decides
    build = tmp_path / "build"
    (build / "mcuboot" / "zephyr").mkdir(parents=True)
    (build / "mcuboot" / "zephyr" / ".config").write_text("CONFIG_BOOT_MAX_IMG_SECTORS=128\n")
    layout = Path(__file__).parents[2] / "fixtures" / "layouts" / "nrf5340dk_internal.yml"
    (build / "partitions.yml").write_text(layout.read_text())
    _, built = _json(capsys, root / "flash.bin", "--key", files["key"],
                     "--layout", build / "partitions.yml")
    assert built["primary_after_sha256"] == small["primary_after_sha256"]


def test_unusable_input_is_one_line_and_exit_2(files, capsys, tmp_path):
    root = files["root"]
    code, _, err = _run(capsys, root / "old.bin", root / "half.hex")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "0x3c000-0x78000" in err
    code, _, err = _run(capsys, tmp_path / "missing.bin")
    assert code == 2 and "no such file" in err
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "secondary.bin").write_bytes(b"mine")
    code, _, err = _run(capsys, root / "flash.bin", "--write-after", tmp_path / "out")
    assert code == 2 and "already exists" in err
    assert (tmp_path / "out" / "secondary.bin").read_bytes() == b"mine"
    assert not (tmp_path / "out" / "primary.bin").exists()
    with pytest.raises(SystemExit) as exit_info:
        main(["boot", str(root / "flash.bin"), "--sectors", "0"])
    assert exit_info.value.code == 2 and "at least 1" in capsys.readouterr().err


def test_nothing_bootable_exits_1(files, capsys, tmp_path):
    blank = tmp_path / "blank.bin"
    blank.write_bytes(b"\xff" * 64)
    code, result = _json(capsys, blank, blank)
    assert code == 1 and result["booted_version"] is None
    assert result["log"][-1] == "E: Unable to find bootable image"


def test_a_secondary_whose_reset_vector_cannot_be_read_is_cleaned_up(files, capsys, tmp_path):
    """The NCS reset-vector read (loader.c l.1052-1122) fails past a small slot: swap type FAIL
    without a Swap type line, then the unusable secondary is erased (l.998-1026)."""
    layout = tmp_path / "small.yml"
    layout.write_text(
        "mcuboot_primary: {address: 0xc000, size: 0x8000, region: flash_primary}\n"
        "mcuboot_secondary: {address: 0x14000, size: 0x8000, region: flash_primary}\n"
    )
    image = sign_image(make_test_payload(8000, seed=13), files["key"], "1.0.0")
    (tmp_path / "p.bin").write_bytes(image)
    header = bytearray(files["new"][:0x200])
    header[8:10] = (0x7FFE).to_bytes(2, "little")  # ih_hdr_size: the vector lies past the slot
    (tmp_path / "s.bin").write_bytes(bytes(header))
    code, result = _json(capsys, tmp_path / "p.bin", tmp_path / "s.bin", "--layout", layout,
                         "--key", files["key"], "--request", "test")
    assert code == 0
    assert not any("Swap type" in line for line in result["log"])
    assert "E: Cleaned-up secondary slot of 0. image." in result["log"]
    assert result["swap_type"] == "fail"
    assert result["secondary_after_sha256"] == hashlib.sha256(b"\xff" * 0x8000).hexdigest()


def test_the_external_layout_swaps_with_the_secondary_on_the_mx25r64(files, capsys, tmp_path):
    root = files["root"]
    secondary = bytearray(b"\xff" * 0xF4000)
    secondary[: len(files["new"])] = files["new"]
    save_dump(tmp_path / "qspi.hex", Dump(bytes(secondary), 0x10000000, DumpFormat.HEX))
    code, result = _json(capsys, root / "old.bin", tmp_path / "qspi.hex", "--layout",
                         "external", "--request", "test", "--key", files["key"])
    assert code == 0 and result["booted_version"] == "2.0.0+0"
    assert result["log"][-3:] == ["I: Starting swap using move algorithm.", *TAIL]
    # MCUboot's default of 128 cannot hold the 244 sectors of either slot: it gives up before
    # reading the headers and then validates the primary against an all-zero header
    code, small = _json(capsys, root / "old.bin", tmp_path / "qspi.hex", "--layout",
                        "external", "--request", "test", "--sectors", 128)
    assert code == 1 and small["booted_version"] is None
    assert small["log"] == [
        "I: Starting bootloader",
        "W: Failed reading sectors; BOOT_MAX_IMG_SECTORS=128 - too small?",
        "E: Image in the primary slot is not valid!",
        "E: Unable to find bootable image",
    ]
