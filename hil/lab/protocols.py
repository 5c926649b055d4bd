"""The labgrid protocol of an nRF5340 DK probe: what tests and strategies may ask of it."""

from __future__ import annotations

import abc


class NrfProbeProtocol(abc.ABC):
    """Program, erase, reset, read internal and QSPI memory, recover an nRF5340 DK."""

    @abc.abstractmethod
    def program(self, path: str) -> None:
        """Write an Intel HEX file (merged.hex): only the sectors it touches are erased."""

    @abc.abstractmethod
    def erase(self, memory: str, address: int, length: int) -> None:
        """Erase whole 4 KiB pages: ``memory`` is 'internal' or 'external' (QSPI offset)."""

    @abc.abstractmethod
    def reset(self) -> None:
        """Reset the chip (the DK's configured kind) and let it run."""

    @abc.abstractmethod
    def read(self, memory: str, address: int, length: int) -> bytes:
        """Read internal flash (CPU address) or the QSPI flash (offset)."""

    @abc.abstractmethod
    def recover(self) -> None:
        """Unlock an access-protected chip; erases all its internal flash."""
