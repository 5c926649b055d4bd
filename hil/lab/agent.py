"""The probe agent protocol: JSON lines that drive one ``hil.probe.Probe`` on the exporter host.

The DK driver starts ``hil probe-agent`` on the host that has the J-Link (through the
resource's SSH prefix, as labgrid's OpenOCD driver runs ``openocd`` there) and talks to it over
its stdin/stdout, one request and one reply per line::

    {"op": "read", "memory": "internal", "address": 843776, "length": 4096}
    {"ok": true, "data": "<base64>"}
    {"ok": false, "error": "ProbeProtected", "message": "the nRF5340 is access-protected ..."}

The simulated DK serves the same protocol on a Unix socket, so the driver cannot tell them apart.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from hil.errors import HilError
from hil.probe import Memory, Probe, ProbeError, ProbeProtected, ProbeUnavailable

log = logging.getLogger("hil.lab")

OPERATIONS = ("hello", "program", "erase", "reset", "read", "recover")
ERRORS: dict[str, type[HilError]] = {
    "ProbeUnavailable": ProbeUnavailable,
    "ProbeProtected": ProbeProtected,
    "ProbeError": ProbeError,
    "HilError": HilError,
}


def encode(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, separators=(",", ":")) + "\n").encode()


def decode(line: bytes) -> dict[str, Any]:
    try:
        message = json.loads(line)
    except ValueError:
        raise HilError(f"probe agent: not a JSON line: {line[:80]!r}") from None
    if not isinstance(message, dict):
        raise HilError(f"probe agent: expected a JSON object, got {line[:80]!r}")
    return message


def error_reply(err: BaseException) -> dict[str, Any]:
    name = next((n for n, cls in ERRORS.items() if type(err) is cls), "HilError")
    return {"ok": False, "error": name, "message": str(err)}


def raise_for(reply: dict[str, Any]) -> dict[str, Any]:
    """The reply itself when it is ``ok``, else the probe error it carries, re-raised here."""
    if reply.get("ok"):
        return reply
    cls = ERRORS.get(str(reply.get("error")), HilError)
    raise cls(str(reply.get("message") or "probe agent failed without a message"))


def _int(request: dict[str, Any], key: str) -> int:
    value = request.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise HilError(f"probe agent: {key!r} must be an integer, got {value!r}")
    return value


def _memory(request: dict[str, Any]) -> Memory:
    try:
        return Memory(request.get("memory"))
    except ValueError:
        raise HilError(f"probe agent: unknown memory {request.get('memory')!r}") from None


def handle(probe: Probe, request: dict[str, Any]) -> dict[str, Any]:
    """Run one request on ``probe``; probe failures become error replies, never exceptions."""
    op = request.get("op")
    try:
        if op == "hello":
            return {"ok": True, "backend": probe.backend, "snr": probe.snr}
        if op == "program":
            probe.program(Path(str(request.get("path"))))
        elif op == "erase":
            probe.erase(_memory(request), _int(request, "address"), _int(request, "length"))
        elif op == "reset":
            probe.reset()
        elif op == "read":
            data = probe.read(_memory(request), _int(request, "address"), _int(request, "length"))
            return {"ok": True, "data": base64.b64encode(data).decode()}
        elif op == "recover":
            probe.recover()
        else:
            known = ", ".join(OPERATIONS)
            raise HilError(f"probe agent: unknown operation {op!r} (known: {known})")
    except HilError as err:
        return error_reply(err)
    return {"ok": True}


Handler = Callable[[dict[str, Any]], dict[str, Any]]


def serve(handler: Handler, rfile: IO[bytes], wfile: IO[bytes]) -> None:
    """Answer request lines from ``rfile`` on ``wfile`` until end of input."""
    for line in rfile:
        if not line.strip():
            continue
        try:
            reply = handler(decode(line))
        except HilError as err:
            reply = error_reply(err)
        wfile.write(encode(reply))
        wfile.flush()


def unavailable_handler(reason: ProbeUnavailable) -> Handler:
    """Answers every request with the reason the probe could not be opened."""

    def answer(_request: dict[str, Any]) -> dict[str, Any]:
        return error_reply(reason)

    return answer
