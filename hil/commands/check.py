"""``hil check``: would MCUboot accept this image, or the image in this slot dump?"""

from __future__ import annotations

import argparse
import hashlib
import json
from typing import TYPE_CHECKING, Any

from hil.commands.slotargs import add_slot_options, read_slot
from hil.errors import HilError
from hil.image.header import HEADER_SIZE

if TYPE_CHECKING:
    from hil.dumps import Dump, SlotRead
    from hil.forensics.slotcheck import SlotVerdict
    from hil.image.keys import PublicKey

EXIT_ACCEPTED, EXIT_REJECTED, EXIT_UNKNOWN = 0, 1, 3
EPILOG = (
    "Exit codes: 0 accepted; 1 rejected or no image (reason printed); 2 unusable input "
    "(one-line error); 3 cannot be known: the dump does not hold the bytes MCUboot reads."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate a signed image or a slot dump as MCUboot v2.0.99-ncs1 would",
        description="Check FILE as MCUboot would when it sits in the secondary slot. FILE is a "
        "signed image (app_update.bin), a slot dump or a whole-flash dump, as raw .bin, Intel "
        "HEX or nrfjprog --memrd / nrfutil device read text; dumps with addresses are placed "
        "by the layout. The trailer is decoded when the dump holds it: MCUboot checks the "
        "secondary only when an upgrade is requested. Bytes the dump does not hold are never "
        "guessed.",
        epilog=EPILOG,
    )
    parser.add_argument(
        "file", metavar="FILE", help="signed image (app_update.bin) or dump of the slot or flash"
    )
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="PEM",
        help="a key MCUboot is built with (private or public PEM); repeat for several. "
        "Without --key the signature is not checked",
    )
    add_slot_options(parser, "FILE")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(run=run)


def _load_keys(paths: list[str]) -> tuple[PublicKey, ...]:
    from hil.image.keys import load_public_key

    keys = tuple(load_public_key(path) for path in paths)
    types = sorted({key.key_type.value for key in keys})
    if len(types) > 1:
        raise HilError(f"keys of mixed types ({', '.join(types)}): MCUboot is built for one")
    return keys


def _verdict_word(result: SlotVerdict) -> str:
    if result.ok is None:
        return "unknown"
    if result.no_image:
        return "no image"
    return "accepted" if result.ok else "rejected"


def check(
    dump: Dump, read: SlotRead, keys: tuple[PublicKey, ...], source: str = ""
) -> dict[str, Any]:
    """MCUboot's verdict on the slot as ``read`` holds it, as a JSON-ready dict."""
    from hil.forensics.slotcheck import key_warnings, slot_verdict

    result = slot_verdict(read, keys)
    verdict = result.verdict
    header = result.header
    state = result.upgrade.state
    return {
        "ok": result.ok,
        "verdict": _verdict_word(result),
        "condition": result.upgrade.condition(),
        "reason": result.reason,
        "signature_checked": bool(verdict and verdict.signature_checked),
        "version": str(header.version) if header else None,
        "hdr_size": header.hdr_size if header else None,
        "img_size": header.img_size if header else None,
        "protect_tlv_size": header.protect_tlv_size if header else None,
        "tlv_end": verdict.tlv_end if verdict else None,
        "file": source,
        "file_format": dump.format.value,
        "file_address": dump.address,
        "file_size": len(dump.data),
        "file_sha256": hashlib.sha256(dump.data).hexdigest(),
        "slot_size": read.size,
        "slot_read": [read.start, read.end],
        "slot_unread": [list(gap) for gap in read.unread()],
        "placement_guessed": read.guessed,
        "notes": list(read.notes),
        "max_image_size": result.max_image_size,
        "image_hash": verdict.image_hash.hex() if verdict and verdict.image_hash else None,
        "keys": [
            _key_info(key, verdict is not None and i == verdict.key_index)
            for i, key in enumerate(keys)
        ],
        "sample_key": result.sample_key,
        "warnings": key_warnings(keys, result.sample_key),
        "trailer": None if state is None else _trailer_info(result),
        "upgrade_requested": result.upgrade.requested,
        "outcome": None
        if result.ok is None or result.no_image
        else result.upgrade.outcome(result.ok),
    }


