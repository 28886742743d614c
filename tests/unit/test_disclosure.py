import re
from collections.abc import Mapping, Sequence
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projections.disclosure import Equation, suppress

Key = tuple[str, ...]
Report = tuple[dict[Key, int], list[Equation[Key]]]


def _group(values: Mapping[str, int]) -> Report:
    counts: dict[Key, int] = {(name,): count for name, count in values.items()}
    counts[("total",)] = sum(values.values())
    return counts, [Equation(tuple((name,) for name in values), ("total",))]


def _table(grid: Sequence[Sequence[int]]) -> Report:
    """Rows x columns with row totals, column totals and a grand total, all published."""
    rows, cols = [f"r{i}" for i in range(len(grid))], [f"c{j}" for j in range(len(grid[0]))]
    counts: dict[Key, int] = {
        (row, col): grid[i][j] for i, row in enumerate(rows) for j, col in enumerate(cols)}
    equations: list[Equation[Key]] = []
    for row in rows:
        equations.append(Equation(tuple((row, col) for col in cols), (row, "total")))
    for col in cols:
        equations.append(Equation(tuple((row, col) for row in rows), ("total", col)))
    equations.append(Equation(tuple((row, "total") for row in rows), ("total", "total")))
    equations.append(Equation(tuple(("total", col) for col in cols), ("total", "total")))
    for equation in equations:
        counts[equation.total] = sum(counts[part] for part in equation.parts)
    return counts, equations


