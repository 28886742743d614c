"""A page's HTML as a PDF (WeasyPrint), marked OFFICIAL-SENSITIVE at the top and bottom of
every page and watermarked for its recipient: their lines repeated faintly across every page
and in every page's footer, so that a copy found where it should not be says whose it was.

Generic: any document issued to a person (minutes, a subject access release) passes its HTML
and the lines that name the recipient. Nothing is fetched while rendering (no URL resolves):
the document carries its own styles, and the fonts are the machine's."""

from __future__ import annotations

import html as markup
import re

from domain.meeting import MINUTES_MARKING

MARKING = MINUTES_MARKING  # the Government Security Classifications marking, once
# How many times the recipient's lines cross each page.
WATERMARK_REPEATS = 6




def _no_fetch() -> object:
    """data: URLs only; any other address fails the rendering, for a request from here could
    tell someone who is reading what, and an issued document must be self-contained."""
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]  # noqa: PLC0415

    return URLFetcher(allowed_protocols=("data",), fail_on_errors=True)


def css_string(text: str) -> str:
    """`text` as a CSS string literal: quotes, backslashes and control characters escaped,
    so that a name cannot end the string and write CSS of its own."""
    escaped = re.sub(r'[\\"\x00-\x1f\x7f]', lambda m: f"\\{ord(m.group()):x} ", text)
    return f'"{escaped}"'


def _page_css() -> str:
    marking = css_string(MARKING)
    return f"""
@page {{
  size: A4;
  margin: 22mm 16mm 28mm;
  @top-center {{ content: {marking}; font: bold 10pt sans-serif; }}
  @top-right {{ content: "Page " counter(page) " of " counter(pages); font: 7pt sans-serif; }}
  @bottom-center {{ content: element(pdf-footer); width: 100%; vertical-align: top; }}
}}
.pdf-footer {{ position: running(pdf-footer); text-align: center; font: 7pt sans-serif; }}
.pdf-footer p {{ margin: 2mm 0 0; }}
.pdf-footer .pdf-footer__marking {{ font: bold 10pt sans-serif; margin-top: 3mm; }}
.pdf-watermark {{
  position: fixed; top: 0; left: 0; width: 100%; height: 100%;
  overflow: hidden; z-index: -1;
}}
.pdf-watermark p {{
  margin: 0 0 30mm; transform: rotate(-35deg); transform-origin: center;
  color: rgba(11, 12, 12, 0.08); font: bold 14pt sans-serif; white-space: nowrap;
  text-align: center;
}}
"""


def _marks(watermark_lines: tuple[str, ...]) -> str:
    """The watermark across the page and the footer (the marking, then whose copy it is),
    each repeated on every page by WeasyPrint (a fixed element; a running one)."""
    line = markup.escape(" · ".join(watermark_lines))
    repeated = "".join(f"<p>{line}</p>" for _ in range(WATERMARK_REPEATS))
    return (f'<div class="pdf-watermark" aria-hidden="true">{repeated}</div>'
            f'<div class="pdf-footer"><p class="pdf-footer__marking">{MARKING}</p>'
            f"<p>{line}</p></div>")


def render_pdf(html: str, *, watermark_lines: tuple[str, ...]) -> bytes:
    """`html` (a whole document, its own styles inline) as a PDF: marked at the top and bottom
    of every page, watermarked on every page with `watermark_lines` (who it was issued to and
    when), and fetching nothing."""
    if not watermark_lines:
        raise ValueError("an issued document names its recipient")
    body = re.search(r"<body[^>]*>", html)
    if body is None:
        raise ValueError("render_pdf takes a whole HTML document")
    marked = html[:body.end()] + _marks(watermark_lines) + html[body.end():]
    # Imported when a document is issued, not when the pages start: WeasyPrint and its fonts
    # take a second to load, which every `marac serve` and worker would otherwise spend.
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]  # noqa: PLC0415

    document = HTML(string=marked, url_fetcher=_no_fetch())
    return bytes(document.write_pdf(stylesheets=[CSS(string=_page_css())]))
