"""pytest plugin: command-line options and fixtures. The logic lives in the ``hil`` package."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from hil import quiet_pyftpdlib  # noqa: F401 - first: pyftpdlib without asyncore warnings
from hil.bench.settings import BenchSettings
from hil.bench.settings import configure as configure_bench
from hil.dut.base import Dut
from hil.dut.factory import DUT_KINDS, DutUnavailable, create_dut
from hil.errors import HilError
from hil.evidence import EvidenceRecorder, annotate_failure, recorded, recorder_for
from hil.fixtures_faults import (  # noqa: F401 - fixtures re-exported to pytest
    fault_dut,
    ftp_fault,
    overflow_image,
    scripted_server,
    sim_fault,
)
from hil.ftp.faults import FtpFault
from hil.ftp.policy import TransferPolicy
from hil.ftp.server import FtpServer, FtpServerConfig
from hil.image.keys import KeyType
from hil.kit import UpdateKit, make_sim_kit
from hil.lab.kit import lab_update_kit
from hil.layout import Layout
from hil.option_checks import CheckedOptions, check_options
from hil.probe import BACKENDS as PROBE_BACKENDS
from hil.update_watch import watching

pytest_plugins = ["hil.lab.pytest_lab"]  # --dut nrf on a labgrid place (--lg-env)
_DUT_UNAVAILABLE = pytest.StashKey[str]()
_CHECKED = pytest.StashKey[CheckedOptions]()
# pyftpdlib 2.2 imports asyncore and asynchat, deprecated since Python 3.6
PYFTPDLIB_WARNINGS = (
    "ignore:The asyncore module is deprecated:DeprecationWarning",
    "ignore:The asynchat module is deprecated:DeprecationWarning",
)


@dataclass(frozen=True)
class HilOptions:
    """The suite's command-line options, parsed once per session."""

    dut_kind: str
    key_type: KeyType
    layout: str
    ftp_bind: str
    passive_ports: range | None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hil", "nRF5340 MCUboot-over-FTP HIL")
    group.addoption(
        "--dut",
        choices=sorted(DUT_KINDS),
        default="sim",
        help="device under test: the simulated nRF5340 DK (default) or a real one (nrf)",
    )
    group.addoption(
        "--hil-key-type",
        choices=[k.value for k in KeyType],
        default=KeyType.RSA2048.value,
        help="signature type of the simulated build (NCS v2.6.0 DK default: rsa-2048)",
    )
    group.addoption(
        "--hil-layout",
        default="internal",
        help="partition layout: 'internal', 'external' (secondary on the MX25R64) or a "
        "partitions.yml path",
    )
    group.addoption(
        "--hil-firmware",
        choices=["seed", "hardened"],
        default=None,
        help="run only the update cases of this FTP-DFU firmware flavour (default: both on the "
        "sim; on a bench the boot banner decides)",
    )
    group.addoption(
        "--ftp-bind",
        default="127.0.0.1",
        help="address the FTP fixture binds to (default loopback)",
    )
    group.addoption(
        "--ftp-passive-ports",
        default=None,
        metavar="LOW-HIGH",
        help="passive data port range, e.g. 60000-60100 (for a bench firewall)",
    )
    group.addoption(
        "--hw-map",
        default=None,
        metavar="PATH",
        help="YAML hardware map of the bench DKs (J-Link serial number, build dir, console, "
        "FTP host); needed with --dut nrf",
    )
    group.addoption(
        "--hw-dk",
        default=None,
        metavar="ID",
        help="use only this DK of --hw-map (default: any free one)",
    )
    group.addoption(
        "--probe-backend",
        choices=sorted(PROBE_BACKENDS),
        default=None,
        help="override the hardware map's probe backend",
    )
    group.addoption(
        "--hw-lock-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how long to wait for a free DK when several test workers share a bench "
        "(default 600)",
    )
    group.addoption(
        "--hil-artifacts",
        default=None,
        metavar="DIR",
        help="write each HIL test's evidence (image, slot dumps, logs, diagnosis, slot picture) "
        "to DIR/<test id>/",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Check the HIL options once, before collection (a bad one is a usage error, exit 4), and
    set the bench settings: the HIL_* environment variables, overridden by the options given."""
    for line in PYFTPDLIB_WARNINGS:
        config.addinivalue_line("filterwarnings", line)
    try:
        settings = BenchSettings.from_env()
    except HilError as err:
        raise pytest.UsageError(str(err)) from None
    given = {
        "hw_map": Path(p) if (p := config.getoption("--hw-map", None)) else None,
        "dk": config.getoption("--hw-dk", None),
        "backend": config.getoption("--probe-backend", None),
        "lock_timeout": config.getoption("--hw-lock-timeout", None),
    }
    settings = replace(settings, **{k: v for k, v in given.items() if v is not None})
    try:
        config.stash[_CHECKED] = check_options(config.getoption, settings)
    except HilError as err:
        raise pytest.UsageError(str(err)) from None
    configure_bench(settings)


@pytest.fixture(scope="session")
def hil_options(pytestconfig: pytest.Config) -> HilOptions:
    return HilOptions(
        dut_kind=pytestconfig.getoption("--dut"),
        key_type=KeyType(pytestconfig.getoption("--hil-key-type")),
        layout=pytestconfig.getoption("--hil-layout"),
        ftp_bind=pytestconfig.getoption("--ftp-bind"),
        passive_ports=pytestconfig.stash[_CHECKED].passive_ports,
    )


@pytest.fixture(scope="session")
def hil_layout(pytestconfig: pytest.Config) -> Layout:
    """The flash layout under test (``--hil-layout``)."""
    return pytestconfig.stash[_CHECKED].layout


@pytest.fixture(scope="session")
def update_kit(
    hil_options: HilOptions,
    hil_layout: Layout,
    tmp_path_factory: pytest.TempPathFactory,
    pytestconfig: pytest.Config,
) -> UpdateKit:
    """Keys, factory image and update image: the bench build's, or signed by imgtool for the sim."""
    lab_kit = lab_update_kit() if hil_options.dut_kind == "nrf" else None
    if hil_options.dut_kind == "nrf" and (kit := lab_kit or pytestconfig.stash[_CHECKED].bench_kit):
        return kit
    return make_sim_kit(tmp_path_factory.mktemp("kit"), hil_layout, hil_options.key_type)


@pytest.fixture
def dut(
    hil_options: HilOptions,
    hil_layout: Layout,
    update_kit: UpdateKit,
    tmp_path: Path,
    pytestconfig: pytest.Config,
) -> Iterator[Dut]:
    """The device under test, chosen with ``--dut``; skipped when that device is not there."""
    unavailable = pytestconfig.stash.get(_DUT_UNAVAILABLE, None)
    if unavailable:
        pytest.skip(unavailable)  # already found missing once this session: don't wait again
    try:
        device = create_dut(hil_options.dut_kind, hil_layout, update_kit, tmp_path)
    except DutUnavailable as why:
        pytestconfig.stash[_DUT_UNAVAILABLE] = str(why)
        pytest.skip(str(why))
    try:
        yield device
    finally:
        device.close()


@pytest.fixture
def ftp_server(
    hil_options: HilOptions, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., FtpServer]]:
    """Factory: ``ftp_server(files={"name": data}, policy=..., faults=(DropData(1000),))``.

    Each call starts a real pyftpdlib server with fresh credentials on its own directory,
    optionally with injected faults (one or a tuple; see ``hil.ftp.faults``); all are stopped
    when the test ends.
    """
    started: list[FtpServer] = []

    def start(
        files: dict[str, bytes],
        policy: TransferPolicy = TransferPolicy.CLIENT,
        faults: FtpFault | tuple[FtpFault, ...] | list[FtpFault] = (),
    ) -> FtpServer:
        root = tmp_path_factory.mktemp("ftp-root")
        for name, data in files.items():
            (root / name).write_bytes(data)
        config = FtpServerConfig(
            root=root,
            policy=policy,
            bind_host=hil_options.ftp_bind,
            passive_ports=hil_options.passive_ports,
            faults=tuple(faults) if isinstance(faults, tuple | list) else (faults,),
        )
        server = FtpServer(config).start()
        started.append(server)
        names = ", ".join(str(f) for f in config.faults) or "none"
        logging.getLogger("hil.ftp").info(
            "serving %s (policy %s, faults: %s)", server.url(), policy, names
        )
        return server

    yield start
    for server in started:
        server.stop()


