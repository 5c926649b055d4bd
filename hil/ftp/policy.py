"""Which transfer type the server really uses: the client's TYPE or a forced one."""

from __future__ import annotations

from enum import StrEnum

ASCII = "a"
BINARY = "i"
TYPE_NAMES = {ASCII: "ASCII", BINARY: "binary"}


class TransferPolicy(StrEnum):
    """How the server chooses the transfer type of a RETR."""

    CLIENT = "client"
    """Honour the client's TYPE; ASCII until it sends one (RFC 959 §5.1, pyftpdlib)."""
    ASCII = "ascii"
    """Always translate LF to CRLF, whatever TYPE says."""
    BINARY = "binary"
    """Never translate, whatever TYPE says."""


def effective_type(policy: TransferPolicy, client_type: str) -> str:
    """The transfer type ("a" or "i") used for a RETR under ``policy``.

    ``client_type`` is the TYPE in force for the client: "a" (the default) or "i".
    """
    if client_type not in TYPE_NAMES:
        raise ValueError(f"transfer type must be 'a' or 'i', not {client_type!r}")
    match TransferPolicy(policy):
        case TransferPolicy.ASCII:
            return ASCII
        case TransferPolicy.BINARY:
            return BINARY
        case _:
            return client_type
