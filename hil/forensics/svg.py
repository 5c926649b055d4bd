"""A picture of a slot (SVG, no dependencies): one cell per block, coloured by how it compares
with the served image, with numbered marks at the offsets that matter."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from enum import IntEnum
from typing import Any
from xml.sax.saxutils import escape

from hil.forensics.bytesdiff import is_erased

COLUMNS = 64
CELL = 10
LEFT = 78
TITLE_Y = 20
NOTES_Y = 40
LINE = 15
CAPTION_GAP = 18
"""Caption baseline to grid top: clears the mark numbers drawn just above the first row."""
WRAP = 100
MAX_CELLS = 4096
FONT = 'font-family="monospace" font-size="11"'
TITLE_FONT = 'font-family="monospace" font-size="14" font-weight="bold"'


class Cell(IntEnum):
    """Block states, least to most severe (a block shows its most severe part)."""

    ERASED = 0
    SAME = 1
    ABSENT = 2
    EXTRA = 3
    MISSING = 4
    DIFFERS = 5


STYLE = {
    Cell.ERASED: ("#eceff1", "erased (0xFF)"),
    Cell.SAME: ("#43a047", "same bytes as the image"),
    Cell.ABSENT: ("#ffffff", "not in the dump"),
    Cell.EXTRA: ("#8e24aa", "programmed past the image end"),
    Cell.MISSING: ("#fb8c00", "erased where the image has data"),
    Cell.DIFFERS: ("#e53935", "differs from the image"),
}


TITLE_CHARS = 84  # bold 14 px monospace across the picture


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


CHAR = 7  # width of an 11 px monospace character, rounded up


def _place_number(labels: list[list[Any]], x: int, y: int, text: str) -> None:
    """Add a mark's number above its cell, joined to the previous one ("1,2") where they would
    overlap."""
    if labels:
        last = labels[-1]
        if last[1] == y and x < last[0] + CHAR * len(last[2]) + 2:
            last[2] += f",{text}"
            return
    labels.append([x, y, text])


def block_size(total: int) -> int:
    """The smallest power of two (at least 16) that maps ``total`` bytes to few cells."""
    size = 16
    while -(-total // size) > MAX_CELLS:
        size *= 2
    return size


def classify_block(image: bytes, slot: bytes, start: int, end: int) -> Cell:
    if start >= len(slot):
        return Cell.ABSENT
    state = Cell.ERASED
    image_end = min(end, len(image))
    if start < image_end:
        wanted, got = image[start:image_end], slot[start:image_end]
        state = Cell.SAME
        if got != wanted:
            state = Cell.MISSING if is_erased(got) else Cell.DIFFERS
    tail = slot[max(start, len(image)) : end]
    if tail and not is_erased(tail):
        state = max(state, Cell.EXTRA)
    if end > len(slot) and start < len(image):
        state = max(state, Cell.ABSENT)
    return state


def _row_rects(cells: list[Cell], row: int, top: int) -> list[str]:
    rects, col = [], 0
    line = cells[row * COLUMNS : (row + 1) * COLUMNS]
    while col < len(line):
        run = col
        while run < len(line) and line[run] == line[col]:
            run += 1
        colour = STYLE[line[col]][0]
        rects.append(
            f'<rect x="{LEFT + col * CELL}" y="{top + row * CELL}" width="{(run - col) * CELL}" '
            f'height="{CELL}" fill="{colour}"/>'
        )
        col = run
    return rects


def slot_map_svg(
    image: bytes,
    slot: bytes,
    *,
    title: str,
    subtitle: str = "",
    slot_size: int | None = None,
    marks: Sequence[tuple[int, str]] = (),
    verdict: str = "",
) -> str:
    """The SVG text of the slot map; ``marks`` are ``(slot offset, label)`` pairs, ``verdict``
    MCUboot's verdict, drawn in bold under the subtitle (red unless it accepts)."""
    total = max(slot_size or 0, len(slot), len(image), 1)
    size = block_size(total)
    count = -(-total // size)
    cells = [
        classify_block(image, slot, i * size, min((i + 1) * size, total)) for i in range(count)
    ]
    rows = -(-count // COLUMNS)
    notes = textwrap.wrap(subtitle, WRAP, max_lines=3, placeholder=" ...")
    verdict_lines = textwrap.wrap(verdict, WRAP, max_lines=2, placeholder=" ...")
    caption_y = NOTES_Y + LINE * (len(notes) + len(verdict_lines))
    top = caption_y + CAPTION_GAP
    grid_bottom = top + rows * CELL
    shown_marks = [(offset, label) for offset, label in marks if 0 <= offset < total]
    legend_top = grid_bottom + 18
    height = legend_top + 16 * (len(STYLE) + len(shown_marks)) + 10
    width = LEFT + COLUMNS * CELL + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="8" y="{TITLE_Y}" {TITLE_FONT}>{escape(_fit(title, TITLE_CHARS))}</text>',
        f'<text x="8" y="{caption_y}" {FONT} fill="#555555">one cell = 0x{size:x} bytes, '
        f"{COLUMNS} cells per row (0x{size * COLUMNS:x} bytes)</text>",
    ]
    for index, note in enumerate(notes):
        parts.append(f'<text x="8" y="{NOTES_Y + LINE * index}" {FONT}>{escape(note)}</text>')
    colour = "#2e7d32" if " accepts " in f" {verdict} " else "#c62828"
    for index, line in enumerate(verdict_lines, len(notes)):
        parts.append(
            f'<text x="8" y="{NOTES_Y + LINE * index}" {FONT} font-weight="bold" '
            f'fill="{colour}">{escape(line)}</text>'
        )
    for row in range(rows):
        parts += _row_rects(cells, row, top)
        if row % 4 == 0:
            y = top + row * CELL + CELL - 1
            parts.append(f'<text x="8" y="{y}" {FONT}>0x{row * size * COLUMNS:06x}</text>')
    parts.append(
        f'<rect x="{LEFT}" y="{top}" width="{COLUMNS * CELL}" height="{rows * CELL}" '
        'fill="none" stroke="#90a4ae"/>'
    )
    y = legend_top
    for state, (colour, label) in STYLE.items():
        if state in cells:
            parts.append(
                f'<rect x="{LEFT}" y="{y - 9}" width="10" height="10" fill="{colour}" '
                'stroke="#90a4ae"/>'
            )
            parts.append(f'<text x="{LEFT + 16}" y="{y}" {FONT}>{escape(label)}</text>')
            y += 16
    labels: list[list[Any]] = []
    for number, (offset, label) in enumerate(shown_marks, 1):
        block = offset // size
        cx = LEFT + (block % COLUMNS) * CELL
        cy = top + (block // COLUMNS) * CELL
        parts.append(
            f'<rect x="{cx}" y="{cy}" width="{CELL}" height="{CELL}" fill="none" '
            'stroke="#000000" stroke-width="2"/>'
        )
        _place_number(labels, cx + CELL + 1, cy - 1, str(number))
        parts.append(
            f'<text x="{LEFT}" y="{y}" {FONT}>{number}: 0x{offset:x} {escape(label)}</text>'
        )
        y += 16
    right = LEFT + COLUMNS * CELL
    for x, label_y, text in labels:
        x = min(x, right + 18 - CHAR * len(text))
        parts.append(f'<text x="{x}" y="{label_y}" {FONT} font-weight="bold">{text}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
