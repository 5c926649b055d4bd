"""One DFU cycle on the simulated DK per image size: does it grow linearly?"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import Row, medians, ms, quiet_pyftpdlib
from hil.dut.factory import create_dut
from hil.ftp.server import FtpServer, FtpServerConfig
from hil.image.signing import SigningParams, make_test_payload, sign_image
from hil.kit import make_sim_kit
from hil.layout import Layout
from hil.protocol import ClientMode
from hil.scenario import run_update

SIZES = (0x10000, 0x40000, 0x76000)  # signed image sizes; 0x76000 is swap-move's largest


def _tlv_overhead(workdir: Path, layout: Layout) -> int:
    kit = make_sim_kit(workdir / "probe", layout, payload_size=4096)
    params = SigningParams(slot_size=layout.slot_size)
    image = sign_image(make_test_payload(4096), kit.key_path, "1.0.0", params)
    return len(image) - 4096


def _cycle(
    stack: contextlib.ExitStack, workdir: Path, layout: Layout, size: int, overhead: int
) -> Callable[[], None]:
    """Provision, binary download over FTP, read slot, validate, schedule, reset (run_update)."""
    kit = make_sim_kit(workdir / f"kit-{size:x}", layout, payload_size=size - overhead)
    assert len(kit.update_image) == size
    root = workdir / f"ftp-{size:x}"
    root.mkdir()
    kit.write_update(root)
    server = stack.enter_context(FtpServer(FtpServerConfig(root=root)))
    dut = create_dut("sim", layout, kit, root)
    stack.callback(dut.close)

    def cycle() -> None:
        evidence = run_update(dut, server, kit.update_name, ClientMode.BINARY, kit.keys)
        assert evidence.verdict.ok and evidence.version_after == kit.new_version, "no swap"

    return cycle


def bench_sim(repeat: int) -> list[Row]:
    quiet_pyftpdlib()
    layout = Layout.builtin("internal")
    with tempfile.TemporaryDirectory(prefix="bench-sim-") as tmp, contextlib.ExitStack() as stack:
        overhead = _tlv_overhead(Path(tmp), layout)
        cycles = [_cycle(stack, Path(tmp), layout, size, overhead) for size in SIZES]
        times = medians(*cycles, repeat=repeat)  # sizes interleaved: load hits all alike
    kib = [size / 1024 for size in SIZES]
    slopes = [(times[i + 1] - times[i]) / (kib[i + 1] - kib[i]) for i in range(len(SIZES) - 1)]
    per_kib = (times[-1] - times[0]) / (kib[-1] - kib[0])
    fixed = times[0] - per_kib * kib[0]
    rows = [
        Row(
            f"sim DFU cycle, {k:g} KiB image",
            ms(t),
            f"{t / k * 1e6:.1f} us/KiB overall",
            "",
            "report",
            None,
        )
        for t, k in zip(times, kib, strict=True)
    ]
    middle = times[0] + per_kib * (kib[1] - kib[0])  # the straight line at 256 KiB
    deviation = abs(times[1] - middle) / times[1]
    rows.append(
        Row(
            "sim DFU cycle: growth (line through 64 KiB and 472 KiB)",
            f"{per_kib * 1e6:.1f} us/KiB + {ms(fixed)} fixed",
            "segment slopes " + " / ".join(f"{s * 1e6:.1f}" for s in slopes) + " us/KiB",
            f"256 KiB point {deviation:.0%} off the line",
            "linear (within 15%)",
            per_kib > 0 and deviation <= 0.15,
        )
    )
    return rows
