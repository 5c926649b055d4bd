"""The hardware map (``--hw-map``): which nRF5340 DKs are on this bench and how to drive them.

A YAML list, one entry per DK::

    - id: dk1
      snr: 1050012345            # J-Link serial number (quote it if it starts with 0)
      build_dir: ../build        # west build directory of the factory (old) firmware
      ftp_host: 192.0.2.2        # address the DK uses to reach this host's FTP server
      console: auto              # or /dev/ttyACM1, /dev/serial/by-id/...
      backend: pynrfjprog        # or nrfutil, nrfjprog

Relative paths are relative to the map file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hil.errors import HilError
from hil.probe import BACKENDS, DEFAULT_BACKEND, ProbeOptions, ResetKind

DEFAULT_BOARD = "nrf5340dk_nrf5340_cpuapp"
AFTER_READ = ("reset", "resume")

_REQUIRED = ("id", "snr", "build_dir")
_OPTIONAL: dict[str, Any] = {
    "board": DEFAULT_BOARD,
    "console": "auto",
    "console_vcom": 1,
    "baud": 115200,
    "backend": DEFAULT_BACKEND,
    "ftp_host": None,
    "merged_hex": None,
    "partitions": None,
    "update_image": None,
    "signing_key": None,
    "reset": ResetKind.PIN.value,
    "recover": False,
    "after_external_read": "reset",
    "jlink_dll": None,
    "qspi_config": None,
    "ext_mem_config": None,
    "qspi_wake": True,
    "nrfutil_read": "hex",
    "timeout": 120.0,
    "write_chunk": 16,
    "write_delay": 0.002,
}
_STR_KEYS = ("id", "board", "console", "backend", "ftp_host", "jlink_dll", "reset")
_PATH_KEYS = (
    "build_dir",
    "merged_hex",
    "partitions",
    "update_image",
    "signing_key",
    "qspi_config",
    "ext_mem_config",
)
_CHOICES = {
    "backend": tuple(BACKENDS),
    "reset": tuple(kind.value for kind in ResetKind),
    "after_external_read": AFTER_READ,
    "nrfutil_read": ("hex", "json"),
}


@dataclass(frozen=True)
class DkEntry:
    """One DK of the hardware map, with paths resolved against the map's directory."""

    id: str
    snr: int
    build_dir: Path
    board: str = DEFAULT_BOARD
    console: str = "auto"
    console_vcom: int = 1
    baud: int = 115200
    backend: str = DEFAULT_BACKEND
    ftp_host: str | None = None
    merged_hex: Path | None = None
    partitions: Path | None = None
    update_image: Path | None = None
    signing_key: Path | None = None
    reset: str = ResetKind.PIN.value
    recover: bool = False
    after_external_read: str = "reset"
    jlink_dll: str | None = None
    qspi_config: Path | None = None
    ext_mem_config: Path | None = None
    qspi_wake: bool = True
    nrfutil_read: str = "hex"
    timeout: float = 120.0
    write_chunk: int = 16
    write_delay: float = 0.002
    source: str = field(default="<map>", compare=False)

    def probe_options(self) -> ProbeOptions:
        return ProbeOptions(
            jlink_dll=self.jlink_dll,
            reset=ResetKind(self.reset),
            qspi_config=self.qspi_config,
            ext_mem_config=self.ext_mem_config,
            qspi_wake=self.qspi_wake,
            timeout=self.timeout,
            nrfutil_read=self.nrfutil_read,
        )


