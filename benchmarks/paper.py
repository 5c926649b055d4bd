"""On paper: dumping a 0x78000 slot through a J-Link at 2 and 4 MHz SWD (no bench here).

Protocol arithmetic plus host-side costs measured on this machine; the per-call and
efficiency figures are assumptions to check on a bench ([unverified]).
"""

from __future__ import annotations

import ctypes

from benchmarks.common import medians, ms
from hil.image.signing import make_test_payload
from hil.probe.memrd import format_dump, parse_dump

SLOT = 0x78000
CHUNK = 0x10000  # ProbeOptions.chunk_size: one read call (and one progress report) per 64 KiB
MEMRD_MAX = 0x100000  # one nrfjprog --memrd reads at most 1 MB
# SWD read of one word through the MEM-AP (DRW, TAR auto-increment): 8 request + 1 turnaround
# + 3 ACK + 32 data + 1 parity + 1 turnaround; one TAR write per 1 KiB (auto-increment wraps).
CYCLES_PER_WORD = 46
TAR_WRITES_PER_WORD = 1 / 256
EFFICIENCY = 0.8  # J-Link USB + firmware share of the wire limit on long reads [unverified]
SESSION = 0.5  # pynrfjprog open + worker spawn + connect, seconds [unverified]
NRFJPROG_CALL = 0.7  # one nrfjprog process: start, open J-Link, connect, exit [unverified]


def wire_limit(size: int, khz: int) -> float:
    words = size / 4
    return words * CYCLES_PER_WORD * (1 + TAR_WRITES_PER_WORD) / (khz * 1e3)


def section(repeat: int = 5) -> str:
    data = make_test_payload(SLOT, seed=9)
    text = format_dump(0, data)
    raw = (ctypes.c_uint8 * SLOT).from_buffer_copy(data)
    t_list, t_parse = medians(
        lambda: bytes(list(raw)),  # LowLevel.read returns list(ctypes array); we take bytes()
        lambda: parse_dump(text, 0, SLOT),
        repeat=repeat,
    )
    calls_now = -(-SLOT // CHUNK)
    calls_best = -(-SLOT // MEMRD_MAX)
    lines = [
        "## On paper: dumping the 0x78000-byte secondary slot on a bench",
        "",
        f"0x{SLOT:x} B = {SLOT // 4} words. SWD wire limit: {CYCLES_PER_WORD} clocks per "
        "32-bit MEM-AP read (8 request, 1 turnaround, 3 ACK, 32 data, 1 parity, 1 turnaround), "
        "a TAR write per 1 KiB, no idle clocks. Assumed [unverified]: J-Link reaches "
        f"{EFFICIENCY:.0%} of it on long reads, a pynrfjprog session costs {SESSION} s to open, "
        f"an nrfjprog process {NRFJPROG_CALL} s. Host costs measured here: list->bytes "
        f"{ms(t_list)}, parsing the {len(text) // 1024} KiB --memrd text {ms(t_parse)}.",
        "",
        "| path | 2 MHz | 4 MHz |",
        "|---|---|---|",
    ]
    for name, fixed, parse in (
        ("SWD protocol limit (data only)", None, 0.0),
        (f"pynrfjprog `read`/`qspi_read`, {calls_now} x 64 KiB calls", SESSION, t_list),
        (
            f"nrfjprog `--memrd` text if read in {calls_now} calls of 64 KiB",
            calls_now * NRFJPROG_CALL,
            t_parse,
        ),
        (
            f"nrfjprog `--memrd` text, {calls_best} call of <= 1 MB (what the backend does)",
            calls_best * NRFJPROG_CALL,
            t_parse,
        ),
    ):
        cells = []
        for khz in (2000, 4000):
            limit = wire_limit(SLOT, khz)
            total = limit if fixed is None else limit / EFFICIENCY + fixed + parse
            cells.append(f"{total:.2f} s ({SLOT / total / 1024:.0f} KiB/s)")
        lines.append(f"| {name} | {' | '.join(cells)} |")
    lines += [
        "",
        f"* The probe layer (`Probe.read`) reads in `chunk_size` = 64 KiB calls and reports "
        f"progress after each: {calls_now} reports per slot, one every "
        f"{wire_limit(CHUNK, 2000) / EFFICIENCY:.2f} s at 2 MHz. In-process (pynrfjprog) a "
        "call adds milliseconds at most [unverified], so 64 KiB chunks cost ~nothing; "
        "external flash goes through `qspi_read` (QSPI at 16 MHz quad into target RAM, "
        "~8 MB/s), so SWD still dominates.",
        f"* With nrfjprog every chunk is a process that reconnects: {calls_now} x "
        f"{NRFJPROG_CALL} s overhead dominates. Reading in 1 MB `--memrd` calls "
        "(what the nrfjprog backend does) removes "
        f"{(calls_now - calls_best) * NRFJPROG_CALL:.1f} s; progress then comes once per MB.",
        f"* Text is {len(text) / SLOT:.1f} B per data byte through the pipe (negligible); parsing "
        "it costs "
        f"{ms(t_parse)}.",
        "* Errors are slow: pynrfjprog's `get_errors()` sleeps 0.5 s per failed call.",
    ]
    return "\n".join(lines) + "\n"
