"""Disclosure control across every report a reader can ask for, not one report at a time.

A month's report, its quarter's, the quarter's SafeLives return and the year's all count the
same cases: withheld in one and published in another, a count could be recovered by
subtraction between them. So the figures of a whole calendar year (12 months, 4 quarters, the
year, each quarter's return) are suppressed together, with every sum that relates them, and
each report shows its own part of that one decision. A closed hearing's share of a month, which
no report shows, takes part as a hidden count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from projections.disclosure import Equation, suppress
from projections.figures import WITHHELD, Figures, Path
from projections.indicators import Period
from projections.safelives import COLUMNS, NOT_ITEMISED, SOURCES, TOTAL, Return

# Each column of the return and the indicator counting the same thing.
COUNTERPARTS: dict[str, Path] = {
    "cases_discussed": ("cases_heard", "total"),
    "repeat_cases": ("cases_heard", "repeats"),
    "children": ("children", "children"),
    "referrals_police": ("cases_heard", "referred_by_police"),
    "victims_racially_minoritised": ("victims", "minoritised"),
    "victims_lgbt_plus": ("victims", "lgbt_plus"),
    "victims_disabled": ("victims", "disabled"),
    "victims_male": ("victims", "male"),
    "victims_aged_16_17": ("victims", "aged_16_17"),
    "perpetrators_aged_17_or_under": ("perpetrators", "aged_17_or_under"),
}
PARTNERS: Path = ("cases_heard", "referred_by_partner_agencies")
PARTNER_COLUMNS = tuple(f"referrals_{s}" for s in SOURCES if s != "police")
Key = tuple[str, ...]


def months_of(year: int) -> list[Period]:
    return [Period(date(year, m, 1),
                   (date(year + m // 12, m % 12 + 1, 1) - timedelta(days=1)),
                   f"{year}-{m:02d}") for m in range(1, 13)]


def quarters_of(year: int) -> list[Period]:
    return [Period(date(year, 3 * q - 2, 1),
                   date(year + q // 4, (3 * q) % 12 + 1, 1) - timedelta(days=1),
                   f"{year}-Q{q}") for q in range(1, 5)]


def year_of(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), str(year))


def standard_periods(year: int) -> list[Period]:
    return [*months_of(year), *quarters_of(year), year_of(year)]


def withheld_in_year(indicators: dict[str, Figures], returns: dict[str, Return],
                     hidden: dict[tuple[str, str], int], year: int, threshold: int, *,
                     released: dict[tuple[str, str], dict[str, Any]] | None = None,
                     ) -> dict[tuple[str, str], frozenset[Path]]:
    """For each ("indicators" | "safelives_return", period label), the counts it withholds.

    `hidden`: each (month, return column) a closed hearing contributed to, and how much.
    `released`: the published figures of reports already released: what they withheld
    stays withheld and what they showed stays shown, so that a later release is safe beside
    them."""
    counts: dict[Key, int] = {}
    equations: list[Equation[Key]] = []

    def add(kind: str, label: str, figures: Figures) -> None:
        for path, value in figures.counts.items():
            counts[(kind, label, *path)] = value
        equations.extend(Equation(tuple((kind, label, *p) for p in e.parts),
                                  (kind, label, *e.total)) for e in figures.equations)

    def sums(parts: Iterable[Key], total: Key) -> None:
        members = tuple(parts)
        if members:
            equations.append(Equation(members, total))

    for label, figures in indicators.items():
        add("indicators", label, figures)
    for label, ret in returns.items():
        add("safelives_return", label, ret.figures)
    for (month, column), value in hidden.items():
        counts[("hidden", month, column)] = value

    def ind(label: str, path: Path) -> Key:
        return ("indicators", label, *path)

    months, quarters, whole = months_of(year), quarters_of(year), str(year)
    # Every count adds up over time, except a trend's months (tied to the months below).
    summed = [p for p in indicators[months[0].label].counts if p[0] != "monthly"]
    for path in summed:
        for q, quarter in enumerate(quarters):
            sums((ind(m.label, path) for m in months[3 * q:3 * q + 3]), ind(quarter.label, path))
        sums((ind(q.label, path) for q in quarters), ind(whole, path))
    # A longer period's monthly trend repeats each month's own totals.
    for label in [q.label for q in quarters] + [whole]:
        for cell in indicators[label].counts:
            if cell[0] == "monthly":
                total = ("cases_heard", "total") if cell[2] == "cases_heard" else \
                    ("referrals", "total")
                sums([ind(label, cell)], ind(cell[1], total))
    for quarter in quarters:
        _link_return(returns[quarter.label], quarter.label, ind, hidden, sums)
    # Never shown: the closed hearings' shares, the overlaps the figures declare, and any
    # figure of the closed hearings' line of a return (however large, it describes the few
    # cases restricted to them: all six minoritised says each is). That there were none
    # (a line of zeros) says nothing of anyone.
    never: set[Key] = {("hidden", m, c) for m, c in hidden}
    never |= {("indicators", label, *p) for label, f in indicators.items() for p in f.secret}
    never |= {("safelives_return", label, "rows", NOT_ITEMISED, c)
              for label, ret in returns.items() for c in COLUMNS
              if ret.figures.counts[("rows", NOT_ITEMISED, "cases_discussed")]}
    kept, shown = _as_released(indicators, returns, released or {})
    never |= kept
    withheld = suppress(counts, equations, threshold, hidden=frozenset(never),
                        published=frozenset(shown - never))
    found: dict[tuple[str, str], set[Path]] = {}
    for key in withheld:
        if key[0] != "hidden":
            found.setdefault((key[0], key[1]), set()).add(key[2:])
    return {k: frozenset(v) for k, v in found.items()}


def _link_return(ret: Return, quarter: str, ind: Callable[[str, Path], Key],
                 hidden: dict[tuple[str, str], int],
                 sums: Callable[[Iterable[Key], Key], None]) -> None:
    """The return's total line is the quarter's indicators; each month's indicators are its
    meetings' lines plus what the month's closed hearings (hidden) added; the not-itemised
    line is those hidden shares added up."""
    def row(key: str, column: str) -> Key:
        return ("safelives_return", quarter, "rows", key, column)

    for column, path in COUNTERPARTS.items():
        sums([row(TOTAL, column)], ind(quarter, path))
    sums([row(TOTAL, c) for c in PARTNER_COLUMNS], ind(quarter, PARTNERS))
    q = int(quarter[-1])
    months = [f"{quarter[:4]}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]
    for month in months:
        rows = [r for r, m in ret.month_of_row.items() if m == month]

        def secret(column: str, month: str = month) -> list[Key]:
            return [("hidden", month, column)] if (month, column) in hidden else []

        for column, path in COUNTERPARTS.items():
            sums([*(row(r, column) for r in rows), *secret(column)], ind(month, path))
        sums([*(row(r, c) for r in rows for c in PARTNER_COLUMNS),
              *(k for c in PARTNER_COLUMNS for k in secret(c))], ind(month, PARTNERS))
    for column in COLUMNS:
        sums([("hidden", m, column) for m in months if (m, column) in hidden],
             row(NOT_ITEMISED, column))


def _as_released(indicators: dict[str, Figures], returns: dict[str, Return],
                 released: dict[tuple[str, str], dict[str, Any]]) -> tuple[set[Key], set[Key]]:
    """The counts earlier releases withheld, and those they showed."""
    withheld: set[Key] = set()
    shown: set[Key] = set()
    for (kind, label), body in released.items():
        source = indicators[label] if kind == "indicators" else returns[label].figures
        for path in source.counts:
            if path not in source.secret:
                key = (kind, label, *path)
                (withheld if _at(body, path) == WITHHELD else shown).add(key)
    return withheld, shown


def _at(figures: dict[str, Any], path: Path) -> Any:
    node: Any = figures
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node
