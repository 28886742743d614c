"""Disclosure control across every report a reader can ask for, not one report at a time.

A month's report, its quarter's and the quarter's SafeLives return count the same cases:
withheld in one and shown in another, a count could be recovered by subtraction. So a quarter
is released as one: its three months, itself and its return suppressed together, with every
sum that relates them, once. A closed hearing's share of a month, which no report shows,
takes part as a hidden count. Quarters count different cases; a year is then built from its
four released quarters alone (`year_from_quarters`), so it tells nothing they did not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from projections.disclosure import Equation, suppress
from projections.figures import WITHHELD, Figures, Path, one_place, pct
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


def months_in(quarter: Period) -> list[Period]:
    return [m for m in months_of(quarter.start.year) if quarter.start <= m.start <= quarter.end]


def year_of(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), str(year))


def standard_periods(year: int) -> list[Period]:
    return [*months_of(year), *quarters_of(year), year_of(year)]


def withheld_in_quarter(indicators: dict[str, Figures], ret: Return,
                        hidden: dict[tuple[str, str], int], quarter: Period,
                        threshold: int) -> dict[tuple[str, str], frozenset[Path]]:
    """For the quarter's indicators, its months' and its return, the counts each withholds:
    one decision for all of them, made once, so that none can be subtracted from another.

    `hidden`: each (month, return column) a closed hearing contributed to, and how much."""
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
    add("safelives_return", quarter.label, ret.figures)
    for (month, column), value in hidden.items():
        counts[("hidden", month, column)] = value

    def ind(label: str, path: Path) -> Key:
        return ("indicators", label, *path)

    months = [m for m in indicators if m != quarter.label]
    # Every count adds up over the months, except the trend's (tied to the months' totals).
    for path in indicators[quarter.label].counts:
        if path[0] != "monthly":
            sums((ind(m, path) for m in months), ind(quarter.label, path))
        else:
            total = ("cases_heard", "total") if path[2] == "cases_heard" else \
                ("referrals", "total")
            sums([ind(quarter.label, path)], ind(path[1], total))
    _link_return(ret, quarter.label, ind, hidden, sums)
    # Never shown: the closed hearings' shares, the overlaps the figures declare, and any
    # figure of the closed hearings' line of the return (however large, it describes the
    # few cases restricted to them: all six minoritised says each is). That there were none
    # (a line of zeros) says nothing of anyone.
    never: set[Key] = {("hidden", m, c) for m, c in hidden}
    never |= {("indicators", label, *p) for label, f in indicators.items() for p in f.secret}
    line: set[Key] = set()
    if ret.figures.counts[("rows", NOT_ITEMISED, "cases_discussed")]:
        line = {("safelives_return", quarter.label, "rows", NOT_ITEMISED, c) for c in COLUMNS}
    withheld = suppress(counts, equations, threshold, hidden=frozenset(never | line))
    # The line is withheld as one, its known zeros too (a total of zero makes them known,
    # so the engine would show them): beside them, the one withheld referral source, say,
    # would tell where every closed case came from.
    withheld |= line
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


def year_from_quarters(year: Figures, quarters: list[dict[str, Any]]) -> dict[str, Any]:
    """The year's figures from its quarters' released ones: a count is their sum where all
    four show it, and withheld otherwise; figures derived from counts are derived again; a
    mean is weighted by the quarters' cases; a median cannot be, so it is withheld; meetings
    and actions are the quarters' added up. `year` gives the layout and the figures that
    count nothing (the area's settings), so it may be laid out from no facts at all."""
    counts: dict[Path, Any] = {}
    for path in year.counts:
        if path in year.secret:
            continue
        counts[path] = (next((v for q in quarters if (v := _at(q, path)) is not None),
                             WITHHELD) if path[0] == "monthly" else _sum_of(quarters, path))
    out: dict[str, Any] = {}
    for path, own in year.layout.items():
        if path in counts:
            value = counts[path]
        elif path in year.derived:
            value = _derived_again(year, path, counts, quarters)
        elif path[0] in ("meetings", "actions"):
            value = _operational_again(path, quarters)
        else:  # settings (population shares, the recommended volume) and releases
            value = own
        node = out
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return out


def _derived_again(year: Figures, path: Path, counts: dict[Path, Any],
                   quarters: list[dict[str, Any]]) -> Any:
    inputs = [counts.get(i, WITHHELD) for i in year.derived[path].inputs]
    if any(not isinstance(v, int) for v in inputs):
        return WITHHELD
    if path[-1].endswith("_median"):
        return WITHHELD
    if path[-1].endswith("_mean"):
        cases = [_at(q, (*path[:-1], "total")) for q in quarters]
        means = [_at(q, path) for q in quarters]
        pairs = [(n, m) for n, m in zip(cases, means, strict=True) if n]
        if any(not isinstance(n, int) or not isinstance(m, (int, float)) for n, m in pairs):
            return WITHHELD
        return one_place(sum(n * m for n, m in pairs) / sum(n for n, _ in pairs)) \
            if pairs else None
    if path[-1] == "minutes":
        return _sum_of(quarters, path)
    return year.derived[path].compute(*inputs)


def _operational_again(path: Path, quarters: list[dict[str, Any]]) -> Any:
    """Meetings and actions from the quarters too: counted again now, they would differ
    wherever a case was restricted or erased since, and describe it."""
    if not path[-1].endswith("pct"):
        return sum(_at(q, path) or 0 for q in quarters)
    share = {"pct": ("attended", "of"), "completed_pct": ("completed", "agreed"),
             "overdue_pct": ("overdue", "agreed")}[path[-1]]
    part, whole = (sum(_at(q, (*path[:-1], name)) or 0 for q in quarters) for name in share)
    return pct(part, whole)


def _sum_of(quarters: list[dict[str, Any]], path: Path) -> Any:
    values = [_at(q, path) for q in quarters]
    return sum(values) if all(isinstance(v, int) for v in values) else WITHHELD


def _at(figures: dict[str, Any], path: Path) -> Any:
    node: Any = figures
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node
