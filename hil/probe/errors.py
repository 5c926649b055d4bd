"""Probe failures as one-line, actionable errors, from pynrfjprog codes and tool exit codes."""

from __future__ import annotations

from hil.errors import HilError


class ProbeError(HilError):
    """A probe operation failed; the message says what to do about it."""


class ProbeUnavailable(ProbeError):
    """No J-Link software or no probe here: a hardware test skips instead of failing."""


class ProbeProtected(ProbeError):
    """The nRF5340's debug port is locked (APPROTECT); only an explicit recover opens it."""


def recover_hint(snr: int | None) -> str:
    which = f" --snr {snr}" if snr else ""
    serial = f" --serial-number {snr}" if snr else ""
    return (
        "the nRF5340 is access-protected (APPROTECT): recover it, which erases all its flash, "
        f"with 'nrfjprog --recover{which}' or 'nrfutil device recover{serial}', or set "
        "'recover: true' for this DK in the hardware map"
    )


NO_JLINK_SOFTWARE = (
    "SEGGER J-Link software not found (libjlinkarm): install the J-Link Software and "
    "Documentation Pack, or set 'jlink_dll' in the hardware map"
)
NO_PROBE = (
    "no J-Link probe found: connect the DK's debug USB port (J-Link OB) and switch the DK on"
)


def absent_hint(snr: int | None) -> str:
    return (
        f"J-Link {snr} is not attached: check 'snr' in the hardware map "
        "('nrfjprog --ids' or 'nrfutil device list' shows attached probes)"
    )


def no_connect_hint(snr: int | None) -> str:
    return (
        f"cannot reach the nRF5340 through J-Link {snr or '?'}: check that the DK is switched "
        "on and that no other program (J-Link Commander, a debugger) holds the probe"
    )


# pynrfjprog NrfjprogdllErr value -> (error class, hint); None hints are built per call.
_API_HINTS: dict[int, tuple[type[ProbeError], str | None]] = {
    -100: (ProbeUnavailable, NO_JLINK_SOFTWARE),
    -101: (ProbeUnavailable, NO_JLINK_SOFTWARE),
    -13: (ProbeUnavailable, NO_PROBE),
    -10: (ProbeUnavailable, None),
    -11: (ProbeError, None),
    -12: (ProbeError, "target voltage too low: power the DK from USB or its supply and retry"),
    -90: (ProbeProtected, None),
    -92: (
        ProbeError,
        "the network core is powered off (NETWORK.FORCEOFF): use the application core",
    ),
    -103: (ProbeError, "the J-Link software is too old for pynrfjprog: update the J-Link pack"),
    -102: (ProbeError, "J-Link library error: unplug and replug the DK, update J-Link if it stays"),
    -104: (ProbeError, "J-Link read error: unplug and replug the DK, then retry"),
    -105: (ProbeError, "J-Link timed out: unplug and replug the DK, then retry"),
    -220: (ProbeError, "the probe timed out: unplug and replug the DK, then retry"),
    -150: (ProbeError, "pynrfjprog's native library is missing: reinstall pynrfjprog"),
    -151: (ProbeError, "pynrfjprog's native library cannot be loaded: reinstall pynrfjprog"),
    -153: (ProbeError, "pynrfjprog's J-Link worker is missing: reinstall pynrfjprog"),
    -160: (ProbeError, "flash contents differ from the hex after programming: re-run; if it "
           "persists, recover the DK"),
    -170: (ProbeError, "the hex file cannot be parsed: rebuild it with west build"),
    -171: (ProbeError, "unknown firmware file format: give an Intel HEX file"),
    -172: (ProbeError, "the firmware file is invalid: rebuild it with west build"),
    -20: (ProbeError, "the flash controller refused the write (protected region?): recover"),
    -21: (ProbeError, "recover failed: power-cycle the DK and retry"),
}


def from_api_error(code: int, name: str, action: str, snr: int | None) -> ProbeError:
    """The error for a pynrfjprog ``APIError`` raised during ``action``."""
    kind, hint = _API_HINTS.get(code, (ProbeError, None))
    if code == -10:
        hint = absent_hint(snr)
    elif code == -11:
        hint = no_connect_hint(snr)
    elif code == -90:
        hint = recover_hint(snr)
    elif hint is None:
        hint = "unexpected probe error: power-cycle the DK and retry"
    return kind(f"{action}: {hint} [pynrfjprog {code} {name}]")


# nrfjprog exit codes (nrfjprog.h as copied in public repositories).
NRFJPROG_EXIT_HINTS: dict[int, tuple[type[ProbeError], str | None]] = {
    16: (ProbeProtected, None),
    18: (ProbeError, "the attached chip is not an nRF53: check 'snr' in the hardware map"),
    33: (ProbeUnavailable, NO_JLINK_SOFTWARE),
    41: (ProbeUnavailable, NO_PROBE),
    42: (ProbeError, None),
    43: (ProbeError, "target voltage too low: power the DK from USB or its supply and retry"),
    51: (ProbeError, "nrfjprog cannot find the file: check the build directory"),
    55: (ProbeError, "flash contents differ from the hex after programming: re-run; if it "
         "persists, recover the DK"),
}


def from_nrfjprog_exit(rc: int, detail: str, action: str, snr: int | None) -> ProbeError:
    """The error for an nrfjprog command line that exited with ``rc``."""
    kind, hint = NRFJPROG_EXIT_HINTS.get(rc, (ProbeError, None))
    if rc == 16:
        hint = recover_hint(snr)
    elif rc == 42:
        hint = no_connect_hint(snr)
    elif hint is None:
        hint = detail or "unexpected nrfjprog failure: power-cycle the DK and retry"
    return kind(f"{action}: {hint} [nrfjprog exit {rc}]")


# nrfutil error codes (Zephyr's nrf_common maps nrfjprog 16 -> 24 and 55 -> 25).
NRFUTIL_PROTECTED = 24
NRFUTIL_VERIFY = 25


def from_nrfutil_error(code: int | None, text: str, action: str, snr: int | None) -> ProbeError:
    """The error for an ``nrfutil device`` command that reported ``code`` / ``text``."""
    lowered = text.lower()
    where = f" [nrfutil error {code}]" if code is not None else " [nrfutil]"
    if code == NRFUTIL_PROTECTED or "notavailablebecauseprotection" in lowered:
        return ProbeProtected(f"{action}: {recover_hint(snr)}{where}")
    if code == NRFUTIL_VERIFY:
        return ProbeError(f"{action}: {_API_HINTS[-160][1]}{where}")
    if "jlinkarm" in lowered or "libjlink" in lowered or "j-link software" in lowered:
        return ProbeUnavailable(f"{action}: {NO_JLINK_SOFTWARE}{where}")
    if "no devices" in lowered or "no device found" in lowered:
        return ProbeUnavailable(f"{action}: {absent_hint(snr) if snr else NO_PROBE}{where}")
    detail = " ".join(text.split()) or "unexpected nrfutil failure: power-cycle the DK and retry"
    return ProbeError(f"{action}: {detail}{where}")
