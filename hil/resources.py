"""Files the suite reads at run time: the built-in flash layouts and the firmware's C core.

Their one source is the checkout's ``fixtures/`` folder. A wheel carries copies of them in
``hil/_data/`` (``setup.py`` copies them at build time), so the same relative path, e.g.
``layouts/nrf5340dk_internal.yml``, is found in an installed wheel and in a source checkout.
"""

from __future__ import annotations

from pathlib import Path

from hil.errors import HilError

PACKAGE_DATA = Path(__file__).resolve().parent / "_data"
CHECKOUT_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LAYOUTS = "layouts"
FIRMWARE = "firmware/ftp_dfu"


class MissingResource(HilError):
    """A file the package needs is in neither the installed package nor a checkout."""


def roots() -> tuple[Path, ...]:
    """Where data is looked for, in order: the wheel's ``hil/_data``, the checkout's fixtures."""
    return (PACKAGE_DATA, CHECKOUT_FIXTURES)


def data_path(relative: str) -> Path:
    """The path of ``relative`` (as under ``fixtures/``); where it should be when it is missing.

    Never raises, so modules can compute their paths at import time; use :func:`require` (or
    check the path) where the file is read.
    """
    for root in roots():
        if (root / relative).exists():
            return root / relative
    return (PACKAGE_DATA if PACKAGE_DATA.is_dir() else CHECKOUT_FIXTURES) / relative


def missing_message(path: Path) -> str:
    """One line naming a missing data file and where the package looked for it."""
    try:
        relative = path.relative_to(PACKAGE_DATA)
    except ValueError:
        try:
            relative = path.relative_to(CHECKOUT_FIXTURES)
        except ValueError:
            return f"file not found: {path}"
    where = " or ".join(str(root / relative) for root in roots())
    return (
        f"package data '{relative.as_posix()}' is missing (looked in {where}): the "
        "installation is incomplete, reinstall nrf-ftp-dfu-hil from a wheel or a checkout"
    )


def require(relative: str) -> Path:
    """The path of ``relative``, or :class:`MissingResource` saying what is missing."""
    path = data_path(relative)
    if not path.exists():
        raise MissingResource(missing_message(path))
    return path
