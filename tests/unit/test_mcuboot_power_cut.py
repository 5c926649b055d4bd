"""Power lost during a swap-using-move: the next boot completes the swap from the status area.

Real MCUboot v2.0.99-ncs1 resumed at every point tried across a whole swap; so must the model.
A cut after N flash operations (writes and erases as MCUboot issues them), then a normal boot:
the right image runs, both images are still there, and both slots hold exactly what an
uninterrupted boot leaves (one documented exception: the fixup_revert window, where the real
code completes a revert as a permanent swap).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from hil.image.header import ImageHeader
from hil.image.keys import KeyType, generate_key, load_public_key
from hil.image.signing import make_test_payload, sign_image
from hil.mcuboot.bootloader import BootloaderConfig, Mcuboot
from hil.mcuboot.trailer import TrailerLayout, request_upgrade
from hil.sim.flash import FlashArea, FlashDevice, nrf5340_internal_flash

SLOT = 0x78000
LAYOUT = TrailerLayout(SLOT)
HEAD = ["I: Starting bootloader"]
TAIL = ["I: Bootloader chainload address offset: 0xc000", "I: Jumping to the first image slot"]
RESUMED_TEST = [
    *HEAD,
    "I: Primary image: magic=good, swap_type=0x2, copy_done=0x3, image_ok=0x3",
    "I: Secondary image: magic=unset, swap_type=0x1, copy_done=0x3, image_ok=0x3",
    "I: Boot source: primary slot",
    "I: Starting swap using move algorithm.",
    *TAIL,
]


@dataclass
class Op:
    kind: str
    area: str
    off: int
    length: int


@dataclass
class Recorded(FlashArea):
    """A flash area that notes every write and erase MCUboot issues (not the test's own)."""

    trace: list[Op] = field(default_factory=list)
    recording: bool = False

    def write(self, off: int, data: bytes) -> None:
        if self.recording:
            self.trace.append(Op("write", self.label, off, len(data)))
        super().write(off, data)

    def erase(self, off: int, length: int) -> None:
        if self.recording:
            self.trace.append(Op("erase", self.label, off, length))
        super().erase(off, length)


@dataclass
class Rig:
    device: FlashDevice
    primary: Recorded
    secondary: Recorded
    mcuboot: Mcuboot

    def snapshot(self) -> bytes:
        return self.device.read(0, self.device.size)

    def trace_boot(self) -> list[Op]:
        """The operations of one uninterrupted boot (the flash is restored afterwards)."""
        before = self.snapshot()
        trace: list[Op] = []
        for area in (self.primary, self.secondary):
            area.trace, area.recording = trace, True
        result = self.mcuboot.boot()
        for area in (self.primary, self.secondary):
            area.recording = False
        self.device.load(0, before)
        assert len(trace) == result.flash_ops
        return trace

    def version(self, area: FlashArea) -> str:
        return str(ImageHeader.parse(area.read(0, 32)).version)


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    key = generate_key(tmp_path_factory.mktemp("k") / "rsa.pem", KeyType.RSA2048)
    return {
        "keys": (load_public_key(key),),
        # the measured swap: a 150000-byte app, 37 sectors, 672 flash operations
        "old": sign_image(make_test_payload(150_000, seed=1), key, "1.0.0"),
        "new": sign_image(make_test_payload(90_000, seed=2), key, "2.0.0"),
        "small_old": sign_image(make_test_payload(30_000, seed=3), key, "1.1.0"),
        "small_new": sign_image(make_test_payload(20_000, seed=4), key, "2.1.0"),
    }


def _rig(kit, old: bytes, new: bytes, permanent: bool = False) -> Rig:
    device = nrf5340_internal_flash()
    primary = Recorded(device, 0xC000, SLOT, "primary")
    secondary = Recorded(device, 0x84000, SLOT, "secondary")
    device.load(0xC000, old)
    secondary.write(0, new + b"\xff" * (-len(new) % 4))
    assert request_upgrade(secondary, LAYOUT, permanent=permanent) == 0
    mcuboot = Mcuboot(BootloaderConfig(keys=kit["keys"]), primary, secondary, 0xC000)
    return Rig(device, primary, secondary, mcuboot)


def _status_writes(trace: list[Op]) -> list[int]:
    """Indices of the progress-byte writes: the step boundaries of the swap."""
    return [
        i
        for i, op in enumerate(trace)
        if op.kind == "write"
        and op.area == "primary"
        and LAYOUT.status_off <= op.off < LAYOUT.status_off + LAYOUT.status_size
    ]


def _cut_points(trace: list[Op], stride: int | None) -> list[int]:
    """Every point, or a stride plus the boundaries: the trailer set-up at the start, the first
    and last progress byte of the move and of the swap phase (cut just before and just after
    each), the flag writes at the end. The small swaps are swept at every point."""
    total = len(trace)
    if stride is None:
        return list(range(total))
    points = set(range(0, total, stride)) | set(range(12)) | set(range(total - 4, total))
    status = _status_writes(trace)
    moves = [i for i in status if trace[i].off < LAYOUT.status_off + LAYOUT.max_img_sectors * 4]
    swaps = [i for i in status if i not in moves]
    for i in (moves[0], moves[-1], swaps[0], swaps[1], swaps[-2], swaps[-1]):
        points |= {i, i + 1}
    return sorted(p for p in points if 0 <= p < total)


def _sweep(rig: Rig, stride: int | None) -> tuple[bytes, dict[int, tuple[bytes, object]]]:
    """Reference slots after an uninterrupted boot, and per cut point the slots and the
    result of the boot after the cut."""
    start = rig.snapshot()
    trace = rig.trace_boot()
    reference = rig.mcuboot.boot()
    assert reference.booted and not reference.power_lost
    expected = rig.snapshot()
    outcomes = {}
    for n in _cut_points(trace, stride):
        rig.device.load(0, start)
        cut = rig.mcuboot.boot(power_cut_after=n)
        assert cut.power_lost and cut.flash_ops == n and not cut.booted
        assert "I: Jumping to the first image slot" not in cut.lines
        after = rig.mcuboot.boot()
        outcomes[n] = (rig.snapshot(), after)
    rig.device.load(0, start)
    return expected, outcomes


def _differ(a: bytes, b: bytes, page: int = 0x1000) -> list[int]:
    """Offsets where ``a`` and ``b`` differ (compared a page at a time)."""
    return [
        i
        for base in range(0, len(a), page)
        if a[base : base + page] != b[base : base + page]
        for i in range(base, base + page)
        if a[i] != b[i]
    ]


def _assert_recovered(rig: Rig, expected: bytes, outcomes, version: str, allowed=()) -> None:
    for n, (flash, after) in outcomes.items():
        assert after.booted, (n, after.lines)
        rig.device.load(0, flash)
        assert rig.version(rig.primary) == version, n
        if n in allowed:
            continue
        assert flash == expected, f"slots differ from an uninterrupted boot after a cut at {n}"


@pytest.mark.parametrize(("old", "new", "stride"), [("small_old", "small_new", None),
                                                     ("old", "new", 29)])
def test_a_test_swap_survives_a_cut_at_any_point(kit, old, new, stride):
    rig = _rig(kit, kit[old], kit[new])
    trace = rig.trace_boot()
    expected, outcomes = _sweep(rig, stride)
    new_version = str(ImageHeader.parse(kit[new][:32]).version)
    _assert_recovered(rig, expected, outcomes, new_version)
    # nothing lost: the old image is whole in the secondary, ready for the revert
    rig.device.load(0, expected)
    assert rig.secondary.read(0, len(kit[old])) == kit[old]
    if stride is not None:
        assert len(trace) == 672  # the measured swap: "about 670 flash operations"


def test_the_resumed_boot_prints_what_the_target_prints(kit):
    rig = _rig(kit, kit["small_old"], kit["small_new"])
    trace = rig.trace_boot()
    first_status = _status_writes(trace)[0]
    start = rig.snapshot()
    # ops 0-3: primary trailer erased, swap_info, swap_size, magic; op 4: secondary trailer
    expectations = {
        2: ("none", False),  # primary magic not written: a fresh swap
        4: ("none", False),  # secondary trailer still good: a fresh swap (test)
        first_status: ("primary", False),  # status area set up, no progress: swap from start
        first_status + 1: ("primary", True),  # progress recorded: resumed
        len(trace) - 2: ("primary", True),  # last progress byte missing
    }
    for n, (source, resumed) in expectations.items():
        rig.device.load(0, start)
        rig.mcuboot.boot(power_cut_after=n)
        after = rig.mcuboot.boot()
        assert after.resumed is resumed, n
        if source == "primary":
            assert after.lines == RESUMED_TEST, (n, after.lines)
        else:
            assert "I: Boot source: none" in after.lines
            assert "I: Image index: 0, Swap type: test" in after.lines, (n, after.lines)
    rig.device.load(0, start)
    # a cut after the progress byte of the last step: only copy_done is missing
    rig.mcuboot.boot(power_cut_after=len(trace) - 1)
    assert rig.mcuboot.boot().lines == RESUMED_TEST


@pytest.mark.parametrize(("old", "new", "stride"), [("small_old", "small_new", None),
                                                     ("old", "new", 31)])
def test_a_revert_survives_a_cut_at_any_point(kit, old, new, stride):
    rig = _rig(kit, kit[old], kit[new])
    assert rig.mcuboot.boot().swapped  # test swap, never confirmed: the next boot reverts
    trace = rig.trace_boot()
    # fixup_revert gives the secondary a trailer (magic last), then the swap starts over the
    # primary trailer; until the secondary trailer is erased again, the next boot sees a
    # secondary with magic good and image_ok set: a permanent swap of the same image.
    magic_write = next(
        i for i, op in enumerate(trace) if op.area == "secondary" and op.off == SLOT - 16
    )
    trailer_erased = next(
        i for i, op in enumerate(trace)
        if i > magic_write and op.kind == "erase" and op.area == "secondary"
    )
    window = set(range(magic_write + 1, trailer_erased + 1))
    expected, outcomes = _sweep(rig, stride)
    old_version = str(ImageHeader.parse(kit[old][:32]).version)
    _assert_recovered(rig, expected, outcomes, old_version, allowed=window)
    swap_info = 0xC000 + LAYOUT.swap_info_off
    for n in window & set(outcomes):
        flash, after = outcomes[n]
        assert "I: Image index: 0, Swap type: perm" in after.lines
        assert _differ(flash, expected) == [swap_info]
        assert (flash[swap_info], expected[swap_info]) == (3, 4)  # perm, not revert
    rig.device.load(0, expected)
    assert rig.secondary.read(0, len(kit[new])) == kit[new]
