"""Probe failures become one actionable line; 'no software / no probe' means skip."""

from __future__ import annotations

import pytest

from hil.probe.errors import (
    ProbeError,
    ProbeProtected,
    ProbeUnavailable,
    from_api_error,
    from_nrfjprog_exit,
    from_nrfutil_error,
)

API_CASES = [
    (-100, "JLINKARM_DLL_NOT_FOUND", ProbeUnavailable, "J-Link Software"),
    (-101, "JLINKARM_DLL_COULD_NOT_BE_OPENED", ProbeUnavailable, "J-Link Software"),
    (-13, "NO_EMULATOR_CONNECTED", ProbeUnavailable, "connect the DK's debug USB"),
    (-10, "EMULATOR_NOT_CONNECTED", ProbeUnavailable, "J-Link 123 is not attached"),
    (-11, "CANNOT_CONNECT", ProbeError, "switched on"),
    (-90, "NOT_AVAILABLE_BECAUSE_PROTECTION", ProbeProtected, "nrfjprog --recover --snr 123"),
    (-92, "NOT_AVAILABLE_BECAUSE_COPROCESSOR_DISABLED", ProbeError, "network core"),
    (-160, "VERIFY_ERROR", ProbeError, "differ from the hex"),
    (-254, "INTERNAL_ERROR", ProbeError, "power-cycle"),
]


@pytest.mark.parametrize(("code", "name", "kind", "text"), API_CASES)
def test_pynrfjprog_codes(code, name, kind, text):
    err = from_api_error(code, name, "read internal flash", 123)
    assert type(err) is kind
    message = str(err)
    assert message.startswith("read internal flash: ")
    assert text in message and f"[pynrfjprog {code} {name}]" in message
    assert "\n" not in message


def test_unavailable_is_an_error_too():
    assert issubclass(ProbeUnavailable, ProbeError) and issubclass(ProbeProtected, ProbeError)


@pytest.mark.parametrize(
    ("rc", "kind", "text"),
    [
        (16, ProbeProtected, "APPROTECT"),
        (33, ProbeUnavailable, "J-Link Software"),
        (41, ProbeUnavailable, "no J-Link probe"),
        (42, ProbeError, "cannot reach the nRF5340"),
        (55, ProbeError, "differ from the hex"),
        (99, ProbeError, "ERROR: odd"),
    ],
)
def test_nrfjprog_exit_codes(rc, kind, text):
    err = from_nrfjprog_exit(rc, "ERROR: odd", "program merged.hex", 7)
    assert type(err) is kind and text in str(err) and f"[nrfjprog exit {rc}]" in str(err)


@pytest.mark.parametrize(
    ("code", "text", "kind"),
    [
        (24, "protected", ProbeProtected),
        (None, "access port is protected (NotAvailableBecauseProtection)", ProbeProtected),
        (25, "verify", ProbeError),
        (1, "Failed to load libjlinkarm.so", ProbeUnavailable),
        (1, "No devices found", ProbeUnavailable),
        (3, "something\nelse", ProbeError),
    ],
)
def test_nrfutil_errors(code, text, kind):
    err = from_nrfutil_error(code, text, "reset", 5)
    assert type(err) is kind and "\n" not in str(err)
