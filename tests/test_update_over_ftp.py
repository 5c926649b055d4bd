"""The update over FTP, end to end, on whichever device ``--dut`` picks, for both firmwares.

ASCII transfers turn each lone LF of the signed image into CRLF. The seed firmware writes the
corrupted image to the secondary slot anyway, and MCUboot rejects it at the next boot. The
hardened firmware sees more bytes arrive than announced, refuses the download and its
scheduling on the device, and MCUboot finds nothing to do. Binary transfers boot on both.

The expected wire bytes are computed here, from RFC 959's ASCII rule as pyftpdlib applies it
per 64 KiB chunk, not taken from the suite's own server code.
"""

from __future__ import annotations

import io
import os
import struct

import pytest
from imgtool import keys as imgtool_keys
from imgtool.image import Image, VerifyResult
from pyftpdlib.handlers.ftp.producers import FileProducer

from hil.dut.bootlog import BootDecision
from hil.errors import HilError
from hil.ftp.policy import TransferPolicy
from hil.kit import UpdateKit
from hil.protocol import EMSGSIZE, EPERM, ClientMode, FirmwareFlavour
from hil.scenario import FirmwareMismatch, UpdateEvidence, run_update

# (client mode, server policy, whether the server translates), stated per case.
CASES = [
    pytest.param(ClientMode.DEFAULT, TransferPolicy.CLIENT, True, id="no-TYPE-server-default"),
    pytest.param(ClientMode.ASCII, TransferPolicy.CLIENT, True, id="TYPE-A"),
    pytest.param(ClientMode.BINARY, TransferPolicy.CLIENT, False, id="TYPE-I"),
    pytest.param(ClientMode.BINARY, TransferPolicy.ASCII, True, id="TYPE-I-server-forces-ascii"),
    pytest.param(
        ClientMode.DEFAULT, TransferPolicy.BINARY, False, id="no-TYPE-server-forces-binary"
    ),
]
CHUNK = 65536  # pyftpdlib's FileProducer.buffer_size: the translation works chunk by chunk
CR, LF = 0x0D, 0x0A


def ascii_wire(data: bytes) -> bytes:
    """TYPE A as pyftpdlib sends it: a CR before each LF not already preceded by one.

    Per chunk: an LF opening a chunk counts as preceded by CR when the previous chunk ended
    in CR, else pyftpdlib looks at the last byte of the same chunk (its index -1 quirk).
    """
    out = bytearray()
    previous_ended_in_cr = False
    for start in range(0, len(data), CHUNK):
        block = data[start : start + CHUNK]
        for index, byte in enumerate(block):
            if byte == LF:
                opening_before = CR if previous_ended_in_cr else block[-1]
                before = block[index - 1] if index else opening_before
                if before != CR:
                    out.append(CR)
            out.append(byte)
        previous_ended_in_cr = block[-1] == CR
    return bytes(out)


def stock_pyftpdlib_ascii(data: bytes) -> bytes:
    """What unmodified pyftpdlib sends for this file in TYPE A on this host."""
    producer = FileProducer(io.BytesIO(data), "a")
    return b"".join(iter(producer.more, b""))


def imgtool_accepts(slot: bytes, key_path, tmp_path) -> bool | None:
    """imgtool's verdict on a slot dump; None when imgtool cannot give one (struct.error)."""
    dump = tmp_path / "slot.bin"
    dump.write_bytes(slot)
    try:
        result = Image.verify(str(dump), imgtool_keys.load(str(key_path)))[0]
    except struct.error:
        return None
    return result == VerifyResult.OK


def test_ascii_rule_written_here_matches_the_rfc_cases():
    assert ascii_wire(b"a\nb\r\nc\rd\r\r\n") == b"a\r\nb\r\nc\rd\r\r\n"
    quirk = b"\n" + b"A" * (CHUNK - 2) + b"\r"  # pyftpdlib: an LF opening a chunk ending in CR
    assert ascii_wire(quirk) == quirk
    split = b"A" * (CHUNK - 1) + b"\r" + b"\n"  # CRLF split across two chunks stays CRLF
    assert ascii_wire(split) == split


@pytest.fixture(params=list(FirmwareFlavour), ids=lambda flavour: f"{flavour}-firmware")
def firmware(request) -> FirmwareFlavour:
    """The firmware flavour the test expects the device to run (``--hil-firmware`` picks one)."""
    wanted = request.config.getoption("--hil-firmware", None)
    if wanted is not None and request.param != wanted:
        pytest.skip(f"--hil-firmware {wanted}")
    return request.param


