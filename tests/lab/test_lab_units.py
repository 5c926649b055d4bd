"""The lab's parts without a coordinator: sim probe, agent protocol, dependency check, forwards."""

from __future__ import annotations

import sys
import threading

import pytest
from intelhex import IntelHex

from hil.image.keys import KeyType
from hil.lab.agent import handle
from hil.lab.agent_client import AgentClient
from hil.lab.errors import LabError
from hil.lab.ftp_reach import reverse_forward_argv
from hil.lab.simbuild import write_sim_build
from hil.lab.simplace import SimDk, SimDkSpec
from hil.lab.simprobe import SimBoardProbe
from hil.layout import Layout
from hil.probe import Memory, ProbeError, ProbeProtected, ProbeUnavailable
from hil.sim.device import SimConfig, SimNrf5340

PAGE = 0x1000


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    return write_sim_build(tmp_path_factory.mktemp("build"), Layout.resolve("internal"),
                           KeyType.ED25519)


def _probe(build) -> SimBoardProbe:
    from hil.console import Console

    layout = Layout.resolve("internal")
    config = SimConfig(layout=layout, keys=build.kit.keys, factory_image=b"")
    probe = SimBoardProbe(SimNrf5340(config, Console()), 1050000001, threading.Lock())
    probe.connect(1050000001)
    return probe


def test_sim_program_erases_only_the_sectors_the_hex_touches(build, tmp_path):
    probe = _probe(build)
    probe.board.internal.load(0x90000, b"\x00" * 16)  # outside the hex: must survive
    probe.board.internal.load(0x10000 + 0x20, b"\x00" * 16)  # same sector as the hex: erased
    small = IntelHex()
    small.frombytes(b"\x12\x34\x56\x78", offset=0x10010)
    hex_path = tmp_path / "small.hex"
    small.write_hex_file(str(hex_path))
    probe.program(hex_path)
    sector = probe.read(Memory.INTERNAL, 0x10000, PAGE)
    assert sector[0x10:0x14] == b"\x12\x34\x56\x78"
    assert sector[0x20:0x30] == b"\xff" * 16
    assert probe.read(Memory.INTERNAL, 0x90000, 16) == b"\x00" * 16


def test_sim_program_writes_a_rebuilt_hex_at_the_same_path(build, tmp_path):
    probe = _probe(build)
    hex_path = tmp_path / "merged.hex"
    for data in (b"\x11" * 8, b"\x22" * 8):  # same path, same size, rewritten at once
        image = IntelHex()
        image.frombytes(data, offset=0x10000)
        image.write_hex_file(str(hex_path))
        probe.program(hex_path)
        assert probe.read(Memory.INTERNAL, 0x10000, 8) == data


def test_sim_program_refuses_a_broken_hex_with_one_line(build, tmp_path):
    hex_path = tmp_path / "merged.hex"
    hex_path.write_bytes(b":10000000\xff\n")
    with pytest.raises(ProbeError, match=r"cannot read hex file .*merged\.hex"):
        _probe(build).program(hex_path)


def test_sim_program_puts_the_factory_image_in_the_primary_slot(build):
    probe = _probe(build)
    probe.program(build.merged_hex)
    primary = Layout.resolve("internal").primary
    image = build.kit.factory_image
    assert probe.read(Memory.INTERNAL, primary.address, len(image)) == image


def test_sim_recover_erases_internal_flash_only(build):
    probe = _probe(build)
    probe.board.internal.load(0x0, b"\x00" * 4)
    probe.board.external.load(0x0, b"\x00" * 4)
    probe.recover()
    assert probe.read(Memory.INTERNAL, 0, 4) == b"\xff" * 4
    assert probe.read(Memory.EXTERNAL, 0, 4) == b"\x00" * 4


