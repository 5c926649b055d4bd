"""The HIL pytest options, checked once before collection: each problem is one line naming the
option (the plugin turns it into a pytest usage error, exit code 4)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hil.bench.hwmap import HardwareMap
from hil.bench.kit import bench_kit
from hil.bench.settings import BenchSettings
from hil.errors import HilError
from hil.ftp.server import parse_port_range
from hil.kit import UpdateKit
from hil.layout import Layout

GetOption = Callable[[str], Any]


@dataclass(frozen=True)
class CheckedOptions:
    """Option values that needed more than argparse to check: parsed, ready for the fixtures."""

    layout: Layout
    passive_ports: range | None
    artifacts: Path | None
    bench_kit: UpdateKit | None = None


def _checked(option: str, parse: Callable[[], Any]) -> Any:
    try:
        return parse()
    except HilError as err:
        raise HilError(f"{option}: {err}") from None


def check_layout(spec: str) -> Layout:
    return _checked("--hil-layout", lambda: Layout.resolve(spec))


def check_ports(text: str | None) -> range | None:
    if text is None:
        return None
    return _checked("--ftp-passive-ports", lambda: parse_port_range(text))


def check_bind(host: str) -> None:
    if host == "localhost":
        return
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise HilError(f"--ftp-bind: not an IP address: {host!r}") from None


def check_artifacts(text: str | None) -> Path | None:
    if text is None:
        return None
    path = Path(text).resolve()
    if path.exists() and not path.is_dir():
        raise HilError(f"--hil-artifacts: not a directory: {path}")
    return path


def check_bench(settings: BenchSettings) -> None:
    """The hardware map reads and names the chosen DK; lock timeout is a positive number."""
    if settings.lock_timeout <= 0:
        raise HilError(f"--hw-lock-timeout: must be positive, got {settings.lock_timeout:g}")
    if settings.hw_map is not None:
        hw_map = _checked("--hw-map", lambda: HardwareMap.load(settings.hw_map))
        _checked("--hw-dk", lambda: hw_map.select(settings.dk))


def check_options(get: GetOption, bench: BenchSettings) -> CheckedOptions:
    """Every HIL option, or a :class:`HilError` naming the first bad one."""
    check_bench(bench)
    check_bind(get("--ftp-bind"))
    kit = _checked("--hw-map", lambda: bench_kit(bench)) if get("--dut") == "nrf" else None
    return CheckedOptions(
        layout=check_layout(get("--hil-layout")),
        passive_ports=check_ports(get("--ftp-passive-ports")),
        artifacts=check_artifacts(get("--hil-artifacts")),
        bench_kit=kit,
    )