@pytest.fixture
def update_kit(update_kit: UpdateKit, firmware, hil_options, hil_layout) -> UpdateKit:
    """The session's kit as a build of the ``firmware`` flavour: on the sim it is signed here;
    a bench kit is used as it is, and the device's boot banner says which flavour runs."""
    if hil_options.dut_kind != "sim":
        return update_kit
    from hil.sim.firmware import kit_for_flavour

    try:
        return kit_for_flavour(update_kit, firmware, hil_layout.slot_size)
    except HilError as why:
        pytest.skip(str(why))


@pytest.mark.parametrize(("mode", "policy", "translated"), CASES)
def test_update_over_ftp(
    dut, ftp_server, update_kit, hil_evidence, firmware, mode, policy, translated, tmp_path
):
    flavour = firmware
    image = update_kit.update_image
    assert image.count(b"\n") > image.count(b"\r\n"), "the image must contain lone LF bytes"
    server = ftp_server(files={update_kit.update_name: image}, policy=policy)

    try:
        ev: UpdateEvidence = run_update(
            dut, server, update_kit.update_name, mode, update_kit.keys, firmware=flavour
        )
    except FirmwareMismatch as why:
        if dut.kind == "sim":  # the sim runs the build it was given: a mismatch is a bug
            raise
        pytest.skip(f"{why} (the bench build decides the flavour)")
    except Exception as error:  # a console timeout, a probe error: keep the logs anyway
        hil_evidence.incomplete(error, dut=dut, server=server)
        raise
    hil_evidence(ev, dut=dut, server=server, keys=update_kit.keys)
    wire = ascii_wire(image) if translated else image
    assert ev.firmware is flavour

    # What the server saw: the TYPE the client sent (none by default) and the bytes it sent.
    assert list(ev.type_commands) == ([mode.type_command] if mode.type_command else [])
    assert ev.transfer.completed
    assert ev.transfer.transfer_type == ("a" if translated else "i")
    assert ev.transfer.file_size == len(image)
    assert ev.transfer.bytes_on_wire == len(wire)
    if translated:
        inserted = len(wire) - len(image)
        assert 0 < inserted <= image.count(b"\n") - image.count(b"\r\n")
        assert wire.count(b"\n") == image.count(b"\n") and wire.replace(
            b"\r", b""
        ) == image.replace(b"\r", b"")
        if os.linesep == "\n":  # stock pyftpdlib translates only on POSIX hosts
            assert stock_pyftpdlib_ascii(image) == wire

    # What the device received: exactly the bytes on the wire.
    assert ev.download.ftp == 226 and ev.download.rx == len(wire), ev.download
    assert ev.download.late == 0, ev.download
    refused = translated and flavour is FirmwareFlavour.HARDENED
    slot_size = dut.layout.slot_size
    if refused:
        check_refused_on_the_device(ev, image, slot_size)
        return
    assert ev.download.ok, f"download failed: {ev.download}"
    assert ev.written == wire
    assert ev.schedule_rc == 0

    # Our MCUboot verdict on the slot before the reset, cross-checked with imgtool.
    assert ev.verdict.ok is not translated, ev.verdict.reason
    imgtool_ok = imgtool_accepts(ev.slot_before, update_kit.key_path, tmp_path)
    if imgtool_ok is not None:
        assert imgtool_ok == ev.verdict.ok

    # What MCUboot decided at the reset, and what it left behind.
    assert ev.boot.decision is not None, "no MCUboot decision in the boot log:\n" + ev.boot.text()
    if translated:
        assert ev.boot.decision is BootDecision.REJECTED, ev.boot.text()
        assert any("Image in the secondary slot is not valid!" in line for line in ev.boot.lines)
        assert ev.version_after == update_kit.old_version
        assert ev.slot_after == b"\xff" * slot_size, "MCUboot must erase the rejected slot"
    else:
        assert ev.boot.decision is BootDecision.SWAPPED, ev.boot.text()
        assert any("Starting swap using move algorithm." in line for line in ev.boot.lines)
        assert ev.version_after == update_kit.new_version
        old = update_kit.factory_image
        assert ev.slot_after[: len(old)] == old, "after the swap the secondary holds the old image"
    assert ev.version_before == update_kit.old_version


def check_refused_on_the_device(ev: UpdateEvidence, image: bytes, slot_size: int) -> None:
    """Hardened firmware, ASCII transfer: refused before any reboot, MCUboot has nothing to do."""
    assert ev.download.dfu == -EMSGSIZE and ev.download.size_mismatch, ev.download
    assert not ev.download.ok
    assert ev.slot_before[len(image) :] == b"\xff" * (slot_size - len(image)), (
        "nothing past the announced size may be written"
    )
    assert not ev.verdict.ok
    assert ev.schedule_rc == -EPERM
    assert ev.boot.decision is BootDecision.NO_UPGRADE and ev.boot.swap_type == "none"
    assert ev.version_after == ev.version_before
    assert ev.slot_after == ev.slot_before, "MCUboot was not asked to look at the slot"
