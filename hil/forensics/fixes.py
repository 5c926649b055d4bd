"""The fix for each transfer mangling, printed where its cause is found."""

from __future__ import annotations

from hil.forensics.kinds import Kind

DOWNLOAD_FIX = (
    "make the download binary: call ftp_type(FTP_TYPE_BINARY) (sends TYPE I) before ftp_get() "
    "(the NCS ftp_client sends no TYPE on its own), or set the server to binary: vsftpd "
    "ascii_download_enable=NO, proftpd TransferOptions IgnoreASCII"
)
UPLOAD_FIX = "upload the image in binary: TYPE I before STOR (e.g. `binary` in an ftp client)"


def fix_for(kind: Kind, form_kind: Kind | None = None) -> str | None:
    """The fix for a finding of ``kind`` whose bytes match a ``form_kind`` transformation."""
    for candidate in (kind, form_kind):
        if candidate is Kind.LF_TO_CRLF:
            return DOWNLOAD_FIX
        if candidate is Kind.CRLF_TO_LF:
            return UPLOAD_FIX
    return None
