"""The firmware's C: unit tests of ftpdfu_core.c in C, and the NCS-facing files type-checked.

main.c and port_ncs.c cannot be built without NCS; compiling them with -Werror against
stand-ins of the v2.6.0 headers (tests/c/ncs_stubs) catches wrong signatures and types.
"""

import os
import subprocess
from pathlib import Path

import pytest

from hil.errors import HilError
from hil.sim import core_lib

C_TESTS = Path(__file__).resolve().parents[1] / "c"
SRC = core_lib.CORE_SOURCE.parent
APP_DEFINES = ('-DCONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION="1.0.0+0"',)
WRITER_DEFINES = (
    "-DCONFIG_FTPDFU_WRITER_THREAD=1",
    "-DCONFIG_FTPDFU_WRITER_QUEUE_LEN=4",
    "-DCONFIG_FTPDFU_WRITER_STACK_SIZE=4096",
    "-DCONFIG_FTPDFU_WRITER_PRIORITY=10",
)
ECM_DEFINES = (
    "-DCONFIG_USB_DEVICE_STACK=1",
    "-DCONFIG_USB_DEVICE_NETWORK_ECM=1",
    "-DCONFIG_NET_CONFIG_SETTINGS=1",
)


@pytest.fixture(scope="module")
def compiler() -> str:
    try:
        return core_lib.find_compiler()
    except core_lib.CoreUnavailable as exc:
        pytest.skip(str(exc))


def test_core_unit_tests_in_c_pass(compiler, tmp_path):
    exe = core_lib.compile_c(
        [C_TESTS / "test_ftpdfu_core.c", core_lib.CORE_SOURCE],
        tmp_path / "test_ftpdfu_core",
        shared=False,
        include=[SRC],
        flags=["-pthread"],  # the ftp_client data task of the late-data tests is a thread
    )
    proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith("ok: 0 failure(s)")


def test_core_has_no_data_race_with_the_data_task(compiler, tmp_path):
    """The same C tests under ThreadSanitizer: the data task's callbacks and the shell thread
    share the download state only under the port's lock."""
    try:
        exe = core_lib.compile_c(
            [C_TESTS / "test_ftpdfu_core.c", core_lib.CORE_SOURCE],
            tmp_path / "test_ftpdfu_core_tsan",
            shared=False,
            include=[SRC],
            flags=["-pthread", "-fsanitize=thread", "-g", "-O1"],
        )
    except HilError as err:
        pytest.skip(f"no ThreadSanitizer here: {str(err).splitlines()[-1]}")
    env = {**os.environ, "TSAN_OPTIONS": "halt_on_error=1 exitcode=66"}
    proc = subprocess.run(
        [str(exe)], capture_output=True, text=True, timeout=120, check=False, env=env
    )
    if "FATAL: ThreadSanitizer" in proc.stderr:  # e.g. an address space it cannot map
        pytest.skip(proc.stderr.strip().splitlines()[0])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "WARNING: ThreadSanitizer" not in proc.stderr


@pytest.mark.parametrize(
    "defines",
    [WRITER_DEFINES + ECM_DEFINES, ("-DCONFIG_FTPDFU_HARDENED=1",)],
    ids=["writer-thread+usb-ecm", "direct-write+auto-net+hardened"],
)
def test_ncs_sources_type_check_against_the_v2_6_0_api(compiler, defines):
    cmd = [
        compiler,
        "-std=gnu11",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-fsyntax-only",
        f"-I{C_TESTS / 'ncs_stubs'}",
        f"-I{SRC}",
        *APP_DEFINES,
        *defines,
        str(SRC / "main.c"),
        str(SRC / "port_ncs.c"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 0, proc.stderr


def test_core_is_portable_c():
    for path in (core_lib.CORE_SOURCE, core_lib.CORE_HEADER):
        includes = [line for line in path.read_text().splitlines() if line.startswith("#include")]
        assert all("zephyr" not in line and "dfu/" not in line for line in includes), includes
