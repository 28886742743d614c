"""SafeLives' quarterly MARAC return: a row per meeting held in the quarter, with the counts of
the cases it discussed, and a total row. SafeLives collects at meeting level; its percentages
are of the cases discussed.

A closed harmful-practices hearing is not itemised: its date and size would point at the few
cases restricted to it. Its cases are counted in one "not itemised" row, present whether or
not there were any, so that neither the row nor its absence says anything.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from projections.figures import Figures, Path, pct
from projections.indicators import AgencyInfo, Heard, Period
from projections.reporting import MeetingRow

# Referral sources as the return groups them, from our agency types.
SOURCES: dict[str, tuple[str, ...]] = {
    "police": ("police",),
    "idva": ("idva",),
    "specialist_services": ("specialist_domestic_abuse", "harmful_practices_expert"),
    "health": ("health",),
    "childrens_social_care": ("childrens_social_care",),
    "adult_social_care": ("adult_social_care",),
    "housing": ("housing",),
    "probation": ("probation",),
    "education": ("education",),
    "substance_misuse": ("substance_misuse",),
    "other": ("fire_and_rescue", "citizens_advice", "other"),
}
COLUMNS: dict[str, str] = {
    "cases_discussed": "Cases discussed",
    "repeat_cases": "Repeat cases",
    "children": "Children in the households",
    **{f"referrals_{s}": f"Referred by {s.replace('_', ' ')}" for s in SOURCES},
    "victims_racially_minoritised": "Victim Black, Asian or racially minoritised",
    "victims_lgbt_plus": "Victim LGBT+",
    "victims_disabled": "Victim with a disability",
    "victims_male": "Victim male",
    "victims_aged_16_17": "Victim aged 16-17",
    "perpetrators_aged_17_or_under": "Person causing harm aged 17 or under",
}
# Summary percentages, each of a total-row count (partner agencies: everyone but the police).
SUMMARY: dict[str, str | None] = {
    "repeat_cases_pct": "repeat_cases",
    "partner_agency_referrals_pct": None,
    "victims_racially_minoritised_pct": "victims_racially_minoritised",
    "victims_lgbt_plus_pct": "victims_lgbt_plus",
    "victims_disabled_pct": "victims_disabled",
    "victims_male_pct": "victims_male",
    "victims_aged_16_17_pct": "victims_aged_16_17",
}
NOT_ITEMISED = "not_itemised"
TOTAL = "total"


def _source(agency_type: str) -> str:
    return next(s for s, types in SOURCES.items() if agency_type in types)


def _row(cases: Sequence[Heard], agencies: Mapping[UUID, AgencyInfo]) -> dict[str, int]:
    def n(test: Callable[[Heard], bool]) -> int:
        return sum(1 for c in cases if test(c))

    row = {
        "cases_discussed": len(cases),
        "repeat_cases": n(lambda c: c.discussion.repeat),
        "children": sum(c.profile.children for c in cases),
    }
    sources = [_source(agencies[c.referral.referring_agency_id].agency_type
                       if c.referral.referring_agency_id in agencies else "other")
               for c in cases]
    for source in SOURCES:
        row[f"referrals_{source}"] = sources.count(source)
    row.update({
        "victims_racially_minoritised": n(lambda c: c.profile.minoritised),
        "victims_lgbt_plus": n(lambda c: c.profile.lgbt_plus),
        "victims_disabled": n(lambda c: c.profile.disabled),
        "victims_male": n(lambda c: c.profile.male),
        "victims_aged_16_17": n(lambda c: c.profile.age is not None
                                and 16 <= c.profile.age <= 17),
        "perpetrators_aged_17_or_under": n(lambda c: c.profile.young_perpetrator),
    })
    return row


@dataclass(frozen=True)
class Return:
    """A quarter's return: its figures, its row keys in order (each itemised meeting by
    date, the not-itemised row, the total), and the month of each meeting's row."""

    figures: Figures
    rows: list[str]
    month_of_row: dict[str, str]


def closed_shares(meetings: Sequence[MeetingRow], cases: Sequence[Heard],
                  agencies: Mapping[UUID, AgencyInfo]) -> dict[tuple[str, str], int]:
    """What closed hearings added to each month's counts, by the return's columns: no
    report shows it, but it is part of every month's totals."""
    closed = {m.meeting_id: m.held_on.strftime("%Y-%m") for m in meetings
              if m.kind == "harmful_practices"}
    by_month: dict[str, list[Heard]] = {}
    for c in cases:
        if c.discussion.meeting_id in closed:
            by_month.setdefault(closed[c.discussion.meeting_id], []).append(c)
    return {(month, column): value for month, heard in by_month.items()
            for column, value in _row(heard, agencies).items()}


def quarterly_return(period: Period, meetings: Sequence[MeetingRow], cases: Sequence[Heard],
                     agencies: Mapping[UUID, AgencyInfo]) -> Return:
    itemised = sorted((m for m in meetings if m.kind != "harmful_practices"),
                      key=lambda m: (m.held_on, str(m.meeting_id)))
    ids = {m.meeting_id for m in itemised}
    groups: dict[str, list[Heard]] = {str(m.meeting_id): [] for m in itemised}
    groups[NOT_ITEMISED] = []
    for c in cases:
        key = str(c.discussion.meeting_id) if c.discussion.meeting_id in ids else NOT_ITEMISED
        groups[key].append(c)
    f = Figures()
    rows = [*groups, TOTAL]
    dates: dict[str, str | None] = {str(m.meeting_id): m.held_on.isoformat()
                                    for m in itemised}
    for key in rows:
        f.operational(("rows", key, "meeting_date"), dates.get(key))
        row = _row(cases if key == TOTAL else groups[key], agencies)
        parts: list[Path] = []
        for column, value in row.items():
            path = f.count(("rows", key, column), value)
            if column.startswith("referrals_"):
                parts.append(path)
        # Every case was referred by someone: the sources add up to the cases discussed.
        f.sums(parts, ("rows", key, "cases_discussed"))
    for column in COLUMNS:
        f.sums([("rows", k, column) for k in rows[:-1]], ("rows", TOTAL, column))
    total = ("rows", TOTAL, "cases_discussed")
    for name, counted in SUMMARY.items():
        if counted is None:
            police = ("rows", TOTAL, "referrals_police")
            f.derive(("summary", name), (police, total),
                     lambda p, t: pct(t - p, t))
        else:
            f.share(("summary", name), ("rows", TOTAL, counted), total)
    f.operational(("summary", "meetings_held"), len(itemised))
    return Return(f, rows, {str(m.meeting_id): m.held_on.strftime("%Y-%m") for m in itemised})


def to_csv(area_code: str, period: Period, published: Mapping[str, object],
           rows: Sequence[str]) -> str:
    """The return in its layout: one line per meeting, the not-itemised line, the total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["MARAC", "Quarter", "Meeting date", *COLUMNS.values()])
    table = published["rows"]
    assert isinstance(table, Mapping)  # noqa: S101 - built by quarterly_return
    for key in rows:
        row = table[key]
        label = {NOT_ITEMISED: "Not itemised (closed hearings)", TOTAL: "Total"}.get(
            key, row["meeting_date"])
        writer.writerow([area_code, period.label, label, *(row[c] for c in COLUMNS)])
    return out.getvalue()
