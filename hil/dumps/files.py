"""Read and write dumps in any format, from bytes or files, with one-line errors."""

from __future__ import annotations

from pathlib import Path

from hil.dumps.detect import detect_format
from hil.dumps.ihex import read_hex, write_hex
from hil.dumps.memrd import read_memrd, write_memrd
from hil.dumps.model import Dump, DumpFormat
from hil.dumps.raw import read_bin, write_bin
from hil.errors import HilError

AUTO = "auto"
MAX_FILE_SIZE = 64 << 20
"""No nRF5340 DK dump is larger: 8 MiB of QSPI flash is about 36 MiB as memrd text."""
FORMAT_CHOICES = (AUTO, *(f.value for f in DumpFormat))


def _format(fmt: DumpFormat | str) -> DumpFormat | None:
    if fmt == AUTO:
        return None
    try:
        return DumpFormat(fmt)
    except ValueError:
        raise HilError(f"unknown dump format {fmt!r} (use {', '.join(FORMAT_CHOICES)})") from None


def parse_dump(data: bytes, fmt: DumpFormat | str = AUTO, source: str = "<dump>") -> Dump:
    """The dump in ``data``; ``fmt`` "auto" recognises the format."""
    chosen = _format(fmt) or detect_format(data, source)
    if chosen is DumpFormat.BIN:
        return read_bin(data, source)
    if not data:
        raise HilError(f"{source} is empty")
    if chosen is DumpFormat.HEX:
        data = data.removeprefix(b"\xef\xbb\xbf")
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError as err:
            raise HilError(
                f"{source} is not Intel HEX: non-ASCII byte 0x{data[err.start]:02x} at "
                f"offset {err.start}"
            ) from None
        return read_hex(text, source)
    return read_memrd(data.decode("utf-8", errors="replace"), source)


def load_dump(path: str | Path, fmt: DumpFormat | str = AUTO) -> Dump:
    """Read a dump file (raw, Intel HEX or memrd text)."""
    path = Path(path)
    if path.is_dir():
        raise HilError(f"{path} is a directory, not a dump file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_SIZE:
            raise HilError(
                f"{path} is {size / (1 << 20):.0f} MiB: no nRF5340 DK dump is larger than "
                f"{MAX_FILE_SIZE >> 20} MiB (the 8 MiB QSPI flash as memrd text); is it the "
                "right file?"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise HilError(f"{path}: no such file") from None
    except OSError as err:
        raise HilError(f"cannot read {path}: {err.strerror or err}") from None
    return parse_dump(data, fmt, str(path))


def render_dump(
    dump: Dump, fmt: DumpFormat | str, width: int = 32, address: int | None = None
) -> bytes:
    """The file contents of ``dump`` in ``fmt`` (``address`` overrides the dump's own)."""
    chosen = _format(fmt)
    if chosen is None:
        raise HilError("choose an output format: bin, hex or memrd")
    if chosen is DumpFormat.BIN:
        return write_bin(dump)
    if chosen is DumpFormat.HEX:
        return write_hex(dump, address).encode("ascii")
    return write_memrd(dump, width, address).encode("ascii")


def format_for_path(path: str | Path) -> DumpFormat:
    """The output format a file name asks for (.hex, .txt/.memrd, else raw)."""
    suffix = Path(path).suffix.lower()
    if suffix in (".hex", ".ihex", ".ihx"):
        return DumpFormat.HEX
    if suffix in (".txt", ".memrd"):
        return DumpFormat.MEMRD
    return DumpFormat.BIN


def save_dump(
    path: str | Path,
    dump: Dump,
    fmt: DumpFormat | str | None = None,
    width: int = 32,
    address: int | None = None,
) -> Path:
    """Write ``dump`` to ``path`` in ``fmt`` (default: from the file name)."""
    path = Path(path)
    content = render_dump(dump, fmt or format_for_path(path), width, address)
    try:
        path.write_bytes(content)
    except OSError as err:
        raise HilError(f"cannot write {path}: {err.strerror or err}") from None
    return path
