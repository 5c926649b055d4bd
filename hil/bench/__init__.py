"""The bench: real nRF5340 DKs from a hardware map, driven through a probe and their UART."""

from hil.bench.hwmap import DkEntry, HardwareMap
from hil.bench.settings import BenchSettings, configure, current

__all__ = ["BenchSettings", "DkEntry", "HardwareMap", "configure", "current"]
