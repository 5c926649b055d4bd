"""MCUboot boots on simulated nRF5340 flash laid out like NCS v2.6.0 (0x78000 slots)."""

from dataclasses import dataclass

import pytest

from hil.image.keys import KeyType, generate_key, load_public_key
from hil.image.signing import make_test_payload, sign_image
from hil.mcuboot.bootloader import BootloaderConfig, Mcuboot
from hil.mcuboot.trailer import (
    Flag,
    MagicState,
    SwapType,
    TrailerLayout,
    confirm_image,
    read_swap_size,
    read_swap_state,
    request_upgrade,
)
from hil.sim.flash import FlashArea, FlashDevice, nrf5340_internal_flash

SLOT = 0x78000
SECTOR = 0x1000
LAYOUT = TrailerLayout(SLOT)
HEAD = ["I: Starting bootloader"]
TAIL = ["I: Bootloader chainload address offset: 0xc000", "I: Jumping to the first image slot"]
UNSET = "magic=unset, swap_type=0x1, copy_done=0x3, image_ok=0x3"
SCHEDULED = "magic=good, swap_type=0x2, copy_done=0x3, image_ok=0x3"


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    key_path = generate_key(tmp_path_factory.mktemp("k") / "rsa.pem", KeyType.RSA2048)
    old = sign_image(make_test_payload(150_000, seed=1), key_path, "1.0.0")
    new = sign_image(make_test_payload(90_000, seed=2), key_path, "2.0.0")
    # tlv_end in (0x76000, 0x77000]: passes validation, too big to swap with a move
    big = sign_image(make_test_payload(0x76900, seed=3), key_path, "3.0.0")
    return {"keys": (load_public_key(key_path),), "old": old, "new": new, "big": big}


@dataclass
class Board:
    device: FlashDevice
    primary: FlashArea
    secondary: FlashArea
    mcuboot: Mcuboot

    def download(self, image: bytes, schedule: bool = True, permanent: bool = False) -> None:
        """What the app does: write the image (padded to the write block), then schedule."""
        self.secondary.write(0, image + b"\xff" * (-len(image) % 4))
        if schedule:
            assert request_upgrade(self.secondary, LAYOUT, permanent=permanent) == 0


@pytest.fixture
def board(kit):
    device = nrf5340_internal_flash()
    primary = FlashArea(device, 0xC000, SLOT, "mcuboot_primary")
    secondary = FlashArea(device, 0x84000, SLOT, "mcuboot_secondary")
    device.load(0xC000, kit["old"])
    mcuboot = Mcuboot(BootloaderConfig(keys=kit["keys"]), primary, secondary, 0xC000)
    return Board(device, primary, secondary, mcuboot)


def _state_lines(primary: str, secondary: str, swap_type: str) -> list[str]:
    return [
        f"I: Primary image: {primary}",
        f"I: Secondary image: {secondary}",
        "I: Boot source: none",
        f"I: Image index: 0, Swap type: {swap_type}",
    ]


def test_nothing_scheduled_boots_the_primary_without_validating_the_secondary(board, kit):
    board.download(kit["new"].replace(b"\n", b"\r\n"), schedule=False)
    before = board.secondary.contents()
    result = board.mcuboot.boot()
    assert result.lines == HEAD + _state_lines(UNSET, UNSET, "none") + TAIL
    assert result.booted and result.swap_type is SwapType.NONE
    assert result.secondary_verdict is None
    assert result.primary_verdict.ok
    assert board.secondary.contents() == before


def test_corrupted_image_is_rejected_and_the_whole_secondary_erased(board, kit):
    board.download(kit["new"].replace(b"\n", b"\r\n"))
    result = board.mcuboot.boot()
    assert result.lines == (
        HEAD
        + _state_lines(UNSET, SCHEDULED, "test")
        + ["E: Image in the secondary slot is not valid!"]
        + TAIL
    )
    assert result.swap_type is SwapType.NONE and result.booted and not result.swapped
    assert result.secondary_verdict.reason.startswith("TLV info magic at 0x")
    assert board.secondary.contents() == b"\xff" * SLOT
    assert board.primary.read(0, len(kit["old"])) == kit["old"]
    again = board.mcuboot.boot()
    assert again.lines == HEAD + _state_lines(UNSET, UNSET, "none") + TAIL


