"""``hil reproduce`` from its arguments: the build, the server, three modes, their rows."""

from __future__ import annotations

import argparse
import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hil.errors import HilError
from hil.ftp.url import FtpUrl, parse_ftp_url
from hil.layout import Layout
from hil.protocol import ClientMode
from hil.reproduce.images import Build, resolve_build
from hil.reproduce.report import Offer, summarize
from hil.reproduce.story import run_mode
from hil.reproduce.tap import SocketTap, resolve, unreachable
from hil.sim.device import SimConfig

UPDATE_FILE = "app_update.bin"


def reproduce(args: argparse.Namespace) -> tuple[list[dict[str, Any]], Offer]:
    """Run the three modes as the arguments say; the JSON rows and what was offered."""
    url = parse_ftp_url(args.server) if args.server else None
    layout = Layout.resolve(args.layout)
    build = resolve_build(
        layout,
        key=args.key,
        key_type=args.key_type,
        image=args.image,
        factory_image=args.factory_image,
        remote=url is not None,
    )
    config = SimConfig(
        layout=layout,
        keys=build.keys,
        factory_image=build.factory_image,
        listen_time=args.listen_time,
    )
    with _server(url, build) as served_url:
        offer = _offer(served_url, build, args.size, layout, args.listen_time, url is None)
        addresses = resolve(served_url.host, served_url.port)
        rows = []
        for mode in ClientMode:
            # a tap per mode: a data task still running from the previous mode counts there
            tap = SocketTap(addresses, served_url.port)
            run = run_mode(config, served_url, offer.size, mode, tap)
            error = tap.connect_error
            if not rows and not tap.control_connected and error and unreachable(error):
                why = error.strerror or error
                raise HilError(
                    f"cannot reach the FTP server at {served_url.host}:{served_url.port}: {why}"
                )
            rows.append(summarize(run, offer))
    return rows, offer


@contextlib.contextmanager
def _server(url: FtpUrl | None, build: Build) -> Iterator[FtpUrl]:
    """The given server, or a local pyftpdlib server (ASCII by default, as pyftpdlib is)."""
    if url is not None:
        yield url
        return
    from hil.ftp.policy import TransferPolicy
    from hil.ftp.server import FtpServer, FtpServerConfig

    assert build.update_image is not None
    with tempfile.TemporaryDirectory(prefix="hil-reproduce-") as tmp:
        (Path(tmp) / UPDATE_FILE).write_bytes(build.update_image)
        config = FtpServerConfig(root=Path(tmp), policy=TransferPolicy.CLIENT)
        with FtpServer(config) as server:
            yield FtpUrl(server.host, server.port, server.user, server.password, UPDATE_FILE)


def _offer(
    url: FtpUrl, build: Build, size: int | None, layout: Layout, timeout: float, local: bool
) -> Offer:
    """What the DK is offered, and the size announced to it (see the command's epilog)."""
    served = build.update_image
    served_size = None if served is None else len(served)
    if size is not None:
        source = "--size"
    elif served is not None:
        size, source = len(served), "the served file" if local else "the length of --image"
    else:
        from hil.reproduce.size import query_size

        served_size, source = query_size(url, timeout)
        size = served_size
        if size is None:
            size, source = layout.slot_size, f"the slot size: {source}"
    where = "local pyftpdlib server" if local else url.masked()
    return Offer(where, size, source, served, served_size, build.key_note, build.signature_checked)
