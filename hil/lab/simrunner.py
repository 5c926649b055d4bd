"""``hil sim-place``: build, start and serve simulated DKs until stopped."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Sequence
from pathlib import Path

from hil.errors import HilError
from hil.image.keys import KeyType
from hil.lab.labconfig import sim_exporter_groups, write_env_config, write_exporter_config
from hil.lab.simbuild import SimBuild, write_sim_build
from hil.lab.simplace import FIRST_SNR, SimDk, SimDkSpec
from hil.layout import Layout

log = logging.getLogger("hil.lab")


def _builds(directory: Path, layouts: set[str], key_type: KeyType) -> dict[str, SimBuild]:
    builds = {}
    for spec in sorted(layouts):
        layout = Layout.resolve(spec)
        name = spec if spec.isidentifier() else Path(spec).stem
        builds[spec] = write_sim_build(directory / f"build-{name}", layout, key_type)
    return builds


def start_sim_dks(
    directory: Path, dks: Sequence[tuple[str, str]], key_type: KeyType
) -> list[SimDk]:
    """Build and start the DKs; write ``exporter.yaml``. Stopping them is the caller's job."""
    names = [name for name, _ in dks]
    if len(set(names)) != len(names):
        raise HilError(f"sim-place: DK names must be unique, got {', '.join(names)}")
    directory.mkdir(parents=True, exist_ok=True)
    builds = _builds(directory, {layout for _, layout in dks}, key_type)
    running: list[SimDk] = []
    try:
        for index, (name, spec) in enumerate(dks):
            build = builds[spec]
            layout = Layout.resolve(spec)
            dk_spec = SimDkSpec(name, FIRST_SNR + index, layout, build)
            running.append(SimDk(dk_spec, directory).start())
    except BaseException:
        for dk in running:
            dk.stop()
        raise
    groups = sim_exporter_groups([(d.spec.name, d.spec.snr, d.tty, d.socket_path) for d in running])
    write_exporter_config(directory / "exporter.yaml", groups)
    return running


def serve_sim_place(
    directory: Path, dks: Sequence[tuple[str, str]], key_type: KeyType, coordinator: str
) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    running = start_sim_dks(directory, dks, key_type)
    write_env_config(directory / "env.yaml", coordinator)
    try:
        for dk in running:
            print(f"{dk.spec.name}: snr {dk.spec.snr}, UART {dk.tty}, probe {dk.socket_path}, "
                  f"build {dk.spec.build.directory}", flush=True)
        (directory / "ready").write_text("\n".join(d.spec.name for d in running) + "\n")
        stop.wait()
    finally:
        (directory / "ready").unlink(missing_ok=True)
        for dk in running:
            dk.stop()
    return 0
