"""Reading MCUboot's decision back from a boot log, in minimal and full log form."""

from hil.dut.bootlog import BootDecision, BootLog

REJECTED = """I: Starting bootloader
I: Primary image: magic=unset, swap_type=0x1, copy_done=0x3, image_ok=0x3
I: Secondary image: magic=good, swap_type=0x2, copy_done=0x3, image_ok=0x3
I: Boot source: none
I: Image index: 0, Swap type: test
E: Image in the secondary slot is not valid!
I: Bootloader chainload address offset: 0xc000
I: Jumping to the first image slot
*** Booting nRF Connect SDK v3.5.99-ncs1 ***
FTPDFU_READY version=1.0.0+0"""

FULL_FORM = """[00:00:00.253,540] <inf> mcuboot: Image index: 0, Swap type: test
[00:00:09.110,473] <err> mcuboot: Image in the secondary slot is not valid!"""


def boot(text: str) -> BootLog:
    return BootLog(tuple(text.splitlines()))


def test_rejected_boot():
    log = boot(REJECTED)
    assert log.decision is BootDecision.REJECTED
    assert log.swap_type == "test"
    assert log.app_version == "1.0.0+0"
    assert len(log.mcuboot_lines) == 8


def test_full_log_form_is_understood():
    assert boot(FULL_FORM).decision is BootDecision.REJECTED


def test_swap_revert_and_no_upgrade():
    swapped = REJECTED.replace(
        "E: Image in the secondary slot is not valid!", "I: Starting swap using move algorithm."
    )
    assert boot(swapped).decision is BootDecision.SWAPPED
    reverted = swapped.replace("Swap type: test", "Swap type: revert")
    assert boot(reverted).decision is BootDecision.REVERTED
    none = "I: Starting bootloader\nI: Image index: 0, Swap type: none\nFTPDFU_READY version=1"
    assert boot(none).decision is BootDecision.NO_UPGRADE


def test_no_decision_without_a_swap_type_line():
    log = boot("*** Booting nRF Connect SDK v3.5.99-ncs1 ***\nFTPDFU_READY version=1.0.0+0")
    assert log.decision is None and log.booted


REFUSED = """I: Starting bootloader
I: Primary image: magic=unset, swap_type=0x1, copy_done=0x3, image_ok=0x3
I: Secondary image: magic=good, swap_type=0x2, copy_done=0x3, image_ok=0x3
I: Boot source: none
I: Image index: 0, Swap type: test
I: Starting swap using move algorithm.
W: Not enough free space to run swap upgrade
W: required 491520 bytes but only 487424 are available
I: Bootloader chainload address offset: 0xc000
I: Jumping to the first image slot
FTPDFU_READY version=1.0.0+0"""

RESUMED = """I: Starting bootloader
I: Primary image: magic=good, swap_type=0x2, copy_done=0x3, image_ok=0x3
I: Secondary image: magic=unset, swap_type=0x1, copy_done=0x3, image_ok=0x3
I: Boot source: primary slot
I: Starting swap using move algorithm.
I: Bootloader chainload address offset: 0xc000
I: Jumping to the first image slot
FTPDFU_READY version=2.0.0+0"""


def test_a_refused_swap_is_not_read_as_swapped():
    """swap_run logs "Starting swap" before it refuses: the refusal must win."""
    log = boot(REFUSED)
    assert log.decision is BootDecision.SWAP_REFUSED
    assert log.app_version == "1.0.0+0" and log.swap_type == "test"


def test_a_resumed_swap_has_no_swap_type_line():
    assert boot(RESUMED).swap_type is None
    assert boot(RESUMED).decision is BootDecision.RESUMED
    no_swap = RESUMED.replace("I: Starting swap using move algorithm.\n", "")
    assert boot(no_swap).decision is None
