"""Build step: copy what ``hil/resources.py`` looks up from ``fixtures/`` into ``hil/_data/``.

All other metadata is in pyproject.toml. ``fixtures/`` stays the only copy in the repository;
the copies exist only in the build directory and in the wheel.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# (folder under fixtures/, file patterns): the layouts and the firmware project (the C core
# sources core_lib compiles, the Kconfig fragments the MCUboot model reads).
SHIPPED = (
    ("layouts", ("*.yml",)),
    ("firmware/ftp_dfu", ("**/*",)),
)

class BuildPyWithFixtures(build_py):
    """``build_py`` that also puts the fixtures the package reads into ``hil/_data``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads fixtures/ in place
        target = Path(self.build_lib) / "hil" / "_data"
        for folder, patterns in SHIPPED:
            source = HERE / "fixtures" / folder
            files = sorted(
                {path for pattern in patterns for path in source.glob(pattern) if path.is_file()}
            )
            if not files:
                raise SystemExit(f"setup.py: nothing to ship in {source} ({', '.join(patterns)})")
            for path in files:
                copy = target / folder / path.relative_to(source)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, copy)


setup(cmdclass={"build_py": BuildPyWithFixtures})
