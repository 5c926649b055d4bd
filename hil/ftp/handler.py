"""The FTP control-channel handler: policy-driven RETR and session recording."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, BinaryIO

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import DTPHandler, FTPHandler
from pyftpdlib.handlers.ftp.producers import FileProducer

from hil.ftp.ascii import PolicyFileProducer
from hil.ftp.policy import BINARY, TransferPolicy, effective_type
from hil.ftp.recorder import SessionRecorder, TransferRecord

BANNER = "FTP-DFU test server ready."


@dataclass
class _PendingRetr:
    """A RETR waiting for its data connection to finish."""

    path: str
    client_type: str
    transfer_type: str
    type_commands: tuple[str, ...]
    file_size: int
    bytes_on_wire: int = 0


class PolicyDTPHandler(DTPHandler):
    """A data channel that uses sendfile only when the effective type is binary.

    pyftpdlib decides from the client's TYPE, and sendfile bypasses the producer, which would
    skip a translation the policy forces.
    """

    ac_out_buffer_size = 0x100000  # one sendfile() of up to 1 MiB per loop turn (was 64 KiB)
    _producer_type: str | None = None

    def push_with_producer(self, producer: Any) -> None:
        self._producer_type = getattr(producer, "type", None)
        super().push_with_producer(producer)

    def use_sendfile(self) -> bool:
        if self._producer_type != BINARY or not self.cmd_channel.use_sendfile:
            return False
        try:
            self.file_obj.fileno()
        except (AttributeError, OSError, ValueError):
            return False
        return True


class PolicyFTPHandler(FTPHandler):
    """An FTP handler whose transfer type follows ``policy`` and which fills ``recorder``.

    Configure it through a subclass per server (see :func:`make_handler`): pyftpdlib keeps
    its settings in class attributes.
    """

    banner = BANNER
    dtp_handler = PolicyDTPHandler
    policy: TransferPolicy = TransferPolicy.CLIENT
    recorder: SessionRecorder

    def __init__(self, conn: Any, server: Any, ioloop: Any = None) -> None:
        self.session_id = self.recorder.new_session()
        self._type_lines: list[str] = []
        self._retr_path: str | None = None
        self._pending: _PendingRetr | None = None
        super().__init__(conn, server, ioloop=ioloop)

    def pre_process_command(self, line: str, cmd: str, arg: str) -> None:
        record = self.recorder.add_command(self.session_id, line, cmd, arg)
        if cmd == "TYPE":
            self._type_lines.append(record.line)
        super().pre_process_command(line, cmd, arg)

    def ftp_RETR(self, file: str) -> str | None:
        self._retr_path = self.fs.fs2ftp(file)
        try:
            return super().ftp_RETR(file)
        finally:
            self._retr_path = None

    def push_dtp_data(
        self,
        data: Any,
        isproducer: bool = False,
        file: BinaryIO | None = None,
        cmd: str | None = None,
    ) -> None:
        if cmd == "RETR" and isinstance(data, FileProducer) and self._retr_path is not None:
            client_type = self._current_type
            transfer_type = effective_type(self.policy, client_type)
            data = PolicyFileProducer(data.file, transfer_type)
            self._pending = _PendingRetr(
                path=self._retr_path,
                client_type=client_type,
                transfer_type=transfer_type,
                type_commands=tuple(self._type_lines),
                file_size=os.fstat(data.file.fileno()).st_size,
            )
        super().push_dtp_data(data, isproducer=isproducer, file=file, cmd=cmd)

    def log_transfer(
        self,
        cmd: str,
        filename: str,
        receive: bool,
        completed: bool,
        elapsed: float,
        bytes: int,
    ) -> None:
        if cmd == "RETR" and not receive and self._pending is not None:
            self._pending.bytes_on_wire = bytes
        super().log_transfer(cmd, filename, receive, completed, elapsed, bytes)

    def on_file_sent(self, file: str) -> None:
        self._finish_retr(completed=True)
        super().on_file_sent(file)

    def on_incomplete_file_sent(self, file: str) -> None:
        self._finish_retr(completed=False)
        super().on_incomplete_file_sent(file)

    def _finish_retr(self, completed: bool) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        self.recorder.add_transfer(
            TransferRecord(
                session=self.session_id,
                path=pending.path,
                client_type=pending.client_type,
                transfer_type=pending.transfer_type,
                type_commands=pending.type_commands,
                file_size=pending.file_size,
                bytes_on_wire=pending.bytes_on_wire,
                completed=completed,
            )
        )


def make_handler(
    *,
    authorizer: DummyAuthorizer,
    policy: TransferPolicy,
    recorder: SessionRecorder,
    masquerade_address: str | None = None,
    passive_ports: range | None = None,
    auth_failed_timeout: float = 3.0,
) -> type[PolicyFTPHandler]:
    """A handler class of its own for one server, so servers never share settings."""
    attributes = {
        "authorizer": authorizer,
        "policy": TransferPolicy(policy),
        "recorder": recorder,
        "masquerade_address": masquerade_address,
        "masquerade_address_map": {},
        "passive_ports": passive_ports,
        "auth_failed_timeout": auth_failed_timeout,
    }
    return type("ServerFTPHandler", (PolicyFTPHandler,), attributes)
