"""An update whose header itself holds 0x0A (version 1.10.0): ASCII mode corrupts the header too."""

import pytest

from hil.dut.bootlog import BootDecision
from hil.dut.factory import create_dut
from hil.ftp.server import FtpServer, FtpServerConfig
from hil.image.header import ImageHeader
from hil.kit import make_sim_kit
from hil.layout import Layout
from hil.protocol import ClientMode
from hil.scenario import run_update


@pytest.fixture(scope="module")
def lf_kit(tmp_path_factory):
    return make_sim_kit(tmp_path_factory.mktemp("lf-kit"), Layout.builtin(), new_version="1.10.0+0")


@pytest.mark.parametrize("mode", [ClientMode.DEFAULT, ClientMode.BINARY])
def test_version_minor_10_through_ftp(lf_kit, mode, tmp_path):
    header = ImageHeader.parse(lf_kit.update_image[:32])
    assert header.version.minor == 0x0A
    root = tmp_path / "ftp"
    root.mkdir()
    lf_kit.write_update(root)
    dut = create_dut("sim", Layout.builtin(), lf_kit, tmp_path)
    with FtpServer(FtpServerConfig(root=root)) as server:
        ev = run_update(dut, server, lf_kit.update_name, mode, lf_kit.keys)
    written = ImageHeader.parse(ev.slot_before[:32])
    if mode is ClientMode.DEFAULT:
        # 0x0A became 0D 0A: minor now reads 13 and the 0x0A slid into the revision.
        assert (written.version.major, written.version.minor) == (1, 0x0D)
        assert written.version.revision & 0xFF == 0x0A
        assert not ev.verdict.ok
        assert ev.boot.decision is BootDecision.REJECTED
        assert ev.version_after == lf_kit.old_version
    else:
        assert written == header
        assert ev.boot.decision is BootDecision.SWAPPED
        assert ev.version_after == "1.10.0+0"
