"""Keys and signing: real imgtool keys, in-process signing identical to the imgtool CLI."""

import subprocess
import sys
from pathlib import Path

import pytest

from hil.errors import HilError
from hil.image.header import IMAGE_MAGIC, ImageHeader, ImageVersion
from hil.image.keys import KeyType, PublicKey, generate_key, load_public_key
from hil.image.signing import SigningParams, count_lone_lf, make_test_payload, sign_image
from hil.image.tlv import TLV_KEYHASH, TLV_SHA256, locate, walk

IMGTOOL = Path(sys.executable).with_name("imgtool")


@pytest.fixture(scope="module")
def key_paths(tmp_path_factory) -> dict[KeyType, Path]:
    root = tmp_path_factory.mktemp("keys")
    return {kt: generate_key(root / f"{kt.value}.pem", kt) for kt in KeyType}


def _tlvs(image: bytes) -> list[tuple[int, bytes]]:
    header = ImageHeader.parse(image)
    area = locate(lambda off, n: image[off : off + n], header)
    return [
        (t.type, image[t.offset : t.offset + t.length])
        for t in walk(lambda o, n: image[o : o + n], area)
    ]


def test_payloads_are_deterministic_and_hold_lone_lfs():
    a = make_test_payload(100_000, seed=1)
    assert a == make_test_payload(100_000, seed=1)
    assert a != make_test_payload(100_000, seed=2)
    assert count_lone_lf(a) > 100
    for size in (2, 3, 17, 300):
        assert count_lone_lf(make_test_payload(size, seed=5)) >= 1


def test_count_lone_lf():
    assert count_lone_lf(b"\n\r\nx\n\n\r") == 3


@pytest.mark.parametrize("key_type", list(KeyType))
def test_signed_image_layout_and_key_hash(key_paths, key_type):
    payload = make_test_payload(5000, seed=3)
    image = sign_image(payload, key_paths[key_type], "1.2.3+4")
    header = ImageHeader.parse(image)
    assert header.magic == IMAGE_MAGIC
    assert (header.hdr_size, header.img_size, header.protect_tlv_size) == (0x200, 5000, 0)
    assert header.version == ImageVersion(1, 2, 3, 4)
    assert image[32:0x200] == b"\xff" * (0x200 - 32)
    assert image[0x200 : 0x200 + 5000] == payload
    key = load_public_key(key_paths[key_type])
    types = [t for t, _ in _tlvs(image)]
    assert types == [TLV_SHA256, TLV_KEYHASH, key.sig_tlv]
    assert dict(_tlvs(image))[TLV_KEYHASH] == key.key_hash


def test_key_hash_equals_imgtool_getpubhash(key_paths, tmp_path):
    out = tmp_path / "hash.bin"
    path = key_paths[KeyType.ECDSA_P256]
    subprocess.run([IMGTOOL, "getpubhash", "-k", path, "-e", "raw", "-o", out], check=True)
    assert load_public_key(path).key_hash == out.read_bytes()


def test_in_process_signing_matches_the_imgtool_cli(key_paths, tmp_path):
    """RSA-PSS is randomized: everything but the signature value must be byte-identical,
    and both signatures must verify."""
    key_path = key_paths[KeyType.RSA2048]
    payload = make_test_payload(40_000, seed=7)
    infile, outfile = tmp_path / "app_to_sign.bin", tmp_path / "app_update.bin"
    infile.write_bytes(payload)
    subprocess.run(
        [IMGTOOL, "sign", "--key", key_path, "--header-size", "0x200", "--align", "4",
         "--version", "1.10.0+3", "--pad-header", "--slot-size", "0x78000", infile, outfile],
        check=True, capture_output=True,
    )  # fmt: skip
    cli = outfile.read_bytes()
    ours = sign_image(payload, key_path, "1.10.0+3", SigningParams())
    assert len(ours) == len(cli)
    sig_len = 256
    assert ours[:-sig_len] == cli[:-sig_len]
    key = load_public_key(key_path)
    digest = dict(_tlvs(ours))[TLV_SHA256]
    assert key.verify_digest(ours[-sig_len:], digest)
    assert key.verify_digest(cli[-sig_len:], digest)
    assert not key.verify_digest(cli[-sig_len:], bytes(32))


@pytest.mark.parametrize("key_type", list(KeyType))
def test_public_pem_loads_to_the_same_key(key_paths, key_type, tmp_path):
    from imgtool import keys as imgtool_keys

    public_pem = tmp_path / "pub.pem"
    imgtool_keys.load(str(key_paths[key_type])).export_public(str(public_pem))
    public = load_public_key(public_pem)
    assert public == load_public_key(key_paths[key_type])
    assert isinstance(public, PublicKey)
    assert public.key_type is key_type
    with pytest.raises(HilError, match="private key"):
        sign_image(b"abc", public_pem, "1.0.0")


def test_key_errors_are_one_line(tmp_path):
    with pytest.raises(HilError, match="does not exist"):
        load_public_key(tmp_path / "missing.pem")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key\n")
    with pytest.raises(HilError, match="not a usable PEM key") as err:
        load_public_key(garbage)
    assert "\n" not in str(err.value)
    with pytest.raises(HilError, match="is a directory"):
        load_public_key(tmp_path)


def test_generate_refuses_to_overwrite(key_paths):
    with pytest.raises(HilError, match="already exists"):
        generate_key(key_paths[KeyType.ED25519], KeyType.ED25519)


def test_image_too_big_for_the_slot_is_refused(key_paths):
    with pytest.raises(HilError, match="exceeds requested size"):
        sign_image(
            make_test_payload(0x8000, 1),
            key_paths[KeyType.ED25519],
            "1.0.0",
            SigningParams(slot_size=0x8000),
        )
