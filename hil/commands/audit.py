"""``hil audit``: does an FTP server mangle ASCII (TYPE A) downloads? Ask it, byte for byte."""

from __future__ import annotations

import argparse
import contextlib
import ftplib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

from hil.dumps import load_dump
from hil.errors import HilError
from hil.forensics import classify
from hil.forensics.transforms import lone_lf_offsets

EPILOG = (
    "Exit codes: 0 every download holds the same bytes (no mangling); "
    "1 the server mangles ASCII downloads (what changed is printed); 2 unusable input or server "
    "unreachable (one-line error)."
)
DEFAULT_PORT = 21
BLOCK = 65536
MASK = "******"


@dataclass(frozen=True)
class FtpTarget:
    """Where the file is and how to log in (anonymous when the URL has no user)."""

    host: str
    port: int
    user: str
    password: str
    path: str

    def url(self) -> str:
        """The URL with the password masked."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ftp://{self.user}:{MASK}@{host}:{self.port}{self.path}"


def parse_url(text: str) -> FtpTarget:
    """``ftp://user:pass@host[:port]/path`` (user and password percent-decoded)."""
    try:
        parts = urlsplit(text)
        port = parts.port or DEFAULT_PORT
    except ValueError as err:
        raise HilError(f"bad FTP URL: {err}") from None
    if parts.scheme.lower() != "ftp":
        raise HilError(f"not an ftp:// URL: scheme {parts.scheme or '(none)'!r}")
    if not parts.hostname:
        raise HilError("the FTP URL has no host")
    path = unquote(parts.path)
    if not path or path.endswith("/"):
        raise HilError("the FTP URL must name a file, e.g. ftp://host/app_update.bin")
    user = unquote(parts.username) if parts.username else "anonymous"
    password = unquote(parts.password) if parts.password is not None else "anonymous@"
    return FtpTarget(parts.hostname, port, user, password, path)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="check whether an FTP server mangles ASCII (TYPE A) downloads of a file",
        description="Download one file three times in one session: with no TYPE (the server's "
        "default, what the NCS ftp_client gets), in TYPE A and in TYPE I, and compare the bytes. "
        "A server that translates LF to CR LF in ASCII mode corrupts firmware fetched by a "
        "client that does not send TYPE I. The file must contain LF bytes.",
        epilog=EPILOG,
    )
    parser.add_argument("url", metavar="URL", help="ftp://user:pass@host[:port]/path")
    parser.add_argument(
        "--local",
        metavar="FILE",
        default=None,
        help="the file as it is on the server's disk: every download is compared with it, "
        "which also catches a server that translates TYPE I",
    )
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per network step")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(run=run)


def _retr(ftp: ftplib.FTP, path: str, step: Callable[[int], None]) -> bytes:
    chunks = []
    with ftp.transfercmd(f"RETR {path}") as conn:
        while chunk := conn.recv(BLOCK):
            chunks.append(chunk)
            step(len(chunk))
    ftp.voidresp()
    return b"".join(chunks)


@contextlib.contextmanager
def _session(target: FtpTarget, timeout: float) -> Iterator[ftplib.FTP]:
    ftp = ftplib.FTP(timeout=timeout)
    where = f"{target.host}:{target.port}"
    try:
        try:
            ftp.connect(target.host, target.port)
        except (OSError, EOFError) as err:
            raise HilError(f"cannot connect to FTP server {where}: {err}") from None
        try:
            ftp.login(target.user, target.password)
        except ftplib.error_perm as err:
            raise HilError(f"{where} refused the login of {target.user!r}: {err}") from None
        yield ftp
    except ftplib.error_reply as err:
        raise HilError(f"{where}: unexpected reply: {err}") from None
    except ftplib.error_perm as err:
        raise HilError(f"{where} refused {target.path}: {err}") from None
    except ftplib.error_temp as err:
        raise HilError(f"{where}: temporary failure: {err}") from None
    except (OSError, EOFError) as err:
        raise HilError(f"{where}: connection failed: {err or type(err).__name__}") from None
    finally:
        with contextlib.suppress(OSError, EOFError, ftplib.Error):
            ftp.close()


