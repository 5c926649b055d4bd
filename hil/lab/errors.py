"""Lab failures as one-line errors."""

from __future__ import annotations

from hil.errors import HilError


class LabError(HilError):
    """The lab (coordinator, exporter, place) cannot do what was asked; the message says why."""


class PlaceGone(LabError):
    """The place's resources disappeared: its exporter stopped or lost the coordinator."""


LABGRID_MISSING = (
    "labgrid is not installed: install the lab extra (pip install -e '.[lab]')"
)


def require_labgrid() -> None:
    """Raise LabError with the install hint when labgrid cannot be imported."""
    try:
        import labgrid  # noqa: F401
    except ImportError:
        raise LabError(LABGRID_MISSING) from None
