"""Your repository's conftest.py: the HIL suite's fixtures with your own build.

``pip install nrf-ftp-dfu-hil`` registers the plugin; overriding ``update_kit`` is all it takes
to run the update with your key and images (on the simulated DK by default, ``--dut nrf`` on a
bench). Paths are relative to this folder; set APP_BUILD_DIR / MCUBOOT_KEY to point elsewhere.
"""

import os
from pathlib import Path

import pytest

from hil import UpdateKit

HERE = Path(__file__).parent
BUILD = HERE / os.environ.get("APP_BUILD_DIR", "build")


@pytest.fixture(scope="session")
def update_kit() -> UpdateKit:
    return UpdateKit.from_files(
        key=HERE / os.environ.get("MCUBOOT_KEY", "keys/mcuboot.pem"),
        factory_image=BUILD / "factory" / "app_update.bin",  # what the DK runs before
        update_image=BUILD / "zephyr" / "app_update.bin",  # the update it downloads
    )
