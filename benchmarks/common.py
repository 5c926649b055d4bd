"""Timing helpers: interleaved (side-by-side) repeated runs and their medians."""

from __future__ import annotations

import gc
import logging
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

MIB = 1 << 20


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    name: str
    ours: str
    baseline: str
    figure: str
    target: str
    met: bool | None  # None: informational


def once(fn: Callable[[], object], clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds ``fn`` took on ``clock``, or what it returns when it times itself (a float)."""
    start = clock()
    result = fn()
    elapsed = clock() - start
    return result if isinstance(result, float) else elapsed


def medians(*fns: Callable[[], object], repeat: int, warmup: int = 1) -> list[float]:
    """Median seconds of each function, run in turn (A B A B ...) so drift hits all alike."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    samples: list[list[float]] = [[] for _ in fns]
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            for fn, bucket in zip(fns, samples, strict=True):
                bucket.append(once(fn))
            gc.collect()
    finally:
        if gc_was_enabled:
            gc.enable()
    return [statistics.median(bucket) for bucket in samples]


@dataclass(frozen=True)
class Paired:
    """Medians of one piece of code and of its floor, and the median of their ratios."""

    ours: float
    floors: tuple[float, ...]
    ratio: float


def paired(
    ours: Callable[[], object],
    *floors: Callable[[], object],
    repeat: int,
    warmup: int = 1,
    clock: Callable[[], float] = time.process_time,
    floor_loops: int = 1,
) -> Paired:
    """Time ``ours`` right after its floor(s), ``repeat`` times; the ratio is the median of
    ``ours / sum(floors)`` over those back-to-back pairs, so load that comes and goes
    during the run slows both sides of a pair alike. The default clock counts the CPU time
    of this process: on a contended machine the wall time of in-process work mostly
    measures how long the scheduler kept it waiting."""
    def looped(fn: Callable[[], object]) -> float:
        return once(lambda: [fn() for _ in range(floor_loops)], clock) / floor_loops

    for _ in range(warmup):
        for fn in (*floors, ours):
            fn()
    ours_times: list[float] = []
    floor_times: list[list[float]] = [[] for _ in floors]
    pair_ratios: list[float] = []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            spent = [looped(fn) for fn in floors]
            mine = once(ours, clock)
            for bucket, seconds in zip(floor_times, spent, strict=True):
                bucket.append(seconds)
            ours_times.append(mine)
            pair_ratios.append(mine / sum(spent))
            gc.collect()
    finally:
        if gc_was_enabled:
            gc.enable()
    return Paired(
        statistics.median(ours_times),
        tuple(statistics.median(bucket) for bucket in floor_times),
        statistics.median(pair_ratios),
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def rate(nbytes: int, seconds: float) -> str:
    return f"{nbytes / seconds / MIB:.0f} MiB/s"


def quiet_pyftpdlib() -> None:
    """Keep pyftpdlib from configuring logging (it would log every command to stderr)."""
    logger = logging.getLogger("pyftpdlib")
    logger.addHandler(logging.NullHandler())
    logger.setLevel(logging.WARNING)
    logger.propagate = False
