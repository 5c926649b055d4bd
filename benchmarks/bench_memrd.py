"""1 MiB ``--memrd`` text dumps: reading and writing them (target: at most 0.15 s each)."""

from __future__ import annotations

from benchmarks.common import MIB, Row, medians, ms
from hil import dumps
from hil.image.signing import make_test_payload
from hil.probe import memrd

BASE = 0x10000000
LIMIT = 0.150


def _row(name: str, seconds: float) -> Row:
    return Row(name, ms(seconds), "-", "-", "<= 0.15 s", seconds <= LIMIT)


def bench_memrd(repeat: int) -> list[Row]:
    data = make_test_payload(MIB, seed=5)
    dump = dumps.Dump(data, BASE)
    text = memrd.format_dump(BASE, data)
    blob = text.encode("ascii")
    assert memrd.parse_dump(text, BASE, MIB) == data == dumps.parse_dump(blob).data
    parse, parse_file = medians(
        lambda: memrd.parse_dump(text, BASE, MIB), lambda: dumps.parse_dump(blob), repeat=repeat
    )
    write, write_file = medians(
        lambda: memrd.format_dump(BASE, data),
        lambda: dumps.render_dump(dump, "memrd"),
        repeat=repeat,
    )
    kib = len(text) // 1024
    return [
        _row(f"parse 1 MiB memrd (--w 32, {kib} KiB): hil.probe.memrd", parse),
        _row("parse 1 MiB memrd file: hil.dumps.parse_dump (+ASCII check)", parse_file),
        _row("write 1 MiB memrd: hil.probe.memrd.format_dump", write),
        _row("write 1 MiB memrd file: hil.dumps.render_dump", write_file),
    ]
