"""Never more test workers than places: checked once, before any worker starts."""

from __future__ import annotations

from hil.lab.errors import LabError
from hil.lab.labtarget import _environment, coordinator_address
from hil.lab.session import LabSession
from hil.lab.settings import LabSettings


def check_capacity(settings: LabSettings, workers: int) -> int:
    """The number of places a run of ``workers`` processes can use; LabError if too few."""
    if settings.reserve is None:
        raise LabError(
            f"-n {workers} on a labgrid place needs --lg-reserve TAG=VALUE: each worker "
            "reserves its own place (one place cannot serve two workers)"
        )
    session = LabSession.get(coordinator_address(_environment(settings)))
    places = session.matching(settings.reserve)
    if len(places) < workers:
        shown = ",".join(f"{k}={v}" for k, v in settings.reserve.items())
        raise LabError(
            f"-n {workers} needs {workers} places tagged {shown}, the coordinator has "
            f"{len(places)} ({', '.join(places) or 'none'}): run with -n {max(len(places), 1)}"
        )
    return len(places)
