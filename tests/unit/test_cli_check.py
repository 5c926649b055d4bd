"""``hil check``: exit codes and one-line messages for images, dumps and unusable input."""

import json

import pytest

from hil.cli import main
from hil.image.keys import KeyType, generate_key
from hil.image.signing import make_test_payload, sign_image
from hil.mcuboot.trailer import TrailerLayout, request_upgrade
from hil.sim.flash import FlashArea, nrf5340_internal_flash


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("check")
    key = generate_key(root / "ec.pem", KeyType.ECDSA_P256)
    other = generate_key(root / "other.pem", KeyType.ECDSA_P256)
    ed = generate_key(root / "ed.pem", KeyType.ED25519)
    image = sign_image(make_test_payload(20_000, seed=5), key, "1.2.3+4")
    (root / "app_update.bin").write_bytes(image)
    (root / "truncated.bin").write_bytes(image[: len(image) // 2])
    (root / "random.bin").write_bytes(make_test_payload(3000, seed=8))
    (root / "empty.bin").write_bytes(b"")
    (root / "crlf.bin").write_bytes(image.replace(b"\n", b"\r\n"))
    return {"root": root, "key": key, "other": other, "ed": ed, "image": image}


def _run(capsys, *argv):
    code = main(["check", *map(str, argv)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_good_image_is_accepted(files, capsys):
    code, out, _ = _run(capsys, files["root"] / "app_update.bin", "--key", files["key"])
    assert code == 0
    assert out.splitlines()[0].split() == ["verdict", "accepted"]
    assert "version  1.2.3+4" in out
    assert "signature checked" in out


def test_without_key_says_the_signature_was_not_checked(files, capsys):
    code, out, _ = _run(capsys, files["root"] / "app_update.bin")
    assert code == 0
    assert "signature was not checked" in out
    assert "NOT checked" in out


def test_wrong_key_and_crlf_are_rejected_with_a_reason(files, capsys):
    code, out, _ = _run(capsys, files["root"] / "app_update.bin", "--key", files["other"])
    assert code == 1
    assert "key hash matches none of the 1 built-in key(s)" in out
    code, out, _ = _run(capsys, files["root"] / "crlf.bin", "--key", files["key"])
    assert code == 1
    assert "reason   TLV info magic at 0x" in out


@pytest.mark.parametrize("name", ["random.bin", "truncated.bin"])
def test_bad_images_exit_1(files, capsys, name):
    code, out, err = _run(capsys, files["root"] / name, "--key", files["key"])
    assert code == 1
    assert "REJECTED" in out and "reason" in out
    assert err == ""


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("empty.bin", "is empty"),
        (".", "is a directory"),
        ("missing.bin", "no such file"),
    ],
)
def test_unusable_input_exits_2_with_one_line(files, capsys, target, message):
    path = files["root"] / target if target != "." else files["root"]
    code, out, err = _run(capsys, path)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err
    assert err.startswith("hil check: error: ")


def test_bad_keys_exit_2(files, capsys):
    image = files["root"] / "app_update.bin"
    code, _, err = _run(capsys, image, "--key", files["root"] / "nope.pem")
    assert code == 2 and "does not exist" in err and err.count("\n") == 1
    code, _, err = _run(capsys, image, "--key", files["key"], "--key", files["ed"])
    assert code == 2 and "mixed types" in err


def test_file_bigger_than_the_slot_exits_2(files, capsys):
    code, _, err = _run(capsys, files["root"] / "app_update.bin", "--slot-size", "0x1000")
    assert code == 2 and "larger than the 0x1000 B slot" in err


def test_slot_size_accepts_hex_and_decimal(files, capsys):
    image = files["root"] / "app_update.bin"
    assert _run(capsys, image, "--slot-size", "0x10000", "--key", files["key"])[0] == 0
    assert _run(capsys, image, "--slot-size", "65536", "--key", files["key"])[0] == 0
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(image), "--slot-size", "banana"])
    assert exit_info.value.code == 2


def test_slot_dump_decodes_the_trailer(files, capsys, tmp_path):
    device = nrf5340_internal_flash()
    area = FlashArea(device, 0x84000, 0x78000, "mcuboot_secondary")
    image = files["image"]
    area.write(0, image + b"\xff" * (-len(image) % 4))
    request_upgrade(area, TrailerLayout(0x78000))
    dump = tmp_path / "secondary.bin"
    dump.write_bytes(area.contents())
    code, out, _ = _run(capsys, dump, "--key", files["key"], "--json")
    result = json.loads(out)
    assert code == 0 and result["ok"]
    assert result["trailer"]["state"] == "magic=good, swap_type=0x2, copy_done=0x3, image_ok=0x3"
    assert result["trailer"]["swap_type"] == "test"
    assert result["keys"][0]["matched"] is True
    code, out, _ = _run(capsys, dump, "--key", files["key"])
    assert "trailer  magic=good" in out


def test_erased_dump_is_not_an_image(capsys, tmp_path):
    dump = tmp_path / "erased.bin"
    dump.write_bytes(b"\xff" * 0x78000)
    code, out, _ = _run(capsys, dump)
    assert code == 1
    assert "no image: the header magic is erased" in out
