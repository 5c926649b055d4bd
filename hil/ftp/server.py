"""A pyftpdlib FTP server in a thread of its own, started and stopped in milliseconds."""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import logging
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.servers import FTPServer

from hil.errors import HilError
from hil.ftp.faults import FaultLog, FtpFault, validate_faults, with_faults
from hil.ftp.handler import make_handler
from hil.ftp.loop import StoppableIOLoop
from hil.ftp.policy import TransferPolicy
from hil.ftp.recorder import SessionRecorder

READ_ONLY_PERMS = "elr"
JOIN_TIMEOUT = 5.0
log = logging.getLogger(__name__)


@dataclass
class FtpServerConfig:
    """What to serve, how, and where."""

    root: Path
    policy: TransferPolicy = TransferPolicy.CLIENT
    bind_host: str = "127.0.0.1"
    port: int = 0
    advertised_host: str | None = None
    """IPv4 address put in PASV replies instead of the local one (a bench behind NAT)."""
    passive_ports: range | None = None
    user: str | None = None
    password: str | None = None
    auth_failed_timeout: float = 0.2
    """Seconds before a failed login is answered (pyftpdlib's default is 3)."""
    faults: tuple[FtpFault, ...] = ()
    """Faults to inject (``hil.ftp.faults``); none for a well-behaved server."""


def _validate(config: FtpServerConfig) -> Path:
    """The resolved root directory, after checking the whole configuration."""
    root = Path(config.root).expanduser()
    if not root.is_dir():
        what = "is not a directory" if root.exists() else "does not exist"
        raise HilError(f"FTP root directory {root} {what}")
    try:
        TransferPolicy(config.policy)
    except ValueError:
        choices = ", ".join(p.value for p in TransferPolicy)
        raise HilError(f"unknown FTP transfer policy {config.policy!r} (use {choices})") from None
    if not 0 <= config.port <= 65535:
        raise HilError(f"FTP port {config.port} is outside 0-65535")
    ports = config.passive_ports
    if ports is not None and (
        not isinstance(ports, range) or len(ports) == 0 or min(ports) < 1 or max(ports) > 65535
    ):
        raise HilError(f"invalid FTP passive port range {ports!r}: need ports within 1-65535")
    if config.advertised_host is not None:
        try:
            ipaddress.IPv4Address(config.advertised_host)
        except ValueError:
            raise HilError(
                f"FTP advertised host {config.advertised_host!r} is not an IPv4 address"
            ) from None
    if config.auth_failed_timeout < 0:
        raise HilError("FTP auth_failed_timeout must not be negative")
    validate_faults(tuple(config.faults))
    return root.resolve()


class FtpServer:
    """A read-only FTP server for one user, jailed to ``config.root``, run in a daemon thread."""

    def __init__(self, config: FtpServerConfig) -> None:
        self.config = config
        self.user = config.user if config.user is not None else f"hil{secrets.token_hex(3)}"
        self.password = config.password if config.password is not None else secrets.token_hex(12)
        self.recorder = SessionRecorder()
        self.fault_log = FaultLog()
        self._loop: StoppableIOLoop | None = None
        self._thread: threading.Thread | None = None
        self._address: tuple[str, int] | None = None

    def start(self) -> FtpServer:
        """Bind, then serve in a background thread; returns self."""
        if self.running:
            raise HilError("FTP server is already running")
        root = _validate(self.config)
        authorizer = DummyAuthorizer()
        authorizer.add_user(self.user, self.password, str(root), perm=READ_ONLY_PERMS)
        handler = make_handler(
            authorizer=authorizer,
            policy=self.config.policy,
            recorder=self.recorder,
            masquerade_address=self.config.advertised_host,
            passive_ports=self.config.passive_ports,
            auth_failed_timeout=self.config.auth_failed_timeout,
        )
        if self.config.faults:
            handler = with_faults(handler, tuple(self.config.faults), self.fault_log)
        loop = StoppableIOLoop()
        try:
            server = FTPServer((self.config.bind_host, self.config.port), handler, ioloop=loop)
        except OSError as err:
            loop.close()
            raise self._bind_error(err) from err
        except BaseException:
            loop.close()
            raise
        host, port = server.address
        self._address = (host, port)
        self._loop = loop
        self._thread = threading.Thread(target=loop.run, name=f"ftp-server-{port}", daemon=True)
        self._thread.start()
        log.debug("FTP server on %s:%s serving %s (%s)", host, port, root, self.config.policy)
        return self

    def _bind_error(self, err: OSError) -> HilError:
        where = f"{self.config.bind_host}:{self.config.port}"
        if err.errno is None and err.args and isinstance(err.args[0], OSError):
            err = err.args[0]  # pyftpdlib's bind_af_unspecified wraps the last bind error
        if err.errno == errno.EADDRINUSE:
            return HilError(f"FTP port {where} is already in use")
        reason = err.strerror or str(err)
        return HilError(f"cannot listen for FTP on {where}: {reason}")

    def stop(self) -> None:
        """Stop serving, close every socket and join the thread (no-op when not running)."""
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is None or thread is None:
            return
        with contextlib.suppress(OSError):  # a loop a fault stopped (StopServer) may be closing
            loop.wake()
        thread.join(JOIN_TIMEOUT)
        if thread.is_alive():
            raise HilError(f"FTP server thread did not stop within {JOIN_TIMEOUT:g} s")

    @property
    def running(self) -> bool:
        """Whether the server thread is serving."""
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> FtpServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _bound(self) -> tuple[str, int]:
        if self._address is None:
            raise HilError("FTP server has not been started")
        return self._address

    @property
    def host(self) -> str:
        """The address clients use: ``advertised_host`` if set, else the bound address."""
        return self.config.advertised_host or self._bound()[0]

    @property
    def port(self) -> int:
        """The control port actually bound (also when the config asked for port 0)."""
        return self._bound()[1]

    def url(self, path: str = "") -> str:
        """``ftp://user@host:port/path``, without the password."""
        host = self.host
        if ":" in host:
            host = f"[{host}]"
        return f"ftp://{quote(self.user, safe='')}@{host}:{self.port}/{quote(path.lstrip('/'))}"

    def __repr__(self) -> str:
        where = f"{self._address[0]}:{self._address[1]}" if self._address else "not started"
        return f"FtpServer({where}, root={self.config.root}, policy={self.config.policy})"


def parse_port_range(text: str) -> range:
    """``"60000-60100"`` as a range of ports (both ends included)."""
    try:
        low, high = (int(part) for part in text.split("-"))
    except ValueError:
        raise HilError(f"expected a port range LOW-HIGH, got {text!r}") from None
    if not 0 < low <= high < 65536:
        raise HilError(f"{text!r} is not a valid port range (1-65535, LOW <= HIGH)")
    return range(low, high + 1)