def _recorder(request: pytest.FixtureRequest) -> EvidenceRecorder:
    config = request.config
    html = config.pluginmanager.hasplugin("html") and bool(config.getoption("htmlpath", None))
    return recorder_for(request.node, config.stash[_CHECKED].artifacts, pictures=html)


@pytest.fixture(autouse=True)
def _hil_record_updates(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every update a test runs leaves its evidence (``--hil-artifacts``, JUnit, HTML)."""
    with watching(_recorder(request).observe):
        yield


@pytest.fixture
def hil_evidence(request: pytest.FixtureRequest) -> EvidenceRecorder:
    """The test's evidence recorder. Updates run by ``run_update`` are recorded by themselves;
    ``hil_evidence(evidence, dut=dut, server=server, keys=keys)`` returns an update's diagnosis
    (recording it if it was not yet), ``hil_evidence.incomplete(error, ...)`` keeps the logs
    of an update that stopped early."""
    return _recorder(request)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    report = yield
    annotate_failure(item, report)
    recorder = recorded(item)
    if report.when == "call" and recorder is not None and item.config.pluginmanager.hasplugin(
        "html"
    ):
        from pytest_html import extras

        from hil.html_report import report_extras

        report.extras = [*getattr(report, "extras", []), *report_extras(recorder, extras)]
    return report
