"""The firmware's portable C core, built for the host and driven through ctypes.

``fixtures/firmware/ftp_dfu/src/ftpdfu_core.c`` is the transfer logic the nRF5340 app runs
(32-byte hold-back, dfu_target calls, error and byte counting, console lines). Here it is
compiled with the host C compiler into a shared library cached by source hash, and its
platform port is filled with Python functions, so the simulated device can run the same C.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence
from ctypes import CFUNCTYPE, POINTER, c_char_p, c_int, c_size_t, c_uint, c_uint8, c_uint16
from pathlib import Path
from typing import Any, Protocol

from hil import resources
from hil.errors import HilError
from hil.protocol import DownloadResult

FIRMWARE_DIR = resources.data_path(resources.FIRMWARE)
CORE_SOURCE = FIRMWARE_DIR / "src" / "ftpdfu_core.c"
CORE_HEADER = FIRMWARE_DIR / "src" / "ftpdfu_core.h"
HOST_PORT_SOURCE = FIRMWARE_DIR / "host" / "port_host.c"
CFLAGS = ("-std=c11", "-Wall", "-Wextra", "-Werror", "-O2")
EIO = 5  # what a port call returns to C when its Python function raised
CACHE_ENV = "FTPDFU_CORE_CACHE"
SIM_CORE_ENV = "FTPDFU_SIM_CORE"  # "python" makes the simulator keep its Python model


class CoreUnavailable(HilError):
    """The C core cannot be built here (no C compiler or no firmware sources)."""


def find_compiler() -> str:
    """$CC, else cc, gcc or clang from PATH."""
    for candidate in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if candidate and (path := shutil.which(candidate)):
            return path
    raise CoreUnavailable(
        "no C compiler found ($CC, cc, gcc, clang): install gcc to build the "
        "firmware core for the host"
    )


def cache_dir() -> Path:
    """Where built libraries live: $FTPDFU_CORE_CACHE or a per-user temp directory."""
    if env := os.environ.get(CACHE_ENV):
        return Path(env)
    return Path(tempfile.gettempdir()) / f"ftpdfu-core-{getattr(os, 'getuid', lambda: 0)()}"


def compile_c(
    sources: Sequence[Path],
    output: Path,
    *,
    shared: bool,
    include: Sequence[Path] = (),
    flags: Sequence[str] = (),
) -> Path:
    """Compile with the project's strict flags; the result appears atomically at ``output``."""
    compiler = find_compiler()
    missing = [str(src) for src in sources if not src.is_file()]
    if missing:
        raise CoreUnavailable(f"firmware sources not found: {', '.join(missing)}")
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    cmd = [compiler, *CFLAGS, *(f"-I{path}" for path in include)]
    cmd += ["-fPIC", "-shared"] if shared else []
    cmd += list(flags)
    cmd += ["-o", str(tmp), *map(str, sources)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode:
        tmp.unlink(missing_ok=True)
        raise HilError(f"compiling the firmware core failed: {' '.join(cmd)}: {proc.stderr}")
    os.replace(tmp, output)
    return output


def build_library() -> Path:
    """The core plus the host port as a shared library, rebuilt only when a source changes."""
    sources = (CORE_SOURCE, HOST_PORT_SOURCE)
    digest = hashlib.sha256(" ".join(CFLAGS).encode())
    for path in (*sources, CORE_HEADER):
        if not path.is_file():
            raise CoreUnavailable(resources.missing_message(path))
        digest.update(path.read_bytes())
    compiler = find_compiler()
    digest.update(compiler.encode())
    library = cache_dir() / f"libftpdfu_core-{digest.hexdigest()[:16]}.so"
    if library.is_file():
        return library
    return compile_c(sources, library, shared=True, include=[CORE_HEADER.parent])


IMG_TYPE = CFUNCTYPE(c_int, POINTER(c_uint8), c_size_t)
DFU_INIT = CFUNCTYPE(c_int, c_int, c_int, c_size_t)
BUF_FN = CFUNCTYPE(c_int, POINTER(c_uint8), c_size_t)
INT_FN = CFUNCTYPE(c_int, c_int)
VOID_FN = CFUNCTYPE(c_int)
OPEN_FN = CFUNCTYPE(c_int, c_char_p, c_uint16)
LOGIN_FN = CFUNCTYPE(c_int, c_char_p, c_char_p)
STR_FN = CFUNCTYPE(c_int, c_char_p)
PRINT_FN = CFUNCTYPE(None, c_char_p)
LOCK_FN = CFUNCTYPE(None)
HARDENED = 0x1  # FTPDFU_HARDENED: the size check and the guarded `schedule`


class _Port(ctypes.Structure):
    """struct ftpdfu_port; core_lib checks every offset against the compiled C."""

    _fields_ = [
        ("img_type", IMG_TYPE),
        ("dfu_init", DFU_INIT),
        ("dfu_write", BUF_FN),
        ("dfu_done", INT_FN),
        ("dfu_reset", VOID_FN),
        ("dfu_schedule", INT_FN),
        ("img_confirm", VOID_FN),
        ("ftp_open", OPEN_FN),
        ("ftp_login", LOGIN_FN),
        ("ftp_type", INT_FN),
        ("ftp_get", STR_FN),
        ("ftp_close", VOID_FN),
        ("print", PRINT_FN),
        ("lock", LOCK_FN),
        ("unlock", LOCK_FN),
    ]


def _declare(lib: ctypes.CDLL) -> None:
    vp, cp, sz = ctypes.c_void_p, c_char_p, c_size_t
    signatures: dict[str, tuple[Any, list[Any]]] = {
        "ftpdfu_host_new": (vp, [POINTER(_Port), cp, c_uint]),
        "ftpdfu_host_free": (None, [vp]),
        "ftpdfu_host_port_size": (sz, []),
        "ftpdfu_host_port_count": (sz, []),
        "ftpdfu_host_port_offset": (ctypes.c_long, [cp]),
        "ftpdfu_host_result": (None, [vp, *[POINTER(c) for c in (c_int, c_int, c_uint, c_uint)]]),
        "ftpdfu_host_data_state": (None, [vp, POINTER(c_int), POINTER(c_uint), POINTER(c_uint)]),
        "ftpdfu_status": (None, [vp]),
        "ftpdfu_data_end": (None, [vp]),
        "ftpdfu_ready": (None, [vp]),
        "ftpdfu_version": (None, [vp]),
        "ftpdfu_schedule": (c_int, [vp]),
        "ftpdfu_confirm": (c_int, [vp]),
        "ftpdfu_get": (c_int, [vp, cp, cp, cp, cp, cp, cp, cp]),
        "ftpdfu_on_data": (None, [vp, cp, sz]),
        "ftpdfu_on_ctrl": (None, [vp, cp, sz]),
    }
    for name, (restype, argtypes) in signatures.items():
        func = getattr(lib, name)
        func.restype, func.argtypes = restype, argtypes


def _check_layout(lib: ctypes.CDLL) -> None:
    names = [name for name, _ in _Port._fields_]
    if lib.ftpdfu_host_port_size() != ctypes.sizeof(_Port) or lib.ftpdfu_host_port_count() != len(
        names
    ):
        raise HilError("struct ftpdfu_port in ftpdfu_core.h and core_lib._Port differ")
    for name in names:
        if lib.ftpdfu_host_port_offset(name.encode()) != getattr(_Port, name).offset:
            raise HilError(f"struct ftpdfu_port member {name} moved: update core_lib._Port")


@functools.cache
def load() -> ctypes.CDLL:
    """Build (if needed) and load the core; raises CoreUnavailable without a C compiler."""
    lib = ctypes.CDLL(str(build_library()))
    _declare(lib)
    _check_layout(lib)
    return lib


class CorePort(Protocol):
    """The platform side of the core, in Python: the NCS calls as the simulator models them."""

    def img_type(self, head: bytes) -> int: ...
    def dfu_init(self, img_type: int, img_num: int, file_size: int) -> int: ...
    def dfu_write(self, data: bytes) -> int: ...
    def dfu_done(self, successful: bool) -> int: ...
    def dfu_reset(self) -> int: ...
    def dfu_schedule(self, img_num: int) -> int: ...
    def img_confirm(self) -> int: ...
    def ftp_open(self, host: str, port: int) -> int: ...
    def ftp_login(self, user: str, password: str) -> int: ...
    def ftp_type(self, binary: bool) -> int: ...
    def ftp_get(self, path: str) -> int: ...
    def ftp_close(self) -> int: ...
    def print_line(self, line: str) -> None: ...


def _text(raw: bytes | None) -> str:
    return (raw or b"").decode("utf-8", "replace")


class FtpDfuCore:
    """One instance of the C core (``struct ftpdfu``) wired to a Python port.

    An exception raised in a port function makes that C call see -EIO; it is re-raised when
    the command that led to it returns.
    """

    def __init__(
        self, port: CorePort, version: str, lib: ctypes.CDLL | None = None, hardened: bool = False
    ) -> None:
        self._core: int | None = None
        self._lib = lib or load()
        self._error: BaseException | None = None
        self._version = version.encode()
        self.hardened = hardened
        # port->lock: the data thread and the shell thread share the download state.
        self._data_lock = threading.RLock()  # never taken twice; RLock knows its owner
        # Held around each data callback and by close(): a late callback never sees a freed core.
        self._alive = threading.Lock()
        buf = ctypes.string_at
        self._port = _Port(
            img_type=IMG_TYPE(self._guard(lambda p, n: port.img_type(buf(p, n)))),
            dfu_init=DFU_INIT(self._guard(port.dfu_init)),
            dfu_write=BUF_FN(self._guard(lambda p, n: port.dfu_write(buf(p, n)))),
            dfu_done=INT_FN(self._guard(lambda ok: port.dfu_done(bool(ok)))),
            dfu_reset=VOID_FN(self._guard(port.dfu_reset)),
            dfu_schedule=INT_FN(self._guard(port.dfu_schedule)),
            img_confirm=VOID_FN(self._guard(port.img_confirm)),
            ftp_open=OPEN_FN(self._guard(lambda host, p: port.ftp_open(_text(host), p))),
            ftp_login=LOGIN_FN(self._guard(lambda u, pw: port.ftp_login(_text(u), _text(pw)))),
            ftp_type=INT_FN(self._guard(lambda binary: port.ftp_type(bool(binary)))),
            ftp_get=STR_FN(self._guard(lambda path: port.ftp_get(_text(path)))),
            ftp_close=VOID_FN(self._guard(port.ftp_close)),
            print=PRINT_FN(self._guard(lambda line: port.print_line(_text(line)), None)),
            lock=LOCK_FN(self._acquire),
            unlock=LOCK_FN(self._release),
        )
        flags = HARDENED if hardened else 0
        self._core = self._lib.ftpdfu_host_new(ctypes.byref(self._port), self._version, flags)
        if not self._core:
            raise MemoryError("ftpdfu_host_new")

    def _guard(self, func: Callable[..., Any], failure: int | None = -EIO) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            try:
                rc = func(*args)
                return None if failure is None else int(rc)
            except BaseException as exc:
                self._error = self._error or exc
                return failure

        return call

    def _acquire(self) -> None:
        """port->lock: returns holding the lock, always, since the C code unlocks regardless
        (and never nests it).

        An exception while waiting (KeyboardInterrupt) would otherwise vanish in ctypes and
        leave the C code to run unlocked and release the lock another thread holds; it is
        kept for the command instead and the wait goes on.
        """
        while not self._data_lock._is_owned():  # type: ignore[attr-defined]
            try:
                self._data_lock.acquire()
            except BaseException as exc:
                self._error = self._error or exc

    def _release(self) -> None:
        self._data_lock.release()

    def _raise_pending(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise error

    def close(self) -> None:
        with self._alive:
            if self._core:
                self._lib.ftpdfu_host_free(self._core)
                self._core = None

    @property
    def _live(self) -> int:
        if not self._core:
            raise HilError("the firmware core was closed")
        return self._core

    def __enter__(self) -> FtpDfuCore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()

    def ready(self) -> None:
        self._lib.ftpdfu_ready(self._live)
        self._raise_pending()

    def version(self) -> None:
        self._lib.ftpdfu_version(self._live)
        self._raise_pending()

    def status(self) -> None:
        """``ftpdfu status``: flavour, how the last download ended, late data so far."""
        self._lib.ftpdfu_status(self._live)
        self._raise_pending()

    def schedule(self) -> int:
        rc = self._lib.ftpdfu_schedule(self._live)
        self._raise_pending()
        return rc

    def confirm(self) -> int:
        rc = self._lib.ftpdfu_confirm(self._live)
        self._raise_pending()
        return rc

    def get(
        self,
        host: str,
        port: str | int,
        user: str,
        password: str,
        path: str,
        size: str | int,
        mode: str | None = None,
    ) -> int:
        """``ftpdfu get``: 0 when the image landed (ftp=226, dfu=0), else -1 (or -EINVAL)."""
        args = [str(arg).encode() for arg in (host, port, user, password, path, size)]
        rc = self._lib.ftpdfu_get(self._live, *args, mode.encode() if mode else None)
        self._raise_pending()
        return rc

    def on_data(self, chunk: bytes) -> None:
        """The ftp_client data callback (may be called from the client's data thread, also
        after the download ended and after the core was closed: then it does nothing)."""
        with self._alive:
            if self._core:
                self._lib.ftpdfu_on_data(self._core, chunk, len(chunk))

    def data_end(self) -> None:
        """``ftpdfu_data_end()``: no later data belongs to the running download."""
        self._lib.ftpdfu_data_end(self._live)

    def on_ctrl(self, reply: bytes | str) -> None:
        """The ftp_client control callback (also from its work queue): nothing once closed."""
        raw = reply.encode() if isinstance(reply, str) else reply
        with self._alive:
            if self._core:
                self._lib.ftpdfu_on_ctrl(self._core, raw, len(raw))

    @property
    def result(self) -> DownloadResult:
        """The last ``FTPDFU_RESULT`` values."""
        ftp, dfu, rx, late = c_int(), c_int(), c_uint(), c_uint()
        self._lib.ftpdfu_host_result(self._live, *map(ctypes.byref, (ftp, dfu, rx, late)))
        return DownloadResult(ftp.value, dfu.value, rx.value, late.value)

    @property
    def data_state(self) -> tuple[int, int, int]:
        """(enum ftpdfu_state, late bytes, late calls), read under the core's lock."""
        state, late, calls = c_int(), c_uint(), c_uint()
        self._lib.ftpdfu_host_data_state(self._live, *map(ctypes.byref, (state, late, calls)))
        return state.value, late.value, calls.value


def unavailable_reason() -> str:
    """Why the simulator runs the Python model instead of the C core ("" when it need not)."""
    if os.environ.get(SIM_CORE_ENV, "").lower() == "python":
        return f"{SIM_CORE_ENV}=python"
    try:
        load()
    except CoreUnavailable as why:
        return str(why)
    return ""
