"""pytest-html: a HIL test's report entry carries its slot pictures (before and after the
reboot), the diagnosis and MCUboot's log; a headless Chromium renders them."""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytest_html", reason="pytest-html is not installed")
pytest_plugins = ["pytester"]

ASCII_UPDATE_TEST = """
from hil import ClientMode, run_update


def test_ascii_update(dut, ftp_server, update_kit):
    server = ftp_server(files={update_kit.update_name: update_kit.update_image})
    ev = run_update(dut, server, update_kit.update_name, ClientMode.DEFAULT, update_kit.keys)
    assert not ev.verdict.ok
"""
REJECTED_LINE = "Image in the secondary slot is not valid!"
# Run in the page once it has rendered: the size each slot picture decoded to.
PROBE = """<script>
window.addEventListener("load", () => setTimeout(() => {
  const images = [...document.querySelectorAll("figure.hil-slot img")];
  const sizes = images.map(i => i.naturalWidth + "x" + i.naturalHeight);
  document.body.dataset.hilImages = sizes.join(" ");
}, 300));
</script></body>"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One HTML report of an ASCII update (all rows expanded), made by a real pytest run."""
    folder = tmp_path_factory.mktemp("html")
    (folder / "test_ascii.py").write_text(ASCII_UPDATE_TEST)
    report = folder / "report.html"
    run = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
            *("--hil-key-type", "ed25519", f"--html={report}", "--self-contained-html"),
            *("-o", "render_collapsed=", "test_ascii.py"),
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return report


def _extras(report: Path) -> list[dict]:
    blob = re.search(r'data-jsonblob="([^"]*)"', report.read_text()).group(1)
    tests = json.loads(html.unescape(blob))["tests"]
    (entries,) = tests.values()
    return [extra for entry in entries for extra in entry.get("extras", [])]


def test_entry_carries_pictures_diagnosis_and_boot_log(report: Path) -> None:
    extras = _extras(report)
    pictures = {
        e["name"]: base64.b64decode(e["content"].split("base64,", 1)[1]).decode()
        for e in extras
        if e["format_type"] == "image"
    }
    assert set(pictures) == {"secondary slot before the reboot", "secondary slot after the reboot"}
    assert all(svg.startswith("<svg") for svg in pictures.values())
    assert "lf-to-crlf" in pictures["secondary slot before the reboot"]
    assert "erased" in pictures["secondary slot after the reboot"]
    (block,) = [e["content"] for e in extras if e["format_type"] == "html"]
    assert "lf-to-crlf: ASCII transfer" in block
    boot_log = block.split("MCUboot log</h4>", 1)[1]
    assert "Starting bootloader" in boot_log and f"E: {REJECTED_LINE}" in boot_log
    assert block.count('<img style="width: 100%"') == 2


def test_chromium_renders_the_entry_with_its_pictures(report: Path, tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    probe = tmp_path / "probe.html"
    probe.write_text(report.read_text().replace("</body>", PROBE, 1))
    common = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    common.append("--virtual-time-budget=10000")
    dom = subprocess.run(
        [*common, "--dump-dom", probe.as_uri()], capture_output=True, text=True, check=True
    ).stdout
    assert f"E: {REJECTED_LINE}" in dom and "lf-to-crlf: ASCII transfer" in dom, "no entry"
    sizes = re.search(r'data-hil-images="([^"]*)"', dom)
    assert sizes is not None, "the page did not finish rendering"
    decoded = [tuple(map(int, size.split("x"))) for size in sizes.group(1).split()]
    assert len(decoded) == 2 and all(w > 300 and h > 300 for w, h in decoded), decoded
    shot = tmp_path / "report.png"  # for a look by eye: pytest --basetemp=DIR keeps it
    subprocess.run(
        [*common, "--window-size=1400,2000", f"--screenshot={shot}", report.as_uri()],
        capture_output=True,
        check=True,
        cwd=tmp_path,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
