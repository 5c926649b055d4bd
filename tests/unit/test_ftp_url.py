"""FTP URLs as ``hil reproduce --server`` takes them: RFC 1738 paths, anonymous login, IPv6."""

from __future__ import annotations

import pytest

from hil.errors import HilError
from hil.ftp.url import FtpUrl, parse_ftp_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ftp://u:p@h/app.bin", FtpUrl("h", 21, "u", "p", "app.bin")),
        ("ftp://u:p@h:2121/fw/app.bin", FtpUrl("h", 2121, "u", "p", "fw/app.bin")),
        ("ftp://u:p@h/%2Fsrv/app.bin", FtpUrl("h", 21, "u", "p", "/srv/app.bin")),
        ("ftp://h/app.bin", FtpUrl("h", 21, "anonymous", "anonymous@", "app.bin")),
        ("FTP://us%40er:p%3Ass@[::1]:21/a.bin", FtpUrl("::1", 21, "us@er", "p:ss", "a.bin")),
    ],
)
def test_parses(text: str, expected: FtpUrl) -> None:
    assert parse_ftp_url(text) == expected


def test_masked_url_hides_the_password() -> None:
    url = parse_ftp_url("ftp://u:s3cret@[::1]:2121/a.bin")
    assert url.masked() == "ftp://u:******@[::1]:2121/a.bin"


@pytest.mark.parametrize(
    "text",
    [
        "ftp://h/a b.bin",
        "ftp://u:pa%22ss@h/a.bin",
        "ftp://u:p@h/a.bin?x=1",
        "ftp://u:p@h:0/a.bin",
        "ftp://u:p@/a.bin",
        "sftp://u:p@h/a.bin",
        "ftp://u:p@h",
    ],
)
def test_refuses_what_the_firmware_shell_cannot_take(text: str) -> None:
    with pytest.raises(HilError):
        parse_ftp_url(text)
