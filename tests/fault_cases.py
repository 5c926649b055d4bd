"""Rows of the fault matrix (tests/test_faults.py): a fault, the real client's outcome, checks.

Each row states the real client's outcome (``ftp``, ``dfu``, a check of ``rx``) for a server
or device fault, then that the update stayed safe: nothing scheduled with bad data (the host
schedules only ``ftp=226 dfu=0``, and MCUboot must then reject it), the old image keeps
booting, and, on the hardened firmware, nothing written past the bytes it reported. Timings
are ratios of the device's listen time (10 s on a DK, scaled on the sim). Finally a binary
download from a clean server boots the new image. Rows hold on a real DK unchanged; device
fault rows need the sim.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hil.dut.base import Dut
from hil.dut.bootlog import BootLog
from hil.fixtures_faults import (
    ascii_overflow_image,
)
from hil.ftp import scripted as s
from hil.ftp.faults import (
    DropData,
    FtpFault,
    MissingFile,
    RefuseLogin,
    StallData,
    StopServer,
    Throttle,
    Trickle,
)
from hil.ftp.scripted import ScriptedServer, Turn
from hil.ftp.server import FtpServer
from hil.kit import UpdateKit
from hil.protocol import ClientMode, DownloadResult
from hil.scenario import endpoint_for
from hil.sim.dut import SimDut
from hil.sim.errno import ECONNREFUSED, EFBIG, ENOMEM, ETIMEDOUT
from hil.sim.faults import (
    CtrlBufOverflow,
    PasvPortRace,
    PowerCut,
    SimFault,
    SkipDfuReset,
    download_until_reset,
)
from hil.sim.ftp_client import OVERFLOW_WARNING
from hil.sim.ftp_client.errors import ECONNRESET

OFFSET = 70_001  # mid-image; on no page (4 KiB), 64 KiB or recv (708 B) boundary
PAGE = 0x1000
THROTTLE = Throttle(64 * 1024)  # ThrottledDTPHandler: bursts, then pauses of up to 2 s
THROTTLE_LISTEN = 5.0  # the row needs a listen time well over those pauses (a DK has 10 s)
NONZERO = "nonzero"


@dataclass
class Bench:
    """What a fault needs: the device, the images, servers, and the device's listen time."""

    dut: Dut
    kit: UpdateKit
    serve: Callable[..., FtpServer]
    script: Callable[..., ScriptedServer]
    listen_time: float

    def download(
        self, server: Any, mode: ClientMode = ClientMode.BINARY, size: int | None = None
    ) -> DownloadResult:
        size = len(self.kit.update_image) if size is None else size
        return self.dut.download(endpoint_for(server), self.kit.update_name, size, mode)

    def serve_update(self, *faults: FtpFault, data: bytes | None = None) -> FtpServer:
        image = self.kit.update_image if data is None else data
        return self.serve(files={self.kit.update_name: image}, faults=faults)

    @functools.cached_property
    def overflow_image(self) -> bytes:
        return ascii_overflow_image(self.dut.layout, self.kit.key_path, self.kit.new_version)


@dataclass(frozen=True)
class Outcome:
    """The fault phase: the device's result line, or the boot of a reset that cut it short."""

    result: DownloadResult | None
    boot: BootLog | None = None
    written: int | None = None
    """After a power cut: how much of the image the slot holds (page-aligned prefix)."""
    intact: bool | None = None
    """Whether the image must be whole in the slot, where the run decides (else the row)."""


Check = Callable[[int, Bench], bool]


@dataclass(frozen=True)
class Case:
    id: str
    run: Callable[[Bench], Outcome]
    ftp: int | tuple[int, ...] | None
    """The FTP code the real client returns (alternatives in a tuple); None: reset mid-way."""
    rx: Check
    """Check of the reported byte count (after a power cut: of the image prefix in the slot)."""
    dfu: int | None = 0
    """The seed firmware's dfu code."""
    hardened_dfu: int | str | None = None
    """The hardened firmware's, where it differs (NONZERO: any error)."""
    intact: bool = False
    """The data arrived whole despite the fault: the slot must hold the image."""
    reboot: bool = True
    """Reset before the clean download (False: the clean download follows in the same boot)."""
    device_faults: tuple[SimFault, ...] = ()
    """Faults of the simulated DK; the case is skipped on real hardware."""
    listen_time: float | None = None
    """The least listen time the row assumes (the sim is set to it; a DK has 10 s)."""
    contiguous: bool = True
    """Every write lands at its offset in the image (False when the firmware resumes)."""


