"""The released subject access disclosure as a PDF (WeasyPrint): the subject's own records and
each case's content, others redacted, marked OFFICIAL-SENSITIVE at the top and bottom of every
page. The HTML is built here with every value escaped (the services hold no templates); the
fonts are Debian's DejaVu, which ./dev and the image install."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from html import escape

from services.subject_access import DisclosedCase

MARKING = "OFFICIAL-SENSITIVE"

_CSS = f"""
@page {{
  size: A4; margin: 25mm 18mm;
  @top-center {{ content: "{MARKING}"; font: bold 10pt "DejaVu Sans"; }}
  @bottom-center {{ content: "{MARKING}"; font: bold 10pt "DejaVu Sans"; }}
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages);
                   font: 8pt "DejaVu Sans"; }}
}}
body {{ font: 10.5pt/1.4 "DejaVu Sans", sans-serif; }}
h1 {{ font-size: 17pt; }} h2 {{ font-size: 13pt; margin-top: 1.4em; }}
dt {{ font-weight: bold; }} dd {{ margin: 0 0 .4em 0; }}
.item {{ margin: 0 0 .8em 0; }}
"""


def _day(d: date | None) -> str:
    return f"{d.day} {d.strftime('%B %Y')}" if d is not None else "Not recorded"


def _at(at: datetime) -> str:
    return f"{at.day} {at.strftime('%B %Y, %H:%M')} UTC"


def _rows(rows: Iterable[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows) + "</dl>"


def disclosure_html(request_reference: str, released_on: date, version: int,
                    cases: tuple[DisclosedCase, ...]) -> str:
    """The disclosure's HTML. `request_reference`: the request's id (no name: the letter that
    goes with it says whose it is)."""
    parts = [f"<h1>Your personal data held by the MARAC</h1>"
             f"<p>Subject access request {escape(request_reference)}, released "
             f"{escape(_day(released_on))} (draft {version}).</p>"
             "<p>Where the information names or identifies another person, or where an "
             "exemption applies, words are replaced by [redacted], [staff] or [withheld].</p>"]
    if not cases:
        parts.append("<p>We hold no case records about you.</p>")
    for n, case in enumerate(cases, start=1):
        parts.append(f"<h2>Case {n}</h2>")
        parts.append(_rows([("Referred on", _day(case.referred_on)),
                            ("Status", case.status.replace("_", " ")),
                            ("Closed on", _day(case.closed_on) if case.closed_on else "Open"),
                            ("Referred by", case.referrer),
                            ("Incident summary", case.incident_summary)]))
        for record in case.your_records:
            parts.append("<h3>Your details as recorded</h3>")
            parts.append(_rows([
                ("Name", f"{record.forenames} {record.surname}".strip()),
                ("Date of birth", _day(record.date_of_birth)),
                # Not the safe contact: it is often another person's number or address.
                ("Address", record.address or "Not recorded")]))
        if case.information:
            parts.append("<h3>Information shared</h3>")
            for item in case.information:
                parts.append(
                    f'<div class="item"><strong>{escape(item.kind.replace("_", " "))}, '
                    f"{escape(_at(item.recorded_at))}, by {escape(item.author)}</strong>"
                    f"<br>{escape(item.text)}</div>")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>Subject access disclosure</title><style>{_CSS}</style></head>"
            f"<body>{''.join(parts)}</body></html>")


def render_pdf(html: str) -> bytes:
    # Imported here: WeasyPrint loads Pango when imported, which only a release needs.
    from weasyprint import HTML  # type: ignore[import-untyped]  # noqa: PLC0415

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
