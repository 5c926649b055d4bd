"""``hil serve``: a standalone FTP server for reproducing the update by hand on a bench."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from hil.errors import HilError
from hil.forensics.transforms import lone_lf_offsets, pyftpdlib_ascii
from hil.ftp.policy import TransferPolicy
from hil.ftp.server import FtpServer, FtpServerConfig, parse_port_range

EPILOG = (
    "Exit codes: 0 stopped with Ctrl-C; 2 unusable input (directory, address or port; one-line "
    "error). With --json, the first line is a JSON object with the URL and credentials, then "
    "one JSON object per FTP event."
)
POLL_SECONDS = 0.2
MAX_LISTED = 20
MAX_ANALYSED = 16 << 20


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {value} is outside 0-65535 (0: any free port)")
    return value


def _port_range(text: str) -> range:
    try:
        return parse_port_range(text)
    except HilError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve a directory over FTP (read-only) for a manual update on a bench",
        description="Serve DIR read-only over FTP with the suite's server: the same pyftpdlib "
        "ASCII translation on every host, a session log with passwords masked, and a policy "
        "that honours the client's TYPE (client), or forces ASCII or binary. Prints the URL "
        "and credentials; Ctrl-C stops it.",
        epilog=EPILOG,
    )
    parser.add_argument("directory", metavar="DIR", help="directory to serve (e.g. build/zephyr)")
    parser.add_argument(
        "--policy",
        choices=[p.value for p in TransferPolicy],
        default=TransferPolicy.CLIENT.value,
        help="client: the TYPE the client sends (ASCII until it sends one); ascii / binary: "
        "forced whatever TYPE says (default client)",
    )
    parser.add_argument(
        "--bind", default="127.0.0.1", help="address to listen on (default loopback)"
    )
    parser.add_argument(
        "--port", type=_port, default=2121, help="control port (default 2121, 0: any)"
    )
    parser.add_argument("--user", default=None, help="user name (default: generated)")
    parser.add_argument("--password", default=None, help="password (default: generated)")
    parser.add_argument(
        "--advertise",
        default=None,
        metavar="IPV4",
        help="address put in PASV replies, when the DK reaches this host through NAT",
    )
    parser.add_argument(
        "--passive-ports", type=_port_range, default=None, metavar="LOW-HIGH", help="data ports"
    )
    parser.add_argument("--json", action="store_true", help="print JSON lines instead of text")
    parser.set_defaults(run=run)


def _files(root: Path) -> list[dict[str, Any]]:
    """The served files with their sizes, and their size after a TYPE A download."""
    listed = []
    for path in sorted(p for p in root.iterdir() if p.is_file())[:MAX_LISTED]:
        try:
            if path.stat().st_size > MAX_ANALYSED:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        listed.append(
            {
                "name": path.name,
                "size": len(data),
                "lone_lf": len(lone_lf_offsets(data)),
                "ascii_size": len(pyftpdlib_ascii(data)),
            }
        )
    return listed


def _banner(server: FtpServer, policy: TransferPolicy, files: list[dict[str, Any]]) -> dict:
    host = f"[{server.host}]" if ":" in server.host else server.host
    login = f"{quote(server.user, safe='')}:{quote(server.password, safe='')}"
    url = f"ftp://{login}@{host}:{server.port}/"
    return {
        "event": "listening",
        "url": url,
        "host": server.host,
        "port": server.port,
        "user": server.user,
        "password": server.password,
        "policy": policy.value,
        "root": str(server.config.root),
        "files": files,
    }


def _print_banner(info: dict[str, Any]) -> None:
    print(f"serving  {info['root']} (policy {info['policy']})")
    print(f"url      {info['url']}")
    print(f"login    user {info['user']}  password {info['password']}")
    for entry in info["files"]:
        grow = entry["ascii_size"] - entry["size"]
        print(
            f"file     {entry['name']}: {entry['size']} B; {entry['lone_lf']} lone LF, "
            f"a TYPE A download sends {entry['ascii_size']} B ({grow:+d})"
        )
    print("Ctrl-C stops the server.", flush=True)


def run(args: argparse.Namespace) -> int:
    root = Path(args.directory)
    if not root.is_dir():
        raise HilError(f"{root} is not a directory")
    policy = TransferPolicy(args.policy)
    config = FtpServerConfig(
        root=root,
        policy=policy,
        bind_host=args.bind,
        port=args.port,
        advertised_host=args.advertise,
        passive_ports=args.passive_ports,
        user=args.user,
        password=args.password,
    )
    with _stopped_by_signals():
        server = FtpServer(config).start()
        try:
            info = _banner(server, policy, _files(root))
            if args.json:
                print(json.dumps(info), flush=True)
            else:
                _print_banner(info)
            _follow(server, args.json)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
    if args.json:
        print(json.dumps({"event": "stopped"}), flush=True)
    else:
        print("stopped.", flush=True)
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """SIGINT (Ctrl-C) and SIGTERM stop the server, whatever their disposition was at start.

    A shell without job control starts a background command (``hil serve DIR &`` in a CI
    script) with SIGINT ignored, and Python keeps it ignored; ``kill -INT`` must still stop
    the server. The previous handlers are put back afterwards.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def _follow(server: FtpServer, as_json: bool) -> None:
    """Print the session log as it grows (passwords are masked by the recorder)."""
    shown = 0
    while True:
        lines = server.recorder.lines()
        for line in lines[shown:]:
            print(json.dumps({"event": "ftp", "line": line}) if as_json else line, flush=True)
        shown = len(lines)
        time.sleep(POLL_SECONDS)
