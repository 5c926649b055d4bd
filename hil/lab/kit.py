"""The update kit of a lab run: the build given with ``--hil-build``, not the place."""

from __future__ import annotations

import pytest

from hil.errors import HilError
from hil.kit import UpdateKit
from hil.lab.settings import lab_settings


def lab_update_kit() -> UpdateKit | None:
    """The kit of the lab run's build, or None when the DUT is not on a labgrid place."""
    settings = lab_settings()
    if settings is None:
        return None
    from hil.bench.hwmap import DkEntry
    from hil.bench.kit import _entry_kit

    if settings.build_dir is None:
        raise pytest.UsageError("--dut nrf on a labgrid place needs --hil-build DIR")
    entry = DkEntry(
        id="lab", snr=0, build_dir=settings.build_dir, update_image=settings.update_image,
        signing_key=settings.signing_key, source="--hil-build",
    )
    try:
        return _entry_kit(entry)
    except HilError as err:
        raise pytest.UsageError(str(err)) from None
