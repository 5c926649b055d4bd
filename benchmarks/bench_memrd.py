"""1 MiB ``--memrd`` text dumps: today's readers/writers against the proposal in memrd_fast."""

from __future__ import annotations

import random
from collections.abc import Callable

from benchmarks import memrd_fast as proposed
from benchmarks.common import MIB, Row, medians, ms
from hil import dumps
from hil.dumps import memrd as dumps_memrd
from hil.errors import HilError
from hil.image.signing import make_test_payload
from hil.probe import memrd as current

BASE = 0x10000000
LIMIT = 0.150


def _outcome(fn: Callable[..., object], *args: object) -> object:
    try:
        return fn(*args)
    except HilError as err:
        return f"{type(err).__name__}: {err}"


def check_equivalence(seed: int = 1) -> int:
    """The proposal gives the same bytes, text and errors on regular and irregular dumps."""
    rng = random.Random(seed)
    cases = 0
    for width in current.WIDTHS:
        for length in (4, 16, 20, 64, 100 * 16, 4 * 333):
            data = rng.randbytes(length)
            text = current.format_dump(BASE, data, width)
            assert proposed.format_dump(BASE, data, width) == text
            line = text.split("\n", 1)[0]
            for variant in (
                text,
                text.lower(),
                "[ #### ] 0.000s | Reading, 0x0004 bytes @ 0x00000000 - Done " + text,
                text.replace("\n", "\r\n"),
                text.replace("0x10000010: ", "0x10000020: "),
                text.replace("   |", "    |", 1),
                text.replace(line, line[:-2] + ("#" if line[-2] != "#" else "!") + "|"),
                text.replace("|\n", "|  \n"),
                "junk\n",
            ):
                assert _outcome(proposed.read_memrd, variant) == _outcome(
                    dumps_memrd.read_memrd, variant
                ), (width, length)
                for args in ((None, None), (BASE, length), (BASE + 4, None), (None, length + 4)):
                    expected = _outcome(current.parse_dump, variant, *args)
                    assert _outcome(proposed.parse_dump, variant, *args) == expected, (width, args)
                    cases += 1
    return cases


def _row(name: str, now: float, new: float) -> Row:
    return Row(
        name,
        ms(now),
        f"proposed {ms(new)}",
        f"{now / new:.1f}x faster proposed",
        "<= 0.15 s",
        now <= LIMIT,
    )


def bench_memrd(repeat: int) -> list[Row]:
    check_equivalence()
    data = make_test_payload(MIB, seed=5)
    dump = dumps.Dump(data, BASE)
    text = current.format_dump(BASE, data)
    blob = text.encode("ascii")
    assert proposed.parse_dump(text, BASE, MIB) == data == dumps.parse_dump(blob).data

    def proposed_file_read() -> None:  # hil.dumps.parse_dump with the proposed read_memrd
        dumps.detect_format(blob)
        proposed.read_memrd(blob.decode("utf-8", errors="replace"))

    p_now, p_new, f_now, f_new = medians(
        lambda: current.parse_dump(text, BASE, MIB),
        lambda: proposed.parse_dump(text, BASE, MIB),
        lambda: dumps.parse_dump(blob),
        proposed_file_read,
        repeat=repeat,
    )
    w_now, w_new, r_now, r_new = medians(
        lambda: current.format_dump(BASE, data),
        lambda: proposed.format_dump(BASE, data),
        lambda: dumps.render_dump(dump, "memrd"),
        lambda: proposed.format_dump(BASE, data).encode("ascii"),
        repeat=repeat,
    )
    kib = len(text) // 1024
    return [
        _row(f"parse 1 MiB memrd (--w 32, {kib} KiB): hil.probe.memrd", p_now, p_new),
        _row("parse 1 MiB memrd file: hil.dumps.parse_dump (+ASCII check)", f_now, f_new),
        _row("write 1 MiB memrd: hil.probe.memrd.format_dump", w_now, w_new),
        _row("write 1 MiB memrd file: hil.dumps.render_dump", r_now, r_new),
    ]
