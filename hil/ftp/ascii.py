"""pyftpdlib's TYPE A download transform, applied on every host, and its exact wire bytes."""

from __future__ import annotations

import io
from typing import BinaryIO

from pyftpdlib.handlers.ftp.producers import FileProducer

from hil.ftp.policy import ASCII, TYPE_NAMES


class PolicyFileProducer(FileProducer):
    """A ``FileProducer`` that translates whenever its type is ASCII.

    pyftpdlib skips the translation when ``os.linesep == "\\r\\n"`` (Windows hosts); this
    producer always applies pyftpdlib's own ``_posix_ascii_data_wrapper``, so a TYPE A download
    carries the same bytes on every host, 64 KiB chunk-boundary quirk included.
    """

    def __init__(self, file: BinaryIO, transfer_type: str) -> None:
        if transfer_type not in TYPE_NAMES:
            raise ValueError(f"transfer type must be 'a' or 'i', not {transfer_type!r}")
        super().__init__(file, transfer_type)
        if transfer_type == ASCII:
            self._data_wrapper = self._posix_ascii_data_wrapper


def wire_bytes(data: bytes, transfer_type: str) -> bytes:
    """The bytes the server sends for a file holding ``data`` in ``transfer_type`` ("a"/"i")."""
    producer = PolicyFileProducer(io.BytesIO(data), transfer_type)
    chunks: list[bytes] = []
    while chunk := producer.more():
        chunks.append(bytes(chunk))
    return b"".join(chunks)
