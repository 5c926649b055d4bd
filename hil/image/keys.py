"""Signing keys as MCUboot sees them: the embedded public-key bytes, their hash, verification.

MCUboot embeds what imgtool's ``get_public_bytes()`` returns (PKCS#1 DER for RSA,
SubjectPublicKeyInfo DER for EC and Ed25519) and matches the KEYHASH TLV against the SHA-256
of those bytes. imgtool 2.5.0 signs the payload with RSA-PSS / ECDSA (SHA-256 inside, so the
same as a signature over the prehashed image digest) and signs the 32-byte digest itself as the
Ed25519 message; MCUboot verifies exactly these.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils
from imgtool import keys as imgtool_keys

from hil.errors import HilError
from hil.image.header import HEADER_SIZE, IMAGE_MAGIC, ImageHeader
from hil.image.tlv import (
    TLV_ECDSA_SIG,
    TLV_ED25519,
    TLV_KEYHASH,
    TLV_PUBKEY,
    TLV_RSA2048_PSS,
    ReadError,
    TlvError,
    locate,
    walk,
)

PSS_SALT_LEN = 32
ECDSA_MAX_SIG_LEN = 128  # SIG_BUF_SIZE for EC in image_validate.c


class KeyType(StrEnum):
    """The signature types MCUboot can be built for (``CONFIG_BOOT_SIGNATURE_TYPE_*``)."""

    RSA2048 = "rsa-2048"
    ECDSA_P256 = "ecdsa-p256"
    ED25519 = "ed25519"

    @property
    def sig_tlv(self) -> int:
        return _SIG_TLV[self]

    def sig_len_ok(self, length: int) -> bool:
        """``EXPECTED_SIG_LEN(len)`` and ``len <= sizeof(buf)`` in ``bootutil_img_validate``."""
        if self is KeyType.ECDSA_P256:
            return length <= ECDSA_MAX_SIG_LEN
        return length == (256 if self is KeyType.RSA2048 else 64)


_SIG_TLV = {
    KeyType.RSA2048: TLV_RSA2048_PSS,
    KeyType.ECDSA_P256: TLV_ECDSA_SIG,
    KeyType.ED25519: TLV_ED25519,
}


@dataclass(frozen=True)
class PublicKey:
    """A public key as built into MCUboot (``bootutil_keys[]``)."""

    key_type: KeyType
    public_bytes: bytes
    source: str = field(default="", compare=False)

    @property
    def key_hash(self) -> bytes:
        """SHA-256 of the embedded bytes: the KEYHASH TLV value, ``imgtool getpubhash``."""
        return hashlib.sha256(self.public_bytes).digest()

    @property
    def sig_tlv(self) -> int:
        return self.key_type.sig_tlv

    def verify_digest(self, signature: bytes, digest: bytes) -> bool:
        """Whether ``signature`` is valid for the image ``digest`` (SHA-256 of the hash region)."""
        try:
            if self.key_type is KeyType.RSA2048:
                self._rsa().verify(
                    signature,
                    digest,
                    padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=PSS_SALT_LEN),
                    utils.Prehashed(hashes.SHA256()),
                )
            elif self.key_type is KeyType.ECDSA_P256:
                der = _lenient_ecdsa_der(signature)
                if der is None:
                    return False
                self._ec().verify(der, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
            else:
                self._ed25519().verify(signature, digest)
        except (InvalidSignature, ValueError):
            return False
        return True

    def _rsa(self) -> rsa.RSAPublicKey:
        key = serialization.load_der_public_key(_pkcs1_to_spki(self.public_bytes))
        assert isinstance(key, rsa.RSAPublicKey)
        return key

    def _ec(self) -> ec.EllipticCurvePublicKey:
        key = serialization.load_der_public_key(self.public_bytes)
        assert isinstance(key, ec.EllipticCurvePublicKey)
        return key

    def _ed25519(self) -> ed25519.Ed25519PublicKey:
        key = serialization.load_der_public_key(self.public_bytes)
        assert isinstance(key, ed25519.Ed25519PublicKey)
        return key


def _pkcs1_to_spki(pkcs1: bytes) -> bytes:
    """Wrap a PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo so ``cryptography`` loads it."""
    algorithm = bytes.fromhex("300d06092a864886f70d0101010500")
    bit_string = b"\x03" + _der_len(len(pkcs1) + 1) + b"\x00" + pkcs1
    body = algorithm + bit_string
    return b"\x30" + _der_len(len(body)) + body


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _der_item(data: bytes, pos: int, tag: int) -> tuple[int, int] | None:
    """(start, length) of the DER item with ``tag`` at ``pos``, like ``mbedtls_asn1_get_tag``."""
    if pos + 2 > len(data) or data[pos] != tag:
        return None
    first = data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            return None
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > len(data):
        return None
    return pos, length


def _lenient_ecdsa_der(signature: bytes) -> bytes | None:
    """Re-encode r and s as MCUboot's ``bootutil_decode_sig`` reads them (trailing bytes ignored,
    each integer reduced to its last 32 bytes)."""
    seq = _der_item(signature, 0, 0x30)
    if seq is None:
        return None
    pos = seq[0]
    values = []
    for _ in range(2):
        item = _der_item(signature, pos, 0x02)
        if item is None:
            return None
        start, length = item
        values.append(int.from_bytes(signature[start : start + length][-32:], "big"))
        pos = start + length
    return utils.encode_dss_signature(values[0], values[1])


def load_imgtool_key(path: Path) -> object:
    """The imgtool key object in a PEM file; a one-line error for anything unusable."""
    if not path.exists():
        raise HilError(f"key file {path} does not exist")
    if path.is_dir():
        raise HilError(f"key file {path} is a directory")
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            key = imgtool_keys.load(str(path))
    except OSError as err:
        raise HilError(f"cannot read key file {path}: {err.strerror or err}") from None
    except Exception as err:
        raise HilError(f"{path} is not a usable PEM key: {err}") from None
    if key is None:
        raise HilError(f"key file {path} is password-protected; use an unencrypted key")
    return key


def key_type_of(key: object, path: Path) -> KeyType:
    """The :class:`KeyType` of an imgtool key object; other types are refused."""
    if isinstance(key, imgtool_keys.RSAPublic) and key.key_size() == 2048:
        return KeyType.RSA2048
    if isinstance(key, imgtool_keys.ECDSA256P1Public):
        return KeyType.ECDSA_P256
    if isinstance(key, imgtool_keys.Ed25519Public):
        return KeyType.ED25519
    supported = ", ".join(k.value for k in KeyType)
    raise HilError(f"key {path} is a {type(key).__name__} key; supported: {supported}")


def load_public_key(path: str | Path) -> PublicKey:
    """Load a private or public PEM key and return what MCUboot would embed for it."""
    path = Path(path)
    key = load_imgtool_key(path)
    key_type = key_type_of(key, path)
    return PublicKey(key_type, bytes(key.get_public_bytes()), source=str(path))  # type: ignore[attr-defined]


_GENERATORS = {
    KeyType.RSA2048: lambda: imgtool_keys.RSA.generate(2048),
    KeyType.ECDSA_P256: imgtool_keys.ECDSA256P1.generate,
    KeyType.ED25519: imgtool_keys.Ed25519.generate,
}


def generate_key(path: str | Path, key_type: KeyType | str) -> Path:
    """Write a new unencrypted private key, like ``imgtool keygen -k PATH -t TYPE``."""
    path = Path(path)
    try:
        key_type = KeyType(key_type)
    except ValueError:
        supported = ", ".join(k.value for k in KeyType)
        raise HilError(f"unknown key type {key_type!r}; supported: {supported}") from None
    if path.exists():
        raise HilError(f"{path} already exists; refusing to overwrite a key")
    if not path.parent.is_dir():
        raise HilError(f"cannot write key {path}: {path.parent} is not a directory")
    try:
        _GENERATORS[key_type]().export_private(str(path))
    except OSError as err:
        raise HilError(f"cannot write key {path}: {err.strerror or err}") from None
    return path


def sample_key_name(key_hash: bytes) -> str | None:
    """The MCUboot sample key (``root-rsa-2048.pem`` ...) whose KEYHASH is ``key_hash``, if any."""
    from hil.image.sample_keys import SAMPLE_PUBLIC_KEYS

    if len(key_hash) != hashlib.sha256().digest_size:
        return None
    for name, public in SAMPLE_PUBLIC_KEYS.items():
        if hashlib.sha256(public).digest() == key_hash:
            return name
    return None


class SampleKeyWarning(UserWarning):
    """A build under test is signed with one of MCUboot's public sample keys."""


