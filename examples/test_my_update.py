"""Your update over FTP: it boots when the app asks for binary mode (TYPE I); without TYPE a
server that defaults to ASCII corrupts it, MCUboot rejects it and the old image keeps running."""

from hil import ClientMode, TransferPolicy, run_update


def test_update_boots_with_type_i(dut, ftp_server, update_kit, hil_evidence):
    server = ftp_server(files={update_kit.update_name: update_kit.update_image})
    ev = run_update(dut, server, update_kit.update_name, ClientMode.BINARY, update_kit.keys)
    diagnosis = hil_evidence(ev)  # recorded already; this returns the diagnosis
    assert ev.verdict.ok, "\n".join(diagnosis.lines())
    assert ev.version_after == update_kit.new_version


def test_without_type_the_update_is_rejected_but_the_dk_stays_safe(dut, ftp_server, update_kit):
    server = ftp_server(
        files={update_kit.update_name: update_kit.update_image}, policy=TransferPolicy.CLIENT
    )
    ev = run_update(dut, server, update_kit.update_name, ClientMode.DEFAULT, update_kit.keys)
    assert ev.transfer.bytes_on_wire > len(ev.served), "ASCII mode adds a CR before each LF"
    assert not ev.verdict.ok
    assert ev.version_after == update_kit.old_version