@dataclass(frozen=True)
class HardwareMap:
    dks: tuple[DkEntry, ...]
    source: str

    def select(self, dk_id: str | None = None) -> list[DkEntry]:
        """The DK named ``dk_id``, or all of them (in map order) when None."""
        if dk_id is None:
            return list(self.dks)
        for entry in self.dks:
            if entry.id == dk_id:
                return [entry]
        known = ", ".join(e.id for e in self.dks)
        raise HilError(f"{self.source}: no DK with id {dk_id!r} (known: {known})")

    @classmethod
    def load(cls, path: str | Path) -> HardwareMap:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise HilError(f"hardware map not found: {path}") from None
        except (OSError, UnicodeDecodeError) as err:
            raise HilError(f"cannot read hardware map {path}: {err}") from None
        return cls.parse(text, source=str(path), base=path.resolve().parent)

    @classmethod
    def parse(cls, text: str, source: str = "<hw-map>", base: Path | None = None) -> HardwareMap:
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f" (line {mark.line + 1})" if mark else ""
            raise HilError(f"{source}: not valid YAML{where}") from None
        except (ValueError, TypeError, AttributeError, RecursionError) as err:  # 2024-02-30
            raise HilError(f"{source}: unreadable YAML value ({type(err).__name__})") from None
        if not isinstance(document, list) or not document:
            raise HilError(f"{source}: expected a non-empty YAML list of DKs (- id: ..., snr: ...)")
        base = base or Path.cwd()
        dks = tuple(_entry(item, i, source, base) for i, item in enumerate(document))
        _check_unique(dks, source)
        return cls(dks, source)


def _entry(item: Any, index: int, source: str, base: Path) -> DkEntry:
    where = f"{source}: DK #{index + 1}"
    if not isinstance(item, dict):
        raise HilError(f"{where}: expected a mapping with id, snr and build_dir")
    if isinstance(item.get("id"), str):
        where += f" ({item['id']})"
    unknown = sorted(str(k) for k in item if k not in _REQUIRED and k not in _OPTIONAL)
    if unknown:
        raise HilError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(_known())})")
    missing = [key for key in _REQUIRED if item.get(key) in (None, "")]
    if missing:
        raise HilError(f"{where}: missing key {missing[0]!r}")
    values = {**_OPTIONAL, **item}
    out: dict[str, Any] = {"source": source}
    for key, value in values.items():
        out[key] = _convert(key, value, where, base)
    return DkEntry(**out)


def _known() -> list[str]:
    return [*_REQUIRED, *_OPTIONAL]


def _convert(key: str, value: Any, where: str, base: Path) -> Any:
    if value is None:
        return None
    if key == "snr":
        return _serial(value, where)
    if key in _PATH_KEYS:
        if not isinstance(value, str):
            raise HilError(f"{where}: {key!r} must be a path string, got {value!r}")
        path = Path(value).expanduser()
        return path if path.is_absolute() else base / path
    if key in _STR_KEYS or key in _CHOICES:
        if not isinstance(value, str) or not value.strip():
            raise HilError(f"{where}: {key!r} must be a non-empty string, got {value!r}")
        if key in _CHOICES and value not in _CHOICES[key]:
            raise HilError(
                f"{where}: unknown {key} {value!r} (choose {', '.join(_CHOICES[key])})"
            )
        return value
    default = _OPTIONAL[key]
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise HilError(f"{where}: {key!r} must be true or false, got {value!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise HilError(f"{where}: {key!r} must be a whole number >= 0, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise HilError(f"{where}: {key!r} must be a number >= 0, got {value!r}")
    return float(value)


def _serial(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise HilError(f"{where}: 'snr' must be the J-Link serial number, got {value!r}")
    text = str(value).strip()
    if not text.isdigit() or int(text) == 0 or int(text) >= 2**32:
        raise HilError(f"{where}: 'snr' must be the J-Link serial number (digits), got {value!r}")
    return int(text)


def _check_unique(dks: tuple[DkEntry, ...], source: str) -> None:
    seen_ids: set[str] = set()
    seen_snrs: dict[int, str] = {}
    for entry in dks:
        if entry.id in seen_ids:
            raise HilError(f"{source}: duplicate DK id {entry.id!r}")
        if entry.snr in seen_snrs:
            raise HilError(
                f"{source}: J-Link {entry.snr} is listed twice ({seen_snrs[entry.snr]!r} and "
                f"{entry.id!r}): each DK needs its own probe"
            )
        seen_ids.add(entry.id)
        seen_snrs[entry.snr] = entry.id
