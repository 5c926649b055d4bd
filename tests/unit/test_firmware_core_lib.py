"""ftpdfu_core.c through the ctypes binding, with its port in Python (as the simulator uses it)."""

from __future__ import annotations

import dataclasses
import shutil
import threading
import time

import pytest

from hil.protocol import DownloadResult, parse_result
from hil.sim import core_lib, core_port
from hil.sim.core_model import CoreModel

MAGIC = bytes.fromhex("3db8f396")
SLOT = 0x4000
EPERM, EIO, ENOMEM, EACCES, EFBIG, EMSGSIZE, ENOTSUP = 1, 5, 12, 13, 27, 122, 134


@pytest.fixture(scope="module")
def lib():
    try:
        return core_lib.load()
    except core_lib.CoreUnavailable as exc:
        pytest.skip(str(exc))


def image(size: int, seed: int = 0) -> bytes:
    return (MAGIC + bytes((i * 7 + seed) % 251 for i in range(size)))[:size]


@dataclasses.dataclass
class FakePort:
    """dfu_target with NCS v2.6.0 return codes over a RAM slot; ftp_client feeding a file."""

    file: bytes = b""
    chunk: int = 708
    first_chunk: int = 0
    login_rc: int = 230
    get_rc: int = 226
    fail_write_at: int = 0
    core: core_lib.FtpDfuCore | None = None
    slot: bytearray = dataclasses.field(default_factory=lambda: bytearray(b"\xff" * SLOT))
    current: bool = False
    offset: int = 0
    calls: list[str] = dataclasses.field(default_factory=list)
    writes: int = 0
    lines: list[str] = dataclasses.field(default_factory=list)

    def img_type(self, head: bytes) -> int:
        return 1 if len(head) >= 32 and head[:4] == MAGIC else 0

    def dfu_init(self, img_type: int, img_num: int, file_size: int) -> int:
        self.calls.append("init")
        if img_type != 1:
            return -ENOTSUP
        self.current = True  # dfu_target_init() sets the target before the MCUboot init runs
        if file_size > SLOT:
            return -EFBIG
        self.offset = 0
        return 0

    def dfu_write(self, data: bytes) -> int:
        self.writes += 1
        if not self.current:
            return -EACCES
        if self.writes == self.fail_write_at:
            return -EIO
        if self.offset + len(data) > SLOT:
            return -ENOMEM
        self.slot[self.offset : self.offset + len(data)] = data
        self.offset += len(data)
        return 0

    def dfu_done(self, successful: bool) -> int:
        self.calls.append(f"done({successful})")
        return 0 if self.current else -EACCES

    def dfu_reset(self) -> int:
        self.calls.append("reset")
        if not self.current:
            return -EACCES
        self.slot[:4096] = b"\xff" * 4096
        self.current, self.offset = False, 0
        return 0

    def dfu_schedule(self, img_num: int) -> int:
        return 0 if self.current else -EACCES

    def img_confirm(self) -> int:
        return 0

    def ftp_open(self, host: str, port: int) -> int:
        self.calls.append(f"open {host}:{port}")
        return 200

    def ftp_login(self, user: str, password: str) -> int:
        return self.login_rc

    def ftp_type(self, binary: bool) -> int:
        self.calls.append(f"type({binary})")
        return 200

    def ftp_get(self, path: str) -> int:
        assert self.core is not None
        at = 0
        while at < len(self.file):
            size = self.first_chunk if at == 0 and self.first_chunk else self.chunk
            self.core.on_data(self.file[at : at + size])
            at += size
        return self.get_rc

    def ftp_close(self) -> int:
        self.calls.append("close")
        return 221

    def print_line(self, line: str) -> None:
        self.lines.append(line)


def make_core(lib, **kwargs) -> tuple[core_lib.FtpDfuCore, FakePort]:
    port = FakePort(**kwargs)
    port.core = core_lib.FtpDfuCore(port, "1.0.0+0", lib)
    return port.core, port


def download(core, port: FakePort, data: bytes, size: int | None = None, mode="binary"):
    port.file = data
    core.get(
        "192.0.2.2", 21, "user", "pw", "app_update.bin", len(data) if size is None else size, mode
    )
    result = parse_result(port.lines[-1])
    assert result == core.result
    return result


def test_library_is_built_once_and_cached(lib):
    first = core_lib.build_library()
    stamp = first.stat().st_mtime_ns
    assert core_lib.build_library() == first
    assert first.stat().st_mtime_ns == stamp
    assert first.parent == core_lib.cache_dir()
    assert core_lib.load() is lib


def test_every_chunk_size_writes_the_same_slot(lib):
    data = image(2000)
    core, port = make_core(lib)
    for chunk in range(1, 709):
        port.chunk = chunk
        result = download(core, port, data)
        assert result == DownloadResult(226, 0, 2000), chunk
        assert bytes(port.slot[:2000]) == data, chunk
        assert port.calls[-2:] == ["done(True)", "close"]


