"""The firmware's console contract: formatted lines parse back to the same values."""

import pytest

from hil import protocol
from hil.errors import HilError
from hil.protocol import ClientMode, DownloadResult


@pytest.mark.parametrize("result", [DownloadResult(226, 0, 150_391), DownloadResult(-111, -27, 0)])
def test_result_line_round_trip(result):
    assert protocol.parse_result(protocol.format_result(result)) == result


def test_other_lines_match_their_patterns():
    assert protocol.SCHEDULE_RE.fullmatch(protocol.format_schedule(-14))["rc"] == "-14"
    assert protocol.CONFIRM_RE.fullmatch(protocol.format_confirm(0))["rc"] == "0"
    assert protocol.VERSION_RE.fullmatch(protocol.format_version("1.2.3+4"))["version"] == "1.2.3+4"
    assert protocol.READY_RE.fullmatch(protocol.format_ready("2.0.0+0"))["version"] == "2.0.0+0"


def test_get_command_and_type_commands():
    line = protocol.get_command("127.0.0.1", 2121, "u", "p", "app_update.bin", 10, ClientMode.ASCII)
    assert line == "ftpdfu get 127.0.0.1 2121 u p app_update.bin 10 ascii"
    assert ClientMode.DEFAULT.type_command is None
    assert ClientMode.BINARY.type_command == "TYPE I"


def test_arguments_the_shell_cannot_carry_are_refused():
    with pytest.raises(HilError, match="path"):
        protocol.get_command("h", 21, "u", "p", "my file.bin", 1, ClientMode.BINARY)
    with pytest.raises(HilError, match="not a download result"):
        protocol.parse_result("FTPDFU_RESULT garbage")