def sample_key_warning(name: str) -> str:
    """The one line every command prints for an image or key of MCUboot's sample keys."""
    return (
        f"signed with a public sample key: anyone can sign ({name}, the MCUboot sample key NCS "
        "uses when a build configures none; set CONFIG_BOOT_SIGNATURE_KEY_FILE in MCUboot's "
        "configuration to a key of your own)"
    )


def signing_key_hash(data: bytes) -> bytes | None:
    """The KEYHASH TLV of the image at the start of ``data`` (or the hash of its PUBKEY TLV);
    None when the image, its TLVs or such a TLV cannot be read."""
    if len(data) < HEADER_SIZE:
        return None
    header = ImageHeader.parse(data[:HEADER_SIZE])
    if header.magic != IMAGE_MAGIC:
        return None

    def read(off: int, length: int) -> bytes:
        if off < 0 or off + length > len(data):
            raise ReadError(off, length, len(data))
        return data[off : off + length]

    try:
        for tlv in walk(read, locate(read, header)):
            value = read(tlv.offset, tlv.length)
            if tlv.type == TLV_KEYHASH:
                return value
            if tlv.type == TLV_PUBKEY:
                return hashlib.sha256(value).digest()
    except (TlvError, ReadError):
        return None
    return None


def sample_key_of_image(data: bytes) -> str | None:
    """The sample key an image in ``data`` names in its TLVs, if it is one."""
    key_hash = signing_key_hash(data)
    return None if key_hash is None else sample_key_name(key_hash)
