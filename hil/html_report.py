"""pytest-html extras of a HIL test: the slot pictures before and after the reboot, the
diagnosis and MCUboot's log, inline in the test's entry of the HTML report."""

from __future__ import annotations

import base64
from html import escape
from typing import Any

from hil.artifacts import masked
from hil.evidence import EvidenceRecorder

PRE_STYLE = "white-space: pre-wrap; word-break: break-all; font-size: 11px"
FIGURE_STYLE = "display: inline-block; width: 49%; margin: 0; vertical-align: top"


def _section(title: str, lines: list[str], secrets: list[str]) -> str:
    text = escape(masked(lines, secrets))
    return (
        f'<h4 class="hil-section">{escape(title)}</h4>'
        f'<pre class="hil-log" style="{PRE_STYLE}">{text}</pre>'
    )


def _figure(title: str, svg_base64: str) -> str:
    return (
        f'<figure class="hil-slot" style="{FIGURE_STYLE}">'
        f'<img style="width: 100%" alt="{escape(title)}" '
        f'src="data:image/svg+xml;base64,{svg_base64}"/>'
        f"<figcaption>{escape(title)}</figcaption></figure>"
    )


def report_extras(recorder: EvidenceRecorder, extras: Any) -> list[dict[str, Any]]:
    """The extras for ``recorder``'s updates; ``extras`` is the ``pytest_html.extras`` module."""
    found: list[dict[str, Any]] = []
    for number, update in enumerate(recorder.updates, start=1):
        label = f"update {number}: " if len(recorder.updates) > 1 else ""
        figures = []
        for title, svg in update.pictures.values():
            content = base64.b64encode(svg.encode("utf-8")).decode("ascii")
            found.append(extras.svg(content, name=f"{label}{title}"))
            figures.append(_figure(f"{label}{title}", content))
        blocks = [
            f'<div class="hil-slots">{"".join(figures)}</div>',
            _section(f"{label}diagnosis", update.diagnosis_text, recorder.secrets),
            _section(f"{label}MCUboot log", list(update.evidence.boot.lines), recorder.secrets),
        ]
        found.append(extras.html('<div class="hil-evidence">' + "".join(blocks) + "</div>"))
    for error in recorder.errors:
        line = f"{type(error).__name__}: {error}"
        found.append(extras.html(_section("update stopped early", [line], recorder.secrets)))
    if recorder.folder is not None:
        folder = escape(str(recorder.folder))
        found.append(extras.html(f'<p class="hil-artifacts">hil artifacts: {folder}</p>'))
    return found
