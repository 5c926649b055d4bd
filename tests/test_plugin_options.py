"""A bad HIL option is one usage error before collection (exit 4), not an error per test."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

TWO_TESTS = """
def test_a(dut):
    pass


def test_b(update_kit):
    pass
"""

BAD_OPTIONS = [
    pytest.param(["--hil-layout", "nope.yml"], "--hil-layout: layout file not found: nope.yml",
                 id="layout-missing"),
    pytest.param(["--hil-layout", "bad.yml"], "--hil-layout: bad.yml: not valid YAML (line 2)",
                 id="layout-not-yaml"),
    pytest.param(["--hw-map", "missing.yml"], "--hw-map: hardware map not found: missing.yml",
                 id="hw-map-missing"),
    pytest.param(["--hw-map", "bad.yml"], "--hw-map: *", id="hw-map-not-yaml"),
    pytest.param(["--dut", "nrf", "--hw-map", "map.yml", "--hw-dk", "dk9"],
                 "--hw-dk: map.yml: no DK with id 'dk9' (known: dk1)", id="hw-dk-unknown"),
    pytest.param(["--dut", "nrf", "--hw-map", "map.yml"],
                 "--hw-map: map.yml: DK 'dk1': build_dir * does not exist *", id="no-build"),
    pytest.param(["--ftp-passive-ports", "9-1"], "--ftp-passive-ports: '9-1' is not a valid *",
                 id="passive-ports"),
    pytest.param(["--ftp-bind", "lab-pc"], "--ftp-bind: not an IP address: 'lab-pc'",
                 id="bind"),
    pytest.param(["--hil-artifacts", "bad.yml"], "--hil-artifacts: not a directory: *bad.yml",
                 id="artifacts-is-a-file"),
    pytest.param(["--hw-lock-timeout", "0"], "--hw-lock-timeout: must be positive, got 0",
                 id="lock-timeout"),
]


@pytest.mark.parametrize(("args", "message"), BAD_OPTIONS)
def test_bad_option_is_one_usage_error(pytester: pytest.Pytester, args, message) -> None:
    pytester.makepyfile(test_two=TWO_TESTS)
    (pytester.path / "bad.yml").write_text("dks: [\n")
    (pytester.path / "map.yml").write_text("- {id: dk1, snr: 683000001, build_dir: nobuild}\n")
    result = pytester.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.strip()]
    assert len(errors) == 1, result.stderr.str()
    result.stderr.fnmatch_lines([f"ERROR: {message}"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert "collected" not in result.stdout.str()


def test_good_options_reach_the_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_opts="""
def test_options(hil_options, hil_layout):
    assert hil_options.passive_ports == range(60000, 60011)
    assert hil_layout.secondary.external
"""
    )
    result = pytester.runpytest_subprocess(
        "--ftp-passive-ports", "60000-60010", "--hil-layout", "external"
    )
    result.assert_outcomes(passed=1)


def test_no_asyncore_warnings_in_a_users_run(pytester: pytest.Pytester) -> None:
    """pyftpdlib's asyncore/asynchat deprecations are the plugin's business, not the user's
    (pytester's folder has no ini file: only the plugin can filter them)."""
    pytester.makepyfile(
        test_ftp="""
def test_serve(ftp_server):
    ftp_server(files={"app_update.bin": b"x"})
"""
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    assert "module is deprecated" not in result.stdout.str()
