"""``ftp://user:pass@host[:port]/path``: one reading of FTP URLs for every command."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from hil.errors import HilError
from hil.protocol import PATH_MAX

DEFAULT_PORT = 21
ANONYMOUS = ("anonymous", "anonymous@")
MASK = "******"
_SHELL_UNSAFE = set("\"'\\")  # the Zephyr shell treats these as quoting, so they cannot pass


@dataclass(frozen=True)
class FtpUrl:
    """A file on an FTP server and the login: what ``ftpdfu get`` is given."""

    host: str
    port: int
    user: str
    password: str
    path: str

    def masked(self) -> str:
        """The URL with the password masked."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ftp://{self.user}:{MASK}@{host}:{self.port}/{self.path}"


def parse_ftp_url(text: str, *, shell: bool = True) -> FtpUrl:
    """Parse an FTP URL; anonymous login when it names no user.

    The path is relative to the login directory, as RFC 1738 has it: ``ftp://h/dir/f.bin``
    retrieves ``dir/f.bin`` and ``ftp://h/%2Fsrv/f.bin`` the absolute ``/srv/f.bin``. Anything
    the firmware's shell cannot pass (spaces, quotes, a path over its limit) is refused when
    ``shell`` is set (the URL goes to the device's ``ftpdfu get``).
    """
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as err:
        raise HilError(f"bad FTP URL {text!r}: {err}") from None
    if parts.scheme.lower() != "ftp":
        raise HilError(f"not an ftp:// URL: {text!r}")
    if not parts.hostname:
        raise HilError(f"the FTP URL {text!r} names no host")
    if parts.query or parts.fragment:
        raise HilError(f"the FTP URL {text!r} has a query or fragment; give only the file path")
    path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
    if not path or path.endswith("/"):
        raise HilError(f"the FTP URL {text!r} must name a file, e.g. ftp://host/app_update.bin")
    user, password = ANONYMOUS
    if parts.username is not None:
        user = unquote(parts.username)
        password = unquote(parts.password) if parts.password is not None else ""
    url = FtpUrl(parts.hostname, DEFAULT_PORT if port is None else port, user, password, path)
    if url.port == 0:
        raise HilError("the FTP URL's port must be 1-65535")
    if shell:
        _check_shell_safe(url)
    return url


def _check_shell_safe(url: FtpUrl) -> None:
    for name, value in (("user", url.user), ("password", url.password), ("path", url.path)):
        if not value:
            raise HilError(f"the FTP URL has an empty {name}; the firmware shell needs one")
        if any(ch.isspace() or ch in _SHELL_UNSAFE or not ch.isprintable() for ch in value):
            shown = MASK if name == "password" else repr(value)
            raise HilError(
                f"the FTP URL's {name} {shown} has a space, quote or control character, "
                "which the firmware shell cannot pass"
            )
    if len(url.path) > PATH_MAX:
        raise HilError(f"the FTP URL's path is longer than the firmware's {PATH_MAX} characters")
