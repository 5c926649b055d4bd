"""The firmware's console lines and shell commands agree with hil/protocol.py.

The printf formats are read from the C sources, rendered with the C library's snprintf (and
Python's %, which follows the same rules for %d/%u/%s/%.*s), compared with protocol's
formatters and parsed back with protocol's regexes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
import shlex

import pytest

from hil import protocol
from hil.protocol import ClientMode, DownloadResult, FirmwareFlavour
from hil.sim import core_lib

SRC = core_lib.CORE_SOURCE.parent
FMT_RE = re.compile(r'^#define (FMT_\w+) ("(?:[^"\\]|\\.)*")', re.MULTILINE)
SHELL_ARG_RE = re.compile(
    r"SHELL_CMD_ARG\((\w+),\s*\w+,.*?,\s*(\w+),\s*(\d+),\s*(\d+)\)", re.DOTALL
)

# format name -> (sample arguments, protocol's rendering, protocol's regex, parsed values)
CASES = {
    "FMT_READY": (
        ("2.0.0+0", "hardened"),
        protocol.format_ready("2.0.0+0", FirmwareFlavour.HARDENED),
        protocol.READY_RE,
        {"version": "2.0.0+0", "flavour": "hardened"},
    ),
    "FMT_RESULT": (
        (226, -27, 20087, 1416),
        protocol.format_result(DownloadResult(226, -27, 20087, 1416)),
        protocol.RESULT_RE,
        {"ftp": "226", "dfu": "-27", "rx": "20087", "late": "1416"},
    ),
    "FMT_SCHEDULE": (
        (-13,),
        protocol.format_schedule(-13),
        protocol.SCHEDULE_RE,
        {"rc": "-13", "refused": None},
    ),
    "FMT_SCHEDULE_REFUSED": (
        (-1, "size-mismatch"),
        protocol.format_schedule_refused("size-mismatch"),
        protocol.SCHEDULE_RE,
        {"rc": "-1", "refused": "size-mismatch"},
    ),
    "FMT_STATUS": (
        ("seed", "failed", 21240, 30),
        protocol.format_status(FirmwareFlavour.SEED, "failed", 21240, 30),
        protocol.STATUS_RE,
        {"flavour": "seed", "last": "failed", "late": "21240", "calls": "30"},
    ),
    "FMT_CONFIRM": ((0,), protocol.format_confirm(0), protocol.CONFIRM_RE, {"rc": "0"}),
    "FMT_VERSION": (
        ("1.0.0+0",),
        protocol.format_version("1.0.0+0"),
        protocol.VERSION_RE,
        {"version": "1.0.0+0"},
    ),
    "FMT_ERROR": (
        ("no network",),
        protocol.format_error("no network"),
        protocol.ERROR_RE,
        {"message": "no network"},
    ),
    "FMT_BAD_ARGUMENT": (
        ("21", "0x", "ebcdic"),
        protocol.format_error("bad argument in: 21 0x ebcdic"),
        protocol.ERROR_RE,
        {"message": "bad argument in: 21 0x ebcdic"},
    ),
    "FMT_CTRL": ((12, "226 Transfer complete."), protocol.format_ctrl("226 Transfer"), None, {}),
}


def c_formats() -> dict[str, str]:
    text = core_lib.CORE_SOURCE.read_text()
    return {name: literal[1:-1] for name, literal in FMT_RE.findall(text)}


def c_snprintf(fmt: str, args: tuple) -> str | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    libc = ctypes.CDLL(name)
    buf = ctypes.create_string_buffer(256)
    c_args = [a.encode() if isinstance(a, str) else ctypes.c_int(a) for a in args]
    libc.snprintf(buf, ctypes.sizeof(buf), fmt.encode(), *c_args)
    return buf.value.decode()


def test_every_console_format_is_covered():
    assert set(c_formats()) == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_c_format_renders_what_protocol_expects(name):
    fmt = c_formats()[name]
    args, expected, regex, values = CASES[name]
    line = fmt % args
    assert line == expected
    native = c_snprintf(fmt, args)
    assert native in (None, expected)
    if regex is not None:
        match = regex.fullmatch(line)
        assert match is not None, line
        assert match.groupdict() == values


def test_result_line_round_trips_through_the_parser():
    fmt = c_formats()["FMT_RESULT"]
    for ftp, dfu, rx, late in [(226, 0, 0, 0), (-116, -134, 4_294_967_295, 9), (550, 0, 7, 0)]:
        assert protocol.parse_result(fmt % (ftp, dfu, rx, late)) == DownloadResult(
            ftp, dfu, rx, late
        )


def test_every_flavour_and_last_state_the_c_names_parses():
    text = core_lib.CORE_SOURCE.read_text()
    assert {f.value for f in FirmwareFlavour} <= set(re.findall(r'\? "(\w+)" : "(\w+)"', text)[0])
    for last in re.findall(r'return "([\w-]+)";', text):
        line = protocol.format_schedule_refused(last)
        assert protocol.SCHEDULE_RE.fullmatch(line)["refused"] == last


def test_only_the_core_prints_protocol_lines():
    for path in (SRC / "main.c", SRC / "port_ncs.c"):
        literals = re.findall(r'"(?:[^"\\]|\\.)*"', path.read_text())
        assert not [s for s in literals if "FTPDFU_" in s or "FTPCTRL" in s], path.name


def test_shell_commands_match_the_protocol():
    main = (SRC / "main.c").read_text()
    assert re.search(r"SHELL_CMD_REGISTER\(ftpdfu,\s*&sub_ftpdfu", main)
    args = {name: (int(mand), int(opt)) for name, _h, mand, opt in SHELL_ARG_RE.findall(main)}
    assert args == {
        "get": (7, 1),
        "schedule": (1, 0),
        "confirm": (1, 0),
        "version": (1, 0),
        "status": (1, 0),
    }
    words = shlex.split(
        protocol.get_command("192.0.2.2", 21, "u", "p", "f.bin", 10, ClientMode.BINARY)
    )
    mandatory, optional = args["get"]
    assert words[:2] == ["ftpdfu", "get"] and len(words) - 1 == mandatory + optional
    commands = (
        protocol.SCHEDULE_COMMAND,
        protocol.CONFIRM_COMMAND,
        protocol.VERSION_COMMAND,
        protocol.STATUS_COMMAND,
    )
    for command in commands:
        assert command.split()[1] in args
