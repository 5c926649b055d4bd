"""Fuzzing the parsers that read untrusted bytes or files: a HilError, or a result that keeps
the parser's promises (what MCUboot hashes and reads, round trips, offsets that map).

Each property runs ~200 examples by default; the ``slow`` variants run 10,000 and are skipped
unless selected: ``pytest -m slow tests/unit/test_fuzz_parsers.py``.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hil.dumps import Dump, DumpFormat, UnreadBytes, locate_slot, parse_dump, render_dump
from hil.errors import HilError
from hil.forensics.transforms import (
    Shift,
    crlf_to_lf,
    every_lf_to_crlf,
    lf_offsets,
    lf_to_crlf,
    lone_lf_offsets,
)
from hil.image.header import IMAGE_MAGIC
from hil.image.keys import KeyType, PublicKey, generate_key, load_public_key
from hil.image.signing import SigningParams, sign_image
from hil.image.tlv import TLV_INFO_MAGIC, TLV_KEYHASH, TLV_PROT_INFO_MAGIC, TLV_SHA256
from hil.layout import FIXTURE_DIR, Layout
from hil.mcuboot.trailer import (
    BOOT_MAGIC,
    Flag,
    MagicState,
    SwapType,
    TrailerLayout,
    read_swap_state,
    request_upgrade,
)
from hil.mcuboot.validate import BytesArea, validate_image

QUICK, LONG = 200, 10_000
RUNS = [pytest.param(QUICK, id="quick"), pytest.param(LONG, id="long", marks=pytest.mark.slow)]
SLOT = 0x2000
U16 = st.integers(0, 0xFFFF)
U32 = st.integers(0, 0xFFFFFFFF)


@pytest.fixture
def examples(request: pytest.FixtureRequest) -> int:
    """The example count of this run; the long run only when ``-m`` selects ``slow``."""
    count: int = request.param
    if count == LONG and "slow" not in (request.config.option.markexpr or ""):
        pytest.skip("long fuzz run: select it with -m slow")
    return count


def check(examples: int, strategy: st.SearchStrategy[Any], prop: Callable[[Any], None]) -> None:
    """Run ``prop`` on ``examples`` values drawn from ``strategy``."""
    runner = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )(given(strategy)(prop))
    runner()


# --- images and TLVs: hil.mcuboot.validate.validate_image over BytesArea ---


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, PublicKey]:
    """A small genuine signed image and its key: the seed that mutations start from."""
    key_path = generate_key(tmp_path_factory.mktemp("fuzz") / "k.pem", KeyType.ECDSA_P256)
    payload = bytes(range(256)) * 8
    image = sign_image(payload, key_path, "1.2.3+4", SigningParams(slot_size=SLOT, max_sectors=2))
    return image, load_public_key(key_path)


def header(hdr_size: int, img_size: int, prot: int, magic: int = IMAGE_MAGIC) -> bytes:
    return struct.pack("<IIHHII", magic, 0, hdr_size, prot, img_size, 0) + bytes(12)


def tlv_area(items: list[tuple[int, bytes]], magic: int) -> bytes:
    body = b"".join(struct.pack("<HH", kind, len(data)) + data for kind, data in items)
    return struct.pack("<HH", magic, 4 + len(body)) + body


@st.composite
def crafted_images(draw: st.DrawFn) -> bytes:
    """A header pointing at a TLV area of random, partly well-formed TLVs."""
    hdr_size = draw(st.sampled_from([0, 32, 0x200]) | U16)
    img_size = draw(st.integers(0, 0x400) | U32)
    kinds = st.sampled_from([TLV_SHA256, TLV_KEYHASH, 0x22, 0x20, 0x24]) | U16
    items = draw(st.lists(st.tuples(kinds, st.binary(max_size=80)), max_size=5))
    magic = draw(st.sampled_from([TLV_INFO_MAGIC, TLV_PROT_INFO_MAGIC]) | U16)
    tlvs = tlv_area(items, magic)
    prot = draw(st.sampled_from([0, len(tlvs)]) | U16)
    start = min((hdr_size + img_size) & 0xFFFFFFFF, 0x1000)
    body = header(hdr_size, img_size, prot).ljust(start, b"\xa5")[:start]
    return body + tlvs + draw(st.binary(max_size=64))


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """The seed image with bytes overwritten, truncated or extended."""
    data = bytearray(seed[: draw(st.integers(0, len(seed)))] if draw(st.booleans()) else seed)
    for _ in range(draw(st.integers(0, 8))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        offset = draw(st.sampled_from([8, 10, 12]))  # hdr_size, protect_tlv_size, img_size
        if len(data) >= offset + 4:
            data[offset : offset + 4] = draw(U32).to_bytes(4, "little")
    return bytes(data) + draw(st.binary(max_size=16))


@pytest.mark.parametrize("examples", RUNS, indirect=True)
def test_validate_image(examples: int, signed: tuple[bytes, PublicKey]) -> None:
    seed, key = signed
    slot_sizes = st.sampled_from([0, 16, 32, len(seed), SLOT]) | st.integers(0, 0x3000)
    strategy = st.tuples(
        st.binary(max_size=0x600) | crafted_images() | mutated(seed) | st.just(seed),
        slot_sizes,
        st.sampled_from([(), (key,)]),
        st.integers(0, SLOT) | U32,
    )

    accepted: list[bool] = []

    def prop(case: tuple[bytes, int, tuple[PublicKey, ...], int]) -> None:
        data, size, keys, max_size = case
        size = max(size, len(data))
        area = BytesArea(data, size)
        try:
            verdict = validate_image(area, keys, max_size)
        except HilError:
            return
        assert verdict.ok == (verdict.reason is None)
        if not verdict.ok:
            return
        accepted.append(True)
        header, tlv_end = verdict.header, verdict.tlv_end
        assert header is not None and header.has_magic and tlv_end is not None
        assert tlv_end <= min(max_size, size)
        hashed = header.hdr_size + header.img_size + header.protect_tlv_size
        assert verdict.image_hash == hashlib.sha256(area.read(0, hashed)).digest()
        assert verdict.signature_checked == bool(keys)
        assert verdict.key_index == (0 if keys else None)
        # MCUboot reads nothing past the TLV end: other bytes there change nothing.
        tail = bytes(b ^ 0x5A for b in area.read(tlv_end, size - tlv_end))
        again = validate_image(BytesArea(area.read(0, tlv_end) + tail, size), keys, max_size)
        assert (again.ok, again.image_hash) == (True, verdict.image_hash)
        # ...but one changed payload byte breaks the hash.
        if header.img_size:
            spot = header.hdr_size + header.img_size // 2
            broken = bytearray(area.read(0, size))
            broken[spot] ^= 0x01
            assert not validate_image(BytesArea(bytes(broken), size), keys, max_size).ok

    for keys in ((), (key,)):  # the genuine image: the properties are checked at least here
        prop((seed, SLOT, keys, SLOT))
    assert accepted, "the genuine image was not accepted: the properties were never checked"
    check(examples, strategy, prop)


def test_seed_image_is_valid(signed: tuple[bytes, PublicKey]) -> None:
    seed, key = signed
    assert validate_image(BytesArea(seed, SLOT), (key,), SLOT).ok


# --- the image trailer: hil.mcuboot.trailer.read_swap_state ---


@st.composite
def trailers(draw: st.DrawFn) -> tuple[BytesArea, TrailerLayout]:
    """A layout of random geometry and a slot whose trailer bytes are random or nearly valid."""
    write_size = draw(st.sampled_from([1, 2, 4, 8, 16, 32]) | st.integers(-1, 64))
    max_align = draw(st.sampled_from([8, 16, 32]) | st.integers(0, 64))
    sectors = draw(st.integers(0, 4) | st.integers(0, 300))
    slot_size = draw(st.integers(0, 0x4000))
    layout = TrailerLayout(slot_size, write_size, max_align, sectors)
    tail = bytearray(draw(st.binary(min_size=0, max_size=layout.trailer_size)))
    if draw(st.booleans()) and len(tail) >= 16:
        tail[-16:] = BOOT_MAGIC if draw(st.booleans()) else layout.magic
    body = b"\xff" * (slot_size - len(tail)) + bytes(tail)
    return BytesArea(body, slot_size), layout


@pytest.mark.parametrize("examples", RUNS, indirect=True)
def test_read_swap_state(examples: int) -> None:
    def prop(draw_data: st.DataObject) -> None:
        try:
            area, layout = draw_data.draw(trailers())
        except HilError:
            return  # a geometry MCUboot cannot have
        try:
            state = read_swap_state(area, layout)
        except HilError:
            return
        magic = area.read(layout.magic_off, 16)
        expected = (
            MagicState.UNSET
            if magic == b"\xff" * 16
            else MagicState.GOOD
            if magic == layout.magic
            else MagicState.BAD
        )
        assert state.magic is expected
        assert _flag(area.read(layout.image_ok_off, 1)[0]) is state.image_ok
        assert _flag(area.read(layout.copy_done_off, 1)[0]) is state.copy_done
        assert STATE_LINE.fullmatch(state.describe())

    check(examples, st.data(), prop)


STATE_LINE = re.compile(
    r"magic=(good|unset|bad), swap_type=0x[0-9a-f]+, copy_done=0x[123], "
    r"image_ok=0x[123]"
)


def _flag(value: int) -> Flag:
    return Flag.UNSET if value == 0xFF else Flag.SET if value == 1 else Flag.BAD


class _Slot:
    """A writable slot with NOR rules, for trailer round trips."""

    sector_size = 0x1000

    def __init__(self, size: int, write_size: int) -> None:
        self.data = bytearray(b"\xff" * size)
        self.write_size = write_size

    @property
    def size(self) -> int:
        return len(self.data)

    def read(self, off: int, length: int) -> bytes:
        return bytes(self.data[off : off + length])

    def write(self, off: int, data: bytes) -> None:
        for index, byte in enumerate(data):
            self.data[off + index] &= byte

    def erase(self, off: int, length: int) -> None:
        self.data[off : off + length] = b"\xff" * length


@pytest.mark.parametrize("examples", RUNS, indirect=True)
def test_trailer_round_trip(examples: int) -> None:
    """What boot_request_upgrade writes, read_swap_state reads back."""
    strategy = st.tuples(
        st.sampled_from([1, 2, 4, 8]),
        st.integers(2, 64),
        st.integers(1, 64),
        st.booleans(),
    )

    def prop(case: tuple[int, int, int, bool]) -> None:
        write_size, sectors, max_sectors, permanent = case
        try:
            layout = TrailerLayout(sectors * 0x1000, write_size, 8, max_sectors)
        except HilError:
            return
        slot = _Slot(layout.slot_size, write_size)
        assert read_swap_state(slot, layout).magic is MagicState.UNSET
        assert request_upgrade(slot, layout, permanent=permanent) == 0
        state = read_swap_state(slot, layout)
        assert state.magic is MagicState.GOOD
        assert state.swap_type is (SwapType.PERM if permanent else SwapType.TEST)
        assert state.image_ok is (Flag.SET if permanent else Flag.UNSET)
        assert state.copy_done is Flag.UNSET
        untouched = slot.read(0, layout.swap_size_off)
        assert untouched == b"\xff" * layout.swap_size_off

    check(examples, strategy, prop)


# --- partitions.yml: hil.layout.Layout.parse ---

FIXTURE_TEXTS = [path.read_text(encoding="utf-8") for path in sorted(FIXTURE_DIR.glob("*.yml"))]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True)
    | st.text(max_size=12)
    | st.sampled_from(["0x10000", "flash_primary", "external_flash", "", "~", "2024-02-30"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
PARTITION_KEYS = st.sampled_from(
    ["address", "size", "region", "device", "end_address", "span", "placement"]
)


SCALAR_TOKENS = st.sampled_from(
    [
        "0x78000",
        "0o17",
        "0b101",
        "1_000",
        "-1",
        "1e999",
        ".inf",
        ".nan",
        "~",
        "yes",
        "2024-01-31",
        "2024-02-30",
        "2001-13-01 10:00:00",
        "!!timestamp 2001-01-01",
        "!!timestamp soon",
        "!!binary AAAA",
        "!!binary ***",
        "!!int 0x10",
        "!!float x",
        "!!python/name:os.system",
        "&a 0x1000",
        "*a",
        "*undefined",
    ]
)
SYNTAX_TOKENS = st.sampled_from(["[", "]", "{", "}", "? ", "- ", "'", '"', "|", ">", "#", ":", ","])


SIMPLE_KEYS = st.from_regex(r"[a-z_]{1,12}", fullmatch=True)


@st.composite
def yaml_soup(draw: st.DrawFn, keys: st.SearchStrategy[str]) -> str:
    """A mapping (or list) of YAML-significant scalars, sometimes broken or nested deep."""
    as_list = draw(st.integers(0, 4)) == 0
    count = draw(st.integers(1, 12))
    deep = draw(st.integers(0, count - 1)) if draw(st.integers(0, 29)) == 17 else -1
    lines = []
    for index in range(count):
        value = draw(SCALAR_TOKENS)
        if draw(st.integers(0, 9)) == 0:
            value += " " + " ".join(draw(st.lists(SYNTAX_TOKENS | SCALAR_TOKENS, max_size=3)))
        if index == deep:
            depth = draw(st.integers(1, 800))
            value = "[" * depth + value + "]" * draw(st.integers(0, depth))
        if as_list:
            lines.append(f"- {value}")
        elif draw(st.integers(0, 3)) == 0:
            lines.append(f"{draw(keys)}:\n  {draw(PARTITION_KEYS)}: {value}")
        else:
            lines.append(f"{draw(keys)}: {value}")
    return "\n".join(lines) + "\n"


PARTITION_NAMES = st.sampled_from(["mcuboot_primary", "mcuboot_secondary", "app"]) | st.text(
    max_size=8
)


@st.composite
def layout_documents(draw: st.DrawFn) -> str:
    """YAML text: a generated partition map, a mutated real layout, token soup, or any text."""
    kind = draw(st.sampled_from(["generated", "mutated", "soup", "text"]))
    if kind == "text":
        return draw(st.text(max_size=300))
    if kind == "soup":
        return draw(
            yaml_soup(st.sampled_from(["mcuboot_primary", "mcuboot_secondary"]) | SIMPLE_KEYS)
        )
    if kind == "mutated":
        text = draw(st.sampled_from(FIXTURE_TEXTS))
        for _ in range(draw(st.integers(1, 6))):
            at = draw(st.integers(0, len(text)))
            cut = draw(st.integers(0, 20))
            text = text[:at] + draw(st.text(max_size=10) | SCALAR_TOKENS) + text[at + cut :]
        return text
    entries = st.dictionaries(PARTITION_KEYS, VALUES, max_size=6)
    document = draw(st.dictionaries(PARTITION_NAMES, entries | VALUES, max_size=5))
    return yaml.safe_dump(document, allow_unicode=True)


@pytest.mark.parametrize("examples", RUNS, indirect=True)
def test_layout_parse(examples: int) -> None:
    def prop(text: str) -> None:
        try:
            layout = Layout.parse(text, source="fuzz.yml")
        except HilError:
            return
        assert layout.primary.size == layout.secondary.size
        document = yaml.safe_load(text)
        for name, part in layout.partitions.items():
            entry = document[name]
            assert (part.address, part.size) == (entry["address"], entry["size"])
        # The two slots, written back as a partitions.yml, read the same.
        slots = {"mcuboot_primary": layout.primary, "mcuboot_secondary": layout.secondary}
        again = Layout.parse(
            yaml.safe_dump(
                {
                    name: {
                        "address": part.address,
                        "size": part.size,
                        "region": part.region,
                        **({"device": part.device} if part.device is not None else {}),
                    }
                    for name, part in slots.items()
                }
            )
        )
        assert (again.primary, again.secondary) == (layout.primary, layout.secondary)

    check(examples, layout_documents(), prop)


YAML_FAILURES = [
    pytest.param("size: 2024-02-30\n", id="impossible-date"),
    pytest.param("size: !!timestamp soon\n", id="timestamp-tag-on-text"),
    pytest.param("[" * 1000, id="deep-nesting"),
]
"""Inputs on which PyYAML raises ValueError, AttributeError or RecursionError, not YAMLError."""


@pytest.mark.parametrize("text", YAML_FAILURES)
def test_layout_parse_turns_every_yaml_failure_into_hil_error(text: str) -> None:
    with pytest.raises(HilError):
        Layout.parse(text, source="bad.yml")


# --- the bench hardware map: hil.bench.hwmap.HardwareMap.parse ---

hwmap = pytest.importorskip("hil.bench.hwmap")
DK_KEYS = st.sampled_from(
    [
        "id",
        "snr",
        "build_dir",
        "board",
        "console",
        "backend",
        "ftp_host",
        "reset",
        "timeout",
        "write_chunk",
        "recover",
        "after_external_read",
        "unknown",
    ]
)
GOOD_DK = {"id": "dk1", "snr": 1050012345, "build_dir": "build"}


@st.composite
def hwmap_documents(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["generated", "nearly-good", "soup", "text"]))
    if kind == "text":
        return draw(st.text(max_size=300))
    if kind == "soup":
        body = draw(yaml_soup(DK_KEYS | SIMPLE_KEYS)).rstrip("\n")
        return "- " + body.replace("\n", "\n  ") + "\n"  # one DK entry
    entries = st.dictionaries(DK_KEYS, VALUES, max_size=8)
    if kind == "nearly-good":
        entries = entries.map(lambda extra: {**GOOD_DK, **extra})
    document = draw(st.lists(entries | VALUES, max_size=3) | VALUES)
    return yaml.safe_dump(document, allow_unicode=True)


@pytest.mark.parametrize("examples", RUNS, indirect=True)
def test_hwmap_parse(examples: int, tmp_path: Path) -> None:
    def prop(text: str) -> None:
        try:
            parsed = hwmap.HardwareMap.parse(text, source="fuzz-map.yml", base=tmp_path)
        except HilError:
            return
        assert parsed.dks
        ids = [entry.id for entry in parsed.dks]
        assert len(set(ids)) == len(ids) and all(isinstance(i, str) and i for i in ids)

    check(examples, hwmap_documents(), prop)


@pytest.mark.parametrize("text", YAML_FAILURES)
def test_hwmap_parse_turns_every_yaml_failure_into_hil_error(text: str, tmp_path: Path) -> None:
    with pytest.raises(HilError):
        hwmap.HardwareMap.parse(text, source="bad.yml", base=tmp_path)


# --- dump files and the slot in them: hil.dumps ---

DUMP_FORMATS = st.sampled_from([("hex", 32), ("memrd", 8), ("memrd", 16), ("memrd", 32)])


@pytest.mark.parametrize("examples", RUNS, indirect=True)
def test_dump_round_trip(examples: int) -> None:
    """Every dump written in a text format reads back to the same bytes at the same address."""
    strategy = st.tuples(
        st.binary(min_size=1, max_size=600),
        st.integers(0, 0x100000) | st.sampled_from([0x84000, 0x10000000]),
        DUMP_FORMATS,
    )

    def prop(case: tuple[bytes, int, tuple[str, int]]) -> None:
        data, address, (fmt, width) = case
        address -= address % 4  # nrfjprog reads whole words
        if fmt == "memrd":
            data = data[: len(data) - len(data) % (width // 8)] or data[:0] + bytes(width // 8)
        text = render_dump(Dump(data, address), fmt, width)
        dump = parse_dump(text, "auto", "fuzz")
        assert (dump.data, dump.address, dump.format.value) == (data, address, fmt)

    check(examples, strategy, prop)


@pytest.mark.parametrize("examples", RUNS, indirect=True)
def test_locate_slot_keeps_only_bytes_read_from_the_slot(examples: int) -> None:
    layout = Layout.builtin("internal")
    slot = layout.secondary
    strategy = st.tuples(
        st.integers(0, 0x100000 - 16),
        st.integers(1, 0x1000) | st.sampled_from([0x78000, 0x100000]),
    )

    def prop(case: tuple[int, int]) -> None:
        address, length = case
        data = bytes((address + i) & 0xFF for i in range(min(length, 0x100000 - address)))
        try:
            read = locate_slot(Dump(data, address, DumpFormat.HEX), layout)
        except HilError:
            assert address + len(data) <= slot.address or address >= slot.end
            return
        assert 0 <= read.start < read.end <= slot.size
        assert read.start == max(address, slot.address) - slot.address
        for offset in {read.start, read.end - 1, (read.start + read.end) // 2}:
            assert read.area().read(offset, 1)[0] == (slot.address + offset) & 0xFF
        for start, end in read.unread():
            with pytest.raises(UnreadBytes):
                read.area().read(start, end - start)

    check(examples, strategy, prop)


# --- transfer manglings and the offset map: hil.forensics.transforms ---


@pytest.mark.parametrize("examples", RUNS, indirect=True)
def test_lf_to_crlf_offsets_map_every_byte(examples: int) -> None:
    """Each image byte is found where the map says; a converted LF maps to the CR inserted for
    it (the change starts there), the LF right after it."""
    strategy = st.binary(max_size=400) | st.lists(
        st.sampled_from([b"\n", b"\r", b"\r\n", b"a"]), max_size=80
    ).map(b"".join)

    def prop(image: bytes) -> None:
        for mangled, positions in (
            (lf_to_crlf(image), lone_lf_offsets(image)),
            (every_lf_to_crlf(image), lf_offsets(image)),
        ):
            shift = Shift(tuple(positions), +1)
            assert len(mangled) == len(image) + len(positions)
            converted = set(positions)
            for offset, byte in enumerate(image):
                at = shift.slot_offset(offset)
                if offset in converted:
                    assert mangled[at : at + 2] == b"\r\n"
                else:
                    assert mangled[at] == byte
        if b"\r" not in image:
            assert crlf_to_lf(lf_to_crlf(image)) == image

    check(examples, strategy, prop)
