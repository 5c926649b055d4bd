"""``hil audit``: does an FTP server mangle ASCII (TYPE A) downloads? Ask it, byte for byte."""

from __future__ import annotations

import argparse
import contextlib
import ftplib
import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from hil.errors import HilError
from hil.ftp.url import FtpUrl, parse_ftp_url

if TYPE_CHECKING:
    from rich.progress import Progress

EXIT_CLEAN, EXIT_DEFAULT_MANGLED, EXIT_TYPE_A_ONLY = 0, 1, 3
EPILOG = (
    "Exit codes: 0 every download holds the same bytes (no mangling); 1 the server mangles what "
    "the NCS ftp_client gets by default (no TYPE), or even TYPE I downloads; 2 unusable input, "
    "a --local FILE that is not the served file, or server unreachable (one-line error); "
    "3 only TYPE A downloads are mangled (the NCS client's default is safe on this server)."
)
BLOCK = 65536


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
def _session(target: FtpUrl, timeout: float) -> Iterator[ftplib.FTP]:
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
    target: FtpUrl, timeout: float, progress: Progress | None = None
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


ASCII_KINDS = ("identical", "lf-to-crlf")


def _check_local(target: FtpUrl, got: dict[str, bytes], local: bytes, name: str) -> None:
    """Refuse a local file that no download is, nor becomes through an ASCII translation."""
    from hil.forensics import classify

    if not local:
        raise HilError(f"--local {name} is empty: nothing to compare")
    if any(classify(local, data).kind.value in ASCII_KINDS for data in got.values() if data):
        return
    binary = got["TYPE I"]
    raise HilError(
        f"--local {name} ({len(local)} B) is not the file the server serves: the TYPE I download "
        f"of {target.path} ({len(binary)} B) is neither that file nor that file after an ASCII "
        "translation; the server is not to blame: pass the file that is on the server"
    )


def audit(
    target: FtpUrl,
    welcome: str,
    got: dict[str, bytes],
    local: bytes | None = None,
    local_name: str = "FILE",
) -> dict[str, Any]:
    """The downloads compared with the original (``local``, else the TYPE I download)."""
    from hil.forensics import classify
    from hil.forensics.transforms import lone_lf_offsets

    reference = got["TYPE I"] if local is None else local
    what = "the TYPE I download" if local is None else "the local copy"
    if local is not None:
        _check_local(target, got, local, local_name)
    if not reference:
        raise HilError(f"{target.path} is empty: nothing to compare")
    lone = len(lone_lf_offsets(reference))
    if lone == 0 and (local is None or b"\n" not in reference):
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
    default, binary = got["no TYPE"] != reference, got["TYPE I"] != reference
    type_a = got["TYPE A"] != reference
    return {
        "url": target.masked(),
        "server": welcome,
        "reference": what,
        "size": len(reference),
        "lone_lf": lone,
        "downloads": downloads,
        "mangles_ascii": type_a,
        "default_type_mangles": default,
        "binary_mangles": binary,
        "type_a_only": type_a and not default and not binary,
        "fix": _fix(default, binary, type_a),
    }


def _fix(default: bool, binary: bool, type_a: bool) -> str | None:
    from hil.forensics.fixes import DOWNLOAD_FIX

    if binary:
        return (
            "TYPE I does not help here: set the server to binary (vsftpd "
            "ascii_download_enable=NO, proftpd TransferOptions IgnoreASCII) or use another server"
        )
    if default:
        return DOWNLOAD_FIX
    if type_a:
        return (
            "the NCS client's default (no TYPE) is safe on this server; an app that calls "
            "ftp_type(FTP_TYPE_ASCII) gets mangled images: call ftp_type(FTP_TYPE_BINARY) to be "
            "independent of the server's default"
        )
    return None


def _human(result: dict[str, Any]) -> list[str]:
    rows = [("server", result["server"]), ("file", f"{result['url']}")]
    rows.append(("size", f"{result['size']} B, {result['lone_lf']} lone LF"))
    for label, info in result["downloads"].items():
        rows.append((label, f"{info['bytes']} B: {info['kind']}: {info['summary']}"))
    if result["default_type_mangles"] or result["binary_mangles"]:
        verdict = "MANGLES what the NCS ftp_client gets by default (no TYPE): corrupted images"
        if not result["default_type_mangles"]:
            verdict = "MANGLES even TYPE I downloads"
        elif result["binary_mangles"]:
            verdict += "; even TYPE I downloads are mangled"
    elif result["type_a_only"]:
        verdict = (
            "mangles TYPE A only: no TYPE (the NCS ftp_client's default) and TYPE I downloads "
            "are unchanged"
        )
    else:
        verdict = f"no mangling: every download equals {result['reference']}"
    rows.append(("verdict", verdict))
    if result["fix"]:
        rows.append(("fix", result["fix"]))
    return [f"{name:<8} {value}" for name, value in rows]


def exit_code(result: dict[str, Any]) -> int:
    """1 when the NCS client's default or TYPE I is mangled, 3 for TYPE A alone, else 0."""
    if result["default_type_mangles"] or result["binary_mangles"]:
        return EXIT_DEFAULT_MANGLED
    return EXIT_TYPE_A_ONLY if result["type_a_only"] else EXIT_CLEAN


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from hil.dumps import load_dump

    target = parse_ftp_url(args.url, shell=False)
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
    result = audit(target, welcome, got, local, args.local)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("\n".join(_human(result)))
    return exit_code(result)
