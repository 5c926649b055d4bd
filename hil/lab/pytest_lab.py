"""pytest side of the lab: options, the run's lab settings, the place's release at the end.

Loaded by ``hil.plugin``. Without ``--lg-env``/``LG_ENV`` (or without ``--dut nrf``) it does
nothing, so a plain sim run is the same whether labgrid is installed or not.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

from hil.errors import HilError
from hil.lab.settings import (
    ENV_RESERVE,
    PLACEHOLDER_PLACE,
    LabSettings,
    configure,
    lab_settings,
    parse_tags,
)

# pyserial-labgrid's rfc2217 module still calls Thread.setDaemon/setName
RFC2217_WARNINGS = (r"setDaemon\(\) is deprecated", r"setName\(\) is deprecated")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hil-lab", "nRF5340 DKs on a labgrid place (--dut nrf --lg-env)")
    group.addoption(
        "--lg-reserve", default=None, metavar="TAG=VALUE[,...]",
        help="each test process reserves (waits for) and acquires its own place with these "
        f"tags, and releases it at the end (env {ENV_RESERVE}); else LG_PLACE must be acquired",
    )
    group.addoption("--hil-build", default=None, metavar="DIR",
                    help="west build directory of the firmware on the place's DK")
    group.addoption("--hil-update", default=None, metavar="FILE",
                    help="update image to offer (default: the build's app_update.bin)")
    group.addoption("--hil-signing-key", default=None, metavar="PEM",
                    help="MCUboot key of the build (default: from the build's MCUboot .config)")
    group.addoption(
        "--ftp-advertise", default=None, metavar="HOST",
        help="address the DK uses to reach this host's FTP server (the runner's address on the "
        "bench network; default: the place's ftp_host tag, else --ftp-bind)",
    )


def _env_file(config: pytest.Config) -> str | None:
    given = config.getoption("--lg-env", None) if _has_option(config, "lg_env") else None
    return given or os.environ.get("LG_ENV") or None


def _has_option(config: pytest.Config, dest: str) -> bool:
    return hasattr(config.option, dest)


def _path(text: str | None) -> Path | None:
    return Path(text).expanduser().resolve() if text else None


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    env_file = _env_file(config)
    if config.getoption("--dut", "sim") != "nrf" or env_file is None:
        configure(None)
        return
    from hil.lab.deps import serial_problem
    from hil.lab.errors import LabError, require_labgrid

    reserve_text = config.getoption("--lg-reserve") or os.environ.get(ENV_RESERVE)
    try:
        require_labgrid()
        if problem := serial_problem():
            raise LabError(problem)
        reserve = parse_tags(reserve_text) if reserve_text else None
    except HilError as err:
        raise pytest.UsageError(str(err)) from None
    if reserve is not None:
        os.environ.setdefault("LG_PLACE", PLACEHOLDER_PLACE)
    for message in RFC2217_WARNINGS:  # in tests, and where the place is prepared: a thread
        config.addinivalue_line("filterwarnings", f"ignore:{message}:DeprecationWarning")
        warnings.filterwarnings("ignore", message, DeprecationWarning)
    settings = LabSettings(
        env_file=Path(env_file).resolve(),
        build_dir=_path(config.getoption("--hil-build")),
        update_image=_path(config.getoption("--hil-update")),
        signing_key=_path(config.getoption("--hil-signing-key")),
        reserve=reserve,
        ftp_advertise=config.getoption("--ftp-advertise"),
        wait_timeout=config.getoption("--hw-lock-timeout", None) or 600.0,
    )
    configure(settings)
    workers = config.getoption("numprocesses", None)
    if not hasattr(config, "workerinput") and isinstance(workers, int) and workers > 1:
        from hil.lab.capacity import check_capacity

        try:
            check_capacity(settings, workers)
        except LabError as err:
            raise pytest.UsageError(str(err)) from None
    if _runs_tests(config):
        from hil.lab.dut import prepare_lab_target

        prepare_lab_target(settings)  # while pytest collects


def _runs_tests(config: pytest.Config) -> bool:
    """False for ``--collect-only`` and for pytest-xdist's controller (its workers run them)."""
    if config.getoption("collectonly", False):
        return False
    controller = not hasattr(config, "workerinput") and config.getoption("dist", "no") != "no"
    return not controller


def pytest_unconfigure(config: pytest.Config) -> None:
    if lab_settings() is not None:
        from hil.lab.dut import close_lab_target

        close_lab_target()
        configure(None)
