"""The update over FTP, end to end, on whichever device ``--dut`` picks.

ASCII transfers turn each lone LF of the signed image into CRLF; the corrupted image is written
to the secondary slot anyway, and MCUboot rejects it at the next boot. Binary transfers boot.
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
from hil.ftp.policy import TransferPolicy, effective_type
from hil.protocol import ClientMode
from hil.scenario import UpdateEvidence, run_update

# (client mode, server policy) pairs that mean something, with the transfer type that results.
CASES = [
    pytest.param(ClientMode.DEFAULT, TransferPolicy.CLIENT, id="no-TYPE-server-default"),
    pytest.param(ClientMode.ASCII, TransferPolicy.CLIENT, id="TYPE-A"),
    pytest.param(ClientMode.BINARY, TransferPolicy.CLIENT, id="TYPE-I"),
    pytest.param(ClientMode.BINARY, TransferPolicy.ASCII, id="TYPE-I-server-forces-ascii"),
    pytest.param(ClientMode.DEFAULT, TransferPolicy.BINARY, id="no-TYPE-server-forces-binary"),
]


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


@pytest.mark.parametrize(("mode", "policy"), CASES)
def test_update_over_ftp(dut, ftp_server, update_kit, hil_evidence, mode, policy, tmp_path):
    image = update_kit.update_image
    assert image.count(b"\n") > image.count(b"\r\n"), "the image must contain lone LF bytes"
    server = ftp_server(files={update_kit.update_name: image}, policy=policy)

    try:
        ev: UpdateEvidence = run_update(dut, server, update_kit.update_name, mode, update_kit.keys)
    except Exception as error:  # a console timeout, a probe error: keep the logs anyway
        hil_evidence.incomplete(error, dut=dut, server=server)
        raise
    hil_evidence(ev, dut=dut, server=server, keys=update_kit.keys)
    translated = effective_type(policy, "i" if mode is ClientMode.BINARY else "a") == "a"

    # What the server saw: the TYPE the client sent (none by default) and the bytes it sent.
    assert list(ev.type_commands) == ([mode.type_command] if mode.type_command else [])
    assert ev.transfer.completed
    assert ev.transfer.transfer_type == ("a" if translated else "i")
    assert ev.transfer.file_size == len(image)
    assert ev.transfer.bytes_on_wire == len(ev.expected_wire)
    if translated:
        assert ev.expected_wire != image and len(ev.expected_wire) > len(image)
        if os.linesep == "\n":  # stock pyftpdlib translates only on POSIX hosts
            assert ev.expected_wire == stock_pyftpdlib_ascii(image)
    else:
        assert ev.expected_wire == image

    # What the device did: received and stored exactly the bytes on the wire.
    assert ev.download.ok, f"download failed: {ev.download}"
    assert ev.download.rx == len(ev.expected_wire)
    assert ev.written == ev.expected_wire
    assert ev.schedule_rc == 0

    # Our MCUboot verdict on the slot before the reset, cross-checked with imgtool.
    assert ev.verdict.ok is not translated, ev.verdict.reason
    imgtool_ok = imgtool_accepts(ev.slot_before, update_kit.key_path, tmp_path)
    if imgtool_ok is not None:
        assert imgtool_ok == ev.verdict.ok

    # What MCUboot decided at the reset, and what it left behind.
    assert ev.boot.decision is not None, "no MCUboot decision in the boot log:\n" + ev.boot.text()
    slot_size = dut.layout.slot_size
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