def _stepper(
    progress: Progress | None, label: str, reference: bytes | None
) -> Callable[[int], None]:
    """A callback advancing a progress bar for one download (sized once TYPE I is known)."""
    if progress is None:
        return lambda count: None
    task = progress.add_task(label, total=None if reference is None else len(reference))
    return lambda count: progress.advance(task, count)


def download_all(
    target: FtpTarget, timeout: float, progress: Progress | None = None
) -> tuple[str, dict[str, bytes]]:
    """The welcome line and the file as downloaded with no TYPE, TYPE A and TYPE I."""
    got: dict[str, bytes] = {}
    with _session(target, timeout) as ftp:
        welcome = ftp.getwelcome().splitlines()[0] if ftp.getwelcome() else ""
        for label, command in (("no TYPE", None), ("TYPE I", "TYPE I"), ("TYPE A", "TYPE A")):
            if command:
                ftp.voidcmd(command)
            got[label] = _retr(ftp, target.path, _stepper(progress, label, got.get("TYPE I")))
        with contextlib.suppress(OSError, EOFError, ftplib.Error):
            ftp.quit()
    return welcome, got


def audit(
    target: FtpTarget, welcome: str, got: dict[str, bytes], local: bytes | None = None
) -> dict[str, Any]:
    """The downloads compared with the original (``local``, else the TYPE I download)."""
    reference = got["TYPE I"] if local is None else local
    what = "the TYPE I download" if local is None else "the local copy"
    if not reference:
        raise HilError(f"{target.path} is empty: nothing to compare")
    lone = len(lone_lf_offsets(reference))
    if lone == 0:
        raise HilError(
            f"{what} of {target.path} holds no lone LF byte, so the audit cannot tell: the file "
            "has none (audit one that has, e.g. app_update.bin) or the server translates TYPE I "
            "too (pass --local FILE)"
        )
    downloads = {}
    for label in ("no TYPE", "TYPE A", "TYPE I"):
        data = got[label]
        finding = None if data is reference else classify(reference, data)
        downloads[label] = {
            "bytes": len(data),
            "same_as_reference": data == reference,
            "kind": finding.kind.value if finding else "reference",
            "summary": finding.summary if finding else "the reference for the other downloads",
        }
    return {
        "url": target.url(),
        "server": welcome,
        "reference": what,
        "size": len(reference),
        "lone_lf": lone,
        "downloads": downloads,
        "mangles_ascii": got["TYPE A"] != reference,
        "default_type_mangles": got["no TYPE"] != reference,
        "binary_mangles": got["TYPE I"] != reference,
    }


def _human(result: dict[str, Any]) -> list[str]:
    rows = [("server", result["server"]), ("file", f"{result['url']}")]
    rows.append(("size", f"{result['size']} B, {result['lone_lf']} lone LF"))
    for label, info in result["downloads"].items():
        rows.append((label, f"{info['bytes']} B: {info['kind']}: {info['summary']}"))
    if result["mangles_ascii"] or result["binary_mangles"]:
        verdict = "MANGLES ASCII downloads"
        if result["default_type_mangles"]:
            verdict += "; a client that sends no TYPE (the NCS ftp_client) gets mangled bytes"
        if result["binary_mangles"]:
            verdict += "; even TYPE I downloads are mangled"
    else:
        verdict = f"no mangling: every download equals {result['reference']}"
    rows.append(("verdict", verdict))
    return [f"{name:<8} {value}" for name, value in rows]


def run(args: argparse.Namespace) -> int:
    target = parse_url(args.url)
    if args.timeout <= 0:
        raise HilError("--timeout must be positive")
    local = load_dump(args.local, "bin").data if args.local else None
    err = Console(stderr=True)
    progress = Progress(
        TextColumn("{task.description:<8}"),
        BarColumn(),
        DownloadColumn(),
        console=err,
        transient=True,
        disable=args.json or not err.is_terminal,
    )
    with progress:
        welcome, got = download_all(target, args.timeout, progress)
    result = audit(target, welcome, got, local)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("\n".join(_human(result)))
    return 1 if result["mangles_ascii"] or result["binary_mangles"] else 0
