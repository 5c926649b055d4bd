"""``hil diagnose``: any dump format, exit codes 0/1/2, JSON, one-line errors."""

from __future__ import annotations

import json

import pytest

from hil.cli import main
from hil.dumps import Dump, save_dump
from hil.forensics.transforms import pyftpdlib_ascii
from hil.image.keys import KeyType, generate_key
from hil.image.signing import make_test_payload, sign_image

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
    assert "would accept the slot" in out


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
    assert code == 2 and "outside the dump" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.bin"], "no such file"),
        (["garbage.txt"], "garbage.txt"),
        (["ascii.bin", "--format", "hex"], "not Intel HEX"),
        (["ascii.bin", "--slot-size", "0x1000"], "larger than the 0x1000 B slot"),
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
