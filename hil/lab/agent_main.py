"""``hil probe-agent``: open the probe here and answer the driver's requests on stdin/stdout."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from pathlib import Path
from typing import IO

from hil.lab.agent import handle, serve, unavailable_handler
from hil.probe import ProbeOptions, ProbeUnavailable, ResetKind, open_probe


def _relay(path: str, rfile: IO[bytes], wfile: IO[bytes]) -> int:
    """The simulated DK answers the protocol itself: pass each line to its socket and back."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as err:
        why = ProbeUnavailable(f"simulated DK probe socket {path} is not there ({err.strerror})")
        serve(unavailable_handler(why), rfile, wfile)
        return 0
    with sock, sock.makefile("rb") as replies:
        for line in rfile:
            sock.sendall(line)
            reply = replies.readline()
            if not reply:
                print(f"simulated DK at {path} closed the connection", file=sys.stderr)
                return 1
            wfile.write(reply)
            wfile.flush()
    return 0


def run_agent(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    rfile, wfile = sys.stdin.buffer, sys.stdout.buffer
    if args.backend == "sim":
        if not args.sim_socket:
            print("probe-agent: --backend sim needs --sim-socket", file=sys.stderr)
            return 2
        return _relay(args.sim_socket, rfile, wfile)
    options = ProbeOptions(
        reset=ResetKind(args.reset),
        jlink_dll=args.jlink_dll,
        qspi_config=Path(args.qspi_config) if args.qspi_config else None,
        ext_mem_config=Path(args.ext_mem_config) if args.ext_mem_config else None,
    )
    try:
        probe = open_probe(args.backend, args.snr, options)
    except ProbeUnavailable as why:
        serve(unavailable_handler(why), rfile, wfile)
        return 0
    try:
        serve(lambda request: handle(probe, request), rfile, wfile)
    finally:
        probe.close()
    return 0
