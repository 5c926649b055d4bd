"""``hil check``: exit codes and one-line messages for images, dumps and unusable input."""

import hashlib
import json

import pytest
from cryptography.hazmat.primitives import serialization

from hil.cli import main
from hil.dumps import Dump, save_dump
from hil.image.keys import KeyType, generate_key, load_public_key
from hil.image.sample_keys import SAMPLE_PUBLIC_KEYS
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
    verdict = next(line for line in out.splitlines() if line.startswith("verdict"))
    assert verdict.split() == ["verdict", "accepted", "if", "an", "upgrade", "is", "requested"]
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


def test_random_bytes_are_rejected_from_the_header_alone(files, capsys):
    code, out, err = _run(capsys, files["root"] / "random.bin", "--key", files["key"])
    assert code == 1
    assert "REJECTED" in out and "reason   header magic 0x" in out and "not an MCUboot" in out
    assert err == ""


def test_truncated_file_gets_no_verdict_on_bytes_it_does_not_hold(files, capsys):
    code, out, _ = _run(capsys, files["root"] / "truncated.bin", "--key", files["key"])
    assert code == 3
    assert "CANNOT BE KNOWN" in out and "0xffff" not in out
    half = len(files["image"]) // 2
    assert f"MCUboot reads slot 0x{half:x}-" in out


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
    code, _, err = _run(capsys, files["root"] / "app_update.bin", "--slot-size", "0x2000")
    assert code == 2 and "larger than the 0x2000 B slot" in err and "--offset" in err


@pytest.mark.parametrize("size", ["0x1000", "0x2001", "0x900000", "0x7fffffffffff"])
def test_absurd_slot_sizes_exit_2(files, capsys, size):
    code, _, err = _run(capsys, files["root"] / "app_update.bin", "--slot-size", size)
    assert code == 2 and "is not a slot size" in err and err.count("\n") == 1


def test_huge_sparse_file_is_refused_before_reading(capsys, tmp_path):
    sparse = tmp_path / "sparse.bin"
    with sparse.open("wb") as handle:
        handle.truncate(3 << 30)
    code, out, err = _run(capsys, sparse)
    assert code == 2 and out == "" and "3072 MiB" in err and "no nRF5340 DK dump" in err


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
    assert "trailer  Secondary image: magic=good" in out


def test_erased_dump_is_not_an_image(capsys, tmp_path):
    dump = tmp_path / "erased.bin"
    dump.write_bytes(b"\xff" * 0x78000)
    code, out, _ = _run(capsys, dump)
    assert code == 1
    assert "no image: the header magic is erased" in out


def _flash_with(image: bytes, at: int = 0x84000) -> bytes:
    flash = bytearray(b"\xff" * 0x100000)
    flash[at : at + len(image)] = image
    return bytes(flash)


@pytest.mark.parametrize("suffix", [".hex", ".txt", ".bin"])
def test_whole_flash_dump_is_placed_by_the_layout(files, capsys, tmp_path, suffix):
    dump = tmp_path / f"flash{suffix}"
    save_dump(dump, Dump(_flash_with(files["image"]), 0))
    code, out, _ = _run(capsys, dump, "--key", files["key"], "--json")
    result = json.loads(out)
    assert code == 0 and result["verdict"] == "accepted"
    assert result["slot_read"] == [0, 0x78000]
    assert result["placement_guessed"] is (suffix == ".bin")
    assert result["trailer"]["magic"] == "unset" and result["upgrade_requested"] is False


def test_raw_whole_flash_with_offset_and_a_misplaced_slot(files, capsys, tmp_path):
    dump = tmp_path / "flash.bin"
    dump.write_bytes(_flash_with(files["image"], at=0x80000))
    code, out, _ = _run(capsys, dump, "--key", files["key"])
    assert code == 1 and "a guess: pass --offset N" in out and "no image" in out.lower()
    assert _run(capsys, dump, "--key", files["key"], "--offset", "0x80000")[0] == 0


