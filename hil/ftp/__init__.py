"""The FTP server the device downloads its update image from (pyftpdlib in a thread)."""

from hil.ftp.ascii import PolicyFileProducer, wire_bytes
from hil.ftp.policy import TransferPolicy, effective_type
from hil.ftp.recorder import CommandRecord, SessionRecorder, TransferRecord
from hil.ftp.server import FtpServer, FtpServerConfig

__all__ = [
    "CommandRecord",
    "FtpServer",
    "FtpServerConfig",
    "PolicyFileProducer",
    "SessionRecorder",
    "TransferPolicy",
    "TransferRecord",
    "effective_type",
    "wire_bytes",
]