def _key_info(key: PublicKey, used: bool) -> dict[str, Any]:
    return {
        "path": key.source,
        "type": key.key_type.value,
        "key_hash": key.key_hash.hex(),
        "matched": used,
    }


def _trailer_info(result: SlotVerdict) -> dict[str, Any]:
    state = result.upgrade.state
    assert state is not None
    swap_type = result.upgrade.swap_type
    return {
        "state": state.describe(),
        "magic": state.magic.name.lower(),
        "swap_type": getattr(state.swap_type, "label", int(state.swap_type)),
        "copy_done": state.copy_done.name.lower(),
        "image_ok": state.image_ok.name.lower(),
        "next_boot_swap_type": swap_type.label if swap_type else None,
        "lines": result.upgrade.lines(),
    }


def _human(result: dict[str, Any]) -> list[str]:
    word = result["verdict"]
    if word == "unknown":
        verdict = "CANNOT BE KNOWN from this file"
    elif word == "no image":
        verdict = "NO IMAGE in the slot"
    else:
        verdict = "accepted" if word == "accepted" else word.upper()
        verdict += f" {result['condition']}"
        if word == "accepted" and not result["keys"]:
            verdict += ", except that the signature was not checked"
    where = "" if result["file_address"] is None else f" from 0x{result['file_address']:x}"
    rows = [
        (
            "file",
            f"{result['file']}: {result['file_format']}{where}, "
            f"0x{result['file_size']:x} B, file sha256 {result['file_sha256']}",
        )
    ]
    start, end = result["slot_read"]
    if (start, end) != (0, result["slot_size"]):
        rows.append(
            ("covers", f"slot 0x{start:x}-0x{end:x} of 0x{result['slot_size']:x} (no more read)")
        )
    rows += [("note", note) for note in result["notes"]]
    rows.append(("verdict", verdict))
    if result["reason"]:
        rows.append(("reason", result["reason"]))
    if result["outcome"]:
        rows.append(("mcuboot", result["outcome"]))
    if result["version"] is not None and result["hdr_size"] is not None and word != "no image":
        rows.append(("version", result["version"]))
        rows.append(("sizes", _sizes(result)))
    if result["image_hash"]:
        rows.append(
            (
                "hash",
                f"image hash {result['image_hash']} (SHA-256 of header, payload "
                "and protected TLVs: what the SHA256 TLV must hold)",
            )
        )
    if not result["keys"]:
        rows.append(("key", "none given: signature NOT checked (pass --key PEM)"))
    for key in result["keys"]:
        mark = "signature checked with this key" if key["matched"] else "not used"
        if word == "unknown":
            mark = "no verdict to check it for"
        short = key["key_hash"][:16]
        rows.append(("key", f"{key['path']} ({key['type']}, hash {short}...): {mark}"))
    rows += [("warning", warning) for warning in result["warnings"]]
    if result["trailer"]:
        rows += [("trailer", line) for line in result["trailer"]["lines"]]
    elif result["verdict"] != "unknown":
        rows.append(("trailer", "not in the file: whether an upgrade is requested is not known"))
    return [f"{name:<8} {value}" for name, value in rows]


def _sizes(result: dict[str, Any]) -> str:
    tlv_end = result["tlv_end"]
    end = f"0x{tlv_end:x}" if tlv_end is not None else "?"
    return (
        f"header 0x{result['hdr_size']:x}, image 0x{result['img_size']:x}, "
        f"protected TLVs 0x{result['protect_tlv_size']:x}, TLV end {end} "
        f"(max 0x{result['max_image_size']:x}, slot 0x{result['slot_size']:x})"
    )


def run(args: argparse.Namespace) -> int:
    keys = _load_keys(args.key)
    dump, read = read_slot(args, args.file, "FILE", primary_too=True)
    if dump.address is None and len(dump.data) < HEADER_SIZE:
        raise HilError(
            f"{args.file} is {len(dump.data)} B, shorter than an MCUboot header ({HEADER_SIZE} B)"
        )
    result = check(dump, read, keys, args.file)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("\n".join(_human(result)))
    if result["ok"] is None:
        return EXIT_UNKNOWN
    return EXIT_ACCEPTED if result["ok"] else EXIT_REJECTED