def test_agent_maps_probe_errors_to_replies(build):
    probe = _probe(build)

    def protected() -> None:
        raise ProbeProtected("the nRF5340 is access-protected")

    probe._recover = protected  # type: ignore[method-assign]
    reply = handle(probe, {"op": "recover"})
    assert reply == {"ok": False, "error": "ProbeProtected",
                     "message": "the nRF5340 is access-protected"}
    assert handle(probe, {"op": "read", "memory": "qspi", "address": 0, "length": 4})["ok"] is False
    assert handle(probe, {"op": "fly"})["message"].startswith("probe agent: unknown operation")


def test_agent_process_drives_a_sim_dk_over_its_socket(build, tmp_path):
    spec = SimDkSpec("simx", 1050000009, Layout.resolve("internal"), build)
    dk = SimDk(spec, tmp_path).start()
    argv = [sys.executable, "-m", "hil.cli", "probe-agent", "--backend", "sim",
            "--sim-socket", str(dk.socket_path)]
    agent = AgentClient(argv, "simx")
    try:
        assert agent.call(30, op="hello")["snr"] == 1050000009
        agent.call(30, op="erase", memory="internal", address=0x20000, length=PAGE)
        dk.board.internal.load(0x20000, b"hello")
        assert agent.read(30, memory="internal", address=0x20000, length=5) == b"hello"
        with pytest.raises(ProbeError, match="is not 4 KiB aligned"):
            agent.call(30, op="erase", memory="internal", address=0x20001, length=PAGE)
    finally:
        agent.close()
        dk.stop()


def test_agent_without_its_sim_dk_says_the_probe_is_unavailable(tmp_path):
    argv = [sys.executable, "-m", "hil.cli", "probe-agent", "--backend", "sim",
            "--sim-socket", str(tmp_path / "absent.probe")]
    agent = AgentClient(argv, "absent")
    try:
        with pytest.raises(ProbeUnavailable, match=r"absent\.probe is not there"):
            agent.call(30, op="hello")
    finally:
        agent.close()


LAST_WORDS = "print('loading J-Link DLL', file=sys.stderr); sys.exit('boom: no J-Link DLL')"


@pytest.mark.parametrize("agent_code, dead_before_request", [
    (f"import sys; sys.stdin.readline(); {LAST_WORDS}", False),
    (f"import sys; {LAST_WORDS}", True),
    (f"import os, sys; sys.stdin.readline(); os.close(1); sys.stdin.read(); {LAST_WORDS}", False),
], ids=["dies-on-the-request", "dead-before-the-request", "ends-its-replies-then-dies"])
def test_agent_that_exits_is_reported_with_its_last_words(monkeypatch, agent_code,
                                                         dead_before_request):
    """The stderr reader is held back until the client has looked for the last words (or waits
    for the reader to end), so a client that reads the tail too early fails every time."""
    looked = threading.Event()
    keep_stderr, gone = AgentClient._keep_stderr, AgentClient._gone

    def late_keep_stderr(self, line):
        assert looked.wait(60), "the client never looked for the agent's last words"
        keep_stderr(self, line)

    def gone_then_release(self):
        try:
            return gone(self)
        finally:
            looked.set()

    monkeypatch.setattr(AgentClient, "_keep_stderr", late_keep_stderr)
    monkeypatch.setattr(AgentClient, "_gone", gone_then_release)
    agent = AgentClient([sys.executable, "-c", agent_code], "dead")
    join = agent._stderr_reader.join

    def join_releases(*args, **kwargs):
        looked.set()
        return join(*args, **kwargs)

    monkeypatch.setattr(agent._stderr_reader, "join", join_releases)
    if dead_before_request:
        agent._proc.wait()
    try:
        for _ in range(2):  # asked again, it says the same
            with pytest.raises(LabError,
                               match=r"probe agent for dead stopped \(boom: no J-Link DLL\)"):
                agent.call(30, op="hello")
    finally:
        looked.set()
        agent.close()


