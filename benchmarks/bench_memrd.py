"""1 MiB ``--memrd`` text dumps, read and written, against ``bytes.fromhex`` / ``bytes.hex``.

The floor is the bare hex conversion of the same data (2 MiB of hex digits to 1 MiB of bytes,
and back), timed right before each reader and writer in the same run (CPU time), so a slow
day moves both; each target is a ratio to it.
"""

from __future__ import annotations

from benchmarks.common import MIB, Row, ms, paired
from hil import dumps
from hil.image.signing import make_test_payload
from hil.probe import memrd

BASE = 0x10000000
READ_LIMIT = 150.0  # x bytes.fromhex of the same digits
WRITE_LIMIT = 100.0  # x bytes.hex of the same bytes
FLOOR_LOOPS = 16  # the floor takes ~1 ms: time it over as many runs as ours takes


def bench_memrd(repeat: int) -> list[Row]:
    data = make_test_payload(MIB, seed=5)
    dump = dumps.Dump(data, BASE)
    text = memrd.format_dump(BASE, data)
    blob = text.encode("ascii")
    digits = data.hex()
    assert memrd.parse_dump(text, BASE, MIB) == data == dumps.parse_dump(blob).data
    assert bytes.fromhex(digits) == data

    def from_hex() -> None:
        bytes.fromhex(digits)

    def to_hex() -> None:
        data.hex()

    kib = len(text) // 1024
    cases = [
        (f"parse 1 MiB memrd (--w 32, {kib} KiB): hil.probe.memrd",
         lambda: memrd.parse_dump(text, BASE, MIB), from_hex, "bytes.fromhex", READ_LIMIT),
        ("parse 1 MiB memrd file: hil.dumps.parse_dump (+ASCII check)",
         lambda: dumps.parse_dump(blob), from_hex, "bytes.fromhex", READ_LIMIT),
        ("write 1 MiB memrd: hil.probe.memrd.format_dump",
         lambda: memrd.format_dump(BASE, data), to_hex, "bytes.hex", WRITE_LIMIT),
        ("write 1 MiB memrd file: hil.dumps.render_dump",
         lambda: dumps.render_dump(dump, "memrd"), to_hex, "bytes.hex", WRITE_LIMIT),
    ]
    rows = []
    for name, ours, floor, floor_name, limit in cases:
        result = paired(ours, floor, repeat=repeat, floor_loops=FLOOR_LOOPS)
        rows.append(
            Row(
                name,
                ms(result.ours),
                f"{floor_name}, same data, {ms(result.floors[0])}",
                f"{result.ratio:.0f}x {floor_name}",
                f"<= {limit:g}x {floor_name}",
                result.ratio <= limit,
            )
        )
    return rows
