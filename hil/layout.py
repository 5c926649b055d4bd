"""The flash layout of a build: MCUboot slots read from Partition Manager's partitions.yml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hil import resources
from hil.errors import HilError
from hil.layout_check import LayoutRuleError, check_document

INTERNAL_REGION = "flash_primary"
EXTERNAL_REGION = "external_flash"
PRIMARY = "mcuboot_primary"
SECONDARY = "mcuboot_secondary"
BUILTIN_LAYOUTS = ("internal", "external")
FIXTURE_DIR = resources.data_path(resources.LAYOUTS)


@dataclass(frozen=True)
class Partition:
    """One partition: ``address`` is a CPU address for internal flash, an offset for external."""

    name: str
    address: int
    size: int
    region: str = INTERNAL_REGION
    device: str | None = None

    @property
    def end(self) -> int:
        return self.address + self.size

    @property
    def external(self) -> bool:
        return self.region == EXTERNAL_REGION

    def describe(self) -> str:
        where = f"{self.device or 'external flash'} offset" if self.external else "address"
        return f"{self.name} at {where} 0x{self.address:x}, size 0x{self.size:x}"


@dataclass(frozen=True)
class Layout:
    """The partitions of one build, with the two MCUboot slots guaranteed present."""

    partitions: dict[str, Partition]
    source: str = "<memory>"

    def __post_init__(self) -> None:
        for name in (PRIMARY, SECONDARY):
            if name not in self.partitions:
                raise HilError(f"{self.source}: no '{name}' partition (is MCUboot enabled?)")
        primary, secondary = self.primary, self.secondary
        if primary.size != secondary.size:
            raise HilError(
                f"{self.source}: slot sizes differ (primary 0x{primary.size:x}, "
                f"secondary 0x{secondary.size:x})"
            )

    @property
    def primary(self) -> Partition:
        return self.partitions[PRIMARY]

    @property
    def secondary(self) -> Partition:
        return self.partitions[SECONDARY]

    @property
    def slot_size(self) -> int:
        return self.primary.size

    def slot(self, name: str) -> Partition:
        """A partition by its Partition Manager name, or 'primary' / 'secondary'."""
        key = {"primary": PRIMARY, "secondary": SECONDARY}.get(name, name)
        try:
            return self.partitions[key]
        except KeyError:
            known = ", ".join(sorted(self.partitions))
            raise HilError(f"{self.source}: no partition '{name}' (known: {known})") from None

    @classmethod
    def load(cls, path: str | Path) -> Layout:
        """Read build/partitions.yml or a pm_static.yml, held to Partition Manager's rules."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise HilError(f"layout file not found: {path}") from None
        except IsADirectoryError:
            raise HilError(f"layout path is a directory, expected partitions.yml: {path}") from None
        except (OSError, UnicodeDecodeError) as err:
            raise HilError(f"cannot read layout file {path}: {err}") from None
        return cls.parse(text, source=str(path))

    @classmethod
    def parse(cls, text: str, source: str = "<text>") -> Layout:
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f" (line {mark.line + 1})" if mark else ""
            raise HilError(f"{source}: not valid YAML{where}") from None
        except Exception as err:
            # PyYAML's constructors also raise ValueError, AttributeError, RecursionError...
            raise HilError(f"{source}: not valid YAML ({type(err).__name__})") from None
        if not isinstance(document, dict):
            raise HilError(f"{source}: expected a mapping of partition names")
        partitions = {
            str(name): _partition(str(name), entry, source)
            for name, entry in document.items()
            if isinstance(entry, dict) and "address" in entry
        }
        layout = cls(partitions, source)
        try:
            check_document(document)
        except LayoutRuleError as err:
            raise HilError(f"{source}: {err}") from None
        return layout

    @classmethod
    def resolve(cls, spec: str) -> Layout:
        """A built-in layout ('internal', 'external') or a partitions.yml path."""
        return cls.builtin(spec) if spec in BUILTIN_LAYOUTS else cls.load(spec)

    @classmethod
    def builtin(cls, name: str = "internal") -> Layout:
        """A layout shipped in fixtures/layouts: 'internal' or 'external' (secondary on QSPI)."""
        path = FIXTURE_DIR / f"nrf5340dk_{name}.yml"
        if name not in BUILTIN_LAYOUTS:
            raise HilError(f"unknown built-in layout '{name}' (choose internal or external)")
        if not path.is_file():
            raise resources.MissingResource(resources.missing_message(path))
        return cls.load(path)


def _partition(name: str, entry: dict[str, Any], source: str) -> Partition:
    def number(key: str) -> int:
        value = entry.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise HilError(f"{source}: partition '{name}' has no valid '{key}' (got {value!r})")
        return value

    region = entry.get("region", INTERNAL_REGION)
    device = entry.get("device")
    return Partition(
        name=name,
        address=number("address"),
        size=number("size"),
        region=str(region),
        device=str(device) if device is not None else None,
    )