@pytest.mark.parametrize(("first", "writes"), [(1, 3), (31, 3), (32, 2), (33, 3), (708, 3)])
def test_first_chunk_around_byte_32(lib, first, writes):
    core, port = make_core(lib, first_chunk=first, chunk=968)
    assert download(core, port, image(1000)) == DownloadResult(226, 0, 1000)
    assert port.writes == writes
    assert bytes(port.slot[:1000]) == image(1000)


def test_file_shorter_than_32_bytes_writes_nothing(lib):
    core, port = make_core(lib)
    assert download(core, port, image(20)) == DownloadResult(226, -ENOTSUP, 20)
    assert "init" not in port.calls and port.writes == 0
    assert not any(call.startswith("done") for call in port.calls)


def test_announced_size_over_the_slot_is_efbig(lib):
    core, port = make_core(lib)
    assert download(core, port, image(3000), size=SLOT + 1) == DownloadResult(226, -EFBIG, 3000)
    assert port.writes == 0 and "done(False)" not in port.calls


def test_overflowing_the_slot_is_enomem_and_aborts(lib):
    core, port = make_core(lib)
    assert download(core, port, image(SLOT + 100), size=100) == DownloadResult(
        226, -ENOMEM, SLOT + 100
    )
    assert "done(False)" in port.calls


def test_error_mid_stream_ignores_later_data_but_counts_it(lib):
    core, port = make_core(lib, fail_write_at=3)
    assert download(core, port, image(5000), mode="default") == DownloadResult(226, -EIO, 5000)
    assert port.writes == 3
    assert "done(False)" in port.calls and not any("type" in c for c in port.calls)


def test_reset_between_downloads_restarts_at_offset_zero(lib):
    core, port = make_core(lib)
    download(core, port, image(6000, seed=1), mode="ascii")
    assert download(core, port, image(3000, seed=2)) == DownloadResult(226, 0, 3000)
    assert port.calls.count("reset") == 2 and port.offset == 3000
    assert bytes(port.slot[:3000]) == image(3000, seed=2)
    assert [c for c in port.calls if c.startswith("type")] == ["type(False)", "type(True)"]


def test_ftp_failure_reports_the_reply_code(lib):
    core, port = make_core(lib, login_rc=530)
    assert download(core, port, image(100)) == DownloadResult(530, 0, 0)
    core, port = make_core(lib, get_rc=451)
    assert download(core, port, image(3000)) == DownloadResult(451, 0, 3000)
    assert "done(False)" in port.calls


def test_bad_arguments_print_an_error_line(lib):
    core, port = make_core(lib)
    assert core.get("h", "70000", "u", "p", "f", "10", "binary") == -22
    assert core.get("h", "21", "u", "p", "f", "010", "binary") == -22
    assert core.get("h", "21", "u", "p", "f", "10", "ebcdic") == -22
    assert core.get("h", "21", "u", "p", "x" * 121, "10", "binary") == -22
    assert port.lines == [
        "FTPDFU_ERROR bad argument in: 70000 10 binary",
        "FTPDFU_ERROR bad argument in: 21 010 binary",
        "FTPDFU_ERROR bad argument in: 21 10 ebcdic",
        "FTPDFU_ERROR path too long for ftp_client",
    ]
    assert port.calls == []


def test_other_commands_and_control_lines(lib):
    core, port = make_core(lib)
    core.ready()
    core.version()
    assert core.schedule() == -EACCES  # after boot dfu_target has no current target
    assert core.confirm() == 0
    core.on_ctrl("220 pyftpdlib ready.\r\n\r\n150 File ok.\r\n226 Transfer complete.\r\n")
    assert port.lines == [
        "FTPDFU_READY version=1.0.0+0 flavour=seed",
        "FTPDFU_VERSION 1.0.0+0",
        f"FTPDFU_SCHEDULE rc={-EACCES}",
        "FTPDFU_CONFIRM rc=0",
        "FTPCTRL 220 pyftpdlib ready.",
        "FTPCTRL 150 File ok.",
        "FTPCTRL 226 Transfer complete.",
    ]


def test_data_outside_a_download_is_ignored(lib):
    core, port = make_core(lib)
    core.on_data(image(100))
    assert port.writes == 0 and "init" not in port.calls


def test_a_python_error_in_the_port_is_raised_after_the_command(lib):
    class Broken(FakePort):
        def dfu_write(self, data: bytes) -> int:
            raise RuntimeError("model bug")

    port = Broken()
    port.core = core = core_lib.FtpDfuCore(port, "1.0.0+0", lib)
    with pytest.raises(RuntimeError, match="model bug"):
        download(core, port, image(100))
    assert port.lines[-1] == f"FTPDFU_RESULT ftp=226 dfu={-EIO} rx=100 late=0"


def test_without_a_compiler_the_core_is_unavailable(monkeypatch):
    monkeypatch.setenv("CC", "")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(core_lib.CoreUnavailable, match="no C compiler"):
        core_lib.build_library()


