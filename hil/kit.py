"""The images an update run needs: MCUboot's keys, the factory (old) image and the update."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hil.errors import HilError
from hil.image.header import ImageHeader, ImageVersion
from hil.image.keys import KeyType, PublicKey, generate_key, load_public_key
from hil.image.signing import SigningParams, make_test_payload, sign_image
from hil.layout import Layout

OLD_VERSION = "1.0.0+0"
NEW_VERSION = "2.0.0+0"
PAYLOAD_SIZE = 150_000  # crosses two 64 KiB ASCII chunk boundaries
UPDATE_FILE = "app_update.bin"


@dataclass(frozen=True)
class UpdateKit:
    """Keys and images of one firmware build: what MCUboot trusts, runs and is offered."""

    key_path: Path
    keys: tuple[PublicKey, ...]
    factory_image: bytes
    update_image: bytes
    old_version: str
    new_version: str
    update_name: str = UPDATE_FILE

    def write_update(self, directory: Path) -> Path:
        """Put the update image where an FTP server will serve it."""
        path = directory / self.update_name
        path.write_bytes(self.update_image)
        return path

    @classmethod
    def from_files(
        cls, key: str | Path, factory_image: str | Path, update_image: str | Path
    ) -> UpdateKit:
        """A kit of your own build: MCUboot's signing key (PEM, private or public) and two
        signed images, the one the DK runs before the update and the update itself (e.g.
        ``build/zephyr/app_update.bin``). Versions are read from the image headers."""
        key_path = Path(key)
        images = [_signed_image(Path(path)) for path in (factory_image, update_image)]
        return cls(
            key_path=key_path,
            keys=(load_public_key(key_path),),
            factory_image=images[0][0],
            update_image=images[1][0],
            old_version=images[0][1],
            new_version=images[1][1],
            update_name=Path(update_image).name,
        )


def _signed_image(path: Path) -> tuple[bytes, str]:
    """The bytes of a signed MCUboot image file and the version in its header."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise HilError(f"cannot read image {path}: {err.strerror or err}") from None
    header = ImageHeader.parse(data[:32]) if len(data) >= 32 else None
    if header is None or not header.has_magic:
        raise HilError(f"{path} is not a signed MCUboot image (no 0x96f3b83d magic)")
    return data, str(header.version)


def make_sim_kit(
    workdir: Path,
    layout: Layout,
    key_type: KeyType = KeyType.RSA2048,
    new_version: str = NEW_VERSION,
    payload_size: int = PAYLOAD_SIZE,
) -> UpdateKit:
    """Generate a key with imgtool and sign an old and a new app image for the sim.

    The payloads are deterministic and contain lone LF bytes, as real app binaries do.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    key_path = workdir / f"mcuboot-{key_type.value}.pem"
    if not key_path.exists():
        generate_key(key_path, key_type)
    params = SigningParams(slot_size=layout.slot_size)
    ImageVersion.parse(new_version)  # a clear error before any signing work
    old = sign_image(make_test_payload(payload_size, seed=1), key_path, OLD_VERSION, params)
    new = sign_image(make_test_payload(payload_size, seed=2), key_path, new_version, params)
    return UpdateKit(
        key_path=key_path,
        keys=(load_public_key(key_path),),
        factory_image=old,
        update_image=new,
        old_version=OLD_VERSION,
        new_version=new_version,
    )