# An independent determinacy test: with published values moved to the right-hand side, a
# withheld key is determined iff adding its unit vector to the coefficient rows over the
# withheld keys leaves the rank unchanged. Dense and slow, which is fine for small tables.
def _rank(rows: list[list[Fraction]]) -> int:
    rows = [list(row) for row in rows]
    rank = 0
    for col in range(len(rows[0]) if rows else 0):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][col]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][col]:
                factor = rows[r][col] / rows[rank][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def _determined(equations: Sequence[Equation[Key]], withheld: frozenset[Key]) -> set[Key]:
    unknowns = sorted({key for eq in equations for key in (*eq.parts, eq.total)} & withheld)
    rows = []
    for eq in equations:
        rows.append([Fraction(1 if key in eq.parts else -1 if key == eq.total else 0)
                     for key in unknowns])
    base = _rank(rows)
    unit = [[Fraction(int(key == other)) for other in unknowns] for key in unknowns]
    return {key for key, row in zip(unknowns, unit, strict=True)
            if _rank([*rows, row]) == base}


def _equations_safe(counts: Mapping[Key, int], equations: Sequence[Equation[Key]],
                    withheld: frozenset[Key], threshold: int) -> bool:
    for eq in equations:
        hidden = [part for part in eq.parts if part in withheld]
        if len(hidden) + (eq.total in withheld) == 1:
            return False
        if eq.total not in withheld and hidden and sum(counts[p] for p in hidden) < threshold:
            return False
    return True


def test_a_small_cell_gets_the_smallest_non_zero_complement() -> None:
    counts, equations = _group({"a": 3, "b": 20, "c": 10, "d": 30})
    assert suppress(counts, equations, 5) == {("a",), ("c",)}


def test_small_cells_whose_sum_is_still_small_pull_in_another_part() -> None:
    counts, equations = _group({"a": 1, "b": 2, "c": 7, "d": 6})
    assert suppress(counts, equations, 5) == {("a",), ("b",), ("d",)}


def test_the_total_is_withheld_when_no_part_is_left_to_withhold() -> None:
    # "Police" is the only source in the second breakdown, so once it is withheld as the first
    # breakdown's complement, only its total can hide it.
    counts = {("police",): 9, ("idva",): 2, ("all",): 11, ("sources",): 9}
    equations = [Equation((("police",), ("idva",)), ("all",)),
                 Equation((("police",),), ("sources",))]
    assert suppress(counts, equations, 5) == {("idva",), ("police",), ("sources",)}


def test_zero_cells_stay_published_when_a_non_zero_complement_exists() -> None:
    counts, equations = _group({"a": 2, "none": 0, "b": 8})
    withheld = suppress(counts, equations, 5)
    assert withheld == {("a",), ("b",)}


@pytest.mark.parametrize("threshold", [1, 0, -3])
def test_a_threshold_of_one_or_less_withholds_nothing(threshold: int) -> None:
    counts, equations = _group({"a": 1, "b": 2})
    assert suppress(counts, equations, threshold) == frozenset()


def test_the_audit_hides_a_bridge_the_per_equation_rules_leave_determined() -> None:
    counts, equations = _table([[8, 8, 8, 10],
                                [8, 20, 1, 10],
                                [7, 8, 12, 8],
                                [20, 6, 20, 10]])
    # What the per-equation rules alone reach from the one small cell: two 2x2 cycles joined
    # by (r2, c0). Every row and column is locally safe, yet (r2, c0) lies on no cycle, so it is
    # the column-0 total minus the other cycle's published rows.
    local = frozenset({("r0", "c0"), ("r0", "c2"), ("r1", "c0"), ("r1", "c2"),
                       ("r2", "c0"), ("r2", "c1"), ("r2", "c3"), ("r3", "c1"), ("r3", "c3")})
    assert _equations_safe(counts, equations, local, 5)
    assert _determined(equations, local) == {("r2", "c0")}

    withheld = suppress(counts, equations, 5)
    assert withheld > local
    assert _determined(equations, withheld) == set()
    assert _equations_safe(counts, equations, withheld, 5)


@pytest.mark.parametrize(("counts", "equations", "message"), [
    ({("a",): -1, ("t",): -1}, [Equation((("a",),), ("t",))], "count for ('a',) is negative"),
    ({("a",): 1, ("b",): 2, ("t",): 4}, [Equation((("a",), ("b",)), ("t",))],
     "equation 0: parts do not sum to total ('t',)"),
    ({("a",): 1, ("t",): 1}, [Equation((("a",), ("b",)), ("t",))],
     "equation 0: no count for ('b',)"),
    ({("a",): 1, ("t",): 2}, [Equation((("a",), ("a",)), ("t",))], "names a key twice"),
    ({("t",): 0}, [Equation((), ("t",))], "has no parts"),
])
def test_inconsistent_reports_are_refused_naming_keys_only(
    counts: dict[Key, int], equations: list[Equation[Key]], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        suppress(counts, equations, 5)


# Reports as the platform publishes them; counts lean small so that suppression has work.
cells = st.one_of(st.integers(0, 6), st.integers(0, 40))


@st.composite
def groups(draw: st.DrawFn) -> Report:
    values = draw(st.lists(cells, min_size=1, max_size=6))
    return _group({f"p{i}": value for i, value in enumerate(values)})


@st.composite
def tables(draw: st.DrawFn) -> Report:
    rows, cols = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    return _table(draw(st.lists(st.lists(cells, min_size=cols, max_size=cols),
                                min_size=rows, max_size=rows)))


@st.composite
def calendars(draw: st.DrawFn) -> Report:
    """Agencies x months, with quarter and year columns and an all-agencies row: monthly
    counts add up to quarters, quarters to the year, agencies to the all-agencies row."""
    agencies = [f"a{i}" for i in range(draw(st.integers(1, 3)))]
    quarters = [f"q{q}" for q in range(1, draw(st.integers(1, 3)) + 1)]
    months = {q: [f"{q}m{m}" for m in range(1, 4)] for q in quarters}
    monthly = {(a, m): draw(cells) for a in agencies for q in quarters for m in months[q]}
    spans = {m: [m] for q in quarters for m in months[q]}
    spans.update({q: months[q] for q in quarters})
    spans["year"] = [m for q in quarters for m in months[q]]
    counts: dict[Key, int] = {}
    for column, span in spans.items():
        for agency in agencies:
            counts[(agency, column)] = sum(monthly[(agency, m)] for m in span)
        counts[("all", column)] = sum(counts[(a, column)] for a in agencies)
    equations: list[Equation[Key]] = []
    for agency in [*agencies, "all"]:
        for q in quarters:
            equations.append(Equation(tuple((agency, m) for m in months[q]), (agency, q)))
        equations.append(Equation(tuple((agency, q) for q in quarters), (agency, "year")))
    for column in spans:
        equations.append(Equation(tuple((a, column) for a in agencies), ("all", column)))
    return counts, equations


@st.composite
def bridged(draw: st.DrawFn) -> tuple[Report, int]:
    """Tables with small cells planted as two 2x2 cycles joined by one cell, the shape the
    per-equation rules leave determined; random tables rarely reach it."""
    threshold = draw(st.integers(2, 6))
    rows, cols = draw(st.integers(4, 5)), draw(st.integers(4, 5))
    r = draw(st.permutations(range(rows)))
    c = draw(st.permutations(range(cols)))
    planted = {(r[i], c[j]) for i, j in [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2),
                                         (2, 2), (2, 3), (3, 2), (3, 3)]}
    grid = [[draw(st.integers(1, threshold - 1) if (i, j) in planted
                  else st.integers(threshold, 40)) for j in range(cols)] for i in range(rows)]
    return _table(grid), threshold


reports = st.one_of(groups(), tables(), calendars())
thresholds = st.integers(2, 6)
cases = st.one_of(st.tuples(reports, thresholds), bridged())


@settings(max_examples=200, deadline=None)
@given(case=cases)
def test_withheld_cells_are_protected_in_every_report(case: tuple[Report, int]) -> None:
    (counts, equations), threshold = case
    withheld = suppress(counts, equations, threshold)

    assert withheld <= counts.keys()
    assert {key for key, count in counts.items() if 0 < count < threshold} <= withheld
    assert _determined(equations, withheld) == set()
    for eq in equations:
        hidden = [part for part in eq.parts if part in withheld]
        assert len(hidden) + (eq.total in withheld) != 1
        if hidden and eq.total not in withheld:
            assert len(hidden) >= 2
            assert sum(counts[part] for part in hidden) >= threshold


@settings(max_examples=50, deadline=None)
@given(report=reports, threshold=thresholds, data=st.data())
def test_the_same_report_is_suppressed_the_same_way_whatever_the_key_order(
    report: Report, threshold: int, data: st.DataObject
) -> None:
    counts, equations = report
    shuffled = dict(data.draw(st.permutations(list(counts.items()))))
    withheld = suppress(counts, equations, threshold)
    assert suppress(counts, equations, threshold) == withheld
    assert suppress(shuffled, equations, threshold) == withheld



def test_members_of_a_zero_total_are_known_and_never_chosen() -> None:
    # B's parts add up to 0, so every reader knows each is 0: withholding one hides nothing.
    counts = {"a1": 2, "a2": 6, "a": 8, "b1": 0, "b2": 0, "b": 0}
    equations = [Equation(("a1", "a2"), "a"), Equation(("b1", "b2"), "b")]
    withheld = suppress(counts, equations, 5)
    assert withheld == {"a1", "a2"}
    hidden_zero = suppress(counts, equations, 5, hidden=frozenset({"b1"}))
    assert "b1" not in hidden_zero  # a known zero is shown, whatever was asked