def served(*make: FtpFault | Callable[[Bench], FtpFault]) -> Callable[[Bench], Outcome]:
    """Download from a pyftpdlib server with faults (or factories of them); each must fire."""

    def run(bench: Bench) -> Outcome:
        faults = [f if isinstance(f, FtpFault) else f(bench) for f in make]
        server = bench.serve_update(*faults)
        result = bench.download(server)
        for fault in faults:
            if not isinstance(fault, Throttle | Trickle):
                assert any(e.fault == fault for e in server.fault_log.events), f"{fault} idle"
        return Outcome(result)

    return run


def scripted(
    *turns: Turn | Callable[[bytes], list[Turn]],
    check: Callable[[ScriptedServer], None] | None = None,
) -> Callable[[Bench], Outcome]:
    """Download from a scripted server: exactly these bytes per turn (see hil.ftp.scripted)."""

    def run(bench: Bench) -> Outcome:
        image = bench.kit.update_image
        script = [t for turn in turns for t in (turn(image) if callable(turn) else [turn])]
        server = bench.script(script, data_wait=2 * bench.listen_time)
        result = bench.download(server)
        assert not server.mismatches, server.mismatches
        if check is not None:
            check(server)
        return Outcome(result)

    return run


LOGIN = [s.GREETING, s.OPTS, s.USER_OK, s.PASS_OK, s.TYPE_I]


def rest(image: bytes) -> list[Turn]:
    """PASV and a good RETR of the image."""
    return [s.PASV, s.retr(image)]


def sent(command: str) -> Callable[[ScriptedServer], None]:
    def check(server: ScriptedServer) -> None:
        assert command in server.commands, server.commands

    return check


def throttled(bench: Bench) -> Outcome:
    started = time.monotonic()
    outcome = served(THROTTLE)(bench)
    assert time.monotonic() - started > 1.0, "the throttle did not slow the transfer"
    return outcome


