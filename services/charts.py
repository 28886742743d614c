"""Report charts as standalone, accessible SVG: steering groups read pictures, not tables.

Standard library only, and the same figures always give the same bytes, so reports reproduce.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

FONT = "Helvetica, Arial, sans-serif"
# Okabe-Ito colours stay distinct under the common colour-vision deficiencies; withheld marks
# also differ in shape (a dashed outline), so colour is never the only cue.
BAR = "#0072B2"
WITHHELD = "#D55E00"
INK = "#222222"
GRID = "#D0D0D0"
# A withheld mark has this size whatever was hidden, so the picture cannot hint at the count.
WITHHELD_SIZE = 16
PLOT_TOP = 56
# Trend: columns narrow as points are added, until the chart reaches its maximum width.
PLOT_HEIGHT = 240
MAX_PLOT_WIDTH = 1120
COLUMN_PITCH = 64
# Breakdown: one fixed-height row per agency, labels in a column to the left.
LABEL_RIGHT = 212
PLOT_LEFT = 220
PLOT_WIDTH = 400
ROW = 28
ROW_BAR = 18

# Characters XML 1.0 cannot carry even escaped; a stray one in a label would break the document.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(s: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", s))


def _attr(s: str) -> str:
    return quoteattr(_NOT_XML.sub("\ufffd", s))


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _ticks(top: int) -> list[int]:
    """At most five round integer gridline values, from 0 up to `top`."""
    magnitude = 1
    while top > 0:
        for m in (1, 2, 5):
            if m * magnitude * 4 >= top:
                return list(range(0, top + 1, m * magnitude))
        magnitude *= 10
    return [0]


def _scale(rows: Sequence[tuple[str, int | None]], extent: float) -> tuple[int, float]:
    if any(v is not None and v < 0 for _, v in rows):
        raise ValueError("chart values are counts and cannot be negative")
    top = max((v for _, v in rows if v is not None), default=0)
    return top, extent / max(top, 1)  # all zeros: every bar is empty, nothing to divide by


def _describe(rows: Sequence[tuple[str, int | None]], withheld_label: str) -> str:
    return "; ".join(
        f"{label}: {value}" if value is not None else f"{label}: withheld ({withheld_label})"
        for label, value in rows
    ) or "No data"


def _bar(
    box: tuple[float, float, float, float], label: str, value: int | None, withheld_label: str
) -> str:
    x, y, w, h = box
    shown = str(value) if value is not None else f"withheld ({withheld_label})"
    look = (
        f'class="bar" fill="{BAR}"' if value is not None else
        f'class="bar withheld" fill="#FFFFFF" stroke="{WITHHELD}" stroke-width="2" '
        'stroke-dasharray="4 3"'
    )
    return (
        f'<rect {look} data-label={_attr(label)} x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" '
        f'height="{_num(h)}"><title>{_text(f"{label}: {shown}")}</title></rect>'
    )


def _text_at(x: float, y: float, css: str, text: str, extra: str = "") -> str:
    return (
        f'<text class="{css}" x="{_num(x)}" y="{_num(y)}" font-size="13" fill="{INK}"{extra}>'
        f"{_text(text)}</text>"
    )


def _document(title: str, width: int, height: int, body: list[str], summary: str) -> str:
    # Ids from the content: unique when several charts share one page, yet reproducible.
    cid = "chart-" + hashlib.sha256("\n".join([title, *body]).encode()).hexdigest()[:12]
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{cid}-title {cid}-desc" '
        f'font-family="{FONT}">',
        f'<title id="{cid}-title">{_text(title)}</title>',
        f'<desc id="{cid}-desc">{_text(summary)}</desc>',
        f'<rect width="{width}" height="{height}" fill="#FFFFFF"/>',
        f'<text x="16" y="30" font-size="18" font-weight="bold" fill="{INK}">'
        f"{_text(_shorten(title, (width - 32) // 10))}</text>",
        *body,
        "</svg>\n",
    ])


def trend_svg(
    title: str, points: Sequence[tuple[str, int | None]], *, withheld_label: str = "<5"
) -> str:
    """A monthly trend: one column per (label, value), e.g. ("2026-01", 14). None means the value
    was withheld by disclosure control."""
    top, scale = _scale(points, PLOT_HEIGHT)
    pitch = min(COLUMN_PITCH, MAX_PLOT_WIDTH / max(len(points), 1))
    slanted = pitch < COLUMN_PITCH  # crowded labels are turned to stay legible
    base = PLOT_TOP + PLOT_HEIGHT
    width = max(360, round(56 + len(points) * pitch + 24))
    body = []
    for t in _ticks(top) if points else []:
        y = base - t * scale
        body.append(f'<line x1="56" y1="{_num(y)}" x2="{width - 24}" y2="{_num(y)}" '
                    f'stroke="{GRID}"/>')
        body.append(_text_at(48, y + 4, "tick", str(t), ' text-anchor="end"'))
    for i, (label, value) in enumerate(points):
        mid = 56 + (i + 0.5) * pitch
        h = value * scale if value is not None else WITHHELD_SIZE
        body.append(_bar((mid - pitch * 0.35, base - h, pitch * 0.7, h), label, value,
                         withheld_label))
        shown = str(value) if value is not None else withheld_label
        body.append(_text_at(mid, base - h - 6, "value", shown, ' text-anchor="middle"'))
        turn = f' text-anchor="end" transform="rotate(-45 {_num(mid)} {base + 16})"'
        body.append(_text_at(mid, base + 16 if slanted else base + 20, "label",
                             _shorten(label, 14 if slanted else 9),
                             turn if slanted else ' text-anchor="middle"'))
    body.append(f'<line x1="56" y1="{base}" x2="{width - 24}" y2="{base}" stroke="{INK}"/>')
    if not points:
        body.append(_text_at(width / 2, base - PLOT_HEIGHT / 2, "empty", "No data",
                             ' text-anchor="middle"'))
    height = base + (96 if slanted else 40)
    return _document(title, width, height, body, _describe(points, withheld_label))


def breakdown_svg(
    title: str, rows: Sequence[tuple[str, int | None]], *, withheld_label: str = "<5"
) -> str:
    """A by-agency breakdown: one horizontal bar per (label, value), in the given order."""
    top, scale = _scale(rows, PLOT_WIDTH)
    bottom = PLOT_TOP + max(len(rows), 1) * ROW
    width = PLOT_LEFT + PLOT_WIDTH + 72
    body = []
    for t in _ticks(top) if rows else []:
        x = PLOT_LEFT + t * scale
        body.append(f'<line x1="{_num(x)}" y1="{PLOT_TOP}" x2="{_num(x)}" y2="{bottom}" '
                    f'stroke="{GRID}"/>')
        body.append(_text_at(x, bottom + 18, "tick", str(t), ' text-anchor="middle"'))
    for i, (label, value) in enumerate(rows):
        y = PLOT_TOP + i * ROW
        w = value * scale if value is not None else WITHHELD_SIZE
        body.append(_bar((PLOT_LEFT, y + (ROW - ROW_BAR) / 2, w, ROW_BAR), label, value,
                         withheld_label))
        shown = str(value) if value is not None else withheld_label
        body.append(_text_at(PLOT_LEFT + w + 6, y + ROW / 2 + 5, "value", shown))
        body.append(_text_at(LABEL_RIGHT, y + ROW / 2 + 5, "label", _shorten(label, 26),
                             ' text-anchor="end"'))
    body.append(f'<line x1="{PLOT_LEFT}" y1="{PLOT_TOP}" x2="{PLOT_LEFT}" y2="{bottom}" '
                f'stroke="{INK}"/>')
    if not rows:
        body.append(_text_at(PLOT_LEFT + PLOT_WIDTH / 2, PLOT_TOP + ROW / 2 + 5, "empty",
                             "No data", ' text-anchor="middle"'))
    return _document(title, width, bottom + 32, body, _describe(rows, withheld_label))
