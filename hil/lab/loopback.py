"""A whole lab on 127.0.0.1: coordinator, simulated DKs, exporter (with ser2net) and places.

Used by the lab tests and the lab benchmark; ``python -m hil.lab.loopback setup …`` creates
the places once the exporter has registered (one coordinator session, not one CLI per step).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from hil.errors import HilError

EXPORTER = "simhost"
START_TIMEOUT = 60.0  # generous: a loaded 2-core runner starts labgrid slowly, never a verdict


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


class LoopbackLab:
    """Processes of a loopback lab with simulated DKs; ``stop()`` ends them all."""

    def __init__(
        self,
        workdir: Path,
        dks: Sequence[tuple[str, str, str]],
        extra_groups: dict[str, Any] | None = None,
    ) -> None:
        """``dks``: ``(name, layout, tags)`` each, tags as ``board=nrf5340dk,layout=internal``;
        ``extra_groups``: more exporter groups (each becomes a place with the tag ``extra=1``)."""
        self.workdir = workdir
        self.dks = list(dks)
        self.extra_groups = extra_groups or {}
        self.address = f"127.0.0.1:{free_port()}"
        self.sim_dir = workdir / "sim"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LG_")}
        env.update(LG_COORDINATOR=self.address, PYTHONUNBUFFERED="1", **extra)
        return env

    def _spawn(self, name: str, argv: list[str], cwd: Path | None = None) -> None:
        log = (self.workdir / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            argv, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=self.env(),
            start_new_session=True,
        )

    def start(self) -> LoopbackLab:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.start_coordinator()
        dk_args = [arg for name, layout, _ in self.dks for arg in ("--dk", f"{name}:{layout}")]
        self._spawn("sim-place", [sys.executable, "-m", "hil.cli", "sim-place", "--dir",
                                  str(self.sim_dir), "--coordinator", self.address, *dk_args])
        self._wait(lambda: (self.sim_dir / "ready").exists(), "sim-place", "sim-place")
        if self.extra_groups:
            config = self.sim_dir / "exporter.yaml"
            with config.open("a", encoding="utf-8") as out:
                out.write(yaml.safe_dump(self.extra_groups, sort_keys=False))
        self.start_exporter()
        self.setup_places()
        return self

    def start_coordinator(self) -> None:
        coord_dir = self.workdir / "coordinator"
        coord_dir.mkdir(exist_ok=True)
        self._spawn("coordinator", [_bin("labgrid-coordinator"), "-l", self.address], coord_dir)
        host, port = self.address.rsplit(":", 1)

        def accepting() -> bool:
            with contextlib.suppress(OSError), socket.create_connection((host, int(port)), 1):
                return True
            return False

        self._wait(accepting, "coordinator", "coordinator")

    def start_exporter(self) -> None:
        self._spawn("exporter", [
            _bin("labgrid-exporter"), "-c", self.address, "-n", EXPORTER,
            "--hostname", "127.0.0.1", str(self.sim_dir / "exporter.yaml"),
        ])

    def setup_places(self) -> None:
        argv = [sys.executable, "-m", "hil.lab.loopback", "setup", "--coordinator", self.address]
        for name, _, tags in self.dks:
            argv += ["--place", f"{name}:{tags}"]
        for name in self.extra_groups:
            argv += ["--place", f"{name}:extra=1"]
        done = subprocess.run(argv, env=self.env(), capture_output=True, text=True,
                              timeout=START_TIMEOUT * 2, check=False)
        if done.returncode != 0:
            raise HilError(f"loopback lab: place setup failed: {done.stderr.strip()[-400:]}")

    def signal(self, name: str, sig: int) -> None:
        proc = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)  # the exporter's ser2net children too
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=15)

    def _wait(self, ready: object, what: str, proc: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while not ready():  # type: ignore[operator]
            if self.procs[proc].poll() is not None:
                tail = (self.workdir / f"{proc}.log").read_text(errors="replace")[-400:]
                raise HilError(f"loopback lab: {what} exited: {tail}")
            if time.monotonic() > deadline:
                raise HilError(f"loopback lab: {what} not ready after {START_TIMEOUT:g} s")
            time.sleep(0.1)

    def pytest_args(self, layout: str = "internal") -> list[str]:
        build = self.sim_dir / f"build-{layout}"
        return [
            "--dut", "nrf", "--lg-env", str(self.sim_dir / "env.yaml"),
            "--hil-build", str(build), "--hil-update", str(build / "update" / "app_update.bin"),
            "--hil-signing-key", str(build / "mcuboot-rsa-2048.pem"), "--hil-layout", layout,
        ]

    def group_alive(self, name: str) -> bool:
        """True while a process of ``name``'s group runs (e.g. an orphaned ser2net).

        Read from /proc: zombies (an init that does not reap) do not count.
        """
        pgid = self.procs[name].pid
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid and fields[0] != "Z":
                    return True
        return False

    def group_ended(self, name: str, timeout: float) -> bool:
        """Wait up to ``timeout`` s for every process of ``name``'s group to exit."""
        deadline = time.monotonic() + timeout
        while self.group_alive(name):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def stop(self) -> None:
        """End every process group, as a supervisor with KillMode=control-group does."""
        for name in ("exporter", "sim-place", "coordinator"):
            if name in self.procs:
                self.signal(name, signal.SIGTERM)
                if self.group_alive(name):
                    self.signal(name, signal.SIGKILL)


def _setup(args: argparse.Namespace) -> int:
    from hil.lab.session import LabSession
    from hil.lab.settings import parse_tags

    session = LabSession.get(args.coordinator)
    wanted = {spec.partition(":")[0] for spec in args.place}
    deadline = time.monotonic() + START_TIMEOUT
    while not wanted <= session.exporter_groups(args.exporter):
        if time.monotonic() > deadline:
            print(f"exporter {args.exporter} did not register {sorted(wanted)}", file=sys.stderr)
            return 1
        time.sleep(0.2)
    for spec in args.place:
        name, _, tags = spec.partition(":")
        session.create_place(name, f"{args.exporter}/{name}/*", parse_tags(tags))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hil.lab.loopback")
    sub = parser.add_subparsers(dest="command", required=True)
    setup = sub.add_parser("setup", help="wait for the exporter, then create places")
    setup.add_argument("--coordinator", required=True)
    setup.add_argument("--exporter", default=EXPORTER)
    setup.add_argument("--place", action="append", default=[], metavar="NAME:TAG=V,...")
    args = parser.parse_args(argv)
    try:
        return _setup(args)
    except HilError as err:
        print(f"loopback: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
