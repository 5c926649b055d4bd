"""``hil check``: would MCUboot accept this image (or this secondary-slot dump)?"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from hil.commands.args import number
from hil.errors import HilError
from hil.image.header import HEADER_SIZE, IMAGE_MAGIC
from hil.image.keys import PublicKey, load_public_key
from hil.mcuboot.trailer import SwapState, SwapType, TrailerLayout, read_swap_state
from hil.mcuboot.validate import BytesArea, max_image_size_swap_move, validate_image

DEFAULT_SLOT_SIZE = 0x78000
SECTOR_SIZE = 0x1000  # nRF5340 internal flash and the DK's MX25R64


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate a signed image or a slot dump as MCUboot v2.0.99-ncs1 would",
        description="Check FILE as MCUboot would when it sits in the secondary slot: a file "
        "smaller than the slot is an image in an otherwise erased slot; a file of exactly the "
        "slot size is a slot dump, whose trailer is decoded too. Exit 0 accepted, 1 rejected "
        "(reason printed), 2 unusable input.",
    )
    parser.add_argument("file", metavar="FILE", help="signed image (app_update.bin) or slot dump")
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="PEM",
        help="a key MCUboot is built with (private or public PEM); repeat for several. "
        "Without --key the signature is not checked",
    )
    parser.add_argument(
        "--slot-size",
        type=number(1, "size"),
        default=DEFAULT_SLOT_SIZE,
        metavar="N",
        help=f"slot size, hex or decimal (default 0x{DEFAULT_SLOT_SIZE:x}, NCS v2.6.0 nRF5340)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(run=run)


def _read_input(path: Path, slot_size: int) -> bytes:
    if not path.exists():
        raise HilError(f"{path}: no such file")
    if path.is_dir():
        raise HilError(f"{path} is a directory, not an image file")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise HilError(f"cannot read {path}: {err.strerror or err}") from None
    if not data:
        raise HilError(f"{path} is empty")
    if len(data) < HEADER_SIZE:
        raise HilError(f"{path} is {len(data)} B, shorter than an MCUboot header ({HEADER_SIZE} B)")
    if len(data) > slot_size:
        raise HilError(
            f"{path} is 0x{len(data):x} B, larger than the 0x{slot_size:x} B slot "
            "(pass --slot-size for another layout)"
        )
    return data


def _load_keys(paths: list[str]) -> tuple[PublicKey, ...]:
    keys = tuple(load_public_key(path) for path in paths)
    types = sorted({key.key_type.value for key in keys})
    if len(types) > 1:
        raise HilError(f"keys of mixed types ({', '.join(types)}): MCUboot is built for one")
    return keys


def check(data: bytes, keys: tuple[PublicKey, ...], slot_size: int) -> dict[str, Any]:
    """The verdict on ``data`` placed at the start of an erased slot, as a JSON-ready dict."""
    try:
        layout = TrailerLayout(slot_size)
        max_size = max_image_size_swap_move(slot_size, SECTOR_SIZE)
    except HilError as err:
        raise HilError(f"slot size 0x{slot_size:x} is unusable: {err}") from None
    verdict = validate_image(BytesArea(data, slot_size), keys, max_size)
    header = verdict.header
    ok, reason = verdict.ok, verdict.reason
    if header is not None and (header.is_erased or header.non_bootable):
        ok = False
        reason = (
            "no image: the header magic is erased"
            if header.is_erased
            else "the image is flagged NON_BOOTABLE"
        )
    if not ok and header is not None and not header.is_erased and not header.has_magic:
        reason = (
            f"{reason} (header magic 0x{header.magic:08x} is not 0x{IMAGE_MAGIC:08x}: "
            "is this an MCUboot image?)"
        )
    result: dict[str, Any] = {
        "ok": ok,
        "reason": reason,
        "signature_checked": verdict.signature_checked,
        "version": str(header.version) if header else None,
        "hdr_size": header.hdr_size if header else None,
        "img_size": header.img_size if header else None,
        "protect_tlv_size": header.protect_tlv_size if header else None,
        "tlv_end": verdict.tlv_end,
        "file_size": len(data),
        "slot_size": slot_size,
        "max_image_size": max_size,
        "hash": verdict.image_hash.hex() if verdict.image_hash else None,
        "keys": [_key_info(key, index == verdict.key_index) for index, key in enumerate(keys)],
        "trailer": None,
    }
    if len(data) == slot_size:
        result["trailer"] = _trailer_info(read_swap_state(BytesArea(data), layout))
    return result


def _key_info(key: PublicKey, used: bool) -> dict[str, Any]:
    return {
        "path": key.source,
        "type": key.key_type.value,
        "key_hash": key.key_hash.hex(),
        "matched": used,
    }


def _trailer_info(state: SwapState) -> dict[str, Any]:
    swap_type = state.swap_type
    return {
        "state": state.describe(),
        "magic": state.magic.name.lower(),
        "swap_type": swap_type.label if isinstance(swap_type, SwapType) else int(swap_type),
        "copy_done": state.copy_done.name.lower(),
        "image_ok": state.image_ok.name.lower(),
    }


def _human(result: dict[str, Any]) -> list[str]:
    verdict = "accepted" if result["ok"] else "REJECTED"
    if result["ok"] and not result["keys"]:
        verdict = "accepted, except that the signature was not checked"
    rows = [("verdict", verdict)]
    if result["reason"]:
        rows.append(("reason", result["reason"]))
    if result["version"] is not None:
        rows.append(("version", result["version"]))
        rows.append(("sizes", _sizes(result)))
    if result["hash"]:
        rows.append(("hash", f"sha256 {result['hash']}"))
    if not result["keys"]:
        rows.append(("key", "none given: signature NOT checked (pass --key PEM)"))
    for key in result["keys"]:
        mark = "signature checked with this key" if key["matched"] else "not used"
        short = key["key_hash"][:16]
        rows.append(("key", f"{key['path']} ({key['type']}, hash {short}...): {mark}"))
    if result["trailer"]:
        rows.append(("trailer", result["trailer"]["state"]))
    return [f"{name:<8} {value}" for name, value in rows]


def _sizes(result: dict[str, Any]) -> str:
    tlv_end = result["tlv_end"]
    end = f"0x{tlv_end:x}" if tlv_end is not None else "?"
    return (
        f"header 0x{result['hdr_size']:x}, image 0x{result['img_size']:x}, "
        f"protected TLVs 0x{result['protect_tlv_size']:x}, TLV end {end} "
        f"(file 0x{result['file_size']:x}, max 0x{result['max_image_size']:x}, "
        f"slot 0x{result['slot_size']:x})"
    )


def run(args: argparse.Namespace) -> int:
    keys = _load_keys(args.key)
    data = _read_input(Path(args.file), args.slot_size)
    result = check(data, keys, args.slot_size)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("\n".join(_human(result)))
    return 0 if result["ok"] else 1
