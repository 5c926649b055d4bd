"""How ftp_client.c reads a reply buffer and a PASV reply: C string semantics, byte for byte.

``parse_return_code`` is l.63-90: ``strtol`` at each line start (after a CR LF), a code counts
only when the digits are followed by a space; the expected code wins, else the last code seen,
else ``FTP_CODE_500``. ``parse_pasv_port`` is l.105-125: the port from the two numbers before
the last ``)``, the address ignored.
"""

from __future__ import annotations

CODE_ANY = 0  # FTP_CODE_ANY: the reply is not parsed at all
CODE_500 = 500
LONG_MIN, LONG_MAX = -(2**31), 2**31 - 1  # a 32-bit long on the Cortex-M33

_C_SPACE = b" \t\n\v\f\r"


def c_string(buffer: bytes) -> bytes:
    """What C string functions see of a NUL-terminated buffer."""
    end = buffer.find(b"\0")
    return buffer if end < 0 else buffer[:end]


def strtol(text: bytes, start: int = 0) -> tuple[int, int]:
    """``strtol(text + start, &end, 10)``: the value and the index ``end`` points at.

    Leading white space and one sign are skipped; no digits leaves ``end`` at ``start``; out of
    range values clamp to LONG_MIN / LONG_MAX.
    """
    i = start
    while i < len(text) and text[i] in _C_SPACE:
        i += 1
    negative = False
    if i < len(text) and text[i] in b"+-":
        negative = text[i] == ord("-")
        i += 1
    digits_start = i
    while i < len(text) and 0x30 <= text[i] <= 0x39:
        i += 1
    if i == digits_start:
        return 0, start
    value = int(text[digits_start:i])
    value = -value if negative else value
    return max(LONG_MIN, min(LONG_MAX, value)), i


def atoi(text: bytes) -> int:
    """``atoi()``: ``strtol`` in base 10, the result truncated to a 32-bit int."""
    value, _ = strtol(text)
    return (value + 2**31) % 2**32 - 2**31


def parse_return_code(buffer: bytes, success_code: int) -> int:
    """l.63-90: the success code if a line carries it, else the last ``NNN `` code, else 500."""
    if success_code == CODE_ANY:
        return CODE_ANY
    message = c_string(buffer)
    ret = CODE_500
    pos = 0
    while True:
        code, end = strtol(message, pos)
        if code and end < len(message) and message[end] == ord(" "):
            ret = code
            if ret == success_code:
                break
        nxt = message.find(b"\r\n", pos)
        if nxt < 0:
            break
        pos = nxt + 2
    return ret


def parse_pasv_port(buffer: bytes) -> int | None:
    """l.105-125: the data port, or None where the real code returns -EINVAL."""
    message = c_string(buffer)
    close = message.rfind(b")")
    if close < 0:
        return None
    comma = message.rfind(b",")
    if comma < 0:
        return None
    low = atoi(message[comma + 1 : close] if close > comma else message[comma + 1 :])
    digit = comma - 1
    while digit >= 0 and 0x30 <= message[digit] <= 0x39:
        digit -= 1
    if digit < 0 or message[digit] != ord(","):
        return None
    high = atoi(message[digit + 1 : comma])
    return (low + (high << 8)) & 0xFFFF
