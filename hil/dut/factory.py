"""Pick the device under test by name: ``sim`` (default) or ``nrf`` (a DK behind a J-Link)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hil.dut.base import Dut
from hil.kit import UpdateKit
from hil.layout import Layout


class DutUnavailable(Exception):
    """The chosen device cannot be used here; the message is the one-line reason to skip."""


def _create_sim(layout: Layout, kit: UpdateKit, workdir: Path) -> Dut:
    from hil.sim.device import SimConfig
    from hil.sim.dut import SimDut

    config = SimConfig(layout=layout, keys=kit.keys, factory_image=kit.factory_image)
    return SimDut(config, console_log=workdir / "console.log")


def _create_nrf(layout: Layout, kit: UpdateKit, workdir: Path) -> Dut:
    from hil.bench.connect import connect_dut
    from hil.bench.settings import current
    from hil.lab.settings import lab_settings
    from hil.probe.errors import ProbeUnavailable

    try:
        if (lab := lab_settings()) is not None:  # a labgrid place (--lg-env) instead of --hw-map
            from hil.lab.dut import create_lab_dut

            return create_lab_dut(lab, layout, workdir)
        return connect_dut(current(), layout, workdir)
    except ProbeUnavailable as why:
        raise DutUnavailable(f"--dut nrf: {why}") from None


DUT_KINDS: dict[str, Callable[[Layout, UpdateKit, Path], Dut]] = {
    "sim": _create_sim,
    "nrf": _create_nrf,
}


def create_dut(kind: str, layout: Layout, kit: UpdateKit, workdir: Path) -> Dut:
    try:
        factory = DUT_KINDS[kind]
    except KeyError:
        raise DutUnavailable(f"unknown DUT kind {kind!r} (choose {', '.join(DUT_KINDS)})") from None
    return factory(layout, kit, workdir)