def test_the_simulator_can_keep_its_python_model(monkeypatch):
    monkeypatch.setenv(core_lib.SIM_CORE_ENV, "python")
    port = core_port.SimPort(None, print, lambda d, c: None, lambda head: 0)
    assert core_port.attach_c_core(port, "1.0.0+0") is None
    assert port.core is None


# --- late data and the hardened flavour, on the C core and on its Python model alike ---


@pytest.fixture(params=["c", "python"])
def build(request):
    """``build(hardened=..., **port)`` -> (core, port) for the C core or the Python model."""

    def make(hardened: bool = False, port_class: type[FakePort] = FakePort, **kwargs):
        port = port_class(**kwargs)
        if request.param == "c":
            try:
                port.core = core_lib.FtpDfuCore(port, "1.0.0+0", core_lib.load(), hardened)
            except core_lib.CoreUnavailable as exc:
                pytest.skip(str(exc))
        else:
            port.core = CoreModel(port, "1.0.0+0", hardened=hardened)
        return port.core, port

    return make


@dataclasses.dataclass
class LatePort(FakePort):
    """ftp_get() that returns 451 while its data task (a real thread) keeps delivering, as the
    NCS v2.6.0 ftp_client does on any end but 226 (ftp_client.c l.377). dfu_target_done()
    takes flash time, during which the data task runs on."""

    chunks: int = 40
    in_time: int = 3
    task: threading.Thread | None = None
    delivered: threading.Semaphore = dataclasses.field(default_factory=threading.Semaphore)
    done_seen: bool = False
    writes_after_done: int = 0

    def ftp_get(self, path: str) -> int:
        self.task = threading.Thread(target=self._deliver, daemon=True)
        self.task.start()
        for _ in range(self.in_time):
            self.delivered.acquire()
        return 451

    def _deliver(self) -> None:
        for index in range(self.chunks):
            self.core.on_data(self.file[index * 300 : index * 300 + 300])
            self.delivered.release()

    def dfu_write(self, data: bytes) -> int:
        time.sleep(0.001)  # a write the data task started may still run when the shell ends
        self.writes_after_done += self.done_seen
        return super().dfu_write(data)

    def dfu_done(self, successful: bool) -> int:
        self.done_seen = True
        self.delivered.acquire(timeout=5)  # the data task delivers meanwhile
        return super().dfu_done(successful)


def test_late_data_never_reaches_flash_and_is_counted(build):
    for _ in range(5):
        core, port = build(port_class=LatePort, file=image(12_000))
        core.get("192.0.2.2", 21, "user", "pw", "app_update.bin", 12_000, "binary")
        port.task.join(10)
        result = core.result
        assert result.ftp == 451 and port.calls[-2:] == ["done(False)", "close"]
        assert port.writes_after_done == 0
        state, late, calls = core.data_state
        assert state == 2 and result.rx + late == 12_000 and calls == 40 - result.rx // 300
        assert port.offset <= result.rx and late >= result.late
        core.status()
        assert port.lines[-1] == f"FTPDFU_STATUS flavour=seed last=failed late={late} calls={calls}"


@pytest.mark.parametrize(
    ("data", "announced", "dfu", "written"),
    [
        (image(5000), 4000, -EMSGSIZE, 4000),  # ASCII mode grew the file past its size
        (image(3000), 5000, -EMSGSIZE, 3000),  # truncated, yet the server said 226
        (image(5000), 5000, 0, 5000),
    ],
    ids=["grown", "truncated", "exact"],
)
def test_hardened_compares_rx_with_the_announced_size(build, data, announced, dfu, written):
    core, port = build(hardened=True)
    result = download(core, port, data, size=announced, mode="default")
    assert (result.ftp, result.dfu, result.rx) == (226, dfu, len(data))
    assert result.size_mismatch is (dfu != 0)
    assert port.calls[-2] == f"done({dfu == 0})"
    assert port.offset == written and bytes(port.slot[:written]) == data[:written]
    rc = core.schedule()
    if dfu:
        assert rc == -EPERM and port.lines[-1].endswith("refused: last download size-mismatch")
    else:
        assert rc == 0 and port.lines[-1] == "FTPDFU_SCHEDULE rc=0"


def test_hardened_schedule_needs_a_good_last_download(build):
    core, port = build(hardened=True)
    assert core.schedule() == -EPERM
    assert port.lines[-1] == "FTPDFU_SCHEDULE rc=-1 refused: last download none"
    port.get_rc = 426
    download(core, port, image(5000))
    assert core.schedule() == -EPERM and port.lines[-1].endswith("last download failed")
    core.ready()
    assert port.lines[-1] == "FTPDFU_READY version=1.0.0+0 flavour=hardened"


def test_seed_accepts_a_grown_file_and_schedules_what_dfu_target_allows(build):
    core, port = build()
    result = download(core, port, image(5000), size=4000, mode="default")
    assert result.ok and port.offset == 5000
    assert core.schedule() == 0
    core, port = build()
    assert core.schedule() == -EACCES  # no download since boot: dfu_target has no target
