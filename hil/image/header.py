"""MCUboot's 32-byte image header (``struct image_header``, little-endian) and image version."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from hil.errors import HilError

IMAGE_MAGIC = 0x96F3B83D
IMAGE_MAGIC_V1 = 0x96F3B83C
ERASED_MAGIC = 0xFFFFFFFF
HEADER_SIZE = 32

IMAGE_F_PIC = 0x01
IMAGE_F_ENCRYPTED_AES128 = 0x04
IMAGE_F_ENCRYPTED_AES256 = 0x08
IMAGE_F_NON_BOOTABLE = 0x10
IMAGE_F_RAM_LOAD = 0x20
IMAGE_F_ROM_FIXED = 0x100

_HEADER = struct.Struct("<IIHHII")
_VERSION = struct.Struct("<BBHI")
_VERSION_OFFSET = 20
_VERSION_RE = re.compile(r"^(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:\+(0|[1-9]\d*))?)?)?$")
_LIMITS = (0xFF, 0xFF, 0xFFFF, 0xFFFFFFFF)


@dataclass(frozen=True)
class ImageVersion:
    """``struct image_version``: major.minor.revision+build."""

    major: int
    minor: int
    revision: int
    build: int = 0

    def __post_init__(self) -> None:
        names = ("major", "minor", "revision", "build")
        for name, value, limit in zip(names, self._values(), _LIMITS, strict=True):
            if not 0 <= value <= limit:
                raise HilError(f"version {name} {value} does not fit the header (0..{limit})")

    def _values(self) -> tuple[int, int, int, int]:
        return (self.major, self.minor, self.revision, self.build)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.revision}+{self.build}"

    @classmethod
    def parse(cls, text: str) -> ImageVersion:
        """Parse imgtool's ``maj[.min[.rev[+build]]]`` syntax, e.g. ``1.2.3+4``."""
        match = _VERSION_RE.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise HilError(f"bad image version {text!r}: expected major.minor.revision+build")
        parts = [int(group) if group else 0 for group in match.groups()]
        return cls(*parts)

    @classmethod
    def from_header(cls, data: bytes) -> ImageVersion:
        """The version stored at offset 20 of an image header."""
        end = _VERSION_OFFSET + _VERSION.size
        if len(data) < end:
            raise HilError(f"header too short for a version: {len(data)} B, need {end}")
        return cls(*_VERSION.unpack_from(data, _VERSION_OFFSET))

    def pack(self) -> bytes:
        return _VERSION.pack(*self._values())


@dataclass(frozen=True)
class ImageHeader:
    """The fields of ``struct image_header`` that MCUboot reads."""

    magic: int
    load_addr: int
    hdr_size: int
    protect_tlv_size: int
    img_size: int
    flags: int
    version: ImageVersion

    @classmethod
    def parse(cls, data: bytes) -> ImageHeader:
        if len(data) < HEADER_SIZE:
            raise HilError(f"image header needs {HEADER_SIZE} bytes, got {len(data)}")
        fields = _HEADER.unpack_from(data, 0)
        return cls(*fields, version=ImageVersion.from_header(data))

    @property
    def is_erased(self) -> bool:
        """The magic reads as erased flash: no image in the slot."""
        return self.magic == ERASED_MAGIC

    @property
    def has_magic(self) -> bool:
        return self.magic == IMAGE_MAGIC

    @property
    def non_bootable(self) -> bool:
        return bool(self.flags & IMAGE_F_NON_BOOTABLE)

    @property
    def tlv_offset(self) -> int:
        """``BOOT_TLV_OFF``: hdr_size + img_size, in 32-bit arithmetic as on the target."""
        return (self.hdr_size + self.img_size) & 0xFFFFFFFF

    def pack(self) -> bytes:
        fixed = _HEADER.pack(
            self.magic,
            self.load_addr,
            self.hdr_size,
            self.protect_tlv_size,
            self.img_size,
            self.flags,
        )
        return fixed + self.version.pack() + bytes(4)