def test_valid_image_is_swapped_then_reverted_when_not_confirmed(board, kit):
    old, new = kit["old"], kit["new"]
    old_primary = board.primary.contents()
    board.download(new)
    result = board.mcuboot.boot()
    assert result.lines == (
        HEAD + _state_lines(UNSET, SCHEDULED, "test") + ["I: Starting swap using move algorithm."]
        + TAIL
    )  # fmt: skip
    assert result.swapped and result.swap_type is SwapType.TEST and result.booted
    assert result.secondary_verdict.ok and result.primary_verdict.ok
    n = -(-len(old) // SECTOR)  # the larger image decides how many sectors move
    assert board.primary.read(0, n * SECTOR) == board_image(new, n)
    assert board.secondary.read(0, n * SECTOR) == old_primary[: n * SECTOR]
    # the moved-up copy of the old primary's last image sector stays one sector higher
    assert board.primary.read(n * SECTOR, SECTOR) == old_primary[(n - 1) * SECTOR : n * SECTOR]
    primary_state = read_swap_state(board.primary, LAYOUT)
    assert primary_state.describe() == "magic=good, swap_type=0x2, copy_done=0x1, image_ok=0x3"
    assert read_swap_size(board.primary, LAYOUT) == len(old)
    assert read_swap_state(board.secondary, LAYOUT).magic is MagicState.UNSET
    assert board.secondary.read(SLOT - SECTOR, SECTOR) == b"\xff" * SECTOR

    revert = board.mcuboot.boot()
    assert revert.lines == (
        HEAD
        + _state_lines("magic=good, swap_type=0x2, copy_done=0x1, image_ok=0x3", UNSET, "revert")
        + ["I: Starting swap using move algorithm.", f"I: Secondary image: {UNSET}"]
        + TAIL
    )
    assert revert.swap_type is SwapType.REVERT and revert.swapped
    assert board.primary.read(0, len(old)) == old
    assert board.secondary.read(0, len(new)) == new
    settled = board.mcuboot.boot()
    assert settled.lines == (
        HEAD + _state_lines("magic=good, swap_type=0x4, copy_done=0x1, image_ok=0x1", UNSET, "none")
        + TAIL
    )  # fmt: skip


def board_image(image: bytes, sectors: int) -> bytes:
    return image + b"\xff" * (sectors * SECTOR - len(image))


def test_confirmed_image_stays(board, kit):
    board.download(kit["new"])
    board.mcuboot.boot()
    assert confirm_image(board.primary, LAYOUT) == 0
    result = board.mcuboot.boot()
    good = "magic=good, swap_type=0x2, copy_done=0x1, image_ok=0x1"
    assert result.lines == HEAD + _state_lines(good, UNSET, "none") + TAIL
    assert board.primary.read(0, len(kit["new"])) == kit["new"]


def test_permanent_upgrade_sets_image_ok(board, kit):
    board.download(kit["new"], permanent=True)
    result = board.mcuboot.boot()
    perm = "magic=good, swap_type=0x3, copy_done=0x3, image_ok=0x1"
    assert result.lines[1:5] == _state_lines(UNSET, perm, "perm")
    state = read_swap_state(board.primary, LAYOUT)
    assert (state.swap_type, state.copy_done, state.image_ok) == (SwapType.PERM, Flag.SET, Flag.SET)
    assert board.mcuboot.boot().swap_type is SwapType.NONE


def test_erased_header_only_loses_the_trailer(board, kit):
    board.secondary.write(0x2000, b"\x00" * 16)  # left-over data, header still erased
    assert request_upgrade(board.secondary, LAYOUT) == 0
    result = board.mcuboot.boot()
    assert result.lines == HEAD + _state_lines(UNSET, SCHEDULED, "test") + TAIL
    assert result.swap_type is SwapType.NONE
    assert board.secondary.read(0x2000, 16) == b"\x00" * 16
    assert board.secondary.read(SLOT - SECTOR, SECTOR) == b"\xff" * SECTOR
    assert result.secondary_verdict.reason == "no bootable image: header magic is erased"


def test_too_big_image_is_refused_by_the_move_swap(board, kit):
    big = kit["big"]
    assert 0x76000 < len(big) <= 0x77000
    board.download(big)
    result = board.mcuboot.boot()
    assert result.secondary_verdict.ok
    assert result.lines == (
        HEAD
        + _state_lines(UNSET, SCHEDULED, "test")
        + [
            "I: Starting swap using move algorithm.",
            "W: Not enough free space to run swap upgrade",
            "W: required 491520 bytes but only 487424 are available",
        ]
        + TAIL
    )
    assert not result.swapped and result.booted
    assert board.secondary.read(0, len(big)) == big
    assert board.primary.read(0, len(kit["old"])) == kit["old"]
    # boot_perform_update still marks copy_done in the primary for the TEST swap type
    assert read_swap_state(board.primary, LAYOUT).copy_done is Flag.SET


def test_image_past_the_max_image_size_is_invalid(board, kit, tmp_path):
    key = tmp_path / "k.pem"
    generate_key(key, KeyType.ED25519)
    huge = sign_image(make_test_payload(0x77000 - 0x200, seed=4), key, "4.0.0")
    mcuboot = Mcuboot(
        BootloaderConfig(keys=(load_public_key(key),)), board.primary, board.secondary, 0xC000
    )
    board.download(huge)
    result = mcuboot.boot()
    assert "E: Image in the secondary slot is not valid!" in result.lines
    assert "past the maximum image size 0x77000" in result.secondary_verdict.reason


def test_invalid_primary_does_not_boot(board, kit):
    board.device.load(0xC000 + 0x300, b"\x00")
    before = board.primary.contents()
    result = board.mcuboot.boot()
    assert result.lines == (
        HEAD
        + _state_lines(UNSET, UNSET, "none")
        + ["E: Image in the primary slot is not valid!", "E: Unable to find bootable image"]
    )
    assert not result.booted
    assert result.primary_verdict.reason == "image hash does not match the SHA256 TLV"
    assert board.primary.contents() == before


def test_erased_primary_gives_no_upgrade_and_no_boot(board, kit):
    board.primary.erase_all()
    board.download(kit["new"])
    result = board.mcuboot.boot()
    assert result.lines == [
        *HEAD,
        f"I: Primary image: {UNSET}",
        f"I: Secondary image: {SCHEDULED}",
        "I: Boot source: none",
        "W: Failed reading image headers; Image=0",
        "E: Unable to find bootable image",
    ]
    assert not result.booted and not result.swapped


def test_too_few_img_sectors(board, kit):
    small = Mcuboot(
        BootloaderConfig(keys=kit["keys"], max_img_sectors=64),
        board.primary,
        board.secondary,
        0xC000,
    )
    result = small.boot()
    assert result.lines == [
        *HEAD,
        "W: Failed reading sectors; BOOT_MAX_IMG_SECTORS=64 - too small?",
        "E: Image in the primary slot is not valid!",
        "E: Unable to find bootable image",
    ]
