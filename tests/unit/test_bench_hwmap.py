"""The hardware map: a valid file, every malformed case as one line, per-DK locks."""

from __future__ import annotations

import textwrap

import pytest

from hil.bench.hwmap import HardwareMap
from hil.bench.lock import DkLock, acquire_dk
from hil.errors import HilError
from hil.probe import ResetKind

GOOD = """
- id: dk1
  snr: 1050012345
  build_dir: build
  ftp_host: 192.0.2.2
- id: dk2
  snr: "000683123456"
  build_dir: /abs/build
  backend: nrfutil
  console: /dev/ttyACM3
  reset: system
  recover: true
  timeout: 30
"""


def parse(text: str) -> HardwareMap:
    return HardwareMap.parse(textwrap.dedent(text), source="map.yml", base=None)


def test_valid_map_with_defaults_and_paths(tmp_path):
    path = tmp_path / "bench" / "map.yml"
    path.parent.mkdir()
    path.write_text(GOOD)
    hwmap = HardwareMap.load(path)
    dk1, dk2 = hwmap.dks
    assert (dk1.id, dk1.snr, dk1.backend, dk1.console) == ("dk1", 1050012345, "pynrfjprog", "auto")
    assert dk1.build_dir == tmp_path / "bench" / "build"
    assert dk1.ftp_host == "192.0.2.2" and dk1.recover is False
    assert dk2.snr == 683123456 and str(dk2.build_dir) == "/abs/build"
    assert dk2.probe_options().reset is ResetKind.SYSTEM and dk2.probe_options().timeout == 30.0
    assert hwmap.select("dk2") == [dk2] and hwmap.select() == [dk1, dk2]


BAD = [
    ("- id: [unclosed", r"map.yml: not valid YAML \(line 1\)"),
    ("id: dk1", "expected a non-empty YAML list of DKs"),
    ("[]", "expected a non-empty YAML list"),
    ("- just a string", r"DK #1: expected a mapping"),
    ("- {id: dk1, build_dir: b}", r"DK #1 \(dk1\): missing key 'snr'"),
    ("- {id: dk1, snr: 1}", "missing key 'build_dir'"),
    ("- {snr: 1, build_dir: b}", "missing key 'id'"),
    ("- {id: dk1, snr: J-Link, build_dir: b}", "'snr' must be the J-Link serial number"),
    ("- {id: dk1, snr: true, build_dir: b}", "'snr' must be the J-Link serial number"),
    ("- {id: dk1, snr: 1, build_dir: 5}", "'build_dir' must be a path string"),
    ("- {id: dk1, snr: 1, build_dir: b, baud: fast}", "'baud' must be a whole number"),
    ("- {id: dk1, snr: 1, build_dir: b, recover: yes please}", "'recover' must be true or false"),
    ("- {id: dk1, snr: 1, build_dir: b, timeout: -1}", "'timeout' must be a number >= 0"),
    ("- {id: dk1, snr: 1, build_dir: b, backend: openocd}",
     "unknown backend 'openocd' \\(choose pynrfjprog, nrfutil, nrfjprog\\)"),
    ("- {id: dk1, snr: 1, build_dir: b, reset: soft}", "unknown reset 'soft'"),
    ("- {id: dk1, snr: 1, build_dir: b, serial: 2}", "unknown key 'serial' \\(known: id, snr"),
    ("- {id: 7, snr: 1, build_dir: b}", "'id' must be a non-empty string"),
    ("- {id: a, snr: 1, build_dir: b}\n- {id: b, snr: 1, build_dir: c}",
     "J-Link 1 is listed twice \\('a' and 'b'\\)"),
    ("- {id: a, snr: 1, build_dir: b}\n- {id: a, snr: 2, build_dir: c}", "duplicate DK id 'a'"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_malformed_maps_fail_with_one_line(text, message):
    with pytest.raises(HilError, match=message) as err:
        parse(text)
    assert "\n" not in str(err.value) and str(err.value).startswith("map.yml")


def test_missing_file_and_unknown_dk(tmp_path):
    with pytest.raises(HilError, match="hardware map not found"):
        HardwareMap.load(tmp_path / "nope.yml")
    with pytest.raises(HilError, match=r"no DK with id 'dk9' \(known: dk1, dk2\)"):
        parse(GOOD).select("dk9")


def test_each_process_holds_its_own_dk(tmp_path):
    dk1, dk2 = parse(GOOD).dks
    first = acquire_dk([dk1, dk2], tmp_path, timeout=1.0)
    second = acquire_dk([dk1, dk2], tmp_path, timeout=1.0)
    assert (first.entry.id, second.entry.id) == ("dk1", "dk2")
    with pytest.raises(HilError, match="all DKs \\(dk1, dk2\\) stayed busy"):
        acquire_dk([dk1, dk2], tmp_path, timeout=0.2)
    first.release()
    with acquire_dk([dk1, dk2], tmp_path, timeout=1.0) as again:
        assert again.entry.id == "dk1"
    second.release()


def test_a_lock_is_per_serial_number_and_reusable(tmp_path):
    dk1 = parse(GOOD).dks[0]
    lock = DkLock(dk1, tmp_path)
    assert lock.try_acquire() and lock.held
    assert not DkLock(dk1, tmp_path).try_acquire()
    lock.release()
    assert not lock.held and DkLock(dk1, tmp_path).try_acquire()
    assert lock.path.name == "dk-1050012345.lock"


@pytest.mark.parametrize(
    "text", ["- id: dk1\n  snr: 1\n  build_dir: 2024-02-30\n", "x: !!timestamp soon\n", "[" * 1000]
)
def test_yaml_values_pyyaml_cannot_build_are_one_line_errors(text):
    with pytest.raises(HilError, match=r"map\.yml: (unreadable YAML value|not valid YAML)"):
        parse(text)


def test_another_process_holding_a_dk_makes_us_take_the_next(tmp_path):
    import subprocess
    import sys

    holder = (
        "import sys, time\n"
        "from hil.bench.hwmap import HardwareMap\n"
        "from hil.bench.lock import DkLock\n"
        f"entry = HardwareMap.parse({GOOD!r}).dks[0]\n"
        "lock = DkLock(entry, __import__('pathlib').Path(sys.argv[1]))\n"
        "assert lock.try_acquire()\n"
        "print('held', flush=True)\n"
        "sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder, str(tmp_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "held"
        with acquire_dk(parse(GOOD).dks, tmp_path, timeout=1.0) as lock:
            assert lock.entry.id == "dk2"
    finally:
        proc.communicate("", timeout=10)
    with acquire_dk(parse(GOOD).dks, tmp_path, timeout=1.0) as lock:
        assert lock.entry.id == "dk1"  # the holder exited: its lock is gone