def test_four_hand_written_memrd_lines_are_read_as_a_partial_dump(files, capsys, tmp_path):
    head = files["image"][:64]
    lines = []
    for row in range(4):
        chunk = head[row * 16 : row * 16 + 16]
        words = " ".join(chunk[i : i + 4][::-1].hex().upper() for i in range(0, 16, 4))
        lines.append(f"0x{0x84000 + row * 16:08X}: {words}")
    dump = tmp_path / "by_hand.txt"
    dump.write_text("\n".join(lines) + "\n")
    code, out, _ = _run(capsys, dump, "--key", files["key"])
    assert code == 3, out
    assert "CANNOT BE KNOWN" in out and "slot 0x0-0x40 of 0x78000" in out
    assert "version  1.2.3+4" in out  # the header was read: what it says is shown


def test_dump_of_another_partition_is_named_not_judged(files, capsys, tmp_path):
    dump = tmp_path / "primary.hex"
    save_dump(dump, Dump(files["image"], 0xD000))
    code, _, err = _run(capsys, dump)
    assert code == 2 and "(mcuboot_primary), not mcuboot_secondary" in err


def test_signed_hex_at_the_primary_address_is_checked_there(files, capsys, tmp_path):
    signed_hex = tmp_path / "app_signed.hex"
    save_dump(signed_hex, Dump(files["image"], 0xC000))
    code, out, _ = _run(capsys, signed_hex, "--key", files["key"])
    assert code == 0 and "starts at the primary slot's address 0xc000" in out


def test_rejection_depends_on_the_trailer(files, capsys, tmp_path):
    bad = files["image"].replace(b"\n", b"\r\n")
    flash = _flash_with(bad)
    plain = tmp_path / "plain.bin"
    plain.write_bytes(flash[0x84000:0xFC000])
    code, out, _ = _run(capsys, plain, "--key", files["key"])
    assert code == 1 and "REJECTED if an upgrade is requested" in out
    assert "= magic UNSET, swap_type NONE (0x1), copy_done UNSET (0x3), image_ok UNSET (0x3)" in out
    assert "Secondary image: magic=unset, swap_type=0x1" in out
    device = nrf5340_internal_flash()
    area = FlashArea(device, 0x84000, 0x78000, "mcuboot_secondary")
    area.write(0, bad + b"\xff" * (-len(bad) % 4))
    request_upgrade(area, TrailerLayout(0x78000))
    requested = tmp_path / "requested.bin"
    requested.write_bytes(area.contents())
    code, out, _ = _run(capsys, requested, "--key", files["key"])
    assert code == 1 and "REJECTED at the next boot" in out
    assert "'Image in the secondary slot is not valid!'" in out


def test_sample_key_is_named_for_image_and_key(files, capsys, tmp_path):
    sample = SAMPLE_PUBLIC_KEYS["root-ec-p256.pem"]
    own = load_public_key(files["key"])
    image = tmp_path / "sample.bin"
    # The same image as if signed with the sample key: its KEYHASH TLV names the sample key.
    image.write_bytes(files["image"].replace(own.key_hash, hashlib.sha256(sample).digest()))
    code, out, _ = _run(capsys, image)
    assert code == 0
    assert "signed with a public sample key: anyone can sign (root-ec-p256.pem" in out
    code, out, _ = _run(capsys, files["root"] / "app_update.bin", "--json")
    assert json.loads(out)["sample_key"] is None and "sample key" not in out
    public = tmp_path / "sample-public.pem"
    key = serialization.load_der_public_key(sample)
    public.write_bytes(
        key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    code, out, _ = _run(capsys, files["root"] / "app_update.bin", "--key", public)
    assert code == 1 and "anyone can sign (root-ec-p256.pem" in out


def test_check_labels_the_image_hash_apart_from_the_file_hash(files, capsys):
    result = json.loads(_run(capsys, files["root"] / "app_update.bin", "--json")[1])
    assert result["file_sha256"] == hashlib.sha256(files["image"]).hexdigest()
    assert result["image_hash"] != result["file_sha256"]
    out = _run(capsys, files["root"] / "app_update.bin")[1]
    assert f"file sha256 {result['file_sha256']}" in out
    assert f"image hash {result['image_hash']}" in out