def trickle(bench: Bench) -> Trickle:
    """Slow but never silent: a chunk every half listen time, 12 listen times in all."""
    return Trickle(len(bench.kit.update_image) // 24, 0.5 * bench.listen_time)


def truncated_file(bench: Bench) -> Outcome:
    """The server holds a partial upload; the device is told the full size."""
    server = bench.serve_update(data=bench.kit.update_image[:OFFSET])
    return Outcome(bench.download(server))


def announced_too_big(bench: Bench) -> Outcome:
    return Outcome(bench.download(bench.serve_update(), size=bench.dut.layout.slot_size + 1))


def ascii_overflow(bench: Bench) -> Outcome:
    image = bench.overflow_image
    assert len(image) < bench.dut.layout.slot_size
    server = bench.serve_update(data=image)
    return Outcome(bench.download(server, ClientMode.DEFAULT, size=len(image)))


def refused(bench: Bench) -> Outcome:
    """A port where a server was and is no more: connect() is refused."""
    server = bench.script([])
    server.stop()
    return Outcome(bench.download(server))


def power_cut(bench: Bench) -> Outcome:
    assert isinstance(bench.dut, SimDut)
    server = bench.serve_update()
    image = bench.kit.update_image
    boot = download_until_reset(
        bench.dut, endpoint_for(server), bench.kit.update_name, len(image), ClientMode.BINARY
    )
    return Outcome(None, boot, written_prefix(bench.dut.read_slot("secondary"), image))


def written_prefix(slot: bytes, image: bytes) -> int:
    """The page-aligned image prefix the slot holds, everything after it erased; -1 if not."""
    same = next((i for i, (a, b) in enumerate(zip(slot, image, strict=False)) if a != b), 0)
    end = same // PAGE * PAGE
    return end if slot[end:] == b"\xff" * (len(slot) - end) else -1


def warns_overflow(bench: Bench) -> Outcome:
    line = b"220 " + b"x" * (708 - 6) + b"\r\n"  # exactly one recv() buffer
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("hil.sim").addHandler(handler)
    try:
        outcome = scripted(Turn(None, line), *LOGIN[1:], rest)(bench)
    finally:
        logging.getLogger("hil.sim").removeHandler(handler)
    assert any(OVERFLOW_WARNING in r.getMessage() for r in records), "no overflow warning"
    return outcome


def clean_download(bench: Bench) -> Outcome:
    """A good download; the host then resets instead of scheduling."""
    return Outcome(bench.download(bench.serve_update()))


def aborted_then_complete(bench: Bench) -> Outcome:
    """A download dropped mid-way, then a complete one in the same boot."""
    first = bench.download(bench.serve_update(DropData(OFFSET)))
    assert first.ftp == 426 and first.rx <= OFFSET, first
    # Under 32 bytes before the 426 (the data task lagging) nothing started: nothing to resume.
    return Outcome(bench.download(bench.serve_update()), intact=True if first.rx < 32 else None)


def exact(expected: int) -> Check:
    return lambda rx, bench: rx == expected


def at_most(limit: int) -> Check:
    return lambda rx, bench: 0 <= rx <= limit


def whole(rx: int, bench: Bench) -> bool:
    return rx == len(bench.kit.update_image)


def at_most_whole(rx: int, bench: Bench) -> bool:
    return 0 <= rx <= len(bench.kit.update_image)


def part_of_it(rx: int, bench: Bench) -> bool:
    return 0 < rx < len(bench.kit.update_image)


def past_slot(rx: int, bench: Bench) -> bool:
    return rx > bench.dut.layout.slot_size


LONG_GREETING = Turn(None, b"220-FTP-DFU test server.\r\n")
TAIL_226 = Turn("QUIT", b"6 Transfer complete.\r\n221 Bye.\r\n")

CASES = [
    Case("drop-data", served(DropData(OFFSET)), 426, at_most(OFFSET)),
    Case("reset-data", served(DropData(OFFSET, abortive=True)), 426, at_most(OFFSET)),
    Case(
        "stall-until-server-timeout",
        served(lambda b: StallData(OFFSET, data_timeout=0.3 * b.listen_time)),
        421,
        at_most(OFFSET),
    ),
    Case(
        "stall-shorter-than-listen-time",
        served(lambda b: StallData(OFFSET, seconds=0.3 * b.listen_time)),
        226,
        whole,
        intact=True,
    ),
    Case(
        "stall-past-listen-time",  # the data task's poll times out, closes: server says 426
        served(lambda b: StallData(OFFSET, seconds=1.5 * b.listen_time)),
        426,
        exact(OFFSET),
    ),
    Case("slow-moving-transfer", served(trickle), -ETIMEDOUT, part_of_it),
    Case("throttle", throttled, 226, whole, intact=True, listen_time=THROTTLE_LISTEN),
    Case("missing-file", served(MissingFile()), 550, exact(0)),
    Case("refused-login", served(RefuseLogin()), 530, exact(0)),
    Case("connection-refused", refused, -ECONNREFUSED, exact(0)),
    # A FIN on control: recv() 0 gives 0 (Zephyr's poll may report POLLHUP: -ECONNRESET).
    Case("server-stopped", served(StopServer(OFFSET)), (0, -ECONNRESET), at_most(OFFSET)),
    Case(
        "control-reset",
        scripted(*LOGIN, s.PASV, lambda image: [Turn("RETR", s.PRELIMINARY, image, close="rst")]),
        -ECONNRESET,
        at_most_whole,
    ),
    Case("multiline-greeting", scripted(LONG_GREETING, Turn("OPTS", b"220 Hi\r\n")), 500, exact(0)),
    Case(
        "830-byte-greeting",  # its first 708 bytes hold only 220- lines
        scripted(Turn(None, b"220-" + b"w" * 700 + b"\r\n" + b"220 Ready.\r\n" * 10)),
        500,
        exact(0),
    ),
    Case(
        "split-greeting-code", scripted(Turn(None, b"22"), Turn("OPTS", b"0 Hi\r\n")), 500, exact(0)
    ),
    Case(
        "split-greeting-text",  # the greeting's tail is read as the OPTS reply, that as USER's
        scripted(Turn(None, b"220 "), Turn("OPTS", b"Hi\r\n"), Turn("USER", s.OPTS.reply)),
        530,
        exact(0),
    ),
    Case(
        "split-opts-reply",
        scripted(s.GREETING, Turn("OPTS", b"530 Log in wi"), Turn("USER", b"th USER.\r\n")),
        500,
        exact(0),
    ),
    Case(
        "split-user-reply",
        scripted(*LOGIN[:2], Turn("USER", b"331 Pass"), Turn("PASS", b"word please.\r\n")),
        500,
        exact(0),
    ),
    Case(
        "split-multiline-230",
        scripted(*LOGIN[:3], Turn("PASS", b"230-Welcome\r\n"), Turn("TYPE", b"230 OK\r\n")),
        500,
        exact(0),
    ),
    Case(
        "user-answered-230",
        scripted(
            *LOGIN[:2], Turn("USER", b"230 No password.\r\n"), s.TYPE_I, rest, check=sent("QUIT")
        ),
        226,
        whole,
        intact=True,
    ),
    Case(
        "split-pasv",  # RETR still goes; the data task cannot parse the port
        scripted(
            *LOGIN,
            Turn("PASV", b"227 Entering passiv"),
            Turn("RETR", b"e mode {pasv}.\r\n"),
            check=sent("RETR app_update.bin"),
        ),
        500,
        exact(0),
    ),
    Case(
        "split-226",  # ftp_get() returns at "22", the data task runs on
        # No 150 first: a late reader could get "150 ...\r\n22" in one recv() and wait on.
        scripted(*LOGIN, s.PASV, lambda image: [s.retr(image, b"22", reply=b""), TAIL_226]),
        500,
        at_most_whole,
    ),
    Case(
        "150-and-226-in-one-recv",
        scripted(
            *LOGIN, s.PASV, lambda im: [s.retr(im, reply=b"", after=s.PRELIMINARY + s.COMPLETE)]
        ),
        226,
        whole,
        intact=True,
    ),
    Case("truncated-file", truncated_file, 226, exact(OFFSET), hardened_dfu=NONZERO),
    Case("announced-too-big", announced_too_big, 226, whole, dfu=-EFBIG, hardened_dfu=NONZERO),
    Case("ascii-overflow", ascii_overflow, 226, past_slot, dfu=-ENOMEM, hardened_dfu=NONZERO),
    Case("reset-before-schedule", clean_download, 226, whole, intact=True),
    Case(
        "second-download-after-abort", aborted_then_complete, 226, whole, intact=True, reboot=False
    ),
    Case(
        "power-cut-at-page", power_cut, None, exact(PAGE), dfu=None, device_faults=(PowerCut(PAGE),)
    ),
    Case(
        "power-cut",
        power_cut,
        None,
        exact(OFFSET // PAGE * PAGE),
        dfu=None,
        device_faults=(PowerCut(OFFSET),),
    ),
    Case(
        "no-dfu-target-reset",
        aborted_then_complete,
        226,
        whole,
        device_faults=(SkipDfuReset(),),
        contiguous=False,
    ),
    Case(
        "ctrl-buf-overflow",  # the real client works on, one byte past ctrl_buf written
        warns_overflow,
        226,
        whole,
        intact=True,
        device_faults=(CtrlBufOverflow(),),
    ),
    Case(
        "pasv-port-race",  # the port parsed from the 150 reply: no data connection, server 425
        scripted(*LOGIN, rest),
        425,
        exact(0),
        device_faults=(PasvPortRace(),),
    ),
]
