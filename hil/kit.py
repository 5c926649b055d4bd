"""The images an update run needs: MCUboot's keys, the factory (old) image and the update."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hil.image.header import ImageVersion
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
