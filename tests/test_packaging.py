"""The wheel carries what the package reads at run time, and ``hil.resources`` finds it there
and in a checkout. (The wheel in a fresh venv is exercised by ``.ci/example-from-wheel``.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import hil
from hil import resources
from hil.layout import BUILTIN_LAYOUTS, Layout
from hil.mcuboot import kconfig
from hil.sim import core_lib

REPO = Path(__file__).resolve().parents[1]


def needed_files() -> list[str]:
    """Every data file the package opens, relative to fixtures/."""
    firmware = [
        path.relative_to(core_lib.FIRMWARE_DIR).as_posix()
        for path in (core_lib.CORE_SOURCE, core_lib.CORE_HEADER, core_lib.HOST_PORT_SOURCE)
    ]
    return [
        *(f"{resources.LAYOUTS}/nrf5340dk_{name}.yml" for name in BUILTIN_LAYOUTS),
        *(f"{resources.FIRMWARE}/{path}" for path in firmware),
        kconfig.CHILD_IMAGE_CONF,
        kconfig.EXTERNAL_CONF,
    ]


@pytest.fixture(scope="module")
def built_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``hil/`` as setup.py's build step lays it out in the wheel."""
    out = tmp_path_factory.mktemp("build")
    run = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(out)],
        cwd=REPO, capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stderr
    return out / "hil"


def test_wheel_carries_every_file_the_package_reads(built_package: Path) -> None:
    missing = [f for f in needed_files() if not (built_package / "_data" / f).is_file()]
    assert missing == []
    for relative in needed_files():  # copies, byte for byte, of the one source in fixtures/
        copy = (built_package / "_data" / relative).read_bytes()
        assert copy == (REPO / "fixtures" / relative).read_bytes(), relative


def test_installed_layout_is_found_without_a_checkout(
    built_package: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(resources, "PACKAGE_DATA", built_package / "_data")
    monkeypatch.setattr(resources, "CHECKOUT_FIXTURES", tmp_path / "no-checkout")
    path = resources.require(f"{resources.LAYOUTS}/nrf5340dk_external.yml")
    assert path.is_relative_to(built_package)
    assert Layout.load(path).secondary.external


def test_missing_data_names_the_file_and_where_it_looked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(resources, "PACKAGE_DATA", tmp_path / "site" / "hil" / "_data")
    monkeypatch.setattr(resources, "CHECKOUT_FIXTURES", tmp_path / "fixtures")
    with pytest.raises(resources.MissingResource) as err:
        resources.require("firmware/ftp_dfu/src/ftpdfu_core.c")
    message = str(err.value)
    assert "package data 'firmware/ftp_dfu/src/ftpdfu_core.c' is missing" in message
    assert str(tmp_path / "site" / "hil" / "_data" / "firmware") in message
    assert "\n" not in message


def test_public_api_is_importable_from_hil() -> None:
    for name in hil.__all__:
        assert getattr(hil, name) is not None, name
    assert {"run_update", "ClientMode", "UpdateKit", "TransferPolicy"} <= set(hil.__all__)
    with pytest.raises(AttributeError):
        _ = hil.no_such_name