def test_reverse_forwards_keep_the_port_numbers():
    argv = reverse_forward_argv("bench-pc1", 2121, range(50000, 50003))
    assert argv[0] == "ssh" and argv[-1] == "bench-pc1"
    forwards = [argv[i + 1] for i, word in enumerate(argv) if word == "-R"]
    assert forwards == [
        "*:2121:127.0.0.1:2121",
        "*:50000:127.0.0.1:50000",
        "*:50001:127.0.0.1:50001",
        "*:50002:127.0.0.1:50002",
    ]
    assert "ExitOnForwardFailure=yes" in argv
    with pytest.raises(LabError, match="inside the passive range"):
        reverse_forward_argv("bench-pc1", 50001, range(50000, 50003))


def test_serial_package_check_names_plain_pyserial_over_labgrids(tmp_path, monkeypatch):
    from importlib import metadata

    import hil.lab.deps as deps

    site = tmp_path / "site"
    (site / "serial").mkdir(parents=True)
    (site / "serial" / "rfc2217.py").write_text("# plain pyserial\n")
    info = site / "pyserial_labgrid-3.5.0.2.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Name: pyserial-labgrid\nVersion: 3.5.0.2\n")
    labgrid_hash = "sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    (info / "RECORD").write_text(f"serial/rfc2217.py,{labgrid_hash},10\n")
    fake = metadata.PathDistribution(info)
    monkeypatch.setattr(deps.metadata, "distribution", lambda name: fake)
    problem = deps.serial_problem()
    assert problem is not None
    assert "serial/rfc2217.py differs" in problem
    assert deps.FIX in problem



class _Driver:
    snr = 1050012345


class _Target:
    place = "dk1"
    driver = _Driver()

    def __init__(self, tags: dict[str, str]) -> None:
        self.tags = tags


def test_place_entry_takes_the_bench_from_the_place_and_the_build_from_the_run(tmp_path):
    from hil.lab.dut import place_entry
    from hil.lab.settings import LabSettings

    settings = LabSettings(env_file=tmp_path / "env.yaml", build_dir=tmp_path / "build")
    tags = {"ftp_host": "192.0.2.2", "recover": "true", "after_external_read": "reset"}
    entry = place_entry(settings, _Target(tags), "pynrfjprog")  # type: ignore[arg-type]
    assert (entry.id, entry.snr, entry.build_dir) == ("dk1", 1050012345, tmp_path / "build")
    assert entry.ftp_host == "192.0.2.2" and entry.recover
    advertised = LabSettings(env_file=settings.env_file, build_dir=settings.build_dir,
                             ftp_advertise="198.51.100.7")
    assert place_entry(advertised, _Target(tags), "sim").ftp_host == "198.51.100.7"
    plain = place_entry(settings, _Target({}), "sim")  # type: ignore[arg-type]
    assert (plain.ftp_host, plain.recover, plain.after_external_read) == (None, False, "resume")
    with pytest.raises(LabError, match="needs --hil-build"):
        place_entry(LabSettings(env_file=settings.env_file), _Target({}), "sim")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dk", "1x"], "DK name '1x' must be letters, digits and _"),
        (["--dk", "sim1:/nonexistent/partitions.yml"], "layout file not found"),
        (["--dk", "a", "--dk", "a"], "DK names must be unique"),
    ],
)
def test_sim_place_refuses_bad_input_with_one_line(tmp_path, args, message):
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "hil.cli", "sim-place", "--dir", str(tmp_path / "sim"), *args],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr


class _Config:
    def __init__(self, worker: bool = False, **options: object) -> None:
        self.options = {"collectonly": False, "dist": "no", **options}
        if worker:
            self.workerinput = {"workerid": "gw0"}

    def getoption(self, name: str, default: object = None) -> object:
        return self.options.get(name, default)


@pytest.mark.parametrize(("config", "prepares"), [
    (_Config(), True),  # a plain run holds its place from the start
    (_Config(worker=True, dist="load"), True),  # each xdist worker its own
    (_Config(dist="load"), False),  # the xdist controller runs no test
    (_Config(collectonly=True), False),  # --collect-only needs no DK
])
def test_a_place_is_prepared_only_where_tests_run(config, prepares):
    from hil.lab.pytest_lab import _runs_tests

    assert _runs_tests(config) is prepares
