"""The size ``ftpdfu get`` announces for a file only the server has: ``SIZE`` in ``TYPE I``.

The firmware takes the file size as a shell argument (``dfu_target_init`` refuses a file larger
than the slot), so the host asks the server once, in its own session, before the DK downloads.
"""

from __future__ import annotations

import ftplib

from hil.errors import HilError
from hil.ftp.url import FtpUrl
from hil.reproduce.tap import unreachable

U32_MAX = 0xFFFFFFFF


def query_size(url: FtpUrl, timeout: float) -> tuple[int | None, str]:
    """(size in bytes or None, how it was learned or why not).

    Only a server that cannot be connected to is an error; any answer is reported.
    """
    ftp = ftplib.FTP(timeout=timeout)
    try:
        ftp.connect(url.host, url.port)
        ftp.login(url.user, url.password)
        ftp.voidcmd("TYPE I")
        reply = ftp.sendcmd(f"SIZE {url.path}")
        if not reply.startswith("213 "):
            return None, f"SIZE answered {reply.strip()!r}"
        size = int(reply[4:].strip())
        if not 0 <= size <= U32_MAX:  # the firmware's size argument is a uint32
            return None, f"SIZE answered {reply.strip()!r}, not a 32-bit size"
        return size, "SIZE in TYPE I, asked by the host"
    except OSError as err:
        if unreachable(err) and ftp.sock is None:
            raise HilError(
                f"cannot reach the FTP server at {url.host}:{url.port}: {err.strerror or err}"
            ) from None
        return None, f"the server gave no size ({err.strerror or err})"
    except (ftplib.Error, EOFError, ValueError) as err:
        text = str(err).strip() or type(err).__name__
        return None, f"the server gave no size ({text[:80]})"
    finally:
        try:
            ftp.quit()
        except (ftplib.Error, OSError, EOFError, AttributeError):
            ftp.close()
