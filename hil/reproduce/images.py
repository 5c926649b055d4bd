"""The build ``hil reproduce`` runs: MCUboot's keys, the old image and the update.

The user's files where given (``--key``, ``--factory-image``, ``--image``); otherwise the demo
build of :func:`hil.kit.make_sim_kit`, generated once per key type and slot size and kept in a
per-user cache (a new RSA key and two signatures per run would be most of the run's time).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hil.errors import HilError
from hil.image.keys import KeyType, PublicKey, load_public_key
from hil.layout import Layout

CACHE_ENV = "HIL_KIT_CACHE"
MAX_IMAGE_FILE = 64 << 20  # far beyond any nRF5340 slot: a wrong file, not an image
_DEMO_FILES = ("key.pem", "public.pem", "factory.bin", "update.bin")


@dataclass(frozen=True)
class Build:
    """What the simulated DK is built with and what is offered to it."""

    keys: tuple[PublicKey, ...]
    """MCUboot's built-in keys; empty: signatures are not checked."""
    factory_image: bytes
    update_image: bytes | None
    """The update file as the user has it; None when only the server has it."""
    key_note: str

    @property
    def signature_checked(self) -> bool:
        return bool(self.keys)


def read_image(path: Path, option: str) -> bytes:
    """A local image file, or a one-line error naming the option."""
    try:
        if path.is_dir():
            raise HilError(f"{option} {path} is a directory, expected an image file")
        size = path.stat().st_size
        if size > MAX_IMAGE_FILE:
            raise HilError(f"{option} {path} is {size} bytes: not a firmware image")
        data = path.read_bytes()
    except FileNotFoundError:
        raise HilError(f"{option} {path} does not exist") from None
    except OSError as err:
        raise HilError(f"cannot read {option} {path}: {err.strerror or err}") from None
    if not data:
        raise HilError(f"{option} {path} is empty")
    return data


def resolve_build(
    layout: Layout,
    *,
    key: Path | None,
    key_type: str | None,
    image: Path | None,
    factory_image: Path | None,
    remote: bool,
) -> Build:
    """Combine the user's files with demo images; MCUboot trusts ``key``, else the demo key
    when every image is a demo image, else nothing ("signature not checked")."""
    update = read_image(image, "--image") if image else None
    factory = read_image(factory_image, "--factory-image") if factory_image else None
    if factory is not None and len(factory) > layout.primary.size:
        raise HilError(
            f"--factory-image {factory_image} ({len(factory)} B) does not fit the primary slot "
            f"(0x{layout.primary.size:x} B)"
        )
    needs_update = update is None and not remote
    if key is not None:
        public = load_public_key(key)
        if key_type is not None and KeyType(key_type) is not public.key_type:
            raise HilError(f"--key {key} is a {public.key_type.value} key, not {key_type}")
        if factory is None or needs_update:
            factory, signed_update = _sign_demo(key, layout)
            update = signed_update if needs_update else update
        return Build((public,), factory, update, f"signature checked with {key}")
    demo = demo_build(layout, KeyType(key_type or KeyType.RSA2048.value))
    if factory is None and needs_update:
        return Build(demo.keys, demo.factory_image, demo.update_image, "demo key")
    return Build(
        (),
        factory if factory is not None else demo.factory_image,
        update if update is not None else (None if remote else demo.update_image),
        "signature not checked (no --key)",
    )


def _sign_demo(key: Path, layout: Layout) -> tuple[bytes, bytes]:
    """The demo old and new images signed with the user's private key."""
    from hil.image.signing import SigningParams, make_test_payload, sign_image
    from hil.kit import NEW_VERSION, OLD_VERSION, PAYLOAD_SIZE

    params = SigningParams(slot_size=layout.slot_size)
    try:
        old = sign_image(make_test_payload(PAYLOAD_SIZE, seed=1), key, OLD_VERSION, params)
    except HilError as err:
        if "public key" not in str(err):
            raise
        raise HilError(
            f"--key {key} is a public key: the demo images need the private key to be signed; "
            "or give --factory-image and --image signed with it"
        ) from None
    new = sign_image(make_test_payload(PAYLOAD_SIZE, seed=2), key, NEW_VERSION, params)
    return old, new


def cache_root() -> Path:
    """$HIL_KIT_CACHE, else a per-user folder in the temp directory."""
    if env := os.environ.get(CACHE_ENV):
        return Path(env)
    uid = getattr(os, "getuid", lambda: 0)()
    return Path(tempfile.gettempdir()) / f"hil-kit-{uid}"


def _demo_digest(layout: Layout, key_type: KeyType) -> str:
    """Names the demo build: key type, slot size and the code that makes it."""
    digest = hashlib.sha256(f"{key_type.value}:{layout.slot_size:x}".encode())
    for module in ("hil.kit", "hil.image.signing"):
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            raise HilError(f"module {module} is missing from this installation")
        digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()[:16]


def demo_build(layout: Layout, key_type: KeyType) -> Build:
    """The demo key and images for this slot size, from the cache or made (and cached) now."""
    root = cache_root()
    if not _own_folder(root):  # someone else's folder: build privately, keep nothing
        with tempfile.TemporaryDirectory(prefix="hil-kit-") as tmp:
            folder = Path(tmp) / "demo"
            _make_demo(folder, layout, key_type)
            return _load_demo(folder)
    folder = root / f"{key_type.value}-{_demo_digest(layout, key_type)}"
    if not all((folder / name).is_file() for name in _DEMO_FILES):
        _make_demo(folder, layout, key_type)
    return _load_demo(folder)


def _own_folder(path: Path) -> bool:
    """``path`` is missing (it will be made, private) or a folder of this user's."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return True
    getuid = getattr(os, "getuid", None)
    return path.is_dir() and not path.is_symlink() and (getuid is None or info.st_uid == getuid())


def _load_demo(folder: Path) -> Build:
    return Build(
        (load_public_key(folder / "public.pem"),),
        (folder / "factory.bin").read_bytes(),
        (folder / "update.bin").read_bytes(),
        "demo key",
    )


def _make_demo(folder: Path, layout: Layout, key_type: KeyType) -> None:
    from hil.image.keys import load_imgtool_key
    from hil.kit import make_sim_kit

    folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        kit = make_sim_kit(work / "build", layout, key_type)
        shutil.copyfile(kit.key_path, work / "key.pem")
        load_imgtool_key(kit.key_path).export_public(str(work / "public.pem"))  # type: ignore[attr-defined]
        (work / "factory.bin").write_bytes(kit.factory_image)
        (work / "update.bin").write_bytes(kit.update_image)
        shutil.rmtree(work / "build")
        if not all((folder / name).is_file() for name in _DEMO_FILES):
            shutil.rmtree(folder, ignore_errors=True)  # an incomplete earlier attempt
        os.replace(work, folder)
    except OSError:
        if not all((folder / name).is_file() for name in _DEMO_FILES):
            raise HilError(f"cannot write the demo build cache in {folder.parent}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
