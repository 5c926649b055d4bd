"""``hil diagnose``: any dump format, exit codes 0/1/2, JSON, one-line errors."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from hil.cli import main
from hil.dumps import Dump, save_dump
from hil.forensics.transforms import pyftpdlib_ascii
from hil.image.keys import KeyType, generate_key
from hil.image.signing import make_test_payload, sign_image
from hil.mcuboot.trailer import TrailerLayout, request_upgrade
from hil.sim.flash import FlashArea, nrf5340_internal_flash

SLOT = 0x78000
ADDRESS = 0x84000


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("diagnose")
    key = generate_key(root / "ed.pem", KeyType.ED25519)
    image = sign_image(make_test_payload(20_000, seed=6), key, "1.10.0")
    (root / "app_update.bin").write_bytes(image)
    good = image + b"\xff" * (SLOT - len(image))
    ascii_slot = pyftpdlib_ascii(image)
    ascii_slot += b"\xff" * (SLOT - len(ascii_slot))
    save_dump(root / "good.hex", Dump(good, ADDRESS))
    save_dump(root / "ascii.txt", Dump(ascii_slot, ADDRESS), width=8)
    save_dump(root / "ascii.bin", Dump(ascii_slot))
    save_dump(root / "flash.hex", Dump(b"\x00" * 0x100 + good, ADDRESS - 0x100))
    (root / "garbage.txt").write_text("0x00084000: 12 34 ZZ\n")
    return root


def _run(capsys, *argv):
    code = main(["diagnose", *map(str, argv)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_identical_hex_dump_exits_0(files, capsys) -> None:
    code, out, _ = _run(
        capsys, files / "app_update.bin", files / "good.hex", "--key", files / "ed.pem"
    )
    assert code == 0
    assert "hex from 0x00084000" in out
    assert "finding  identical" in out
    assert "would accept the slot if an upgrade is requested" in out
    assert "fix" not in out.split()


@pytest.mark.parametrize("dump", ["ascii.txt", "ascii.bin"])
def test_ascii_dump_exits_1_and_names_the_damage(files, capsys, dump) -> None:
    code, out, _ = _run(capsys, files / "app_update.bin", files / dump)
    assert code == 1
    assert "finding  lf-to-crlf: ASCII transfer:" in out
    assert "header version minor 10 became 13" in out
    assert f"TLV info expected at 0x{0x200 + 20_000:X}, found 0x" in out


def test_json_output(files, capsys) -> None:
    code, out, _ = _run(capsys, files / "app_update.bin", files / "ascii.txt", "--json")
    assert code == 1
    result = json.loads(out)
    assert result["kind"] == "lf-to-crlf"
    assert result["dump_format"] == "memrd" and result["dump_address"] == ADDRESS
    assert result["verdict_ok"] is False
    assert result["ok"] is False
    assert any("version minor 10 became 13" in line for line in result["consequences"])


def test_slot_address_picks_the_slot_out_of_a_larger_dump(files, capsys) -> None:
    image, dump = files / "app_update.bin", files / "flash.hex"
    code, out, _ = _run(
        capsys, image, dump, "--slot-address", hex(ADDRESS), "--slot-size", "0x78000"
    )
    assert code == 0, out
    code, _, err = _run(capsys, image, dump, "--slot-address", "0x10")
    assert code == 2 and "holds 0x83f00-0xfc000, not mcuboot_secondary at address 0x10" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.bin"], "no such file"),
        (["garbage.txt"], "garbage.txt"),
        (["ascii.bin", "--format", "hex"], "not Intel HEX"),
        (["ascii.bin", "--slot-size", "0x2000"], "larger than the 0x2000 B slot"),
        (["ascii.bin", "--slot-size", "0x1000"], "is not a slot size"),
        (["good.hex", "--offset", "0x10"], "--offset is for a raw .bin"),
    ],
)
def test_unusable_input_exits_2_with_one_line(files, capsys, args, message) -> None:
    code, out, err = _run(capsys, files / "app_update.bin", *(files / args[0], *args[1:]))
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and not out


def test_help_documents_exit_codes(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["diagnose", "--help"])
    assert "Exit codes: 0" in capsys.readouterr().out


def _flash(slot: bytes) -> bytes:
    return b"\x00" * ADDRESS + slot + b"\xff" * (0x100000 - ADDRESS - len(slot))


def test_whole_flash_dumps_are_placed_by_the_layout(files, capsys, tmp_path) -> None:
    ascii_slot = pyftpdlib_ascii((files / "app_update.bin").read_bytes())
    flash = _flash(ascii_slot + b"\xff" * (SLOT - len(ascii_slot)))
    save_dump(tmp_path / "flash.hex", Dump(flash, 0))
    (tmp_path / "flash.bin").write_bytes(flash)
    for name in ("flash.hex", "flash.bin"):
        code, out, _ = _run(capsys, files / "app_update.bin", tmp_path / name)
        assert code == 1 and "finding  lf-to-crlf" in out, out
        assert "erased" not in out.split("finding")[1].split("\n")[0]
    assert "a guess: pass --offset N" in out


def test_ascii_damage_prints_the_fix(files, capsys) -> None:
    code, out, _ = _run(capsys, files / "app_update.bin", files / "ascii.bin")
    assert code == 1
    assert "fix      make the download binary: call ftp_type(FTP_TYPE_BINARY)" in out
    assert "before ftp_get()" in out and "ascii_download_enable=NO" in out
    assert "TransferOptions IgnoreASCII" in out


def test_partial_dump_says_what_cannot_be_known(files, capsys, tmp_path) -> None:
    image = (files / "app_update.bin").read_bytes()
    save_dump(tmp_path / "head.txt", Dump(image[:0x400], ADDRESS))
    code, out, _ = _run(capsys, files / "app_update.bin", tmp_path / "head.txt")
    assert code == 3, out
    assert "finding  partial-dump" in out and "cannot be known" in out
    assert "0xffff" not in out and "would reject" not in out
    mangled = pyftpdlib_ascii(image)
    save_dump(tmp_path / "mid.txt", Dump(mangled[0x3000:0x3400], ADDRESS + 0x3000))
    code, out, _ = _run(capsys, files / "app_update.bin", tmp_path / "mid.txt")
    assert code == 1 and "finding  lf-to-crlf" in out and "slot 0x3000-0x3400" in out
    assert "would reject" not in out and "cannot be known" in out


def test_swapped_arguments_are_noticed(files, capsys) -> None:
    code, out, err = _run(capsys, files / "good.hex", files / "app_update.bin")
    assert code == 2 and not out
    assert "are the arguments swapped?" in err and err.count("\n") == 1


def test_another_signing_of_the_same_build(capsys, tmp_path) -> None:
    key = generate_key(tmp_path / "ec.pem", KeyType.ECDSA_P256)
    payload = make_test_payload(9_000, seed=2)
    first, second = (sign_image(payload, key, "2.0.0") for _ in range(2))
    assert first != second  # ECDSA signatures change at every signing
    (tmp_path / "first.bin").write_bytes(first)
    (tmp_path / "slot.bin").write_bytes(second + b"\xff" * (SLOT - len(second)))
    code, out, _ = _run(capsys, tmp_path / "first.bin", tmp_path / "slot.bin", "--key", key)
    assert code == 1
    assert "finding  another-signing: another signing of this build" in out
    assert "bit-errors" not in out and "another key" not in out
    assert "would accept the slot" in out


def test_padded_image_that_outgrows_the_slot(capsys, tmp_path) -> None:
    key = generate_key(tmp_path / "rsa.pem", KeyType.RSA2048)
    raw = tmp_path / "app.bin"
    raw.write_bytes(make_test_payload(50_000, seed=3))
    padded = tmp_path / "padded.bin"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "imgtool.main",
            "sign",
            "--key",
            str(key),
            "--header-size",
            "0x200",
            "--pad-header",
            "--align",
            "4",
            "--version",
            "1.0.0",
            "--slot-size",
            hex(SLOT),
            "--pad",
            str(raw),
            str(padded),
        ],
        check=True,
        capture_output=True,
    )
    image = padded.read_bytes()
    assert len(image) == SLOT
    grown = pyftpdlib_ascii(image)
    (tmp_path / "slot.bin").write_bytes(grown[:SLOT])
    code, out, _ = _run(capsys, padded, tmp_path / "slot.bin")
    assert code == 1
    assert "imgtool --pad made it the size of the slot" in out
    extra = len(grown) - SLOT
    assert f"0x{extra:x} B more than the 0x{SLOT:x} B slot, so it no longer fits" in out
    assert "dump the whole slot" not in out


def test_pure_ftpd_every_lf_variant(capsys, tmp_path) -> None:
    key = generate_key(tmp_path / "ed.pem", KeyType.ED25519)
    payload = bytearray(make_test_payload(20_000, seed=9))
    payload[100:104] = b"\r\n\r\n"  # CR LF pairs in the payload: pure-ftpd converts them too
    image = sign_image(bytes(payload), key, "1.0.0")
    (tmp_path / "app.bin").write_bytes(image)
    slot = image.replace(b"\n", b"\r\n")
    (tmp_path / "slot.bin").write_bytes(slot + b"\xff" * (SLOT - len(slot)))
    code, out, _ = _run(capsys, tmp_path / "app.bin", tmp_path / "slot.bin")
    assert code == 1
    assert "as pure-ftpd sends it" in out and "no known pattern" not in out
    assert "fix      make the download binary" in out


def test_trailer_decides_when_the_verdict_applies(files, capsys, tmp_path) -> None:
    image = (files / "app_update.bin").read_bytes()
    mangled = pyftpdlib_ascii(image)
    device = nrf5340_internal_flash()
    area = FlashArea(device, ADDRESS, SLOT, "mcuboot_secondary")
    area.write(0, mangled + b"\xff" * (-len(mangled) % 4))
    (tmp_path / "before.bin").write_bytes(area.contents())
    request_upgrade(area, TrailerLayout(SLOT))
    (tmp_path / "requested.bin").write_bytes(area.contents())
    code, out, _ = _run(capsys, files / "app_update.bin", tmp_path / "before.bin", "--json")
    result = json.loads(out)
    assert code == 1 and result["upgrade_requested"] is False
    assert result["verdict_applies"] == "if an upgrade is requested"
    code, out, _ = _run(capsys, files / "app_update.bin", tmp_path / "before.bin")
    assert "would reject the slot if an upgrade is requested" in out
    assert "trailer  = magic UNSET, swap_type NONE (0x1), copy_done UNSET (0x3)" in out
    code, out, _ = _run(capsys, files / "app_update.bin", tmp_path / "requested.bin")
    assert "would reject the slot at the next boot (the trailer requests an upgrade)" in out
    assert "'Image in the secondary slot is not valid!'" in out
    assert "swap_type TEST (0x2)" in out


def test_image_and_file_hashes_are_labelled(files, capsys) -> None:
    image = (files / "app_update.bin").read_bytes()
    code, out, _ = _run(capsys, files / "app_update.bin", files / "good.hex")
    assert code == 0
    assert f"file sha256 {hashlib.sha256(image).hexdigest()}" in out
    assert "image hash (SHA256 TLV) " in out


def test_a_wrong_image_file_is_questioned(files, capsys, tmp_path) -> None:
    key = generate_key(tmp_path / "other.pem", KeyType.ED25519)
    served = sign_image(make_test_payload(20_000, seed=11), key, "3.0.0")
    slot = pyftpdlib_ascii(served)
    (tmp_path / "slot.bin").write_bytes(slot + b"\xff" * (SLOT - len(slot)))
    code, out, _ = _run(capsys, files / "app_update.bin", tmp_path / "slot.bin")
    assert code == 1 and "finding  unknown" in out
    assert "IMAGE is version 1.10.0" in out and "is IMAGE the file that was served?" in out
