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


def once(fn: Callable[[], object]) -> float:
    """Seconds ``fn`` took, or what it returns when it times itself (returns a float)."""
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
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
